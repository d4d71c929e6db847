"""The four things every fault scenario asserts, in one place.

* the session resumed: the caller shows it (a resume dialog, a view);
* nothing lost or counted twice: the server's log is the phone's log, event
  for event, at positions 0, 1, 2 … with no gap and no repeat;
* the result is the fold: the stored result equals the engine's result for
  the stored events, field by field (the server never trusts a client total);
* a clear message: the caller reads the page's or the response's text.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from runstrong.workouts import engine

from .ledger import read_ledger


def phone_log(page: Page) -> list[dict[str, Any]]:
    """The session's log as the page holds it (IndexedDB's, folded on screen)."""
    return list(page.evaluate("() => window.runstrongSession.events"))


def fold_result(ledger: dict[str, Any]) -> dict[str, Any]:
    plan = engine.SessionPlan.from_dict(ledger["plan"])
    state = engine.fold(plan, [engine.event_from_dict(event) for event in ledger["events"]])
    assert state.status is engine.Status.FINISHED, f"the stored log ends {state.status}"
    return engine.result(state).to_dict()


def assert_kept_once_and_folded(
    ledger: dict[str, Any], phone_events: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Every event once, in order, one result, and that result is the fold.
    Returns the result."""
    count = len(ledger["events"])
    assert ledger["seqs"] == list(range(count)), f"gaps or repeats: {ledger['seqs']}"
    assert ledger["event_count"] == count
    if phone_events is not None:
        assert ledger["events"] == phone_events, "the server's log is not the phone's"
    assert len(ledger["results"]) == 1, f"{len(ledger['results'])} results stored"
    stored = ledger["results"][0]
    assert stored == fold_result(ledger)
    assert sum(stored["reps_done"]) == stored["reps_total"] or stored["capped"]
    return dict(stored)


def assert_session_kept_once_and_folded(
    session_id: Any, page: Page | None = None
) -> dict[str, Any]:
    """As above, for a session in this process's database (the live server's)."""
    ledger = read_ledger(str(session_id))
    return assert_kept_once_and_folded(ledger, phone_log(page) if page is not None else None)
