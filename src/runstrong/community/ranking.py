"""Pure: who stands on a board, in what order, in which bucket, and how a page is found.

Nothing here imports Django, so the rules are tested fast and shared by the
services that keep ``BoardEntry`` rows, the selectors that read them, the
``board_rebuild`` command and the benchmark that seeds a million results.

The order of a board
    Finishers first, fastest first, by total time in whole seconds (the
    precision the board shows, so two athletes who read the same time share
    a place). Results stopped by the time cap come after every finisher, as
    "CAP + reps": more reps first. Ties share a place and the next place is
    skipped (standard competition ranking: 1, 2, 2, 4). Within a tie the
    earlier result is listed first, then the lower athlete id, so every row
    has one fixed position for keyset pagination.

The rank columns stored on an entry
    ``(capped, reps_done, total_s)``. A finisher stores ``reps_done = 0``:
    reps do not order finishers (a scaled athlete who cut reps is still ranked
    by time), and a constant lets the board index hold finishers in time
    order right after its ``-reps_done`` column, so a page is one index range.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# ---------------------------------------------------------------------------
# Constants shared with the models, forms and the social part of the app.

# One-tap reactions on a result, in the order they are offered.
CHEER_KINDS: Mapping[str, str] = {
    "cheer": "Cheer",
    "pr": "PR!",
    "strong": "Strong",
    "grit": "Grit",
}

# Why someone flags a result, in the order they are offered.
FLAG_REASONS: Mapping[str, str] = {
    "too-fast": "Faster than seems possible",
    "reps": "Reps look miscounted or skipped",
    "wrong-program": "Not the program it claims",
    "offensive": "Offensive name or content",
    "other": "Something else",
}

PUBLIC = "public"
CLUBS = "clubs"
PRIVATE = "private"
SCOPES = (PUBLIC, CLUBS)

WEEK = "week"
MONTH = "month"
YEAR = "year"
ALL = "all"
PERIODS = (WEEK, MONTH, YEAR, ALL)
# The one bucket start of the all-time board: any fixed date will do.
ALL_TIME_START = date(2000, 1, 1)

REVIEW_CLEARED = "cleared"
REVIEW_FLAGGED = "flagged"
REVIEW_CONFIRMED = "confirmed"

# HYROX-style age groups: 16-24, then five-year bands, then 70 and over.
YOUNGEST_AGE = 16
AGE_GROUPS: tuple[str, ...] = (
    "16-24",
    *(f"{low}-{low + 4}" for low in range(25, 70, 5)),
    "70+",
)

SEXES = ("f", "m")


# ---------------------------------------------------------------------------
# Who stands on a board.


def eligible(
    *,
    scope: str,
    visibility: str,
    on_boards: bool,
    unverified: bool,
    review: str,
    manual: bool = False,
) -> bool:
    """May a result stand on boards of ``scope``?

    The public scope shows only results everyone may see; the clubs scope
    (club boards) also those shown to the athlete's clubs. A result the athlete
    keeps off the boards, or a private one, never stands. A flagged result
    waits for a moderator; a confirmed one is out for good; an unverified one
    (faster than the plausible floors) stands only once a moderator cleared it.
    A result logged by hand (``manual``) never stands: no event log backs it,
    so neither the floors nor a moderator can check it.
    """
    if manual or not on_boards or visibility not in (PUBLIC, CLUBS):
        return False
    if scope == PUBLIC and visibility != PUBLIC:
        return False
    if scope not in SCOPES:
        return False
    if review in (REVIEW_FLAGGED, REVIEW_CONFIRMED):
        return False
    return not unverified or review == REVIEW_CLEARED


# ---------------------------------------------------------------------------
# Order.


@dataclass(frozen=True, order=True)
class RankKey:
    """What decides a place; equal keys share it.

    Compared as a tuple: ``(capped, -reps_done, total_s)``, smaller is better.
    """

    capped: bool
    minus_reps: int
    total_s: int

    @classmethod
    def of(cls, *, capped: bool, reps_done: int, total_s: int) -> RankKey:
        return cls(capped, -reps_done, total_s)

    @property
    def reps_done(self) -> int:
        return -self.minus_reps


def rank_columns(*, capped: bool, reps_at_cap: int | None, total_ms: int) -> RankKey:
    """A result's rank columns: whole seconds, and reps only for a capped result."""
    total_s = max(0, total_ms) // 1000
    if capped:
        return RankKey.of(capped=True, reps_done=reps_at_cap or 0, total_s=total_s)
    return RankKey.of(capped=False, reps_done=0, total_s=total_s)


@dataclass(frozen=True, order=True)
class Position:
    """Where a row stands in the board's total order (its rank key, then the tie-breaks).

    ``started_us`` is the result's start in microseconds since the epoch.
    """

    key: RankKey
    started_us: int
    athlete_id: int


