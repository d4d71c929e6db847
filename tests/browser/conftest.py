"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Our own ``browser``/``page`` fixtures replace pytest-playwright's, which would
want a browser build of their own; the test command installs Debian's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path(os.environ.get("RUNSTRONG_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",  # the tests run as root in CI, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests, gone before the rest of the suite runs."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in this thread, and
        # Django refuses database calls from such a thread unless told it is
        # safe, which it is here: the loop only drives the browser. Set for
        # these tests alone: the deployment check (rightly) warns about it.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield launched
            launched.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts (each one a separate device), closed after the test.

    The pages' console errors are printed, so a failing test says what broke.
    """
    contexts: list[BrowserContext] = []
    lines: list[str] = []

    def watch(page: Page) -> None:
        def on_console(message: Any) -> None:
            if message.type in {"error", "warning"}:
                lines.append(f"console.{message.type}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: lines.append(f"page error: {error}"))

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        _let_sync_finish(context)
        context.close()
    if lines:
        print("\n".join(lines))


def _let_sync_finish(context: BrowserContext) -> None:
    """A live session page may still be sending its last events when a test
    ends; wait for the server's answer, so the request is not still writing
    while the test database is emptied (PostgreSQL then reports a deadlock).
    A page that cannot finish (offline, closed) is left as it is."""
    for page in context.pages:
        with contextlib.suppress(PlaywrightError):
            if not page.is_closed() and page.query_selector("#save-status"):
                page.wait_for_selector("#save-status[data-saved='yes']", timeout=5_000)


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
