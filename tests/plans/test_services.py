"""plans.services: saving a week places the coming weeks; moves, skips and the
calendar secret; a finished workout marks its planned session done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runstrong.plans import rules, services
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from runstrong.workouts.models import WorkoutSession

from .conftest import MONDAY, WEEK, finish_workout_on, planned, save_week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


def test_saving_a_week_places_four_weeks_of_sessions_where_the_rules_say(athlete: Any) -> None:
    save_week(athlete)

    items = planned(athlete)
    week = services.week_from(WEEK)
    expected = rules.place(week, rules.Wish(per_week=2, program="runners-250"), MONDAY)
    assert [item.day for item in items] == [spot.day for spot in expected.items]
    assert len(items) >= 4 * 2 - sum(d.count for d in expected.dropped)
    assert all(MONDAY <= item.day < MONDAY + timedelta(weeks=4) for item in items)
    assert all(item.rules for item in items)
    assert all(item.sequence == 0 for item in items)


def test_the_first_session_keeps_48_hours_from_a_workout_done_today(athlete: Any) -> None:
    save_week(athlete)
    assert planned(athlete)[0].day == MONDAY + timedelta(days=1)  # Tuesday, after intervals
    finish_workout_on(athlete, MONDAY)  # an unplanned workout on Monday, then the plan again

    save_week(athlete)

    assert planned(athlete)[0].day >= MONDAY + timedelta(days=2)


def test_a_new_athlete_starts_at_half_reps_for_two_weeks(athlete: Any) -> None:
    save_week(athlete)

    items = planned(athlete)
    first_two = [item for item in items if item.day < MONDAY + timedelta(weeks=2)]
    later = [item for item in items if item.day >= MONDAY + timedelta(weeks=2)]
    assert first_two and all(item.reduced for item in first_two)
    assert later and not any(item.reduced for item in later)
    assert str(rules.Rule.NEW_ATHLETE) in first_two[0].rules


def test_each_session_gets_the_core_exercise_the_rotation_gives_it(athlete: Any) -> None:
    finish_workout_on(athlete, MONDAY - timedelta(days=3))  # mountain climbers, first in the pool

    save_week(athlete)

    cores = [item.core_exercise for item in planned(athlete)]
    assert cores[:4] == ["sit-up", "mountain-climber", "sit-up", "mountain-climber"]


def test_saving_again_keeps_the_days_it_keeps_and_cancels_the_others(athlete: Any) -> None:
    save_week(athlete)
    before = {item.day: item for item in planned(athlete)}

    # The intervals move to Thursday and the long run to Saturday.
    save_week(athlete, days=["easy", "easy", "easy", "quality", "rest", "long", "rest"])

    after = {item.day: item for item in planned(athlete)}
    cancelled = PlanItem.objects.filter(athlete=athlete, status=ItemStatus.CANCELLED)
    assert cancelled.exists()
    assert {item.day for item in cancelled} == set(before) - set(after)
    assert all(item.sequence == 1 for item in cancelled)
    for day in set(before) & set(after):
        assert after[day].uid == before[day].uid
    old_ids = {item.pk for item in before.values()}
    assert not any(item.pk in old_ids for day, item in after.items() if day not in before)


def test_saving_the_same_week_twice_changes_nothing(athlete: Any) -> None:
    save_week(athlete)
    first = [(item.uid, item.day, item.sequence) for item in planned(athlete)]

    save_week(athlete)

    assert [(item.uid, item.day, item.sequence) for item in planned(athlete)] == first
    assert not PlanItem.objects.filter(status=ItemStatus.CANCELLED).exists()


def test_a_finished_workout_on_a_planned_day_marks_that_session_done(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    result = finish_workout_on(athlete, item.day)

    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    assert item.result == result
    assert item.sequence == 1


def test_a_workout_a_day_late_still_counts(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    finish_workout_on(athlete, item.day + timedelta(days=1))

    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_a_workout_two_days_from_any_planned_session_marks_none(athlete: Any) -> None:
    save_week(athlete)
    days = {item.day for item in planned(athlete)}
    lonely = next(
        MONDAY + timedelta(days=offset)
        for offset in range(28)
        if not days & {MONDAY + timedelta(days=offset + near) for near in (-1, 0, 1)}
    )

    finish_workout_on(athlete, lonely)

    assert {item.day for item in planned(athlete)} == days


def test_another_athletes_workout_marks_nothing(athlete: Any, stranger: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    finish_workout_on(stranger, item.day)

    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED


def test_a_move_that_breaks_a_rule_waits_for_confirmation(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    saturday = MONDAY + timedelta(days=5)  # the day before the long run

    outcome = services.item_move(athlete=athlete, item_id=item.pk, to=saturday, today=MONDAY)

    assert not outcome.moved
    assert rules.Rule.DAY_BEFORE_HARD in [rule for rule, _ in outcome.problems]
    item.refresh_from_db()
    assert item.day != saturday and item.sequence == 0

    confirmed = services.item_move(
        athlete=athlete, item_id=item.pk, to=saturday, confirm=True, today=MONDAY
    )

    assert confirmed.moved
    item.refresh_from_db()
    assert item.day == saturday and item.sequence == 1
    assert item.warning


def test_a_move_to_the_proposed_day_needs_no_confirmation(athlete: Any) -> None:
    save_week(athlete)
    items = planned(athlete)
    item = items[0]
    others = [other.day for other in items[1:]]
    week = services.week_from(WEEK)
    wish = rules.Wish(per_week=2, program="runners-250")
    proposed = rules.next_valid_day(week, wish, others, item.day)
    assert proposed is not None

    outcome = services.item_move(athlete=athlete, item_id=item.pk, to=proposed, today=MONDAY)

    assert outcome.moved and outcome.problems == ()
    item.refresh_from_db()
    assert item.day == proposed and item.sequence == 1


def test_a_session_cannot_move_into_the_past(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    with pytest.raises(ValueError, match="past"):
        services.item_move(
            athlete=athlete, item_id=item.pk, to=MONDAY - timedelta(days=1), today=MONDAY
        )


def test_skipping_keeps_the_reason_and_bumps_the_sequence(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    services.item_skip(athlete=athlete, item_id=item.pk, reason="  Sore\tcalves ")

    item.refresh_from_db()
    assert item.status == ItemStatus.SKIPPED
    assert item.skip_reason == "Sore calves"
    assert item.sequence == 1
    with pytest.raises(services.ItemNotOpen):
        services.item_skip(athlete=athlete, item_id=item.pk, reason="again")


def test_a_skip_needs_a_reason(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]

    with pytest.raises(ValueError, match="say why"):
        services.item_skip(athlete=athlete, item_id=item.pk, reason=" \u200b ")

    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED


def test_another_athletes_session_cannot_be_moved_skipped_or_started(
    athlete: Any, stranger: Any
) -> None:
    save_week(athlete)
    save_week(stranger)
    item = planned(athlete)[0]

    with pytest.raises(services.ItemNotFound):
        services.item_move(athlete=stranger, item_id=item.pk, to=MONDAY + timedelta(days=2))
    with pytest.raises(services.ItemNotFound):
        services.item_skip(athlete=stranger, item_id=item.pk, reason="not mine")
    with pytest.raises(services.ItemNotFound):
        services.item_start(athlete=stranger, item_id=item.pk)

    item.refresh_from_db()
    assert (item.status, item.sequence) == (ItemStatus.PLANNED, 0)
    assert not WorkoutSession.objects.exists()


def test_starting_a_reduced_session_asks_for_half_of_each_slot(athlete: Any) -> None:
    save_week(athlete)
    item = planned(athlete)[0]
    assert item.reduced

    session = services.item_start(athlete=athlete, item_id=item.pk)

    assert [slot["reps"] for slot in session.plan["slots"]] == [25] * 5
    assert session.session_plan().scaled


def test_rotating_the_feed_token_makes_a_new_secret(athlete: Any, stranger: Any) -> None:
    plan = save_week(athlete)
    old = plan.feed_token

    services.feed_token_rotate(athlete=athlete)

    plan.refresh_from_db()
    assert plan.feed_token != old and len(plan.feed_token) >= 24
    with pytest.raises(services.PlanNotFound):
        services.feed_token_rotate(athlete=stranger)


def test_the_500_is_offered_after_four_full_250s(athlete: Any) -> None:
    for days_ago in range(4):
        finish_workout_on(athlete, MONDAY - timedelta(days=20 - 4 * days_ago))
    assert services.full_250s_done(athlete) == 4

    save_week(athlete, program_slug="runners-500")

    items = planned(athlete)
    assert items and all(item.program_slug == "runners-500" for item in items)
    assert not any(item.reduced for item in items)
    assert WeekPlan.objects.get(athlete=athlete).program_slug == "runners-500"
