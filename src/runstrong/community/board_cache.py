"""Board pieces already worked out, kept per process and checked against a shared version.

Each program's boards have a version: a random token in the database
(``BoardVersion``), so every app process reads the same one.
``services_boards.board_refresh`` sets a new token for every program whose
entries it touched, in the same transaction as the entries. A process keeps
the pieces it worked out (a page's rows, a board's total, a viewer's place)
under the version they were computed for, and reuses them only while that is
still the version: the token is read with the page around the board (the
program tabs, ``selectors_boards.board_frame``), instead of the counts. So
nothing here is authoritative — several processes serving one database stay
exact — and an entry also expires after ``MAX_AGE_S`` as a guard for changes
made around the services (an account deleted, a bulk fix).

The version also names the board a cursor's place was counted on
(``board_tag``), so "next page" on an unchanged board needs no count.

Club boards also change when members join or leave: each club has a
member-list token too (``Club.members_version``, moved by ``bump_club`` in
the membership services' transactions and by the admin's club form), read
with the viewer's clubs, and a club board's version is its program's token
and its club's together.
Whole pages are kept only as a visitor (not logged in) sees them, when no
message was waiting to be shown, and under the day's date too, since the
periods roll over at midnight; so are the API's board answers (``ANSWERS``).
For everyone else the page around the results (navigation, tabs, filter
menus) is kept under everything it shows (``views_boards._shell``) and the
results are put into it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.models import Model

from runstrong.community.models import BoardVersion, Club, new_version_token
from runstrong.sql import column, table, written_once
from runstrong.workouts.models import Program

if TYPE_CHECKING:
    from runstrong.community.selectors_boards import BoardQuery

MAX_AGE_S = 120


def _written_current(connection: Any) -> str:
    # The models' own names; the slug is the one value, a parameter.
    def named(model: type[Model], name: str) -> str:
        return column(connection, model, name)

    return (
        f"SELECT v.{named(BoardVersion, 'token')}"  # noqa: S608
        f" FROM {table(connection, BoardVersion)} v JOIN {table(connection, Program)} p"
        f" ON p.{named(Program, 'id')} = v.{named(BoardVersion, 'program')}"
        f" WHERE p.{named(Program, 'slug')} = %s"
    )


def current(program_slug: str) -> str | None:
    """The version of a program's boards, by the program's address, if it has one
    (it is never created here): one statement, written once (runstrong/sql.py),
    so a visitor's page kept whole is found before anything else is read."""
    connection = connections[router.db_for_read(BoardVersion)]
    with connection.cursor() as cursor:
        cursor.execute(written_once(connection, _written_current), [program_slug])
        row = cursor.fetchone()
    return str(row[0]) if row is not None else None


def version(query: BoardQuery, program_token: str | None = None) -> str | None:
    """The current version of the query's board: its program's token (as read with
    the page's frame, or read here, made if it has none yet), and for a club
    board the club's member-list token after it (read with the club)."""
    token = program_token
    if token is None:
        found, _ = BoardVersion.objects.get_or_create(program_id=query.program.pk)
        token = found.token
    if query.club is not None:
        return f"{token}:{query.club.members_version}"
    return token


def board_tag(version: str | None, params: tuple[Hashable, ...]) -> str | None:
    """A short name for one board (its filters) at one version, for cursors.

    A cursor's place holds only on the board and version it was counted on:
    a cursor from the women's board, or from before a result moved the
    board, gets a different tag and its places are counted afresh.
    """
    if version is None:
        return None
    return hashlib.sha256(f"{version}:{params!r}".encode()).hexdigest()[:16]


def bump(program_ids: Iterable[int]) -> None:
    """Every piece worked out before for these programs' boards is stale from now."""
    BoardVersion.objects.bulk_create(
        [
            BoardVersion(program_id=program_id, token=new_version_token())
            for program_id in set(program_ids)
        ],
        update_conflicts=True,
        unique_fields=["program"],
        update_fields=["token"],
    )


def bump_club(club_id: int) -> None:
    """The club's member list changed: every piece of its club boards is stale."""
    Club.objects.filter(pk=club_id).update(members_version=new_version_token())


class Memo:
    """A small least-recently-used map whose entries belong to a version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: str | None, key: Hashable, missing: Any = None) -> Any:
        if version is None:
            return missing
        with self._lock:
            found = self._entries.get((version, key))
            if found is None or time.monotonic() - found[0] > MAX_AGE_S:
                return missing
            self._entries.move_to_end((version, key))
            return found[1]

    def put(self, version: str | None, key: Hashable, value: Any) -> None:
        if version is None:
            return
        with self._lock:
            self._entries[(version, key)] = (time.monotonic(), value)
            self._entries.move_to_end((version, key))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SHARED = Memo(1024)  # a page's rows, next cursor
TOTALS = Memo(1024)  # how many athletes a (filtered) board holds
ANCHORS = Memo(1024)  # rows at a quarter, half and three quarters of a (filtered) board
PINNED = Memo(4096)  # a viewer's own row and place
CLUBS = Memo(256)  # a club board placed whole
HTML = Memo(1024)  # a page's rendered rows and page links
PAGES = Memo(1024)  # whole pages as visitors (not logged in) get them
ANSWERS = Memo(1024)  # whole API answers (/api/v1/boards/…) as visitors get them
NAMES = Memo(256)  # every exercise's name, as a board version's rows show them
SHELLS = Memo(512)  # the page around the results (views_boards._shell)
