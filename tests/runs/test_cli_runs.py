"""`runstrong runs`: list, set a sport, delete, as a user runs it (a separate process)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.runs.activity_files import without_sport_gpx
from tests.runs.conftest import read
from tests.runs.test_cli_import import Runner, lines


@pytest.fixture
def runstrong(cli_env: dict[str, str], tmp_path: Path) -> Runner:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "lunch.gpx").write_bytes(without_sport_gpx(read("fit/activity-small-fenix2-run.fit")))
    run = Runner(cli_env, folder)
    assert run("setup").returncode == 0  # required on PostgreSQL
    assert run("import", "lunch.gpx").returncode == 0
    return run


def listed_id(runstrong: Runner) -> str:
    listing = runstrong("runs")
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in lines(listing.stdout) if "lunch.gpx" in line)
    found = re.match(r"\s*(\d+)\s", row)
    assert found, row
    return found[1]


def qualifying(runstrong: Runner) -> str:
    done = runstrong("trend", "--split", "2015-01-01")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_run_the_file_did_not_name_is_set_to_running_and_joins_the_trend(
    runstrong: Runner,
) -> None:
    activity_id = listed_id(runstrong)
    assert "Not enough data: none of your 1 imported activities qualifies" in qualifying(runstrong)

    done = runstrong("runs", "sport", activity_id, "running")

    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == [
        f"Activity {activity_id} is now running; it counts in your efficiency trend."
    ]
    assert "1 qualifying run" in qualifying(runstrong)
    assert "Running" in next(line for line in lines(runstrong("runs").stdout) if "lunch" in line)


def test_deleting_asks_for_yes_then_removes_the_run_from_the_trend(runstrong: Runner) -> None:
    activity_id = listed_id(runstrong)
    runstrong("runs", "sport", activity_id, "running")

    unasked = runstrong("runs", "delete", activity_id)  # no terminal to ask on
    assert unasked.returncode == 1
    assert "Add --yes to delete without being asked" in unasked.stderr
    assert "1 qualifying run" in qualifying(runstrong)

    done = runstrong("runs", "delete", activity_id, "--yes")

    assert done.returncode == 0, done.stderr
    assert "it is no longer in your trend" in done.stdout
    assert "No runs imported yet" in qualifying(runstrong) or "Not enough data" in qualifying(
        runstrong
    )
    assert "No activities yet" in runstrong("runs").stdout


def test_a_sport_not_on_offer_is_refused_and_nothing_changes(runstrong: Runner) -> None:
    activity_id = listed_id(runstrong)

    done = runstrong("runs", "sport", activity_id, "flying")

    assert done.returncode == 1
    assert "“flying” is not a sport RunStrong knows: choose running, trail running" in " ".join(
        done.stderr.split()
    )
    assert " unknown " in next(line for line in lines(runstrong("runs").stdout) if "lunch" in line)


def test_another_athlete_can_neither_set_the_sport_nor_delete(runstrong: Runner) -> None:
    activity_id = listed_id(runstrong)
    other = Runner({**runstrong.env, "RUNSTRONG_ATHLETE": "someone-else"}, runstrong.folder)

    for args in (("sport", activity_id, "running"), ("delete", activity_id, "--yes")):
        done = other("runs", *args)
        assert done.returncode == 1
        assert f"no activity {activity_id}: `runstrong runs` lists yours" in done.stderr

    assert "Not enough data" in qualifying(runstrong)
    assert listed_id(runstrong) == activity_id


def test_an_id_that_is_not_a_number_is_refused(runstrong: Runner) -> None:
    done = runstrong("runs", "sport", "first", "running")

    assert done.returncode == 1
    assert "'first' is not an activity id" in done.stderr
