"""The public API's programs and sessions (``/api/v1/programs``, ``/api/v1/sessions``).

The live session page uses these same endpoints (with its log-in cookie and
CSRF token), and so does ``runstrong go --server`` (with a token): one way
in. Every event goes through ``services.session_append``, one transaction
each, in the order sent. A resend of a stored event changes
nothing; an event past the end of the log (a gap) or one that differs from
the stored event at its position (a conflict) is refused with 409
``sequence`` and ``expected_seq``, the number of events the server holds, so
the client knows where to carry on. Events before the refused one stay stored.
A refusal of one event names it: ``field`` (``events.3``) and ``seq``.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictInt

from runstrong.accounts.api_auth import ANYONE, ATHLETES
from runstrong.api_base import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiError,
    ErrorOut,
    athlete,
    caller,
    not_found,
    with_errors,
)
from runstrong.workouts import catalog, engine, selectors, services
from runstrong.workouts.models import Program, Result, WorkoutSession

router = Router()

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
ProgramSlug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=80)]
# Events per request (the body's size limit is the API's, runstrong/api.py).
MAX_EVENTS_PER_REQUEST = 500
SessionStatus = Literal["ready", "running", "paused", "complete", "finished", "abandoned"]


# ---------------------------------------------------------------------------
# Schemas.


class ExerciseOut(Schema):
    slug: str
    name: str
    description: str
    muscles: list[str]
    cues: list[str]
    equipment: list[str]
    easier: list[str]
    harder: list[str]
    floor_seconds_per_rep: float


class SlotOut(Schema):
    key: str
    reps: int
    pool: list[str]  # exercise slugs; more than one: the slot rotates
    rotates: bool


class ProgramOut(Schema):
    slug: str
    name: str
    description: str
    time_cap_minutes: int | None
    reps_total: int
    slots: list[SlotOut]


class SlotPlanOut(Schema):
    key: str
    exercise: str
    exercise_name: str
    reps: int
    floor_seconds_per_rep: float
    prescribed_exercise: str
    prescribed_reps: int
    prescribed_exercise_name: str = ""


class PlanOut(Schema):
    program: str
    time_cap_ms: int | None
    slots: list[SlotPlanOut]


class ProgramDetailOut(ProgramOut):
    exercises: list[ExerciseOut]  # the program's exercises and their alternatives
    # What starting now gives the caller: the rotation resolved (a visitor gets its first pick).
    next_plan: PlanOut


class StateOut(Schema):
    status: SessionStatus
    started_at: int | None
    current_slot: int | None
    reps_done: list[int]
    reps_left: int
    reps_left_in_slot: int
    active_ms: int | None
    paused_ms: int
    capped: bool
    can_undo: bool


class SessionResultOut(Schema):
    id: int
    total_ms: int
    elapsed_ms: int
    paused_ms: int
    splits_ms: list[int | None]
    rests_ms: list[int]
    reps_done: list[int]
    reps_total: int
    reps_per_minute: float
    scaled: bool
    scaled_how: list[str]
    capped: bool
    reps_at_cap: int | None
    unverified: bool
    unverified_why: list[str]


class EventOut(Schema):
    seq: int
    type: str
    at: int
    slot: int | None = None
    n: int | None = None


class SessionOut(Schema):
    id: UUID
    program: str
    plan: PlanOut
    events: list[EventOut]
    event_count: int
    state: StateOut
    result: SessionResultOut | None
    result_url: str | None  # the result's page on this site, once finished


class SessionCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    program: Slug
    mode: Literal["prescribed", "scaled"] = "prescribed"
    # Scaled only: slot key -> an easier alternative, slot key -> fewer reps.
    swaps: dict[Annotated[str, Field(max_length=80)], Slug] = {}
    reps: dict[Annotated[str, Field(max_length=80)], StrictInt] = {}
    # A client that starts offline makes the id; sending it again returns that session.
    id: UUID | None = None
    picks: Annotated[
        dict[Annotated[str, Field(max_length=80)], Slug],
        Field(
            description=(
                "Rotating slot key -> exercise from that slot's pool, used instead of "
                "the server's rotation (a client that started offline did that exercise)."
            )
        ),
    ] = {}


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    seq: Annotated[StrictInt, Field(ge=0)]
    type: Annotated[str, Field(max_length=20)]
    at: StrictInt  # client time, ms since the epoch
    slot: StrictInt | None = None  # reps: the slot's position in the plan
    n: StrictInt | None = None  # reps: how many


class EventsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[EventIn], Field(min_length=1)]


class EventsOut(Schema):
    stored: int  # events the server holds for the session
    state: StateOut
    result: SessionResultOut | None
    result_url: str | None  # the result's page on this site, once finished


class EventsErrorOut(ErrorOut):
    expected_seq: int | None = None  # the next seq the server takes
    seq: int | None = None  # the refused event's seq


# ---------------------------------------------------------------------------
# Programs.


def _program_out(program: Program) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "name": program.name,
        "description": program.description,
        "time_cap_minutes": program.time_cap_minutes,
        "reps_total": program.reps_total,
        "slots": [
            {"key": slot.key, "reps": slot.reps, "pool": list(slot.pool), "rotates": slot.rotates}
            for slot in selectors.program_to_catalog(program).slots
        ],
    }


@router.get("/programs", response=with_errors({200: list[ProgramOut]}, *READ_ERRORS), auth=ANYONE)
def program_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every program: its slots, reps and rotation pools."""
    return [_program_out(program) for program in selectors.program_list()]


