"""The efficiency trend and an honest before/after comparison (pure: no Django, no I/O).

The comparison asks one question: is the mean efficiency factor (EF) of the
qualifying runs after a date different from the mean before it, by more than
day-to-day noise explains? It answers with the change in percent of the
"before" mean, a 95% confidence interval, and a verdict.

**Why Welch's t interval, not a bootstrap.** The periods being compared
usually hold 8–30 runs. At those sizes the percentile bootstrap is known to
give intervals that are too narrow (it cannot see past the spread of the few
values it resamples), which would overstate the evidence; Welch's interval
keeps its coverage with unequal spreads and unequal counts, needs no random
numbers, and gives the same answer every time the page loads. The change is a
ratio of two means, so its standard error comes from the delta method (the
"before" mean's own uncertainty counts too), with Welch–Satterthwaite degrees
of freedom. There is no scipy here: the Student t quantile is computed from
the regularised incomplete beta function (a continued fraction, as in
*Numerical Recipes*) and inverted by bisection; the tests check it against
printed t tables.

**Runs within 48 hours after a strength session are left out of the
comparison** (on both sides of the date), and of the rolling line. Hard
strength work makes running measurably less economical for a day or two, so
counting those runs would make the "after" period look worse for a reason
that has nothing to do with the long-term adaptation the studies measured
(their tests were done rested). The page still draws them, marked, and says
how many were left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

MIN_RUNS_PER_SIDE = 8
ROLLING_WINDOW = timedelta(days=28)
ROLLING_MIN_RUNS = 3  # fewer runs in the window draw no line: one run is not a trend
AFTER_STRENGTH = timedelta(hours=48)
CONFIDENCE = 0.95

IMPROVED = "improved"
WORSE = "worse"
INCONCLUSIVE = "inconclusive"
NOT_ENOUGH = "not enough runs"


# ---------------------------------------------------------------------------
# Student's t distribution.


def _incomplete_beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction for the regularised incomplete beta (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast on one side of the mean; use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _incomplete_beta_fraction(a, b, x) / a
    return 1.0 - front * _incomplete_beta_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` (not necessarily whole) degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = ``p``, by bisection on the CDF (to about 1e-12)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    low, high = 0.0, 2.0
    while student_t_cdf(high, df) < p:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if student_t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


# ---------------------------------------------------------------------------
# Before/after.


@dataclass(frozen=True, slots=True)
class Comparison:
    n_before: int
    n_after: int
    mean_before: float | None
    mean_after: float | None
    change_pct: float | None  # (after − before) / before × 100
    ci_low_pct: float | None
    ci_high_pct: float | None
    verdict: str  # IMPROVED, WORSE, INCONCLUSIVE or NOT_ENOUGH
    min_runs: int = MIN_RUNS_PER_SIDE

    @property
    def has_interval(self) -> bool:
        return self.ci_low_pct is not None and self.ci_high_pct is not None


def compare(
    before: Sequence[float],
    after: Sequence[float],
    *,
    min_runs: int = MIN_RUNS_PER_SIDE,
    confidence: float = CONFIDENCE,
) -> Comparison:
    """Mean change from ``before`` to ``after`` in percent, with its confidence interval.

    Verdict: improved when the whole interval is above zero, worse when it is
    below, inconclusive when it contains zero, and "not enough runs" when
    either side has fewer than ``min_runs`` values (the change and interval
    are still given when they can be computed, for the curious).
    """
    a = np.asarray(after, dtype=np.float64)
    b = np.asarray(before, dtype=np.float64)
    n_a, n_b = int(a.shape[0]), int(b.shape[0])
    mean_a = float(a.mean()) if n_a else None
    mean_b = float(b.mean()) if n_b else None
    change = low = high = None
    if mean_a is not None and mean_b is not None and mean_b > 0:
        ratio = mean_a / mean_b
        change = (ratio - 1.0) * 100.0
        if n_a >= 2 and n_b >= 2:
            # Delta method for the ratio of two independent means.
            part_a = float(a.var(ddof=1)) / n_a / mean_b**2
            part_b = mean_a**2 * float(b.var(ddof=1)) / n_b / mean_b**4
            variance = part_a + part_b
            if variance > 0:
                df = variance**2 / (part_a**2 / (n_a - 1) + part_b**2 / (n_b - 1))
                margin = student_t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(variance)
            else:
                margin = 0.0
            low = (ratio - margin - 1.0) * 100.0
            high = (ratio + margin - 1.0) * 100.0
    if n_a < min_runs or n_b < min_runs or low is None or high is None:
        verdict = NOT_ENOUGH
    elif low > 0:
        verdict = IMPROVED
    elif high < 0:
        verdict = WORSE
    else:
        verdict = INCONCLUSIVE
    return Comparison(
        n_before=n_b,
        n_after=n_a,
        mean_before=mean_b,
        mean_after=mean_a,
        change_pct=change,
        ci_low_pct=low,
        ci_high_pct=high,
        verdict=verdict,
        min_runs=min_runs,
    )


# ---------------------------------------------------------------------------
# The trend: runs marked, a rolling line, the comparison.


# Runs are named tuples, not frozen dataclasses: a trend holds thousands of
# them, and a frozen dataclass takes several times longer to build.
class RunPoint(NamedTuple):
    id: int
    when: datetime  # timezone-aware
    ef: float


class TrendRun(NamedTuple):
    id: int
    when: datetime
    ef: float
    after_strength: bool  # started within 48 h after a strength session
    rolling: float | None  # the rolling mean at this run (None: too few runs yet)


@dataclass(frozen=True, slots=True)
class Trend:
    runs: tuple[TrendRun, ...]
    strength_sessions: tuple[datetime, ...]
    split: datetime | None
    comparison: Comparison | None  # None without a split date
    left_out_before: int  # runs not compared because they followed strength work
    left_out_after: int


def _epoch_seconds(moments: Sequence[datetime]) -> npt.NDArray[np.float64]:
    return np.fromiter((moment.timestamp() for moment in moments), np.float64, len(moments))


def after_strength(
    runs: Sequence[datetime], sessions: Sequence[datetime], window: timedelta = AFTER_STRENGTH
) -> list[bool]:
    """For each run, whether a strength session started in the ``window`` before it."""
    if not runs:
        return []
    if not sessions:
        return [False] * len(runs)
    starts = np.sort(_epoch_seconds(sessions))
    at = _epoch_seconds(runs)
    # The latest session that started before (or at) the run.
    index = np.searchsorted(starts, at, side="right") - 1
    has = index >= 0
    gap = np.where(has, at - starts[np.maximum(index, 0)], np.inf)
    return [bool(value) for value in gap <= window.total_seconds()]


def rolling_mean(
    when: Sequence[datetime],
    values: Sequence[float],
    *,
    window: timedelta = ROLLING_WINDOW,
    min_runs: int = ROLLING_MIN_RUNS,
) -> list[float | None]:
    """Trailing mean at each run over the runs of the ``window`` before it (itself
    included); None where the window holds fewer than ``min_runs`` runs.
    ``when`` must be in time order."""
    if not values:
        return []
    at = _epoch_seconds(when)
    cumulative = np.concatenate(([0.0], np.cumsum(np.asarray(values, dtype=np.float64))))
    first = np.searchsorted(at, at - window.total_seconds(), side="right")
    last = np.arange(1, at.shape[0] + 1)
    counts = last - first
    sums = cumulative[last] - cumulative[first]
    return [
        float(total / count) if count >= min_runs else None
        for total, count in zip(sums.tolist(), counts.tolist(), strict=True)
    ]


def trend(
    runs: Sequence[RunPoint],
    strength_sessions: Sequence[datetime],
    *,
    split: datetime | None,
    exclude_after_strength: bool = True,
    min_runs: int = MIN_RUNS_PER_SIDE,
) -> Trend:
    """Mark the runs, draw the rolling line and compare both sides of ``split``."""
    ordered = sorted(runs, key=lambda run: run.when)
    marks = after_strength([run.when for run in ordered], strength_sessions)
    counted = [
        run
        for run, marked in zip(ordered, marks, strict=True)
        if not (exclude_after_strength and marked)
    ]
    line = dict(
        zip(
            (run.id for run in counted),
            rolling_mean([run.when for run in counted], [run.ef for run in counted]),
            strict=True,
        )
    )
    trend_runs = tuple(
        TrendRun(
            id=run.id, when=run.when, ef=run.ef, after_strength=marked, rolling=line.get(run.id)
        )
        for run, marked in zip(ordered, marks, strict=True)
    )
    comparison = None
    left_before = left_after = 0
    if split is not None:
        before = [run.ef for run in counted if run.when < split]
        after = [run.ef for run in counted if run.when >= split]
        comparison = compare(before, after, min_runs=min_runs)
        marked_runs = [run for run, marked in zip(ordered, marks, strict=True) if marked]
        if exclude_after_strength:
            left_before = sum(1 for run in marked_runs if run.when < split)
            left_after = len(marked_runs) - left_before
    return Trend(
        runs=trend_runs,
        strength_sessions=tuple(sorted(strength_sessions)),
        split=split,
        comparison=comparison,
        left_out_before=left_before,
        left_out_after=left_after,
    )
