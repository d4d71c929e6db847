"""Shared by the plan page and services tests: a runner's week, a fixed Monday,
and workouts finished through the real workouts services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from runstrong.plans import services
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from runstrong.workouts.models import Result
from tests.workouts.factories import complete_session

# A runner with Tuesday intervals, a Sunday long run, easy runs between and two rest days.
WEEK = ["easy", "quality", "easy", "rest", "easy", "rest", "long"]
MONDAY = date(2026, 12, 7)  # the day the tests plan from


def save_week(
    athlete: Any,
    *,
    today: date = MONDAY,
    days: list[str] | None = None,
    per_week: int = 2,
    program_slug: str = "runners-250",
    race_day: date | None = None,
    race_is_a: bool = False,
) -> WeekPlan:
    return services.plan_save(
        athlete=athlete,
        days=days or WEEK,
        per_week=per_week,
        program_slug=program_slug,
        race_day=race_day,
        race_is_a=race_is_a,
        today=today,
    )


def planned(athlete: Any) -> list[PlanItem]:
    return list(PlanItem.objects.filter(athlete=athlete, status=ItemStatus.PLANNED))


def ms_at(day: date, hour: int = 18) -> int:
    """A client clock reading (ms since the epoch) on ``day`` at ``hour`` UTC."""
    return int(datetime.combine(day, time(hour), tzinfo=UTC).timestamp() * 1000)


def finish_workout_on(athlete: Any, day: date, **options: Any) -> Result:
    """A whole Runner's 250, appended event by event as the live page sends them."""
    outcome = complete_session(athlete, start_at=ms_at(day), **options)
    assert outcome.result is not None
    return outcome.result


@pytest.fixture
def week_plan(athlete: Any, catalog_synced: None) -> WeekPlan:
    return save_week(athlete)
