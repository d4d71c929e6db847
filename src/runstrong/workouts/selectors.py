"""Reads for pages and commands; each fetches what it returns in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from runstrong.accounts.models import User
from runstrong.workouts import catalog, engine
from runstrong.workouts.models import Exercise, Program, Result, SessionStatus, WorkoutSession

OPEN_STATUSES = (
    SessionStatus.READY,
    SessionStatus.RUNNING,
    SessionStatus.PAUSED,
    SessionStatus.COMPLETE,
)


def exercise_to_catalog(row: Exercise) -> catalog.Exercise:
    return catalog.Exercise(
        slug=row.slug,
        name=row.name,
        description=row.description,
        muscles=tuple(row.muscles),
        cues=tuple(row.cues),
        equipment=tuple(row.equipment),
        easier=tuple(row.easier),
        harder=tuple(row.harder),
        floor_seconds_per_rep=row.floor_seconds_per_rep,
    )


def program_to_catalog(row: Program) -> catalog.Program:
    return catalog.Program(
        slug=row.slug,
        name=row.name,
        description=row.description,
        time_cap_minutes=row.time_cap_minutes,
        slots=tuple(
            catalog.Slot(key=slot["key"], reps=int(slot["reps"]), pool=tuple(slot["pool"]))
            for slot in row.slots
        ),
    )


def program_list() -> QuerySet[Program]:
    return Program.objects.all()


def program_get(slug: str) -> Program | None:
    return Program.objects.filter(slug=slug).first()


def exercise_map(slugs: Iterable[str] | None = None) -> dict[str, catalog.Exercise]:
    """Exercises as catalog objects by slug (all of them when ``slugs`` is None)."""
    rows = (
        Exercise.objects.all() if slugs is None else Exercise.objects.filter(slug__in=list(slugs))
    )
    return {row.slug: exercise_to_catalog(row) for row in rows}


def program_exercises(program: catalog.Program) -> dict[str, catalog.Exercise]:
    """The exercises a program uses, with their easier alternatives."""
    slugs = {slug for slot in program.slots for slug in slot.pool}
    first = exercise_map(slugs)
    alternatives = {alt for exercise in first.values() for alt in exercise.easier + exercise.harder}
    return {**exercise_map(alternatives - set(first)), **first}


def last_done_in_rotations(athlete: User, program: catalog.Program) -> dict[str, str | None]:
    """For each rotating slot, the pool exercise the athlete did most recently (any program)."""
    rotating = [slot for slot in program.slots if slot.rotates]
    if not rotating:
        return {}
    pools = {slug for slot in rotating for slug in slot.pool}
    recent = (
        Result.objects.filter(athlete=athlete, core_exercise__in=pools)
        .order_by("-started_at")
        .values_list("core_exercise", flat=True)[:1]
    )
    last = next(iter(recent), None)
    return {slot.key: last if last in slot.pool else None for slot in rotating}


def session_get(session_id: UUID | str, athlete: User) -> WorkoutSession | None:
    """The athlete's own session, or None (another athlete's is as good as missing).

    A result logged by hand has a session with no events and no live page: None.
    """
    return (
        WorkoutSession.objects.select_related("program")
        .filter(id=session_id, athlete=athlete)
        .exclude(status=SessionStatus.FINISHED, event_count=0)
        .first()
    )


def session_open_latest(athlete: User, program: Program | None = None) -> WorkoutSession | None:
    """The athlete's most recent session that was neither finished nor abandoned."""
    sessions = WorkoutSession.objects.select_related("program").filter(
        athlete=athlete, status__in=OPEN_STATUSES
    )
    if program is not None:
        sessions = sessions.filter(program=program)
    return sessions.order_by("-updated_at").first()


def session_events(session: WorkoutSession) -> list[engine.Event]:
    return [row.to_event() for row in session.events.order_by("seq")]


def session_state(session: WorkoutSession) -> engine.State:
    return engine.fold(session.session_plan(), session_events(session))


