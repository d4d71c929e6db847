"""A history import in the background (services_history): what it stores and counts,
resuming from its checkpoint after a crash, and taking over from a dead worker.

The task runs through django-tasks-db's own worker loop (in this process, one
pass over the queue), as ``runstrong worker`` runs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from runstrong.runs import history_archive, services, services_history, services_upload
from runstrong.runs.models import (
    Activity,
    HistoryImport,
    HistoryImportState,
    ImportItem,
    ImportStatus,
)
from tests.runs.exports import Export, strava_export

pytestmark = pytest.mark.django_db

ACTIVITIES = 10  # of which rides: every fourth, and the bike file's copies


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    folder = tmp_path_factory.mktemp("export")
    return strava_export(
        folder / "export.zip", activities=ACTIVITIES, rides_share=0.25, media_bytes=64 * 1024
    )


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.DATA_DIR = tmp_path / "data"
    yield
    services_history._stop_requested.clear()


@pytest.fixture
def uploaded(athlete: Any) -> Callable[[Path], HistoryImport]:
    """A history whose upload has ended: its file where the upload service keeps it."""

    def make(path: Path) -> HistoryImport:
        size = path.stat().st_size
        history = HistoryImport.objects.create(
            athlete=athlete, name="export_12345.zip", size=size, received=size
        )
        target = services_upload.part_path(history)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return history

    return make


def work_off_queue(max_tasks: int | None = None) -> None:
    """Every ready task (or the first ``max_tasks``), run as ``runstrong worker``
    runs them, then return."""
    # The worker closes connections that are in a transaction between tasks (as
    # it should); the test's own transaction must stay open.
    with mock.patch.object(db_worker, "close_old_connections", return_value=None):
        _worker(max_tasks).run()


def _worker(max_tasks: int | None) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=services_history.worker_id(),
        excluded_queue_names=[],
    )


def imported(history: HistoryImport) -> HistoryImport:
    services_history.history_import_enqueue(history=history)
    work_off_queue()
    history.refresh_from_db()
    return history


def items_by_position(history: HistoryImport) -> dict[int, list[str]]:
    assert history.batch is not None
    positions: dict[int, list[str]] = {}
    for position, status in history.batch.items.values_list("position", "status"):
        positions.setdefault(position, []).append(status)
    return positions


def test_an_import_stores_every_file_once_and_counts_what_it_found(
    export: Export, uploaded: Callable[[Path], HistoryImport]
) -> None:
    history = imported(uploaded(export.path))

    assert history.state == HistoryImportState.DONE
    assert history.finished_at is not None and history.message == ""
    assert history.files_total == history.files_read == history.next_member == ACTIVITIES
    assert history.runs_found == len(export.runs)
    assert history.others_found == ACTIVITIES - len(export.runs)
    assert (history.duplicates, history.failed) == (0, 0)
    activities = Activity.objects.filter(athlete=history.athlete)
    assert activities.filter(is_run=True).count() == len(export.runs)
    assert activities.count() == ACTIVITIES
    assert items_by_position(history) == {
        index: [ImportStatus.IMPORTED] for index in range(ACTIVITIES)
    }
    assert not services_upload.part_path(history).exists()
    task = DBTaskResult.objects.get(pk=history.task_id)
    assert task.status == TaskResultStatus.SUCCESSFUL


def test_the_same_export_again_is_all_duplicates(
    export: Export, uploaded: Callable[[Path], HistoryImport]
) -> None:
    imported(uploaded(export.path))
    again = imported(uploaded(export.path))

    assert again.state == HistoryImportState.DONE
    assert again.duplicates == ACTIVITIES
    assert (again.runs_found, again.others_found, again.failed) == (0, 0, 0)
    assert Activity.objects.count() == ACTIVITIES


def test_enqueue_twice_queues_one_task(
    export: Export, uploaded: Callable[[Path], HistoryImport]
) -> None:
    history = uploaded(export.path)
    first = services_history.history_import_enqueue(history=history)
    second = services_history.history_import_enqueue(history=history)

    assert first.state == second.state == HistoryImportState.QUEUED
    assert first.task_id == second.task_id
    assert DBTaskResult.objects.count() == 1
    assert first.batch is not None and first.batch.athlete_id == history.athlete_id


class Killed(BaseException):
    """A SIGKILL, as far as the process's own code can tell: nothing after it runs."""


