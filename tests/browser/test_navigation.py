"""The tab bar: at the bottom of a phone, out of the page's way, big enough for
a thumb; one bar along the top of a wide screen; none on the live session page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from runstrong.community import services as social
from tests.community.social_helpers import finished
from tests.workouts.factories import complete_session

from .helpers import log_in, new_session, ready_device, session_url, wait_for_view

pytestmark = pytest.mark.usefixtures("catalog_synced")

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ATHLETE_PAGES = ["/", "/boards/", "/runs/", "/accounts/me/", "/programs/", "/history/"]
VISITOR_PAGES = ["/", "/programs/", "/boards/", "/accounts/log-in/", "/accounts/sign-up/"]

Box = dict[str, float]


def _overlap(a: Box, b: Box) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _box(page: Page, selector: str) -> Box:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _assert_the_bar_covers_nothing(page: Page, path: str) -> None:
    bar = _box(page, "nav.tab-bar")
    viewport = page.viewport_size
    assert viewport is not None
    # At the bottom of the screen, whole.
    assert bar["y"] + bar["height"] == pytest.approx(viewport["height"], abs=1), path
    assert not _overlap(bar, _box(page, "main h1")), path
    assert _box(page, "main")["y"] >= 0
    # Scrolled to the end, the page's last content sits above the bar.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    last = page.locator("main > :last-child").first.bounding_box()
    footer = _box(page, ".site-footer")
    bar = _box(page, "nav.tab-bar")
    assert last is not None
    assert last["y"] + last["height"] <= bar["y"], path
    assert footer["y"] + footer["height"] <= bar["y"] + 1, path
    for index in range(page.locator("nav.tab-bar a").count()):
        target = page.locator("nav.tab-bar a").nth(index).bounding_box()
        assert target is not None
        assert target["width"] >= 44 and target["height"] >= 44, (path, index, target)


@pytest.fixture
def phone(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context(**PHONE)


def test_on_a_phone_the_bar_is_at_the_bottom_and_hides_none_of_the_athletes_pages(
    live_server: Any, athlete: Any, phone: BrowserContext
) -> None:
    log_in(phone, live_server.url, athlete)
    complete_session(athlete)
    page = phone.new_page()
    for path in ATHLETE_PAGES:
        page.goto(f"{live_server.url}{path}")
        _assert_the_bar_covers_nothing(page, path)
    assert page.locator("nav.tab-bar a").all_inner_texts() == ["Home", "Boards", "Runs", "Me"]


def test_on_a_phone_a_visitor_has_their_own_tabs_and_they_hide_nothing(
    live_server: Any, phone: BrowserContext
) -> None:
    page = phone.new_page()
    for path in VISITOR_PAGES:
        page.goto(f"{live_server.url}{path}")
        _assert_the_bar_covers_nothing(page, path)
    tabs = page.locator("nav.tab-bar a").all_inner_texts()
    assert tabs == ["Programs", "Boards", "Log in", "Sign up"]


def test_the_current_tab_is_marked_and_the_landmark_named(
    live_server: Any, athlete: Any, phone: BrowserContext
) -> None:
    log_in(phone, live_server.url, athlete)
    page = phone.new_page()
    page.goto(f"{live_server.url}/history/")

    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("[aria-current='page']").all_inner_texts() == ["Me"]
    page.goto(f"{live_server.url}/runs/")
    assert nav.locator("[aria-current='page']").all_inner_texts() == ["Runs"]
    # Keyboard order: skip link, brand, then the tabs, before the page's own content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Home"


def test_the_unread_badge_is_on_the_me_tab(
    live_server: Any, athlete: Any, stranger: Any, phone: BrowserContext
) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    log_in(phone, live_server.url, athlete)
    page = phone.new_page()
    page.goto(f"{live_server.url}/")

    me = page.get_by_role("navigation", name="Main").locator("a[href='/accounts/me/']")
    assert me.locator(".tab-badge").text_content() == "1 unread notifications"
    assert me.locator(".tab-badge").is_visible()
    # Under Me: the places the bar has no room for, and log out.
    me.click()
    links = page.locator("main .me-list a").all_inner_texts()
    assert [link.split()[0] for link in links] == [
        "Programs",
        "Plan",
        "History",
        "Clubs",
        "Notifications",
        "Profile",
        "Your",
    ]
    assert page.get_by_role("button", name="Log out").is_visible()


def test_the_live_session_page_has_no_navigation(
    live_server: Any, athlete: Any, phone: BrowserContext
) -> None:
    ready_device(phone, live_server.url, athlete)
    page = phone.new_page()
    page.goto(session_url(live_server.url, new_session(athlete)))
    wait_for_view(page, "ready")

    assert page.locator("nav").count() == 0
    assert page.locator("header").count() == 0
    padding = page.evaluate("() => getComputedStyle(document.body).paddingBottom")
    assert padding == "0px"


def test_on_a_wide_screen_one_bar_runs_along_the_top(
    live_server: Any, athlete: Any, new_context: Callable[..., BrowserContext]
) -> None:
    desktop = new_context(**DESKTOP)
    log_in(desktop, live_server.url, athlete)
    page = desktop.new_page()
    page.goto(f"{live_server.url}/")

    assert page.locator("nav").count() == 1
    bar = _box(page, "nav.tab-bar")
    assert bar["y"] + bar["height"] <= _box(page, "main h1")["y"]
    assert bar["height"] < 80  # one row
    assert page.evaluate("() => getComputedStyle(document.body).paddingBottom") == "0px"


def test_high_contrast_is_remembered_on_this_device(
    live_server: Any, athlete: Any, phone: BrowserContext
) -> None:
    log_in(phone, live_server.url, athlete)
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/me/")
    toggle = page.locator("main .contrast-toggle")

    toggle.click()

    assert toggle.get_attribute("aria-pressed") == "true"
    page.goto(f"{live_server.url}/")
    assert page.evaluate("() => document.documentElement.dataset.contrast") == "high"
    paper = page.evaluate("() => getComputedStyle(document.documentElement).backgroundColor")
    assert paper == "rgb(255, 255, 255)"
