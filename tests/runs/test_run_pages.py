"""The run page and the efficiency-trend page, through the test client, on imported files."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from runstrong.runs import services
from tests.runs.activity_files import import_run
from tests.runs.conftest import read
from tests.workouts.factories import complete_session

FIRST_SESSION = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TREND = reverse("runs_analysis:trend")


def run_url(activity_id: int) -> str:
    return reverse("runs_analysis:run", args=[activity_id])


def import_file(athlete: Any, relative: str) -> int:
    outcome = services.activity_import(athlete=athlete, name=relative, data=read(relative))
    assert outcome.activity_id is not None, outcome.message
    return outcome.activity_id


def strength_session(athlete: Any, when: datetime) -> None:
    complete_session(athlete, start_at=int(when.timestamp() * 1000))


def runs_around_the_first_session(
    athlete: Any, *, before: int, after: int, change: float, seed: int
) -> None:
    """``before`` runs in the weeks before the first strength session and ``after``
    runs from three days after it, their EF changed by ``change`` (a fraction),
    each run's heart rate scattered by about 2%, as on easy days in settled weather
    (the statistics' own tests use noisier runs)."""
    rng = np.random.default_rng(seed)
    for index in range(before):
        import_run(
            athlete,
            start=FIRST_SESSION - (index + 1) * 3 * DAY,
            heart_rate=150 * (1 + rng.normal(0, 0.02)),
        )
    for index in range(after):
        import_run(
            athlete,
            start=FIRST_SESSION + 3 * DAY + index * 3 * DAY,
            heart_rate=150 / (1 + change) * (1 + rng.normal(0, 0.02)),
        )


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---------------------------------------------------------------------------
# The run page.


def test_the_run_page_shows_figures_and_three_charts_in_kilometres(
    athlete_client: Any, athlete: Any
) -> None:
    activity_id = import_run(athlete, start=FIRST_SESSION, minutes=40, speed_m_s=3.0)

    response = athlete_client.get(run_url(activity_id))

    assert response.status_code == 200
    page = text_of(response)
    assert "7.20 km" in page
    assert "5:33 /km" in page  # 3 m/s
    assert "40:00" in page
    assert "150 bpm" in page
    assert "m/min per beat" in page
    for kind in ("pace", "heart-rate", "elevation"):
        assert f'data-chart="{kind}"' in page
    assert "distance, km" in page
    assert "Counts in your" in page
    assert "unavailable" not in page


def test_the_run_page_honours_miles(athlete_client: Any, athlete: Any) -> None:
    athlete.units = "mi"
    athlete.save()
    activity_id = import_run(athlete, start=FIRST_SESSION, minutes=40, speed_m_s=3.0)

    page = text_of(athlete_client.get(run_url(activity_id)))

    assert "4.47 mi" in page
    assert "8:56 /mi" in page
    assert "distance, mi" in page
    assert "elevation, ft" in page
    assert "yd/min per beat" in page
    assert " km" not in page


def test_a_file_without_heart_rate_says_what_is_unavailable_and_why(
    athlete_client: Any, athlete: Any
) -> None:
    activity_id = import_file(athlete, "tcx/no_hr.tcx")

    page = text_of(athlete_client.get(run_url(activity_id)))

    assert "unavailable: no heart rate in the file" in page
    assert "No heart-rate chart: no heart rate in the file" in page
    assert 'data-chart="pace"' in page and 'data-chart="elevation"' in page
    assert "Not in your" in page


def test_a_file_without_times_has_no_pace_but_keeps_distance_and_elevation(
    athlete_client: Any, athlete: Any
) -> None:
    activity_id = import_file(athlete, "gpx/cerknicko-without-times.gpx")

    page = text_of(athlete_client.get(run_url(activity_id)))

    assert "unavailable: no timestamps in the file" in page
    assert "No pace chart: no timestamps in the file" in page
    assert 'data-chart="elevation"' in page
    assert re.search(r"1[0-9]\.[0-9]{2} km", page)


def test_a_ride_is_shown_but_not_counted(athlete_client: Any, athlete: Any) -> None:
    activity_id = import_file(athlete, "fit/garmin-fenix-5-bike.fit")

    page = text_of(athlete_client.get(run_url(activity_id)))

    assert "Not in your" in page and "not a run (cycling)" in page


def test_another_athletes_run_is_not_found(stranger_client: Any, athlete: Any) -> None:
    activity_id = import_run(athlete, start=FIRST_SESSION)

    assert stranger_client.get(run_url(activity_id)).status_code == 404
    assert stranger_client.get(run_url(activity_id + 1000)).status_code == 404


def test_the_run_page_asks_a_visitor_to_log_in(client: Any, athlete: Any) -> None:
    activity_id = import_run(athlete, start=FIRST_SESSION)

    response = client.get(run_url(activity_id))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# ---------------------------------------------------------------------------
# The trend page.


def test_with_no_runs_the_trend_page_says_there_is_not_enough_data(
    athlete_client: Any,
) -> None:
    page = text_of(athlete_client.get(TREND))

    assert "Not enough data" in page
    assert "No runs yet" in page
    assert "trend-chart" not in page
    assert "up to 8%" in page and "Jung" in page


def test_runs_that_do_not_qualify_are_explained(athlete_client: Any, athlete: Any) -> None:
    import_file(athlete, "tcx/no_hr.tcx")
    import_file(athlete, "fit/garmin-fenix-5-bike.fit")

    page = text_of(athlete_client.get(TREND))

    assert "Not enough data" in page
    assert "None of your 2 imported activities qualifies yet" in page


@pytest.mark.usefixtures("catalog_synced")
def test_a_five_percent_gain_after_the_first_session_reads_improved(
    athlete_client: Any, athlete: Any
) -> None:
    strength_session(athlete, FIRST_SESSION)
    strength_session(athlete, FIRST_SESSION + 14 * DAY)
    runs_around_the_first_session(athlete, before=10, after=10, change=0.05, seed=4)

    response = athlete_client.get(TREND)

    assert response.status_code == 200
    page = text_of(response)
    assert 'data-verdict="improved"' in page
    assert '<dd id="n-before">10</dd>' in page
    # The run one day after the second session is marked and left out.
    assert '<dd id="n-after">9</dd>' in page
    assert "Left out: 0 runs before and 1 after" in page
    assert page.count('class="run-point after-strength"') == 1 + 1  # the chart and its legend
    assert 'data-count="2"' in page  # both strength sessions drawn
    change = float(re.search(r'<dd id="change">\+(\d+\.\d)%</dd>', page).group(1))  # type: ignore[union-attr]
    assert 3 < change < 7
    assert "2 Jun 2025" in page


@pytest.mark.usefixtures("catalog_synced")
def test_no_change_reads_inconclusive(athlete_client: Any, athlete: Any) -> None:
    strength_session(athlete, FIRST_SESSION)
    runs_around_the_first_session(athlete, before=10, after=10, change=0.0, seed=8)

    page = text_of(athlete_client.get(TREND))

    assert 'data-verdict="inconclusive"' in page
    assert "includes zero" in page


@pytest.mark.usefixtures("catalog_synced")
def test_five_runs_a_side_are_not_enough(athlete_client: Any, athlete: Any) -> None:
    strength_session(athlete, FIRST_SESSION)
    runs_around_the_first_session(athlete, before=5, after=5, change=0.10, seed=1)

    page = text_of(athlete_client.get(TREND))

    assert 'data-verdict="not enough runs"' in page
    assert "at least 8 qualifying runs on each side" in page
    assert "trend-chart" in page  # the runs are still drawn


@pytest.mark.usefixtures("catalog_synced")
def test_another_split_date_moves_runs_between_the_sides(athlete_client: Any, athlete: Any) -> None:
    strength_session(athlete, FIRST_SESSION)
    runs_around_the_first_session(athlete, before=4, after=4, change=0.0, seed=2)
    split = (FIRST_SESSION + 7 * DAY).date().isoformat()

    page = text_of(athlete_client.get(TREND, {"split": split}))

    # Runs on days +3 and +6 move to the "before" side.
    assert '<dd id="n-before">6</dd>' in page and '<dd id="n-after">2</dd>' in page
    assert f'value="{split}"' in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "Enter the date as year-month-day"),
        ("1970-01-01", "Pick a date from 1 January 1990 on"),
        ("2999-01-01", "Pick a date that has passed"),
    ],
)
def test_a_bad_split_date_is_refused_with_a_message(
    athlete_client: Any, value: str, message: str
) -> None:
    response = athlete_client.get(TREND, {"split": value})

    assert response.status_code == 400
    assert message in text_of(response)


