"""Who may use the public API (``/api/v1/``), as ninja authentication callables.

* ``Authorization: Bearer rs_…``: a personal access token (``tokens.py``). It
  needs no CSRF token — a browser never adds the header on its own, so a
  forged cross-site request cannot carry it — and is only ever read from that
  header, never from a cookie. An unknown or revoked token is a 401, never a
  fall-back to the cookie; a read token is refused any write (403
  ``read_only_token``); each token is rate-limited (429 with ``Retry-After``).
* The site's own session cookie, as the pages use it: writes need the CSRF
  token (``X-CSRFToken``), exactly as a page's form does.
* Nobody: ``VISITOR`` lets an operation answer visitors too (public results).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie, HttpBearer

from runstrong.accounts import tokens
from runstrong.accounts.web import request_athlete
from runstrong.api_base import ApiError, Caller

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _CsrfFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own check; its verdict raised rather than rendered as a page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        raise _CsrfFailed(reason)


def _no_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("the CSRF check only looks at a view, never calls it")


def _check_csrf(request: HttpRequest) -> None:
    check = _CsrfCheck(_no_view)
    # The middleware skipped ninja's views (they are csrf_exempt to it).
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    try:
        check.process_view(request, _no_view, (), {})
    except _CsrfFailed as failed:
        raise ApiError(
            403,
            "csrf_failed",
            f"CSRF check failed ({failed.reason}): send the csrftoken cookie's value in "
            "X-CSRFToken, or use a token (Authorization: Bearer …) instead of the cookie",
        ) from None


class BearerToken(HttpBearer):
    """A personal access token in ``Authorization: Bearer …``."""

    def __call__(self, request: HttpRequest) -> Any:
        sent = request.headers.get("Authorization")
        if sent is None:
            return None  # not this way in: the cookie, or a visitor
        scheme, _, plain = sent.strip().partition(" ")
        if scheme.lower() != "bearer" or not plain.strip():
            raise ApiError(
                401, "invalid_token", "send the token as 'Authorization: Bearer <token>'"
            )
        return self.authenticate(request, plain.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        checked = tokens.token_authenticate(
            token,
            limit=settings.API_TOKEN_RATE_LIMIT,
            window_seconds=settings.API_TOKEN_RATE_WINDOW_SECONDS,
        )
        if checked is None:
            raise ApiError(
                401,
                "invalid_token",
                "this token is unknown or revoked: make a new one on your profile page",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if not checked.rate.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"this token may make {settings.API_TOKEN_RATE_LIMIT} requests in "
                f"{settings.API_TOKEN_RATE_WINDOW_SECONDS} seconds: try again in "
                f"{checked.rate.retry_after} s",
                headers={"Retry-After": str(checked.rate.retry_after)},
            )
        found = checked.token
        if request.method not in SAFE_METHODS and not found.can_write:
            raise ApiError(
                403,
                "read_only_token",
                "this token may only read: make one that may read and write to change anything",
            )
        return Caller(user=found.user, token=found)


class SessionCookie(APIKeyCookie):
    """The site's own log-in cookie; writes need the CSRF token as on every page."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # True tells the docs page (Swagger UI) to send the CSRF token.
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # ninja's own check would come first; ours, in authenticate, comes after
        # the log-in is known, so a visitor is told to log in (401), not CSRF.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request_athlete(request)
        if user is None:
            return None
        if request.method not in SAFE_METHODS:
            _check_csrf(request)
        return Caller(user=user)


def visitor(request: HttpRequest) -> Caller:
    """The last way in, for operations visitors may use too."""
    return Caller(user=None)


# ``auth=`` of an operation: ATHLETES for most, ANYONE where visitors may read.
ATHLETES = [BearerToken(), SessionCookie()]
ANYONE = [*ATHLETES, visitor]
