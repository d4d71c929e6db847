"""Fault 2: no network from before the start to after the finish (moved here
from tests/browser/test_live_session.py, where it was "the session page works
offline once loaded")."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from runstrong.workouts.models import Result, SessionEvent
from tests.browser.helpers import (
    new_session,
    ready_device,
    session_url,
    shown_result,
    start,
    tap,
    wait_for_view,
    wait_until_saved,
)

from .checks import assert_session_kept_once_and_folded

pytestmark = pytest.mark.usefixtures("catalog_synced")

TAPS = 10  # the Runner's 250 in sets of 25
EVENTS = 12  # start, ten sets, finish


def test_a_whole_workout_done_offline_is_stored_once_when_the_network_returns(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    session = new_session(athlete)
    url = session_url(live_server.url, session)
    page.goto(url)
    wait_for_view(page, "ready")
    # The service worker keeps the page and its assets for offline use.
    kept = "async () => !!(await (await caches.open('runstrong-pages-v1')).match(location.href))"
    deadline = time.monotonic() + 10
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "the service worker never kept the page"
        page.wait_for_timeout(50)

    # The signal goes before the start and the page is loaded again without it.
    context.set_offline(True)
    page.reload()
    start(page)
    tap(page, TAPS)
    shown = shown_result(page)
    badge = page.locator("#sync-badge")
    expect(badge).to_have_text(f"offline — {EVENTS} taps waiting")
    expect(page.locator("#save-status")).to_have_text(
        "Saved on this phone. It will be posted to your history when the phone is back online."
    )
    assert not SessionEvent.objects.filter(session=session).exists()

    context.set_offline(False)
    wait_until_saved(page)
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")
    expect(badge).to_be_hidden()
    stored = assert_session_kept_once_and_folded(session.id, page)
    assert Result.objects.filter(session=session).count() == 1
    assert stored["splits_ms"] == shown["splits_ms"]
    assert stored["total_ms"] == shown["total_ms"]
