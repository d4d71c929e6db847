"""Run the WSGI app under gunicorn from inside the ``runstrong`` command."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

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


def serve(*, bind: str, workers: int) -> None:
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
        }
    ).run()
