"""A history import once its upload is in: queued, run by a worker, resumed after a crash.

The one writer of ``HistoryImport`` after the upload's last byte. Files of
the archive are stored (their activities, their ``ImportItem``s), a few at a
time, in the same transaction that advances the checkpoint (``next_member``),
the counters and the heartbeat: a worker killed at any instant leaves every
file either wholly handled and counted or not at all, and the task taken up
again starts at the first file not handled. No run is stored twice, none is lost.

Who runs an import is recorded in ``task_id``: a task whose id is no longer
the import's (it was given up for dead and queued again) stops at its next
file, so two workers never store the same import. django-tasks-db leaves a
task RUNNING for ever when its worker dies; ``history_import_recover`` finds
those (on this host: the worker's process is gone; on any host: no heartbeat
for ``RECOVER_AFTER``) and queues the import again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from runstrong.runs import history_archive, intake, parallel, services, services_upload
from runstrong.runs.models import (
    HistoryImport,
    HistoryImportState,
    ImportBatch,
    ImportSource,
    ImportStatus,
)

log = logging.getLogger(__name__)

# A running import writes its heartbeat with every file (well under a second
# each); one silent this long has lost its worker, wherever that ran.
RECOVER_AFTER = timedelta(minutes=5)
# Part files of imports finished this recently are removed by recovery if the
# worker died between finishing and removing them.
CLEAN_UP_WITHIN = timedelta(days=2)
# Below this many files, parsing in this process beats starting parsing
# processes (about a second each: numpy and the FIT profile to import).
SMALL_IMPORT = 24
# Files stored per transaction (or what is read in a second, if fewer): each
# commit, lock and counters update costs about as much as storing a file.
STORE_BATCH = 16

UNFINISHED = (HistoryImportState.QUEUED, HistoryImportState.RUNNING)

# Set by the worker's SIGTERM/SIGINT handler: the running import stops after
# the file in hand and is queued again for the next worker.
_stop_requested = threading.Event()


class _Superseded(Exception):
    """This task is no longer the import's (recovered by another), or the import ended."""


class _ImportFailed(Exception):
    """The import cannot go on; the message is for the runner."""


# ---------------------------------------------------------------------------
# Queueing.


def history_import_enqueue(*, history: HistoryImport) -> HistoryImport:
    """Queue the import of a fully uploaded history (idempotent: an import already
    queued, running or finished is returned as it is)."""
    with transaction.atomic():
        locked = HistoryImport.objects.select_for_update().get(pk=history.pk)
        if locked.state != HistoryImportState.UPLOADING:
            return locked
        if locked.batch_id is None:
            locked.batch = ImportBatch.objects.create(
                athlete_id=locked.athlete_id, source=ImportSource.WEB
            )
        _queue(locked)
    return locked


def _queue(history: HistoryImport) -> None:
    """Put a task for the import in the queue and make it the import's, in the
    caller's transaction. The queue is a table of the same database, so the
    task and the state that names it are committed together: there is never a
    queued import without its task, nor a task for an import still uploading."""
    from runstrong.runs.tasks import history_import_task

    result = history_import_task.enqueue(history.pk)
    history.task_id = str(result.id)
    history.state = HistoryImportState.QUEUED
    history.save(update_fields=["task_id", "state", "batch", "updated_at"])


# ---------------------------------------------------------------------------
# The task's body.


def history_import_run(import_id: int, *, task_id: str) -> None:
    """Import the archive of ``HistoryImport`` ``import_id`` from its checkpoint on.

    Never raises for the runner's data: a file that cannot be read is recorded
    with its reason and the rest go on; an archive that cannot be read, or any
    other failure, ends the import as failed with a sentence saying why."""
    history = _start(import_id, task_id)
    if history is None:
        return
    try:
        _import_members(history, task_id)
    except _Superseded:
        log.info("history import %s: task %s superseded, stopping", import_id, task_id)
        return
    except _ImportFailed as error:
        _finish(import_id, task_id, failure=str(error))
        return
    except BaseException as error:
        if _stop_requested.is_set():
            # Stopping: Ctrl+C reaches the parsing processes too, and their
            # KeyboardInterrupt comes back as this file's error. Not the import's fault.
            _requeue(import_id, task_id)
            return
        if not isinstance(error, Exception):
            raise  # killed outright: the checkpoint stands, recovery takes it from there
        log.exception("history import %s failed", import_id)
        _finish(import_id, task_id, failure=_stopped_sentence(import_id, "an internal error"))
        return
    if _stop_requested.is_set():
        _requeue(import_id, task_id)
    else:
        _finish(import_id, task_id)


