"""Reading a board's ``BoardEntry`` rows with statements written out, not built by the ORM.

A board page is a few reads of one bucket's entries (program, scope, scaled,
period, period start, then sex, age group or club): its rows after a cursor,
a count or two that place its first row, now and then an anchor row or the
viewer's own entry. Built with the ORM, each read cost 0.5-1 ms of Python to
build and compile, more than the database took to run it: a deep page reached
by a new cursor spent ~4.5 of its ~7 ms of CPU there (bench/api_boards.py). Their
shape never changes, so ``selectors_boards`` states its conditions as
``Where`` (SQL text and its parameters) and runs them here.

Names come from the models' own tables and columns, quoted as both databases
RunStrong runs on quote them (``sql.table``, ``sql.column``), so the text is
written once at import and is the same for both; values are always
parameters, adapted as the ORM adapts them (SQLite keeps dates and times as
text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connections, router

from runstrong.accounts.models import User
from runstrong.community.models import BoardEntry, Membership
from runstrong.sql import column, readers, table

# Every column of an entry, as ``e."column"``.
COLUMN = {
    field.name: "e." + column(None, BoardEntry, field.name)
    for field in BoardEntry._meta.concrete_fields
}
# What a board row shows, under the names the ORM's ``values()`` gave them.
ROW = {
    "athlete_id": COLUMN["athlete"],
    "athlete__display_name": "u." + column(None, User, "display_name"),
    "athlete__username": "u." + column(None, User, "username"),
    "result_id": COLUMN["result"],
    "capped": COLUMN["capped"],
    "reps_done": COLUMN["reps_done"],
    "total_s": COLUMN["total_s"],
    "started_at": COLUMN["started_at"],
    "core_exercise": COLUMN["core_exercise"],
}
# Where a row stands: its rank columns and tie-breaks (``ranking.Position``).
POSITION = ("capped", "reps_done", "total_s", "started_at", "athlete_id")
_FROM = f"{table(None, BoardEntry)} e"
_WITH_ATHLETE = (
    f"{_FROM} JOIN {table(None, User)} u ON u.{column(None, User, 'id')} = {COLUMN['athlete']}"
)
# The index order of a bucket (BoardEntry's "board_entry_rank"), and backwards.
ORDER = (
    f"{COLUMN['capped']}, {COLUMN['reps_done']} DESC, {COLUMN['total_s']},"
    f" {COLUMN['started_at']}, {COLUMN['athlete']}"
)
REVERSED = (
    f"{COLUMN['capped']} DESC, {COLUMN['reps_done']}, {COLUMN['total_s']} DESC,"
    f" {COLUMN['started_at']} DESC, {COLUMN['athlete']} DESC"
)


@dataclass(frozen=True)
class Where:
    """A condition on an entry (``e``): SQL text and the values of its ``%s``."""

    sql: str
    params: tuple[Any, ...] = ()

    def __and__(self, other: Where) -> Where:
        return Where(f"({self.sql} AND {other.sql})", self.params + other.params)

    def __or__(self, other: Where) -> Where:
        return Where(f"({self.sql} OR {other.sql})", self.params + other.params)


def compare(name: str, operator: str, value: Any) -> Where:
    """``e.<name> <operator> value``: ``compare("total_s", "<", 600)``."""
    return Where(f"{COLUMN[name]} {operator} %s", (value,))


def equal(**values: Any) -> Where:
    """Every ``e.<name> = value``. A flag too is an equality (not ``NOT capped``),
    which both databases can match to the index's columns."""
    found = [compare(name, "=", value) for name, value in values.items()]
    joined = found[0]
    for more in found[1:]:
        joined &= more
    return joined


def among(name: str, values: Sequence[Any]) -> Where:
    """``e.<name>`` is one of ``values``; none at all matches no entry (``IN ()``
    is not SQL on either database)."""
    if not values:
        return Where("1 = 0", ())
    return Where(f"{COLUMN[name]} IN ({', '.join(['%s'] * len(values))})", tuple(values))


def member_of(club_id: int) -> Where:
    """Entries of the club's members."""
    membership = table(None, Membership)
    return Where(
        f"{COLUMN['athlete']} IN (SELECT m.{column(None, Membership, 'athlete')}"  # noqa: S608
        f" FROM {membership} m WHERE m.{column(None, Membership, 'club')} = %s)",
        (club_id,),
    )


def _connection() -> Any:
    return connections[router.db_for_read(BoardEntry)]


def _adapted(connection: Any, params: Iterable[Any]) -> list[Any]:
    ops = connection.ops
    return [
        ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime)
        else ops.adapt_datefield_value(value)
        if isinstance(value, date)
        else value
        for value in params
    ]


def _run(sql: str, params: tuple[Any, ...]) -> tuple[Any, list[tuple[Any, ...]]]:
    connection = _connection()
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapted(connection, params))
        return connection, cursor.fetchall()


def count(where: Where) -> int:
    """How many entries meet ``where``."""
    _, rows = _run(f"SELECT COUNT(*) FROM {_FROM} WHERE {where.sql}", where.params)  # noqa: S608
    return int(rows[0][0])


def read(
    where: Where,
    *,
    names: Sequence[str] = tuple(ROW),
    order: str = ORDER,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Entries meeting ``where`` in ``order`` (the index's, or ``REVERSED``), as
    dicts of ``names`` (keys of ``ROW``), with ``capped`` a bool and
    ``started_at`` an aware datetime (as the ORM converts it)."""
    columns = ", ".join(ROW[name] for name in names)
    source = _WITH_ATHLETE if any(name.startswith("athlete__") for name in names) else _FROM
    sql = f"SELECT {columns} FROM {source} WHERE {where.sql} ORDER BY {order}"  # noqa: S608
    params = where.params
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += (limit, offset)
    connection, rows = _run(sql, params)
    found = [dict(zip(names, row, strict=True)) for row in rows]
    if found and "started_at" in names:
        convert = readers(connection, BoardEntry)["started_at"]
        for row in found:
            row["started_at"] = convert(row["started_at"])
    if "capped" in names:
        for row in found:
            row["capped"] = bool(row["capped"])
    return found
