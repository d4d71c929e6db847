"""Multisport FIT files (a triathlon, a brick): each leg stored as its own activity,
linked to the others, the run leg measured as a run (issue 18, part 6)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from runstrong.runs import metrics
from runstrong.runs.parsers import parse_bytes, parse_legs
from tests.runs.conftest import GOOD_FILES, read
from tests.runs.multisport import brick_fit

# ---------------------------------------------------------------------------
# The parser


def test_a_brick_reads_as_a_bike_leg_then_a_run_leg_each_with_its_own_records() -> None:
    bike, run = parse_legs(brick_fit())

    ride = parse_bytes(read("fit/garmin-fenix-5-bike.fit"))
    alone = parse_bytes(read("fit/activity-small-fenix2-run.fit"))
    assert (bike.sport, bike.leg, bike.leg_count) == ("cycling", 1, 2)
    assert (run.sport, run.leg, run.leg_count) == ("running", 2, 2)
    assert run.is_run and not bike.is_run
    assert bike.start == ride.start
    assert len(bike.samples) == len(ride.samples)
    assert np.array_equal(bike.samples.heart_rate, ride.samples.heart_rate, equal_nan=True)
    # The run starts after the ride and the transition, and is the run it was made from.
    assert bike.start is not None and run.start is not None
    assert run.start - bike.start > timedelta(seconds=ride.samples.t[-1] + 60)
    assert len(run.samples) == len(alone.samples)
    assert np.array_equal(run.samples.t, alone.samples.t)
    assert np.array_equal(run.samples.distance_m, alone.samples.distance_m, equal_nan=True)


def test_the_transitions_records_belong_to_no_leg() -> None:
    bike, run = parse_legs(brick_fit())

    assert len(bike.samples) + len(run.samples) == (
        len(parse_bytes(read("fit/garmin-fenix-5-bike.fit")).samples)
        + len(parse_bytes(read("fit/activity-small-fenix2-run.fit")).samples)
    )


def test_the_run_leg_is_measured_as_a_run_and_counts_as_the_same_run_alone() -> None:
    _, run = parse_legs(brick_fit())

    measured = metrics.compute(run)
    alone = metrics.compute(parse_bytes(read("fit/activity-small-fenix2-run.fit")))
    assert measured.qualifies and alone.qualifies
    assert measured.ef == pytest.approx(alone.ef)


@pytest.mark.parametrize("relative", GOOD_FILES)
def test_a_single_sport_file_is_one_leg_read_as_before(relative: str) -> None:
    (only,) = parse_legs(read(relative))

    before = parse_bytes(read(relative))
    assert (only.leg, only.leg_count) == (1, 1)
    assert (only.sport, only.start) == (before.sport, before.start)
    assert np.array_equal(only.samples.t, before.samples.t, equal_nan=True)
