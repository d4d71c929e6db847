"""The workouts part of an athlete's export: sessions with their full event logs and
results, ``results.csv``, and the way back in (``accounts/portability.py``).

An import never takes a result's figures from the file: each session is started
again from the program installed here (the export's rotation pick and scaling,
checked by ``catalog.build_plan``) and its events are appended one by one
through ``services.session_append``, exactly as the live page sends them, so the
engine works the result out again and flags it as it would any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC
from typing import Any

from django.db.models import Prefetch

from runstrong.accounts import portability
from runstrong.accounts.models import User
from runstrong.workouts import catalog, engine, services
from runstrong.workouts.formatting import format_duration
from runstrong.workouts.models import Program, Result, SessionEvent, WorkoutSession

CHUNK = 200  # sessions fetched at a time, each with its events
# Appending one event, locked and folded: ~2.8 ms on SQLite (500 sessions of 27
# events in 37.6 s); rounded up.
SECONDS_PER_EVENT = 0.004


def _sessions(athlete: User) -> Iterator[WorkoutSession]:
    return (
        WorkoutSession.objects.filter(athlete=athlete)
        .select_related("program", "result")
        .prefetch_related(Prefetch("events", queryset=SessionEvent.objects.order_by("seq")))
        .order_by("created_at", "id")
        .iterator(chunk_size=CHUNK)
    )


def result_dict(result: Result) -> dict[str, Any]:
    return {
        "started_at": result.started_at.astimezone(UTC).isoformat(),
        "core_exercise": result.core_exercise,
        "total_ms": result.total_ms,
        "elapsed_ms": result.elapsed_ms,
        "paused_ms": result.paused_ms,
        "splits_ms": list(result.splits_ms),
        "rests_ms": list(result.rests_ms),
        "reps_done": list(result.reps_done),
        "reps_total": result.reps_total,
        "reps_per_minute": result.reps_per_minute,
        "scaled": result.scaled,
        "scaled_how": list(result.scaled_how),
        "capped": result.capped,
        "reps_at_cap": result.reps_at_cap,
        "unverified": result.unverified,
        "unverified_why": list(result.unverified_why),
        "visibility": result.visibility,
        "on_boards": result.on_boards,
        "review": result.review,
        "manual": result.manual,
    }


def _session_dict(session: WorkoutSession) -> dict[str, Any]:
    result = getattr(session, "result", None)
    return {
        "id": str(session.id),
        "program": session.program.slug,
        "status": session.status,
        "plan": session.plan,
        "events": [event.as_dict() for event in session.events.all()],
        "result": result_dict(result) if result is not None else None,
    }


def _parts(athlete: User) -> Mapping[str, Any]:
    return {"sessions": (_session_dict(session) for session in _sessions(athlete))}


# ---------------------------------------------------------------------------
# results.csv: one row per result; every duration in seconds and as m:ss.


def _slot_count(athlete: User) -> int:
    slots = (
        Program.objects.filter(results__athlete=athlete).distinct().values_list("slots", flat=True)
    )
    return max((len(value) for value in slots), default=0)


def _results_header(athlete: User) -> Sequence[str]:
    header = [
        "session_id",
        "started_at_utc",
        "program",
        "total_s",
        "total_m:ss",
        "elapsed_s",
        "paused_s",
        "reps_done",
        "reps_total",
        "reps_per_minute",
        "scaled",
        "scaled_how",
        "capped",
        "reps_at_cap",
        "unverified",
        "manual",
        "visibility",
        "on_boards",
    ]
    for slot in range(1, _slot_count(athlete) + 1):
        header += [
            f"slot_{slot}_exercise",
            f"slot_{slot}_reps",
            f"slot_{slot}_rest_s",
            f"slot_{slot}_split_s",
            f"slot_{slot}_split_m:ss",
        ]
    return header


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f}"


def _results_rows(athlete: User) -> Iterator[Sequence[object]]:
    slot_count = _slot_count(athlete)
    results = (
        Result.objects.filter(athlete=athlete)
        .select_related("program", "session")
        .order_by("started_at", "id")
        .iterator(chunk_size=500)
    )
    for result in results:
        row: list[object] = [
            str(result.session_id),
            result.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            result.program.slug,
            _seconds(result.total_ms),
            format_duration(result.total_ms),
            _seconds(result.elapsed_ms),
            _seconds(result.paused_ms),
            sum(result.reps_done),
            result.reps_total,
            f"{result.reps_per_minute:.1f}",
            result.scaled,
            "; ".join(result.scaled_how),
            result.capped,
            result.reps_at_cap,
            result.unverified,
            result.manual,
            result.visibility,
            result.on_boards,
        ]
        names = result.session.exercise_names
        for slot in range(slot_count):
            if slot < len(result.splits_ms):
                # A hand-logged result may leave its splits out (null).
                split = result.splits_ms[slot]
                rest = result.rests_ms[slot] if slot < len(result.rests_ms) else 0
                row += [
                    names[slot] if slot < len(names) else "",
                    result.reps_done[slot] if slot < len(result.reps_done) else "",
                    _seconds(int(rest)),
                    "" if split is None else _seconds(int(split)),
                    "" if split is None else format_duration(int(split)),
                ]
            else:
                row += ["", "", "", "", ""]
        yield row


# ---------------------------------------------------------------------------
# Import.


def _restore(restore: portability.Restore, part: Mapping[str, Any]) -> None:
    programs = {program.slug: program for program in Program.objects.all()}
    for position, data in enumerate(part["sessions"]):
        where = f"sections.workouts.sessions[{position}]"
        program = programs.get(data["program"])
        if program is None:
            restore.refuse(
                f"{where}.program",
                f"the program {data['program']!r} is not installed here "
                "(add it with `runstrong programs add FILE` first)",
            )
        if data["result"] is not None and data["result"]["manual"]:
            _restore_manual(restore, data, program, where)
            continue
        slots = data["plan"]["slots"]
        known = WorkoutSession.objects.filter(id=data["id"]).exists()
        try:
            session = services.session_restore(
                athlete=restore.athlete,
                program=program,
                session_id=data["id"],
                prescribed={slot["key"]: slot["prescribed_exercise"] for slot in slots},
                swaps={
                    slot["key"]: slot["exercise"]
                    for slot in slots
                    if slot["exercise"] != slot["prescribed_exercise"]
                },
                reps={
                    slot["key"]: slot["reps"]
                    for slot in slots
                    if slot["reps"] != slot["prescribed_reps"]
                },
            )
        except services.SessionNotFound as error:
            restore.refuse(f"{where}.id", str(error))
        except (catalog.PlanError, KeyError, ValueError) as error:
            restore.refuse(f"{where}.plan", f"does not fit the program here ({error})")
        for seq, event in enumerate(data["events"]):
            try:
                services.session_append(
                    session_id=session.id, athlete=restore.athlete, seq=seq, event=event
                )
            except (engine.EventError, services.SequenceError) as error:
                restore.refuse(f"{where}.events[{seq}]", str(error))
        if not known:
            restore.counts["sessions"] += 1
            restore.counts["results"] += Result.objects.filter(session_id=session.id).exists()


def _cost(athlete: User, part: Mapping[str, Any]) -> float:
    """Seconds to restore the sessions the athlete does not have yet."""
    ids = [data["id"] for data in part["sessions"]]
    have = {
        str(session_id)
        for session_id in WorkoutSession.objects.filter(id__in=ids).values_list("id", flat=True)
    }
    events = sum(len(data["events"]) for data in part["sessions"] if data["id"] not in have)
    return events * SECONDS_PER_EVENT


def _restore_manual(
    restore: portability.Restore, data: Mapping[str, Any], program: Program, where: str
) -> None:
    """A result logged by hand is logged again the same way, through
    ``services.result_log_manual`` (its checks, never on a board). It has no events
    to match by, so one of the same program, start and time that is already here
    counts as this one."""
    result = data["result"]
    if data["events"]:
        restore.refuse(f"{where}.events", "a result logged by hand has no events")
    started_at = restore.moment(f"{where}.result.started_at", result["started_at"])
    same = Result.objects.filter(
        athlete=restore.athlete,
        manual=True,
        program=program,
        started_at=started_at,
        total_ms=result["total_ms"],
    ).first()
    if same is None:
        splits = result["splits_ms"]
        note = "; ".join(result["scaled_how"])
        try:
            same = services.result_log_manual(
                athlete=restore.athlete,
                program=program,
                started_at=started_at,
                total_ms=result["total_ms"],
                splits_ms=None if None in splits else splits,
                scaled=result["scaled"],
                scaled_how="" if note == "logged as scaled" else note,
            )
        except services.ManualResultError as error:
            restore.refuse(f"{where}.result", str(error))
        restore.counts["sessions"] += 1
        restore.counts["results"] += 1
    restore.session_ids[data["id"]] = str(same.session_id)


SECTION = portability.Section(
    name="workouts",
    cost=_cost,
    parts=_parts,
    restore=_restore,
    tables=(portability.Table("results.csv", _results_header, _results_rows),),
)
