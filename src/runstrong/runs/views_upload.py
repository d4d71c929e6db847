"""The resumable upload's requests (``services_upload`` describes the protocol).

``POST /runs/uploads/`` with ``{"name", "size"}`` starts one; ``GET`` or
``HEAD /runs/uploads/<key>/`` says how many bytes the server holds;
``PUT /runs/uploads/<key>/`` with ``Content-Range: bytes a-b/total`` adds
bytes a to b. Every answer is JSON, refusals ``{"code", "message"}`` (and
``offset`` where the browser should go on from), including a lapsed log-in
(401) and a failed CSRF check (403): the page's script reads them all.

A chunk is read from the request as a stream (``request.read``), never through
``request.body``: Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards ``body``, and a
chunk of any size costs a megabyte of memory here.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from runstrong.accounts.web import request_athlete
from runstrong.runs import services_upload
from runstrong.runs.models import HistoryImport

# {"name": …, "size": …} and nothing much else.
MAX_START_BYTES = 4096
# A refused chunk's body is read and dropped up to this size (``_drain``).
DRAIN_AT_MOST = 40 * services_upload.MB  # beyond resumable.js's largest chunk (32 MB)
CONTENT_RANGE = re.compile(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15})")


def _refusal(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _refused(error: services_upload.UploadRefused) -> JsonResponse:
    extra = {} if error.offset is None else {"offset": error.offset}
    return _refusal(error.status, error.code, error.message, **extra)


class _JsonCsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check as it is, saying no in JSON rather than with a page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return _refusal(
            403,
            "csrf_failed",
            f"The page's security check failed ({reason}): reload the page and choose "
            "the file again; the upload goes on where it stopped.",
        )


def _not_a_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("only asked about a request, never called")


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    check = _JsonCsrfCheck(_not_a_view)
    check.process_request(request)
    return check.process_view(request, _not_a_view, (), {})


def _login_refusal() -> JsonResponse:
    return _refusal(
        401,
        "not_logged_in",
        "You are logged out: log in again in another tab, then choose the file again; "
        "the upload goes on where it stopped.",
    )


def _method_refusal(allowed: str) -> JsonResponse:
    response = _refusal(405, "method_not_allowed", f"Use {allowed}.")
    response["Allow"] = allowed
    return response


def _state(history: HistoryImport) -> dict[str, Any]:
    return {
        "key": str(history.key),
        "offset": services_upload.upload_offset(history),
        "size": history.size,
        "state": history.state,
        "url": reverse("runs:upload_chunks", args=[history.key]),
        "progress_url": reverse("runs:history", args=[history.key]),
    }


@csrf_exempt  # checked in the view, so that a refusal is JSON too
def upload_start(request: HttpRequest) -> HttpResponse:
    """``POST /runs/uploads/``: room for a new upload, or why not."""
    if request.method != "POST":
        return _method_refusal("POST")
    athlete = request_athlete(request)
    if athlete is None:
        return _login_refusal()
    # Before the CSRF check, which reads request.POST: on a form body that parses it.
    if request.content_type != "application/json":
        return _refusal(415, "unsupported_media_type", "Send the file's name and size as JSON.")
    if (refusal := _csrf_refusal(request)) is not None:
        return refusal
    raw = request.read(MAX_START_BYTES + 1)
    if len(raw) > MAX_START_BYTES:
        return _refusal(413, "too_large", "Send only the file's name and size.")
    try:
        fields = json.loads(raw)
        name, size = fields["name"], fields["size"]
    except (ValueError, TypeError, KeyError):
        return _refusal(400, "malformed", "Send the file's name and size as JSON.")
    if not isinstance(name, str) or not isinstance(size, int) or isinstance(size, bool):
        return _refusal(400, "malformed", "The name must be text and the size a whole number.")
    try:
        history = services_upload.upload_start(athlete=athlete, name=name, size=size)
    except services_upload.UploadRefused as error:
        return _refused(error)
    return JsonResponse(_state(history), status=201)


@csrf_exempt  # checked in the view, so that a refusal is JSON too
def upload_chunks(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """``GET``/``HEAD``: the bytes held (also in ``Upload-Offset``); ``PUT``: add a chunk."""
    if request.method not in ("GET", "HEAD", "PUT"):
        return _method_refusal("GET, HEAD, PUT")
    athlete = request_athlete(request)
    if athlete is None:
        _drain(request)
        return _login_refusal()
    # Another runner's upload is no different from none at all.
    history = HistoryImport.objects.filter(key=key, athlete=athlete).first()
    if history is None:
        _drain(request)
        return _refusal(404, "not_found", "There is no such upload: start it again.")
    if request.method == "PUT":
        refusal = _csrf_refusal(request)
        if refusal is None:
            refusal = _append(request, history)
        if refusal is not None:
            _drain(request)
            return refusal
    response = JsonResponse(_state(history))
    response["Upload-Offset"] = str(services_upload.upload_offset(history))
    response["Cache-Control"] = "no-store"
    return response


def _drain(request: HttpRequest) -> None:
    """Read what is left of a refused chunk's body, a piece at a time, and drop it.

    A server that answers before reading the body and closes the connection
    makes the client's kernel see a reset, and the browser then reports a
    network failure instead of the answer (a 409 with the offset to go on from
    becomes a wait and a retry). A body larger than a chunk is left unread."""
    try:
        left = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if left > DRAIN_AT_MOST:
        return
    with contextlib.suppress(OSError):  # the client went away: nothing to answer
        while request.read(services_upload.PIECE):
            pass


def _append(request: HttpRequest, history: HistoryImport) -> HttpResponse | None:
    """Add the request's bytes to the upload; a refusal, or None when they are in."""
    if request.content_type != "application/octet-stream":
        return _refusal(
            415, "unsupported_media_type", "Send the chunk as application/octet-stream."
        )
    match = CONTENT_RANGE.fullmatch(request.headers.get("Content-Range", "").strip())
    if match is None:
        return _refusal(
            422,
            "bad_range",
            "Say which bytes these are with a Content-Range header: bytes first-last/total.",
        )
    first, last, total = (int(group) for group in match.groups())
    if last < first:
        return _refusal(422, "bad_range", "The Content-Range ends before it starts.")
    if total != history.size:
        return _refusal(
            422,
            "wrong_file",
            f"This upload was started for {history.size} bytes, not {total}: is it the same file?",
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length != last - first + 1:
        return _refusal(
            400, "bad_length", "The Content-Length must be the size of the Content-Range."
        )
    try:
        services_upload.upload_append(history=history, offset=first, stream=request, length=length)
    except services_upload.UploadRefused as error:
        return _refused(error)
    return None
