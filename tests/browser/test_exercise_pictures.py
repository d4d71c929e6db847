"""Exercise pictures in a real browser: loaded under the site's policy, beside
the exercise on the live session page, and still for reduced motion."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import CHROMIUM, LAUNCH_ARGS
from .helpers import new_session, ready_device, session_url, start, tap

pytestmark = pytest.mark.usefixtures("catalog_synced")

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
LOADED = "img => img.complete && img.naturalWidth > 0"


def picture_slug(page: Page) -> str:
    src = str(page.get_attribute("#exercise-picture", "src"))
    found = re.fullmatch(r"/static/runstrong/exercises/([a-z-]+)\.[0-9a-f]{12}\.svg#still", src)
    assert found, src
    return found[1]


def test_the_session_picture_follows_the_slot_and_leaves_the_tap_button_in_reach(
    live_server: Any, athlete: Any, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context(**PHONE)
    ready_device(context, live_server.url, athlete)
    page = context.new_page()
    page.goto(session_url(live_server.url, new_session(athlete)))
    start(page)

    def check(slug: str, name: str) -> None:
        # Waited for: the page may draw the next slot after the tap's frame.
        expect(page.locator("#exercise-name")).to_have_text(name)
        expect(page.locator("#exercise-picture")).to_have_attribute(
            "src", re.compile(rf"/{slug}\.[0-9a-f]{{12}}\.svg#still$")
        )
        assert picture_slug(page) == slug
        # Loads under the site's policy (waited for, as it may be new).
        page.wait_for_function(f"() => ({LOADED})(document.getElementById('exercise-picture'))")
        picture = page.locator("#exercise-picture").bounding_box()
        button = page.locator("#tap").bounding_box()
        assert picture and button
        assert picture["height"] <= 96
        assert button["y"] + button["height"] <= 844, "the tap button left the first screen"

    check("mountain-climber", "Mountain climbers")
    # Still there (the start and end pose together): a moving picture would
    # keep a slow phone's main thread drawing and slow every tap.
    assert len(set(_shots(page, "#exercise-picture"))) == 1
    tap(page, 2)  # 50 mountain climbers in sets of 25
    check("calf-raise", "Calf raises")
    tap(page, 2)
    check("donkey-kick", "Donkey kicks")


def test_the_program_page_loads_every_picture_under_the_sites_policy(
    live_server: Any, page: Page
) -> None:
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{live_server.url}/programs/runners-250/")

    pictures = page.locator("img.exercise-picture")
    assert pictures.count() == 6
    for index in range(6):
        pictures.nth(index).scroll_into_view_if_needed()
        page.wait_for_function(
            f"() => ({LOADED})(document.querySelectorAll('img.exercise-picture')[{index}])"
        )
    assert violations == []


def _shots(page: Page, selector: str, count: int = 3, gap: float = 0.35) -> list[bytes]:
    shots = []
    for _ in range(count):
        shots.append(page.locator(selector).screenshot(animations="allow"))
        time.sleep(gap)
    return shots


def _greenish_pixels(png: bytes) -> int:
    """Pixels of the faded end pose (the site's green at 40 % over the paper)."""
    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if g > r + 20 and g > b + 5)


@pytest.mark.parametrize("reduced", [True, False])
def test_a_picture_moves_unless_reduced_motion_asks_for_the_still_pair(
    live_server: Any, browser: Browser, reduced: bool
) -> None:
    # Chromium hands the person's own setting to an SVG inside an <img>, but
    # not Playwright's emulated one: so a browser started with the setting.
    args = [*LAUNCH_ARGS, "--force-prefers-reduced-motion"] if reduced else LAUNCH_ARGS
    own = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=args)
    try:
        page = own.new_page()
        page.goto(f"{live_server.url}/programs/runners-250/")
        calf_raises = "img.exercise-picture >> nth=2"
        page.wait_for_function(
            f"() => ({LOADED})(document.querySelectorAll('img.exercise-picture')[2])"
        )
        shots = _shots(page, calf_raises)
    finally:
        own.close()

    if reduced:
        # Still: the start pose with the faded end pose over it, frame after frame.
        assert len(set(shots)) == 1
        assert _greenish_pixels(shots[0]) > 50
    else:
        assert len(set(shots)) > 1
