"""The database side of ``bench/class_finish.py``, run by ``runstrong manage shell -c``
inside the served site's own environment (so on the same database, with the
same settings), as tests/served/seed.py is.

``CLASS_FINISH_TASK=seed``: sign up ``CLASS_FINISH_ATHLETES`` athletes through
the accounts service (password ``CLASS_FINISH_PASSWORD``); prints their
e-mail addresses as JSON on its last line.

``CLASS_FINISH_TASK=check``: reads the clients' logs (``CLASS_FINISH_LOG``, a
JSON file: per session id, the events the client holds in order and how many
the server acknowledged) and checks the database against them: every
acknowledged event stored, the stored log equal to the client's (nothing lost,
nothing doubled), exactly one result per finished session and no other
result, and each result equal to ``engine.result`` of the fold of its stored
events. Prints the verdict as JSON on its last line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def seed() -> dict[str, Any]:
    from runstrong.accounts import services as accounts

    password = os.environ["CLASS_FINISH_PASSWORD"]
    count = int(os.environ["CLASS_FINISH_ATHLETES"])
    emails = []
    for number in range(count):
        email = f"athlete{number:04d}@class.example"
        accounts.user_sign_up(email=email, password=password, display_name=f"Athlete {number}")
        emails.append(email)
    return {"emails": emails}


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


def check() -> dict[str, Any]:
    from runstrong.workouts import engine
    from runstrong.workouts.models import Result, SessionEvent, WorkoutSession

    logs: dict[str, dict[str, Any]] = json.loads(Path(os.environ["CLASS_FINISH_LOG"]).read_text())
    problems: list[str] = []
    stored_events: dict[str, list[dict[str, Any]]] = {key: [] for key in logs}
    for row in SessionEvent.objects.order_by("session_id", "seq"):
        key = str(row.session_id)
        if key not in stored_events:
            problems.append(f"event for a session no client made: {key}")
            continue
        if row.seq != len(stored_events[key]):
            problems.append(f"{key}: seq {row.seq} stored after {len(stored_events[key])} events")
        stored_events[key].append(row.to_event().to_dict())
    sessions = {
        str(session.id): session
        for session in WorkoutSession.objects.select_related("result").filter(id__in=list(logs))
    }
    results_in_db = Result.objects.count()
    checked = equal = 0
    acknowledged = stored_total = 0
    for key, log in logs.items():
        session = sessions.get(key)
        if session is None:
            problems.append(f"{key}: no such session")
            continue
        stored = stored_events[key]
        stored_total += len(stored)
        acknowledged += log["acked"]
        if len(stored) < log["acked"]:
            problems.append(f"{key}: {log['acked']} events acknowledged, {len(stored)} stored")
        if stored != log["events"]:
            problems.append(
                f"{key}: the stored log ({len(stored)} events) is not the client's "
                f"({len(log['events'])} events)"
            )
        if session.event_count != len(stored):
            problems.append(f"{key}: event_count {session.event_count}, {len(stored)} stored")
        state = engine.fold(
            session.session_plan(), [engine.event_from_dict(event) for event in stored]
        )
        result = getattr(session, "result", None)
        if state.status is not engine.Status.FINISHED:
            problems.append(f"{key}: not finished ({state.status})")
            if result is not None:
                problems.append(f"{key}: a result for an unfinished session")
            continue
        if result is None:
            problems.append(f"{key}: finished with no result")
            continue
        checked += 1
        folded = engine.result(state).to_dict()
        differ = [name for name in RESULT_FIELDS if getattr(result, name) != folded[name]]
        if differ:
            problems.append(f"{key}: result differs from the fold in {', '.join(differ)}")
        else:
            equal += 1
    if results_in_db != len(logs):
        problems.append(f"{results_in_db} results in the database for {len(logs)} sessions")
    return {
        "sessions": len(logs),
        "results_in_db": results_in_db,
        "results_checked": checked,
        "results_equal_to_fold": equal,
        "events_acknowledged": acknowledged,
        "events_stored": stored_total,
        "events_in_client_logs": sum(len(log["events"]) for log in logs.values()),
        "problems": problems[:20],
        "problem_count": len(problems),
    }


# ``manage shell -c`` runs this as a script: the task is in the environment.
_task = os.environ.get("CLASS_FINISH_TASK")
if _task == "seed":
    print(json.dumps(seed()))
elif _task == "check":
    print(json.dumps(check()))
