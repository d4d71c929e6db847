"""Logging out on a shared phone leaves nothing of the athlete's to read offline."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from runstrong.workouts.views_session import SESSION_PAGES_CACHE

from .helpers import new_session, ready_device, session_url, wait_for_view

pytestmark = pytest.mark.usefixtures("catalog_synced")

KEPT = "async name => !!(await (await caches.open(name)).match(location.href))"


def test_log_out_removes_the_offline_copies_of_session_pages(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    url = session_url(live_server.url, new_session(athlete))
    page.goto(url)
    wait_for_view(page, "ready")
    deadline = time.monotonic() + 10
    while not page.evaluate(KEPT, SESSION_PAGES_CACHE):
        assert time.monotonic() < deadline, "the service worker never kept the page"
        page.wait_for_timeout(50)

    # Log out is under Me (the session page itself has no navigation).
    page.goto(f"{live_server.url}/accounts/me/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("#offline-copies[data-done='true']")

    assert "removed from this device" in str(page.text_content("#offline-copies"))
    assert not page.evaluate("name => caches.has(name)", SESSION_PAGES_CACHE)
    # Offline, the session's address no longer opens the athlete's page.
    context.set_offline(True)
    # Playwright raises on the browser's network-error page: the right outcome.
    with contextlib.suppress(PlaywrightError):
        page.goto(url)
    body = _settled_html(page)
    assert "runstrongSession" not in body and athlete.shown_name not in body


def _settled_html(page: Page) -> str:
    """The page's HTML once the browser has stopped moving to its error page."""
    deadline = time.monotonic() + 10
    while True:
        try:
            page.wait_for_load_state()
            return str(page.evaluate("() => document.documentElement.outerHTML"))
        except PlaywrightError:
            assert time.monotonic() < deadline, "the page never settled"
            time.sleep(0.1)
