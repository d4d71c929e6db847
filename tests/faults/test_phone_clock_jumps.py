"""Fault 5: the phone's clock jumps back ten minutes in the middle of a
workout, then forward twenty (a time-zone or network-time correction).

The page's ``Date.now`` is the phone's clock plus an offset the test moves
(an init script, before any page script runs); the engine takes the times the
phone gives and promises three things about them (``engine.py``,
live_session.md "Timestamps"): a time never goes backwards in the log (the
page gives a tap after a backwards jump the log's last time instead, so the
tap still counts); the result is computed from those times alone; and a
slot done faster than the exercise's plausible floor, as a jump back makes
it look, flags the result "unverified", off the boards until a moderator
looks. A jump forward is time the athlete appears to rest: it makes the
result slower, never faster, and the result shows it as a rest.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import (
    new_session,
    ready_device,
    session_url,
    shown_result,
    start,
    tap,
    wait_until_saved,
)

from .checks import assert_session_kept_once_and_folded, phone_log

pytestmark = pytest.mark.usefixtures("catalog_synced")

MOVABLE_CLOCK = """
(() => {
  const phoneClock = Date.now.bind(Date);
  let offset = 0;
  Date.now = () => phoneClock() + offset;
  window.moveClock = (ms) => { offset += ms; };
})();
"""
SET_MS = 40_000  # the time a set of 25 takes, played by moving the clock
MINUTE = 60_000


def tap_after(page: Page, ms: int, times: int = 1) -> None:
    for _ in range(times):
        page.evaluate("ms => window.moveClock(ms)", ms)
        tap(page)


def test_the_phone_clock_jumping_back_and_forward_never_makes_a_result_faster_unflagged(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    context.add_init_script(MOVABLE_CLOCK)
    session = new_session(athlete)
    page.goto(session_url(live_server.url, session))
    start(page)
    tap_after(page, SET_MS, 2)  # mountain climbers, at a plausible pace

    page.evaluate("ms => window.moveClock(ms)", -10 * MINUTE)
    tap_after(page, 0, 2)  # calf raises, on a clock now ten minutes behind
    page.evaluate("ms => window.moveClock(ms)", 20 * MINUTE)
    tap_after(page, SET_MS, 6)  # the rest, on a clock ten minutes ahead
    shown = shown_result(page)
    wait_until_saved(page)

    events = phone_log(page)
    times = [event["at"] for event in events]
    assert times == sorted(times), "a time went backwards in the log"
    # After the jump back the taps took the log's last time: they still count.
    last_before_jump = times[2]
    assert times[3] == times[4] == last_before_jump
    stored = assert_session_kept_once_and_folded(session.id, page)
    assert stored["reps_done"] == [50, 50, 50, 50, 50]

    # The result is the phone's times, jump forward included, shown as a rest.
    assert stored["total_ms"] == times[-1] - times[0] == shown["total_ms"]
    assert stored["total_ms"] > 10 * MINUTE + 6 * SET_MS
    assert stored["rests_ms"][2] > 10 * MINUTE - SET_MS
    # The slot the jump back squeezed into no time is flagged, and only it.
    assert stored["unverified"] is True
    assert stored["unverified_why"] == [
        "Calf raises: 50 reps in 0.0 s is faster than the plausible 20.0 s"
    ]
    expect(page.locator("#flags")).to_have_text(
        "Unverified, kept off the boards until checked: "
        "Calf raises: 50 reps in 0.0 s is faster than the plausible 20.0 s."
    )
    # About ten minutes, as stored (the slot's start is estimated from the pace of
    # its later sets, so a loaded machine can make it 9:59.9).
    expect(page.locator("#splits li").nth(2)).to_contain_text(
        re.compile(r"\(after (9:5\d|10:\d\d)\.\d rest\)")
    )
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")