def _start(import_id: int, task_id: str) -> HistoryImport | None:
    with transaction.atomic():
        history = (
            HistoryImport.objects.select_for_update(of=("self",))
            .select_related("athlete", "batch")
            .filter(pk=import_id)
            .first()
        )
        if (
            history is None
            or history.state not in UNFINISHED
            or history.task_id not in ("", task_id)
        ):
            return None
        if history.batch is None:  # queued by hand, without history_import_enqueue
            history.batch = ImportBatch.objects.create(
                athlete=history.athlete, source=ImportSource.WEB
            )
        history.task_id = task_id
        history.state = HistoryImportState.RUNNING
        history.heartbeat_at = timezone.now()
        history.save(update_fields=["batch", "task_id", "state", "heartbeat_at", "updated_at"])
    return history


def _import_members(history: HistoryImport, task_id: str) -> None:
    path = services_upload.part_path(history)
    if not path.is_file():
        raise _ImportFailed(
            _stopped_sentence(history.pk, "the uploaded file is no longer on the server")
        )
    try:
        if not history.files_total:
            history.files_total = history_archive.count_members(path, workdir=path.parent)
            _save_total(history, task_id)
        members = history_archive.iter_members(
            path, start=history.next_member, workdir=path.parent, name=history.name
        )
        left = history.files_total - history.next_member
        workers = 1 if left <= SMALL_IMPORT else parallel.worker_count()
        known = services.stored_hashes(athlete=history.athlete)
        # prepare_all keeps the order: each prepared file is the oldest index in flight.
        indices: deque[int] = deque()

        def incoming() -> Iterator[intake.Incoming]:
            for index, item in members:
                indices.append(index)
                yield item

        prepared_files = cast(
            "Generator[intake.Prepared]",
            parallel.prepare_all(incoming(), known=known, workers=workers),
        )
        # Closed on the way out, stop or error: its parsing processes end with it.
        with contextlib.closing(prepared_files):
            batch: list[tuple[int, intake.Prepared]] = []
            began = time.monotonic()
            try:
                for prepared in prepared_files:
                    batch.append((indices.popleft(), prepared))
                    stopping = _stop_requested.is_set()
                    if stopping or len(batch) >= STORE_BATCH or time.monotonic() - began > 1.0:
                        pending, batch, began = batch, [], time.monotonic()
                        _store_members(history, task_id, pending)
                    if stopping:
                        return
            except Exception:
                # Reading failed (not storing: a batch is taken out before it is
                # stored): the files read before it are kept.
                if batch:
                    _store_members(history, task_id, batch)
                raise
            if batch:
                _store_members(history, task_id, batch)
    except OSError as error:
        reason = f"the uploaded file could not be read ({error.strerror or error})"
        raise _ImportFailed(_stopped_sentence(history.pk, reason)) from error


def _save_total(history: HistoryImport, task_id: str) -> None:
    with transaction.atomic():
        _lock(history.pk, task_id)
        HistoryImport.objects.filter(pk=history.pk).update(
            files_total=history.files_total, heartbeat_at=timezone.now(), updated_at=timezone.now()
        )


def _lock(import_id: int, task_id: str) -> int:
    """Lock the import's row for this transaction and return its checkpoint;
    ``_Superseded`` if the task is no longer the import's."""
    row = (
        HistoryImport.objects.select_for_update()
        .filter(pk=import_id)
        .values("task_id", "state", "next_member")
        .first()
    )
    if row is None or row["task_id"] != task_id or row["state"] != HistoryImportState.RUNNING:
        raise _Superseded
    return row["next_member"]


@transaction.atomic
def _store_members(
    history: HistoryImport, task_id: str, members: list[tuple[int, intake.Prepared]]
) -> None:
    """Consecutive files of the archive: their activities (each leg of a multisport
    file) and import records, the counters and the checkpoint, all in one
    transaction — a worker killed midway leaves none of them, and the next one
    starts at the first. One lock, one counters update and one commit for up to
    ``STORE_BATCH`` files, rather than for each."""
    checkpoint = _lock(history.pk, task_id)
    counts = {"runs_found": 0, "others_found": 0, "duplicates": 0, "failed": 0}
    files = 0
    for index, prepared in members:
        if index < checkpoint:
            continue  # handled already (cannot happen: the archive is read from the checkpoint)
        if files and _stop_requested.is_set():
            break  # stopping: the files stored so far are kept, the next worker reads the rest
        files += 1
        checkpoint = index + 1
        for leg in prepared.legs():
            outcome = services.activity_store(
                athlete=history.athlete, prepared=leg, batch=history.batch, position=index
            )
            if outcome.status == ImportStatus.IMPORTED:
                counts["runs_found" if leg.is_run else "others_found"] += 1
            elif outcome.status == ImportStatus.DUPLICATE:
                counts["duplicates"] += 1
            else:
                counts["failed"] += 1
    if not files:
        return
    now = timezone.now()
    HistoryImport.objects.filter(pk=history.pk).update(
        next_member=checkpoint,
        files_read=F("files_read") + files,
        heartbeat_at=now,
        updated_at=now,
        **{name: F(name) + added for name, added in counts.items() if added},
    )


