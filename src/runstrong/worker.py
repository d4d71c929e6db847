"""Background workers: ``runstrong worker``, and the one ``runstrong serve`` keeps beside gunicorn.

A worker is django-tasks-db's own worker loop, named by host and pid (so
recovery can tell a dead worker's task from a live one's), with three
additions:

- before taking tasks, and every ``RECOVER_EVERY`` seconds after, it queues
  again the imports of workers that died (``services_history.history_import_recover``:
  django-tasks-db never runs a task left RUNNING again);
- SIGTERM or SIGINT lets the import in hand finish its current file and hands
  the rest to the next worker, then the worker exits (a second signal exits at
  once; the import still resumes from its checkpoint);
- started by another process (``runstrong serve``, or ``runstrong worker
  --processes N``), it stops when that process is gone, so a killed server
  leaves no worker behind.

``WorkerProcess`` is that other process's side: start, restart if it died,
stop. Each worker runs in its own process group, so Ctrl+C in a terminal
reaches the server, which stops its worker once, gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

log = logging.getLogger(__name__)

# Set by the process that started this worker: its pid, to stop when it is gone.
PARENT_ENV = "RUNSTRONG_WORKER_PARENT"
# How often a worker looks for imports left by dead workers (besides at start).
RECOVER_EVERY = 60.0  # seconds
# A worker process that died is started again, but not more often than this.
RESTART_AFTER = 5.0  # seconds
# A stopping worker finishes the file in hand (well under a second); past this it is killed.
STOP_TIMEOUT = 30.0  # seconds


def run(*, processes: int = 1, interval: float = 1.0) -> None:
    """Run workers until SIGTERM or SIGINT: this process, or ``processes`` child processes."""
    if processes <= 1:
        _run_worker(interval=interval)
        return
    children = [
        WorkerProcess(["--interval", str(interval)], name=f"worker {number + 1}")
        for number in range(processes)
    ]
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping.wait(1.0):
        for child in children:
            child.keep_alive()
    for child in children:
        child.signal(signal.SIGTERM)
    for child in children:
        child.stop()


def _run_worker(*, interval: float) -> None:
    from django.conf import settings
    from django_tasks_db.management.commands.db_worker import Worker

    from runstrong.runs import services_history

    class _Worker(Worker):
        def shutdown(self, signum: int, frame: FrameType | None) -> None:
            services_history.history_import_stop_soon()
            super().shutdown(signum, frame)

    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    worker = _Worker(
        queue_names=list(queues),
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=services_history.worker_id(),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    recovered = services_history.history_import_recover()
    if recovered:
        log.warning("%d history import(s) of stopped workers queued again", recovered)
    parent = os.environ.get(PARENT_ENV, "")
    threading.Thread(
        target=_watch, args=(int(parent) if parent.isdigit() else None,), daemon=True
    ).start()
    print(f"Worker {worker.worker_id} is waiting for tasks.", flush=True)
    worker.run()


def _watch(parent: int | None) -> None:
    """Recover dead workers' imports now and then, and stop when the parent is gone."""
    from django.db import connection

    from runstrong.runs import services_history

    next_recovery = time.monotonic() + RECOVER_EVERY
    while True:
        time.sleep(1.0)
        if parent is not None and os.getppid() != parent:
            print("The process that started this worker is gone: stopping.", flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if time.monotonic() < next_recovery:
            continue
        next_recovery = time.monotonic() + RECOVER_EVERY
        try:
            services_history.history_import_recover()
        except Exception:  # the database away for a moment: try again next time
            log.exception("recovering history imports failed")
        finally:
            connection.close()  # this thread's own


class WorkerProcess:
    """A ``runstrong worker`` child process, kept running until stopped."""

    def __init__(self, arguments: list[str] | None = None, *, name: str = "worker") -> None:
        self.command = [sys.executable, "-m", "runstrong.cli", "worker", *(arguments or [])]
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopping = False

    def keep_alive(self) -> None:
        """Start the worker, or start it again if it died (not too often)."""
        if self.stopping:
            return
        if self.process is not None and self.process.poll() is None:
            return
        if self.process is not None:
            if time.monotonic() - self.started_at < RESTART_AFTER:
                return
            print(
                f"The {self.name} stopped (exit {self.process.returncode}): starting it again.",
                file=sys.stderr,
                flush=True,
            )
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            env={**os.environ, PARENT_ENV: str(os.getpid())},
            # Its own process group: a terminal's Ctrl+C reaches only the parent,
            # which stops the worker once, gracefully (see signal()).
            process_group=0,
        )

    def signal(self, signum: int) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the worker to stop (it finishes the file in hand), kill it past ``timeout``."""
        self.signal(signal.SIGTERM)
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
