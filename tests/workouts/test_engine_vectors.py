"""The shared engine vectors (tests/vectors/engine/*.json) against the Python fold.

The browser's mirror of the engine runs the same files; see tests/vectors/README.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from runstrong.workouts.engine import (
    EventError,
    SessionPlan,
    State,
    Status,
    apply,
    event_from_dict,
    result,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "engine"
FILES = sorted(VECTORS.glob("*.json"))
STATE_KEYS = {
    "status",
    "started_at",
    "current_slot",
    "reps_done",
    "reps_left",
    "reps_left_in_slot",
    "active_ms",
    "paused_ms",
    "capped",
    "can_undo",
}


def load(path: Path) -> dict[str, Any]:
    vector: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return vector


def test_vectors_are_named_and_shaped_for_both_folds() -> None:
    assert len(FILES) >= 15
    numbers = []
    for path in FILES:
        assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*\.json", path.name), path.name
        numbers.append(int(path.name[:2]))
        vector = load(path)
        assert set(vector) == {"description", "plan", "events", "expect"}, path.name
        assert vector["description"], path.name
        expect = vector["expect"]
        if "error_at" in expect:
            assert set(expect) == {"error_at", "error_contains"}, path.name
            assert 0 <= expect["error_at"] < len(vector["events"]), path.name
        else:
            assert set(expect) in ({"now", "state"}, {"now", "state", "result"}), path.name
            assert set(expect["state"]) <= STATE_KEYS, path.name
    assert numbers == list(range(1, len(FILES) + 1)), "vector numbers run 01, 02, … without gaps"


def test_vectors_cover_every_outcome() -> None:
    expects = [load(path)["expect"] for path in FILES]
    results = [expect["result"] for expect in expects if "result" in expect]
    statuses = {expect["state"]["status"] for expect in expects if "state" in expect}
    assert statuses == {str(status) for status in Status}
    assert any(r["capped"] for r in results)
    assert any(r["unverified"] for r in results)
    assert any(r["scaled"] for r in results)
    assert any(r["paused_ms"] for r in results)
    assert sum("error_at" in expect for expect in expects) >= 15


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_python_fold_matches_vector(path: Path) -> None:
    vector = load(path)
    plan = SessionPlan.from_dict(vector["plan"])
    assert plan.to_dict() == vector["plan"], "the plan is stored exactly as SessionPlan.to_dict()"
    expect = vector["expect"]
    state = State(plan=plan)

    if "error_at" in expect:
        error_at = expect["error_at"]
        for raw in vector["events"][:error_at]:
            state = apply(state, event_from_dict(raw))
        with pytest.raises(EventError) as caught:
            apply(state, event_from_dict(vector["events"][error_at]))
        assert expect["error_contains"] in str(caught.value)
        return

    for raw in vector["events"]:
        state = apply(state, event_from_dict(raw))
    shown = state.to_dict(now=expect["now"])
    assert {key: shown[key] for key in expect["state"]} == expect["state"]
    if "result" in expect:
        outcome = result(state).to_dict()
        assert {key: outcome[key] for key in expect["result"]} == expect["result"]
    else:
        with pytest.raises(EventError):
            result(state)
