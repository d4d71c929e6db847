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

# `runstrong serve` closes the master's database connections before it forks
# each worker (server.py's pre_fork hook), so nothing is needed here for that.

# `bench/boards.py --sqlite-pragmas "..."`: measure what other SQLite settings
# (a larger page cache, memory-mapped reads) would change, without editing the
# product's settings.
_pragmas = os.environ.get("RUNSTRONG_BENCH_SQLITE_PRAGMAS", "")
if _pragmas and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] += " " + _pragmas  # noqa: F405

# `bench/boards.py --conn-max-age 60`: what keeping each worker's database
# connection open would change (the SQLite settings open one per request).
_conn_max_age = os.environ.get("RUNSTRONG_BENCH_CONN_MAX_AGE", "")
if _conn_max_age:
    DATABASES["default"]["CONN_MAX_AGE"] = int(_conn_max_age)  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# `bench/api_boards.py`: each API token may make API_TOKEN_RATE_LIMIT requests
# per window (100 in 10 s). The benchmark keeps the count and the check as in
# production (ratelimit.spend, one statement whatever the count) and shortens
# the window to 1 s, so its tokens are not refused while it loads the server.
_token_window = os.environ.get("RUNSTRONG_BENCH_API_TOKEN_WINDOW_SECONDS", "")
if _token_window:
    API_TOKEN_RATE_WINDOW_SECONDS = int(_token_window)
