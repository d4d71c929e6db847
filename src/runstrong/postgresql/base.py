"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before a
request's first query by sending ``SELECT 1``: on a board page that is one
round trip of four, and on this machine about 0.1 ms of the worker's CPU
and as much of the database server's (bench/api_boards.py). What the check
is for is a connection the server has cut — restarted, or the backend
terminated — and a server that cuts a connection says so on its socket
(an error message, then the end of the stream) before any new query. So
an idle connection whose socket has nothing to read, and which libpq still
counts as good, is as it was left at the end of the last request; only
when something is waiting does Django's own check run (it then reads the
error and the connection is replaced). A server that vanishes without a
word (its host powered off) is found by the request's first query instead,
which fails; Django then drops the connection when the request ends
(``errors_occurred``), as it always has.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


def quiet(connection: Any) -> bool:
    """True when the connection is idle, good as far as libpq knows, and the
    server has sent nothing since the last answer."""
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    # A hang-up or error is reported whether asked for or not.
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's own attributes, which its type stubs do not declare.
    health_check_enabled: bool
    health_check_done: bool
    pool: Any

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
