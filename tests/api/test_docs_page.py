"""/api/v1/docs in Debian's Chromium: Swagger UI from the package's own static files
renders every operation under the site's strict Content Security Policy, with no
violation and no error in the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

# The browser tests' own Chromium (Debian's) and contexts, in this package too.
from tests.browser.conftest import browser, new_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_the_docs_page_renders_with_no_csp_violation(
    live_server: Any,
    new_context: Callable[..., BrowserContext],  # noqa: F811 - the fixture imported above
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
