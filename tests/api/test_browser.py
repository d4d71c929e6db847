"""The API's pages in Debian's Chromium: /api/v1/docs (Swagger UI from the package's
own static files) renders every operation under the site's strict Content
Security Policy, with no violation and no error in the console; and the profile
page's tokens section makes, shows once and revokes a token on a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page

from runstrong.accounts.models import ApiToken
from tests.browser.helpers import log_in
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_navigation import PHONE

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_the_docs_page_renders_with_no_csp_violation(
    live_server: Any,
    new_context: Callable[..., BrowserContext],
) -> None:
    docs = new_context().new_page()
    console: list[str] = []
    docs.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    docs.on("pageerror", lambda error: console.append(f"page error: {error}"))
    refused: list[str] = []
    docs.on(
        "requestfailed",
        lambda request: refused.append(f"{request.url} {request.failure}"),
    )
    seen: list[str] = []
    docs.on("request", lambda request: seen.append(request.url))

    response = docs.goto(f"{live_server.url}/api/v1/docs")

    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    docs.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = docs.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/sessions/{session_id}/events" in {path.strip() for path in paths}
    assert docs.locator(".information-container .title").inner_text().startswith("RunStrong API")
    # Everything came from this site.
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in seen), seen
    violations = [line for line in console if "Content Security Policy" in line]
    assert violations == [], violations
    errors = [line for line in console if line.startswith(("error", "page error"))]
    assert errors == [], errors
    assert refused == [], refused


def test_the_docs_page_is_laid_out_at_a_phones_width(
    live_server: Any,
    new_context: Callable[..., BrowserContext],
) -> None:
    docs = new_context(**PHONE).new_page()
    docs.goto(f"{live_server.url}/api/v1/docs")
    docs.wait_for_selector(".opblock-summary-path", timeout=15_000)
    # Laid out 390 px wide, as the phone is, not 980 px shrunk to fit: text at
    # its own size and nothing to scroll sideways.
    assert docs.evaluate("() => window.innerWidth") == PHONE["viewport"]["width"]
    assert docs.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert docs.evaluate("() => document.documentElement.lang") == "en"


def new_token_in_view(page: Page) -> bool:
    """The new token's box (what it says, the token itself) has the focus and is
    wholly inside the viewport (to the pixel: layout has fractions of one)."""
    return bool(
        page.locator("#token-new").evaluate(
            """box => {
                const edges = box.getBoundingClientRect();
                return document.activeElement === box && box.contains(
                    document.getElementById("new-token")
                ) && edges.top > -1 && edges.bottom < window.innerHeight + 1;
            }"""
        )
    )


def test_a_new_token_is_in_sight_without_javascript_too(
    live_server: Any,
    athlete: Any,
    new_context: Callable[..., BrowserContext],
) -> None:
    phone = new_context(**PHONE, java_script_enabled=False)
    log_in(phone, live_server.url, athlete)
    profile = phone.new_page()
    profile.goto(f"{live_server.url}/accounts/profile/")

    profile.get_by_label("Name").last.fill("Spreadsheet")
    profile.get_by_role("button", name="Make token").click()

    profile.locator("#new-token").wait_for()
    assert profile.locator("#new-token").input_value().startswith("rs_")
    assert new_token_in_view(profile)
    # Its copy button needs the script; the field is there to select by hand.
    assert not profile.get_by_role("button", name="Copy token").is_visible()


def test_a_token_is_made_copied_and_revoked_on_a_phone(
    live_server: Any,
    athlete: Any,
    new_context: Callable[..., BrowserContext],
) -> None:
    phone = new_context(**PHONE, permissions=["clipboard-read", "clipboard-write"])
    log_in(phone, live_server.url, athlete)
    profile = phone.new_page()
    console: list[str] = []
    profile.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    profile.goto(f"{live_server.url}/accounts/profile/")

    profile.get_by_label("Name").last.fill("Club screen")
    profile.get_by_label("Read and write").check()
    profile.get_by_role("button", name="Make token").click()

    shown = profile.locator("#new-token")
    shown.wait_for()
    plain = shown.input_value()
    assert plain.startswith("rs_")
    assert profile.url.endswith("/accounts/profile/")  # htmx swapped the section in place
    # Shown only this once, so it is in sight, not above the form that made it.
    assert new_token_in_view(profile)
    profile.get_by_role("button", name="Copy token").click()
    profile.get_by_text("Token copied.").wait_for()
    assert profile.evaluate("() => navigator.clipboard.readText()") == plain
    listed = profile.locator("#api-tokens .token-list li")
    assert listed.count() == 1 and "Club screen" in listed.inner_text()
    assert serious_violations(profile) == []
    wide = profile.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0
    token = ApiToken.objects.get()
    assert token.can_write and plain not in (token.digest, token.prefix)

    # Revoking asks first: dismissed, the token stays; confirmed, it goes.
    asked: list[str] = []

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def handle(dialog: Dialog) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    profile.once("dialog", answer(accept=False))
    profile.get_by_role("button", name="Revoke Club screen").click()
    profile.wait_for_function("() => true")
    assert asked == [
        "Revoke the token “Club screen”? Whatever uses it stops working at once, "
        "and it cannot be undone."
    ]
    token.refresh_from_db()
    assert token.revoked_at is None and not profile.get_by_text("Revoked.").is_visible()
    profile.once("dialog", answer(accept=True))
    profile.get_by_role("button", name="Revoke Club screen").click()
    profile.get_by_text("Revoked.").wait_for()
    assert len(asked) == 2
    token.refresh_from_db()
    assert token.revoked_at is not None
    profile.reload()
    assert "#new-token" not in profile.content() and plain not in profile.content()
    assert [line for line in console if "Content Security Policy" in line] == []
