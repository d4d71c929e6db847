"""The efficiency trend's statistics: t quantiles, the before/after verdict, marks and the line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from runstrong.runs import stats

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
START = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
# Day-to-day spread of a runner's EF on easy runs: a few percent (weather,
# sleep, terrain). 4% is on the noisy side, so the tests are not flattering.
NOISE = 0.04


def noisy(rng: np.random.Generator, mean: float, n: int) -> list[float]:
    return [float(value) for value in mean * (1 + rng.normal(0, NOISE, n))]


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        # Two-sided 95% (p = 0.975), from any printed t table.
        (0.975, 1, 12.706),
        (0.975, 2, 4.303),
        (0.975, 5, 2.571),
        (0.975, 10, 2.228),
        (0.975, 20, 2.086),
        (0.975, 30, 2.042),
        (0.975, 120, 1.980),
        # One-sided 95% and two-sided 99%.
        (0.95, 5, 2.015),
        (0.95, 10, 1.812),
        (0.995, 10, 3.169),
        (0.995, 3, 5.841),
    ],
)
def test_t_quantiles_match_the_printed_table(p: float, df: float, table: float) -> None:
    assert stats.student_t_quantile(p, df) == pytest.approx(table, abs=0.0006)


def test_t_quantiles_are_symmetric_and_tend_to_the_normal() -> None:
    assert stats.student_t_quantile(0.025, 7) == pytest.approx(-stats.student_t_quantile(0.975, 7))
    assert stats.student_t_quantile(0.5, 4) == 0.0
    assert stats.student_t_quantile(0.975, 1e6) == pytest.approx(1.95996, abs=1e-4)


def test_t_quantiles_accept_fractional_degrees_of_freedom_as_welch_needs() -> None:
    between = stats.student_t_quantile(0.975, 7.5)

    assert stats.student_t_quantile(0.975, 8) < between < stats.student_t_quantile(0.975, 7)
    assert stats.student_t_cdf(between, 7.5) == pytest.approx(0.975, abs=1e-10)


def test_a_real_five_percent_improvement_reads_improved_with_an_interval_around_it() -> None:
    rng = np.random.default_rng(2025)
    before, after = noisy(rng, 1.50, 20), noisy(rng, 1.50 * 1.05, 20)

    result = stats.compare(before, after)

    assert result.verdict == stats.IMPROVED
    assert result.ci_low_pct is not None and result.ci_high_pct is not None
    assert 0 < result.ci_low_pct < 5 < result.ci_high_pct
    assert (result.n_before, result.n_after) == (20, 20)


def test_no_change_reads_inconclusive() -> None:
    # One seeded athlete; how often "no change" is called inconclusive over
    # many athletes is the next test's business.
    rng = np.random.default_rng(12)
    before, after = noisy(rng, 1.50, 20), noisy(rng, 1.50, 20)

    result = stats.compare(before, after)

    assert result.verdict == stats.INCONCLUSIVE
    assert result.ci_low_pct is not None and result.ci_high_pct is not None
    assert result.ci_low_pct < 0 < result.ci_high_pct


def test_with_no_change_about_95_in_100_athletes_are_told_inconclusive() -> None:
    rng = np.random.default_rng(7)
    trials = 400
    verdicts = [
        stats.compare(noisy(rng, 1.5, 12), noisy(rng, 1.5, 12)).verdict for _ in range(trials)
    ]
    assert 0.92 <= verdicts.count(stats.INCONCLUSIVE) / trials <= 0.98


def test_a_real_drop_reads_worse() -> None:
    rng = np.random.default_rng(5)

    result = stats.compare(noisy(rng, 1.50, 15), noisy(rng, 1.50 * 0.94, 15))

    assert result.verdict == stats.WORSE
    assert result.ci_high_pct is not None and result.ci_high_pct < 0


def test_five_runs_a_side_are_not_enough_even_for_a_big_change() -> None:
    rng = np.random.default_rng(1)

    result = stats.compare(noisy(rng, 1.50, 5), noisy(rng, 1.50 * 1.10, 5))

    assert result.verdict == stats.NOT_ENOUGH
    assert (result.n_before, result.n_after) == (5, 5)


def test_seven_on_one_side_is_not_enough_eight_on_each_is() -> None:
    rng = np.random.default_rng(9)
    big = noisy(rng, 1.50 * 1.08, 30)

    assert stats.compare(noisy(rng, 1.50, 7), big).verdict == stats.NOT_ENOUGH
    assert stats.compare(noisy(rng, 1.50, 8), big).verdict != stats.NOT_ENOUGH


def test_no_runs_at_all_is_not_enough_and_has_no_numbers() -> None:
    result = stats.compare([], [])

    assert result.verdict == stats.NOT_ENOUGH
    assert result.change_pct is None and result.ci_low_pct is None


def test_the_95_percent_interval_covers_the_true_change_about_95_times_in_100() -> None:
    # 400 seeded simulated athletes, 10 runs a side, a true 3% change: the
    # interval should miss the truth about 5% of the time, no more, no less.
    rng = np.random.default_rng(42)
    trials = 400
    covered = 0
    for _ in range(trials):
        result = stats.compare(noisy(rng, 1.5, 10), noisy(rng, 1.5 * 1.03, 10))
        assert result.ci_low_pct is not None and result.ci_high_pct is not None
        covered += result.ci_low_pct <= 3.0 <= result.ci_high_pct
    assert 0.92 <= covered / trials <= 0.98


# ---------------------------------------------------------------------------
# Marks, the rolling line and the trend.


def test_runs_within_48_hours_after_a_strength_session_are_marked() -> None:
    session = START
    runs = [session - HOUR, session + HOUR, session + 47 * HOUR, session + 49 * HOUR]

    assert stats.after_strength(runs, [session]) == [False, True, True, False]
    assert stats.after_strength(runs, []) == [False] * 4


def test_the_rolling_line_is_the_mean_of_the_last_28_days() -> None:
    when = [START + n * 7 * DAY for n in range(6)]
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]

    line = stats.rolling_mean(when, values)

    # Runs a week apart: 28 days back reaches three earlier runs (day 0 excluded).
    assert line == [None, None, 2.0, 2.5, 3.5, 4.5]


def runs_every_other_day(n: int, first: datetime, ef: float) -> list[stats.RunPoint]:
    return [stats.RunPoint(id=index, when=first + 2 * index * DAY, ef=ef) for index in range(n)]


def test_the_trend_leaves_runs_after_strength_work_out_of_the_comparison_and_counts_them() -> None:
    before = runs_every_other_day(10, START, 1.5)
    split = START + 30 * DAY
    after = [
        stats.RunPoint(id=100 + run.id, when=run.when + 30 * DAY, ef=1.6 + 0.01 * (run.id % 3))
        for run in before
    ]
    # A session a day before the 3rd and the 7th "after" runs; those runs are
    # slow (tired legs) and must not drag the comparison down.
    sessions = [after[2].when - DAY, after[6].when - DAY]
    tired = {after[2].id, after[6].id}
    after = [
        stats.RunPoint(id=run.id, when=run.when, ef=1.0) if run.id in tired else run
        for run in after
    ]

    result = stats.trend([*before, *after], sessions, split=split)

    assert result.comparison is not None
    assert (result.comparison.n_before, result.comparison.n_after) == (10, 8)
    assert (result.left_out_before, result.left_out_after) == (0, 2)
    assert result.comparison.mean_after == pytest.approx(1.61, abs=0.005)
    marked = {run.id for run in result.runs if run.after_strength}
    assert marked == tired
    assert all(run.rolling is None for run in result.runs if run.after_strength)


def test_the_trend_can_keep_runs_after_strength_work_when_asked() -> None:
    runs = runs_every_other_day(20, START, 1.5)

    result = stats.trend(
        runs, [runs[15].when - HOUR], split=runs[10].when, exclude_after_strength=False
    )

    assert result.comparison is not None
    assert result.comparison.n_after == 10
    assert result.left_out_after == 0


def test_a_run_on_the_split_moment_belongs_to_the_after_side() -> None:
    runs = runs_every_other_day(4, START, 1.5)

    result = stats.trend(runs, [], split=runs[2].when)

    assert result.comparison is not None
    assert (result.comparison.n_before, result.comparison.n_after) == (2, 2)


def test_without_a_split_date_there_is_no_comparison() -> None:
    result = stats.trend(runs_every_other_day(3, START, 1.5), [], split=None)

    assert result.comparison is None
    assert len(result.runs) == 3
