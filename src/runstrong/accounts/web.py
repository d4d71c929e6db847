"""Who is asking: the request's athlete, for views (one definition for every app)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from runstrong.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """What django-htmx's middleware adds, for the type checker."""

    htmx: HtmxDetails


def request_athlete(request: HttpRequest) -> User | None:
    """The logged-in athlete, or None for a visitor."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def logged_in_athlete(request: HttpRequest) -> User:
    """The athlete of a view behind ``login_required``, which let no visitor in."""
    user = request_athlete(request)
    assert user is not None, "the view must be behind login_required"
    return user
