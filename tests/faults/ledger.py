"""What the server holds for one session, read through the ORM: its plan, its
events in order and its results. ``read_ledger`` runs in the test process (the
live server shares the test database) and, as source text, inside a served
site's own ``runstrong manage shell`` (``served.py``), so it imports nothing
from the tests."""

from __future__ import annotations

from typing import Any

RESULT_FIELDS = (
    "total_ms",
    "elapsed_ms",
    "paused_ms",
    "splits_ms",
    "rests_ms",
    "reps_done",
    "reps_total",
    "reps_per_minute",
    "scaled",
    "scaled_how",
    "capped",
    "reps_at_cap",
    "unverified",
    "unverified_why",
)


def read_ledger(session_id: str) -> dict[str, Any]:
    from runstrong.workouts.models import Result, SessionEvent, WorkoutSession

    session = WorkoutSession.objects.get(id=session_id)
    rows = list(SessionEvent.objects.filter(session_id=session_id).order_by("seq"))
    return {
        "plan": session.plan,
        "status": str(session.status),
        "event_count": session.event_count,
        "seqs": [row.seq for row in rows],
        "events": [row.as_dict() for row in rows],
        "results": [
            {name: getattr(result, name) for name in RESULT_FIELDS}
            for result in Result.objects.filter(session_id=session_id)
        ],
    }
