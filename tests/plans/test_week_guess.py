"""The runner's usual week guessed from their runs: from generated runs whose answer
a person can see, and from the real run files in shared/data/activities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runstrong.plans.rules import Day
from runstrong.plans.week_guess import MIN_RUNS, RunFact, guess_week
from runstrong.runs.metrics import compute
from runstrong.runs.parsers import parse_content
from tests.runs.conftest import read

R, E, Q, L = Day.REST, Day.EASY, Day.QUALITY, Day.LONG
TODAY = date(2026, 12, 2)  # a Wednesday: the lookback is the 8 weeks from Monday 5 October
FIRST_MONDAY = date(2026, 10, 5)


def weekly(
    weekday: int,
    *,
    minutes: float,
    km: float,
    hr: float | None,
    weeks: Sequence[int] = range(8),
) -> list[RunFact]:
    """The same run on one weekday (0: Monday) of each of the given lookback weeks."""
    return [
        RunFact(
            day=FIRST_MONDAY + timedelta(days=7 * week + weekday),
            duration_s=minutes * 60,
            distance_m=km * 1000,
            mean_hr=hr,
        )
        for week in weeks
    ]


# ---------------------------------------------------------------------------
# Generated runs.


def test_tuesday_thursday_sunday_runner() -> None:
    # 45 min easy on Tuesday, the same distance 10% faster on Thursday, twice as long
    # on Sunday: a person says Tue easy, Thu quality, Sun long, the rest rest.
    runs = (
        weekly(1, minutes=45, km=7.5, hr=140)
        + weekly(3, minutes=45 * 0.9, km=7.5, hr=141)
        + weekly(6, minutes=90, km=15, hr=142)
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, E, R, Q, R, R, L)
    assert guess.runs_used == 24
    assert guess.notes == (
        "Guessed from 24 runs in the 8 weeks before this one (8 of them with runs).",
        "Tuesday: easy — a run in 8 of 8 weeks.",
        "Thursday: quality — faster than your usual pace in 8 of 8 runs.",
        "Sunday: long run — the week's longest in 8 of 8 weeks.",
        "Rest: Monday, Wednesday, Friday, Saturday — a run in fewer than half of the 8 weeks.",
    )


def test_intervals_seen_by_heart_rate_when_the_average_pace_is_not_faster() -> None:
    # Thursday intervals average the same pace as an easy run once the recoveries are
    # counted, but the heart rate is 12 beats higher: a person calls it quality.
    runs = (
        weekly(1, minutes=40, km=7, hr=138)
        + weekly(3, minutes=40, km=7, hr=150)
        + weekly(5, minutes=40, km=7, hr=139)
        + weekly(6, minutes=100, km=16, hr=141)
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, E, R, Q, R, E, L)
    assert "Thursday: quality — a higher heart rate than usual in 8 of 8 runs." in guess.notes


def test_six_runs_with_a_missed_week_and_a_sometimes_skipped_day() -> None:
    # Six runs a week (Monday off), Tuesday intervals, Sunday long, one week away on
    # holiday (no runs), and Friday's run done only in 3 of the 7 weeks: a person says
    # Friday is not really a running day (3 of 7 is under half) but the rest is.
    away = [0, 1, 2, 3, 5, 6, 7]  # week 4 on holiday
    runs = (
        weekly(1, minutes=50, km=10, hr=155, weeks=away)
        + weekly(2, minutes=45, km=8, hr=138, weeks=away)
        + weekly(3, minutes=45, km=8, hr=139, weeks=away)
        + weekly(4, minutes=40, km=7, hr=137, weeks=[0, 1, 2])
        + weekly(5, minutes=45, km=8, hr=138, weeks=away)
        + weekly(6, minutes=110, km=19, hr=142, weeks=away)
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, Q, E, E, R, E, L)
    assert "Sunday: long run — the week's longest in 7 of 7 weeks." in guess.notes
    assert guess.notes[0].endswith("(7 of them with runs).")


def test_similar_runs_give_no_long_run_and_no_quality() -> None:
    # Three runs a week, all about 45 minutes at the same pace and heart rate.
    runs = (
        weekly(0, minutes=45, km=8, hr=140)
        + weekly(2, minutes=46, km=8.1, hr=141)
        + weekly(4, minutes=47, km=8.2, hr=139)
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (E, R, E, R, E, R, R)
    assert not any("long run" in note or "quality" in note for note in guess.notes)


def test_two_runs_on_one_day_count_as_one_running_day() -> None:
    # A double on Wednesdays (morning and evening): one running day, and together the
    # week's longest running, more than twice a usual run.
    runs = (
        weekly(1, minutes=40, km=7, hr=140)
        + weekly(2, minutes=40, km=7, hr=140)
        + weekly(2, minutes=50, km=8.5, hr=141)
        + weekly(4, minutes=40, km=7, hr=140)
    )
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, E, L, R, E, R, R)
    assert guess.runs_used == 32


def test_runs_outside_the_eight_weeks_are_not_used() -> None:
    # Eight weeks of Tuesday runs, plus this week's Monday run and one from 9 weeks ago.
    this_week = RunFact(TODAY - timedelta(days=2), 3600, 10000, 140)
    too_early = RunFact(FIRST_MONDAY - timedelta(days=3), 3600, 10000, 140)
    runs = [*weekly(1, minutes=40, km=7, hr=140), this_week, too_early]
    guess = guess_week(runs, TODAY)
    assert guess.runs_used == 8
    assert guess.week == (R, E, R, R, R, R, R)


def test_runs_without_distance_or_heart_rate_are_easy() -> None:
    # Treadmill runs with no distance and no heart rate: nothing says one is harder.
    runs = weekly(1, minutes=30, km=0, hr=None) + weekly(3, minutes=30, km=0, hr=None)
    guess = guess_week(runs, TODAY)
    assert guess.week == (R, E, R, E, R, R, R)


def test_too_few_runs_give_no_guess() -> None:
    guess = guess_week(weekly(1, minutes=45, km=7.5, hr=140, weeks=range(7)), TODAY)
    assert guess.week is None
    assert guess.runs_used == 7
    assert guess.notes == (
        "Only 7 runs in the 8 weeks before this one: 8 are needed to guess your week, "
        "so set it by hand.",
    )


def test_no_runs_at_all() -> None:
    guess = guess_week([], TODAY)
    assert guess.week is None
    assert guess.runs_used == 0
    assert "No runs" in guess.notes[0]


def test_a_busy_fortnight_is_not_a_habit() -> None:
    # Ten runs, all in two weeks: enough runs, too few weeks to call a week usual.
    runs = [
        RunFact(FIRST_MONDAY + timedelta(days=7 * 6 + offset), 2400, 7000, 140)
        for offset in range(10)
    ]
    guess = guess_week(runs, TODAY)
    assert guess.week is None
    assert "only 2 of the 8 weeks" in guess.notes[0]


def test_runs_on_changing_days_give_no_guess() -> None:
    # One run a week, each week on the next weekday: no weekday holds a run in half
    # the weeks.
    runs = [
        RunFact(FIRST_MONDAY + timedelta(days=8 * week), 2400, 7000, 140) for week in range(7)
    ] + [RunFact(FIRST_MONDAY + timedelta(days=8 * 6 + 1), 2400, 7000, 140)]
    guess = guess_week(runs, TODAY)
    assert guess.week is None
    assert "different weekdays" in guess.notes[0]


# How a person tells the days apart when a runner keeps to one week: an easy run of
# 45 min at 6:00 /km, a quality run of 45 min at 5:00 /km with a higher pulse, a
# long run of 100 min at 6:10 /km.
RUN_OF = {
    Day.EASY: (45, 7.5, 140.0),
    Day.QUALITY: (45, 9.0, 156.0),
    Day.LONG: (100, 16.2, 143.0),
}


@st.composite
def kept_weeks(draw: st.DrawFn) -> tuple[Day, ...]:
    week = draw(st.lists(st.sampled_from([R, E, Q]), min_size=7, max_size=7))
    long_day = draw(st.none() | st.integers(min_value=0, max_value=6))
    if long_day is not None:
        week[long_day] = L
    return tuple(week)


@settings(max_examples=200, deadline=None)
@given(kept_weeks(), st.sets(st.integers(min_value=0, max_value=7), max_size=2))
def test_a_week_kept_for_eight_weeks_is_guessed_back(
    week: tuple[Day, ...], weeks_away: set[int]
) -> None:
    running = [kind for kind in week if kind is not R]
    quality = sum(1 for kind in running if kind is Q)
    # The guess measures "faster" against the median pace and "longer" against the
    # week's other runs: it needs quality runs to be under half of all runs, and a
    # long run to have other runs beside it.
    assume(quality * 2 < len(running))
    assume(not (L in week and len(running) == 1))
    present = [n for n in range(8) if n not in weeks_away]
    assume(len(running) * len(present) >= 8)
    runs = [
        run
        for weekday, kind in enumerate(week)
        if kind is not R
        for run in weekly(
            weekday,
            minutes=RUN_OF[kind][0],
            km=RUN_OF[kind][1],
            hr=RUN_OF[kind][2],
            weeks=present,
        )
    ]
    guess = guess_week(runs, TODAY)
    assert guess.week == week
    assert guess.runs_used == len(runs)


# ---------------------------------------------------------------------------
# The real run files.
#
# Looked at by hand (dates from the files, figures from the project's parser and
# metrics):
#   fit/activity-small-fenix2-run.fit  Saturday 15 August 2015, 9.0 km in 47 min,
#                                      5:15 /km, 154 bpm
#   fit/garmin-fenix-5-run.fit         Sunday 11 June 2017, 158 m in 57 s (a test
#                                      recording, not a training run)
#   tcx/test.tcx                       Wednesday 26 December 2012, 4.7 km in 33 min,
#                                      7:05 /km, 160 bpm
#   tcx/no_hr.tcx                      the same run as test.tcx without heart rate
#                                      (same start to the second): one run, not two
#   fit/garmin-fenix-5-bike.fit        a ride, not a run
#   gpx/cerknicko-jezero.gpx           13.7 km in 2 h with no sport in the file: the
#                                      import keeps it as not a run until the athlete
#                                      says what it was, so the guess leaves it out
# Three runs, years apart: no 8 weeks hold more than one. A person looking at them
# would say "there is no usual week here"; that is what the guess must say too.

REAL_RUNS = ["fit/activity-small-fenix2-run.fit", "fit/garmin-fenix-5-run.fit", "tcx/test.tcx"]
NOT_RUNS = ["fit/garmin-fenix-5-bike.fit", "gpx/cerknicko-jezero.gpx"]


def real_run(relative: str) -> RunFact | None:
    """The RunFact of a real file, as the import would reduce it; None if not a run."""
    activity = parse_content(read(relative))
    if not activity.is_run or activity.start is None:
        return None
    metrics = compute(activity)
    return RunFact(
        day=activity.start.astimezone(UTC).date(),
        duration_s=metrics.moving_s or metrics.elapsed_s or 0.0,
        distance_m=metrics.distance_m or 0.0,
        mean_hr=metrics.avg_heart_rate,
    )


def test_real_files_are_what_the_person_saw() -> None:
    facts = {relative: real_run(relative) for relative in REAL_RUNS + NOT_RUNS}
    tcx = facts["tcx/test.tcx"]
    assert tcx is not None and tcx.day == date(2012, 12, 26) and tcx.day.weekday() == 2
    assert 4600 < tcx.distance_m < 4800 and 1950 < tcx.duration_s < 2000
    assert real_run("tcx/no_hr.tcx") == RunFact(
        day=tcx.day, duration_s=tcx.duration_s, distance_m=tcx.distance_m, mean_hr=None
    )
    fenix2 = facts["fit/activity-small-fenix2-run.fit"]
    assert fenix2 is not None and fenix2.day == date(2015, 8, 15) and fenix2.day.weekday() == 5
    assert 8900 < fenix2.distance_m < 9100 and 2800 < fenix2.duration_s < 2850
    short = facts["fit/garmin-fenix-5-run.fit"]
    assert short is not None and short.day == date(2017, 6, 11) and short.duration_s < 60
    assert facts["fit/garmin-fenix-5-bike.fit"] is None
    assert facts["gpx/cerknicko-jezero.gpx"] is None


@pytest.mark.parametrize("relative", REAL_RUNS)
def test_real_runs_give_no_guess_in_the_weeks_after_each(relative: str) -> None:
    runs = [fact for name in REAL_RUNS if (fact := real_run(name)) is not None]
    assert len(runs) == 3
    run = next(fact for name, fact in zip(REAL_RUNS, runs, strict=True) if name == relative)
    for weeks_later in (1, 4, 8):
        guess = guess_week(runs, run.day + timedelta(days=7 * weeks_later))
        assert guess.week is None
        assert guess.runs_used == 1 < MIN_RUNS
        assert guess.notes == (
            "Only 1 run in the 8 weeks before this one: 8 are needed to guess your week, "
            "so set it by hand.",
        )
