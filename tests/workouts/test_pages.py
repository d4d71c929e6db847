"""The server-rendered workout pages: home, programs, starting, results, history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from runstrong.workouts import services
from runstrong.workouts.models import Program, Result, WorkoutSession
from tests.workouts.factories import T0, complete_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

DAY_MS = 86_400_000


def result_for(
    athlete: Any, *, day: int = 0, seconds_per_rep: float = 2.0, **options: Any
) -> Result:
    outcome = complete_session(
        athlete, start_at=T0 + day * DAY_MS, seconds_per_rep=seconds_per_rep, **options
    )
    assert outcome.result is not None
    return outcome.result


# ---------------------------------------------------------------------------
# Home and the layout.


def test_home_invites_a_visitor_to_sign_up(client: Client) -> None:
    html = client.get("/").content.decode()

    assert 'href="/accounts/sign-up/"' in html
    assert "Runner&#x27;s 250" in html and "Runner&#x27;s 500" in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html


def test_home_offers_a_new_athlete_the_runners_250_with_mountain_climbers(
    athlete_client: Client,
) -> None:
    html = athlete_client.get("/").content.decode()

    assert 'action="/programs/runners-250/start/"' in html
    assert "Core exercise this time: <strong><bdi>Mountain climbers</bdi></strong>" in html
    assert "No results yet" in html


def test_home_shows_the_last_result_and_the_next_core_exercise(
    athlete_client: Client, athlete: Any
) -> None:
    result = result_for(athlete)

    html = athlete_client.get("/").content.decode()

    assert f'href="/results/{result.id}/"' in html
    assert "8:20" in html  # 250 reps at 2 s
    assert "Core exercise this time: <strong><bdi>Sit-ups</bdi></strong>" in html


def test_home_starts_the_program_of_the_latest_session(
    athlete_client: Client, athlete: Any
) -> None:
    result_for(athlete, program_slug="runners-500")

    html = athlete_client.get("/").content.decode()

    assert 'action="/programs/runners-500/start/"' in html


def test_home_offers_to_resume_an_unfinished_session(athlete_client: Client) -> None:
    athlete_client.post("/programs/runners-250/start/", {"mode": "prescribed"})
    session = WorkoutSession.objects.get()

    html = athlete_client.get("/").content.decode()

    assert f'href="/sessions/{session.id}/"' in html and "Resume your unfinished" in html


def test_home_reads_in_a_fixed_number_of_queries(
    athlete_client: Client, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(3):
        result_for(athlete, day=day)

    # session + user, the summary (five), the program list, the unread count in the
    # navigation, and today's line of the plan (plans' lazy context processor).
    with django_assert_max_num_queries(10):
        athlete_client.get("/")


def test_the_layout_leads_to_me_where_log_out_posts_and_no_inline_script_or_style(
    athlete_client: Client,
) -> None:
    html = athlete_client.get("/").content.decode()
    me = athlete_client.get("/accounts/me/").content.decode()

    assert 'href="/accounts/me/"' in html
    assert re.search(r'<form[^>]*method="post" action="/accounts/log-out/"', me)
    assert 'href="/history/"' in me and 'href="/accounts/profile/"' in me
    for page in (html, me):
        assert "<script>" not in page and " style=" not in page and "<style" not in page


def test_user_text_is_escaped_everywhere_it_is_shown(athlete_client: Client, athlete: Any) -> None:
    athlete.display_name = '<script>alert("x")</script>'
    athlete.save()

    for path in ("/", "/accounts/profile/"):
        html = athlete_client.get(path).content.decode()
        assert "<script>alert" not in html, path
        assert "&lt;script&gt;alert" in html, path


# ---------------------------------------------------------------------------
# Programs.


def test_programs_page_lists_the_programs(client: Client) -> None:
    html = client.get("/programs/").content.decode()

    assert 'href="/programs/runners-250/"' in html and 'href="/programs/runners-500/"' in html


def test_program_page_draws_the_worked_muscles_of_an_exercise_without_a_picture(
    client: Client,
) -> None:
    # Built-in exercises have pictures (test_pictures.py); a custom program's
    # own exercise falls back to the body outline.
    services.catalog_install(path=Path(__file__).parent / "programs" / "good-club-hill.toml")

    html = client.get("/programs/club-hill-250/").content.decode()

    assert html.count('<svg class="body-chart"') == 1
    step_ups = html[html.index("Step-ups</bdi></h2>") :]
    step_chart = step_ups[: step_ups.index("</svg>")]
    assert 'class="muscle worked" data-muscle="calves"' in step_chart
    assert 'class="muscle" data-muscle="chest"' in step_chart


def test_program_page_lists_easier_and_harder_alternatives(client: Client) -> None:
    html = client.get("/programs/runners-250/").content.decode()

    assert "<dt>Easier</dt><dd><bdi>Seated calf raises</bdi></dd>" in html
    assert "<dt>Harder</dt>" in html


def test_program_page_offers_prescribed_or_scaled_with_each_slots_choices(
    athlete_client: Client,
) -> None:
    html = athlete_client.get("/programs/runners-250/").content.decode()

    assert 'value="prescribed"' in html and 'value="scaled"' in html
    assert 'name="swap-calves"' in html and 'name="reps-calves"' in html
    assert '<option value="seated-calf-raise">Seated calf raises</option>' in html
    assert "Next for you: <strong><bdi>Mountain climbers</bdi></strong>" in html


def test_starting_needs_a_log_in_and_comes_back_to_the_program(client: Client) -> None:
    response = client.post("/programs/runners-250/start/", {"mode": "prescribed"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/log-in/?next=/programs/runners-250/"
    assert not WorkoutSession.objects.exists()


def test_start_as_prescribed_creates_the_session_and_opens_it(
    athlete_client: Client, athlete: Any
) -> None:
    response = athlete_client.post(
        "/programs/runners-250/start/",
        # Scaling fields sent with "as prescribed" are ignored.
        {"mode": "prescribed", "swap-calves": "seated-calf-raise", "reps-back": "10"},
    )

    session = WorkoutSession.objects.get(athlete=athlete)
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.id}/"
    plan = session.session_plan()
    assert not plan.scaled and plan.reps_target == 250
    assert plan.slots[0].exercise == "mountain-climber"


def test_start_scaled_records_the_easier_exercise_and_fewer_reps(
    athlete_client: Client, athlete: Any
) -> None:
    response = athlete_client.post(
        "/programs/runners-250/start/",
        {
            "mode": "scaled",
            "swap-calves": "seated-calf-raise",
            "reps-calves": "50",
            "reps-back": "30",
            "reps-core": "",
        },
    )

    assert response.status_code == 302
    plan = WorkoutSession.objects.get(athlete=athlete).session_plan()
    assert plan.scaled
    assert plan.slots[1].exercise == "seated-calf-raise"
    assert plan.slots[4].reps == 30 and plan.slots[0].reps == 50
    assert plan.scaled_how() == (
        "calves: Seated calf raises instead of Calf raises",
        "back: 30 of 50 reps",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reps-back": "80"}, "back: reps must be between 1 and 50, not 80"),
        ({"reps-back": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"reps-back": "ten"}, "Enter a whole number."),
        ({"swap-calves": "single-leg-calf-raise"}, "Select a valid choice."),
        ({"swap-calves": "v-up"}, "Select a valid choice."),
        ({"mode": "sideways"}, "Select a valid choice."),
    ],
)
def test_bad_scaling_is_a_form_error_and_starts_nothing(
    athlete_client: Client, data: dict[str, str], message: str
) -> None:
    response = athlete_client.post("/programs/runners-250/start/", {"mode": "scaled", **data})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not WorkoutSession.objects.exists()


def test_program_page_reads_in_a_fixed_number_of_queries(
    athlete_client: Client, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(3):
        result_for(athlete, day=day)

    # session, user, program, its exercises and their alternatives, rotation, open session.
    with django_assert_max_num_queries(8):  # +1: the unread count in the navigation
        athlete_client.get("/programs/runners-250/")


def test_program_page_offers_to_resume_an_open_session(athlete_client: Client) -> None:
    athlete_client.post("/programs/runners-250/start/", {"mode": "prescribed"})

    html = athlete_client.get("/programs/runners-500/").content.decode()

    assert "Resume your unfinished session" in html


# ---------------------------------------------------------------------------
# Results.


def test_result_page_shows_total_five_splits_as_bars_and_rests(
    athlete_client: Client, athlete: Any
) -> None:
    result = result_for(athlete)

    html = athlete_client.get(f"/results/{result.id}/").content.decode()

    assert '<span class="big-number">8:20</span>' in html
    assert html.count('<rect class="bar-fill"') == 5
    for name in (
        "Mountain climbers",
        "Calf raises",
        "Donkey kicks",
        "Squat to curl",
        "Back extensions",
    ):
        assert re.search(rf'<text class="bar-label" x="0" y="[\d.]+">{name}</text>', html), name
    assert html.count("<td>1:40</td>") == 5  # each split in the table
    assert "Reps per minute" in html and "30.0" in html
    assert "a personal best by definition" in html


def test_result_bars_are_proportional_to_the_splits(athlete_client: Client, athlete: Any) -> None:
    result = result_for(athlete, reps={"back": 25}, swaps={})

    html = athlete_client.get(f"/results/{result.id}/").content.decode()

    widths = [float(width) for width in re.findall(r'class="bar-fill"[^>]* width="([\d.]+)"', html)]
    assert widths == [320.0, 320.0, 320.0, 320.0, 160.0]


def test_result_page_compares_with_the_previous_best(athlete_client: Client, athlete: Any) -> None:
    result_for(athlete, day=0, seconds_per_rep=2.0)
    faster = result_for(athlete, day=2, seconds_per_rep=1.8)

    html = athlete_client.get(f"/results/{faster.id}/").content.decode()

    assert "A new personal best, -0:50." in html
    assert html.count("<td>-0:10</td>") == 5


def test_result_page_shows_scaled_and_unverified_flags(
    athlete_client: Client, athlete: Any
) -> None:
    scaled = result_for(athlete, swaps={"calves": "seated-calf-raise"})
    too_fast = result_for(athlete, day=1, seconds_per_rep=0.2)

    scaled_html = athlete_client.get(f"/results/{scaled.id}/").content.decode()
    fast_html = athlete_client.get(f"/results/{too_fast.id}/").content.decode()

    assert "Scaled: calves: Seated calf raises instead of Calf raises" in scaled_html
    assert "Unverified" in fast_html and "faster than the plausible" in fast_html


def capped_result(athlete: Any) -> Result:
    """A Runner's 250 stopped by its 60-minute cap after one set of ten."""
    session = services.session_start(
        athlete=athlete, program=Program.objects.get(slug="runners-250")
    )
    events = [
        {"type": "start", "at": T0},
        {"type": "reps", "at": T0 + 60_000, "slot": 0, "n": 10},
        {"type": "finish", "at": T0 + 60 * 60_000 + 1},
    ]
    outcome = None
    for seq, event in enumerate(events):
        outcome = services.session_append(
            session_id=session.id, athlete=athlete, seq=seq, event=event
        )
    assert outcome is not None and outcome.result is not None
    return outcome.result


