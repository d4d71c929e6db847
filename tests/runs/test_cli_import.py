"""`runstrong import` as a user runs it: a separate process on a fresh database, real files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RUNSTRONG
from tests.runs.conftest import ACTIVITIES, gz, read, zip_of


class Runner:
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = {**env, "COLUMNS": "300"}
        self.folder = folder

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUNSTRONG), *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def runstrong(cli_env: dict[str, str], tmp_path: Path) -> Runner:
    folder = tmp_path / "work"
    shutil.copytree(ACTIVITIES, folder / "activities")
    run = Runner(cli_env, folder)
    assert run("setup").returncode == 0  # required on PostgreSQL
    return run


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_importing_the_folder_imports_the_runs_and_names_each_bad_file(runstrong: Runner) -> None:
    done = runstrong("import", "--jobs", "2", "activities")  # parsed in two worker processes

    assert done.returncode == 1
    assert lines(done.stdout) == [
        # Each file by its own name: the folders above it are the importing machine's.
        "Settings.fit: not imported: it is a FIT settings file, not an activity",
        "activity-filecrc.fit: not imported: "
        "its checksum (CRC) does not match: the file is damaged",
        "activity-settings-corruptheader.fit: not imported: "
        "it holds a damaged FIT header after the first part: the file is corrupt",
        "activity-unexpected-eof.fit: not imported: it stops short: the file is truncated",
        "unicode_with_bom.gpx: not imported: "
        "this GPX file has no track or route points (only 1 waypoint): not an activity",
        "8 imported, 0 already there, 5 not imported.",
    ]
    assert "5 file(s) could not be imported" in done.stderr


def test_importing_again_finds_every_run_already_there(runstrong: Runner) -> None:
    good = [
        "activities/fit/garmin-fenix-5-run.fit",
        "activities/fit/activity-small-fenix2-run.fit",
        "activities/tcx/test.tcx",
        "activities/gpx/cerknicko-jezero.gpx",
    ]
    first = runstrong("import", *good)
    assert first.returncode == 0, first.stderr
    assert lines(first.stdout) == ["4 imported, 0 already there, 0 not imported."]

    export = runstrong.folder / "export.zip"
    export.write_bytes(
        zip_of(
            {
                "activities/1.fit.gz": gz(read("fit/garmin-fenix-5-run.fit")),
                "activities/2.tcx": read("tcx/test.tcx"),
                "activities/3.fit": read("fit/garmin-fenix-5-bike.fit"),
            }
        )
    )
    again = runstrong("import", "export.zip")

    assert again.returncode == 0, again.stderr
    assert lines(again.stdout) == [
        "export.zip: 1.fit.gz: already there: "
        "already imported (the same file as garmin-fenix-5-run.fit)",
        "export.zip: 2.tcx: already there: already imported (the same file as test.tcx)",
        "1 imported, 2 already there, 0 not imported.",
    ]


def test_folders_are_searched_for_run_files(runstrong: Runner) -> None:
    (runstrong.folder / "activities" / "notes.txt").write_text("not a run")

    done = runstrong("import", "activities/tcx", "activities/gpx", "activities/notes.txt")

    assert lines(done.stdout)[-2:] == [
        "notes.txt: not imported: it is not a GPX, TCX or FIT file",
        "5 imported, 0 already there, 2 not imported.",
    ]


def test_a_missing_path_is_reported(runstrong: Runner) -> None:
    done = runstrong("import", "nowhere.fit")

    assert done.returncode == 1
    assert "nowhere.fit: no such file or folder" in done.stderr


def test_trend_summarises_the_imported_runs(runstrong: Runner) -> None:
    runstrong("import", "activities/fit/activity-small-fenix2-run.fit")

    done = runstrong("trend", "--split", "2015-01-01")

    assert done.returncode == 0, done.stderr
    assert "1 qualifying run" in done.stdout


def test_trend_refuses_a_date_it_cannot_read(runstrong: Runner) -> None:
    done = runstrong("trend", "--split", "last week")

    assert done.returncode == 2
    assert "'last week' is not a date like 2025-03-01" in done.stderr
