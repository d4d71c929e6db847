"""Settings for ``bench/boards.py``: production settings plus a timing header and a no-op URL.

The benchmark starts ``runstrong serve`` with DJANGO_SETTINGS_MODULE pointing
here (and the repository on PYTHONPATH), so the no-op endpoint it compares
against lives only in the benchmark, never in the product's URLs.
"""

from __future__ import annotations

import os

from runstrong.settings import *  # noqa: F403
from runstrong.settings import MIDDLEWARE

ROOT_URLCONF = "bench.boards_urls"
# First, so the figure covers every middleware and the view: the server's time
# for the request, without gunicorn's parsing and the network.
MIDDLEWARE = ["bench.boards_urls.ServerTiming", *MIDDLEWARE]

# `runstrong serve` migrates (setup) in the gunicorn master before it forks
# the workers, and the master's open database connection would be inherited
# by every worker: on PostgreSQL two workers then read each other's replies
# on one socket. Close it in the master before each fork. (Reported to the
# lead for server.py; this keeps the benchmark honest until then.)


def _close_connections_before_fork() -> None:
    from django.db import connections

    connections.close_all()


os.register_at_fork(before=_close_connections_before_fork)

# `bench/boards.py --sqlite-pragmas "..."`: measure what other SQLite settings
# (a larger page cache, memory-mapped reads) would change, without editing the
# product's settings.
_pragmas = os.environ.get("RUNSTRONG_BENCH_SQLITE_PRAGMAS", "")
if _pragmas and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] += " " + _pragmas  # noqa: F405
