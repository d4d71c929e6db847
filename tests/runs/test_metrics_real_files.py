"""Run metrics on the real runs in shared/data/activities, altered as real watches alter
them (issue 18): half-filled records, a clock that jumps, an interval session."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runstrong.runs import formatting, metrics
from runstrong.runs.parsers import parse_content
from runstrong.runs.samples import Activity, Samples
from tests.runs.real_files import (
    as_intervals,
    every_other_stripped,
    heart_rate_records_between,
    parsed,
    reread,
    with_clock_jump,
)

FENIX_2 = "fit/activity-small-fenix2-run.fit"  # 47 min, heart rate: the one easy run
TCX_RUN = "tcx/test.tcx"
CERKNICA = "gpx/cerknicko-jezero.gpx"  # a GPS track recorded every 8 s or so
DAY = 86_400.0


def _full_and_thinned(relative: str) -> tuple[metrics.RunMetrics, metrics.RunMetrics]:
    activity = parsed(relative)
    full = metrics.compute(reread(activity))
    thinned = metrics.compute(
        reread(activity, stripped=every_other_stripped(len(activity.samples)))
    )
    return full, thinned


# ---------------------------------------------------------------------------
# Half-filled records.


def test_every_other_record_without_distance_or_place_keeps_gap_ef_and_decoupling() -> None:
    full, thinned = _full_and_thinned(FENIX_2)

    assert full.qualifies and thinned.qualifies
    assert thinned.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.02)
    assert thinned.ef == pytest.approx(full.ef, rel=0.02)
    assert full.decoupling_pct is not None and thinned.decoupling_pct is not None
    # Decoupling is itself a percentage near zero: within half a point of the full file's.
    assert thinned.decoupling_pct == pytest.approx(full.decoupling_pct, abs=0.5)
    assert thinned.moving_s == pytest.approx(full.moving_s, rel=0.01)


def test_half_filled_records_of_a_tcx_run_keep_its_grade_adjusted_pace() -> None:
    full, thinned = _full_and_thinned(TCX_RUN)

    assert thinned.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.02)
    assert thinned.avg_speed_m_s == pytest.approx(full.avg_speed_m_s, rel=0.02)


def test_half_filled_records_of_a_sparse_track_no_longer_double_its_speed() -> None:
    full, thinned = _full_and_thinned(CERKNICA)

    # One point every 16 s instead of 8: half the altitudes are gone with the
    # records, so the grades are coarser; the speed must still be the same run's.
    assert thinned.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.05)
    assert thinned.avg_speed_m_s == pytest.approx(full.avg_speed_m_s, rel=0.05)
    assert thinned.moving_s == pytest.approx(full.moving_s, rel=0.05)


@pytest.mark.parametrize("offset_s", [0.0, 0.5])
def test_heart_rate_records_between_the_position_records_keep_gap_and_ef(
    offset_s: float,
) -> None:
    activity = _fenix_2()
    full = metrics.compute(reread(activity))

    doubled = metrics.compute(
        parse_content(heart_rate_records_between(activity, offset_s=offset_s))
    )

    # Stamped in the same second as the position record that follows, a heart-rate
    # record used to carry all the distance across a stretch of no time.
    assert doubled.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.02)
    assert doubled.ef == pytest.approx(full.ef, rel=0.02)
    assert doubled.decoupling_pct == pytest.approx(full.decoupling_pct, abs=0.5)
    assert doubled.qualifies


def test_records_stamped_in_pairs_in_the_same_second_keep_the_grade_adjusted_speed() -> None:
    activity = _fenix_2()
    paired = activity.samples.t.copy()
    # Every second record carries the time of the one before it, as a watch writing
    # two records per second in whole seconds does.
    paired[1::2] = paired[0:-1:2][: paired[1::2].shape[0]]
    full = metrics.compute(reread(activity))

    result = metrics.compute(reread(activity, times=paired))

    # It read 1.61 m/s for 3.19 m/s of average speed, and EF 0.65 for 1.31.
    assert result.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.02)
    assert result.ef == pytest.approx(full.ef, rel=0.02)
    assert result.decoupling_pct == pytest.approx(full.decoupling_pct, abs=0.5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_thinning_records_never_moves_grade_adjusted_speed_by_more_than_three_percent(
    data: st.DataObject,
) -> None:
    activity = _fenix_2()
    count = len(activity.samples)
    # Any scattering of bare records, never two in a row (a watch alternates).
    every = data.draw(st.integers(min_value=2, max_value=7), label="one record in")
    offset = data.draw(st.integers(min_value=1, max_value=every - 1), label="offset")
    stripped = np.arange(count) % every == offset
    stripped[0] = stripped[-1] = False
    full = metrics.compute(reread(activity))
    thinned = metrics.compute(reread(activity, stripped=stripped))

    assert thinned.gap_speed_m_s == pytest.approx(full.gap_speed_m_s, rel=0.03)
    assert thinned.ef == pytest.approx(full.ef, rel=0.03)


_PARSED: dict[str, Activity] = {}


def _fenix_2() -> Activity:
    if FENIX_2 not in _PARSED:
        _PARSED[FENIX_2] = parsed(FENIX_2)
    return _PARSED[FENIX_2]


# ---------------------------------------------------------------------------
# Clock jumps.


@pytest.mark.parametrize("relative", [FENIX_2, TCX_RUN])
def test_a_clock_jumping_twenty_days_mid_run_leaves_the_elapsed_time_and_says_so(
    relative: str,
) -> None:
    activity = parsed(relative)
    times = activity.samples.t
    honest = metrics.compute(reread(activity))
    jumped = metrics.compute(
        reread(activity, times=with_clock_jump(times, at=len(times) // 2, jump_s=20 * DAY))
    )

    assert honest.clock_jump_s == 0
    assert jumped.elapsed_s == pytest.approx(honest.elapsed_s, abs=10)
    assert jumped.moving_s == pytest.approx(honest.moving_s, abs=10)
    assert jumped.clock_jump_s == pytest.approx(20 * DAY, abs=10)
    assert jumped.ef == pytest.approx(honest.ef, rel=0.01) if honest.ef else jumped.ef is None
    assert jumped.qualifies == honest.qualifies
    assert "clock jumped 20 days" in formatting.clock_jump_note(jumped.clock_jump_s)


def test_a_two_hour_jump_with_the_runner_still_moving_is_a_clock_jump() -> None:
    activity = _fenix_2()
    times = activity.samples.t
    honest = metrics.compute(reread(activity))

    jumped = metrics.compute(
        reread(activity, times=with_clock_jump(times, at=len(times) // 2, jump_s=2 * 3600))
    )

    assert jumped.elapsed_s == pytest.approx(honest.elapsed_s, abs=10)
    assert jumped.clock_jump_s == pytest.approx(2 * 3600, abs=10)


def test_a_two_hour_stop_where_the_runner_stood_still_is_elapsed_time() -> None:
    t = np.arange(0.0, 3601.0)
    distance = np.where(t < 1800, 3.0 * t, 3.0 * 1800 + 3.0 * (t - 1800))
    distance[1800:] -= 3.0  # across the stop the runner did not move
    t = np.where(t >= 1800, t + 7200, t)
    lat = 46.0 + distance / 111_195.0
    nan = np.full_like(t, np.nan)
    stopped = Activity(
        sport="running",
        start=datetime(2025, 5, 1, 7, 0, tzinfo=UTC),
        source_format="gpx",
        samples=Samples(
            t=t,
            distance_m=distance,
            altitude_m=np.full_like(t, 300.0),
            heart_rate=np.full_like(t, 150.0),
            cadence=nan,
            lat=lat,
            lon=np.full_like(t, 14.5),
            speed_m_s=nan,
        ),
    )

    result = metrics.compute(stopped)

    assert result.elapsed_s == pytest.approx(3600 + 7200)
    assert result.clock_jump_s == 0


# ---------------------------------------------------------------------------
# Steady runs and interval sessions.


def test_an_interval_session_made_from_a_real_run_does_not_qualify_and_says_why() -> None:
    activity = _fenix_2()

    result = metrics.compute(reread(activity, times=as_intervals(activity)))

    assert not result.qualifies
    reason = result.reason("qualifies") or ""
    assert "as intervals" in reason
    assert result.surges is not None and result.surges >= 5
    # It would have had the minutes: the jogs after each repeat look steady.
    assert result.steady_s is not None and result.steady_s >= metrics.QUALIFYING_STEADY_S


def test_the_real_easy_run_still_qualifies_as_steady() -> None:
    result = metrics.compute(_fenix_2())

    assert result.qualifies
    assert result.surges is not None and result.surges <= metrics.MAX_SURGES
    assert result.ef == pytest.approx(1.31, abs=0.01)  # as before this rule


def test_a_hard_finish_after_a_steady_run_is_one_surge_not_intervals() -> None:
    activity = _fenix_2()
    samples = activity.samples
    # The last third run 25% faster: a progression, not repeats.
    finish = samples.distance_m >= samples.distance_m[-1] * 2 / 3
    step = np.diff(samples.t) * np.where(finish[1:], 0.8, 1.0)
    times = np.concatenate(([0.0], np.cumsum(step)))

    result = metrics.compute(reread(activity, times=times))

    assert result.surges is not None and result.surges <= metrics.MAX_SURGES
    assert "intervals" not in (result.reason("qualifies") or "")


# ---------------------------------------------------------------------------
# A closed loop.


@settings(max_examples=40, deadline=None)
@given(
    heights=st.lists(st.floats(min_value=-40, max_value=40), min_size=1, max_size=4),
    uphill_slowdown=st.floats(min_value=0.0, max_value=0.4),
)
def test_grade_adjusted_speed_over_a_closed_loop_is_never_far_below_average_speed(
    heights: list[float], uphill_slowdown: float
) -> None:
    loop_m = 6000.0
    t = np.arange(0.0, 50 * 60 + 1.0)
    # Speed along the loop slows on the climbs, by up to uphill_slowdown.
    distance = np.zeros_like(t)

    def altitude(at: np.ndarray) -> np.ndarray:
        phase = 2 * np.pi * (at % loop_m) / loop_m
        return 300 + sum(
            height * np.sin((order + 1) * phase) for order, height in enumerate(heights)
        )

    for index in range(1, t.shape[0]):
        here = distance[index - 1]
        grade = (altitude(np.array([here + 1.0]))[0] - altitude(np.array([here]))[0]) / 1.0
        distance[index] = here + 3.0 * (1 - uphill_slowdown * np.clip(grade * 10, 0, 1))
    # Round to whole loops, so the run ends where it started.
    laps = np.floor(distance[-1] / loop_m)
    keep = distance <= laps * loop_m
    t, distance = t[keep], distance[keep]
    nan = np.full_like(t, np.nan)
    loop = Activity(
        sport="running",
        start=datetime(2025, 5, 1, 7, 0, tzinfo=UTC),
        source_format="fit",
        samples=Samples(
            t=t,
            distance_m=distance,
            altitude_m=altitude(distance),
            heart_rate=np.full_like(t, 150.0),
            cadence=nan,
            lat=nan,
            lon=nan,
            speed_m_s=nan,
        ),
    )

    result = metrics.compute(loop)

    assert result.gap_speed_m_s is not None and result.avg_speed_m_s is not None
    assert result.gap_speed_m_s >= 0.98 * result.avg_speed_m_s