@router.get(
    "/programs/{program_slug}",
    response=with_errors({200: ProgramDetailOut}, *READ_ERRORS),
    auth=ANYONE,
)
def program_detail(request: HttpRequest, program_slug: ProgramSlug) -> dict[str, Any]:
    """One program with its exercises, and the plan starting it now would give the caller."""
    program = selectors.program_get(program_slug)
    if program is None:
        raise not_found("program")
    page = selectors.program_page(program, caller(request).user)
    return {
        **_program_out(program),
        "exercises": [_exercise(exercise) for exercise in page.exercises.values()],
        "next_plan": page.plan.to_dict(),
    }


def _exercise(exercise: catalog.Exercise) -> dict[str, Any]:
    return {
        "slug": exercise.slug,
        "name": exercise.name,
        "description": exercise.description,
        "muscles": list(exercise.muscles),
        "cues": list(exercise.cues),
        "equipment": list(exercise.equipment),
        "easier": list(exercise.easier),
        "harder": list(exercise.harder),
        "floor_seconds_per_rep": exercise.floor_seconds_per_rep,
    }


# ---------------------------------------------------------------------------
# Sessions.


def _result_url(result: Result | None) -> str | None:
    if result is None:
        return None
    try:
        # By name: the result page is community's (DESIGN §4: no import up).
        return reverse("community:result", args=[result.id])
    except NoReverseMatch:
        return None


def session_payload(session: WorkoutSession) -> dict[str, Any]:
    """A session as ``GET /sessions/{id}`` answers it; the live page embeds the same."""
    events = selectors.session_events(session)
    state = engine.fold(session.session_plan(), events)
    # The reverse one-to-one raises (an AttributeError subclass) when absent.
    result = getattr(session, "result", None) if state.status is engine.Status.FINISHED else None
    return {
        "id": str(session.id),
        "program": session.program.slug,
        "plan": session.plan,
        # Stored events are contiguous from 0, so an event's seq is its position.
        "events": [{"seq": seq, **event.to_dict()} for seq, event in enumerate(events)],
        "event_count": len(events),
        "state": state.to_dict(),
        "result": _result_out(result) if result is not None else None,
        "result_url": _result_url(result),
    }


@router.post(
    "/sessions",
    response=with_errors({200: SessionOut, 201: SessionOut, 409: ErrorOut}, *WRITE_ERRORS),
    auth=ATHLETES,
)
def session_create(request: HttpRequest, payload: SessionCreateIn) -> Status[dict[str, Any]]:
    """Start a session of a program, as prescribed or scaled; the server resolves the
    rotation, unless ``picks`` names the exercise done in a rotating slot.

    The ``start`` event is the client's to send (``POST /sessions/{id}/events``),
    when the clock really starts. 201 for a new session; 200 when ``id`` names
    one of the caller's sessions already (a create sent twice). A pick outside
    its slot's pool, or for a slot that does not rotate, is a 422 ``plan``
    naming it (``picks.core``)."""
    user = athlete(request)
    if payload.mode == "prescribed" and (payload.swaps or payload.reps):
        raise ApiError(
            422,
            "invalid",
            "swaps and reps scale a session: send them with mode 'scaled'",
            field="mode",
        )
    if payload.id is not None:
        if existing := selectors.session_get(payload.id, user):
            return Status(200, session_payload(existing))
        if WorkoutSession.objects.filter(id=payload.id).exists():
            raise ApiError(409, "id_taken", "that session id is taken: make another", field="id")
    program = selectors.program_get(payload.program)
    if program is None:
        raise ApiError(422, "invalid", f"there is no program '{payload.program}'", field="program")
    try:
        # A savepoint: an id taken by someone else (the race after the look
        # above) leaves the connection usable for the answer.
        with transaction.atomic():
            session = services.session_start(
                athlete=user,
                program=program,
                swaps=payload.swaps,
                reps=payload.reps,
                session_id=payload.id,
                picks=payload.picks,
            )
    except services.PickError as error:
        raise ApiError(422, "plan", str(error), field=f"picks.{error.slot}") from None
    except catalog.PlanError as error:
        raise ApiError(
            422, "plan", str(error), field="swaps" if payload.swaps else "reps"
        ) from None
    except IntegrityError:
        raise ApiError(
            409, "id_taken", "that session id is taken: make another", field="id"
        ) from None
    session = selectors.session_get(session.id, user) or session
    return Status(201, session_payload(session))


