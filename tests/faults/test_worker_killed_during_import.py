"""A worker SIGKILLed in the middle of a history import, and another started.

The real ``runstrong worker`` imports a generated Strava export (real run and
ride files with shifted times, an activities.csv naming rides) on a data folder
of its own (a fresh PostgreSQL database on the PostgreSQL pass). Once it has
read a few files it is killed outright, mid-file, with its parsing processes
orphaned. A new worker, started as an operator would, finds the import whose
worker is gone, takes it up from its checkpoint and finishes it. Asserted:

- the parsing processes of the killed worker go away by themselves;
- the import ends done, every file read once, with the counts of a clean import;
- the runs and rides stored are exactly the export's, none twice;
- each file has exactly one import record, and each record points to its run.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import runstrong_env
from tests.runs.exports import Export, strava_export

from ._worker import migrate, queue_import, summary, wait_for, worker

ACTIVITIES = 36  # enough to run the parsing in processes of their own (more than 24 files)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with runstrong_env(tmp_path / "data") as environment:
        migrate(environment)
        yield environment


@pytest.fixture
def export(tmp_path: Path) -> Export:
    return strava_export(
        tmp_path / "export_24680.zip",
        activities=ACTIVITIES,
        rides_share=0.2,
        media_bytes=2 * 1024 * 1024,
    )


def test_an_import_whose_worker_is_killed_is_finished_by_the_next_worker_once(
    env: dict[str, str], export: Export, tmp_path: Path
) -> None:
    import_id = queue_import(env, export.path)
    log = tmp_path / "worker.log"

    with worker(env, log) as first:
        state, read, total = wait_for(env, import_id, lambda state, read, total: read >= 4)
        parsers = psutil.Process(first.pid).children(recursive=True)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    assert state == "running" and read < total == ACTIVITIES, "killed mid-import"
    _gone(parsers)
    _, read_when_killed, _ = wait_for(env, import_id, lambda state, read, total: True)

    with worker(env, log):
        state, read, total = wait_for(
            env, import_id, lambda state, read, total: state in ("done", "failed")
        )

    result = summary(env, import_id)
    assert result["state"] == "done", (result["message"], log.read_text()[-3000:])
    assert read_when_killed < ACTIVITIES
    assert result["counts"] == [ACTIVITIES, ACTIVITIES, ACTIVITIES]
    runs = len(export.runs)
    assert result["found"] == [runs, ACTIVITIES - runs, 0, 0]
    expected = sorted(
        [Path(activity.member).name, activity.is_run] for activity in export.activities
    )
    assert result["activities"] == expected
    assert result["distinct_files"] == ACTIVITIES
    assert result["items_per_position"] == [[index, 1] for index in range(ACTIVITIES)]
    assert result["items_linked"] == ACTIVITIES


def _gone(processes: list[psutil.Process], timeout: float = 20.0) -> None:
    """The killed worker's parsing processes notice and exit on their own."""
    deadline = time.monotonic() + timeout
    while any(_running(process) for process in processes):
        assert time.monotonic() < deadline, "the killed worker's parsing processes stayed"
        time.sleep(0.2)


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