def test_a_capped_result_shows_the_reps_done_and_the_slots_never_reached(
    athlete_client: Client, athlete: Any
) -> None:
    result = capped_result(athlete)

    html = athlete_client.get(f"/results/{result.id}/").content.decode()

    assert "CAP + 10" in html and "Capped: the time cap ended it with 10 reps done" in html
    assert html.count("not reached") >= 4
    assert html.count('<rect class="bar-fill"') == 1


def test_history_lists_a_capped_result_but_keeps_it_off_the_charts(
    athlete_client: Client, athlete: Any
) -> None:
    capped_result(athlete)
    result_for(athlete, day=1)

    html = athlete_client.get("/history/").content.decode()

    assert "CAP + 10" in html and "Capped" in html
    total_chart = html[html.index('id="chart-runners-250-total-title"') :]
    assert total_chart[: total_chart.index("</svg>")].count('<circle class="series-point"') == 1


def test_someone_elses_result_is_not_found(stranger_client: Client, athlete: Any) -> None:
    result = result_for(athlete)

    assert stranger_client.get(f"/results/{result.id}/").status_code == 404


def test_a_result_needs_a_log_in(client: Client, athlete: Any) -> None:
    result = result_for(athlete)

    response = client.get(f"/results/{result.id}/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/log-in/")