def _own_session(session_id: UUID, request: HttpRequest) -> WorkoutSession:
    session = selectors.session_get(session_id, athlete(request))
    if session is None:
        raise not_found("session")
    return session


@router.get(
    "/sessions/{uuid:session_id}",
    response=with_errors({200: SessionOut}, *READ_ERRORS),
    auth=ATHLETES,
)
def session_detail(request: HttpRequest, session_id: UUID) -> dict[str, Any]:
    """The session's plan, every stored event, its state and, once finished, its result."""
    return session_payload(_own_session(session_id, request))


def _events_answer(appended: services.Appended) -> dict[str, Any]:
    finished = appended.state.status is engine.Status.FINISHED
    result = appended.result if finished else None
    return {
        "stored": appended.session.event_count,
        "state": appended.state.to_dict(),
        "result": _result_out(result) if result is not None else None,
        "result_url": _result_url(result),
    }


def _result_out(result: Result) -> dict[str, Any]:
    return {name: getattr(result, name) for name in SessionResultOut.model_fields}


def _stored_count(session_id: UUID, request: HttpRequest) -> int:
    session = selectors.session_get(session_id, athlete(request))
    return session.event_count if session is not None else 0


@router.post(
    "/sessions/{uuid:session_id}/events",
    response=with_errors({200: EventsOut, 409: EventsErrorOut, 422: EventsErrorOut}, *WRITE_ERRORS),
    auth=ATHLETES,
)
def session_events(request: HttpRequest, session_id: UUID, payload: EventsIn) -> dict[str, Any]:
    """Append events with their sequence numbers (from 0), in order.

    A stored event sent again changes nothing; a gap or a different event at a
    stored position is a 409 with ``expected_seq``; an event the session cannot
    take (reps before start, time going backwards) is a 422 ``rejected``."""
    user = athlete(request)
    if len(payload.events) > MAX_EVENTS_PER_REQUEST:
        raise ApiError(
            413, "too_large", f"send at most {MAX_EVENTS_PER_REQUEST} events per request"
        )
    batch: list[tuple[int, dict[str, Any]]] = []
    # Every event's shape is checked before any is stored.
    for position, event in enumerate(payload.events):
        raw = event.model_dump(exclude_none=True)
        seq = raw.pop("seq")
        try:
            engine.event_from_dict(raw)
        except engine.EventError as error:
            raise ApiError(422, "invalid", str(error), field=f"events.{position}") from None
        batch.append((seq, raw))
    appended: services.Appended | None = None
    for position, (seq, raw) in enumerate(batch):
        try:
            appended = services.session_append(
                session_id=session_id, athlete=user, seq=seq, event=raw
            )
        except services.SessionNotFound:
            raise not_found("session") from None
        except services.SequenceError as error:
            raise ApiError(
                409,
                "sequence",
                str(error),
                field=f"events.{position}.seq",
                expected_seq=_stored_count(session_id, request),
                seq=seq,
            ) from None
        except engine.EventError as error:
            raise ApiError(
                422,
                "rejected",
                str(error),
                field=f"events.{position}",
                expected_seq=_stored_count(session_id, request),
                seq=seq,
            ) from None
    assert appended is not None
    return _events_answer(appended)


@router.post(
    "/sessions/{uuid:session_id}/abandon",
    response=with_errors({200: EventsOut, 409: EventsErrorOut}, *WRITE_ERRORS),
    auth=ATHLETES,
)
def session_abandon(request: HttpRequest, session_id: UUID) -> dict[str, Any]:
    """Stop the session for good: an ``abandon`` event appended after the stored ones.

    A finished or abandoned session is a 409 ``closed``. A client that keeps its
    own log should rather send ``abandon`` as its next event."""
    user = athlete(request)
    session = _own_session(session_id, request)
    state = selectors.session_state(session)
    if state.status in (engine.Status.FINISHED, engine.Status.ABANDONED):
        raise ApiError(
            409,
            "closed",
            f"the session is already {state.status}",
            expected_seq=session.event_count,
        )
    now_ms = int(time.time() * 1000)
    try:
        appended = services.session_append(
            session_id=session.id,
            athlete=user,
            seq=session.event_count,
            event={"type": "abandon", "at": max(now_ms, state.last_at or 0)},
        )
    except (services.SequenceError, engine.EventError) as error:
        # Another request stored an event in between: let the client look again.
        raise ApiError(
            409, "sequence", str(error), expected_seq=_stored_count(session_id, request)
        ) from None
    return _events_answer(appended)
