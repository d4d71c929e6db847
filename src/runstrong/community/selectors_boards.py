"""Reads for the boards: one page of a board, the viewer's own row, the clubs they can pick.

A board is the ``BoardEntry`` rows of one bucket (program, scope, scaled,
period, period start), filtered by sex, age group or club, in the order of
``ranking``. A page is found by keyset (the position of the previous page's
last row, in a signed cursor), never by OFFSET, so page 2,000 costs what
page 1 does; places come from counts on the same index. A page takes a fixed
number of queries whatever its depth: the viewer's entry, the rows (two
range scans when a page straddles the finishers and the capped results),
one aggregate for every count, and the exercise names.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.community import board_cache, ranking
from runstrong.community.models import BoardEntry, Club, Membership
from runstrong.workouts.formatting import format_duration
from runstrong.workouts.models import Exercise, Program

PAGE_SIZE = 25
_MISSING = object()
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# The index order of a bucket (models.BoardEntry "board_entry_rank").
ORDER = ("capped", "-reps_done", "total_s", "started_at", "athlete_id")
ROW_FIELDS = (
    "athlete_id",
    "athlete__display_name",
    "athlete__username",
    "result_id",
    "capped",
    "reps_done",
    "total_s",
    "started_at",
    "core_exercise",
)


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


def _secret() -> bytes:
    return settings.SECRET_KEY.encode()


def _moment(started_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=started_us)


def _position(row: dict[str, Any]) -> ranking.Position:
    return ranking.Position(
        ranking.RankKey.of(
            capped=row["capped"], reps_done=row["reps_done"], total_s=row["total_s"]
        ),
        (row["started_at"] - EPOCH) // timedelta(microseconds=1),
        row["athlete_id"],
    )


def _flag(field: str, value: bool) -> Q:
    """``field = value`` written so the database can use it as an index bound.

    Django writes ``flag=False`` as ``NOT flag``, which SQLite cannot match to
    an index column, so every column after it would be scanned, not sought;
    ``flag IN (false)`` is an equality to both databases.
    """
    return Q(**{f"{field}__in": [value]})


def _bucket(query: BoardQuery, *, club: bool = True) -> QuerySet[BoardEntry]:
    entries = BoardEntry.objects.filter(
        _flag("scaled", query.scaled),
        program_id=query.program.pk,
        scope=query.scope,
        period=query.period,
        period_start=query.period_start,
    )
    if query.sex:
        entries = entries.filter(sex=query.sex)
    if query.age_group:
        entries = entries.filter(age_group=query.age_group)
    if query.club is not None and club:
        entries = entries.filter(
            athlete_id__in=Membership.objects.filter(club_id=query.club.pk).values("athlete_id")
        )
    return entries


def _better_than(key: ranking.RankKey) -> Q:
    """Entries that rank strictly above ``key`` (they take a place ahead of it)."""
    if not key.capped:
        # reps_done = 0 holds for every finisher; saying so lets total_s bound
        # the index range instead of being checked on every finisher.
        return _flag("capped", False) & Q(reps_done=0, total_s__lt=key.total_s)
    return (
        _flag("capped", False)
        | (_flag("capped", True) & Q(reps_done__gt=key.reps_done))
        | (_flag("capped", True) & Q(reps_done=key.reps_done, total_s__lt=key.total_s))
    )


def _tied_before(position: ranking.Position) -> Q:
    """Entries with the same rank key listed before ``position`` (earlier, or lower id)."""
    moment = _moment(position.started_us)
    return (
        _flag("capped", position.key.capped)
        & Q(reps_done=position.key.reps_done, total_s=position.key.total_s)
        & (Q(started_at__lt=moment) | Q(started_at=moment, athlete_id__lt=position.athlete_id))
    )


def _after(position: ranking.Position) -> Q:
    """Entries listed after ``position`` within its own part of the board.

    Written so the database can start an index range at the position: every
    finisher has ``reps_done = 0`` (see ``ranking``), so finishers after it
    are ``total_s >= t`` on that prefix; capped entries after it are
    ``reps_done <= r`` on theirs. The OR below only sorts out exact ties.
    """
    key = position.key
    moment = _moment(position.started_us)
    ties_after = Q(started_at__gt=moment) | Q(started_at=moment, athlete_id__gt=position.athlete_id)
    if not key.capped:
        return (
            _flag("capped", False)
            & Q(reps_done=0, total_s__gte=key.total_s)
            & (Q(total_s__gt=key.total_s) | ties_after)
        )
    return (
        _flag("capped", True)
        & Q(reps_done__lte=key.reps_done)
        & (
            Q(reps_done__lt=key.reps_done)
            | Q(reps_done=key.reps_done, total_s__gt=key.total_s)
            | (Q(reps_done=key.reps_done, total_s=key.total_s) & ties_after)
        )
    )


def _rows_after(
    bucket: QuerySet[BoardEntry], position: ranking.Position | None, limit: int
) -> list[dict[str, Any]]:
    rows = bucket.order_by(*ORDER).values(*ROW_FIELDS)
    if position is None:
        return list(rows[:limit])
    found = list(rows.filter(_after(position))[:limit])
    if len(found) < limit and not position.key.capped:
        # The finishers ran out: the page carries on with the capped results.
        found += list(rows.filter(_flag("capped", True))[: limit - len(found)])
    return found


def _row(row: dict[str, Any], *, rank: int, names: dict[str, str]) -> BoardRow:
    capped = bool(row["capped"])
    day = timezone.localdate(row["started_at"])
    return BoardRow(
        rank=rank,
        athlete_id=row["athlete_id"],
        name=row["athlete__display_name"] or row["athlete__username"],
        time=f"CAP + {row['reps_done']}" if capped else format_duration(row["total_s"] * 1000),
        capped=capped,
        core_exercise=names.get(row["core_exercise"], row["core_exercise"]),
        day=day,
        day_text=f"{day.day} {MONTHS[day.month - 1]}",
        result_id=row["result_id"],
    )


def _exercise_names(slugs: set[str]) -> dict[str, str]:
    return dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "name"))


def _count_better(bucket: QuerySet[BoardEntry], key: ranking.RankKey) -> int:
    """Entries ranked strictly above ``key``: one index range for a finisher's key."""
    return bucket.filter(_better_than(key)).count()