def test_a_crash_mid_file_resumes_from_the_checkpoint_with_no_run_twice(
    export: Export, uploaded: Callable[[Path], HistoryImport], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store = services.activity_store
    stored = 0

    def store_then_die(**kwargs: Any) -> Any:
        nonlocal stored
        outcome = real_store(**kwargs)
        stored += 1
        if stored == 4:  # the fourth file is written, its transaction not yet committed
            raise Killed
        return outcome

    monkeypatch.setattr(services, "activity_store", store_then_die)
    # Files are committed three at a time here: the first three, then the
    # crash in the second batch takes back the fourth file with its batch.
    monkeypatch.setattr(services_history, "STORE_BATCH", 3)
    history = services_history.history_import_enqueue(history=uploaded(export.path))
    with pytest.raises(Killed):  # the task's body as the worker runs it, the "kill" let through
        services_history.history_import_run(history.pk, task_id=history.task_id)
    history.refresh_from_db()
    assert history.state == HistoryImportState.RUNNING
    assert history.next_member == history.files_read == 3
    assert Activity.objects.count() == 3
    assert sorted(items_by_position(history)) == [0, 1, 2]

    # The worker that died left its task RUNNING; the next one to start recovers it.
    DBTaskResult.objects.filter(pk=history.task_id).update(
        status=TaskResultStatus.RUNNING, worker_ids=[f"{socket.gethostname()}:{dead_pid()}"]
    )
    monkeypatch.setattr(services, "activity_store", real_store)
    assert services_history.history_import_recover() == 1
    work_off_queue()

    history.refresh_from_db()
    assert history.state == HistoryImportState.DONE
    assert history.files_read == ACTIVITIES
    assert history.runs_found + history.others_found == ACTIVITIES
    assert Activity.objects.count() == ACTIVITIES
    assert Activity.objects.values("sha256").distinct().count() == ACTIVITIES
    assert items_by_position(history) == {
        index: [ImportStatus.IMPORTED] for index in range(ACTIVITIES)
    }


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def running(export: Export, uploaded: Callable[[Path], HistoryImport]) -> HistoryImport:
    """An import a worker took up and was at its third file."""
    history = services_history.history_import_enqueue(history=uploaded(export.path))
    HistoryImport.objects.filter(pk=history.pk).update(
        state=HistoryImportState.RUNNING, next_member=3, heartbeat_at=timezone.now()
    )
    history.refresh_from_db()
    return history


def claimed_by(history: HistoryImport, worker: str) -> None:
    DBTaskResult.objects.filter(pk=history.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[worker]
    )


def test_recover_takes_over_from_a_dead_worker_on_this_host(running: HistoryImport) -> None:
    dead_task = running.task_id
    claimed_by(running, f"{socket.gethostname()}:{dead_pid()}")

    assert services_history.history_import_recover() == 1

    running.refresh_from_db()
    assert running.state == HistoryImportState.QUEUED
    assert running.task_id != dead_task and running.next_member == 3
    assert DBTaskResult.objects.get(pk=dead_task).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(pk=running.task_id).status == TaskResultStatus.READY


def test_recover_leaves_a_live_worker_alone(running: HistoryImport) -> None:
    claimed_by(running, services_history.worker_id())  # this process: alive

    assert services_history.history_import_recover() == 0
    assert services_history.history_import_recover() == 0  # and a waiting task too
    running.refresh_from_db()
    assert running.state == HistoryImportState.RUNNING


def test_recover_gives_up_on_another_hosts_worker_once_its_heartbeat_is_old(
    running: HistoryImport,
) -> None:
    claimed_by(running, "another-host:4242")
    soon = timezone.now() + services_history.RECOVER_AFTER / 2
    later = timezone.now() + services_history.RECOVER_AFTER * 2

    assert services_history.history_import_recover(now=soon) == 0
    assert services_history.history_import_recover(now=later) == 1


def test_a_superseded_task_stores_nothing(running: HistoryImport) -> None:
    services_history.history_import_run(running.pk, task_id="an-old-task")

    running.refresh_from_db()
    assert running.state == HistoryImportState.RUNNING and running.files_read == 0
    assert not Activity.objects.exists()


def test_a_stopping_worker_hands_the_import_on(
    export: Export, uploaded: Callable[[Path], HistoryImport], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store = services.activity_store

    def store_then_stop(**kwargs: Any) -> Any:
        services_history.history_import_stop_soon()  # SIGTERM while this file is stored
        return real_store(**kwargs)

    monkeypatch.setattr(services, "activity_store", store_then_stop)
    history = services_history.history_import_enqueue(history=uploaded(export.path))
    work_off_queue(max_tasks=1)  # a stopping worker takes no other task
    history.refresh_from_db()
    assert history.state == HistoryImportState.QUEUED
    assert history.next_member == 1 and Activity.objects.count() == 1

    monkeypatch.setattr(services, "activity_store", real_store)
    services_history._stop_requested.clear()  # the next worker
    work_off_queue()
    history.refresh_from_db()
    assert history.state == HistoryImportState.DONE
    assert Activity.objects.count() == ACTIVITIES


def test_an_upload_gone_fails_with_a_sentence(
    export: Export, uploaded: Callable[[Path], HistoryImport]
) -> None:
    history = uploaded(export.path)
    services_upload.part_path(history).unlink()

    history = imported(history)
    assert history.state == HistoryImportState.FAILED
    assert history.message == (
        "The import stopped: the uploaded file is no longer on the server. Upload the "
        "export again to bring in the rest (files already imported are skipped)."
    )


def test_a_crash_midway_fails_with_a_sentence_and_keeps_what_was_read(
    export: Export, uploaded: Callable[[Path], HistoryImport], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_members = history_archive.iter_members

    def members_then_crash(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for number, member in enumerate(real_members(*args, **kwargs)):
            if number == 2:
                raise RuntimeError("a bug")
            yield member

    monkeypatch.setattr(history_archive, "iter_members", members_then_crash)
    history = imported(uploaded(export.path))

    assert history.state == HistoryImportState.FAILED
    assert history.message.startswith(
        "The import stopped: an internal error. The 2 files read before it are kept;"
    )
    assert "Traceback" not in history.message and "bug" not in history.message
    assert Activity.objects.count() == 2
    assert not services_upload.part_path(history).exists()


def test_a_file_that_is_not_an_archive_is_read_as_one_file(
    uploaded: Callable[[Path], HistoryImport], tmp_path: Path
) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_bytes(b"not a run file at all")

    history = imported(uploaded(garbage))
    assert history.state == HistoryImportState.DONE
    assert (history.files_total, history.files_read, history.failed) == (1, 1, 1)
    item = ImportItem.objects.get(batch=history.batch)
    assert item.status == ImportStatus.ERROR and item.message
