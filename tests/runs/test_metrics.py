"""Run metrics: Minetti's cost, Friel's EF example, and each figure on runs of known answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from runstrong.runs import metrics
from runstrong.runs.parsers import parse_bytes
from runstrong.runs.samples import Activity, FloatArray, Samples
from tests.runs.conftest import read

MPH = 1609.344 / 3600  # metres per second in one mile per hour


def synthetic_run(
    *,
    minutes: float = 60,
    speed: Callable[[FloatArray], FloatArray] | float = 3.0,
    heart_rate: Callable[[FloatArray], FloatArray] | float | None = 150.0,
    altitude: Callable[[FloatArray], FloatArray] | None = None,
    times: bool = True,
    sport: str = "running",
    every_s: float = 1.0,
) -> Activity:
    """A run recorded every ``every_s`` seconds; speed, heart rate and altitude (as a
    function of distance) given as constants or functions of time."""
    t = np.arange(0.0, minutes * 60 + every_s / 2, every_s)
    v = speed(t) if callable(speed) else np.full_like(t, speed)
    distance = np.concatenate(([0.0], np.cumsum(v[:-1] * np.diff(t))))
    if heart_rate is None:
        hr = np.full_like(t, np.nan)
    else:
        hr = heart_rate(t) if callable(heart_rate) else np.full_like(t, heart_rate)
    alt = altitude(distance) if altitude is not None else np.full_like(t, 100.0)
    nan = np.full_like(t, np.nan)
    samples = Samples(
        t=t if times else nan,
        distance_m=distance,
        altitude_m=alt,
        heart_rate=hr,
        cadence=nan,
        lat=nan,
        lon=nan,
        speed_m_s=nan,
    )
    return Activity(
        sport=sport,
        start=datetime(2025, 5, 1, 7, 0, tzinfo=UTC) if times else None,
        source_format="fit",
        samples=samples,
    )


# ---------------------------------------------------------------------------
# Published values.


def test_minetti_cost_on_the_flat_is_3_6_joules_per_kilogram_metre() -> None:
    assert metrics.minetti_cost(0.0) == pytest.approx(3.6)


@pytest.mark.parametrize(
    ("grade", "cost"),
    [
        # The polynomial evaluated term by term by hand, e.g. at +0.10:
        # 0.001554 − 0.00304 − 0.0433 + 0.463 + 1.95 + 3.6 = 5.968214
        (0.10, 5.968214),
        (-0.10, 2.151706),
        (0.20, 9.006688),
        (-0.20, 1.800032),
    ],
)
def test_minetti_cost_at_ten_and_twenty_percent_matches_the_polynomial(
    grade: float, cost: float
) -> None:
    assert metrics.minetti_cost(grade) == pytest.approx(cost, abs=1e-6)


@pytest.mark.parametrize(
    ("grade", "measured_mean", "measured_sd"),
    [
        # Minetti et al. (2002), abstract: measured Cr on ten runners.
        (0.0, 3.40, 0.24),
        (-0.20, 1.73, 0.36),
        (0.45, 18.93, 1.74),
        (-0.45, 3.92, 0.81),
    ],
)
def test_minetti_polynomial_stays_within_the_spread_of_the_published_measurements(
    grade: float, measured_mean: float, measured_sd: float
) -> None:
    assert abs(metrics.minetti_cost(grade) - measured_mean) <= measured_sd


def test_grades_steeper_than_the_study_measured_cost_the_same_as_its_steepest() -> None:
    assert metrics.minetti_cost(0.8) == metrics.minetti_cost(0.45)
    assert metrics.minetti_cost(-0.8) == metrics.minetti_cost(-0.45)


def test_friels_worked_example_eight_mph_at_150_bpm_is_about_1_56_yards_per_minute_per_beat() -> (
    None
):
    ef = metrics.efficiency_factor(8 * MPH, 150)

    assert metrics.ef_in_yards(ef) == pytest.approx(1.56, abs=0.005)


def test_a_steady_flat_run_at_eight_mph_and_150_bpm_reproduces_friels_figure() -> None:
    result = metrics.compute(synthetic_run(minutes=45, speed=8 * MPH, heart_rate=150))

    assert result.ef_yards == pytest.approx(1.564, abs=0.005)
    assert result.qualifies


# ---------------------------------------------------------------------------
# Synthetic runs with known answers.


def test_a_steady_hour_gives_distance_times_pace_and_ef() -> None:
    result = metrics.compute(synthetic_run(minutes=60, speed=3.0, heart_rate=150))

    assert result.distance_m == pytest.approx(10_800)
    assert result.elapsed_s == result.moving_s == 3600
    assert result.avg_speed_m_s == pytest.approx(3.0)
    assert result.gap_speed_m_s == pytest.approx(3.0)
    assert result.avg_heart_rate == pytest.approx(150)
    assert result.ef == pytest.approx(3.0 * 60 / 150)  # 1.2 m/min per beat
    assert result.decoupling_pct == pytest.approx(0.0, abs=1e-9)
    assert result.steady_s == pytest.approx(3000)  # the first 10 minutes are warm-up
    assert result.qualifies
    assert result.unavailable == {}


def test_heart_rate_drifting_up_in_the_second_half_shows_as_decoupling() -> None:
    # Steady part: minutes 10–60, halves split at minute 35. 150 → 160 bpm at
    # the same speed: EF drops from 1.2 to 1.125, i.e. by 6.25%.
    def drift(t: FloatArray) -> FloatArray:
        return np.where(t < 35 * 60, 150.0, 160.0)

    result = metrics.compute(synthetic_run(minutes=60, speed=3.0, heart_rate=drift))

    assert result.decoupling_pct == pytest.approx(6.25, abs=0.05)
    assert result.ef == pytest.approx(180 / 155, rel=0.002)


def test_the_warm_up_is_trimmed_before_efficiency_is_measured() -> None:
    # A very different heart rate in the first ten minutes changes nothing.
    def warm(t: FloatArray) -> FloatArray:
        return np.where(t < 10 * 60, 110.0, 150.0)

    result = metrics.compute(synthetic_run(minutes=60, speed=3.0, heart_rate=warm))

    assert result.ef == pytest.approx(1.2, rel=1e-3)
    assert result.decoupling_pct == pytest.approx(0.0, abs=0.05)


def test_running_uphill_counts_as_faster_by_minettis_cost() -> None:
    result = metrics.compute(
        synthetic_run(minutes=40, speed=2.5, heart_rate=150, altitude=lambda d: 100 + 0.05 * d)
    )

    expected = 2.5 * float(metrics.minetti_cost(0.05)) / 3.6
    assert result.gap_speed_m_s == pytest.approx(expected, rel=0.01)
    assert result.avg_speed_m_s == pytest.approx(2.5)
    assert result.elevation_gain_m == pytest.approx(0.05 * 6000, rel=0.02)


def test_up_and_down_the_same_hill_averages_the_two_costs() -> None:
    def out_and_back(d: FloatArray) -> FloatArray:
        return 100 + 0.05 * np.minimum(d, 6000 - d)

    result = metrics.compute(
        synthetic_run(minutes=40, speed=2.5, heart_rate=150, altitude=out_and_back)
    )

    factor = (float(metrics.minetti_cost(0.05)) + float(metrics.minetti_cost(-0.05))) / 2 / 3.6
    assert result.gap_speed_m_s == pytest.approx(2.5 * factor, rel=0.01)
    assert result.elevation_gain_m == pytest.approx(150, rel=0.03)


def test_altitude_jitter_adds_no_climbing() -> None:
    rng = np.random.default_rng(7)

    def jitter(d: FloatArray) -> FloatArray:
        return np.asarray(100 + rng.normal(0, 1.0, d.shape[0]), dtype=np.float64)

    result = metrics.compute(synthetic_run(minutes=40, speed=3.0, altitude=jitter))

    assert result.elevation_gain_m is not None and result.elevation_gain_m < 5
    assert result.gap_speed_m_s == pytest.approx(3.0, rel=0.01)


def test_rolling_hills_count_every_real_climb_once() -> None:
    # Five 30-metre hills, one every 2 km, with GPS-like noise on top.
    rng = np.random.default_rng(3)

    def hills(d: FloatArray) -> FloatArray:
        return 100 + 15 * (1 - np.cos(2 * np.pi * d / 2000)) + rng.normal(0, 0.7, d.shape[0])

    result = metrics.compute(synthetic_run(minutes=55, speed=3.03, altitude=hills))

    assert result.elevation_gain_m == pytest.approx(5 * 30, rel=0.08)


def test_a_stop_counts_in_elapsed_time_but_not_in_moving_time() -> None:
    def stop(t: FloatArray) -> FloatArray:
        return np.where((t >= 1200) & (t < 1500), 0.0, 3.0)

    result = metrics.compute(synthetic_run(minutes=50, speed=stop))

    assert result.elapsed_s == 3000
    assert result.moving_s == pytest.approx(2700, abs=12)
    assert result.moving_s is not None
    assert result.avg_speed_m_s == pytest.approx(3.0 * 2700 / result.moving_s, rel=1e-6)


def test_an_auto_paused_gap_is_not_moving_time() -> None:
    activity = synthetic_run(minutes=40, speed=3.0)
    s = activity.samples
    # The watch paused for ten minutes at minute 20: time jumps, distance does not.
    t = np.where(s.t >= 1200, s.t + 600, s.t)
    paused = Activity(
        sport="running",
        start=activity.start,
        source_format="fit",
        samples=Samples(
            t=t,
            distance_m=s.distance_m,
            altitude_m=s.altitude_m,
            heart_rate=s.heart_rate,
            cadence=s.cadence,
            lat=s.lat,
            lon=s.lon,
            speed_m_s=s.speed_m_s,
        ),
    )

    result = metrics.compute(paused)

    assert result.elapsed_s == 3000
    assert result.moving_s == pytest.approx(2400, abs=2)


def test_intervals_are_not_steady_running() -> None:
    def intervals(t: FloatArray) -> FloatArray:
        return np.where((t // 120) % 2 == 0, 4.5, 2.4)

    result = metrics.compute(synthetic_run(minutes=60, speed=intervals))

    assert not result.qualifies
    assert "as intervals" in (result.reason("qualifies") or "")
    assert result.surges is not None and result.surges >= 10


def test_a_short_run_has_an_ef_but_does_not_qualify() -> None:
    result = metrics.compute(synthetic_run(minutes=25, speed=3.0, heart_rate=150))

    assert result.ef == pytest.approx(1.2)
    assert result.steady_s == pytest.approx(900)
    assert not result.qualifies
    assert result.reason("qualifies") == (
        "only 15 min of steady running (20 needed, after a 10-min warm-up)"
    )


def test_a_very_short_run_has_no_ef_and_says_why() -> None:
    result = metrics.compute(synthetic_run(minutes=15, speed=3.0, heart_rate=150))

    assert result.ef is None and result.decoupling_pct is None
    assert "only 5 min of steady running" in (result.reason("ef") or "")


# ---------------------------------------------------------------------------
# What a file cannot support.


def test_without_heart_rate_ef_and_decoupling_are_unavailable_and_say_why() -> None:
    result = metrics.compute(synthetic_run(minutes=45, heart_rate=None))

    assert result.avg_heart_rate is None and result.ef is None and result.decoupling_pct is None
    assert result.reason("avg_heart_rate") == "no heart rate in the file"
    assert result.reason("ef") == result.reason("qualifies") == "no heart rate in the file"
    assert not result.qualifies
    # What does not need heart rate is still there.
    assert result.distance_m == pytest.approx(8100)
    assert result.avg_speed_m_s == pytest.approx(3.0)


def test_without_timestamps_only_distance_climbing_and_heart_rate_remain() -> None:
    result = metrics.compute(
        synthetic_run(minutes=45, times=False, altitude=lambda d: 100 + 0.02 * d)
    )

    assert result.distance_m == pytest.approx(8100)
    assert result.elevation_gain_m == pytest.approx(0.02 * 8100, rel=0.02)
    for name in ("elapsed_s", "moving_s", "avg_speed_m_s", "gap_speed_m_s", "ef"):
        assert getattr(result, name) is None
        assert result.reason(name) == "no timestamps in the file"
    assert not result.qualifies


def test_a_ride_is_measured_but_never_grade_adjusted_or_qualifying() -> None:
    result = metrics.compute(synthetic_run(minutes=60, speed=8.0, sport="cycling"))

    assert result.distance_m == pytest.approx(28_800)
    assert result.gap_speed_m_s is None and result.ef is None
    assert result.reason("qualifies") == "not a run (cycling)"
    assert not result.qualifies


def test_a_file_that_does_not_name_its_sport_is_measured_but_kept_out_of_the_trend() -> None:
    result = metrics.compute(synthetic_run(minutes=60, speed=3.0, sport="unknown"))

    assert result.ef == pytest.approx(1.2)
    assert not result.qualifies
    assert result.reason("qualifies") == "the file does not say it is a run"


def test_an_empty_file_has_every_figure_unavailable() -> None:
    empty = np.array([], dtype=np.float64)
    samples = Samples(
        t=empty,
        distance_m=empty,
        altitude_m=empty,
        heart_rate=empty,
        cadence=empty,
        lat=empty,
        lon=empty,
        speed_m_s=empty,
    )

    result = metrics.compute(Activity("running", None, "gpx", samples))

    assert result.distance_m is None and not result.qualifies
    assert result.reason("distance_m") == "no recorded points in the file"


def test_metrics_survive_a_trip_through_json() -> None:
    result = metrics.compute(synthetic_run(minutes=30, heart_rate=None))

    again = metrics.RunMetrics.from_dict(json.loads(json.dumps(result.to_dict())))

    assert again == result


def test_metrics_never_computed_read_back_as_not_qualifying() -> None:
    assert not metrics.RunMetrics.from_dict(None).qualifies


# ---------------------------------------------------------------------------
# Charts and real files.


def test_chart_series_are_at_most_500_points_and_a_stop_makes_no_pace_spike() -> None:
    def stop(t: FloatArray) -> FloatArray:
        return np.where((t >= 1800) & (t < 2100), 0.0, 3.0)

    series = metrics.chart_series(synthetic_run(minutes=120, speed=stop).samples)

    assert series is not None
    assert len(series.distance_m) <= 500
    assert len(series.speed_m_s) == len(series.heart_rate) == len(series.altitude_m)
    assert list(series.distance_m) == sorted(series.distance_m)
    assert series.speed_m_s[0] == pytest.approx(3.0, rel=0.05)
    # A stop covers no distance: against distance it is one point, and its
    # standing still (no pace at all) never shows as a standstill pace; only
    # the 30-second smoothing either side of it slows the line a little.
    speeds = [speed for speed in series.speed_m_s if speed is not None]
    assert len(speeds) == len(series.speed_m_s)
    assert min(speeds) > 1.0
    assert sorted(speeds)[len(speeds) // 10] == pytest.approx(3.0)


def test_a_file_without_distances_has_no_charts() -> None:
    activity = synthetic_run(minutes=10)
    nan = np.full(len(activity.samples), np.nan)
    samples = Samples(
        t=activity.samples.t,
        distance_m=nan,
        altitude_m=nan,
        heart_rate=activity.samples.heart_rate,
        cadence=nan,
        lat=nan,
        lon=nan,
        speed_m_s=nan,
    )

    assert metrics.chart_series(samples) is None
    assert metrics.compute(Activity("running", None, "fit", samples)).reason("distance_m") == (
        "no distances or positions in the file"
    )


def test_a_real_garmin_run_qualifies_with_a_plausible_efficiency_factor() -> None:
    result = metrics.compute(parse_bytes(read("fit/activity-small-fenix2-run.fit")))

    assert result.distance_m == pytest.approx(9007, abs=5)
    assert result.avg_heart_rate == pytest.approx(154, abs=2)
    assert result.qualifies
    assert result.ef is not None and 1.0 < result.ef < 2.0
    assert result.decoupling_pct is not None and abs(result.decoupling_pct) < 10


def test_real_files_without_heart_rate_or_times_say_what_is_missing() -> None:
    no_hr = metrics.compute(parse_bytes(read("tcx/no_hr.tcx")))
    no_times = metrics.compute(parse_bytes(read("gpx/cerknicko-without-times.gpx")))

    assert no_hr.reason("ef") == "no heart rate in the file"
    assert no_hr.distance_m is not None and no_hr.avg_speed_m_s is not None
    assert no_times.reason("moving_s") == "no timestamps in the file"
    assert no_times.distance_m is not None and no_times.distance_m > 10_000
