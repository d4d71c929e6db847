"""What every router of the public API (``/api/v1/``) shares: its one error shape,
who is asking, and the error responses an operation declares.

Apps' ``api_v1.py`` routers import this module; ``runstrong/api.py`` imports
the routers and puts them together (apps never import upward, DESIGN §4).

Every refusal under ``/api/v1/`` is ``{"code", "message", "field"}``: ``code``
is a word a client can act on, ``message`` a sentence for a person, ``field``
the input at fault (``"events.3.seq"``) or null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer

from runstrong import errors
from runstrong.accounts.models import ApiToken, User


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class ApiError(Exception):
    """Raised anywhere in an operation; answered in the API's error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> HttpResponse:
        response = errors.api_v1_error(
            self.status, self.code, self.message, field=self.field, **self.extra
        )
        for name, value in self.headers.items():
            response[name] = value
        return response


def not_found(what: str) -> ApiError:
    # Something that exists but is not the asker's to see reads the same.
    return ApiError(404, "not_found", f"no such {what}")


# The refusals an operation may answer, declared in the OpenAPI document so
# that a client (and Schemathesis) knows each one's shape.
AUTH_ERRORS = (401, 403, 429)
READ_ERRORS = (*AUTH_ERRORS, 404, 422)
WRITE_ERRORS = (*READ_ERRORS, 400, 413, 415)


def with_errors(ok: Mapping[int, Any], *statuses: int) -> dict[int, Any]:
    """An operation's ``response=``: its own answers and the listed refusals."""
    return {**ok, **{status: ErrorOut for status in statuses if status not in ok}}


@dataclass(frozen=True)
class Caller:
    """Who made the request: an athlete (by token or by the site's cookie), or a visitor."""

    user: User | None
    token: ApiToken | None = None

    def __bool__(self) -> bool:
        # ninja takes a falsy answer from an auth callable as "not this one".
        return True

    @property
    def via(self) -> str:
        if self.token is not None:
            return "token"
        return "session" if self.user is not None else "visitor"


def caller(request: HttpRequest) -> Caller:
    """The request's caller, as the API's authentication left it."""
    found = getattr(request, "auth", None)
    assert isinstance(found, Caller), "every operation is behind the API's authentication"
    return found


def athlete(request: HttpRequest) -> User:
    """The logged-in athlete of an operation that visitors may not use."""
    user = caller(request).user
    if user is None:
        raise ApiError(401, "login_required", "send a token (Authorization: Bearer …)")
    return user


# The API's one renderer (``runstrong/api.py`` hands it to ninja), so an answer
# an operation renders itself (to keep it whole, as the board does for
# visitors) reads exactly as ninja would have written it.
RENDERER = JSONRenderer()
JSON_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"


def rendered(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """``data`` (already checked against its schema and dumped) as ninja answers it."""
    return HttpResponse(
        RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=JSON_TYPE,
    )
