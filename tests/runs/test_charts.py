"""The trend chart's time axis: ticks at round dates whose labels never collide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from runstrong.runs.charts import LABEL_GAP, Tick, labels_fit, time_ticks

# The trend chart's geometry (charts.trend_chart): 340 units wide, plot 56…328.
WIDTH = 340.0
LEFT, RIGHT = 56.0, 328.0


def axis(first: datetime, last: datetime) -> Callable[[datetime], float]:
    span = (last - first).total_seconds()

    def x_of(when: datetime) -> float:
        if span <= 0:
            return (LEFT + RIGHT) / 2
        return LEFT + (RIGHT - LEFT) * (when - first).total_seconds() / span

    return x_of


def ticks_for(first: datetime, last: datetime) -> tuple[Tick, ...]:
    return time_ticks(first, last, axis(first, last), width=WIDTH)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


SPANS = [
    # The screenshots' runs: a 2010 file, then strength sessions in 2026.
    ("2010-08-05 14:23", "2026-12-02 22:34"),
    ("2015-08-15 14:45", "2026-12-04 09:00"),
    ("2015-08-15 14:45", "2025-10-09 08:53"),
    ("1990-01-01 00:00", "2026-06-30 00:00"),
    ("2024-11-20 07:00", "2026-02-01 07:00"),
    ("2025-12-20 07:00", "2026-01-10 07:00"),
    ("2025-03-01 07:00", "2025-09-30 07:00"),
    ("2025-10-01 07:00", "2025-12-02 19:00"),
    ("2025-10-01 07:00", "2025-10-11 19:00"),
    ("2025-10-01 07:00", "2025-10-03 19:00"),
    ("2025-10-01 07:00", "2025-10-02 06:00"),
    ("2025-12-31 20:00", "2026-01-01 08:00"),
]


@pytest.mark.parametrize(("first", "last"), SPANS)
def test_time_labels_never_overlap_nor_leave_the_chart(first: str, last: str) -> None:
    ticks = ticks_for(at(first), at(last))

    assert 1 <= len(ticks) <= 5
    assert labels_fit(ticks, WIDTH)
    extents = [tick.extent for tick in ticks]
    assert all(b[0] - a[1] >= LABEL_GAP for a, b in pairwise(extents))
    assert [tick.position for tick in ticks] == sorted(tick.position for tick in ticks)


def test_a_span_of_years_is_labelled_with_round_years() -> None:
    ticks = ticks_for(at("2010-08-05 14:23"), at("2026-12-02 22:34"))

    assert [tick.label for tick in ticks] == ["2015", "2020", "2025"]
    assert {tick.anchor for tick in ticks} == {"middle"}
    # Each year's tick is where 1 January falls on the axis.
    x_of = axis(at("2010-08-05 14:23"), at("2026-12-02 22:34"))
    assert ticks[0].position == pytest.approx(x_of(at("2015-01-01 00:00")), abs=0.1)


def test_a_decade_gets_every_other_year() -> None:
    ticks = ticks_for(at("2015-08-15 14:45"), at("2025-10-09 08:53"))

    assert [tick.label for tick in ticks] == ["2016", "2018", "2020", "2022", "2024"]


def test_a_few_months_get_month_names_and_a_year_boundary_adds_the_year() -> None:
    within = ticks_for(at("2025-02-20 07:00"), at("2025-09-30 07:00"))
    across = ticks_for(at("2024-11-20 07:00"), at("2026-02-01 07:00"))

    assert [tick.label for tick in within] == ["Mar", "May", "Jul", "Sep"]
    assert [tick.label for tick in across] == ["Jan 2025", "Jul 2025", "Jan 2026"]


def test_weeks_get_days() -> None:
    ticks = ticks_for(at("2025-10-01 07:00"), at("2025-10-11 19:00"))

    assert [tick.label for tick in ticks] == ["2 Oct", "4 Oct", "6 Oct", "8 Oct", "10 Oct"]


def test_within_a_day_the_one_date_is_shown_once() -> None:
    ticks = ticks_for(at("2025-10-01 07:00"), at("2025-10-01 19:00"))

    assert [tick.label for tick in ticks] == ["1 Oct"]


def test_labels_fit_rejects_labels_that_touch_or_cross_the_edge() -> None:
    touching = [Tick(100, "15 Aug 2015"), Tick(150, "15 May 2019")]
    apart = [Tick(60, "2015"), Tick(150, "2020")]

    assert not labels_fit(touching, WIDTH)
    assert labels_fit(apart, WIDTH)
    assert not labels_fit([Tick(335, "2026")], WIDTH)
    assert labels_fit([Tick(335, "2026", "end")], WIDTH)


def test_every_span_from_an_hour_to_forty_years_fits() -> None:
    first = at("1986-03-07 06:30")
    hours = 1
    while hours < 40 * 366 * 24:
        last = first + timedelta(hours=hours)
        ticks = ticks_for(first, last)
        assert labels_fit(ticks, WIDTH), (hours, ticks)
        assert len(ticks) <= 5, (hours, ticks)
        hours = int(hours * 1.37) + 1
