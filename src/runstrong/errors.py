"""How the site refuses a request: its own page with a sentence that says what
to do, or, for any URL under ``/api/``, the API's JSON error.

The API's errors are ``{"code": <word>, "message": <sentence>, "field": <input
or null>}`` with the status: ``malformed`` (400), ``csrf_failed`` and
``forbidden`` (403), ``not_found`` (404), ``method_not_allowed`` (405, with an
``Allow`` header), ``too_large`` (413), ``unsupported_media_type`` (415),
``server_error`` (500); an operation may add its own codes (``<app>/api_v1.py``).

Django's own refusals reach the views below: the project URLconf names them as
``handler400`` … ``handler500``, and the settings name ``csrf_failure``. A 400
from Django is mostly its request parser refusing a body (too many files or
fields, too much text, a garbled form); ``refusal_for`` turns each kind into a
status and a sentence, which a view that reads its own body (the upload page)
shows in its own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views import csrf, defaults

from runstrong.community.models import COMMENT_MAX_LENGTH
from runstrong.runs.forms import MAX_FILES

API_PREFIX = "/api/"

# Every exception Django's request parser raises for a body it will not read.
UNREADABLE_BODY = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_v1_error(
    status: int, code: str, message: str, *, field: str | None = None, **extra: Any
) -> JsonResponse:
    """The API's error: what a client acts on, what a person reads, and the input at
    fault, if one is."""
    return JsonResponse({"code": code, "message": message, "field": field, **extra}, status=status)


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str

    @property
    def code(self) -> str:
        return "too_large" if self.status == 413 else "malformed"


def refusal_for(exception: Exception | None) -> Refusal:
    """The status and the sentence for a request Django refused to read (or to serve)."""
    if isinstance(exception, TooManyFilesSent):
        # Django stops at its own limit (DATA_UPLOAD_MAX_NUMBER_FILES, 100) as
        # soon as the part past it begins; the form's smaller one speaks below it.
        return Refusal(
            413,
            f"That is more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files; upload at most "
            f"{MAX_FILES} at a time, or put them in one zip.",
        )
    if isinstance(exception, RequestDataTooBig):
        # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) counts everything but files:
        # the longest text a form here takes is a comment.
        return Refusal(
            413,
            "That is more text than any form here takes: a comment can be at most "
            f"{COMMENT_MAX_LENGTH} characters. Go back, shorten it and send it again.",
        )
    if isinstance(exception, TooManyFieldsSent):
        return Refusal(
            413,
            "That form sent more fields than any form here has. "
            "Go back, reload the page and send it again.",
        )
    if isinstance(exception, MultiPartParserError) and "header size" in str(exception):
        # Each part's headers must fit in 1 KB (MAX_TOTAL_HEADER_SIZE), and a
        # file's name is the only long one a browser sends.
        return Refusal(
            400,
            "A file name is too long to read: rename the file to something shorter "
            "and choose it again.",
        )
    if isinstance(exception, MultiPartParserError):
        return Refusal(
            400,
            "What was sent could not be read: it was cut off or garbled on the way. "
            "Go back, reload the page and send it again.",
        )
    if isinstance(exception, DisallowedHost):
        return Refusal(400, "This site does not answer to that host name: use its own address.")
    return Refusal(
        400, "That request could not be understood. Go back, reload the page and try again."
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django refused the request (mostly its body) before any view read it.

    Not wrapped in ``requires_csrf_token`` as Django's own handler is: that
    runs the CSRF check again, which reads ``request.POST``, and when the Host
    header was refused before the body was read, a garbled body then raises in
    the handler (a 500). The page's token works without it: the CSRF
    middleware sets its cookie as the response passes on the way out."""
    refusal = refusal_for(exception)
    if is_api(request):
        return api_v1_error(refusal.status, refusal.code, refusal.message)
    return render(request, "400.html", {"message": refusal.message}, status=refusal.status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler403``."""
    if is_api(request):
        return api_v1_error(403, "forbidden", "you may not do that")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: nothing at the address (or nothing the asker may see)."""
    if is_api(request):
        return api_v1_error(404, "not_found", "nothing at this address")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the error is logged by Django; the page stays plain (500.html)."""
    if is_api(request):
        return api_v1_error(500, "server_error", "something went wrong here; try again later")
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the API says why in JSON; a page gets 403_csrf.html."""
    if is_api(request):
        return api_v1_error(403, "csrf_failed", f"CSRF check failed: {reason}")
    return csrf.csrf_failure(request, reason)
