"""Chart geometry for the run and trend pages (pure: no Django, no I/O).

As in ``workouts.charts``, functions here turn figures into SVG coordinates,
ticks and labels in the SVG's own units; the templates only draw them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from runstrong.runs import formatting, stats, wording
from runstrong.runs.metrics import ChartSeries
from runstrong.workouts.charts import date_label
from runstrong.workouts.formatting import MONTHS

MAX_TICKS = 5
# Tick labels are 11 px type (runs.css) in the SVG's own units, so their width
# does not change with the screen: a character of it is under 7.2 units wide
# (DejaVu Sans, the widest of the usual system fonts, averages 6.5 at 11 px).
LABEL_CHAR_WIDTH = 7.2
LABEL_GAP = 10.0  # the least room between two labels on the time axis


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: start, middle or end

    @property
    def extent(self) -> tuple[float, float]:
        """Where the label's text starts and ends along the axis (estimated)."""
        width = len(self.label) * LABEL_CHAR_WIDTH
        start = {"start": 0.0, "middle": -width / 2, "end": -width}[self.anchor]
        return self.position + start, self.position + start + width


@dataclass(frozen=True, slots=True)
class Frame:
    """The drawing area: the SVG's size and the plot box inside the axes."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float


def nice_step(
    span: float, max_ticks: int = MAX_TICKS, steps: Sequence[float] = (1, 2, 2.5, 5)
) -> float:
    """The smallest round step (1, 2, 2.5 or 5 × a power of ten) giving at most
    ``max_ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(span / max_ticks))
    for factor in (*steps, 10):
        step = factor * magnitude
        if span / step <= max_ticks:
            return float(step)
    return float(10 * magnitude)


def _axis(low: float, high: float, step: float) -> tuple[float, float, list[float]]:
    lower = math.floor(low / step) * step
    upper = math.ceil(high / step) * step
    if upper <= lower:
        lower, upper = lower - step, upper + step
    count = round((upper - lower) / step)
    return lower, upper, [lower + step * index for index in range(count + 1)]


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """SVG path data through the points; a None breaks the line (nothing recorded there)."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:g},{point[1]:g}")
        pen_down = True
    return " ".join(parts)


# ---------------------------------------------------------------------------
# One run: a value against distance.


@dataclass(frozen=True, slots=True)
class DistanceChart:
    frame: Frame
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    path: str
    x_label: str
    y_label: str
    summary: str  # the range in words, for the chart's description


PACE_STEPS_S = (5, 10, 15, 20, 30, 60, 120, 300, 600)


def _frame(width: float, height: float) -> Frame:
    return Frame(width=width, height=height, left=48, top=10, right=width - 12, bottom=height - 28)


def distance_chart(
    distances_m: Sequence[float],
    values: Sequence[float | None],
    *,
    kind: str,
    units: str,
    width: float = 340,
    height: float = 170,
) -> DistanceChart | None:
    """``kind`` is "pace" (values are speeds, m/s), "heart_rate" (bpm) or
    "elevation" (metres); None when there is no value to draw.

    Pace is drawn with faster paces higher up, as runners read a pace chart,
    and its axis covers the 2nd to 98th percentile so that a stop at a
    crossing does not flatten the rest of the run; slower points sit on the
    bottom edge.
    """
    pairs = [(d, v) for d, v in zip(distances_m, values, strict=True) if v is not None]
    if not pairs or not distances_m:
        return None
    frame = _frame(width, height)
    unit = formatting.unit_label(units)
    span_m = max(distances_m[-1], 1.0)
    per_unit = formatting.metres_per_unit(units)

    def x_of(metres: float) -> float:
        return frame.left + (frame.right - frame.left) * metres / span_m

    shown: list[float | None]
    step: float
    label: Callable[[float], str]
    if kind == "pace":
        shown = [
            formatting.pace_seconds(v, units) if v is not None and v > 0 else None for v in values
        ]
        finite = sorted(v for v in shown if v is not None)
        low = finite[int(0.02 * (len(finite) - 1))]
        high = finite[math.ceil(0.98 * (len(finite) - 1))]
        step = next((s for s in PACE_STEPS_S if (high - low) / s <= MAX_TICKS - 1), 600)
        label = formatting.format_seconds
        y_label = f"pace, min:s /{unit}"
        inverted = True
    elif kind == "heart_rate":
        shown = list(values)
        finite = [v for v in shown if v is not None]
        low, high = min(finite), max(finite)
        step = nice_step(high - low or 10, MAX_TICKS - 1, steps=(1, 2, 5))

        def label(value: float) -> str:
            return f"{value:.0f}"

        y_label = "heart rate, bpm"
        inverted = False
    elif kind == "elevation":
        shown = [formatting.elevation_in_units(v, units) if v is not None else None for v in values]
        finite = [v for v in shown if v is not None]
        low, high = min(finite), max(finite)
        step = nice_step(max(high - low, 10.0), MAX_TICKS - 1, steps=(1, 2, 5))

        def label(value: float) -> str:
            return f"{value:.0f}"

        y_label = f"elevation, {formatting.elevation_label(units)}"
        inverted = False
    else:
        raise ValueError(f"unknown chart kind {kind!r}")

    lower, upper, ticks = _axis(low, high, step)

    def y_of(value: float) -> float:
        value = min(max(value, lower), upper)
        fraction = (value - lower) / (upper - lower)
        if inverted:
            fraction = 1 - fraction
        return frame.bottom - (frame.bottom - frame.top) * fraction

    points = [
        (round(x_of(d), 1), round(y_of(v), 1)) if v is not None else None
        for d, v in zip(distances_m, shown, strict=True)
    ]
    x_step = nice_step(span_m / per_unit, 4, steps=(1, 2, 5))
    x_ticks = tuple(
        Tick(position=round(x_of(value * per_unit), 1), label=f"{value:g}")
        for value in [x_step * index for index in range(int(span_m / per_unit / x_step) + 1)]
    )
    finite_shown = [v for v in shown if v is not None]
    if kind == "pace":
        summary = f"Pace from {label(min(finite_shown))} to {label(max(finite_shown))} per {unit}"
    else:
        summary = f"From {label(min(finite_shown))} to {label(max(finite_shown))}"
    return DistanceChart(
        frame=frame,
        x_ticks=x_ticks,
        y_ticks=tuple(Tick(position=round(y_of(value), 1), label=label(value)) for value in ticks),
        path=_path(points),
        x_label=f"distance, {unit}",
        y_label=y_label,
        summary=f"{summary}, over {formatting.format_distance(distances_m[-1], units)}.",
    )


def run_charts(series: ChartSeries | None, units: str) -> dict[str, DistanceChart | None]:
    """The run page's three charts, by name."""
    if series is None:
        return {"pace": None, "heart_rate": None, "elevation": None}
    return {
        "pace": distance_chart(series.distance_m, series.speed_m_s, kind="pace", units=units),
        "heart_rate": distance_chart(
            series.distance_m, series.heart_rate, kind="heart_rate", units=units
        ),
        "elevation": distance_chart(
            series.distance_m, series.altitude_m, kind="elevation", units=units
        ),
    }


