"""Django's database sessions, with the read on every request written as one statement.

Every page a logged-in athlete opens starts by reading their session. Django's
store builds that read through the ORM, which costs about 0.23 ms of Python
per request; the same query written out costs about 0.05 ms (both measured
on bench/boards.py's data). That was a tenth of a logged-in board page. Only
the read changes: creating, saving, cycling and deleting sessions, and the
expired-session clean-up, are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from runstrong.sql import column, table, written_once


def _written_load(connection: Any, model: type[Model]) -> str:
    # The model's own names; the key and the time are parameters.
    return (
        f"SELECT {column(connection, model, 'session_data')}"  # noqa: S608
        f" FROM {table(connection, model)}"
        f" WHERE {column(connection, model, 'session_key')} = %s"
        f" AND {column(connection, model, 'expire_date')} > %s"
    )


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        key = self.session_key
        if key is None:  # no cookie, or one Django's key check refused
            return {}
        model = self.model
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(
                written_once(connection, _written_load, model),
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            # Unknown or expired: as Django's store does, forget the key so a
            # save makes a new session rather than reviving the old one.
            self._session_key = None
            return {}
        data: dict[str, Any] = self.decode(row[0])
        return data
