"""Fault 1: the page is reloaded in the middle of a slot, with taps the server
has not heard of yet (moved here from tests/browser/test_live_session.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import (
    shown_result,
    started_session,
    tap,
    wait_until_saved,
)

from .checks import assert_session_kept_once_and_folded

pytestmark = pytest.mark.usefixtures("catalog_synced")

TAPS = 10  # the Runner's 250 in sets of 25


def test_reload_in_the_middle_of_a_slot_then_resume_counts_every_rep_once(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, 1)
    page.wait_for_function("() => window.runstrongSession.sync.stored >= 2")
    # The next taps reach this phone's storage but not the server before the reload.
    context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    tap(page, 2)  # 50 mountain climbers, 25 of the 50 calf raises
    started_at = page.evaluate("() => window.runstrongSession.state.startedAt")

    page.reload()
    page.wait_for_selector("#resume-dialog[open]")
    # The clock runs on behind the dialog, so the dialog gives no time to go stale.
    expect(page.locator("#resume-summary")).to_contain_text(
        "75 of 250 reps done, the clock has kept running since the start."
    )
    expect(page.locator("#resume-summary")).to_contain_text("Resume where you stopped")
    context.unroute("**/api/**")
    page.click("#resume-yes")

    # The clock did not restart: the start is the one from before the reload.
    assert page.evaluate("() => window.runstrongSession.state.startedAt") == started_at
    assert page.text_content("#exercise-name") == "Calf raises"
    assert page.text_content("#slot-left") == "25"
    tap(page, TAPS - 3)
    shown = shown_result(page)
    wait_until_saved(page)
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")

    stored = assert_session_kept_once_and_folded(session.id, page)
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
    assert stored["splits_ms"] == shown["splits_ms"]
    assert stored["total_ms"] == shown["total_ms"]


def test_reload_while_paused_says_where_the_clock_stopped_and_resumes_paused(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, 1)
    page.click("#pause")
    page.wait_for_selector("#paused-note:not([hidden])")
    clock = page.text_content("#clock")

    page.reload()
    page.wait_for_selector("#resume-dialog[open]")
    expect(page.locator("#resume-summary")).to_contain_text(
        f"25 of 250 reps done, paused at {clock}."
    )
    page.click("#resume-yes")

    # Still paused, and its clock still: the time behind the dialog never ran.
    expect(page.locator("#pause")).to_have_text("Resume")
    page.wait_for_timeout(1200)
    assert page.text_content("#clock") == clock
    page.click("#pause")
    tap(page, TAPS - 1)
    shown_result(page)
    wait_until_saved(page)
    stored = assert_session_kept_once_and_folded(session.id, page)
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
    assert stored["paused_ms"] > 0
