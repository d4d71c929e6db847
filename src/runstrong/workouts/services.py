"""The only code that writes workout data. Keyword-only, typed, one transaction each."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.text import clean_line
from runstrong.workouts import catalog, engine, signals
from runstrong.workouts.formatting import format_duration
from runstrong.workouts.models import (
    Exercise,
    Program,
    Result,
    SessionEvent,
    SessionStatus,
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


class PickError(catalog.PlanError):
    """A rotation pick the program does not allow; ``slot`` names the slot it was for."""

    def __init__(self, slot: str, message: str) -> None:
        super().__init__(message)
        self.slot = slot


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
    picks: Mapping[str, str] | None = None,
) -> WorkoutSession:
    """Create a session with its plan fixed: rotation resolved, scaling checked.

    ``picks`` (rotating slot key → exercise) overrides the rotation for those
    slots: a client that started offline on its own pick did that exercise.
    Raises ``PickError`` for a pick that is not in a rotating slot's pool (or a
    slot that does not rotate or does not exist), ``catalog.PlanError`` for a
    scaling choice the program does not allow.
    The ``start`` event is appended separately, when the clock really starts.
    """
    spec = program_to_catalog(program)
    picks = picks or {}
    slots = {slot.key: slot for slot in spec.slots}
    for key in sorted(picks):
        if key not in slots:
            raise PickError(key, f"{program.name} has no slot named {key}")
        if not slots[key].rotates:
            raise PickError(key, f"{key} does not rotate: there is nothing to pick")
    # The athlete's history only decides the rotating slots nobody picked.
    unpicked = any(slot.rotates and slot.key not in picks for slot in spec.slots)
    last_done = last_done_in_rotations(athlete, spec) if unpicked else {}
    last_done.update(_last_done_for_picks(spec, picks))
    plan = catalog.build_plan(
        spec, program_exercises(spec), last_done=last_done, swaps=swaps, reps=reps
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
                # A result logged by hand: finished with no events, nothing to add.
                .exclude(status=SessionStatus.FINISHED, event_count=0)
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
    for program_slot, plan_slot in zip(program_to_catalog(program).slots, slots, strict=False):
        if program_slot.rotates:
            return str(plan_slot["prescribed_exercise"])
    return str(slots[0]["prescribed_exercise"])


# ---------------------------------------------------------------------------
# Results logged by hand.

# No program in the catalog takes this long; a bigger figure is a typo.
MANUAL_LONGEST_MS = 4 * 60 * 60 * 1000
MANUAL_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# When the athlete gives a date but no time: midday in the site's time zone,
# far from either end of the day, so the result stays on the day they gave.
MANUAL_DEFAULT_TIME = time(12, 0)
# A scaled result may have done fewer reps than prescribed (how many is not
# recorded), so the floors cannot be applied; this only catches a slip of the
# finger (seconds typed as minutes).
MANUAL_SCALED_SHORTEST_MS = 60 * 1000


class ManualResultError(ValueError):
    """A hand-logged result that cannot be stored; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _manual_problems(
    *,
    plan: engine.SessionPlan,
    started_at: datetime,
    in_future: bool,
    total_ms: int,
    splits_ms: Sequence[int] | None,
    scaled: bool,
    time_cap_minutes: int | None,
) -> list[str]:
    problems: list[str] = []
    if in_future:
        problems.append("The date is in the future: log a workout once it is done.")
    elif started_at < MANUAL_EARLIEST:
        problems.append(f"The date is too far back: give one from {MANUAL_EARLIEST:%Y} on.")
    if not 0 < total_ms <= MANUAL_LONGEST_MS:
        problems.append(
            f"A total of {format_duration(total_ms)} is not plausible: "
            f"give a time above 0:00 and at most {format_duration(MANUAL_LONGEST_MS)}."
        )
    elif time_cap_minutes is not None and total_ms > time_cap_minutes * 60_000:
        problems.append(
            f"{format_duration(total_ms)} is over this program's {time_cap_minutes}-minute cap; "
            "a capped workout can only be recorded live."
        )
    floors = [slot.reps * slot.floor_seconds_per_rep * 1000 for slot in plan.slots]
    if scaled:
        if 0 < total_ms < MANUAL_SCALED_SHORTEST_MS:
            problems.append(
                f"A total of {format_duration(total_ms)} is not plausible, even scaled: "
                f"give at least {format_duration(MANUAL_SCALED_SHORTEST_MS)}."
            )
    elif 0 < total_ms < sum(floors):
        problems.append(
            f"A total of {format_duration(total_ms)} is faster than anyone could do "
            f"{plan.reps_target} reps (the plausible floor is {format_duration(int(sum(floors)))})."
        )
    if splits_ms is not None:
        if len(splits_ms) != len(plan.slots):
            problems.append(
                f"Give one split per exercise ({len(plan.slots)}), or none; "
                f"{len(splits_ms)} were given."
            )
        else:
            if any(split <= 0 for split in splits_ms):
                problems.append("Every split must be above 0:00.")
            if sum(splits_ms) != total_ms:
                problems.append(
                    f"The splits add up to {format_duration(sum(splits_ms))}, "
                    f"not to the total of {format_duration(total_ms)}."
                )
            if not scaled:
                for slot, split, floor in zip(plan.slots, splits_ms, floors, strict=True):
                    if 0 < split < floor:
                        problems.append(
                            f"{slot.exercise_name}: {slot.reps} reps in {format_duration(split)} "
                            f"is faster than the plausible {format_duration(int(floor))}."
                        )
    return problems


