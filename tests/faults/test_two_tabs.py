"""Fault 6: one session open in two tabs of one phone, taps alternating between
them (moved here from tests/browser/test_live_session.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

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

TAPS = 10  # the Runner's 250 in sets of 25
EVENTS = 12  # start, ten sets, finish


def test_two_tabs_on_one_session_do_not_double_count(
    live_server: Any, athlete: Any, context: BrowserContext
) -> None:
    ready_device(context, live_server.url, athlete)
    session = new_session(athlete)
    first, second = context.new_page(), context.new_page()
    first.goto(session_url(live_server.url, session))
    start(first)
    tap(first, 2)
    second.goto(session_url(live_server.url, session))
    second.wait_for_selector("#resume-dialog[open]")
    expect(second.locator("#resume-summary")).to_contain_text("50 of 250 reps done")
    second.click("#resume-yes")

    # Taps alternate between the tabs; each tab's sender posts whatever the
    # shared storage holds, so the same events go out more than once.
    for turn in range(TAPS - 2):
        tap(second if turn % 2 == 0 else first, 1)
    for page in (first, second):
        page.wait_for_function(f"() => window.runstrongSession.events.length === {EVENTS}")

    shown = shown_result(second)
    wait_until_saved(second)
    for page in (first, second):
        expect(page.locator("#save-status")).to_have_text("Saved to your history.")
    assert phone_log(first) == phone_log(second)
    stored = assert_session_kept_once_and_folded(session.id, second)
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
    assert stored["splits_ms"] == shown["splits_ms"]
    assert stored["total_ms"] == shown["total_ms"]
    assert shown_result(first)["splits_ms"] == shown["splits_ms"]
