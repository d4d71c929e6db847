"""Reads for the boards: one page of a board, the viewer's own row, the clubs they can pick.

A board is the ``BoardEntry`` rows of one bucket (program, scope, scaled,
period, period start), filtered by sex, age group or club, in the order of
``ranking``. A page is found by keyset (the position of the previous page's
last row, in a signed cursor), never by OFFSET, so page 2,000 costs what
page 1 does. The cursor also carries that row's place, counted on the
board's version (``board_cache``): "Next page" on an unchanged board needs no
count at all. A cursor from another version has its page's first row placed
by counts on the same index, from the nearest of the top, the bottom and the
rows a quarter, half and three quarters down (``_count_ahead``). A page takes
a fixed number of queries whatever its depth: the viewer's entry, the rows
(two range scans when a page straddles the finishers and the capped
results), up to three counts (and once per board version an anchor row or
two), and the exercise names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.utils import timezone

from runstrong import sql
from runstrong.accounts.models import User
from runstrong.community import board_cache, board_sql, ranking
from runstrong.community.board_sql import Where, compare, equal
from runstrong.community.models import BoardVersion, Club, Membership, Notification
from runstrong.sql import written_once
from runstrong.workouts.formatting import MONTHS, format_total
from runstrong.workouts.models import Exercise, Program

PAGE_SIZE = 25
_MISSING = object()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class BoardQuery:
    """Which board: a bucket and its filters ("" means everyone)."""

    program: Program
    scaled: bool
    period: str
    period_start: date
    sex: str = ""
    age_group: str = ""
    club: Club | None = None

    def cache_key(self) -> tuple[Hashable, ...]:
        return (
            self.program.pk,
            self.scaled,
            self.period,
            self.period_start,
            self.sex,
            self.age_group,
            self.club.pk if self.club is not None else None,
        )

    @property
    def scope(self) -> str:
        # A club board also ranks results shown only to the athlete's clubs.
        return ranking.CLUBS if self.club is not None else ranking.PUBLIC


@dataclass(frozen=True)
class BoardRow:
    rank: int
    athlete_id: int
    name: str
    time: str  # "12:34", or "CAP + 180"
    capped: bool
    core_exercise: str
    day: date
    day_text: str  # "5 Jan"
    result_id: int


@dataclass(frozen=True)
class PinnedRow:
    """The viewer's own place, shown above the board wherever it is."""

    row: BoardRow
    top_percent: int


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    total: int
    pinned: PinnedRow | None
    next_cursor: str | None
    first: bool  # the page starts at the top of the board
    version: str | None  # the board version it was worked out for (board_cache)
    position: ranking.Position | None  # where it starts (None: the top)
    # What, besides the version, its pieces are kept under (the filters).
    key: Hashable = None


def _secret() -> bytes:
    return settings.SECRET_KEY.encode()


def _moment(started_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=started_us)


def _position(row: Mapping[str, Any]) -> ranking.Position:
    return ranking.Position(
        ranking.RankKey.of(
            capped=row["capped"], reps_done=row["reps_done"], total_s=row["total_s"]
        ),
        (row["started_at"] - EPOCH) // timedelta(microseconds=1),
        row["athlete_id"],
    )


def _bucket(query: BoardQuery, *, club: bool = True) -> Where:
    """The board's entries: its bucket, then its filters."""
    values: dict[str, Any] = {
        "program": query.program.pk,
        "scope": query.scope,
        "scaled": query.scaled,
        "period": query.period,
        "period_start": query.period_start,
    }
    if query.sex:
        values["sex"] = query.sex
    if query.age_group:
        values["age_group"] = query.age_group
    bucket = equal(**values)
    if query.club is not None and club:
        bucket &= board_sql.member_of(query.club.pk)
    return bucket


