"""The only code that writes workout data. Keyword-only, typed, one transaction each."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction

from runstrong.accounts.models import User
from runstrong.workouts import catalog, engine, signals
from runstrong.workouts.models import (
    Exercise,
    Program,
    Result,
    SessionEvent,
    Source,
    WorkoutSession,
)
from runstrong.workouts.selectors import (
    exercise_map,
    last_done_in_rotations,
    program_exercises,
    program_to_catalog,
)


class SessionNotFound(LookupError):
    """No such session for this athlete (someone else's counts as none)."""


class SequenceError(ValueError):
    """An event's sequence number does not fit the log: a gap or a conflicting resend."""


# ---------------------------------------------------------------------------
# Catalog.


def _exercise_fields(exercise: catalog.Exercise) -> dict[str, Any]:
    fields = dataclasses.asdict(exercise)
    fields.pop("slug")
    return {
        key: list(value) if isinstance(value, tuple) else value for key, value in fields.items()
    }


def _program_fields(program: catalog.Program) -> dict[str, Any]:
    return {
        "name": program.name,
        "description": program.description,
        "time_cap_minutes": program.time_cap_minutes,
        "slots": [{"key": s.key, "reps": s.reps, "pool": list(s.pool)} for s in program.slots],
    }


@transaction.atomic
def catalog_sync_builtin() -> tuple[int, int]:
    """Bring the built-in exercises and programs in the database up to the shipped files."""
    shipped = catalog.load_builtin()
    for exercise in shipped.exercises.values():
        Exercise.objects.update_or_create(
            slug=exercise.slug, defaults={**_exercise_fields(exercise), "source": Source.BUILTIN}
        )
    for program in shipped.programs.values():
        Program.objects.update_or_create(
            slug=program.slug, defaults={**_program_fields(program), "source": Source.BUILTIN}
        )
    return len(shipped.exercises), len(shipped.programs)


def catalog_check(*, path: Any) -> catalog.Catalog:
    """Validate a user's catalog file against what is installed; raise CatalogError."""
    return catalog.load_catalog_file(path, known_exercises=exercise_map())


@transaction.atomic
def catalog_install(
    *, path: Any, added_by: User | None = None, replace: bool = False
) -> catalog.Catalog:
    """Validate and install a user's catalog file: all of it, or (on any problem) none of it."""
    loaded = catalog_check(path=path)
    problems: list[str] = []
    taken = [
        *Exercise.objects.filter(slug__in=list(loaded.exercises)).values_list("slug", "source"),
        *Program.objects.filter(slug__in=list(loaded.programs)).values_list("slug", "source"),
    ]
    for slug, source in taken:
        if source == Source.BUILTIN:
            problems.append(f"{path}: '{slug}' is built in and cannot be replaced")
        elif not replace:
            problems.append(f"{path}: '{slug}' is already installed (add --replace to replace it)")
    if problems:
        raise catalog.CatalogError(problems)
    for exercise in loaded.exercises.values():
        Exercise.objects.update_or_create(
            slug=exercise.slug, defaults={**_exercise_fields(exercise), "source": Source.USER}
        )
    for program in loaded.programs.values():
        Program.objects.update_or_create(
            slug=program.slug,
            defaults={**_program_fields(program), "source": Source.USER, "added_by": added_by},
        )
    return loaded


# ---------------------------------------------------------------------------
# Athletes.


def athlete_local() -> User:
    """The athlete the CLI records for until accounts exist (``RUNSTRONG_ATHLETE``)."""
    user, created = User.objects.get_or_create(username=settings.LOCAL_ATHLETE)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# ---------------------------------------------------------------------------
# Sessions.


def session_start(
    *,
    athlete: User,
    program: Program,
    swaps: Mapping[str, str] | None = None,
    reps: Mapping[str, int] | None = None,
    session_id: UUID | None = None,
) -> WorkoutSession:
    """Create a session with its plan fixed: rotation resolved, scaling checked.

    Raises ``catalog.PlanError`` for a scaling choice the program does not allow.
    The ``start`` event is appended separately, when the clock really starts.
    """
    spec = program_to_catalog(program)
    plan = catalog.build_plan(
        spec,
        program_exercises(spec),
        last_done=last_done_in_rotations(athlete, spec),
        swaps=swaps,
        reps=reps,
    )
    fields: dict[str, Any] = {"athlete": athlete, "program": program, "plan": plan.to_dict()}
    if session_id is not None:
        fields["id"] = session_id
    return WorkoutSession.objects.create(**fields)


@dataclasses.dataclass(frozen=True)
class Appended:
    session: WorkoutSession
    state: engine.State
    duplicate: bool  # the event was already stored: nothing changed
    result: Result | None


def session_append(
    *, session_id: UUID | str, athlete: User, seq: int, event: Mapping[str, Any]
) -> Appended:
    """Append one event at position ``seq``; idempotent for an exact resend.

    Raises SessionNotFound, SequenceError, or engine.EventError; on any of them
    nothing is written. Finishing writes the result in the same transaction.
    """
    parsed = engine.event_from_dict(event)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise SequenceError("seq must be a whole number from 0")
    try:
        with transaction.atomic():
            session = (
                WorkoutSession.objects.select_for_update()
                .filter(id=session_id, athlete=athlete)
                .first()
            )
            if session is None:
                raise SessionNotFound(f"no session {session_id}")
            rows = list(session.events.order_by("seq"))
            events = [row.to_event() for row in rows]
            plan = session.session_plan()
            if seq < len(rows):
                if rows[seq].to_event() != parsed:
                    raise SequenceError(
                        f"event {seq} is already stored as a different {rows[seq].kind} event"
                    )
                state = engine.fold(plan, events)
                return Appended(session, state, True, getattr(session, "result", None))
            if seq > len(rows):
                raise SequenceError(
                    f"event {seq} arrived before event {len(rows)}: send that first"
                )
            state = engine.apply(engine.fold(plan, events), parsed)
            payload = parsed.to_dict()
            SessionEvent.objects.create(
                session=session,
                seq=seq,
                kind=payload.pop("type"),
                at=payload.pop("at"),
                data=payload,
            )
            session.status = str(state.status)
            session.event_count = seq + 1
            session.save(update_fields=["status", "event_count", "updated_at"])
            result = (
                _result_create(session, state) if state.status is engine.Status.FINISHED else None
            )
            return Appended(session, state, False, result)
    except IntegrityError:
        # Two writers raced for the same seq on a database without row locks
        # held long enough; the loser sees the winner's row on retry.
        raise SequenceError(f"event {seq} was stored by another request at the same time") from None


def _result_create(session: WorkoutSession, state: engine.State) -> Result:
    outcome = engine.result(state)
    assert state.started_at is not None
    result = Result.objects.create(
        session=session,
        athlete=session.athlete,
        program=session.program,
        core_exercise=_core_exercise(session.program, session.plan),
        started_at=datetime.fromtimestamp(state.started_at / 1000, tz=UTC),
        total_ms=outcome.total_ms,
        elapsed_ms=outcome.elapsed_ms,
        paused_ms=outcome.paused_ms,
        splits_ms=list(outcome.splits_ms),
        rests_ms=list(outcome.rests_ms),
        reps_done=list(outcome.reps_done),
        reps_total=outcome.reps_total,
        reps_per_minute=outcome.reps_per_minute,
        scaled=outcome.scaled,
        scaled_how=list(outcome.scaled_how),
        capped=outcome.capped,
        reps_at_cap=outcome.reps_at_cap,
        unverified=outcome.unverified,
        unverified_why=list(outcome.unverified_why),
        visibility=session.athlete.default_privacy,
    )
    signals.result_recorded.send(sender=Result, result=result)
    return result


def _core_exercise(program: Program, plan: Mapping[str, Any]) -> str:
    """The rotation's pick for the program's first rotating slot (else the first slot).

    The prescribed pick, not a scaled swap, so the rotation moves on either way.
    """
    slots = plan["slots"]
    for program_slot, plan_slot in zip(program.slots, slots, strict=False):
        if len(program_slot["pool"]) > 1:
            return str(plan_slot["prescribed_exercise"])
    return str(slots[0]["prescribed_exercise"])


def session_restore(
    *,
    athlete: User,
    program: Program,
    session_id: UUID,
    prescribed: Mapping[str, str],
    swaps: Mapping[str, str],
    reps: Mapping[str, int],
) -> WorkoutSession:
    """A session brought back from an export (``accounts/portability.py``), before its
    events are appended again with ``session_append``.

    Its plan is built again from the program as installed here, with the export's
    rotation pick (``prescribed``: slot key → exercise) and scaling, never taken
    from the file: a file cannot claim fewer reps or lower floors than the program
    allows without the result saying it was scaled. Returns the athlete's session
    with that id when it is already here (importing twice); raises SessionNotFound
    when another athlete's session has it, and ``catalog.PlanError`` for a pick or
    scaling the program does not allow.
    """
    existing = WorkoutSession.objects.filter(id=session_id).first()
    if existing is not None:
        if existing.athlete_id != athlete.pk:
            raise SessionNotFound(f"session {session_id} belongs to another athlete here")
        return existing
    spec = program_to_catalog(program)
    last_done: dict[str, str | None] = {}
    for slot in spec.slots:
        pick = prescribed.get(slot.key)
        if pick is None or pick not in slot.pool:
            raise catalog.PlanError(f"{slot.key}: {pick} is not in {program.slug}'s pool here")
        # The rotation picks the exercise after the last one done: name the one before.
        last_done[slot.key] = slot.pool[(slot.pool.index(pick) - 1) % len(slot.pool)]
    plan = catalog.build_plan(
        spec, program_exercises(spec), last_done=last_done, swaps=swaps, reps=reps
    )
    return WorkoutSession.objects.create(
        id=session_id, athlete=athlete, program=program, plan=plan.to_dict()
    )