def test_without_strength_sessions_the_page_asks_for_a_date(
    athlete_client: Any, athlete: Any
) -> None:
    import_run(athlete, start=FIRST_SESSION)

    page = text_of(athlete_client.get(TREND))

    assert "no strength sessions yet" in page
    assert "data-verdict" not in page
    assert "trend-chart" in page


def test_the_trend_page_reads_in_the_same_number_of_queries_for_any_number_of_runs(
    athlete_client: Any, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    for index in range(3):
        import_run(athlete, start=FIRST_SESSION + index * DAY)
    with django_assert_max_num_queries(8) as few:
        athlete_client.get(TREND)
    for index in range(3, 12):
        import_run(athlete, start=FIRST_SESSION + index * DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        athlete_client.get(TREND)


def test_the_trend_page_asks_a_visitor_to_log_in(client: Any) -> None:
    response = client.get(TREND)

    assert response.status_code == 302


def test_run_times_show_in_the_sites_time_zone(athlete_client: Any, athlete: Any) -> None:
    activity_id = import_run(athlete, start=FIRST_SESSION)
    local = timezone.localtime(FIRST_SESSION)

    page = text_of(athlete_client.get(run_url(activity_id)))

    assert f"{local:%H:%M}" in page


def words_of(response: Any) -> str:
    """The page's text without its tags, spaces collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
    return re.sub(r"\s+", " ", text)


def _import_made_from_fenix_2(athlete: Any, name: str, **options: Any) -> int:
    from tests.runs.real_files import parsed, tcx_of

    run = parsed("fit/activity-small-fenix2-run.fit")
    outcome = services.activity_import(athlete=athlete, name=name, data=tcx_of(run, **options))
    assert outcome.activity_id is not None, outcome.message
    return outcome.activity_id


def test_the_run_page_says_the_files_clock_jumped_and_keeps_the_real_elapsed_time(
    athlete: Any, athlete_client: Any
) -> None:
    from tests.runs.real_files import parsed, with_clock_jump

    times = parsed("fit/activity-small-fenix2-run.fit").samples.t
    jumped = with_clock_jump(times, at=1400, jump_s=20 * 86_400)
    activity_id = _import_made_from_fenix_2(athlete, "jumped.tcx", times=jumped)

    page = words_of(athlete_client.get(run_url(activity_id)))

    assert "Elapsed time 47:1" in page  # 47:13, not 20 days
    assert "the file's clock jumped 20 days mid-run" in page


def test_the_run_page_says_an_interval_session_is_left_out_of_the_trend_and_why(
    athlete: Any, athlete_client: Any
) -> None:
    from tests.runs.real_files import as_intervals, parsed

    activity_id = _import_made_from_fenix_2(
        athlete, "intervals.tcx", times=as_intervals(parsed("fit/activity-small-fenix2-run.fit"))
    )

    page = words_of(athlete_client.get(run_url(activity_id)))

    assert "Not in your efficiency trend: it runs as intervals, not a steady run" in page


def test_the_trend_page_states_what_counts_as_steady_and_its_sources(
    athlete: Any, athlete_client: Any
) -> None:
    page = words_of(athlete_client.get(TREND))

    assert "taken as intervals and left out" in page
    assert "Friel 2011" in page


def test_the_run_page_defines_steady_by_the_same_rule_as_the_trend_page(
    athlete: Any, athlete_client: Any
) -> None:
    activity_id = import_run(athlete, start=FIRST_SESSION, minutes=40, speed_m_s=3.0)

    page = words_of(athlete_client.get(run_url(activity_id)))

    assert "taken as intervals and left out" in page
    assert "Friel 2011" in page