def _better_than(key: ranking.RankKey) -> Where:
    """Entries that rank strictly above ``key`` (they take a place ahead of it)."""
    if not key.capped:
        # reps_done = 0 holds for every finisher; saying so lets total_s bound
        # the index range instead of being checked on every finisher.
        return equal(capped=False, reps_done=0) & compare("total_s", "<", key.total_s)
    return (
        equal(capped=False)
        | (equal(capped=True) & compare("reps_done", ">", key.reps_done))
        | (equal(capped=True, reps_done=key.reps_done) & compare("total_s", "<", key.total_s))
    )


def _tied_before(position: ranking.Position) -> Where:
    """Entries with the same rank key listed before ``position`` (earlier, or lower id)."""
    moment = _moment(position.started_us)
    key = position.key
    return equal(capped=key.capped, reps_done=key.reps_done, total_s=key.total_s) & (
        compare("started_at", "<", moment)
        | (equal(started_at=moment) & compare("athlete", "<", position.athlete_id))
    )


def _after(position: ranking.Position) -> Where:
    """Entries listed after ``position`` within its own part of the board.

    Written so the database can start an index range at the position: every
    finisher has ``reps_done = 0`` (see ``ranking``), so finishers after it
    are ``total_s >= t`` on that prefix; capped entries after it are
    ``reps_done <= r`` on theirs. The OR below only sorts out exact ties.
    """
    key = position.key
    moment = _moment(position.started_us)
    ties_after = compare("started_at", ">", moment) | (
        equal(started_at=moment) & compare("athlete", ">", position.athlete_id)
    )
    if not key.capped:
        return (
            equal(capped=False, reps_done=0)
            & compare("total_s", ">=", key.total_s)
            & (compare("total_s", ">", key.total_s) | ties_after)
        )
    return (
        equal(capped=True)
        & compare("reps_done", "<=", key.reps_done)
        & (
            compare("reps_done", "<", key.reps_done)
            | (equal(reps_done=key.reps_done) & compare("total_s", ">", key.total_s))
            | (equal(reps_done=key.reps_done, total_s=key.total_s) & ties_after)
        )
    )


def _rows_after(
    bucket: Where, position: ranking.Position | None, limit: int
) -> list[dict[str, Any]]:
    if position is None:
        return board_sql.read(bucket, limit=limit)
    found = board_sql.read(bucket & _after(position), limit=limit)
    if len(found) < limit and not position.key.capped:
        # The finishers ran out: the page carries on with the capped results.
        found += board_sql.read(bucket & equal(capped=True), limit=limit - len(found))
    return found


def _row(row: dict[str, Any], *, rank: int, names: dict[str, str]) -> BoardRow:
    capped = bool(row["capped"])
    day = timezone.localdate(row["started_at"])
    return BoardRow(
        rank=rank,
        athlete_id=row["athlete_id"],
        name=row["athlete__display_name"] or row["athlete__username"],
        time=format_total(
            capped=capped, reps_at_cap=row["reps_done"], total_ms=row["total_s"] * 1000
        ),
        capped=capped,
        core_exercise=names.get(row["core_exercise"], row["core_exercise"]),
        day=day,
        day_text=f"{day.day} {MONTHS[day.month - 1]}",
        result_id=row["result_id"],
    )


def _exercise_names(slugs: set[str], tag: str | None = None) -> dict[str, str]:
    """The exercises' names by slug. Given the board's ``tag`` (its version and
    filters), every exercise's name is read once and kept under it, as the
    rows that show them are: a deep page reached by a new cursor then makes
    one query fewer (~0.6 ms of Python, bench/api_boards.py)."""
    names: dict[str, str] | None = board_cache.NAMES.get(tag, "names")
    if names is not None and slugs <= names.keys():
        return names
    if tag is None:
        return dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "name"))
    names = dict(Exercise.objects.values_list("slug", "name"))
    board_cache.NAMES.put(tag, "names", names)
    return names


def _count_better(bucket: Where, key: ranking.RankKey) -> int:
    """Entries ranked strictly above ``key``: one index range for a finisher's key."""
    return board_sql.count(bucket & _better_than(key))