def _stopped_sentence(import_id: int, reason: str) -> str:
    history = HistoryImport.objects.filter(pk=import_id).only("files_read").first()
    read = history.files_read if history is not None else 0
    kept = (
        f"The {read:,} file{'s' if read != 1 else ''} read before it are kept; upload"
        if read
        else "Upload"
    )
    return (
        f"The import stopped: {reason}. {kept} the export again to bring in the rest "
        "(files already imported are skipped)."
    )


def _finish(import_id: int, task_id: str, *, failure: str = "") -> None:
    with transaction.atomic():
        try:
            _lock(import_id, task_id)
        except _Superseded:
            return
        now = timezone.now()
        HistoryImport.objects.filter(pk=import_id).update(
            state=HistoryImportState.FAILED if failure else HistoryImportState.DONE,
            message=failure[:500],
            finished_at=now,
            heartbeat_at=now,
            updated_at=now,
        )
    # After the commit: a worker killed in between leaves the file to recovery,
    # never a finished import without the file it still needs.
    _remove_upload(HistoryImport.objects.get(pk=import_id))


def _requeue(import_id: int, task_id: str) -> None:
    """The worker is stopping: hand the import on to the next one from its checkpoint."""
    with transaction.atomic():
        try:
            _lock(import_id, task_id)
        except _Superseded:
            return
        history = HistoryImport.objects.get(pk=import_id)
        _queue(history)
    log.info("history import %s queued again: the worker is stopping", import_id)


def _remove_upload(history: HistoryImport) -> None:
    try:
        services_upload.part_path(history).unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove the upload of %s: %s", history.key, error)


# ---------------------------------------------------------------------------
# Workers: who they are, stopping one, and taking over from a dead one.


def worker_id() -> str:
    """This process's name in the queue: host and pid, so recovery can tell
    whether the worker of a running task is still there."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}"


def history_import_stop_soon() -> None:
    """Called by the worker's signal handler: the import in hand stops after its
    current file and is queued again."""
    _stop_requested.set()


def history_import_recover(*, now: datetime | None = None) -> int:
    """Queue again each import whose worker is gone; returns how many.

    An import is queued or running, and its task: missing, ended (its worker
    stopped it, or failed outside the import), or RUNNING on a dead worker.
    django-tasks-db never runs a RUNNING task again, so the dead one is marked
    failed and a new task takes over from the checkpoint."""
    now = now or timezone.now()
    recovered = 0
    unfinished = HistoryImport.objects.filter(state__in=UNFINISHED).values_list(
        "pk", "task_id", "heartbeat_at"
    )
    for import_id, task_id, heartbeat in unfinished:
        task = DBTaskResult.objects.filter(pk=task_id).first() if task_id else None
        if task is not None and _task_in_hand(task, heartbeat, now):
            continue
        with transaction.atomic():
            history = (
                HistoryImport.objects.select_for_update()
                .filter(pk=import_id, task_id=task_id, state__in=UNFINISHED)
                .first()
            )
            if history is None:
                continue  # it moved on meanwhile
            if task is not None and task.status == TaskResultStatus.RUNNING:
                DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=f"{__name__}.WorkerLost",
                    traceback=f"worker {_last_worker(task)} is gone; the import was queued again",
                )
            _queue(history)
        log.warning("history import %s queued again: its worker is gone", import_id)
        recovered += 1
    _clean_up_finished(now)
    return recovered


def _task_in_hand(task: DBTaskResult[Any, Any], heartbeat: datetime | None, now: datetime) -> bool:
    """Waiting for a worker, or running on one still alive."""
    if task.status == TaskResultStatus.READY:
        return True
    return task.status == TaskResultStatus.RUNNING and _worker_alive(task, heartbeat, now)


def _last_worker(task: DBTaskResult[Any, Any]) -> str:
    return str(task.worker_ids[-1]) if task.worker_ids else ""


def _worker_alive(task: DBTaskResult[Any, Any], heartbeat: datetime | None, now: datetime) -> bool:
    host, _, pid = _last_worker(task).rpartition(":")
    if host == socket.gethostname()[:48] and pid.isdigit() and not _process_alive(int(pid)):
        return False
    signs = [when for when in (heartbeat, task.started_at) if when is not None]
    return bool(signs) and now - max(signs) < RECOVER_AFTER


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that number
        return True
    return True


def _clean_up_finished(now: datetime) -> None:
    """Upload files of finished imports left by a worker killed just after finishing."""
    finished = HistoryImport.objects.filter(
        state__in=(HistoryImportState.DONE, HistoryImportState.FAILED),
        finished_at__gte=now - CLEAN_UP_WITHIN,
    ).only("key")
    for history in finished:
        _remove_upload(history)
