"""Where strength sessions go in a runner's week: pure rules, no Django.

DESIGN §5: two sessions a week at least 48 h apart; strength after the run on a
hard day, never the day before intervals, a long run or a race; none in the
last 7–10 days before a key race; new athletes start at a quarter to half of
the reps. Every placement carries the rules that put it there, so the page
can say why, with the source.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

WEEKS_AHEAD = 4
MIN_GAP_DAYS = 2  # 48 h between two strength sessions, counted in whole days
TAPER_DAYS = 10  # none in the last 10 days before an A race
RACE_BLOCK_WEEKS = 4  # one a week in the 4 weeks before an A race
REDUCED_WEEKS = 2  # a new athlete's first two weeks at half the reps
FULL_250S_BEFORE_500 = 4  # the 500 is offered once the 250 is done this often
RECOVERY_DAYS = 3  # none in the days right after an A race


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
    RACE_RECOVERY = "race-recovery"  # the first days after an A race
    PART_WEEK = "part-week"  # a week the plan covers in part: its share of the wish


@dataclass(frozen=True)
class RuleText:
    says: str  # one sentence for the runner
    source: str  # author and year, e.g. "Blagrove et al. 2018"


# Every Rule has an entry (checked by the tests). A study is cited only for what it
# supports; where a rule, or a number in it, is RunStrong's own choice the source says so.
RULES: dict[Rule, RuleText] = {
    Rule.GAP_48H: RuleText(
        says="Two strength sessions are at least 48 hours apart, so your legs recover in "
        "between; the studies that found gains for runners used two or three sessions a week.",
        source="Blagrove et al. 2018 (two or three a week); the 48 h spacing is common "
        "practice, not tested there",
    ),
    Rule.AFTER_QUALITY: RuleText(
        says="On a hard running day the session comes after the run: runners ran worse the "
        "next day when strength came before the run than after it, and the hard work stays "
        "on one day.",
        source="Doma and Deakin 2013",
    ),
    Rule.EASY_DAY: RuleText(
        says="An easy run leaves enough in the legs for a session the same day.",
        source="RunStrong's convention (hard days hard, easy days easy)",
    ),
    Rule.REST_DAY: RuleText(
        says="A rest day can take a session when no running day fits, though it then stops "
        "being a full day off, so running days come first.",
        source="RunStrong's convention",
    ),
    Rule.DAY_BEFORE_HARD: RuleText(
        says="No session the day before intervals, a long run or a race: the day after "
        "strength work, runners tired sooner at a hard pace.",
        source="Doma and Deakin 2013",
    ),
    Rule.TAPER: RuleText(
        says="No strength work in the last 10 days before your A race, nor on any race day, so "
        "you start rested; runners kept their strength gains after 4 weeks without it.",
        source="Bosquet et al. 2007 (two-week tapers); Berryman et al. 2021 (gains kept); "
        "the 10 days are our choice",
    ),
    Rule.RACE_BLOCK: RuleText(
        says="In the 4 weeks before your A race one session a week keeps the strength you "
        "built while the running comes first.",
        source="Rønnestad et al. 2010 (cyclists kept their strength with one session a week)",
    ),
    Rule.NEW_ATHLETE: RuleText(
        says="New to the workout: your first two weeks are at half the reps of each exercise, "
        "then the full program, so soreness does not spoil your runs.",
        source="RunStrong's convention (new athletes start at a quarter to half of the reps)",
    ),
    Rule.RACE_RECOVERY: RuleText(
        says="No strength work in the 3 days after your A race: the legs are still recovering.",
        source="RunStrong's convention",
    ),
    Rule.PART_WEEK: RuleText(
        says="A week the plan covers only in part (it was made mid-week, or a race closes "
        "some days) gets your sessions in proportion to its open days, rounded, so a "
        "session is not squeezed into the last day or two.",
        source="RunStrong's convention",
    ),
}


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
    # Sessions wished for but not placed; 0 for a week whose few open days give no
    # share of the wish (Rule.PART_WEEK), said so the week does not vanish unexplained.
    count: int
    reason: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Plan:
    start: date
    items: tuple[Placed, ...]  # in date order
    dropped: tuple[Dropped, ...]
    offer_500: bool  # the 250 has been done often enough to offer the 500


# ---------------------------------------------------------------------------
# How a day is chosen.
#
# Order of preference for a session's day, and why:
#   1. a quality day, after the run: the hard work stays on one day, so the easy
#      and rest days around it stay easy and recovery is not spread thin;
#   2. an easy day: the run asks little, the session fits beside it;
#   3. a rest day: acceptable, but it then stops being a full day off;
#   4. a long-run day, after the run: allowed (it is a hard day), but a 250-rep
#      circuit after a long run is the hardest to do well, so it comes last.
# Never the day before a quality or long run (or a race). That rule is bent, with a
# warning, only to reach the two sessions a week the studies used (BEND_UP_TO): a
# third session is never worth tiring the legs before a hard run, so it is dropped.
# Between equally good choices: the most even spread over the week (two sessions
# about 3–4 days apart), then the most days between each session and the next hard
# run, then the earliest days; so the same input always gives the same plan.

HARD_DAYS = frozenset({Day.QUALITY, Day.LONG})
_PREFERENCE = {Day.QUALITY: 0, Day.EASY: 1, Day.REST: 2, Day.LONG: 3}
_DAY_RULE = {
    Day.QUALITY: Rule.AFTER_QUALITY,
    Day.LONG: Rule.AFTER_QUALITY,
    Day.EASY: Rule.EASY_DAY,
    Day.REST: Rule.REST_DAY,
}
BEND_UP_TO = 2  # the day-before rule is broken only to reach this many a week
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_name(day: date) -> str:
    """'Tuesday 8 December', independent of the locale."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_kind(week: Week, day: date) -> Day:
    return week[day.weekday()]