@dataclass(frozen=True)
class _Shared:
    """The part of a page that is the same for every viewer."""

    rows: list[BoardRow]
    next_cursor: str | None
    first: bool


def _shared_page(
    bucket: QuerySet[BoardEntry], position: ranking.Position | None, page_size: int
) -> _Shared:
    found = _rows_after(bucket, position, page_size + 1)
    rows, more = found[:page_size], len(found) > page_size
    ahead = before = 0
    if position is not None and rows:
        # The place of the page's first row, counted on the index: rows
        # strictly better, then those tied with it but listed before it.
        first = _position(rows[0])
        ahead = _count_better(bucket, first.key)
        before = ahead + bucket.filter(_tied_before(first)).count()
    names = _exercise_names({row["core_exercise"] for row in rows})
    keys = [_position(row).key for row in rows]
    ranks = ranking.page_ranks(keys, ahead=ahead, before=before)
    return _Shared(
        rows=[_row(row, rank=rank, names=names) for row, rank in zip(rows, ranks, strict=True)],
        next_cursor=(
            ranking.cursor_encode(_position(rows[-1]), secret=_secret()) if more and rows else None
        ),
        first=before == 0,
    )


def _pinned(query: BoardQuery, viewer_id: int, total: int) -> PinnedRow | None:
    bucket = _bucket(query)
    # The viewer's own entry by the unique index; on a club board the view
    # has already made sure the viewer is a member.
    mine = _bucket(query, club=False).filter(athlete_id=viewer_id).values(*ROW_FIELDS).first()
    if mine is None:
        return None
    rank = _count_better(bucket, _position(mine).key) + 1
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
) -> BoardPage:
    """One page of a board, after ``cursor`` (a bad or stale cursor: the top).

    Pieces already worked out for the board's current version are reused
    (see ``board_cache``); the rest costs a bounded number of queries: the
    rows (one or two index ranges), up to two counts for the first row's
    place, the total, the viewer's entry and its count, the exercise names.
    """
    bucket = _bucket(query)
    position = ranking.cursor_decode(cursor, secret=_secret())
    if query.club is not None:
        return _club_page(query, viewer_id, position, page_size)
    version = board_cache.version(query)
    params = query.cache_key()

    shared = board_cache.SHARED.get(version, (params, position, page_size))
    if shared is None:
        shared = _shared_page(bucket, position, page_size)
        board_cache.SHARED.put(version, (params, position, page_size), shared)
    total = board_cache.TOTALS.get(version, params)
    if total is None:
        total = bucket.count()
        board_cache.TOTALS.put(version, params, total)
    pinned = None
    if viewer_id is not None:
        pinned = board_cache.PINNED.get(version, (params, viewer_id), missing=_MISSING)
        if pinned is _MISSING:
            pinned = _pinned(query, viewer_id, total)
            board_cache.PINNED.put(version, (params, viewer_id), pinned)
    return BoardPage(
        rows=shared.rows,
        total=total,
        pinned=pinned,
        next_cursor=shared.next_cursor,
        first=position is None or shared.first,
        version=version,
        position=position,
    )


