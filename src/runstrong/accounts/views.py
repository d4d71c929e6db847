"""Sign-up, log-in, password reset and profile pages.

Log-in, log-out and password reset are Django's own views, wrapped only to
add the rate limits; their security-sensitive parts (tokens, session rotation,
safe redirects) stay Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from runstrong import offline, ratelimit
from runstrong.accounts import backends, services, views_tokens
from runstrong.accounts.forms import EmailAuthenticationForm, ProfileForm, SignUpForm
from runstrong.accounts.models import User
from runstrong.accounts.web import HtmxHttpRequest


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workouts:home")


@require_GET
def logged_out(request: HttpRequest) -> HttpResponse:
    """Where log-out lands: its script deletes the offline copies of session pages."""
    if request.user.is_authenticated:
        return redirect("workouts:home")
    return render(request, "accounts/logged_out.html", {"pages_cache": offline.PAGES_CACHE})


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workouts:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = services.sign_up_attempt(ip=ratelimit.client_ip(request))
        if not decision.allowed:
            return ratelimit.too_many_requests(request, decision, what="sign-ups")
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except services.EmailTaken:
            form.add_error("email", "An account with this e-mail already exists.")
        else:
            login(request, user, backend="runstrong.accounts.backends.EmailBackend")
            messages.success(request, "Welcome to RunStrong. Pick a program and start.")
            return HttpResponseRedirect(_safe_next(request))
    # A form sent back with its errors: 422, the request was understood but
    # its content fails validation (see base.html's htmx-config).
    return render(
        request,
        "accounts/sign_up.html",
        {"form": form, "next": _safe_next(request)},
        status=422 if form.is_bound else 200,
    )


class LogInView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/log_in.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # The e-mail back end counts failures and refuses a limited client on
        # every way in (this form, the admin's), in the same step; here a
        # limited client gets a page that says how long to wait, instead of
        # the form's "wrong password".
        refusal = backends.login_refusal(self.request)
        if refusal is not None:
            return ratelimit.too_many_requests(self.request, refusal, what="log-in attempts")
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("email", ""))[:254]
        decision = services.reset_attempt(ip=ratelimit.client_ip(request), email=email)
        if not decision.allowed:
            return ratelimit.too_many_requests(request, decision, what="password-reset requests")
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The "Me" tab: the places a phone's four-tab bar has no room for, and log out."""
    return render(request, "accounts/me.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    saved = False
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.profile_update(user=user, **form.cleaned_data)
            if not request.htmx:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
            saved = True
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "units": user.units,
                "sex": user.sex,
                "birth_year": user.birth_year,
                "default_privacy": user.default_privacy,
            }
        )
    # An htmx submit swaps only the form, with its errors or a "saved" note.
    template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
    status = 422 if form.is_bound and not saved else 200
    context = {"form": form, "saved": saved}
    if not request.htmx:
        context.update(views_tokens.tokens_context(user))
    return render(request, template, context, status=status)