def hard_tomorrow(week: Week, wish: Wish, day: date) -> str | None:
    """What makes ``day`` the day before a hard run ("your long run on Sunday"), or None."""
    tomorrow = day + timedelta(days=1)
    if wish.race is not None and wish.race.day == tomorrow:
        return f"your race on {day_name(tomorrow)}"
    kind = day_kind(week, tomorrow)
    if kind in HARD_DAYS:
        run = "long run" if kind is Day.LONG else "quality run"
        return f"your {run} on {_WEEKDAYS[tomorrow.weekday()]}"
    return None


def in_taper(wish: Wish, day: date) -> bool:
    """A day with no strength at all: an A race's last TAPER_DAYS days, or any race day."""
    race = wish.race
    if race is None:
        return False
    if race.a_race:
        return race.day - timedelta(days=TAPER_DAYS) <= day <= race.day
    return day == race.day


def in_recovery(wish: Wish, day: date) -> bool:
    """One of the RECOVERY_DAYS days after an A race."""
    race = wish.race
    return (
        race is not None
        and race.a_race
        and race.day < day <= race.day + timedelta(days=RECOVERY_DAYS)
    )


def closed_by(wish: Wish, day: date) -> Rule | None:
    """The rule that keeps all strength off ``day``, or None."""
    if in_taper(wish, day):
        return Rule.TAPER
    if in_recovery(wish, day):
        return Rule.RACE_RECOVERY
    return None


def in_race_block(wish: Wish, monday: date) -> bool:
    """Whether the calendar week from ``monday`` has a day in the RACE_BLOCK_WEEKS
    before an A race: such a week gets at most one session."""
    race = wish.race
    if race is None or not race.a_race:
        return False
    block_start = race.day - timedelta(days=7 * RACE_BLOCK_WEEKS)
    return monday <= race.day - timedelta(days=1) and monday + timedelta(days=6) >= block_start


def week_target(per_week: int, open_days: int) -> int:
    """Sessions wished for in a week with ``open_days`` days open to strength: the
    whole wish in a full week, in proportion (rounded half up) in a week the plan
    only partly covers or that a taper closes."""
    return (2 * per_week * open_days + 7) // 14


def _gaps_ok(days: Sequence[date], previous: date | None) -> bool:
    chain = ([previous] if previous is not None else []) + list(days)
    return all(
        (later - earlier).days >= MIN_GAP_DAYS for earlier, later in itertools.pairwise(chain)
    )


def _score(
    week: Week, wish: Wish, days: tuple[date, ...], previous: date | None
) -> tuple[float, ...]:
    bends = sum(1 for day in days if hard_tomorrow(week, wish, day) is not None)
    preference = sum(_PREFERENCE[day_kind(week, day)] for day in days)
    # Spread: short gaps cost; the gap from the week's last session round to its
    # first counts too, so the same days can be repeated week after week.
    ideal = 7 / len(days)
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    if len(days) > 1:
        gaps.append(7 - (days[-1].weekday() - days[0].weekday()))
    if previous is not None and (days[0] - previous).days < 7:
        gaps.append((days[0] - previous).days)
    spread = sum((ideal - gap) ** 2 for gap in gaps if gap < ideal)
    room = sum(_days_to_hard(week, wish, day) for day in days)
    return (bends, preference, round(spread, 6), -room, *(day.toordinal() for day in days))


