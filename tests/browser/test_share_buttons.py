"""The share buttons on a public result page, in Chromium: copy link, the share sheet, sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from runstrong.community import services as social
from runstrong.workouts.models import Result
from tests.workouts.factories import complete_session

from .test_accessibility import serious_violations

pytestmark = pytest.mark.usefixtures("catalog_synced")

# Chromium on a desktop may or may not offer the Web Share API; these make
# each case certain. The stand-in records what the page asked to share.
WITHOUT_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
WITH_SHARE = (
    "window.sharedWith = null;"
    "Navigator.prototype.share = async function (data) { window.sharedWith = data; };"
)
WITHOUT_CLIPBOARD = (
    "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });"
)


@pytest.fixture
def public_result(athlete: Any) -> Result:
    outcome = complete_session(athlete)
    assert outcome.result is not None
    return social.result_visibility_set(
        athlete=athlete, result_id=outcome.result.pk, visibility="public"
    )


def open_public_page(
    new_context: Callable[..., BrowserContext],
    live_server: Any,
    result: Result,
    *,
    init_script: str = "",
    **options: Any,
) -> tuple[Page, list[str]]:
    context = new_context(**options)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/r/{result.pk}/")
    page.wait_for_selector(".share-copy-button:not([hidden])")
    return page, errors


def test_copy_link_puts_the_public_url_on_the_clipboard(
    new_context: Callable[..., BrowserContext], live_server: Any, public_result: Result
) -> None:
    page, errors = open_public_page(
        new_context,
        live_server,
        public_result,
        init_script=WITHOUT_SHARE,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page.click(".share-copy-button")
    page.wait_for_selector(".share-status:text('Link copied.')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/r/{public_result.pk}/"
    assert errors == []


def test_without_the_clipboard_api_copy_link_selects_the_link(
    new_context: Callable[..., BrowserContext], live_server: Any, public_result: Result
) -> None:
    page, errors = open_public_page(
        new_context,
        live_server,
        public_result,
        init_script=WITHOUT_SHARE + WITHOUT_CLIPBOARD,
    )
    page.click(".share-copy-button")
    page.wait_for_function("() => document.querySelector('.share-status').textContent !== ''")
    selected = page.evaluate(
        """() => {
          const field = document.activeElement;
          return field.classList.contains('share-link')
            ? field.value.slice(field.selectionStart, field.selectionEnd) : null;
        }"""
    )
    assert selected == f"{live_server.url}/r/{public_result.pk}/"
    assert errors == []


def test_share_button_appears_only_with_the_web_share_api(
    new_context: Callable[..., BrowserContext], live_server: Any, public_result: Result
) -> None:
    page, _ = open_public_page(new_context, live_server, public_result, init_script=WITHOUT_SHARE)
    assert not page.is_visible(".share-native")

    page, errors = open_public_page(new_context, live_server, public_result, init_script=WITH_SHARE)
    assert page.is_visible(".share-native")
    page.click(".share-native")
    page.wait_for_function("() => window.sharedWith !== null")
    shared = page.evaluate("() => window.sharedWith")
    assert shared["url"] == f"{live_server.url}/r/{public_result.pk}/"
    assert "Runner's 250" in shared["title"]
    assert "text" not in shared  # nothing said on the athlete's behalf
    assert errors == []


def test_share_controls_are_big_enough_to_tap_and_the_page_passes_axe(
    new_context: Callable[..., BrowserContext], live_server: Any, public_result: Result
) -> None:
    page, errors = open_public_page(
        new_context,
        live_server,
        public_result,
        init_script=WITH_SHARE,
        viewport={"width": 375, "height": 740},
    )
    for selector in (".share-facebook", ".share-native", ".share-copy-button", ".share-link"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["height"] >= 44 and box["width"] >= 44, f"{selector}: {box}"
    # The card shown on the page loads (and fits the narrow screen).
    assert page.evaluate(
        "() => { const img = document.querySelector('.share-card-preview');"
        " return img.complete && img.naturalWidth === 1200 && img.clientWidth <= 375; }"
    )
    assert serious_violations(page) == []
    assert errors == []