def _count_not_better(bucket: Where, key: ranking.RankKey) -> int:
    """Entries ranked at or below ``key``: two index ranges, from ``key`` down."""
    if not key.capped:
        finishers = equal(capped=False, reps_done=0) & compare("total_s", ">=", key.total_s)
        return board_sql.count(bucket & finishers) + board_sql.count(bucket & equal(capped=True))
    capped = bucket & equal(capped=True)
    return board_sql.count(capped & compare("reps_done", "<", key.reps_done)) + board_sql.count(
        capped & equal(reps_done=key.reps_done) & compare("total_s", ">=", key.total_s)
    )


Anchor = Callable[[int], ranking.Position | None]


def _anchor(
    bucket: Where, version: str | None, params: Hashable, total: int, before: int
) -> ranking.Position | None:
    """The position of the row with ``before`` rows listed above it, found once per
    board version by walking the index from the nearer end (at most half of it)."""
    found = board_cache.ANCHORS.get(version, (params, before), missing=_MISSING)
    if found is _MISSING:
        if before <= total // 2:
            order, skip = board_sql.ORDER, before
        else:
            order, skip = board_sql.REVERSED, total - 1 - before
        rows = board_sql.read(bucket, names=board_sql.POSITION, order=order, limit=1, offset=skip)
        found = _position(rows[0]) if rows else None
        board_cache.ANCHORS.put(version, (params, before), found)
    return found if isinstance(found, ranking.Position) else None


def _by_anchor(anchor: ranking.Position, *, before: bool) -> Where:
    """Rows listed before the anchor row, or (``before=False``) from it on."""
    anchor_s, moment = anchor.key.total_s, _moment(anchor.started_us)
    past, last = ("<", "<") if before else (">", ">=")
    at_anchor = equal(total_s=anchor_s)
    return (
        compare("total_s", past, anchor_s)
        | (at_anchor & compare("started_at", past, moment))
        | (at_anchor & equal(started_at=moment) & compare("athlete", last, anchor.athlete_id))
    )


def _count_ahead_from_anchor(
    bucket: Where, key: ranking.RankKey, anchor: ranking.Position, before: int
) -> int:
    """Entries strictly above a finisher's ``key``, counted between it and an
    anchor row (both finishers), which has ``before`` rows listed above it."""
    anchor_s = anchor.key.total_s
    finishers = bucket & equal(capped=False, reps_done=0)
    if key <= anchor.key:
        # Rows at or below the key that are listed before the anchor row.
        between = board_sql.count(
            finishers
            & _by_anchor(anchor, before=True)
            & compare("total_s", ">=", key.total_s)
            & compare("total_s", "<=", anchor_s)
        )
        return before - between
    # Rows from the anchor on that rank above the key.
    return before + board_sql.count(
        finishers
        & _by_anchor(anchor, before=False)
        & compare("total_s", ">=", anchor_s)
        & compare("total_s", "<", key.total_s)
    )


