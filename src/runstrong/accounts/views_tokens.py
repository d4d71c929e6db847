"""The API tokens section of the profile page: make one, see them, revoke one.

Each action is a plain form post that works without script; with htmx, only
the section is swapped. A new token's plain text is in the one answer that
makes it and in no other: there is no redirect after making one, since the
token would have to be stored to be shown on the next page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from runstrong.accounts import tokens
from runstrong.accounts.models import TokenScope
from runstrong.accounts.web import HtmxHttpRequest, logged_in_athlete


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What will use it, e.g. “watch app” or “club screen”.",
    )
    scope = forms.ChoiceField(
        label="It may",
        choices=[
            (TokenScope.READ, "Read my data"),
            (TokenScope.WRITE, "Read and write (record sessions, change results)"),
        ],
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
    )


def tokens_context(athlete: Any, **extra: Any) -> dict[str, Any]:
    """What ``accounts/_tokens.html`` shows (the profile page includes it too)."""
    return {
        "api_tokens": tokens.token_list(user=athlete),
        "token_form": extra.pop("token_form", None) or TokenForm(),
        **extra,
    }


def _section(request: HtmxHttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    template = "accounts/_tokens.html" if request.htmx else "accounts/tokens.html"
    response = render(request, template, context, status=status)
    # The answer that shows a new token must not be kept by any cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_POST
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = tokens.token_create(
                user=athlete, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
            )
        except tokens.TokenError as error:
            form.add_error(None, str(error))
        else:
            context = tokens_context(athlete, new_token=made.plain, new_token_name=made.token.name)
            return _section(request, context, 201 if request.htmx else 200)
    return _section(request, tokens_context(athlete, token_form=form), 422)


@login_required
@require_POST
def token_revoke(request: HtmxHttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    raw = str(request.POST.get("token", ""))
    # Revoking twice, or a token that is not yours, changes nothing: same answer.
    if raw.isdigit() and len(raw) <= 19:
        tokens.token_revoke(user=athlete, token_id=int(raw))
    if request.htmx:
        return _section(request, tokens_context(athlete, revoked=True), 200)
    return redirect(reverse("accounts:profile") + "#api-tokens")
