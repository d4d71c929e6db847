"""The runner's usual week, guessed from their imported runs: pure, no Django.

How it guesses, from the runs of the LOOKBACK_WEEKS whole calendar weeks before the
week of ``today`` (whole weeks, so every weekday is counted the same number of
times; several runs on one day count as one running day):

- a weekday is a running day when it has a run in at least half of the weeks that
  have any run (RUNNING_DAY_SHARE): a runner who misses a week on holiday still
  has their usual days, one who ran on a Wednesday twice in eight weeks does not;
- the long run is the running weekday that most often holds the week's longest run
  (by time, which does not depend on terrain or GPS), when it does so in at least
  half of the weeks it was run and those runs are clearly longer (LONG_FACTOR: a
  quarter) than the median of the week's other runs;
- a quality day is a running weekday where at least half of the runs (and at least
  two) were clearly faster than the median pace (FAST_FACTOR: 8% less time per
  kilometre) or had a clearly higher average heart rate than the median
  (HR_FACTOR: 5%, about 7 beats at 140): intervals often average no faster than an
  easy run once the recoveries are counted, but the heart rate shows them;
- the other running days are easy, and the remaining days rest.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from runstrong.plans.rules import Day, Week, monday_of

LOOKBACK_WEEKS = 8
MIN_RUNS = 8  # fewer runs than this in the lookback: no guess
MIN_WEEKS = 3  # runs in fewer weeks than this: no guess (one busy week is not a habit)
RUNNING_DAY_SHARE = 0.5
LONG_FACTOR = 1.25
FAST_FACTOR = 0.92
HR_FACTOR = 1.05
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class RunFact:
    """What the guess needs from one run (runs.models.Activity, reduced)."""

    day: date  # local date the run started
    duration_s: float
    distance_m: float
    mean_hr: float | None  # average beats per minute, None without heart rate


@dataclass(frozen=True)
class Guess:
    week: Week | None  # None: not enough runs to say
    runs_used: int
    notes: tuple[str, ...]  # one line per thing guessed, for the page ("Sunday: long — ...")


@dataclass(frozen=True)
class _RunDay:
    """All the running of one date."""

    day: date
    duration_s: float
    distance_m: float
    mean_hr: float | None

    @property
    def pace_s_per_m(self) -> float | None:
        return self.duration_s / self.distance_m if self.distance_m > 0 else None


def _run_days(runs: Sequence[RunFact]) -> list[_RunDay]:
    by_day: dict[date, list[RunFact]] = {}
    for run in runs:
        by_day.setdefault(run.day, []).append(run)
    days = []
    for day in sorted(by_day):
        same_day = by_day[day]
        with_hr = [run for run in same_day if run.mean_hr is not None and run.duration_s > 0]
        hr_time = sum(run.duration_s for run in with_hr)
        mean_hr = (
            sum(run.duration_s * (run.mean_hr or 0.0) for run in with_hr) / hr_time
            if hr_time > 0
            else None
        )
        days.append(
            _RunDay(
                day=day,
                duration_s=sum(run.duration_s for run in same_day),
                distance_m=sum(max(run.distance_m, 0.0) for run in same_day),
                mean_hr=mean_hr,
            )
        )
    return days


def _no_guess(runs_used: int, note: str) -> Guess:
    return Guess(week=None, runs_used=runs_used, notes=(note,))


def guess_week(runs: Sequence[RunFact], today: date) -> Guess:
    """Guess from the runs of the ``LOOKBACK_WEEKS`` weeks before ``today``."""
    until = monday_of(today)
    since = until - timedelta(days=7 * LOOKBACK_WEEKS)
    kept = [run for run in runs if since <= run.day < until and run.duration_s > 0]
    if not kept:
        return _no_guess(
            0, f"No runs in the {LOOKBACK_WEEKS} weeks before this one: set your week by hand."
        )
    if len(kept) < MIN_RUNS:
        return _no_guess(
            len(kept),
            f"Only {len(kept)} run{'s' if len(kept) != 1 else ''} in the {LOOKBACK_WEEKS} "
            f"weeks before this one: {MIN_RUNS} are needed to guess your week, so set it "
            "by hand.",
        )
    days = _run_days(kept)
    weeks = sorted({monday_of(day.day) for day in days})
    if len(weeks) < MIN_WEEKS:
        return _no_guess(
            len(kept),
            f"Your {len(kept)} runs fall in only {len(weeks)} of the {LOOKBACK_WEEKS} weeks "
            f"before this one: runs in {MIN_WEEKS} weeks are needed to guess your week, so "
            "set it by hand.",
        )

    weeks_run = Counter(day.day.weekday() for day in days)
    running = {
        weekday for weekday in range(7) if weeks_run[weekday] >= RUNNING_DAY_SHARE * len(weeks)
    }
    if not running:
        return _no_guess(
            len(kept),
            f"Your {len(kept)} runs fall on different weekdays from week to week: no day has "
            "a run in half of the weeks, so set your week by hand.",
        )
    long_day, long_note = _long_day(days, weeks, weeks_run, running)
    quality, quality_notes = _quality_days(days, weeks_run, running - {long_day})

    kinds: list[Day] = []
    notes = [
        f"Guessed from {len(kept)} runs in the {LOOKBACK_WEEKS} weeks before this one "
        f"({len(weeks)} of them with runs)."
    ]
    for weekday in range(7):
        name = _WEEKDAYS[weekday]
        if weekday == long_day:
            kinds.append(Day.LONG)
            notes.append(f"{name}: long run — {long_note}.")
        elif weekday in quality:
            kinds.append(Day.QUALITY)
            notes.append(f"{name}: quality — {quality_notes[weekday]}.")
        elif weekday in running:
            kinds.append(Day.EASY)
            notes.append(f"{name}: easy — a run in {weeks_run[weekday]} of {len(weeks)} weeks.")
        else:
            kinds.append(Day.REST)
    rest = [_WEEKDAYS[weekday] for weekday in range(7) if weekday not in running]
    if rest:
        notes.append(
            f"Rest: {', '.join(rest)} — a run in fewer than half of the {len(weeks)} weeks."
        )
    week: Week = (kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], kinds[6])
    return Guess(week=week, runs_used=len(kept), notes=tuple(notes))


def _long_day(
    days: Sequence[_RunDay], weeks: Sequence[date], weeks_run: Counter[int], running: set[int]
) -> tuple[int | None, str]:
    """The weekday of the long run and the note saying why, or (None, "")."""
    longest_of_week: list[_RunDay] = []
    for monday in weeks:
        in_week = [day for day in days if monday_of(day.day) == monday]
        # The longest by time; a tie goes to the later day (long runs sit at weekends).
        longest_of_week.append(max(in_week, key=lambda day: (day.duration_s, day.day)))
    longest_on = Counter(day.day.weekday() for day in longest_of_week)
    # "Clearly longer" is measured against the week's other runs, not all runs: with
    # two runs a week the median of all would sit halfway between the two.
    others = [day.duration_s for day in days if day not in longest_of_week]
    if not others:
        return None, ""  # one run a week: nothing to be longer than
    usual_s = statistics.median(others)
    candidates = [
        weekday
        for weekday in running
        if longest_on[weekday] * 2 >= weeks_run[weekday]
        and statistics.median(
            day.duration_s for day in longest_of_week if day.day.weekday() == weekday
        )
        >= LONG_FACTOR * usual_s
    ]
    if not candidates:
        return None, ""
    long_day = max(candidates, key=lambda weekday: (longest_on[weekday], weekday))
    return long_day, f"the week's longest in {longest_on[long_day]} of {len(weeks)} weeks"


def _quality_days(
    days: Sequence[_RunDay], weeks_run: Counter[int], candidates: set[int]
) -> tuple[set[int], dict[int, str]]:
    """The quality weekdays among ``candidates``, each with its note."""
    paces = [pace for day in days if (pace := day.pace_s_per_m) is not None]
    rates = [day.mean_hr for day in days if day.mean_hr is not None]
    median_pace = statistics.median(paces) if paces else None
    median_hr = statistics.median(rates) if rates else None
    quality: set[int] = set()
    notes: dict[int, str] = {}
    for weekday in sorted(candidates):
        on_day = [day for day in days if day.day.weekday() == weekday]
        fast = [
            day
            for day in on_day
            if median_pace is not None
            and day.pace_s_per_m is not None
            and day.pace_s_per_m <= FAST_FACTOR * median_pace
        ]
        hard_hr = [
            day
            for day in on_day
            if median_hr is not None
            and day.mean_hr is not None
            and day.mean_hr >= HR_FACTOR * median_hr
        ]
        hard = {day.day for day in fast} | {day.day for day in hard_hr}
        if len(hard) >= 2 and len(hard) * 2 >= len(on_day):
            quality.add(weekday)
            what = (
                "faster than your usual pace"
                if len(fast) >= len(hard_hr)
                else "a higher heart rate than usual"
            )
            notes[weekday] = f"{what} in {len(hard)} of {len(on_day)} runs"
    return quality, notes
