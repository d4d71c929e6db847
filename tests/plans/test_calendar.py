"""The private calendar feed at /plan/calendar/<token>.ics, read as calendar apps
read it: by the ``icalendar`` library and by ``vobject``, a parser written
independently of it (it is the one the Radicale CalDAV server uses)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from runstrong.plans import calendar, rules, services, views_feed
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from tests.plans.calendar_helpers import events, plan_item, uid, vobject_events, week_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


def feed_url(plan: WeekPlan) -> str:
    return reverse("plans_feed:feed", args=[plan.feed_token])


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def plan(athlete: Any) -> WeekPlan:
    return week_plan(athlete)


def fetch(client: Client, plan: WeekPlan, **headers: str) -> Any:
    return client.get(feed_url(plan), headers=headers)


def test_the_feed_is_a_calendar_anyone_with_the_address_can_fetch(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    plan_item(athlete, today() + timedelta(days=1))

    response = fetch(client, plan)  # no log-in: calendar apps cannot log in

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert response["ETag"]
    parsed = icalendar.Calendar.from_ical(response.content)
    assert parsed["VERSION"] == "2.0"
    assert parsed["PRODID"] == calendar.PRODID
    assert parsed["CALSCALE"] == "GREGORIAN"
    assert parsed["X-WR-CALNAME"] == calendar.CALENDAR_NAME
    assert parsed["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert parsed["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert b"X-PUBLISHED-TTL:PT1H" in response.content


def test_each_planned_session_is_an_all_day_event_that_says_what_and_why(
    client: Client, plan: WeekPlan, athlete: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        rules.RULES,
        rules.Rule.AFTER_QUALITY,
        rules.RuleText("After your intervals, not before them.", "Blagrove et al. 2018"),
    )
    day = today() + timedelta(days=2)
    first = plan_item(athlete, day, reduced=True, core_exercise="mountain-climber")
    second = plan_item(athlete, day + timedelta(days=3), warning="Only day left: before a long run")

    found = events(fetch(client, plan).content)

    assert set(found) == {uid(first), uid(second)}
    event = found[uid(first)]
    assert event["SUMMARY"] == "Runner's 250 (reduced reps) · core: Mountain climbers"
    assert event.start == day and not hasattr(event.start, "hour")  # a date: all day
    assert event.end == day + timedelta(days=1)
    assert event["TRANSP"] == "TRANSPARENT"
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event["DTSTAMP"].dt == first.updated_at.replace(microsecond=0)  # its last change
    description = str(event["DESCRIPTION"])
    assert "After your intervals, not before them. (Blagrove et al. 2018)" in description
    assert "Reduced reps: half of each slot" in description
    assert "Core exercise this time: Mountain climbers" in description
    assert "Start it on the day: http://testserver/plan/" in description
    assert "The program: http://testserver/programs/runners-250/" in description
    assert str(event["URL"]) == "http://testserver/plan/"
    assert found[uid(second)]["SUMMARY"] == "Runner's 250 · core: Sit-ups"
    assert "Warning: Only day left: before a long run" in str(found[uid(second)]["DESCRIPTION"])


def test_a_planned_session_reminds_the_evening_before(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    item = plan_item(athlete, today() + timedelta(days=1))

    event = events(fetch(client, plan).content)[uid(item)]

    [alarm] = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(hours=-6)  # 18:00 the day before
    assert str(alarm["DESCRIPTION"]).startswith("Tomorrow: Runner's 250")


def test_a_second_parser_reads_the_same_events_alarms_and_statuses(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    day = today() + timedelta(days=1)
    planned = plan_item(athlete, day, sequence=2)
    cancelled = plan_item(athlete, day + timedelta(days=2), status=ItemStatus.CANCELLED)

    found = vobject_events(fetch(client, plan).content)

    assert set(found) == {uid(planned), uid(cancelled)}
    event = found[uid(planned)]
    assert event.dtstart.value == day
    assert event.summary.value == "Runner's 250 · core: Sit-ups"
    assert int(event.sequence.value) == 2
    assert event.status.value == "CONFIRMED"
    assert "Start it on the day: http://testserver/plan/" in event.description.value
    [alarm] = event.valarm_list
    assert alarm.action.value == "DISPLAY"
    assert alarm.trigger.value == timedelta(hours=-6)
    assert found[uid(cancelled)].status.value == "CANCELLED"
    assert not hasattr(found[uid(cancelled)], "valarm")


def test_fetching_again_gives_the_same_uids_and_bytes_and_a_304_for_the_etag(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    items = [plan_item(athlete, today() + timedelta(days=days)) for days in (1, 3, 6)]

    first = fetch(client, plan)
    again = fetch(client, plan)

    assert list(events(first.content)) == [uid(item) for item in items]
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    unchanged = fetch(client, plan, if_none_match=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""


def test_a_moved_session_is_the_same_event_with_a_higher_sequence_and_a_new_etag(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    item = plan_item(athlete, today() + timedelta(days=1))
    before = fetch(client, plan)

    services.item_move(
        athlete=athlete, item_id=item.pk, to=item.day + timedelta(days=1), confirm=True
    )
    after = fetch(client, plan, if_none_match=before["ETag"])

    item.refresh_from_db()
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    for found in (events(after.content), vobject_events(after.content)):
        assert list(found) == [uid(item)]
    moved = events(after.content)[uid(item)]
    assert moved["SEQUENCE"] == item.sequence == 1
    assert moved.start == item.day == today() + timedelta(days=2)
    assert int(vobject_events(after.content)[uid(item)].sequence.value) == 1


def test_saving_the_week_again_sends_the_sessions_it_replaced_as_cancelled(
    client: Client, athlete: Any
) -> None:
    def save(days: list[str]) -> WeekPlan:
        return services.plan_save(
            athlete=athlete,
            days=days,
            per_week=2,
            program_slug="runners-250",
            race_day=None,
            race_is_a=False,
        )

    save(["easy", "quality", "easy", "quality", "easy", "rest", "long"])
    first = set(events(fetch(client, WeekPlan.objects.get(athlete=athlete)).content))
    plan = save(["quality", "easy", "quality", "easy", "rest", "long", "easy"])

    found = events(fetch(client, plan).content)

    cancelled = PlanItem.objects.filter(athlete=athlete, status=ItemStatus.CANCELLED)
    assert cancelled, "the new week should move some sessions"
    assert first <= set(found), "every event sent before is sent again"
    for item in cancelled:
        assert found[uid(item)]["STATUS"] == "CANCELLED"
        assert found[uid(item)]["SEQUENCE"] == item.sequence >= 1
        assert found[uid(item)].walk("VALARM") == []
    for item in PlanItem.objects.filter(athlete=athlete, status=ItemStatus.PLANNED):
        assert found[uid(item)]["STATUS"] == "CONFIRMED"


def test_cancelled_and_skipped_sessions_stay_in_the_feed_marked_cancelled_without_reminders(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    day = today() + timedelta(days=1)
    cancelled = plan_item(athlete, day, status=ItemStatus.CANCELLED, sequence=1)
    skipped = services.item_skip(
        athlete=athlete,
        item_id=plan_item(athlete, day + timedelta(days=2)).pk,
        reason="sore calf",
    )

    found = events(fetch(client, plan).content)

    for item in (cancelled, skipped):
        assert found[uid(item)]["STATUS"] == "CANCELLED"
        assert found[uid(item)].walk("VALARM") == []
    assert found[uid(cancelled)]["SEQUENCE"] == 1
    assert found[uid(skipped)]["SEQUENCE"] == 1  # item_skip bumped it
    assert found[uid(cancelled)]["SUMMARY"] == "Cancelled: Runner's 250 · core: Sit-ups"
    assert "Cancelled: the plan was made again" in str(found[uid(cancelled)]["DESCRIPTION"])
    assert found[uid(skipped)]["SUMMARY"].startswith("Skipped: Runner's 250")
    assert "Skipped: sore calf" in str(found[uid(skipped)]["DESCRIPTION"])


def test_a_done_session_stays_in_the_calendar_marked_done_without_a_reminder(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    item = plan_item(athlete, today() - timedelta(days=1), status=ItemStatus.DONE)

    event = events(fetch(client, plan).content)[uid(item)]

    assert event["SUMMARY"] == "Done: Runner's 250 · core: Sit-ups"
    assert event["STATUS"] == "CONFIRMED"
    assert event.walk("VALARM") == []


def test_sessions_long_past_leave_the_calendar(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    kept = plan_item(athlete, today() - timedelta(days=calendar.HISTORY_DAYS))
    plan_item(athlete, today() - timedelta(days=calendar.HISTORY_DAYS + 1))

    assert list(events(fetch(client, plan).content)) == [uid(kept)]


def test_links_use_the_public_address_when_one_is_set(
    client: Client, plan: WeekPlan, athlete: Any, settings: Any
) -> None:
    settings.RUNSTRONG_PUBLIC_URL = "https://runstrong.example"
    item = plan_item(athlete, today() + timedelta(days=1))

    event = events(fetch(client, plan).content)[uid(item)]

    assert str(event["URL"]) == "https://runstrong.example/plan/"
    assert "The program: https://runstrong.example/programs/runners-250/" in str(
        event["DESCRIPTION"]
    )


# ---------------------------------------------------------------------------
# Who can read what.


def test_a_made_up_token_and_a_rotated_one_get_the_same_plain_404(
    client: Client, plan: WeekPlan, athlete: Any
) -> None:
    plan_item(athlete, today() + timedelta(days=1))
    old_url = feed_url(plan)
    assert client.get(old_url).status_code == 200

    plan = services.feed_token_rotate(athlete=athlete)
    rotated = client.get(old_url)
    made_up = client.get(reverse("plans_feed:feed", args=["no-such-token"]))

    assert rotated.status_code == made_up.status_code == 404
    assert rotated["Content-Type"] == made_up["Content-Type"]
    assert rotated.content == made_up.content
    assert client.get(feed_url(plan)).status_code == 200


def test_your_token_opens_your_calendar_and_nothing_of_anyone_else(
    client: Client, plan: WeekPlan, athlete: Any, stranger: Any
) -> None:
    mine = plan_item(athlete, today() + timedelta(days=1))
    theirs_plan = week_plan(stranger)
    theirs = plan_item(stranger, today() + timedelta(days=1), core_exercise="mountain-climber")

    my_feed = fetch(client, plan)
    their_feed = fetch(client, theirs_plan)

    assert list(events(my_feed.content)) == [uid(mine)]
    assert list(events(their_feed.content)) == [uid(theirs)]
    assert str(theirs.uid).encode() not in my_feed.content
    assert b"Mountain climbers" not in my_feed.content


def test_a_logged_in_athlete_gets_the_calendar_of_the_token_not_their_own(
    stranger_client: Client, plan: WeekPlan, athlete: Any, stranger: Any
) -> None:
    mine = plan_item(athlete, today() + timedelta(days=1))
    plan_item(stranger, today() + timedelta(days=1))
    week_plan(stranger)

    assert list(events(fetch(stranger_client, plan).content)) == [uid(mine)]


def test_guessing_tokens_is_refused_after_a_few_but_a_real_feed_still_opens(
    client: Client, plan: WeekPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_feed, "MISSES_PER_IP", 3)
    guesses = [
        client.get(reverse("plans_feed:feed", args=[f"guess-{number}"])).status_code
        for number in range(4)
    ]

    assert guesses == [404, 404, 404, 429]
    assert fetch(client, plan).status_code == 200


def test_one_feed_fetched_too_often_is_refused_for_a_while(
    client: Client, plan: WeekPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_feed, "FETCHES_PER_TOKEN", 2)

    statuses = [fetch(client, plan).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_feed_answers_only_reads(client: Client, plan: WeekPlan) -> None:
    assert client.head(feed_url(plan)).status_code == 200
    assert client.post(feed_url(plan)).status_code == 405
