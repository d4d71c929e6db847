"""The plan page (/plan/), its forms, and the plan's lines on home and the trend page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from runstrong.plans import rules, selectors, week_guess
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from tests.runs.activity_files import import_run

from .conftest import MONDAY, WEEK, finish_workout_on, planned, save_week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

PLAN = "/plan/"


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    """Every test here runs on the Monday the helpers plan from."""
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=UTC), tick=False):
        yield


def week_post(**changes: str) -> dict[str, str]:
    data = {f"day_{index}": day for index, day in enumerate(WEEK)}
    data.update(per_week="2", program="runners-250")
    data.update(changes)
    return data


def text_of(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.replace("&#x27;", "'").replace("&amp;", "&").split())


def test_the_plan_page_asks_a_visitor_to_log_in(client: Client) -> None:
    response = client.get(PLAN)

    assert response.status_code == 302
    assert "/accounts/log-in/" in response["Location"]


def test_a_new_runner_without_runs_is_told_there_was_not_enough_to_guess(
    athlete_client: Client,
) -> None:
    page = text_of(athlete_client.get(PLAN))

    assert "Not enough runs to guess your week" in page
    assert "Make my plan" in page


def test_saving_the_week_shows_four_weeks_with_reasons_and_sources(
    athlete_client: Client, athlete: Any
) -> None:
    response = athlete_client.post(PLAN, week_post())

    assert response.status_code == 302
    items = planned(athlete)
    assert items
    page = text_of(athlete_client.get(PLAN))
    assert "Week saved" in page
    for week in range(4):
        assert f"Week of {(MONDAY + timedelta(weeks=week)).day} December" in page or (
            f"Week of {(MONDAY + timedelta(weeks=week)).day} January" in page
        )
    first = rules.RULES[rules.Rule(items[0].rules[0])]
    assert first.says in page and f"({first.source})" in page
    assert "half reps" in page  # a new athlete's first weeks
    assert "Keeps Sunday's long run clear" in page  # the run it protects


def test_a_week_made_on_a_sunday_shows_this_week_with_why_it_holds_no_session(
    athlete_client: Client, athlete: Any
) -> None:
    sunday = MONDAY - timedelta(days=1)
    with time_machine.travel(datetime(2026, 12, 6, 10, tzinfo=UTC), tick=False):
        athlete_client.post(PLAN, week_post())
        page = text_of(athlete_client.get(PLAN))

    assert all(item.day > sunday for item in planned(athlete))
    this_week = page.index("Week of 30 November")
    assert this_week < page.index("Week of 7 December")
    said = (
        "No session this week: only Sunday is open to the plan, too few for a share of your "
        "2 sessions a week (2 × 1/7 rounds to 0)."
    )
    assert page.index(said) > this_week and "not placed" not in page
    reason = rules.RULES[rules.Rule.PART_WEEK]
    assert f"({reason.source})" in page[this_week : page.index("Week of 7 December")]


def test_bad_week_input_is_refused_with_messages_and_nothing_saved(
    athlete_client: Client, athlete: Any
) -> None:
    response = athlete_client.post(
        PLAN, week_post(day_2="sprint", per_week="9", program="runners-500", race_day="yesterday")
    )

    assert response.status_code == 422
    page = text_of(response)
    assert page.count("Select a valid choice") >= 3  # the day, the count, the 500 not yet offered
    assert "Enter a valid date" in page
    assert not WeekPlan.objects.exists() and not PlanItem.objects.exists()


def test_a_week_of_rest_and_an_a_race_without_date_are_refused(athlete_client: Client) -> None:
    rest = {f"day_{index}": "rest" for index in range(7)}

    response = athlete_client.post(PLAN, week_post(**rest, race_is_a="on"))

    assert response.status_code == 422
    page = text_of(response)
    assert "Every day is a rest day" in page
    assert "An A race needs its date" in page
    assert not WeekPlan.objects.exists()


def test_a_race_in_the_past_is_refused(athlete_client: Client) -> None:
    response = athlete_client.post(PLAN, week_post(race_day="2026-12-01"))

    assert response.status_code == 422
    assert "That day has passed" in text_of(response)


def test_a_move_that_breaks_a_rule_warns_and_waits_for_confirmation(
    athlete_client: Client, athlete: Any
) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    saturday = (MONDAY + timedelta(days=5)).isoformat()  # the day before the long run
    field = f"move-{item.pk}-to"

    response = athlete_client.post(f"/plan/items/{item.pk}/move/", {field: saturday})

    assert response.status_code == 422
    page = text_of(response)
    assert re.search(r"Moving it to Saturday 12 December breaks (a rule|rules)", page)
    assert "Move anyway" in page
    item.refresh_from_db()
    assert item.day != MONDAY + timedelta(days=5)

    confirmed = athlete_client.post(
        f"/plan/items/{item.pk}/move/", {field: saturday, f"move-{item.pk}-confirm": "True"}
    )

    assert confirmed.status_code == 302
    item.refresh_from_db()
    assert item.day == MONDAY + timedelta(days=5) and item.sequence == 1


def test_a_move_with_htmx_swaps_only_the_card(athlete_client: Client, athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    response = athlete_client.post(
        f"/plan/items/{item.pk}/move/",
        {f"move-{item.pk}-to": (MONDAY + timedelta(days=5)).isoformat()},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="plan-item') and "<html" not in html
    assert "Move anyway" in html


def test_a_bad_move_date_is_refused(athlete_client: Client, athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    url = f"/plan/items/{item.pk}/move/"

    garbled = athlete_client.post(url, {f"move-{item.pk}-to": "next tuesday"})
    past = athlete_client.post(url, {f"move-{item.pk}-to": "2026-12-01"})

    assert garbled.status_code == 422 and "Enter a valid date" in text_of(garbled)
    assert past.status_code == 422 and "cannot move into the past" in text_of(past)
    item.refresh_from_db()
    assert item.sequence == 0


def test_skipping_needs_a_reason_and_then_says_skipped(
    athlete_client: Client, athlete: Any
) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    url = f"/plan/items/{item.pk}/skip/"

    empty = athlete_client.post(url, {f"skip-{item.pk}-reason": "   "})
    assert empty.status_code == 422 and "This field is required" in text_of(empty)

    done = athlete_client.post(url, {f"skip-{item.pk}-reason": "Travelling for work"})

    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.SKIPPED
    page = text_of(athlete_client.get(PLAN))
    assert "Skipped" in page and "Why: Travelling for work" in page


def test_another_athletes_sessions_and_plan_are_out_of_reach(
    athlete: Any, stranger: Any, client: Client
) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    client.force_login(stranger)

    answers = [
        client.post(f"/plan/items/{item.pk}/move/", {f"move-{item.pk}-to": "2026-12-09"}),
        client.post(f"/plan/items/{item.pk}/skip/", {f"skip-{item.pk}-reason": "not mine"}),
        client.post(f"/plan/items/{item.pk}/start/"),
        client.post("/plan/calendar-link/"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    item.refresh_from_db()
    assert (item.status, item.sequence, item.day) == (
        ItemStatus.PLANNED,
        0,
        planned(athlete)[0].day,
    )
    page = text_of(client.get(PLAN))
    assert str(item.day.day) + " Dec" not in page or "Make my plan" in page
    assert WeekPlan.objects.get(athlete=athlete).feed_token not in client.get(PLAN).content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(
    athlete_client: Client, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    save_week(athlete, today=MONDAY - timedelta(weeks=3))
    finish_workout_on(athlete, planned(athlete)[0].day)
    save_week(athlete)

    # session, user, plan, full 250s, items (names by subquery), today's line, unread count.
    with django_assert_max_num_queries(7) as few:
        athlete_client.get(PLAN)
    save_week(
        athlete, days=["quality", "easy", "long", "easy", "quality", "easy", "long"], per_week=3
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        athlete_client.get(PLAN)


def test_a_finished_workout_shows_done_on_the_plan_and_on_home(
    athlete_client: Client, athlete: Any
) -> None:
    save_week(athlete, today=MONDAY - timedelta(days=1))
    tuesday = MONDAY + timedelta(days=1)
    item = next(item for item in planned(athlete) if item.day == tuesday)
    # Home on Monday: the session is tomorrow, after the intervals.
    assert "Next session: tomorrow" in text_of(athlete_client.get("/"))

    with time_machine.travel(datetime(2026, 12, 8, 10, tzinfo=UTC), tick=False):
        home = text_of(athlete_client.get("/"))
        assert "Strength today: Runner's 250 at half reps, after your intervals" in home
        assert f'action="/plan/items/{item.pk}/start/"' in athlete_client.get("/").content.decode()
        finish_workout_on(athlete, tuesday)
        home = text_of(athlete_client.get("/"))
        plan_page = athlete_client.get(PLAN).content.decode()

    assert "Strength done today: Runner's 250, half reps" in home
    assert f'id="item-{item.pk}"' in plan_page and 'data-status="done"' in plan_page


def test_the_start_button_starts_the_reduced_session(athlete_client: Client, athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    response = athlete_client.post(f"/plan/items/{item.pk}/start/")

    assert response.status_code == 302 and response["Location"].startswith("/sessions/")
    session_page = athlete_client.get(response["Location"])
    assert session_page.status_code == 200


def test_home_says_nothing_of_a_plan_to_a_runner_without_one(athlete_client: Client) -> None:
    html = athlete_client.get("/").content.decode()

    assert 'id="plan-today"' not in html


def test_the_week_is_guessed_from_imported_runs(athlete_client: Client, athlete: Any) -> None:
    # Eight weeks of a runner's week: Tuesday intervals (fast), Thursday easy, Sunday long.
    for week in range(1, 9):
        monday = datetime(2026, 12, 7, 7, tzinfo=UTC) - timedelta(weeks=week)
        import_run(
            athlete, start=monday + timedelta(days=1), minutes=40, speed_m_s=4.2, heart_rate=172
        )
        import_run(
            athlete, start=monday + timedelta(days=3), minutes=40, speed_m_s=3.0, heart_rate=140
        )
        import_run(
            athlete, start=monday + timedelta(days=6), minutes=100, speed_m_s=3.0, heart_rate=145
        )
    guess = selectors.guess_for(athlete, MONDAY)
    assert guess.week is not None and guess.runs_used >= week_guess.MIN_RUNS

    html = athlete_client.get(PLAN).content.decode()
    page = text_of(athlete_client.get(PLAN))

    assert f"Guessed from your {guess.runs_used} imported runs" in page
    for index, day in enumerate(guess.week):
        assert re.search(
            rf'<option value="{day}" selected>',
            html.split(f'name="day_{index}"')[1].split("</select>")[0],
        )
    response = athlete_client.post(
        PLAN, week_post(**{f"day_{i}": str(d) for i, d in enumerate(guess.week)})
    )
    assert response.status_code == 302
    assert WeekPlan.objects.get(athlete=athlete).guessed_from_runs == guess.runs_used


def test_rotating_the_calendar_link_shows_a_new_one(athlete_client: Client, athlete: Any) -> None:
    plan = save_week(athlete)
    old = plan.feed_token
    assert old in athlete_client.get(PLAN).content.decode()

    response = athlete_client.post("/plan/calendar-link/")

    assert response.status_code == 302
    plan.refresh_from_db()
    html = athlete_client.get(PLAN).content.decode()
    assert plan.feed_token in html and old not in html


def test_adherence_shows_on_the_plan_and_beside_the_trend(
    athlete_client: Client, athlete: Any
) -> None:
    save_week(athlete, today=MONDAY - timedelta(weeks=2))
    done_one = planned(athlete)[0]
    finish_workout_on(athlete, done_one.day)
    last_week = MONDAY - timedelta(weeks=2)
    weeks = selectors.adherence_recent(athlete, today=MONDAY)
    first = next(week for week in weeks if week.start == last_week)

    plan_page = text_of(athlete_client.get(PLAN))
    trend = text_of(athlete_client.get("/runs/trend/"))

    assert f"{first.done} / {first.planned}" in plan_page and first.done == 1
    assert "Strength sessions as planned" in trend and f"{first.done} / {first.planned}" in trend


def test_the_me_page_leads_to_the_plan(athlete_client: Client) -> None:
    assert 'href="/plan/"' in athlete_client.get("/accounts/me/").content.decode()


def test_a_skip_with_htmx_reloads_the_page(athlete_client: Client, athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    response = athlete_client.post(
        f"/plan/items/{item.pk}/skip/",
        {f"skip-{item.pk}-reason": "Ill"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    item.refresh_from_db()
    assert item.status == ItemStatus.SKIPPED


def test_pages_that_show_no_plan_never_ask_for_one(athlete_client: Client, athlete: Any) -> None:
    save_week(athlete)

    with CaptureQueriesContext(connection) as queries:
        athlete_client.get("/programs/")
        athlete_client.get("/accounts/me/")

    assert not any("plans_" in query["sql"] for query in queries.captured_queries)