def page_ranks(keys: Sequence[object], *, ahead: int, before: int) -> list[int]:
    """Places of a page's consecutive rows with standard competition ranking.

    ``keys`` are the rows' rank keys (``RankKey``, or any values equal exactly
    when the rank keys are).

    ``ahead``: rows on the whole board strictly better than the first row;
    ``before``: rows ordered before it (``ahead`` plus earlier rows tied with
    it). A row tied with the one above shares its place; any other row's place
    is one more than the number of rows above it.
    """
    ranks: list[int] = []
    for index, key in enumerate(keys):
        if index == 0:
            ranks.append(ahead + 1)
        elif key == keys[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(before + index + 1)
    return ranks


def competition_ranks(keys: Sequence[object]) -> list[int]:
    """Places of a whole board listed in order (1, 2, 2, 4…)."""
    return page_ranks(keys, ahead=0, before=0)


def resume_index(board: Sequence[tuple[int, RankKey]], after: Position | None) -> int:
    """Where the page after ``after`` starts in a board held whole in memory,
    listed in board order as (athlete id, rank key) — small boards such as a club's.

    Normally just past the cursor's own row; if that row has moved or gone
    (the athlete improved, left the club), just past every row ranked at or
    above the cursor's rank key, so the next page still follows on.
    """
    if after is None:
        return 0
    for index, (athlete_id, key) in enumerate(board):
        if athlete_id == after.athlete_id and key == after.key:
            return index + 1
    return next((n for n, (_, key) in enumerate(board) if key > after.key), len(board))


def top_percent(rank: int, total: int) -> int:
    """``rank`` of ``total`` as "top N %": 1 for the leaders, 100 for the last place.

    Rounded up, so the top 1 % means within the first hundredth of the board.
    """
    if total <= 0 or rank <= 0:
        return 100
    return max(1, min(100, -(-rank * 100 // total)))


# ---------------------------------------------------------------------------
# Filters.


def age_group(*, birth_year: int | None, year: int) -> str:
    """The HYROX-style age group in ``year`` (the result's year): "" when unknown or under 16."""
    if birth_year is None:
        return ""
    age = year - birth_year
    if age < YOUNGEST_AGE:
        return ""
    if age < 25:
        return AGE_GROUPS[0]
    if age >= 70:
        return AGE_GROUPS[-1]
    low = age - age % 5
    return f"{low}-{low + 4}"


def period_start(period: str, day: date) -> date:
    """The first day of the period holding ``day``: Monday (ISO week), the 1st, 1 January."""
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    if period == YEAR:
        return day.replace(month=1, day=1)
    if period == ALL:
        return ALL_TIME_START
    raise ValueError(f"unknown period {period!r}")


def period_starts(day: date) -> dict[str, date]:
    return {period: period_start(period, day) for period in PERIODS}


# ---------------------------------------------------------------------------
# An athlete's entries, from their results.


@dataclass(frozen=True)
class ResultFacts:
    """What the board needs of one result (copied from ``workouts.Result``).

    ``day`` is the local date the result was done on; ``started_at`` is only
    carried through to the entry.
    """

    result_id: int
    program_id: int
    day: date
    started_at: datetime
    started_us: int
    total_ms: int
    capped: bool
    reps_at_cap: int | None
    scaled: bool
    visibility: str
    on_boards: bool
    unverified: bool
    review: str
    core_exercise: str
    manual: bool = False


@dataclass(frozen=True)
class Bucket:
    program_id: int
    scope: str
    scaled: bool
    period: str
    period_start: date


@dataclass(frozen=True)
class EntrySpec:
    """One ``BoardEntry`` row as it should be."""

    bucket: Bucket
    athlete_id: int
    result_id: int
    key: RankKey
    started_at: datetime
    sex: str
    age_group: str
    core_exercise: str

    def columns(self) -> dict[str, object]:
        """The model's field values (``*_id`` for foreign keys)."""
        return {
            "program_id": self.bucket.program_id,
            "scope": self.bucket.scope,
            "scaled": self.bucket.scaled,
            "period": self.bucket.period,
            "period_start": self.bucket.period_start,
            "athlete_id": self.athlete_id,
            "result_id": self.result_id,
            "capped": self.key.capped,
            "reps_done": self.key.reps_done,
            "total_s": self.key.total_s,
            "started_at": self.started_at,
            "sex": self.sex,
            "age_group": self.age_group,
            "core_exercise": self.core_exercise,
        }


def board_entries(
    results: Iterable[ResultFacts], *, athlete_id: int, sex: str, birth_year: int | None
) -> list[EntrySpec]:
    """An athlete's best eligible result in every bucket they have one in.

    The best is the lowest ``Position``; an exact tie keeps the earlier result
    (who did it first), then the lower result id.
    """
    best: dict[Bucket, tuple[tuple[RankKey, int, int], ResultFacts]] = {}
    for facts in results:
        key = rank_columns(
            capped=facts.capped, reps_at_cap=facts.reps_at_cap, total_ms=facts.total_ms
        )
        order = (key, facts.started_us, facts.result_id)
        for scope in SCOPES:
            if not eligible(
                scope=scope,
                visibility=facts.visibility,
                on_boards=facts.on_boards,
                unverified=facts.unverified,
                review=facts.review,
                manual=facts.manual,
            ):
                continue
            for period, start in period_starts(facts.day).items():
                bucket = Bucket(facts.program_id, scope, facts.scaled, period, start)
                held = best.get(bucket)
                if held is None or order < held[0]:
                    best[bucket] = (order, facts)
    sex = sex if sex in SEXES else ""
    return [
        EntrySpec(
            bucket=bucket,
            athlete_id=athlete_id,
            result_id=facts.result_id,
            key=order[0],
            started_at=facts.started_at,
            sex=sex,
            age_group=age_group(birth_year=birth_year, year=facts.day.year),
            core_exercise=facts.core_exercise,
        )
        for bucket, (order, facts) in best.items()
    ]


# ---------------------------------------------------------------------------
# Keyset cursors: the position of the last row of a page, signed, with its place.

_CURSOR_FIELDS = 5
_PLACE_FIELDS = 4
_CURSOR_MAX_LENGTH = 200
_SIGNATURE_BYTES = 12
_BOARD_TAG_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Place:
    """Where a page's last row stood when the page was made, and on which board.

    ``rank``: its place; ``ordinal``: how many rows were listed up to and
    including it. ``board`` names the board and the version it was counted
    on (``board_cache``), ``issued`` when (seconds since the epoch): while
    both still hold, the next page's places follow from these two numbers
    and need no count on the index.
    """

    rank: int
    ordinal: int
    board: str
    issued: int


@dataclass(frozen=True)
class Cursor:
    position: Position
    place: Place | None = None


def resume_counts(last: RankKey, place: Place, first: RankKey) -> tuple[int, int]:
    """``(ahead, before)`` for ``page_ranks`` of the page after a row at ``place``
    whose rank key was ``last``, when that page starts with a row of key ``first``.

    Every row up to the last one is listed before the new first row; the rows
    strictly better than it are those same rows, unless it is tied with the
    last one, which then passes its own place on.
    """
    before = place.ordinal
    ahead = place.rank - 1 if first == last else before
    return ahead, before


def _signature(payload: bytes, secret: bytes) -> bytes:
    digest = hmac.new(secret, b"runstrong.board-cursor:" + payload, hashlib.sha256).digest()
    return digest[:_SIGNATURE_BYTES]


def cursor_encode(position: Position, *, secret: bytes, place: Place | None = None) -> str:
    """An opaque token for "the rows after this one" (URL-safe, signed)."""
    fields: list[object] = [
        int(position.key.capped),
        position.key.reps_done,
        position.key.total_s,
        position.started_us,
        position.athlete_id,
    ]
    if place is not None:
        fields += [place.rank, place.ordinal, place.board, place.issued]
    payload = ".".join(str(field) for field in fields).encode()
    token = base64.urlsafe_b64encode(_signature(payload, secret) + payload)
    return token.decode().rstrip("=")


def cursor_read(token: str | None, *, secret: bytes) -> Cursor | None:
    """The position (and place, if it carries one) a token names, or None for
    anything not made by ``cursor_encode``.

    A missing, truncated, edited or forged token means "start at the top":
    never an error page. A token without a place (made before places were
    carried) still names its position.
    """
    if not token or len(token) > _CURSOR_MAX_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _signature(payload, secret)):
        return None
    try:
        parts = payload.decode("ascii").split(".")
    except UnicodeDecodeError:
        return None
    if len(parts) not in (_CURSOR_FIELDS, _CURSOR_FIELDS + _PLACE_FIELDS):
        return None
    try:
        fields = [int(part) for part in parts[:_CURSOR_FIELDS]]
    except ValueError:
        return None
    if any(number < 0 for number in fields[1:]):
        return None
    capped, reps_done, total_s, started_us, athlete_id = fields
    if capped not in (0, 1):
        return None
    position = Position(
        RankKey.of(capped=bool(capped), reps_done=reps_done, total_s=total_s),
        started_us,
        athlete_id,
    )
    if len(parts) == _CURSOR_FIELDS:
        return Cursor(position)
    rank_text, ordinal_text, board, issued_text = parts[_CURSOR_FIELDS:]
    try:
        rank, ordinal, issued = int(rank_text), int(ordinal_text), int(issued_text)
    except ValueError:
        return None
    if not board or not set(board) <= _BOARD_TAG_CHARS or not 1 <= rank <= ordinal:
        return None
    return Cursor(position, Place(rank, ordinal, board, issued))


def cursor_decode(token: str | None, *, secret: bytes) -> Position | None:
    """The position a token names (see ``cursor_read``), or None."""
    cursor = cursor_read(token, secret=secret)
    return cursor.position if cursor is not None else None
