"""axe-core (from npm, see package.json) on the live session page, in each of its views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.workouts.factories import T0, complete_session

from .helpers import new_session, ready_device, session_url, start, tap, wait_for_view

pytestmark = pytest.mark.usefixtures("catalog_synced")

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    """Run axe on the page as it is now; the serious and critical findings, readable."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `npm ci` (scripts/test does)")
        # Evaluated through the DevTools protocol, which the page's strict
        # content security policy (no inline script) does not apply to.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"])
        for violation in found
        if violation["impact"] in SERIOUS
    ]


def test_the_session_page_has_no_serious_accessibility_violations(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    session = new_session(athlete)
    page.goto(session_url(live_server.url, session))

    wait_for_view(page, "ready")
    assert serious_violations(page) == []
    start(page)
    tap(page, 2)
    # Operable by keyboard: Enter on the focused button logs a set too.
    page.focus("#tap")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.runstrongSession.state.sets.length === 3")
    assert serious_violations(page) == []
    page.click("#pause")
    page.wait_for_selector("#paused-note:not([hidden])")
    assert serious_violations(page) == []
    page.reload()
    page.wait_for_selector("#resume-dialog[open]")
    assert serious_violations(page) == []
    page.click("#resume-yes")
    page.click("#pause")  # resume
    page.wait_for_selector("#paused-note", state="hidden")
    tap(page, 7)
    wait_for_view(page, "done")
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/programs/",
        "/programs/runners-250/",
        "/history/",
        "/history/log/",
        "/accounts/email/",
        "/accounts/password/",
        "/accounts/delete/",
    ],
)
def test_the_athletes_pages_have_no_serious_accessibility_violations(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page, path: str
) -> None:
    ready_device(context, live_server.url, athlete)
    complete_session(athlete)

    page.goto(f"{live_server.url}{path}")

    assert serious_violations(page) == []


def test_the_result_page_has_no_serious_accessibility_violations(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    complete_session(athlete)
    result = complete_session(athlete, start_at=T0 + 86_400_000).result
    assert result is not None

    page.goto(f"{live_server.url}/results/{result.id}/")
    page.wait_for_selector("svg")

    assert serious_violations(page) == []


def test_the_pages_a_visitor_sees_have_no_serious_accessibility_violations(
    live_server: Any, page: Page
) -> None:
    for path in ("/", "/programs/runners-500/", "/accounts/sign-up/", "/accounts/log-in/"):
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path


SCHEMES = ["light", "dark", "dark-high", "light-high"]


def _show_in(page: Page, scheme: str) -> None:
    """Dark or light as the phone asks; high contrast as switched on this device."""
    page.emulate_media(color_scheme="dark" if scheme.startswith("dark") else "light")
    high = "high" if scheme.endswith("high") else "normal"
    page.evaluate("value => localStorage.setItem('runstrong.contrast', value)", high)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_main_pages_pass_axe_in_dark_and_high_contrast(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page, scheme: str
) -> None:
    ready_device(context, live_server.url, athlete)
    complete_session(athlete)
    result = complete_session(athlete, start_at=T0 + 86_400_000).result
    assert result is not None
    page.goto(f"{live_server.url}/accounts/me/")
    _show_in(page, scheme)

    for path in (
        "/",
        "/programs/runners-250/",
        "/history/",
        f"/results/{result.id}/",
        "/boards/",
        "/runs/",
        "/accounts/me/",
        "/plan/",
    ):
        page.goto(f"{live_server.url}{path}")
        high = page.evaluate("() => document.documentElement.dataset.contrast === 'high'")
        assert high == scheme.endswith("high"), path
        assert serious_violations(page) == [], (scheme, path)

    session = new_session(athlete)
    page.goto(session_url(live_server.url, session))
    wait_for_view(page, "ready")
    assert serious_violations(page) == [], (scheme, "session")


@pytest.mark.parametrize("scheme", ["dark", "dark-high"])
def test_a_visitors_pages_pass_axe_in_dark(live_server: Any, page: Page, scheme: str) -> None:
    page.goto(f"{live_server.url}/")
    _show_in(page, scheme)
    for path in ("/", "/programs/runners-500/", "/accounts/log-in/"):
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], (scheme, path)
