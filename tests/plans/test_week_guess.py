"""The runner's usual week guessed from their runs."""

from __future__ import annotations

from datetime import date, timedelta

from runstrong.plans.rules import Day
from runstrong.plans.week_guess import RunFact, guess_week

R, E, Q, L = Day.REST, Day.EASY, Day.QUALITY, Day.LONG
TODAY = date(2026, 12, 2)  # a Wednesday; the lookback is the 8 weeks from 5 October
FIRST_MONDAY = date(2026, 10, 5)


def weekly(
    weekday: int, *, weeks: int = 8, minutes: float, km: float, hr: float | None
) -> list[RunFact]:
    return [
        RunFact(
            day=FIRST_MONDAY + timedelta(days=7 * week + weekday),
            duration_s=minutes * 60,
            distance_m=km * 1000,
            mean_hr=hr,
        )
        for week in range(weeks)
    ]


def test_tuesday_thursday_sunday_runner() -> None:
    runs = (
        weekly(1, minutes=45, km=7.5, hr=140)
        + weekly(3, minutes=45 * 0.9, km=7.5, hr=141)  # 10% faster pace
        + weekly(6, minutes=90, km=15, hr=142)  # twice as long
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, E, R, Q, R, R, L)
    assert guess.runs_used == 24
    assert "Sunday: long run — the week's longest in 8 of 8 weeks." in guess.notes


def test_too_few_runs_give_no_guess() -> None:
    runs = weekly(1, weeks=7, minutes=45, km=7.5, hr=140)
    guess = guess_week(runs, TODAY)
    assert guess.week is None
    assert guess.runs_used == 7
    assert "Only 7 runs" in guess.notes[0]
