"""Run the WSGI app under gunicorn from inside the ``runstrong`` command, with a
background worker beside it (``runstrong.worker``) unless told not to."""

from __future__ import annotations

import signal
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from runstrong.worker import WorkerProcess


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], task_worker: WorkerProcess | None = None) -> None:
        self.options = options
        self.task_worker = task_worker
        super().__init__()

    def run(self) -> None:
        if self.task_worker is None:
            super().run()
            return
        try:
            _Arbiter(self, self.task_worker).run()
        except RuntimeError as error:  # as gunicorn's own run() reports it
            print(f"\nError: {error}\n", file=sys.stderr, flush=True)
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from runstrong.wsgi import application

        return application


def _close_connections(server: object, worker: object) -> None:
    """Before each worker is forked: a database connection open in the master
    (the set-up's, or one the preloaded app opened) would be shared by every
    worker, and two workers would read each other's replies on one socket."""
    from django.db import connections

    connections.close_all()


class _Arbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master, also keeping the task worker running: started with the
    web workers, started again if it dies (checked on the master's one-second
    round), and stopped when the server stops, whatever stops it (SIGTERM,
    Ctrl+C). A master killed outright leaves it too: it watches its parent."""

    def __init__(self, app: _Server, task_worker: WorkerProcess) -> None:
        self.task_worker = task_worker
        super().__init__(app)

    def manage_workers(self) -> None:
        super().manage_workers()
        self.task_worker.keep_alive()

    def stop(self, graceful: bool = True) -> None:
        # Told first, so it finishes its file while the web workers finish their requests.
        self.task_worker.signal(signal.SIGTERM)
        super().stop(graceful)
        self.task_worker.stop()


def serve(*, bind: str, workers: int, task_worker: bool = True) -> None:
    _Server(
        {
            "bind": bind,
            "workers": max(1, workers),
            "accesslog": "-",
            "forwarded_allow_ips": "127.0.0.1",
            # Preload so a broken configuration fails once, at start-up, loudly.
            "preload_app": True,
            # A web upload parses up to 60 run files (0.1–0.3 s each) before it
            # answers; gunicorn's default 30 s would kill the worker midway.
            "timeout": 90,
            "pre_fork": _close_connections,
        },
        task_worker=WorkerProcess(name="task worker") if task_worker else None,
    ).run()
