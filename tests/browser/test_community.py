"""Clubs, cheers, comments and notifications in Chromium, from a finished 250 to the
athlete reading what a clubmate said; a stranger sees none of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from runstrong.community import services as social
from runstrong.workouts.models import Result

from .helpers import log_in, new_session, ready_device, session_url, start, tap, wait_until_saved
from .test_accessibility import serious_violations

pytestmark = pytest.mark.usefixtures("catalog_synced")

# Runner's 250 in sets of 25: ten taps. A minute between taps makes each
# exercise take two minutes, well above the plausible floors, so the result
# stands on the boards instead of waiting as "unverified".
TAPS = 10
MINUTE_MS = 60_000


@pytest.fixture
def people(athlete: Any, stranger: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    athlete.display_name = "Alex Runner"
    athlete.default_privacy = "clubs"
    athlete.save()
    clubmate = get_user_model().objects.create_user(
        "casey", "casey@example.com", "a third good passphrase", display_name="Casey Clubmate"
    )
    club = social.club_create(creator=athlete, name="Tuesday Track")
    social.club_join(athlete=clubmate, token=club.invite_token)
    return {"athlete": athlete, "clubmate": clubmate, "stranger": stranger, "club": club}


def test_a_finished_250_reaches_the_club_and_a_clubmates_cheer_and_comment_reach_the_athlete(
    live_server: Any, new_context: Callable[..., BrowserContext], people: dict[str, Any]
) -> None:
    base, club = live_server.url, people["club"]

    # The athlete does the workout on the live page, with the page's clock
    # moved on a minute before each set.
    athlete_device = new_context()
    ready_device(athlete_device, base, people["athlete"])
    athlete_device.clock.install()
    athlete_page = athlete_device.new_page()
    session = new_session(people["athlete"])
    athlete_page.goto(session_url(base, session))
    start(athlete_page)
    for _ in range(TAPS):
        athlete_page.clock.fast_forward(MINUTE_MS)
        tap(athlete_page)
    wait_until_saved(athlete_page)
    result = Result.objects.get(session=session)
    assert result.visibility == "clubs" and not result.unverified

    # It stands on the club's board.
    athlete_page.goto(f"{base}/boards/runners-250/?club={club.slug}")
    assert "Alex Runner" in (athlete_page.text_content("main") or "")

    # A clubmate finds it in the club feed, cheers and comments on its page.
    clubmate_device = new_context()
    log_in(clubmate_device, base, people["clubmate"])
    clubmate_page = clubmate_device.new_page()
    clubmate_page.goto(f"{base}/clubs/{club.slug}/")
    clubmate_page.click(f"#feed a[href='/results/{result.pk}/']")
    clubmate_page.wait_for_url(f"**/results/{result.pk}/")
    assert serious_violations(clubmate_page) == []
    clubmate_page.click("#cheer-pr")
    clubmate_page.wait_for_selector("#cheer-pr[aria-pressed='true']")
    assert clubmate_page.text_content("#cheer-pr .cheer-count") == "1"
    # htmx swapped the section in place (no page load), and focus stayed on the button.
    assert clubmate_page.url.endswith(f"/results/{result.pk}/")
    assert clubmate_page.evaluate("() => document.activeElement.id") == "cheer-pr"
    clubmate_page.fill("#comment-form textarea[name=text]", "Huge effort <3")
    clubmate_page.click("#comment-form button[type=submit]")
    clubmate_page.wait_for_selector(".comment-text:has-text('Huge effort <3')")
    assert serious_violations(clubmate_page) == []

    # The athlete reads both in the notifications.
    athlete_page.goto(f"{base}/notifications/")
    notes = athlete_page.text_content(".notification-list") or ""
    assert "Casey Clubmate cheered “PR!”" in notes
    assert "Casey Clubmate commented on your" in notes and "Huge effort <3" in notes
    assert serious_violations(athlete_page) == []
    athlete_page.click("button:has-text('Mark all read')")
    athlete_page.wait_for_selector("text=All read.")

    # A stranger gets neither the club board nor the club-only result.
    stranger_device = new_context()
    log_in(stranger_device, base, people["stranger"])
    stranger_page = stranger_device.new_page()
    board = stranger_page.goto(f"{base}/boards/runners-250/?club={club.slug}")
    assert board is not None and board.status == 404
    shown = stranger_page.goto(f"{base}/results/{result.pk}/")
    assert shown is not None and shown.status == 404
    club_page = stranger_page.goto(f"{base}/clubs/{club.slug}/")
    assert club_page is not None and club_page.status == 404
    assert "Alex Runner" not in (stranger_page.text_content("main") or "")


def test_cheers_and_comments_work_without_javascript(
    live_server: Any, new_context: Callable[..., BrowserContext], people: dict[str, Any]
) -> None:
    result = social.result_visibility_set(
        athlete=people["athlete"],
        result_id=_finished(people["athlete"]).pk,
        visibility="public",
    )
    device = new_context(java_script_enabled=False)
    log_in(device, live_server.url, people["stranger"])
    page = device.new_page()
    page.goto(f"{live_server.url}/results/{result.pk}/")

    page.click("#cheer-grit")
    page.wait_for_url(f"**/results/{result.pk}/#cheers")
    assert page.get_attribute("#cheer-grit", "aria-pressed") == "true"
    page.fill("#comment-form textarea[name=text]", "Solid")
    page.click("#comment-form button[type=submit]")
    page.wait_for_url(f"**/results/{result.pk}/#comment-*")
    assert "Solid" in (page.text_content("#comments") or "")


def test_the_club_pages_have_no_serious_accessibility_violations(
    live_server: Any, context: BrowserContext, people: dict[str, Any]
) -> None:
    log_in(context, live_server.url, people["athlete"])
    page = context.new_page()

    for path in ("/clubs/", f"/clubs/{people['club'].slug}/", "/notifications/"):
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path


def _finished(athlete: Any) -> Result:
    from tests.workouts.factories import complete_session

    outcome = complete_session(athlete)
    assert outcome.result is not None
    return outcome.result