def _days_to_hard(week: Week, wish: Wish, day: date) -> int:
    for ahead in range(1, 8):
        later = day + timedelta(days=ahead)
        if day_kind(week, later) in HARD_DAYS or (wish.race is not None and wish.race.day == later):
            return ahead
    return 8


def _best(
    week: Week,
    wish: Wish,
    open_days: Sequence[date],
    count: int,
    previous: date | None,
    *,
    bending: bool,
) -> tuple[date, ...] | None:
    best: tuple[date, ...] | None = None
    best_score: tuple[float, ...] = ()
    for days in itertools.combinations(open_days, count):
        if not _gaps_ok(days, previous):
            continue
        if not bending and any(hard_tomorrow(week, wish, day) for day in days):
            continue
        score = _score(week, wish, days, previous)
        if best is None or score < best_score:
            best, best_score = days, score
    return best


def _choose(
    week: Week, wish: Wish, open_days: Sequence[date], target: int, previous: date | None
) -> tuple[date, ...]:
    """The days for one week's ``target`` sessions: as many as fit without breaking a
    rule, then, up to BEND_UP_TO, the fewest days before a hard run."""
    clean: tuple[date, ...] = ()
    for count in range(target, 0, -1):
        found = _best(week, wish, open_days, count, previous, bending=False)
        if found is not None:
            clean = found
            break
    for count in range(min(target, BEND_UP_TO), len(clean), -1):
        found = _best(week, wish, open_days, count, previous, bending=True)
        if found is not None:
            return found
    return clean


def _most_that_fit(open_days: Sequence[date], target: int, previous: date | None) -> int:
    for count in range(target, 0, -1):
        if any(_gaps_ok(days, previous) for days in itertools.combinations(open_days, count)):
            return count
    return 0


def _dropped(
    monday: date,
    open_days: Sequence[date],
    target: int,
    placed: int,
    previous: date | None,
    closed: tuple[Rule, ...],
) -> Dropped:
    missing = target - placed
    if _most_that_fit(open_days, target, previous) > placed:
        # More would fit 48 h apart, but only on days before a hard run, and that rule
        # is bent only for the first BEND_UP_TO sessions of a week (see _choose).
        reason = (
            f"{missing} of {target} sessions dropped: the only days left 48 hours from the "
            "others are the day before a quality or long run, and a session beyond the "
            "second a week is not worth tiring your legs for one."
        )
        rules: tuple[Rule, ...] = (Rule.DAY_BEFORE_HARD, Rule.GAP_48H)
    else:
        reason = (
            f"{missing} of {target} sessions dropped: the days left this week are not "
            "48 hours apart from the other sessions."
        )
        rules = (Rule.GAP_48H,)
    rules = (*rules, *closed)
    return Dropped(week_start=monday, count=missing, reason=reason, rules=rules)


def _none_in_part_week(
    wish: Wish, monday: date, open_days: Sequence[date], closed: tuple[Rule, ...]
) -> Dropped:
    names = [_WEEKDAYS[day.weekday()] for day in open_days]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    sessions = f"{wish.per_week} session{'s' if wish.per_week != 1 else ''}"
    reason = (
        f"No session this week: only {listed} {'is' if len(names) == 1 else 'are'} open to "
        f"the plan, too few for a share of your {sessions} a week "
        f"({wish.per_week}\u00a0×\u00a0{len(names)}/7 rounds to\u00a00)."
    )  # no-break spaces: the sum stays on one line
    return Dropped(week_start=monday, count=0, reason=reason, rules=(Rule.PART_WEEK, *closed))


