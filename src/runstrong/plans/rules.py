"""Where strength sessions go in a runner's week: pure rules, no Django.

DESIGN §5: two sessions a week at least 48 h apart; strength after the run on a
hard day, never the day before intervals, a long run or a race; none in the
last 7–10 days before a key race; new athletes start at a quarter to half of
the reps. Every placement carries the rules that put it there, so the page
can say why, with the source.

INTERFACE CONTRACT (shared by plans/services.py, plans/calendar.py and the
CLI): the names and signatures below are fixed; bodies are filled in by the
rules work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

WEEKS_AHEAD = 4
MIN_GAP_DAYS = 2  # 48 h between two strength sessions, counted in whole days
TAPER_DAYS = 10  # none in the last 10 days before an A race
RACE_BLOCK_WEEKS = 4  # one a week in the 4 weeks before an A race
REDUCED_WEEKS = 2  # a new athlete's first two weeks at half the reps
FULL_250S_BEFORE_500 = 4  # the 500 is offered once the 250 is done this often


class Day(StrEnum):
    """What the runner usually does on a weekday."""

    REST = "rest"
    EASY = "easy"
    QUALITY = "quality"  # intervals, tempo
    LONG = "long"


# Monday first, seven entries.
Week = tuple[Day, Day, Day, Day, Day, Day, Day]


class Rule(StrEnum):
    """Why a session is where it is (or why it is not)."""

    GAP_48H = "gap-48h"
    AFTER_QUALITY = "after-quality"  # on a hard day, after the run
    EASY_DAY = "easy-day"
    REST_DAY = "rest-day"
    DAY_BEFORE_HARD = "day-before-hard"  # broken only when no other day was left
    TAPER = "taper"
    RACE_BLOCK = "race-block"
    NEW_ATHLETE = "new-athlete"


@dataclass(frozen=True)
class RuleText:
    says: str  # one sentence for the runner
    source: str  # author and year, e.g. "Blagrove et al. 2018"


# Every Rule has an entry (checked by the tests).
RULES: dict[Rule, RuleText] = {}


@dataclass(frozen=True)
class Race:
    day: date
    a_race: bool


@dataclass(frozen=True)
class Wish:
    per_week: int  # 1–3
    program: str  # program slug: "runners-250" or "runners-500"
    race: Race | None = None
    full_250s_done: int = 0  # finished, unscaled 250s so far; 0 = new to the workout


@dataclass(frozen=True)
class Placed:
    day: date
    program: str
    reduced: bool  # the new athlete's half-rep session, recorded as scaled
    rules: tuple[Rule, ...]  # the rules that put it here, most important first
    warning: str | None = None  # set when a rule had to be broken, saying which and why


@dataclass(frozen=True)
class Dropped:
    week_start: date  # the Monday of the week
    count: int  # sessions wished for but not placed
    reason: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Plan:
    start: date
    items: tuple[Placed, ...]  # in date order
    dropped: tuple[Dropped, ...]
    offer_500: bool  # the 250 has been done often enough to offer the 500


def place(week: Week, wish: Wish, start: date, weeks: int = WEEKS_AHEAD) -> Plan:
    """The strength sessions from ``start`` (inclusive) for ``weeks`` weeks."""
    raise NotImplementedError


def move_problems(
    week: Week, wish: Wish, others: Sequence[date], to: date
) -> tuple[tuple[Rule, str], ...]:
    """The rules a session moved to ``to`` would break, given the other planned
    sessions ``others``: empty when the move is fine."""
    raise NotImplementedError


def next_valid_day(
    week: Week, wish: Wish, others: Sequence[date], after: date, limit_days: int = 7
) -> date | None:
    """The first day after ``after`` (within ``limit_days``) where a session
    breaks no rule, or None."""
    raise NotImplementedError
