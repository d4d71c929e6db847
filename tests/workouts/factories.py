"""Helpers that build sessions and results through the real services."""

from __future__ import annotations

from typing import Any

from runstrong.workouts import services
from runstrong.workouts.models import Program, WorkoutSession

T0 = 1_760_000_000_000  # a fixed client clock, ms since the epoch


def complete_session(
    athlete: Any,
    program_slug: str = "runners-250",
    *,
    seconds_per_rep: float = 2.0,
    set_size: int = 25,
    start_at: int = T0,
    **start_options: Any,
) -> services.Appended:
    """Start, do every rep in sets of ``set_size``, and finish; return the last append."""
    program = Program.objects.get(slug=program_slug)
    session = services.session_start(athlete=athlete, program=program, **start_options)
    return finish_session(
        session, athlete, seconds_per_rep=seconds_per_rep, set_size=set_size, start_at=start_at
    )


def finish_session(
    session: WorkoutSession, athlete: Any, *, seconds_per_rep: float, set_size: int, start_at: int
) -> services.Appended:
    events: list[dict[str, Any]] = [{"type": "start", "at": start_at}]
    now = start_at
    for position, slot in enumerate(session.plan["slots"]):
        left = slot["reps"]
        while left:
            n = min(set_size, left)
            now += int(n * seconds_per_rep * 1000)
            events.append({"type": "reps", "at": now, "slot": position, "n": n})
            left -= n
    events.append({"type": "finish", "at": now})
    outcome = None
    for seq, event in enumerate(events):
        outcome = services.session_append(
            session_id=session.id, athlete=athlete, seq=seq, event=event
        )
    assert outcome is not None
    return outcome
