"""The live session in a real browser: taps, lost network, devices (reloads, a whole
workout offline and two tabs are in tests/faults/)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import BrowserContext, Page, expect

from runstrong.workouts.formatting import format_duration
from runstrong.workouts.models import Result, SessionEvent, WorkoutSession

from .helpers import (
    event_count,
    log_in,
    new_session,
    ready_device,
    session_url,
    shown_result,
    start,
    started_session,
    tap,
    use_preferences,
    wait_for_view,
    wait_until_saved,
)

pytestmark = pytest.mark.usefixtures("catalog_synced")

# Runner's 250 in sets of 25: ten taps; the start, ten sets and the finish.
TAPS = 10
EVENTS = 12


def stored(session: WorkoutSession) -> list[int]:
    return list(SessionEvent.objects.filter(session=session).values_list("seq", flat=True))


def wait_for_server(page: Page, session: WorkoutSession, count: int) -> None:
    """Until the server holds ``count`` events and the page knows it (no badge)."""
    page.wait_for_function(
        "count => window.runstrongSession.sync.stored >= count"
        " && document.getElementById('sync-badge').hidden",
        arg=count,
    )
    assert len(stored(session)) == count


def assert_stored_once(session: WorkoutSession, shown: dict[str, Any]) -> None:
    """Every event once, in order, and the server's result is the one the page showed."""
    assert stored(session) == list(range(EVENTS))
    result = Result.objects.get(session=session)
    assert result.reps_total == 250
    assert result.reps_done == [50, 50, 50, 50, 50]
    assert result.splits_ms == shown["splits_ms"]
    assert result.total_ms == shown["total_ms"]


def test_a_new_user_signs_up_starts_runners_250_and_sees_five_splits(
    live_server: Any, context: BrowserContext, page: Page
) -> None:
    use_preferences(context, set_size=25)
    page.goto(f"{live_server.url}/accounts/sign-up/")
    page.fill("input[name=email]", "riley@example.com")
    page.fill("input[name=display_name]", "Riley")
    page.fill("input[name=password1]", "tempo run on tuesday 42")
    page.fill("input[name=password2]", "tempo run on tuesday 42")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/programs/runners-250/")
    page.click(".start-form button[type=submit]")
    page.wait_for_url("**/sessions/*/")
    start(page)
    tap(page, TAPS)

    shown = shown_result(page)
    assert len(shown["splits_ms"]) == 5
    wait_until_saved(page)
    session = WorkoutSession.objects.get(athlete__email="riley@example.com")
    assert_stored_once(session, shown)


def test_completing_runners_250_with_taps_shows_and_stores_the_same_five_splits(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, TAPS)

    shown = shown_result(page)
    assert len(shown["splits_ms"]) == 5
    assert all(split >= 0 for split in shown["splits_ms"])
    names = page.eval_on_selector_all("#splits li", "items => items.map(i => i.textContent)")
    assert [name.split(":")[0] for name in names] == [
        "Mountain climbers",
        "Calf raises",
        "Donkey kicks",
        "Squat to curl",
        "Back extensions",
    ]
    wait_until_saved(page)
    assert_stored_once(session, shown)
    link = page.get_attribute("#result-link", "href")
    assert link == f"/results/{Result.objects.get(session=session).id}/"


