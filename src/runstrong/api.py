"""The public API, ``/api/v1/``: each app's router (``<app>/api_v1.py``) put together,
its OpenAPI document at ``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs``.

Every answer is JSON, and every refusal is one shape, ``{"code", "message",
"field"}`` (``api_base.ErrorOut``), with its status: 400 ``malformed`` (not
JSON), 401 ``login_required`` / ``invalid_token``, 403 ``read_only_token`` /
``csrf_failed``, 404 ``not_found``, 405 ``method_not_allowed``, 409 (an
operation's own conflicts), 413 ``too_large``, 415 ``unsupported_media_type``,
422 ``invalid`` (with the field) or an operation's own refusal, 429
``rate_limited`` (with ``Retry-After``), 503 ``unavailable``. Bad input never
gets a 500. Who may call what is ``accounts/api_auth.py``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from runstrong import errors
from runstrong.accounts import api_v1 as accounts_api
from runstrong.accounts.api_auth import ATHLETES
from runstrong.api_base import RENDERER, ApiError
from runstrong.community import api_v1 as community_api
from runstrong.plans import api_v1 as plans_api
from runstrong.runs import api_v1 as runs_api
from runstrong.workouts import api_v1 as workouts_api

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
RETRY_AFTER_S = 5


class JsonBodies(Parser):
    """Reads a request body only when it says it is JSON and is small enough."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise ApiError(
                415,
                "unsupported_media_type",
                "send the body as JSON (Content-Type: application/json)",
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ApiError(400, "malformed", "the Content-Length header is not a number") from None
        if length > MAX_BODY_BYTES:
            raise ApiError(
                413, "too_large", f"send at most {MAX_BODY_BYTES // 1024} KB per request"
            )

        def no_constants(name: str) -> None:
            raise ValueError(f"{name} is not a number")

        try:
            data = json.loads(request.body.decode("utf-8"), parse_constant=no_constants)
        except (ValueError, RecursionError):
            raise ApiError(400, "malformed", "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "malformed", "send a JSON object")
        return data


def _field(location: tuple[Any, ...]) -> str | None:
    """``("body", "payload", "events", 3, "seq")`` -> ``"events.3.seq"``."""
    parts = list(location)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source = parts.pop(0)
        # The body's one parameter is named in the code, not by the client.
        if source == "body" or (source == "query" and parts and parts[0] == "filters"):
            parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field(tuple(first.get("loc", ())))
    message = str(first.get("msg", "the request is not valid"))
    if field:
        message = f"{field}: {message}"
    elif tuple(first.get("loc", ("",)))[:1] == ("body",):
        message = "send the body: a JSON object"
    return errors.api_v1_error(422, "invalid", message, field=field)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ApiError):
        # Raised by JsonBodies, which ninja wraps in a plain 400.
        return cause.response()
    if isinstance(exc, AuthenticationError):
        return errors.api_v1_error(
            401,
            "login_required",
            "send a token (Authorization: Bearer …) or log in",
        )
    codes = {400: "malformed", 403: "forbidden", 404: "not_found", 429: "rate_limited"}
    return errors.api_v1_error(exc.status_code, codes.get(exc.status_code, "refused"), str(exc))


def _unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database out of reach a moment (restarting, locked, disk full):
    # nothing was half written (each write is one transaction); send again later.
    logger.exception("database unavailable during %s", request.path)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        message = "the server cannot answer just now: try again in a few seconds"
    else:
        message = (
            "the server cannot store anything just now (its database is unavailable or its "
            "disk is full): nothing of this request was kept, so send it again in a few seconds"
        )
    response = errors.api_v1_error(503, "unavailable", message)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class RunStrongApi(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        found = super()._get_urls()
        for pattern in found:
            if isinstance(pattern, URLPattern):
                pattern.callback = _answered_as_api(pattern.callback)
        return found


def _answered_as_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every answer is the caller's own (or may change a moment later): never kept by a
    cache. And ninja answers a method an address does not take with a plain-text 405:
    in JSON here."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "no-store")
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            # ninja lists the methods in no fixed order: sorted, an answer reads
            # the same every time.
            allowed = ", ".join(sorted(filter(None, response.get("Allow", "").split(", "))))
            refusal = errors.api_v1_error(
                405, "method_not_allowed", f"use {allowed}" if allowed else "not this method"
            )
            if allowed:
                refusal["Allow"] = allowed
            refusal["Cache-Control"] = "no-store"
            return refusal
        return response

    return wrapped


class Docs(Swagger):
    """django-ninja's Swagger UI page (its own static files), in a page a phone lays
    out at its own width (``templates/api/docs.html``)."""

    template = "api/docs.html"


api = RunStrongApi(
    title="RunStrong API",
    version="1",
    description=(
        "Programs, workout sessions and results. Authenticate with a personal access "
        "token made on your profile page, sent as `Authorization: Bearer <token>`; "
        "the site's own pages use their log-in cookie with a CSRF token. Every error "
        'is `{"code", "message", "field"}`.'
    ),
    urls_namespace="api-v1",
    auth=ATHLETES,
    parser=JsonBodies(),
    renderer=RENDERER,
    docs=Docs(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
)


def _refusal(request: HttpRequest, exc: Any) -> HttpResponse:
    """Every exception an operation may end in, answered in the one error shape."""
    if isinstance(exc, ApiError):
        return exc.response()
    if isinstance(exc, ValidationError):
        return _validation_error(request, exc)
    if isinstance(exc, HttpError):
        return _http_error(request, exc)
    if isinstance(exc, Http404):
        return errors.api_v1_error(404, "not_found", "nothing at this address")
    if isinstance(exc, RequestDataTooBig):
        return errors.api_v1_error(413, "too_large", "the request body is too large")
    if isinstance(exc, RawPostDataException):
        # A form body sent to an operation that reads JSON: the CSRF check of a
        # cookie caller has parsed it as a form already (Django reads a form's
        # token from the body), so the JSON parser finds it gone.
        return errors.api_v1_error(
            415,
            "unsupported_media_type",
            "send the body as JSON (Content-Type: application/json)",
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return _unavailable(request, exc)
    raise exc  # Django's handler500 answers, in this shape too (errors.py)


for refused in (
    ApiError,
    ValidationError,
    HttpError,
    Http404,
    RequestDataTooBig,
    RawPostDataException,
    OperationalError,
    InterfaceError,
):
    api.add_exception_handler(refused, _refusal)

api.add_router("/", accounts_api.router)
api.add_router("/", workouts_api.router, tags=["programs and sessions"])
api.add_router("/", community_api.router)
api.add_router("/", runs_api.router)
api.add_router("/", plans_api.router)