def test_result_page_reads_in_a_fixed_number_of_queries(
    athlete_client: Client, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    result_for(athlete)
    result = result_for(athlete, day=1)

    # session, user, the result, the previous best, its cheers, its comments
    with django_assert_max_num_queries(7):  # +1: the unread count in the navigation
        athlete_client.get(f"/results/{result.id}/")


# ---------------------------------------------------------------------------
# History.


def test_history_marks_personal_bests_and_the_standing_best(
    athlete_client: Client, athlete: Any
) -> None:
    first = result_for(athlete, day=0, seconds_per_rep=2.0)  # PB (the first)
    slower = result_for(athlete, day=2, seconds_per_rep=2.2)
    faster = result_for(athlete, day=4, seconds_per_rep=1.8)  # PB, and the best
    scaled = result_for(athlete, day=6, seconds_per_rep=3.0, reps={"back": 20})  # first scaled

    html = athlete_client.get("/history/").content.decode()
    rows = {
        int(match.group(1)): match.group(0)
        for match in re.finditer(r'<a href="/results/(\d+)/">.*?</tr>', html, re.S)
    }

    assert "PB" in rows[first.id] and "Best" not in rows[first.id]
    assert "PB" not in rows[slower.id]
    assert "PB" in rows[faster.id] and "badge-best" in rows[faster.id]
    assert "PB" in rows[scaled.id] and "Scaled" in rows[scaled.id]


def test_history_draws_a_chart_of_totals_and_one_of_splits_per_program(
    athlete_client: Client, athlete: Any
) -> None:
    for day, pace in enumerate((2.0, 1.9, 1.8)):
        result_for(athlete, day=day * 3, seconds_per_rep=pace)
    result_for(athlete, program_slug="runners-500")

    html = athlete_client.get("/history/").content.decode()

    assert html.count('<svg class="line-chart"') == 4  # (total, splits) × 2 programs
    assert (
        'role="img" aria-labelledby="chart-runners-250-total-title chart-runners-250-total-desc"'
        in html
    )
    total_chart = html[html.index('id="chart-runners-250-total-title"') :]
    total_chart = total_chart[: total_chart.index("</svg>")]
    assert total_chart.count('<circle class="series-point"') == 3
    assert 'class="tick-label"' in total_chart
    split_chart = html[html.index('id="chart-runners-250-splits-title"') :]
    assert split_chart[: split_chart.index("</svg>")].count('<path class="series-line"') == 5
    assert "<caption><bdi>Runner&#x27;s 250</bdi>: every result, newest first</caption>" in html


def test_history_is_empty_before_the_first_result(athlete_client: Client) -> None:
    assert "No results yet" in athlete_client.get("/history/").content.decode()


def test_history_shows_only_the_athletes_own_results(stranger_client: Client, athlete: Any) -> None:
    result_for(athlete)

    assert "No results yet" in stranger_client.get("/history/").content.decode()


def test_history_reads_in_a_fixed_number_of_queries(
    athlete_client: Client, athlete: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(6):
        result_for(athlete, day=day)
    result_for(athlete, program_slug="runners-500")

    with django_assert_max_num_queries(5):  # session, user, results, slot names, unread count
        athlete_client.get("/history/")
