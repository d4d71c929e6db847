"""The runner's usual week, guessed from their imported runs: pure, no Django.

INTERFACE CONTRACT: names and signatures fixed; bodies filled in by the rules work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from runstrong.plans.rules import Week

LOOKBACK_WEEKS = 8
MIN_RUNS = 8  # fewer runs than this in the lookback: no guess


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


def guess_week(runs: Sequence[RunFact], today: date) -> Guess:
    """Guess from the runs of the ``LOOKBACK_WEEKS`` weeks before ``today``."""
    raise NotImplementedError
