"""Multisport FIT files (a triathlon, a brick): each leg stored as its own activity,
linked to the others, the run leg measured as a run (issue 18, part 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.urls import reverse

from runstrong.runs import metrics, selectors, services
from runstrong.runs.models import Activity, ImportItem, ImportStatus
from runstrong.runs.parsers import parse_bytes, parse_legs
from tests.runs.activity_files import gpx_of, steady_gpx
from tests.runs.conftest import GOOD_FILES, gz, read
from tests.runs.multisport import RUN, brick_fit


def run_url(activity_id: int) -> str:
    return reverse("runs_analysis:run", args=[activity_id])


# ---------------------------------------------------------------------------
# The parser


def test_a_brick_reads_as_a_bike_leg_then_a_run_leg_each_with_its_own_records() -> None:
    bike, run = parse_legs(brick_fit())

    ride = parse_bytes(read("fit/garmin-fenix-5-bike.fit"))
    alone = parse_bytes(read(RUN))
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
        + len(parse_bytes(read(RUN)).samples)
    )


def test_the_run_leg_is_measured_as_a_run_and_counts_as_the_same_run_alone() -> None:
    _, run = parse_legs(brick_fit())

    measured = metrics.compute(run)
    alone = metrics.compute(parse_bytes(read(RUN)))
    assert measured.ef is not None and measured.ef == pytest.approx(alone.ef)
    assert measured.qualifies == alone.qualifies
    assert measured.to_dict() == alone.to_dict()


@pytest.mark.parametrize("relative", GOOD_FILES)
def test_a_single_sport_file_is_one_leg_read_as_before(relative: str) -> None:
    (only,) = parse_legs(read(relative))

    before = parse_bytes(read(relative))
    assert (only.leg, only.leg_count) == (1, 1)
    assert (only.sport, only.start) == (before.sport, before.start)
    assert np.array_equal(only.samples.t, before.samples.t, equal_nan=True)


# ---------------------------------------------------------------------------
# Import: one activity per leg, linked, stored once


def import_brick(athlete: Any, data: bytes | None = None) -> services.ImportOutcome:
    return services.activity_import(athlete=athlete, name="brick.fit", data=data or brick_fit())


def legs_of(athlete: Any) -> list[Activity]:
    return list(Activity.objects.filter(athlete=athlete).order_by("leg"))


@pytest.mark.django_db
def test_each_leg_of_a_brick_is_stored_as_an_activity_of_its_own(athlete: Any) -> None:
    outcome = import_brick(athlete)

    assert outcome.status == ImportStatus.IMPORTED
    bike, run = legs_of(athlete)
    expected = parse_legs(brick_fit())
    assert [(leg.sport, leg.is_run) for leg in (bike, run)] == [
        ("cycling", False),
        ("running", True),
    ]
    assert [(leg.leg, leg.leg_count) for leg in (bike, run)] == [(1, 2), (2, 2)]
    assert [leg.start for leg in (bike, run)] == [leg.start for leg in expected]
    assert bike.elapsed_s == pytest.approx(61) and run.elapsed_s == pytest.approx(2833)
    assert bike.sha256 == run.sha256  # one file: what links the legs
    assert run.original_bytes() == bike.original_bytes() == brick_fit()
    assert len(run.to_samples()) == len(expected[1].samples)
    assert outcome.activity_id == bike.pk


@pytest.mark.django_db
def test_the_run_leg_has_the_figures_of_the_same_run_alone(athlete: Any, stranger: Any) -> None:
    import_brick(athlete)
    alone = services.activity_import(athlete=stranger, name="run.fit", data=read(RUN))

    leg = Activity.objects.get(athlete=athlete, is_run=True)
    same = Activity.objects.get(pk=alone.activity_id)
    assert leg.sport == "running" and leg.ef is not None
    assert (leg.ef, leg.decoupling_pct, leg.qualifies) == (
        pytest.approx(same.ef),
        pytest.approx(same.decoupling_pct),
        same.qualifies,
    )
    assert (leg.distance_m, leg.avg_heart_rate) == (same.distance_m, same.avg_heart_rate)


@pytest.mark.django_db
def test_the_real_run_leg_counts_in_the_trend(athlete: Any) -> None:
    # The brick made from the shared files: the Fenix 5 ride, then the Fenix 2 run.
    import_brick(athlete, brick_fit())

    bike, run = legs_of(athlete)
    assert (bike.sport, run.sport, run.is_run, run.qualifies) == (
        "cycling",
        "running",
        True,
        True,
    )
    trend = selectors.efficiency_trend(athlete)
    assert [point.id for point in trend.trend.runs] == [run.pk]


@pytest.mark.django_db
def test_a_steady_run_leg_counts_in_the_trend(athlete: Any) -> None:
    steady = parse_bytes(steady_gpx(start=datetime(2017, 6, 12, tzinfo=UTC), minutes=45))
    import_brick(athlete, brick_fit(run_leg=steady))

    bike, run = legs_of(athlete)
    assert (run.sport, run.is_run, run.qualifies) == ("running", True, True)
    assert bike.qualifies is not True
    trend = selectors.efficiency_trend(athlete)
    assert [point.id for point in trend.trend.runs] == [run.pk]


@pytest.mark.django_db
def test_importing_the_brick_again_stores_nothing(athlete: Any) -> None:
    import_brick(athlete)
    before = {leg.pk for leg in legs_of(athlete)}

    again = import_brick(athlete)
    batch = services.batch_import(
        athlete=athlete, files=[("brick.fit", brick_fit()), ("copy.fit.gz", gz(brick_fit()))]
    )

    assert {leg.pk for leg in legs_of(athlete)} == before
    assert again.status == ImportStatus.DUPLICATE
    assert [outcome.status for outcome in batch.outcomes] == [ImportStatus.DUPLICATE] * 2


@pytest.mark.django_db
def test_an_upload_records_each_leg_and_says_which_it_is(athlete: Any) -> None:
    result = services.batch_import(
        athlete=athlete, files=[("brick.fit", brick_fit()), ("run.fit", read(RUN))]
    )

    assert [(outcome.status, outcome.message) for outcome in result.outcomes] == [
        (
            ImportStatus.IMPORTED,
            "leg 1 of 2 of a multisport file: cycling; "
            "kept, but not a run: left out of the efficiency trend",
        ),
        (ImportStatus.IMPORTED, "leg 2 of 2 of a multisport file: running"),
        (ImportStatus.IMPORTED, "running"),
    ]
    items = ImportItem.objects.filter(batch=result.batch).order_by("position")
    assert [item.position for item in items] == [0, 1, 2]
    assert Activity.objects.filter(athlete=athlete).count() == 3


@pytest.mark.django_db
def test_the_run_leg_alone_already_imported_is_the_same_run(athlete: Any) -> None:
    # The run leg exported on its own (as a service would) before the whole file came.
    services.activity_import(
        athlete=athlete, name="run.gpx", data=gpx_of(parse_legs(brick_fit())[1])
    )

    import_brick(athlete)

    sports = sorted(Activity.objects.filter(athlete=athlete).values_list("sport", flat=True))
    assert sports == ["cycling", "running"]


@pytest.mark.django_db
def test_a_single_sport_file_is_stored_as_one_leg_of_one(athlete: Any) -> None:
    outcome = services.activity_import(athlete=athlete, name="run.fit", data=read(RUN))

    activity = Activity.objects.get(pk=outcome.activity_id)
    assert (activity.leg, activity.leg_count) == (1, 1)
    assert outcome.message == "running"


# ---------------------------------------------------------------------------
# The run page


def test_each_legs_page_says_which_leg_it_is_and_links_to_the_others(
    athlete: Any, athlete_client: Any
) -> None:
    import_brick(athlete)
    bike, run = legs_of(athlete)

    page = athlete_client.get(run_url(run.pk)).content.decode()
    legs = page[page.index('id="run-legs"') :].split("</nav>")[0]
    assert "Leg 2 of 2 of a multisport activity" in legs
    assert f'href="{run_url(bike.pk)}">leg 1, cycling</a>' in legs
    assert '<strong aria-current="page">leg 2, running</strong>' in legs
    assert f'href="{run_url(run.pk)}"' not in legs

    bike_page = athlete_client.get(run_url(bike.pk)).content.decode()
    assert "Leg 1 of 2 of a multisport activity" in bike_page
    assert f'href="{run_url(run.pk)}">leg 2, running</a>' in bike_page


def test_a_single_sport_runs_page_names_no_legs(athlete: Any, athlete_client: Any) -> None:
    outcome = services.activity_import(athlete=athlete, name="run.fit", data=read(RUN))

    page = athlete_client.get(run_url(outcome.activity_id)).content.decode()
    assert 'id="run-legs"' not in page and "multisport" not in page


def test_another_athletes_legs_are_not_linked(athlete: Any, stranger: Any, client: Any) -> None:
    import_brick(athlete)
    import_brick(stranger)  # the same file: the stranger's own legs
    mine = legs_of(athlete)

    client.force_login(stranger)
    theirs = legs_of(stranger)
    page = client.get(run_url(theirs[1].pk)).content.decode()
    assert all(run_url(leg.pk) + '"' not in page for leg in mine)
    assert client.get(run_url(mine[1].pk)).status_code == 404
