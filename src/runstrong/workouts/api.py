"""The live session's JSON API: read a session's log, append events to it.

The browser writes every tap to its own storage first and then sends the events
here with their sequence numbers, in order, possibly in batches and possibly
more than once (after a timeout it cannot tell whether a request arrived). So:

* an exact resend is accepted and changes nothing (``services.session_append``);
* each event is its own transaction, in the order given; the first one the
  server refuses stops the batch, and every answer says how many events the
  server holds (``stored`` or ``event_count``) so the client knows where to
  carry on or what to fetch again;
* errors are JSON with a ``code`` the client can act on (the shape every API
  URL answers in, ``runstrong.errors``):
  400 ``malformed`` (never retry), 403 ``login_required`` / ``csrf_failed``,
  404 ``not_found`` (someone else's session reads exactly like a missing one),
  405 ``method_not_allowed``, 409 ``sequence`` (resync from ``GET``),
  413 ``too_large`` (send fewer), 415 ``unsupported_media_type`` (send JSON),
  422 ``rejected`` (the engine refuses the event), 503 ``unavailable`` (the
  database cannot be reached or written just now: send again later).

CSRF protection stays on: the view is exempt from the middleware only so that
it can refuse a body that is not JSON before the check reads it (see
``session_events``), then run the same check itself.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt

from runstrong import errors
from runstrong.accounts.models import User
from runstrong.accounts.web import logged_in_athlete, request_athlete
from runstrong.workouts import engine, selectors, services
from runstrong.workouts.models import Result, WorkoutSession

MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS_PER_REQUEST = 500


_error = errors.api_error
logger = logging.getLogger(__name__)

# The database out of reach for a while: restarting, locked by another writer
# past the busy timeout, out of disk. The event being written is rolled back
# with its transaction (each event has its own), and the client keeps every
# event and sends it again, so this is a 503 that says so, never a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_S = 5


def _unavailable() -> HttpResponse:
    response = _error(
        503,
        "unavailable",
        "the server cannot store anything just now (its database is unavailable or "
        "its disk is full); your events are kept on your device: send them again later",
    )
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, returning the failure reason instead of a page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return _error(403, "csrf_failed", f"CSRF check failed: {reason}")


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("the CSRF check is only ever asked about a view")


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    check = _CsrfCheck(_no_response)
    # The middleware has already read the cookie into request.META; doing it
    # again is harmless and keeps this check whole on its own.
    check.process_request(request)
    return check.process_view(request, _no_response, (), {})


def _result_url(result: Result | None) -> str | None:
    if result is None:
        return None
    try:
        return reverse("community:result", args=[result.id])
    except NoReverseMatch:
        # The result page belongs to another part of the site; until it is
        # there the session page shows the result it folded itself.
        return None


def _result_dict(result: Result | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "id": result.id,
        "total_ms": result.total_ms,
        "elapsed_ms": result.elapsed_ms,
        "paused_ms": result.paused_ms,
        "splits_ms": result.splits_ms,
        "rests_ms": result.rests_ms,
        "reps_done": result.reps_done,
        "reps_total": result.reps_total,
        "reps_per_minute": result.reps_per_minute,
        "scaled": result.scaled,
        "scaled_how": result.scaled_how,
        "capped": result.capped,
        "reps_at_cap": result.reps_at_cap,
        "unverified": result.unverified,
        "unverified_why": result.unverified_why,
    }


def _stored_result(session: WorkoutSession) -> Result | None:
    # The reverse one-to-one raises (an AttributeError subclass) when absent.
    return getattr(session, "result", None)


def session_payload(session: WorkoutSession) -> dict[str, Any]:
    """Everything a client needs to continue or show a session (also embedded in its page)."""
    events = selectors.session_events(session)
    state = engine.fold(session.session_plan(), events)
    result = _stored_result(session) if state.status is engine.Status.FINISHED else None
    return {
        "id": str(session.id),
        "program": session.program.slug,
        "plan": session.plan,
        # Stored events are contiguous from 0, so an event's seq is its position.
        "events": [{"seq": seq, **event.to_dict()} for seq, event in enumerate(events)],
        "event_count": len(events),
        "state": state.to_dict(),
        "result": _result_dict(result),
        "result_url": _result_url(result),
    }


def _json_only(
    method: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allow one HTTP method and require a logged-in athlete, both answered in JSON."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @errors.api_methods(method)
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                # The log-in is read from the database too (the session row).
                if request_athlete(request) is None:
                    return _error(403, "login_required", "log in to use your sessions")
                return view(request, *args, **kwargs)
            except DATABASE_UNAVAILABLE:
                logger.exception("database unavailable during %s", request.path)
                return _unavailable()

        return wrapped

    return decorate


@_json_only("GET")
def session_detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """``GET /api/sessions/<id>/``: the plan, every stored event, the state, the result."""
    athlete = logged_in_athlete(request)  # _json_only let no visitor in
    session = selectors.session_get(session_id, athlete)
    if session is None:
        return _error(404, "not_found", "no such session")
    response = JsonResponse(session_payload(session))
    # A log read a moment ago may already be stale: never serve it from a cache.
    response["Cache-Control"] = "no-store"
    return response


def _parse_events(body: bytes) -> list[tuple[int, dict[str, Any]]] | str:
    """The ``(seq, event)`` pairs of a request body, or what is wrong with it."""

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a number")

    try:
        data = json.loads(body.decode("utf-8"), parse_constant=no_constants)
    except (ValueError, RecursionError):
        return "the body is not valid JSON"
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return 'send a JSON object {"events": [...]}'
    raw_events: list[Any] = data["events"]
    if not raw_events:
        return "no events: send at least one"
    parsed: list[tuple[int, dict[str, Any]]] = []
    for position, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            return f"events[{position}] is not an object"
        event = dict(raw)
        seq = event.pop("seq", None)
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return f"events[{position}] needs a whole-number 'seq' from 0"
        # Checked here so a malformed event is a 400 and nothing of the batch
        # is stored; the engine's verdict on a well-formed one is a 422 below.
        try:
            engine.event_from_dict(event)
        except engine.EventError as error:
            return f"events[{position}] (seq {seq}): {error}"
        parsed.append((seq, event))
    return parsed


def _event_count(session_id: UUID, athlete: User) -> int:
    session = selectors.session_get(session_id, athlete)
    return session.event_count if session is not None else 0


@csrf_exempt
@_json_only("POST")
def session_events(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """``POST /api/sessions/<id>/events/`` with ``{"events": [{"seq": N, "type": …}, …]}``."""
    athlete = logged_in_athlete(request)  # _json_only let no visitor in
    # Before the CSRF check: on a form body it reads request.POST, which parses
    # the body (a garbled one raises) and leaves request.body unreadable.
    if request.content_type != "application/json":
        return _error(
            415,
            "unsupported_media_type",
            "send the events as JSON (Content-Type: application/json)",
        )
    if (failure := _csrf_failure(request)) is not None:
        return failure
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "malformed", "the Content-Length header is not a number")
    if length > MAX_BODY_BYTES:
        return _error(413, "too_large", f"send at most {MAX_BODY_BYTES // 1024} KB per request")
    parsed = _parse_events(request.body)
    if isinstance(parsed, str):
        return _error(400, "malformed", parsed)
    if len(parsed) > MAX_EVENTS_PER_REQUEST:
        return _error(413, "too_large", f"send at most {MAX_EVENTS_PER_REQUEST} events per request")

    appended: services.Appended | None = None
    for seq, event in parsed:
        try:
            appended = services.session_append(
                session_id=session_id, athlete=athlete, seq=seq, event=event
            )
        except services.SessionNotFound:
            return _error(404, "not_found", "no such session")
        except services.SequenceError as error:
            count = _event_count(session_id, athlete)
            return _error(409, "sequence", str(error), seq=seq, event_count=count)
        except engine.EventError as error:
            count = _event_count(session_id, athlete)
            return _error(422, "rejected", str(error), seq=seq, event_count=count)
    assert appended is not None
    session = appended.session
    result = appended.result if appended.state.status is engine.Status.FINISHED else None
    return JsonResponse(
        {
            "stored": session.event_count,
            "state": appended.state.to_dict(),
            "result": _result_dict(result),
            "result_url": _result_url(result),
        }
    )
