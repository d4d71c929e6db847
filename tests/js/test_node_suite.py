"""Runs the JavaScript tests (``node --test tests/js/``) as part of the pytest suite.

They hold the browser engine to the shared vectors in tests/vectors/engine, the
same files tests/workouts/test_engine_vectors.py holds the Python engine to.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from runstrong.workouts import engine

REPO = Path(__file__).resolve().parents[2]


def test_the_javascript_engine_passes_its_node_tests() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: scripts/test installs it")
    completed = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = completed.stdout + completed.stderr
    assert completed.returncode == 0, report[-6000:]
    assert "# fail 0" in report and "# pass 0" not in report


def random_event(rng: random.Random, state: engine.State, at: int) -> dict[str, Any]:
    kind = rng.choices(
        ["reps", "undo", "pause", "resume", "finish", "abandon", "start", "jump"],
        weights=[70, 5, 5, 5, 5, 1, 1, 1],
    )[0]
    if kind != "reps":
        return {"type": kind, "at": at}
    current = state.current_slot if state.current_slot is not None else 0
    left = state.reps_left_in_slot
    slot = current if rng.random() < 0.97 else rng.randrange(-1, len(state.plan.slots) + 1)
    n = rng.choice([left, left, max(1, min(left, rng.randint(1, 30))), rng.randint(-1, 60)])
    return {"type": "reps", "at": at, "slot": slot, "n": n}


def random_log(rng: random.Random, plan: dict[str, Any]) -> dict[str, Any]:
    """A mostly valid log, sometimes ending in an event the engine refuses."""
    state = engine.State(plan=engine.SessionPlan.from_dict(plan))
    at = 1_700_000_000_000
    events: list[dict[str, Any]] = [{"type": "start", "at": at}]
    state = engine.apply(state, engine.event_from_dict(events[0]))
    for _ in range(rng.randint(0, 60)):
        step = rng.choice([0, 1, 999, 4_000, 30_000, 61_000, 700_000, 1_800_000])
        candidate = random_event(rng, state, at + (-step if rng.random() < 0.01 else step))
        try:
            state = engine.apply(state, engine.event_from_dict(candidate))
        except engine.EventError:
            if rng.random() < 0.05:
                events.append(candidate)  # the folds must refuse it with the same words
                break
            continue
        events.append(candidate)
        at = candidate["at"]
        if state.status in (engine.Status.FINISHED, engine.Status.ABANDONED):
            break
        if state.status is engine.Status.COMPLETE and rng.random() < 0.8:
            events.append({"type": "finish", "at": at + rng.choice([0, 5])})
            break
    return {"plan": plan, "events": events, "now": at + rng.randint(0, 90_000)}


def python_outcome(log: dict[str, Any]) -> dict[str, Any]:
    state = engine.State(plan=engine.SessionPlan.from_dict(log["plan"]))
    for index, raw in enumerate(log["events"]):
        try:
            state = engine.apply(state, engine.event_from_dict(raw))
        except engine.EventError as error:
            return {"error_at": index, "error": f"EventError: {error}"}
    try:
        folded: Any = engine.result(state).to_dict()
    except engine.EventError as error:
        folded = f"EventError: {error}"
    return {"state": state.to_dict(now=log["now"]), "result": folded}


def test_both_engines_fold_a_thousand_random_logs_alike() -> None:
    """Beyond the hand-made vectors: the same answers, and the same error messages."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: scripts/test installs it")
    rng = random.Random(20250604)
    plans = [
        json.loads(path.read_text(encoding="utf-8"))["plan"]
        for path in sorted((REPO / "tests" / "vectors" / "engine").glob("*.json"))
    ]
    logs = [random_log(rng, rng.choice(plans)) for _ in range(1000)]

    completed = subprocess.run(
        [node, str(REPO / "tests" / "js" / "fold_many.mjs")],
        input=json.dumps(logs),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    in_javascript = json.loads(completed.stdout)
    for log, expected, got in zip(logs, map(python_outcome, logs), in_javascript, strict=True):
        assert got == expected, json.dumps(log)