# ---------------------------------------------------------------------------
# A time axis: ticks at round dates whose labels never collide.


def labels_fit(ticks: Sequence[Tick], width: float, gap: float = LABEL_GAP) -> bool:
    """Do the ticks' labels lie inside 0…width, each ``gap`` clear of the next?"""
    extents = [tick.extent for tick in ticks]
    inside = all(start >= 0 and end <= width for start, end in extents)
    return inside and all(
        following[0] - previous[1] >= gap for previous, following in pairwise(extents)
    )


def _month_starts(first: datetime, last: datetime, every: int) -> list[datetime]:
    moments: list[datetime] = []
    year, month = first.year, first.month
    while True:
        moment = datetime(year, month, 1, tzinfo=first.tzinfo)
        if moment > last:
            return moments
        if moment >= first and (month - 1) % every == 0:
            moments.append(moment)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _round_dates(
    first: datetime, last: datetime, with_year: bool, max_ticks: int
) -> Iterator[list[tuple[datetime, str]]]:
    """Candidate tick dates, the finest first: every 1, 2, 7 or 14 days (at
    midnight), the first of every 1, 2, 3 or 6 months, then 1 January of every
    1, 2, 5, 10… years; each with its label."""
    days = (last - first).days
    midnight = datetime(first.year, first.month, first.day, tzinfo=first.tzinfo)
    if midnight < first:
        midnight += timedelta(days=1)
    for every in (1, 2, 7, 14):
        if days // every <= max_ticks:
            count = (last - midnight).days // every + 1 if midnight <= last else 0
            moments = [midnight + timedelta(days=every * index) for index in range(count)]
            yield [(moment, date_label(moment, with_year=with_year)) for moment in moments]
    for every in (1, 2, 3, 6):
        if days // (30 * every) <= max_ticks:
            yield [
                (
                    moment,
                    f"{MONTHS[moment.month - 1]} {moment.year}"
                    if with_year
                    else MONTHS[moment.month - 1],
                )
                for moment in _month_starts(first, last, every)
            ]
    every = 1
    while True:
        for factor in (1, 2, 5):
            step = every * factor
            years = [year for year in range(first.year, last.year + 1) if year % step == 0]
            moments = [datetime(year, 1, 1, tzinfo=first.tzinfo) for year in years]
            yield [(moment, str(moment.year)) for moment in moments if first <= moment <= last]
            if last.year - first.year < step:
                return
        every *= 10