def _count_ahead(
    bucket: Where,
    key: ranking.RankKey,
    *,
    total: int,
    about: int | None,
    anchor: Anchor,
) -> int:
    """Entries ranked strictly above ``key``, counted from the nearest of five anchors.

    A count walks the index from an anchor to the key, so its cost grows with
    the distance: counted from the top, the last page of a 61,000-athlete
    board walks all of it (25 ms on SQLite, 20 ms on PostgreSQL). ``about``
    is roughly where the key stands (a cursor's place from an earlier version
    of the board). Near the bottom, the entries at or below the key are
    counted and taken from the total; near a quarter, the half or three
    quarters of the board, those between the key and that row (whose place
    is known: ``_anchor``, found once per version). So no count walks more
    than an eighth of the board (a quarter walked 18-23 ms p95 on PostgreSQL).
    """
    if about is None:
        return _count_better(bucket, key)
    # The ends first, so a tie goes to the one that needs no row looked up.
    marks = [("top", 0), ("bottom", total)]
    marks += [("row", total * k // 4) for k in (1, 2, 3) if 0 < total * k // 4 < total]
    nearest, mark = min(marks, key=lambda named: abs(about - named[1]))
    if nearest == "row" and not key.capped:
        found = anchor(mark)
        if found is not None and not found.key.capped:
            return _count_ahead_from_anchor(bucket, key, found, mark)
    if nearest == "bottom" or (nearest == "row" and about > total // 2):
        return max(0, total - _count_not_better(bucket, key))
    return _count_better(bucket, key)


@dataclass(frozen=True)
class _Shared:
    """The part of a page that is the same for every viewer."""

    rows: list[BoardRow]
    next_cursor: str | None
    first: bool


def _shared_page(
    bucket: Where,
    cursor: ranking.Cursor | None,
    page_size: int,
    *,
    tag: str | None,
    now: int,
    total: int,
    anchor: Anchor,
) -> _Shared:
    position = cursor.position if cursor is not None else None
    found = _rows_after(bucket, position, page_size + 1)
    rows, more = found[:page_size], len(found) > page_size
    ahead = before = 0
    counted_at = now
    if cursor is not None and rows:
        first = _position(rows[0])
        place = cursor.place
        if (
            place is not None
            and tag is not None
            and place.board == tag
            and 0 <= now - place.issued <= board_cache.MAX_AGE_S
        ):
            # "Next page" on a board that has not changed since the cursor's
            # page was made: its last row's place and ordinal give this page's
            # places with no count. The place is passed on down the pages
            # with the time it was last counted, so a chain of pages is
            # counted afresh at least every MAX_AGE_S, like the memos.
            ahead, before = ranking.resume_counts(cursor.position.key, place, first.key)
            counted_at = place.issued
        else:
            # A cursor from another version of the board (or none): count the
            # first row's place on the index — rows strictly better, then
            # those tied with it but listed before it.
            ahead = _count_ahead(
                bucket,
                first.key,
                total=total,
                about=place.ordinal if place else None,
                anchor=anchor,
            )
            before = ahead + board_sql.count(bucket & _tied_before(first))
    names = _exercise_names({row["core_exercise"] for row in rows}, tag)
    keys = [_position(row).key for row in rows]
    ranks = ranking.page_ranks(keys, ahead=ahead, before=before)
    next_cursor = None
    if more and rows:
        place_of_last = (
            ranking.Place(ranks[-1], before + len(rows), tag, counted_at)
            if tag is not None
            else None
        )
        next_cursor = ranking.cursor_encode(
            _position(rows[-1]), secret=_secret(), place=place_of_last
        )
    return _Shared(
        rows=[_row(row, rank=rank, names=names) for row, rank in zip(rows, ranks, strict=True)],
        next_cursor=next_cursor,
        first=before == 0,
    )


def _quarter(key: ranking.RankKey, total: int, anchor: Anchor) -> int | None:
    """Roughly where ``key`` stands: the middle of its quarter of the board."""
    middle = anchor(total // 2)
    if middle is None:
        return None
    lower = key > middle.key
    quarter = anchor(total * 3 // 4 if lower else total // 4)
    below_quarter = quarter is not None and key > quarter.key
    return total * (1 + 4 * lower + 2 * below_quarter) // 8


def _pinned(query: BoardQuery, viewer_id: int, total: int, anchor: Anchor) -> PinnedRow | None:
    bucket = _bucket(query)
    # The viewer's own entry by the unique index; on a club board the view
    # has already made sure the viewer is a member.
    found = board_sql.read(_bucket(query, club=False) & equal(athlete=viewer_id), limit=1)
    if not found:
        return None
    mine = found[0]
    key = _position(mine).key
    # Counted from an anchor next to the viewer's quarter of the board, which
    # the middle row and a quarter row tell: at most a quarter is walked
    # (counted from the top, a viewer near the bottom of 61,000 athletes
    # cost 30 ms on PostgreSQL).
    rank = _count_ahead(bucket, key, total=total, about=_quarter(key, total, anchor), anchor=anchor)
    rank += 1
    return PinnedRow(
        row=_row(mine, rank=rank, names=_exercise_names({mine["core_exercise"]})),
        top_percent=ranking.top_percent(rank, total),
    )


def board_page(
    *,
    query: BoardQuery,
    viewer_id: int | None = None,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
    program_version: str | None = None,
) -> BoardPage:
    """One page of a board, after ``cursor`` (a bad or stale cursor: the top).

    Pieces already worked out for the board's current version are reused
    (see ``board_cache``; ``program_version`` is the program's token when the
    caller has read it already, as ``board_frame`` does); the rest costs a
    bounded number of queries: the rows (one or two index ranges), up to two
    counts for the first row's place, the total, the viewer's entry and its
    count, the exercise names.
    """
    read = ranking.cursor_read(cursor, secret=_secret())
    position = read.position if read is not None else None
    version = board_cache.version(query, program_version)
    if query.club is not None:
        return _club_page(query, version, viewer_id, position, page_size)
    params = query.cache_key()

    bucket = _bucket(query)
    total = board_cache.TOTALS.get(version, params)
    if total is None:
        total = board_sql.count(bucket)
        board_cache.TOTALS.put(version, params, total)
    shared = board_cache.SHARED.get(version, (params, position, page_size))
    if shared is None:
        shared = _shared_page(
            bucket,
            read,
            page_size,
            tag=board_cache.board_tag(version, params),
            now=int(time.time()),
            total=total,
            anchor=lambda before: _anchor(bucket, version, params, total, before),
        )
        board_cache.SHARED.put(version, (params, position, page_size), shared)
    pinned = None
    if viewer_id is not None:
        pinned = board_cache.PINNED.get(version, (params, viewer_id), missing=_MISSING)
        if pinned is _MISSING:
            pinned = _pinned(
                query,
                viewer_id,
                total,
                lambda before: _anchor(bucket, version, params, total, before),
            )
            board_cache.PINNED.put(version, (params, viewer_id), pinned)
    return BoardPage(
        rows=shared.rows,
        total=total,
        pinned=pinned,
        next_cursor=shared.next_cursor,
        first=position is None or shared.first,
        version=version,
        position=position,
        key=params,
    )


@dataclass(frozen=True)
class _ClubBoard:
    """A club board placed whole: (athlete id, rank key) in board order, and places."""

    board: list[tuple[int, ranking.RankKey]]
    place: dict[int, int]


def _club_members(club: Club) -> frozenset[int]:
    return frozenset(
        Membership.objects.filter(club_id=club.pk).values_list("athlete_id", flat=True)
    )


def _club_board(query: BoardQuery, members: frozenset[int]) -> _ClubBoard:
    # One unique-index lookup per member, then a sort, in the database (which
    # also breaks ties by start time, so no timestamps need converting here).
    # Measured on a million results (SQLite, ms for 1,001 / 51 members): this
    # 7.1 / 1.0; with a covering index on (bucket, athlete, rank columns)
    # 5.4 / 1.0; with one on (athlete, bucket, rank columns) 8.0 / 1.4. Not
    # worth another index of 3.4 million entries to keep, since the placed
    # board is reused while the board version and the member list stay.
    entries = board_sql.read(_bucket(query), names=("athlete_id", "capped", "reps_done", "total_s"))
    board = [
        (
            entry["athlete_id"],
            ranking.RankKey.of(
                capped=entry["capped"], reps_done=entry["reps_done"], total_s=entry["total_s"]
            ),
        )
        for entry in entries
        # Read in the same request as ``members``: someone who joined in
        # between waits for the next page view.
        if entry["athlete_id"] in members
    ]
    ranks = ranking.competition_ranks([key for _, key in board])
    return _ClubBoard(
        board=board,
        place={athlete_id: rank for (athlete_id, _), rank in zip(board, ranks, strict=True)},
    )


def _club_page(
    query: BoardQuery,
    version: str | None,
    viewer_id: int | None,
    position: ranking.Position | None,
    page_size: int,
) -> BoardPage:
    """A club board: its members' rank columns fetched whole, placed in memory.

    A club's board is as long as its member list, so reading every member's
    entry (one unique-index lookup each) and placing them here costs less
    than counting on the index for each place. The placed board is reused
    while the version stays, which for a club board covers its member list
    too (``board_cache.version``): a join or a leave moves it, so the board
    is never shown with an old list.
    """
    assert query.club is not None
    params = query.cache_key()
    placed: _ClubBoard | None = board_cache.CLUBS.get(version, params)
    if placed is None:
        placed = _club_board(query, _club_members(query.club))
        board_cache.CLUBS.put(version, params, placed)
    board, place = placed.board, placed.place

    start = ranking.resume_index(board, position)
    shown = board[start : start + page_size]
    more = start + page_size < len(board)
    shared: _Shared | None = board_cache.SHARED.get(version, (params, start, page_size))
    viewer_row: PinnedRow | None = None
    pinned_key = (params, viewer_id)
    pinned = (
        board_cache.PINNED.get(version, pinned_key, missing=_MISSING)
        if viewer_id is not None
        else None
    )
    wanted = [] if shared is not None else [entry[0] for entry in shown]
    if pinned is _MISSING and viewer_id in place:
        wanted.append(viewer_id)
    details = (
        {
            row["athlete_id"]: row
            for row in board_sql.read(
                _bucket(query, club=False) & board_sql.among("athlete", wanted)
            )
        }
        if wanted
        else {}
    )
    names = _exercise_names({row["core_exercise"] for row in details.values()}) if details else {}
    if shared is None:
        shared = _Shared(
            rows=[
                _row(details[entry[0]], rank=place[entry[0]], names=names)
                for entry in shown
                if entry[0] in details
            ],
            next_cursor=(
                ranking.cursor_encode(_position(details[shown[-1][0]]), secret=_secret())
                if more and shown[-1][0] in details
                else None
            ),
            first=start == 0,
        )
        board_cache.SHARED.put(version, (params, start, page_size), shared)
    if pinned is _MISSING:
        if viewer_id is not None and viewer_id in details:
            rank = place[viewer_id]
            viewer_row = PinnedRow(
                row=_row(details[viewer_id], rank=rank, names=names),
                top_percent=ranking.top_percent(rank, len(board)),
            )
        board_cache.PINNED.put(version, pinned_key, viewer_row)
        pinned = viewer_row
    return BoardPage(
        rows=shared.rows,
        total=len(board),
        pinned=pinned,
        next_cursor=shared.next_cursor,
        first=shared.first,
        version=version,
        position=position,
        key=params,
    )


def board_programs() -> Sequence[Program]:
    """Programs that have boards: every installed program, built-in ones first
    (``board_frame``'s tabs: one statement, no ORM query to build)."""
    return board_frame("", None).programs


@dataclass(frozen=True)
class BoardFrame:
    """What a board page shows around the board itself."""

    program: Program | None  # the program named in the address; None if there is none
    programs: list[Program]  # every program, for the tabs
    clubs: list[Club]  # the viewer's clubs: the club boards they may open
    unread: int  # the viewer's unread notifications, for the navigation
    version: str | None  # the program's board version (board_cache), if it has one yet


_PROGRAM, _CLUB, _UNREAD = 0, 1, 2


def _fields(model: type[Model], wanted: set[str]) -> tuple[str, ...]:
    # In the model's own field order, which ``Model.from_db`` expects.
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in wanted)


def _frame_sql(
    connection: BaseDatabaseWrapper, programs: tuple[str, ...], clubs: tuple[str, ...], viewer: bool
) -> str:
    # Written once (runstrong/sql.py): every board page and API board answer runs it.
    return written_once(connection, _written_frame_sql, programs, clubs, viewer)


def _written_frame_sql(
    connection: BaseDatabaseWrapper, programs: tuple[str, ...], clubs: tuple[str, ...], viewer: bool
) -> str:
    # Built from the models' own table and column names; the viewer's id is
    # the only value, and it is a parameter.
    def table(model: type[Model]) -> str:
        return sql.table(connection, model)

    def column(model: type[Model], name: str) -> str:
        return sql.column(connection, model, name)

    def padded(values: list[str], version: str = "NULL") -> str:
        # Every part of a UNION has as many columns of the same types as the
        # programs' row, whose last is their board version.
        return ", ".join([*values, *["NULL"] * (len(programs) - len(values)), version])

    program_columns = [f"p.{column(Program, name)}" for name in programs]
    program_version = "v." + column(BoardVersion, "token")
    parts = [
        f"SELECT {_PROGRAM}, {padded(program_columns, program_version)}"  # noqa: S608
        f" FROM {table(Program)} p LEFT JOIN {table(BoardVersion)} v"
        f" ON v.{column(BoardVersion, 'program')} = p.{column(Program, 'id')}"
    ]
    if viewer:
        club_columns = [f"c.{column(Club, name)}" for name in clubs]
        club_version = "c." + column(Club, "members_version")
        parts.append(
            f"SELECT {_CLUB}, {padded(club_columns, club_version)}"  # noqa: S608
            f" FROM {table(Club)} c JOIN {table(Membership)} m"
            f" ON m.{column(Membership, 'club')} = c.{column(Club, 'id')}"
            f" WHERE m.{column(Membership, 'athlete')} = %s"
        )
        parts.append(
            f"SELECT {_UNREAD}, {padded(['COUNT(*)'])} FROM {table(Notification)}"  # noqa: S608
            f" WHERE {column(Notification, 'recipient')} = %s"
            f" AND {column(Notification, 'read_at')} IS NULL"
        )
    return " UNION ALL ".join(parts)


def board_frame(slug: str, viewer: User | None) -> BoardFrame:
    """The program tabs, the viewer's clubs and their unread count, and the board's
    version (the program's token, and each club's member-list token), in one
    statement.

    Every board page needs all of them. As three ORM queries they were about
    0.65 ms of Python per page, a quarter of a logged-in board page at a
    million results; written out as one statement they take about 0.03 ms
    (bench/boards.py). The rows are plain ids and text, so the models are
    built from them directly.
    """
    program_fields = _fields(Program, {"id", "slug", "name", "time_cap_minutes", "source"})
    club_fields = _fields(Club, {"id", "slug", "name"})
    connection = connections[router.db_for_read(Program)]
    with connection.cursor() as cursor:
        cursor.execute(
            _frame_sql(connection, program_fields, club_fields, viewer is not None),
            [viewer.pk, viewer.pk] if viewer is not None else [],
        )
        rows = cursor.fetchall()
    db = connection.alias
    programs = sorted(
        (
            Program.from_db(db, program_fields, row[1 : 1 + len(program_fields)])
            for row in rows
            if row[0] == _PROGRAM
        ),
        key=lambda program: (program.source, program.slug),
    )
    # Each club with its member-list token (the last column): a club board's
    # version is read here too.
    club_fields_read = (*club_fields, "members_version")
    clubs = sorted(
        (
            Club.from_db(db, club_fields_read, (*row[1 : 1 + len(club_fields)], row[-1]))
            for row in rows
            if row[0] == _CLUB
        ),
        key=lambda club: club.name.casefold(),
    )
    unread = next((int(row[1]) for row in rows if row[0] == _UNREAD), 0)
    tokens = {row[1]: row[-1] for row in rows if row[0] == _PROGRAM}
    program = next((program for program in programs if program.slug == slug), None)
    return BoardFrame(
        program=program,
        programs=programs,
        clubs=clubs,
        unread=unread,
        version=tokens.get(program.pk) if program is not None else None,
    )


def today() -> date:
    return timezone.localdate()
