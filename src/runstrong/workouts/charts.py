"""Chart geometry for the result and history pages (pure: no Django, no I/O).

Functions here turn durations and dates into SVG coordinates, ticks and
labels; the templates only draw what they are given. Coordinates are in the
SVG's own units (its ``viewBox``), which the browser scales to the screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from runstrong.workouts.formatting import MONTHS, format_duration
from runstrong.workouts.progress import Attempt

# ---------------------------------------------------------------------------
# Horizontal bars: one result's splits.


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # e.g. the exercise name
    value_text: str  # e.g. "3:21", or "not reached"
    label_y: float  # baseline of the label line above the bar
    y: float
    width: float  # 0 when the value is missing
    height: float


@dataclass(frozen=True, slots=True)
class BarChart:
    width: float
    height: float
    bars: tuple[Bar, ...]


def bar_chart(
    items: Sequence[tuple[str, int | None]],
    *,
    width: float = 320,
    bar_height: float = 18,
    row_gap: float = 12,
    label_height: float = 22,
) -> BarChart:
    """Bars whose widths are proportional to their values (ms); the longest fills ``width``.

    Each row is a label line ("Calf raises" … "1:40") above its bar, which
    reads well on a narrow phone where a label column beside the bars would not.
    """
    longest = max((value for _, value in items if value is not None and value > 0), default=0)
    bars: list[Bar] = []
    top = 0.0
    for label, value in items:
        if value is None:
            bar_width, text = 0.0, "not reached"
        else:
            bar_width = width * value / longest if longest else 0.0
            text = format_duration(value)
        bars.append(
            Bar(
                label=label,
                value_text=text,
                label_y=top + label_height - 5,
                y=top + label_height,
                width=round(bar_width, 2),
                height=bar_height,
            )
        )
        top += label_height + bar_height + row_gap
    return BarChart(width=width, height=max(top - row_gap, 0.0), bars=tuple(bars))


# ---------------------------------------------------------------------------
# Lines over time: progress of totals and splits.


@dataclass(frozen=True, slots=True)
class Sample:
    when: datetime
    ms: int
    hollow: bool = False  # drawn as an open marker (a scaled result)


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    hollow: bool
    text: str  # what the point stands for, for its <title>


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    style: int  # 0, 1, 2…: the CSS class that gives it a colour and dash pattern
    points: tuple[Point, ...]
    path: str  # SVG path data through the points, in time order


@dataclass(frozen=True, slots=True)
class Tick:
    position: float  # x for a time tick, y for a duration tick
    label: str


@dataclass(frozen=True, slots=True)
class LineChart:
    width: float
    height: float
    left: float  # the plot area inside the axes
    top: float
    right: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]


# Steps for the duration axis, in ms: the first that gives at most
# MAX_Y_TICKS ticks wins, so labels are always round numbers.
Y_STEPS_MS = tuple(
    seconds * 1000 for seconds in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
)
MAX_Y_TICKS = 6
MAX_X_TICKS = 4


def duration_axis(low_ms: int, high_ms: int) -> tuple[int, int, int]:
    """Round bounds and step for a duration axis covering ``[low_ms, high_ms]``.

    A single value still gets a range around it, so its line is not on an edge.
    """
    if low_ms > high_ms:
        raise ValueError("low_ms must not exceed high_ms")
    for step in Y_STEPS_MS:
        lower = math.floor(low_ms / step) * step
        upper = math.ceil(high_ms / step) * step
        if upper == lower:
            lower, upper = max(0, lower - step), upper + step
        if (upper - lower) // step <= MAX_Y_TICKS - 1:
            return lower, upper, step
    step = Y_STEPS_MS[-1]
    lower = math.floor(low_ms / step) * step
    upper = max(math.ceil(high_ms / step) * step, lower + step)
    # Beyond two-hour steps: widen the step until the ticks fit.
    while (upper - lower) // step > MAX_Y_TICKS - 1:
        step *= 2
        lower = math.floor(low_ms / step) * step
        upper = max(math.ceil(high_ms / step) * step, lower + step)
    return lower, upper, step


def date_label(when: datetime, *, with_year: bool) -> str:
    text = f"{when.day} {MONTHS[when.month - 1]}"
    return f"{text} {when.year}" if with_year else text


def line_chart(
    series: Sequence[Series],
    *,
    width: float = 340,
    height: float = 220,
    margin_left: float = 52,
    margin_right: float = 14,
    margin_top: float = 12,
    margin_bottom: float = 30,
) -> LineChart | None:
    """Lines of durations over time on shared axes; None when there is nothing to draw.

    Time runs left to right in proportion to real dates; points that share a
    moment (or a lone point) sit in the middle.
    """
    samples = [sample for line in series for sample in line.samples]
    if not samples:
        return None
    left, right = margin_left, width - margin_right
    top, bottom = margin_top, height - margin_bottom

    first = min(sample.when for sample in samples)
    last = max(sample.when for sample in samples)
    span = (last - first).total_seconds()

    def x_of(when: datetime) -> float:
        if span <= 0:
            return (left + right) / 2
        return left + (right - left) * (when - first).total_seconds() / span

    low, high, step = duration_axis(
        min(sample.ms for sample in samples), max(sample.ms for sample in samples)
    )

    def y_of(ms: int) -> float:
        return bottom - (bottom - top) * (ms - low) / (high - low)

    with_year = first.year != last.year
    lines: list[Line] = []
    for style, line in enumerate(series):
        ordered = sorted(line.samples, key=lambda sample: sample.when)
        points = tuple(
            Point(
                x=round(x_of(sample.when), 2),
                y=round(y_of(sample.ms), 2),
                hollow=sample.hollow,
                text=f"{date_label(sample.when, with_year=True)}: {format_duration(sample.ms)}"
                + (" (scaled)" if sample.hollow else ""),
            )
            for sample in ordered
        )
        path = " ".join(
            f"{'M' if index == 0 else 'L'}{point.x:g},{point.y:g}"
            for index, point in enumerate(points)
        )
        lines.append(Line(name=line.name, style=style, points=points, path=path))

    y_ticks = tuple(
        Tick(position=round(y_of(value), 2), label=format_duration(value))
        for value in range(low, high + 1, step)
    )
    x_ticks: tuple[Tick, ...]
    if span <= 0:
        x_ticks = (Tick(position=round(x_of(first), 2), label=date_label(first, with_year=False)),)
    else:
        count = MAX_X_TICKS if span >= 3 * 86400 else 2
        x_ticks = tuple(
            Tick(
                position=round(left + (right - left) * index / (count - 1), 2),
                label=date_label(
                    datetime.fromtimestamp(
                        first.timestamp() + span * index / (count - 1), tz=first.tzinfo
                    ),
                    with_year=with_year,
                ),
            )
            for index in range(count)
        )
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        lines=tuple(lines),
    )


def progress_charts(
    attempts: Sequence[Attempt], slot_names: Sequence[str]
) -> tuple[LineChart | None, LineChart | None, int]:
    """The total-time chart and the per-slot split chart of one program's attempts.

    Capped attempts have no finishing time: they stay off the lines. Scaled
    ones are drawn hollow. Returns both charts and how many attempts they show.
    """
    charted = sorted((a for a in attempts if not a.capped), key=lambda a: a.started_at)
    total = line_chart(
        [
            Series(
                name="Total",
                samples=tuple(
                    Sample(when=a.started_at, ms=a.total_ms, hollow=a.scaled) for a in charted
                ),
            )
        ]
    )
    splits = line_chart(
        [
            Series(
                name=name,
                samples=tuple(
                    Sample(when=a.started_at, ms=split, hollow=a.scaled)
                    for a in charted
                    if position < len(a.splits_ms) and (split := a.splits_ms[position]) is not None
                ),
            )
            for position, name in enumerate(slot_names)
        ]
    )
    return total, splits, len(charted)