def _club_page(
    query: BoardQuery, viewer_id: int | None, position: ranking.Position | None, page_size: int
) -> BoardPage:
    """A club board: its members' rank columns fetched whole, placed in memory.

    A club's board is as long as its member list, so reading every member's
    entry (one unique-index lookup each) and placing them here costs less
    than counting on the index for each place; it is never reused, since
    membership changes it as well.
    """
    # In board order from the database, which also breaks ties by start
    # time, so no timestamps need converting here.
    board = [
        (athlete_id, ranking.RankKey.of(capped=capped, reps_done=reps_done, total_s=total_s))
        for athlete_id, capped, reps_done, total_s in _bucket(query)
        .order_by(*ORDER)
        .values_list("athlete_id", "capped", "reps_done", "total_s")
    ]
    ranks = ranking.competition_ranks([key for _, key in board])
    place = {athlete_id: rank for (athlete_id, _), rank in zip(board, ranks, strict=True)}
    start = ranking.resume_index(board, position)
    shown = board[start : start + page_size]
    more = start + page_size < len(board)
    wanted = [entry[0] for entry in shown]
    if viewer_id is not None and viewer_id in place:
        wanted.append(viewer_id)
    details = {
        row["athlete_id"]: row
        for row in _bucket(query, club=False).filter(athlete_id__in=wanted).values(*ROW_FIELDS)
    }
    names = _exercise_names({row["core_exercise"] for row in details.values()})
    pinned = None
    if viewer_id is not None and viewer_id in details:
        rank = place[viewer_id]
        pinned = PinnedRow(
            row=_row(details[viewer_id], rank=rank, names=names),
            top_percent=ranking.top_percent(rank, len(board)),
        )
    return BoardPage(
        rows=[
            _row(details[entry[0]], rank=place[entry[0]], names=names)
            for entry in shown
            if entry[0] in details
        ],
        total=len(board),
        pinned=pinned,
        next_cursor=(
            ranking.cursor_encode(_position(details[shown[-1][0]]), secret=_secret())
            if more and shown[-1][0] in details
            else None
        ),
        first=start == 0,
        version=None,
        position=position,
    )


def board_programs() -> Sequence[Program]:
    """Programs that have boards: every installed program, built-in ones first."""
    return list(Program.objects.order_by("source", "slug"))


def board_program_tabs(slug: str) -> tuple[Program | None, list[Program]]:
    """The program named by ``slug`` (None if there is none) and every program, for the tabs."""
    programs = list(
        Program.objects.only("id", "slug", "name", "source", "time_cap_minutes").order_by(
            "source", "slug"
        )
    )
    return next((p for p in programs if p.slug == slug), None), programs


def board_clubs(viewer: User | None) -> list[Club]:
    """The clubs whose boards the viewer may open: their own (none for a visitor)."""
    if viewer is None:
        return []
    return list(
        Club.objects.filter(memberships__athlete=viewer).only("id", "slug", "name").order_by("name")
    )


def today() -> date:
    return timezone.localdate()
