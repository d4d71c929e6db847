"""Account settings: a new e-mail address, a new password, and deleting the account.

The address changes only when the link sent to the new address is opened (a
signed token with an expiry, ``services.email_change_request``), and the link
asks for a click before it changes anything, since mail scanners open links.
The password change is Django's own view. Each form is rate-limited and, like
every form here, CSRF-protected by the middleware.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from runstrong import offline, ratelimit
from runstrong.accounts import services
from runstrong.accounts.forms import AccountDeleteForm, EmailChangeForm
from runstrong.accounts.web import logged_in_athlete, request_athlete


def _mail(to: str, template: str, context: dict[str, Any]) -> None:
    """One plain-text e-mail; its first line is the subject."""
    subject, _, body = render_to_string(template, context).partition("\n")
    send_mail(subject.strip(), body.lstrip("\n"), settings.DEFAULT_FROM_EMAIL, [to])


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = services.email_change_attempt(user=athlete)
        if not decision.allowed:
            return ratelimit.too_many_requests(request, decision, what="address changes")
        try:
            asked = services.email_change_request(
                user=athlete, new_email=form.cleaned_data["new_email"]
            )
        except services.EmailTaken:
            form.add_error("new_email", "Another account uses this address.")
        except services.EmailChangeInvalid as error:
            form.add_error("new_email", str(error))
        else:
            link = request.build_absolute_uri(reverse("accounts:email_confirm", args=[asked.token]))
            _mail(
                asked.new_email,
                "accounts/email_change_email.txt",
                {
                    "link": link,
                    "name": athlete.shown_name,
                    "hours": services.EMAIL_CHANGE_MAX_AGE // 3600,
                },
            )
            messages.success(
                request,
                f"We sent a link to {asked.new_email}. Open it within a day to switch to "
                "that address; until then you keep the one you have.",
            )
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/email_change.html",
        {"form": form},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the change and a button; POST makes it and tells the old address."""
    viewer = request_athlete(request)
    try:
        payload = services.email_change_read(token)
        if request.method == "POST":
            changed = services.email_change_confirm(token=token, viewer=viewer)
    except services.EmailChangeInvalid as error:
        return render(request, "accounts/email_confirm.html", {"problem": str(error)}, status=400)
    except services.EmailTaken:
        problem = (
            "Another account took this address after the link was sent, so yours stays as it was."
        )
        return render(request, "accounts/email_confirm.html", {"problem": problem}, status=409)
    if request.method != "POST":
        return render(request, "accounts/email_confirm.html", {"new_email": payload["new"]})
    _mail(
        changed.old_email,
        "accounts/email_changed_notice.txt",
        {
            "new_email": changed.user.email,
            "reset": request.build_absolute_uri(reverse("accounts:password_reset")),
        },
    )
    messages.success(request, f"Your e-mail address is now {changed.user.email}.")
    return redirect("accounts:profile" if viewer is not None else "accounts:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (it keeps this session logged in), rate-limited per athlete."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")
    claim: ratelimit.Decision | None = None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        decision = services.password_change_attempt(user=logged_in_athlete(request))
        if not decision.allowed:
            return ratelimit.too_many_requests(request, decision, what="password-change attempts")
        self.claim = decision
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        # Only wrong guesses count against the limit.
        if self.claim is not None:
            ratelimit.give_back(self.claim)
        return super().form_valid(form)

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Asks for the password after saying what goes; counted like a log-in attempt."""
    athlete = logged_in_athlete(request)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = services.login_attempt_claim(
            ip=ratelimit.client_ip(request), login=athlete.email or athlete.username
        )
        if not attempt.decision.allowed:
            return ratelimit.too_many_requests(request, attempt.decision, what="password attempts")
        try:
            services.account_delete(athlete=athlete, password=form.cleaned_data["password"])
        except services.WrongPassword as error:
            form.add_error("password", str(error))
        else:
            services.login_attempt_succeeded(attempt=attempt)
            logout(request)
            return redirect("accounts:deleted")
    return render(
        request,
        "accounts/delete.html",
        {"form": form},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET"])
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html", {"pages_cache": offline.PAGES_CACHE})
