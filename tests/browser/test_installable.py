"""The installed app: Chromium finds nothing against installing RunStrong, and
its start URL opens with no network once home has been visited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from runstrong.workouts.views_app import manifest_data
from runstrong.workouts.views_session import SESSION_PAGES_CACHE

from .conftest import CHROMIUM, LAUNCH_ARGS, TIMEOUT_MS

pytestmark = pytest.mark.usefixtures("catalog_synced")

HOME_KEPT = (
    "async name => !!(await (await caches.open(name)).match(new URL('/', location.href).href))"
)


@pytest.fixture
def profile(browser: Browser, tmp_path: Path) -> Iterator[BrowserContext]:
    """A Chromium with a profile on disk: Chromium never offers to install a
    site from an incognito-like context, which is what a plain context is."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def _wait_until_home_is_kept(page: Page) -> None:
    deadline = time.monotonic() + 10
    while not page.evaluate(HOME_KEPT, SESSION_PAGES_CACHE):
        assert time.monotonic() < deadline, "the service worker never kept home"
        page.wait_for_timeout(50)


def test_chromium_finds_nothing_against_installing_the_site(
    live_server: Any, profile: BrowserContext
) -> None:
    page = profile.new_page()
    page.goto(f"{live_server.url}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = profile.new_cdp_session(page)

    manifest = cdp.send("Page.getAppManifest")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]

    assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
    assert manifest["errors"] == []
    assert errors == []
    # With nothing against it, Chromium offers to install the site, and the
    # page shows its button.
    page.get_by_role("button", name="Install RunStrong").wait_for(state="visible")


def test_no_install_button_where_the_browser_makes_no_offer(live_server: Any, page: Page) -> None:
    # A plain test context is like a private window: no offer, no button.
    page.goto(f"{live_server.url}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(500)
    assert page.locator("#install-app").is_hidden()


def test_the_start_url_opens_offline_after_one_visit(
    live_server: Any, athlete: Any, profile: BrowserContext
) -> None:
    page = profile.new_page()
    page.goto(f"{live_server.url}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    _wait_until_home_is_kept(page)
    heading = page.locator("h1").first.text_content()

    profile.set_offline(True)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{live_server.url}{manifest_data()['start_url']}")
    page.wait_for_load_state("load")
    assert page.locator("h1").first.text_content() == heading
    # Its stylesheet, scripts and icons load too.
    assert [url for url in failed if "/static/" in url] == []
    assert page.locator("#install-app").count() == 1  # our page, not the browser's error
    # Another page, never kept, falls back to home rather than the browser's error.
    page.goto(f"{live_server.url}/boards/")
    assert page.locator("h1").first.text_content() == heading
