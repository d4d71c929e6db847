"""A workout on the served site, in Chromium on a phone-sized screen: the network
goes, the page is reloaded with no signal, the workout is finished offline,
and the one result reaches the server when the network comes back.

This is what the service worker is for, and it only works if ``/sw.js`` and
every asset it keeps are served by the production static pipeline.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import start, tap, use_preferences, wait_for_view

from .conftest import PASSWORD, ServedSite

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TAPS = 10  # the Runner's 250 in sets of 25
EVENTS = 12  # start, ten sets, finish


def stored(site: ServedSite, session_id: str) -> dict[str, object]:
    """What the served site's database holds for one session."""
    out = site.manage_shell(
        "import json\n"
        "from runstrong.workouts.models import Result, SessionEvent\n"
        f"session_id = {session_id!r}\n"
        "print(json.dumps({"
        "'results': list(Result.objects.filter(session_id=session_id)"
        ".values_list('pk', flat=True)),"
        "'events': list(SessionEvent.objects.filter(session_id=session_id)"
        ".order_by('seq').values_list('seq', flat=True))}))"
    )
    return dict(json.loads(out.strip().splitlines()[-1]))


def wait_until_kept_for_offline(page: Page) -> None:
    kept = "async () => !!(await (await caches.open('runstrong-pages-v1')).match(location.href))"
    deadline = time.monotonic() + 15
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "the service worker never kept the page"
        page.wait_for_timeout(100)


def test_a_workout_survives_an_offline_reload_and_is_stored_once_when_back_online(
    served_site: ServedSite, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context(**PHONE)
    use_preferences(context, set_size=25)
    page = context.new_page()
    base = served_site.url

    page.goto(f"{base}/accounts/log-in/")
    page.fill("input[name=username]", "alex@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/programs/runners-250/")
    page.click(".start-form button[type=submit]")
    page.wait_for_url("**/sessions/*/")
    session_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    wait_until_kept_for_offline(page)

    start(page)
    tap(page, 3)
    page.wait_for_function("() => window.runstrongSession.sync.stored >= 4")

    # No signal at the gym, and the phone reloads the tab.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#resume-dialog[open]")
    assert "75 of 250 reps done" in str(page.text_content("#resume-summary"))
    page.click("#resume-yes")
    tap(page, TAPS - 3)
    wait_for_view(page, "done")
    expect(page.locator("#save-status")).to_contain_text("Saved on this phone")
    assert page.locator("#live a:not([href])").count() == 0
    assert stored(served_site, session_id) == {"results": [], "events": [0, 1, 2, 3]}

    context.set_offline(False)
    link = page.get_by_role("link", name="See the full result")
    expect(link).to_be_visible(timeout=30_000)
    held = stored(served_site, session_id)
    assert held["events"] == list(range(EVENTS))
    assert len(held["results"]) == 1  # type: ignore[arg-type]
    result_id = held["results"][0]  # type: ignore[index]
    expect(link).to_have_attribute("href", f"/results/{result_id}/")
    link.click()
    page.wait_for_url(f"{base}/results/{result_id}/")
    expect(page.locator("h1")).to_be_visible()