def result_log_manual(
    *,
    athlete: User,
    program: Program | str,
    started_at: date | datetime,
    total_ms: int,
    splits_ms: Sequence[int] | None = None,
    scaled: bool = False,
    scaled_how: str = "",
    now: datetime | None = None,
) -> Result:
    """Store a result done without the app ("on paper"), marked ``manual``.

    It is kept like any other result — in history, progress charts and the
    rotation — but never on a board, since nothing in it can be checked.
    Its session holds the plan as it would have been that day (so every page
    that names the slots reads it as usual), status finished, and no events.

    ``started_at`` is a date (the time is taken as midday, site time) or an
    aware datetime. Raises ``ManualResultError`` listing every problem; on any
    of them nothing is written.
    """
    now = now or timezone.now()
    if isinstance(started_at, datetime):
        moment = started_at
        in_future = moment > now
    else:
        in_future = started_at > timezone.localdate(now)
        # Today's workout logged in the morning: not yet midday, so "now".
        moment = min(timezone.make_aware(datetime.combine(started_at, MANUAL_DEFAULT_TIME)), now)
    if isinstance(program, str):
        found = Program.objects.filter(slug=program).first()
        if found is None:
            raise ManualResultError([f"There is no program called '{program}'."])
        program = found
    spec = program_to_catalog(program)
    with transaction.atomic():
        plan = catalog.build_plan(
            spec, program_exercises(spec), last_done=last_done_in_rotations(athlete, spec)
        )
        problems = _manual_problems(
            plan=plan,
            started_at=moment,
            in_future=in_future,
            total_ms=total_ms,
            splits_ms=splits_ms,
            scaled=scaled,
            time_cap_minutes=program.time_cap_minutes,
        )
        if problems:
            raise ManualResultError(problems)
        session = WorkoutSession.objects.create(
            athlete=athlete,
            program=program,
            plan=plan.to_dict(),
            status=SessionStatus.FINISHED,
        )
        # Shown on the result page beside the athlete's name: one clean line.
        note = clean_line(scaled_how)[:200]
        result = Result.objects.create(
            session=session,
            athlete=athlete,
            program=program,
            core_exercise=_core_exercise(program, session.plan),
            started_at=moment,
            total_ms=total_ms,
            # No pauses are known: the total is the time from start to finish.
            elapsed_ms=total_ms,
            paused_ms=0,
            splits_ms=list(splits_ms) if splits_ms is not None else [None] * len(plan.slots),
            rests_ms=[0] * len(plan.slots),
            reps_done=[slot.reps for slot in plan.slots],
            reps_total=plan.reps_target,
            reps_per_minute=round(plan.reps_target * 60_000 / total_ms, 1),
            scaled=scaled,
            scaled_how=[note or "logged as scaled"] if scaled else [],
            capped=False,
            reps_at_cap=None,
            unverified=False,
            unverified_why=[],
            visibility=athlete.default_privacy,
            manual=True,
        )
        signals.result_recorded.send(sender=Result, result=result)
    return result


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
    # Every slot's pick is given (a slot that does not rotate: its one exercise).
    last_done = _last_done_for_picks(
        spec, {slot.key: prescribed.get(slot.key) for slot in spec.slots}
    )
    plan = catalog.build_plan(
        spec, program_exercises(spec), last_done=last_done, swaps=swaps, reps=reps
    )
    return WorkoutSession.objects.create(
        id=session_id, athlete=athlete, program=program, plan=plan.to_dict()
    )


def _last_done_for_picks(
    spec: catalog.Program, picks: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The ``last_done`` that makes ``catalog.build_plan`` give these rotation picks
    (slot key → exercise), each checked against its slot's pool here; raises
    ``PickError`` for one that is not in it. Slots not in ``picks`` are left out."""
    last_done: dict[str, str | None] = {}
    for slot in spec.slots:
        if slot.key not in picks:
            continue
        pick = picks[slot.key]
        if pick is None or pick not in slot.pool:
            raise PickError(
                slot.key, f"{slot.key}: {pick} is not one of {spec.slug}'s {', '.join(slot.pool)}"
            )
        # The rotation picks the exercise after the last one done: name the one before.
        last_done[slot.key] = slot.pool[(slot.pool.index(pick) - 1) % len(slot.pool)]
    return last_done