def result_get(result_id: int, athlete: User | None = None) -> Result | None:
    results = Result.objects.select_related("program", "session", "athlete")
    if athlete is not None:
        results = results.filter(athlete=athlete)
    return results.filter(id=result_id).first()


def result_list(athlete: User, *, program: Program | None = None, limit: int = 50) -> list[Result]:
    results = Result.objects.select_related("program").filter(athlete=athlete)
    if program is not None:
        results = results.filter(program=program)
    return list(results.order_by("-started_at")[:limit])


def result_last(athlete: User, program: Program) -> Result | None:
    return Result.objects.filter(athlete=athlete, program=program).order_by("-started_at").first()


def result_previous_best(result: Result) -> Result | None:
    """The athlete's fastest earlier finish of this program, done the same way (scaled or not)."""
    return (
        Result.objects.filter(
            athlete_id=result.athlete_id,
            program_id=result.program_id,
            scaled=result.scaled,
            capped=False,
            started_at__lt=result.started_at,
        )
        .order_by("total_ms", "started_at")
        .first()
    )


# ---------------------------------------------------------------------------
# Pages. Each returns everything its page shows, in a fixed number of queries.

DEFAULT_PROGRAM = "runners-250"


@dataclass(frozen=True)
class HomeSummary:
    program: Program | None  # the athlete's usual program: that of their latest session
    next_core: catalog.Exercise | None  # what the rotation gives next in that program
    last_result: Result | None
    open_session: WorkoutSession | None


def home_summary(athlete: User) -> HomeSummary:
    """At most six queries, whatever the athlete has done."""
    latest = (
        WorkoutSession.objects.select_related("program")
        .filter(athlete=athlete)
        .order_by("-created_at")
        .first()
    )
    program = latest.program if latest is not None else program_get(DEFAULT_PROGRAM)
    next_core = None
    if program is not None:
        spec = program_to_catalog(program)
        last_done = last_done_in_rotations(athlete, spec)
        rotating = next((slot for slot in spec.slots if slot.rotates), None)
        if rotating is not None:
            slug = engine.rotation_next(rotating.pool, last_done.get(rotating.key))
            next_core = exercise_map([slug]).get(slug)
    last_result = (
        Result.objects.select_related("program")
        .filter(athlete=athlete)
        .order_by("-started_at")
        .first()
    )
    return HomeSummary(
        program=program,
        next_core=next_core,
        last_result=last_result,
        open_session=session_open_latest(athlete),
    )


@dataclass(frozen=True)
class ProgramPage:
    program: Program
    spec: catalog.Program
    exercises: dict[str, catalog.Exercise]  # the program's exercises and their alternatives
    plan: engine.SessionPlan  # what starting now would give this athlete (rotation resolved)
    open_session: WorkoutSession | None


def program_page(program: Program, athlete: User | None) -> ProgramPage:
    """Four queries for an athlete, two for a visitor (who gets the rotation's first pick)."""
    spec = program_to_catalog(program)
    exercises = program_exercises(spec)
    last_done = last_done_in_rotations(athlete, spec) if athlete is not None else {}
    return ProgramPage(
        program=program,
        spec=spec,
        exercises=exercises,
        plan=catalog.build_plan(spec, exercises, last_done=last_done),
        open_session=session_open_latest(athlete) if athlete is not None else None,
    )


def history(athlete: User, *, limit: int = 500) -> list[Result]:
    """The athlete's latest results, newest first, with their programs: one query."""
    return list(
        Result.objects.select_related("program")
        .filter(athlete=athlete)
        .order_by("-started_at")[:limit]
    )


def program_slot_names(programs: Iterable[Program]) -> dict[str, list[str]]:
    """For each program slug, a readable name per slot ("Calf raises",
    "Mountain climbers / Sit-ups"): one query for all the programs."""
    specs = [program_to_catalog(program) for program in programs]
    names = {
        slug: exercise.name
        for slug, exercise in exercise_map(
            {slug for spec in specs for slot in spec.slots for slug in slot.pool}
        ).items()
    }
    return {
        spec.slug: [" / ".join(names.get(slug, slug) for slug in slot.pool) for slot in spec.slots]
        for spec in specs
    }
