"""A workout done without the app, logged by hand: kept and marked, never on a board."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from runstrong.community.models import BoardEntry, Club, Membership
from runstrong.workouts import services
from runstrong.workouts.models import Result, SessionEvent, WorkoutSession
from tests.conftest import RUNSTRONG
from tests.workouts.factories import complete_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

BOARD = "/boards/runners-250/"
SPLITS = [300_000, 240_000, 300_000, 360_000, 270_000]  # 24:30 in all


def runner(name: str, **profile: Any) -> Any:
    fields = {"display_name": name, "default_privacy": "public", **profile}
    return get_user_model().objects.create_user(
        f"user-{uuid.uuid4().hex[:8]}", f"{uuid.uuid4().hex[:8]}@example.com", "pw", **fields
    )


def log(athlete: Any, **fields: Any) -> Result:
    values: dict[str, Any] = {
        "program": "runners-250",
        "started_at": timezone.localdate() - timedelta(days=1),
        "total_ms": sum(SPLITS),
        **fields,
    }
    return services.result_log_manual(athlete=athlete, **values)


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><bdi>([^<]*)</bdi></th>', html)


def board(client: Client, query: str = "") -> list[str]:
    response = client.get(BOARD + query)
    assert response.status_code == 200
    return names_on(response.content.decode())


def now_ms() -> int:
    return int(timezone.now().timestamp() * 1000) - 3_600_000


# --- what is stored ------------------------------------------------------------------


def test_a_manual_result_keeps_its_figures_and_a_finished_session_without_events(
    athlete: Any,
) -> None:
    result = log(athlete, splits_ms=SPLITS)

    assert result.manual and not result.unverified and not result.capped
    assert result.total_ms == result.elapsed_ms == 1_470_000 and result.paused_ms == 0
    assert result.splits_ms == SPLITS and result.rests_ms == [0] * 5
    assert result.reps_total == 250 and result.reps_done == [50] * 5
    assert timezone.localtime(result.started_at).hour == 12
    session = result.session
    assert session.status == "finished" and session.event_count == 0
    assert len(session.exercise_names) == 5
    assert not SessionEvent.objects.exists()


def test_the_note_on_how_it_was_scaled_is_one_clean_line(athlete: Any) -> None:
    result = log(athlete, scaled=True, scaled_how="knees\n down \u202eevil")

    assert result.scaled_how == ["knees down evil"]


def test_without_splits_each_split_is_unknown(athlete: Any) -> None:
    result = log(athlete)

    assert result.splits_ms == [None] * 5


def test_a_manual_result_moves_the_rotation_on_like_any_other(athlete: Any) -> None:
    first = log(athlete)
    second = log(athlete)

    assert {first.core_exercise, second.core_exercise} == {"mountain-climber", "sit-up"}


def test_a_manual_session_has_no_live_page_and_takes_no_events(
    athlete: Any, athlete_client: Client
) -> None:
    session = log(athlete).session

    assert athlete_client.get(f"/sessions/{session.id}/").status_code == 404
    with pytest.raises(services.SessionNotFound):
        services.session_append(
            session_id=session.id, athlete=athlete, seq=0, event={"type": "start", "at": 1}
        )
    assert session.events.count() == 0


# --- refused, and nothing written -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"started_at": date.today() + timedelta(days=2)}, "in the future"),
        ({"started_at": date(1999, 12, 31)}, "too far back"),
        ({"total_ms": 60_000}, "faster than anyone could do 250 reps"),
        ({"total_ms": 0}, "is not plausible"),
        ({"total_ms": 5 * 3600_000}, "is not plausible"),
        ({"total_ms": 20_000, "scaled": True}, "not plausible, even scaled"),
        ({"splits_ms": SPLITS[:4]}, "one split per exercise (5)"),
        ({"splits_ms": [*SPLITS[:4], 1000]}, "add up to"),
        ({"splits_ms": [1000, 1000, 1000, 1000, 1_466_000]}, "Calf raises: 50 reps in 0:01"),
        ({"program": "no-such-program"}, "no program called 'no-such-program'"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    athlete: Any, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(services.ManualResultError) as refused:
        log(athlete, **fields)

    assert message in str(refused.value)
    assert not Result.objects.exists() and not WorkoutSession.objects.exists()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"day": "2099-01-01"}, "The date is in the future"),
        ({"total": "1:00"}, "faster than anyone could do 250 reps"),
        ({"total": "half an hour"}, "is not a time"),
        ({"total": "24:75"}, "go up to 59"),
        ({"splits": "5:00, 4:00, 5:00, 6:00, 4:00"}, "The splits add up to 24:00"),
        ({"splits": "5:00, x"}, "is not a time"),
        ({"program": "no-such-program"}, "Select a valid choice"),
        ({"day": "not a day"}, "Enter a valid date"),
    ],
)
def test_the_form_answers_bad_input_with_422_and_writes_nothing(
    athlete_client: Client, posted: dict[str, str], message: str
) -> None:
    data = {"program": "runners-250", "day": "2026-01-10", "total": "24:30", **posted}

    response = athlete_client.post("/history/log/", data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Result.objects.exists() and not WorkoutSession.objects.exists()


def test_the_form_logs_a_result_and_shows_it(athlete: Any, athlete_client: Client) -> None:
    page = athlete_client.get("/history/")
    assert 'href="/history/log/"' in page.content.decode()
    form = athlete_client.get("/history/log/")
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()

    response = athlete_client.post(
        "/history/log/",
        {
            "program": "runners-250",
            "day": "2026-01-10",
            "time_of_day": "07:15",
            "total": "24:30",
            "splits": "5:00, 4:00, 5:00, 6:00, 4:30",
            "scaled": "on",
            "scaled_how": "knee push instead of kicks",
        },
    )

    result = Result.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/results/{result.id}/"
    assert result.manual and result.scaled and result.scaled_how == ["knee push instead of kicks"]
    local = timezone.localtime(result.started_at)
    assert (local.date(), local.hour, local.minute) == (date(2026, 1, 10), 7, 15)


def test_the_form_needs_a_logged_in_athlete(client: Client) -> None:
    response = client.post("/history/log/", {"program": "runners-250"})

    assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]
    assert not Result.objects.exists()


# --- its mark, history and charts -----------------------------------------------------


def test_the_result_page_and_history_page_mark_it_manual(
    athlete: Any, athlete_client: Client
) -> None:
    manual = log(athlete)
    live = complete_session(athlete, start_at=now_ms()).result
    assert live is not None

    manual_page = athlete_client.get(f"/results/{manual.id}/").content.decode()
    live_page = athlete_client.get(f"/results/{live.id}/").content.decode()
    history = athlete_client.get("/history/").content.decode()

    assert "Manual: logged by hand" in manual_page and "not recorded" in manual_page
    assert "Keep it off the boards" not in manual_page
    assert "Manual:" not in live_page and "Keep it off the boards" in live_page
    assert history.count('<span class="badge badge-manual"') == 1


def test_manual_results_count_in_the_progress_charts(athlete: Any, athlete_client: Client) -> None:
    log(athlete, started_at=date(2026, 1, 10), total_ms=1_500_000)
    log(athlete, started_at=date(2026, 1, 17), total_ms=1_440_000, splits_ms=[*SPLITS[:4], 240_000])
    complete_session(athlete, start_at=now_ms(), seconds_per_rep=8.0)  # 33:20

    response = athlete_client.get("/history/")

    (section,) = response.context["sections"]
    assert section["charted"] == 3
    assert section["total_chart"] is not None and section["split_chart"] is not None
    # The faster hand-logged time is a personal best in the history, like any other.
    best_rows = [row for row in section["rows"] if row["best"]]
    assert [row["result"].manual for row in best_rows] == [True]


# --- never on a board ---------------------------------------------------------------


def test_a_manual_result_is_off_every_board_and_every_filter(client: Client) -> None:
    fast = runner("Paper Pat", sex="f", birth_year=1990)
    slow = runner("Live Lee", sex="f", birth_year=1990)
    club = Club.objects.create(slug="harriers", name="Harriers")
    Membership.objects.create(club=club, athlete=fast)
    Membership.objects.create(club=club, athlete=slow)
    complete_session(slow, start_at=now_ms(), seconds_per_rep=4.0)
    complete_session(slow, start_at=now_ms(), seconds_per_rep=4.0, reps={"calves": 10})
    client.force_login(slow)
    queries = [
        "",
        "?way=scaled",
        "?period=week",
        "?period=month",
        "?period=year",
        "?sex=f",
        "?sex=f&age=35-39",
        "?club=harriers",
        "?club=harriers&way=scaled",
    ]
    before = {query: board(client, query) for query in queries}  # now cached
    assert before[""] == ["Live Lee"]

    log(fast, started_at=timezone.localdate(), total_ms=600_000)
    log(fast, started_at=timezone.localdate(), total_ms=300_000, scaled=True)

    assert {query: board(client, query) for query in queries} == before
    assert not BoardEntry.objects.filter(athlete=fast).exists()


def test_a_manual_result_stays_off_even_when_let_onto_the_boards(
    athlete: Any, athlete_client: Client
) -> None:
    athlete.default_privacy = "public"
    athlete.save()
    result = log(athlete)

    athlete_client.post(f"/results/{result.id}/boards/", {"on_boards": "yes"})

    assert not BoardEntry.objects.filter(result=result).exists()
    assert board(athlete_client, "?period=all") == []


# --- the command line ----------------------------------------------------------------


def test_runstrong_log_keeps_a_paper_workout_and_refuses_a_bad_one(
    cli_env: dict[str, str],
) -> None:
    import subprocess

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUNSTRONG), *args],
            env={**cli_env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("setup").returncode == 0  # required on PostgreSQL; on SQLite it happens anyway
    done = run(
        "log",
        "runners-250",
        "--date",
        "2026-01-10",
        "--time",
        "24:30",
        "--splits",
        "5:00,4:00,5:00,6:00,4:30",
        "--scaled",
    )
    assert done.returncode == 0, done.stderr
    assert "manual, kept off the boards" in done.stdout

    refused = run("log", "runners-250", "--date", "2999-01-01", "--time", "24:30")
    assert refused.returncode == 1
    assert "The date is in the future" in refused.stderr
    wrong = run("log", "runners-250", "--time", "24:30", "--splits", "5:00,4:00")
    assert wrong.returncode == 1 and "one split per exercise (5)" in wrong.stderr

    history = run("history")
    assert history.returncode == 0
    assert "manual, scaled" in history.stdout and history.stdout.count("2026-01-10") == 1
    result_id = re.search(r"Logged result (\d+)", done.stdout)
    assert result_id is not None
    shown = run("show", result_id.group(1))
    assert shown.returncode == 0, shown.stderr
    assert "flag: manual: logged by hand" in shown.stdout and "4:30.0" in shown.stdout