def test_a_workout_finished_offline_is_stored_once_when_the_network_returns(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, TAPS // 2)
    wait_for_server(page, session, 1 + TAPS // 2)

    context.set_offline(True)
    tap(page, TAPS - TAPS // 2)

    shown = shown_result(page)
    badge = page.locator("#sync-badge")
    badge.wait_for(state="visible")
    assert badge.text_content() == f"offline — {TAPS - TAPS // 2 + 1} taps waiting"
    assert page.get_attribute("#save-status", "data-saved") == "no"
    assert not Result.objects.filter(session=session).exists()

    context.set_offline(False)
    wait_until_saved(page)
    assert badge.is_hidden()
    assert Result.objects.filter(session=session).count() == 1
    assert_stored_once(session, shown)


def test_a_workout_finished_offline_says_it_waits_on_this_phone_then_links_to_the_result(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, TAPS - 1)
    wait_for_server(page, session, TAPS)

    context.set_offline(True)
    tap(page, 1)  # the last set, and the finish with it
    wait_for_view(page, "done")
    status = page.locator("#save-status")
    said = "Saved on this phone. It will be posted to your history when the phone is back online."
    expect(status).to_have_text(said)
    # Screen readers hear it with the finish, through the page's live region.
    expect(page.locator("#announcer")).to_contain_text(said)
    # Nothing that looks like a link and goes nowhere.
    assert page.locator("#live a:not([href])").count() == 0
    expect(page.get_by_role("link", name="See the full result")).to_have_count(0)
    assert not Result.objects.filter(session=session).exists()

    context.set_offline(False)
    link = page.get_by_role("link", name="See the full result")
    expect(link).to_be_visible()
    result = Result.objects.get(session=session)
    expect(link).to_have_attribute("href", f"/results/{result.id}/")
    expect(status).to_have_text("Saved to your history.")
    expect(page.locator("#announcer")).to_contain_text("Posted to your history")

    link.click()
    page.wait_for_url(f"{live_server.url}/results/{result.id}/")
    expect(page.locator(".result-total .big-number")).to_have_text(format_duration(result.total_ms))
    assert Result.objects.filter(session=session).count() == 1
    assert stored(session) == list(range(EVENTS))


def test_a_second_device_resumes_the_session_where_the_first_left_it(
    live_server: Any, athlete: Any, new_context: Callable[..., BrowserContext]
) -> None:
    phone, tablet = new_context(), new_context()
    for device in (phone, tablet):
        ready_device(device, live_server.url, athlete)
    session = new_session(athlete)
    on_phone = phone.new_page()
    on_phone.goto(session_url(live_server.url, session))
    start(on_phone)
    tap(on_phone, 5)
    wait_for_server(on_phone, session, 6)

    on_tablet = tablet.new_page()
    on_tablet.goto(session_url(live_server.url, session))
    on_tablet.wait_for_selector("#resume-dialog[open]")
    assert "125 of 250 reps done" in str(on_tablet.text_content("#resume-summary"))
    on_tablet.click("#resume-yes")
    tap(on_tablet, TAPS - 5)
    shown = shown_result(on_tablet)
    wait_until_saved(on_tablet)
    assert_stored_once(session, shown)

    # The phone, opened again, shows the finished workout from the server.
    on_phone.reload()
    assert shown_result(on_phone)["splits_ms"] == shown["splits_ms"]


def test_taps_a_device_made_while_another_finished_the_session_give_way_to_the_server(
    live_server: Any, athlete: Any, new_context: Callable[..., BrowserContext]
) -> None:
    phone, tablet = new_context(), new_context()
    for device in (phone, tablet):
        ready_device(device, live_server.url, athlete)
    session = new_session(athlete)
    on_phone = phone.new_page()
    on_phone.goto(session_url(live_server.url, session))
    start(on_phone)
    wait_for_server(on_phone, session, 1)
    on_tablet = tablet.new_page()
    on_tablet.goto(session_url(live_server.url, session))
    on_tablet.click("#resume-yes")

    phone.set_offline(True)
    tap(on_phone, 2)  # kept on the phone only
    tap(on_tablet, TAPS)  # the tablet does the whole workout
    wait_until_saved(on_tablet)
    phone.set_offline(False)

    # The phone's sets conflict with the server's log: the server's stand.
    on_phone.wait_for_function("() => window.runstrongSession.state.status === 'finished'")
    assert "were not kept" in str(on_phone.text_content("#notice"))
    assert event_count(on_phone) == EVENTS
    assert_stored_once(session, shown_result(on_tablet))


def test_taps_left_unsent_survive_logging_out_and_go_when_the_session_is_opened_again(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    """The logged-out page says unsent taps stay on the device and go at the next
    log-in; its script deletes the offline copies of session pages meanwhile."""
    session = started_session(context, page, live_server.url, athlete)
    tap(page, 2)
    wait_for_server(page, session, 3)
    context.set_offline(True)
    tap(page, 2)  # on this device only
    # Both sends have failed and the next waits on the retry timer (a second
    # or more away) before the page closes: Playwright's offline emulation is
    # lifted from a page while it closes, so a send started in that moment
    # would reach the server (seen once in a dozen CI runs; made to happen at
    # will by starting a send as the page closes).
    page.wait_for_function(
        "() => { const { sync, syncer } = window.runstrongSession;"
        " return sync.waiting === 2 && !syncer.running && syncer.timer !== null; }"
    )
    page.close()
    context.set_offline(False)

    me = context.new_page()
    me.goto(f"{live_server.url}/accounts/me/")
    me.click("form.me-log-out button")
    me.wait_for_url("**/accounts/logged-out/")
    expect(me.locator("#offline-copies")).not_to_have_text(re.compile("^Removing"))
    expect(me.locator(".note")).to_contain_text("Taps not yet sent to the server stay")
    assert stored(session) == [0, 1, 2]

    log_in(context, live_server.url, athlete)
    again = context.new_page()
    again.goto(session_url(live_server.url, session))
    wait_for_server(again, session, 5)
    again.wait_for_selector("#resume-dialog[open]")
    assert "100 of 250 reps done" in str(again.text_content("#resume-summary"))
    again.click("#resume-yes")
    tap(again, TAPS - 4)
    wait_until_saved(again)
    assert_stored_once(session, shown_result(again))


def test_taps_made_once_the_log_in_has_ended_wait_and_go_when_logged_in_again(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = started_session(context, page, live_server.url, athlete)
    tap(page, 2)
    wait_for_server(page, session, 3)

    # The log-in ends on the server (it ran out, or the athlete logged out on
    # another device): the page's next request is turned away as logged out.
    Session.objects.all().delete()
    refused: list[int] = []
    page.on("response", lambda response: refused.append(response.status))
    tap(page, 2)

    badge = page.locator("#sync-badge")
    says = "Logged out — 2 taps waiting: log in again in another tab to save them"
    expect(badge).to_have_text(says)
    # And it still says so after the page has tried again on its own.
    page.wait_for_function("() => true")  # let the response handlers run
    deadline = 15_000
    while refused.count(401) < 3 and deadline > 0:
        page.wait_for_timeout(100)
        deadline -= 100
    assert refused.count(401) >= 3, refused
    expect(badge).to_have_text(says)
    assert stored(session) == [0, 1, 2]

    log_in(context, live_server.url, athlete)
    wait_for_server(page, session, 5)
    tap(page, TAPS - 4)
    wait_until_saved(page)
    assert_stored_once(session, shown_result(page))
