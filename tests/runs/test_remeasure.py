"""Stored activities measured by older rules are worked out again (issue 18, parts 1-3)."""

from __future__ import annotations

from typing import Any

import pytest

from runstrong.runs import metrics, services
from runstrong.runs.models import Activity
from runstrong.runs.services_remeasure import activities_remeasure
from tests.runs.real_files import as_intervals, parsed, tcx_of, with_clock_jump

FENIX_2 = "fit/activity-small-fenix2-run.fit"


def _stored_as_by_version_1(athlete: Any, data: bytes, name: str, **old: Any) -> Activity:
    """The file imported, then its row made to look as the first rules left it."""
    outcome = services.activity_import(athlete=athlete, name=name, data=data)
    assert outcome.activity_id is not None, outcome.message
    activity = Activity.objects.get(pk=outcome.activity_id)
    activity.metrics = {**activity.metrics, "version": 1, **old.pop("metrics", {})}
    for field, value in old.items():
        setattr(activity, field, value)
    activity.save()
    return activity


@pytest.mark.django_db
def test_an_interval_session_stored_as_qualifying_is_taken_out_of_the_trend(
    athlete: Any,
) -> None:
    run = parsed(FENIX_2)
    stored = _stored_as_by_version_1(
        athlete,
        tcx_of(run, times=as_intervals(run)),
        "intervals.tcx",
        qualifies=True,
        ef=1.06,
        metrics={"qualifies": True, "ef": 1.06, "unavailable": {}},
    )

    assert activities_remeasure() == 1

    stored.refresh_from_db()
    assert stored.qualifies is False
    assert stored.metrics["version"] == metrics.METRICS_VERSION
    assert "as intervals" in stored.metrics["unavailable"]["qualifies"]


@pytest.mark.django_db
def test_a_clock_jump_stored_as_twenty_days_is_measured_again(athlete: Any) -> None:
    run = parsed(FENIX_2)
    jumped = with_clock_jump(run.samples.t, at=1400, jump_s=20 * 86_400)
    stored = _stored_as_by_version_1(
        athlete,
        tcx_of(run, times=jumped),
        "jumped.tcx",
        elapsed_s=1_730_833.0,
        metrics={"elapsed_s": 1_730_833.0},
    )

    activities_remeasure()

    stored.refresh_from_db()
    assert stored.elapsed_s == pytest.approx(2833, abs=5)
    assert stored.metrics["clock_jump_s"] == pytest.approx(20 * 86_400, abs=5)


@pytest.mark.django_db
def test_activities_measured_by_the_current_rules_are_left_alone(athlete: Any) -> None:
    run = parsed(FENIX_2)
    outcome = services.activity_import(athlete=athlete, name="run.tcx", data=tcx_of(run))
    assert outcome.activity_id is not None

    assert activities_remeasure() == 0