def time_ticks(
    first: datetime,
    last: datetime,
    x_of: Callable[[datetime], float],
    *,
    width: float,
    max_ticks: int = MAX_TICKS,
) -> tuple[Tick, ...]:
    """Ticks for a time axis from ``first`` to ``last``, placed by ``x_of`` in an
    SVG ``width`` units wide: the finest round dates (days, months, years) of
    which at least two and at most ``max_ticks`` fall in the range and whose
    labels fit, none overlapping another or the SVG's edges. Where no round
    dates fit (a span of hours, or of a few days in a narrow chart), the first
    and last dates label the ends, or the first alone."""
    with_year = first.year != last.year
    if last.date() > first.date():
        for candidates in _round_dates(first, last, with_year, max_ticks):
            ticks = [Tick(position=round(x_of(when), 1), label=label) for when, label in candidates]
            # A label that would cross the SVG's edge goes; the rest must fit.
            ticks = [tick for tick in ticks if labels_fit([tick], width)]
            if 2 <= len(ticks) <= max_ticks and labels_fit(ticks, width):
                return tuple(ticks)
        ends = (
            Tick(round(x_of(first), 1), date_label(first, with_year=with_year), "start"),
            Tick(round(x_of(last), 1), date_label(last, with_year=with_year), "end"),
        )
        if labels_fit(ends, width):
            return ends
    only = Tick(round(x_of(first), 1), date_label(first, with_year=with_year))
    return (only,) if labels_fit([only], width) else (replace(only, anchor="start"),)


# ---------------------------------------------------------------------------
# The trend: EF over time, strength sessions, the split date.


@dataclass(frozen=True, slots=True)
class TrendPoint:
    x: float
    y: float
    after_strength: bool
    text: str

    @property
    def diamond(self) -> str:
        """Path data of the open diamond that marks a run soon after strength work."""
        return f"M{self.x:g},{self.y - 5:g} l5,5 l-5,5 l-5,-5 z"


@dataclass(frozen=True, slots=True)
class TrendChart:
    frame: Frame
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    points: tuple[TrendPoint, ...]
    rolling_path: str
    strength_x: tuple[float, ...]
    strength_top: float  # the strip under the axis where strength sessions are marked
    strength_bottom: float
    split_x: float | None
    y_label: str


def trend_chart(
    trend: stats.Trend, units: str, *, width: float = 340, height: float = 250
) -> TrendChart | None:
    """EF points and their rolling line over time, strength sessions as ticks in a strip
    under the time axis, and the split date as a vertical line; None without runs."""
    if not trend.runs:
        return None
    # A wider left margin than the run charts': the strip's "strength" label sits there.
    frame = Frame(width=width, height=height, left=56, top=10, right=width - 12, bottom=height - 44)
    moments = [run.when for run in trend.runs] + list(trend.strength_sessions)
    if trend.split is not None:
        moments.append(trend.split)
    first, last = min(moments), max(moments)
    span = (last - first).total_seconds()

    def x_of(when: datetime) -> float:
        if span <= 0:
            return (frame.left + frame.right) / 2
        return frame.left + (frame.right - frame.left) * (when - first).total_seconds() / span

    values = [formatting.ef_in_units(run.ef, units) for run in trend.runs]
    low, high = min(values), max(values)
    step = nice_step(max(high - low, 0.05), MAX_TICKS - 1, steps=(1, 2, 5))
    lower, upper, ticks = _axis(low, high, step)

    def y_of(value: float) -> float:
        return frame.bottom - (frame.bottom - frame.top) * (value - lower) / (upper - lower)

    points = tuple(
        TrendPoint(
            x=round(x_of(run.when), 1),
            y=round(y_of(value), 1),
            after_strength=run.after_strength,
            text=f"{date_label(run.when, with_year=True)}: EF {value:.2f}"
            + (f" ({wording.AFTER_STRENGTH_WORK})" if run.after_strength else ""),
        )
        for run, value in zip(trend.runs, values, strict=True)
    )
    rolling = [
        (round(x_of(run.when), 1), round(y_of(formatting.ef_in_units(run.rolling, units)), 1))
        if run.rolling is not None
        else None
        for run in trend.runs
        if run.rolling is not None or not run.after_strength
    ]
    x_ticks = time_ticks(first, last, x_of, width=frame.width)
    decimals = 2 if step < 0.1 else 1
    return TrendChart(
        frame=frame,
        x_ticks=x_ticks,
        y_ticks=tuple(
            Tick(position=round(y_of(value), 1), label=f"{value:.{decimals}f}") for value in ticks
        ),
        points=points,
        rolling_path=_path(rolling),
        strength_x=tuple(round(x_of(when), 1) for when in trend.strength_sessions),
        # Far enough under the axis that the strip's label clears the lowest EF label.
        strength_top=frame.bottom + 8,
        strength_bottom=frame.bottom + 20,
        split_x=round(x_of(trend.split), 1) if trend.split is not None else None,
        y_label=f"EF, {formatting.ef_label(units)}",
    )
