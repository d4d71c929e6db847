"""The runner's corrections: set what an activity was, or delete it; the trend follows.

The file that names no sport is the real Fenix 2 run written out as a GPX with
no <type>, as older Strava exports and eTrex tracks write it."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from django.test import Client

from runstrong.runs import selectors, services, sports
from runstrong.runs.models import Activity
from tests.runs.activity_files import without_sport_gpx
from tests.runs.conftest import read

SPLIT = date(2015, 1, 1)


def import_file(athlete: Any, name: str, data: bytes) -> Activity:
    outcome = services.activity_import(athlete=athlete, name=name, data=data)
    assert outcome.activity_id is not None, outcome.message
    return Activity.objects.get(pk=outcome.activity_id)


@pytest.fixture
def sportless(athlete: Any) -> Activity:
    return import_file(
        athlete, "lunch.gpx", without_sport_gpx(read("fit/activity-small-fenix2-run.fit"))
    )


def trend_ids(athlete: Any) -> list[int]:
    trend = selectors.efficiency_trend(athlete, split=SPLIT).trend
    return [run.id for run in trend.runs]


def fields(activity: Activity) -> tuple[Any, ...]:
    activity.refresh_from_db()
    return (activity.sport, activity.is_run, activity.qualifies, activity.ef, activity.metrics)


# ---------------------------------------------------------------------------
# Services


def test_a_file_naming_no_sport_set_to_running_joins_the_trend(
    athlete: Any, sportless: Activity
) -> None:
    assert sportless.sport == "unknown" and sportless.qualifies is False
    assert trend_ids(athlete) == []

    changed = services.activity_sport_set(
        athlete=athlete, activity_id=sportless.pk, sport="running"
    )

    assert (changed.sport, changed.is_run, changed.qualifies) == ("running", True, True)
    assert changed.ef is not None and changed.ef == pytest.approx(1.31, abs=0.01)
    assert trend_ids(athlete) == [sportless.pk]
    sportless.refresh_from_db()
    assert sportless.metrics["qualifies"] is True
    assert "qualifies" not in sportless.metrics["unavailable"]


def test_a_run_set_to_cycling_leaves_the_trend_and_loses_its_grade_adjustment(
    athlete: Any,
) -> None:
    run = import_file(athlete, "fenix2.fit", read("fit/activity-small-fenix2-run.fit"))
    assert trend_ids(athlete) == [run.pk]

    services.activity_sport_set(athlete=athlete, activity_id=run.pk, sport="cycling")

    run.refresh_from_db()
    assert (run.sport, run.is_run, run.qualifies, run.ef) == ("cycling", False, False, None)
    assert run.metrics["gap_speed_m_s"] is None
    assert trend_ids(athlete) == []


def test_deleting_an_activity_removes_it_from_the_trend(athlete: Any) -> None:
    run = import_file(athlete, "fenix2.fit", read("fit/activity-small-fenix2-run.fit"))

    services.activity_delete(athlete=athlete, activity_id=run.pk)

    assert not Activity.objects.filter(pk=run.pk).exists()
    assert trend_ids(athlete) == []
    # Imported by mistake, deleted: the same file can come back.
    again = services.activity_import(
        athlete=athlete, name="fenix2.fit", data=read("fit/activity-small-fenix2-run.fit")
    )
    assert again.status == "imported"


@pytest.mark.parametrize("sport", ["flying", "", " ", "unknown", "generic", "x" * 500])
def test_a_sport_not_on_offer_is_refused_and_nothing_changes(
    athlete: Any, sportless: Activity, sport: str
) -> None:
    before = fields(sportless)

    with pytest.raises(sports.UnknownSport) as refused:
        services.activity_sport_set(athlete=athlete, activity_id=sportless.pk, sport=sport)

    assert "running, trail running, treadmill running, walking" in str(refused.value)
    assert fields(sportless) == before


def test_another_athlete_can_neither_set_the_sport_nor_delete(
    athlete: Any, stranger: Any, sportless: Activity
) -> None:
    before = fields(sportless)

    with pytest.raises(Activity.DoesNotExist):
        services.activity_sport_set(athlete=stranger, activity_id=sportless.pk, sport="running")
    with pytest.raises(Activity.DoesNotExist):
        services.activity_delete(athlete=stranger, activity_id=sportless.pk)

    assert fields(sportless) == before


# ---------------------------------------------------------------------------
# The sports on offer, and the suggestion (pure)


@pytest.mark.parametrize("said", ["trail_running", "Trail running", " trail-running "])
def test_a_sport_is_taken_as_written_or_as_it_reads(said: str) -> None:
    assert sports.check(said) == "trail_running"


def test_pace_and_cadence_of_a_run_suggest_running_and_say_why() -> None:
    strides = np.full(100, 83.0)  # one foot, as Garmin writes it: 166 steps a minute

    said = sports.run_suggestion(
        sport="unknown", avg_speed_m_s=1000 / 310, cadence=strides, units="km"
    )

    assert said == "pace 5:10 /km and cadence 166 steps a minute look like a run"


@pytest.mark.parametrize(
    ("sport", "speed", "cadence"),
    [
        ("cycling", 3.2, 83.0),  # the file says what it is
        ("running", 3.2, 83.0),  # already a run
        ("unknown", 1.3, 55.0),  # a walk
        ("unknown", 8.0, 85.0),  # a ride's speed
        ("unknown", 3.2, float("nan")),  # no cadence: pace alone does not tell
        ("unknown", None, 83.0),  # no pace
    ],
)
def test_no_suggestion_unless_both_pace_and_cadence_say_run(
    sport: str, speed: float | None, cadence: float
) -> None:
    said = sports.run_suggestion(
        sport=sport, avg_speed_m_s=speed, cadence=np.full(10, cadence), units="km"
    )
    assert said is None


# ---------------------------------------------------------------------------
# The run page


def sport_url(activity: Activity) -> str:
    return f"/runs/{activity.pk}/sport/"


def delete_url(activity: Activity) -> str:
    return f"/runs/{activity.pk}/delete/"


def test_the_run_page_suggests_running_with_the_figures_and_offers_the_forms(
    athlete_client: Client, sportless: Activity
) -> None:
    html = athlete_client.get(f"/runs/{sportless.pk}/").content.decode()

    assert "its pace 5:14 /km and cadence 166 steps a minute look like a run" in html
    assert f'action="{sport_url(sportless)}"' in html
    assert f'href="{delete_url(sportless)}"' in html
    assert "the file does not say it is a run" in html


def test_the_owner_sets_the_sport_and_the_page_says_it_counts(
    athlete_client: Client, sportless: Activity
) -> None:
    response = athlete_client.post(sport_url(sportless), {"sport": "running"}, follow=True)

    assert response.redirect_chain == [(f"/runs/{sportless.pk}/", 302)]
    html = response.content.decode()
    assert "Sport set to running: it counts in your efficiency trend." in html
    assert "Counts in your" in html
    assert "look like a run" not in html  # nothing left to suggest
    assert fields(sportless)[:3] == ("running", True, True)


def test_a_bad_sport_gets_a_clear_422_and_nothing_changes(
    athlete_client: Client, sportless: Activity
) -> None:
    before = fields(sportless)

    response = athlete_client.post(sport_url(sportless), {"sport": "<b>flying</b>"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "“&lt;b&gt;flying&lt;/b&gt;” is not a sport RunStrong knows" in html
    assert fields(sportless) == before


def test_the_delete_asks_first_then_deletes(athlete_client: Client, sportless: Activity) -> None:
    confirm = athlete_client.get(delete_url(sportless))

    assert confirm.status_code == 200
    assert "Delete this activity?" in confirm.content.decode()
    assert Activity.objects.filter(pk=sportless.pk).exists()

    response = athlete_client.post(delete_url(sportless), follow=True)

    assert response.redirect_chain == [("/runs/", 302)]
    assert "Activity deleted" in response.content.decode()
    assert not Activity.objects.filter(pk=sportless.pk).exists()


def test_a_stranger_gets_404_for_both_and_nothing_changes(
    stranger_client: Client, sportless: Activity
) -> None:
    before = fields(sportless)

    assert stranger_client.post(sport_url(sportless), {"sport": "running"}).status_code == 404
    assert stranger_client.post(sport_url(sportless), {"sport": "flying"}).status_code == 404
    assert stranger_client.get(delete_url(sportless)).status_code == 404
    assert stranger_client.post(delete_url(sportless)).status_code == 404

    assert fields(sportless) == before


def test_the_forms_need_the_csrf_token(athlete: Any, sportless: Activity) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)

    assert client.post(sport_url(sportless), {"sport": "running"}).status_code == 403
    assert client.post(delete_url(sportless)).status_code == 403
    assert fields(sportless)[0] == "unknown"


def test_changing_the_sport_is_a_post(athlete_client: Client, sportless: Activity) -> None:
    assert athlete_client.get(sport_url(sportless)).status_code == 405