def place(
    week: Week,
    wish: Wish,
    start: date,
    weeks: int = WEEKS_AHEAD,
    last_session: date | None = None,
) -> Plan:
    """The strength sessions from ``start`` (inclusive) for ``weeks`` weeks.

    ``last_session`` is the day of the last strength session done before ``start``
    (if known), kept 48 h from the first one placed. Weeks are calendar weeks
    (Monday first); a week the plan covers only in part, or that a taper closes in
    part, gets the wish in proportion to its open days (see ``week_target``). Which
    days are chosen, and in what order of preference, is explained above HARD_DAYS.
    """
    end = start + timedelta(days=7 * weeks)
    reduced_until = start + timedelta(days=7 * REDUCED_WEEKS)
    new_athlete = wish.full_250s_done == 0
    items: list[Placed] = []
    dropped: list[Dropped] = []
    previous = last_session
    monday = monday_of(start)
    while monday < end:
        in_window = [
            day
            for day in (monday + timedelta(days=offset) for offset in range(7))
            if start <= day < end
        ]
        closing = {day: closed_by(wish, day) for day in in_window}
        open_days = [day for day in in_window if closing[day] is None]
        closed = tuple(sorted({rule for rule in closing.values() if rule is not None}))
        block = in_race_block(wish, monday)
        target = week_target(wish.per_week, len(open_days))
        if block:
            # At most one a week, and a session done earlier this week counts.
            done = last_session is not None and monday_of(last_session) == monday
            target = min(target, 0 if done else 1)
        # A week the plan's start cuts, or a race closes in part (not one cut by the
        # plan's end: the next placement covers the rest of it).
        if target == 0 and open_days and not block and in_window[-1].weekday() == 6:
            dropped.append(_none_in_part_week(wish, monday, open_days, closed))
        chosen = _choose(week, wish, open_days, target, previous)
        for day in chosen:
            reduced = new_athlete and day < reduced_until
            items.append(_placed(week, wish, day, reduced=reduced, block=block))
        if len(chosen) < target:
            dropped.append(
                _dropped(
                    monday,
                    open_days,
                    target,
                    len(chosen),
                    previous,
                    closed=closed,
                )
            )
        if chosen:
            previous = chosen[-1]
        monday += timedelta(days=7)
    return Plan(
        start=start,
        items=tuple(items),
        dropped=tuple(dropped),
        offer_500=wish.full_250s_done >= FULL_250S_BEFORE_500,
    )


def _placed(week: Week, wish: Wish, day: date, *, reduced: bool, block: bool) -> Placed:
    rules = [_DAY_RULE[day_kind(week, day)]]
    warning = None
    before = hard_tomorrow(week, wish, day)
    if before is not None:
        rules.append(Rule.DAY_BEFORE_HARD)
        warning = (
            f"The day before {before}: every other day this week is too close to another "
            "session or also the day before a hard run, and two sessions a week matter "
            "more. Keep it light, or move it."
        )
    rules.append(Rule.GAP_48H)
    if block:
        rules.append(Rule.RACE_BLOCK)
    if reduced:
        rules.append(Rule.NEW_ATHLETE)
    return Placed(
        day=day, program=wish.program, reduced=reduced, rules=tuple(rules), warning=warning
    )


def move_problems(
    week: Week, wish: Wish, others: Sequence[date], to: date
) -> tuple[tuple[Rule, str], ...]:
    """The rules a session moved to ``to`` would break, given the other planned
    sessions ``others``: empty when the move is fine.

    ``others`` are the other sessions (planned or done), not the one being moved.
    One entry per rule broken, most serious first, each with a sentence for the page.
    """
    problems: list[tuple[Rule, str]] = []
    race = wish.race
    if race is not None and in_recovery(wish, to):
        problems.append(
            (
                Rule.RACE_RECOVERY,
                f"{day_name(to)} is in the {RECOVERY_DAYS} days after your race.",
            )
        )
    if in_taper(wish, to) and race is not None:
        if to == race.day:
            problems.append((Rule.TAPER, f"{day_name(to)} is your race day."))
        else:
            problems.append(
                (
                    Rule.TAPER,
                    f"{day_name(to)} is in the last {TAPER_DAYS} days before your race "
                    f"on {day_name(race.day)}.",
                )
            )
    near = sorted(day for day in others if abs((to - day).days) < MIN_GAP_DAYS)
    if near:
        problems.append(
            (
                Rule.GAP_48H,
                f"Less than 48 hours from the session on {day_name(near[0])}.",
            )
        )
    monday = monday_of(to)
    if in_race_block(wish, monday):
        same_week = sorted(day for day in others if monday_of(day) == monday and day != to)
        if same_week:
            problems.append(
                (
                    Rule.RACE_BLOCK,
                    f"One session a week in the {RACE_BLOCK_WEEKS} weeks before your race, "
                    f"and this week already has one on {day_name(same_week[0])}.",
                )
            )
    before = hard_tomorrow(week, wish, to)
    if before is not None:
        problems.append((Rule.DAY_BEFORE_HARD, f"{day_name(to)} is the day before {before}."))
    return tuple(problems)


def next_valid_day(
    week: Week, wish: Wish, others: Sequence[date], after: date, limit_days: int = 7
) -> date | None:
    """The first day after ``after`` (within ``limit_days``) where a session
    breaks no rule, or None."""
    for ahead in range(1, limit_days + 1):
        day = after + timedelta(days=ahead)
        if not move_problems(week, wish, others, day):
            return day
    return None
