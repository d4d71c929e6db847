"""Chart geometry: bar widths, axis bounds and ticks, points in time and duration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runstrong.workouts import charts

DAY = timedelta(days=1)
START = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)


def test_bars_are_proportional_and_the_longest_fills_the_width() -> None:
    chart = charts.bar_chart([("a", 60_000), ("b", 120_000), ("c", 30_000)], width=300)

    assert [bar.width for bar in chart.bars] == [150.0, 300.0, 75.0]
    assert [bar.value_text for bar in chart.bars] == ["1:00", "2:00", "0:30"]


def test_bars_stack_downwards_with_their_labels_above() -> None:
    chart = charts.bar_chart([("a", 1000), ("b", 2000)], bar_height=18, row_gap=12, label_height=20)

    first, second = chart.bars
    assert first.label_y < first.y < second.label_y < second.y
    assert second.y - first.y == 20 + 18 + 12
    assert chart.height == 2 * (20 + 18) + 12


def test_a_slot_never_reached_gets_no_bar() -> None:
    chart = charts.bar_chart([("a", 1000), ("b", None)])

    assert chart.bars[1].width == 0 and chart.bars[1].value_text == "not reached"


def test_bars_of_nothing_are_all_empty_not_a_division_by_zero() -> None:
    chart = charts.bar_chart([("a", 0), ("b", None)])

    assert [bar.width for bar in chart.bars] == [0.0, 0.0]
    assert charts.bar_chart([]).height == 0


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (500_000, 560_000, (495_000, 570_000, 15_000)),  # 8:20–9:20 → 8:15–9:30 by 0:15
        (500_000, 500_000, (499_000, 501_000, 1_000)),  # one value: a step either side
        (0, 0, (0, 1_000, 1_000)),
        (61_000, 3_599_000, (0, 3_600_000, 900_000)),
        (0, 30 * 3_600_000, (0, 32 * 3_600_000, 8 * 3_600_000)),  # beyond 2 h: doubled
    ],
)
def test_duration_axis_has_round_bounds_and_at_most_six_ticks(
    low: int, high: int, expected: tuple[int, int, int]
) -> None:
    lower, upper, step = charts.duration_axis(low, high)

    assert (lower, upper, step)[2] > 0
    assert lower <= low and high <= upper and (upper - lower) // step + 1 <= charts.MAX_Y_TICKS
    assert lower % step == 0 and upper % step == 0
    assert (lower, upper, step) == expected


def test_duration_axis_rejects_an_upside_down_range() -> None:
    with pytest.raises(ValueError, match="must not exceed"):
        charts.duration_axis(2, 1)


def series(*points: tuple[int, int, bool]) -> charts.Series:
    return charts.Series(
        name="Total",
        samples=tuple(
            charts.Sample(when=START + day * DAY, ms=ms, hollow=hollow)
            for day, ms, hollow in points
        ),
    )


def test_points_sit_in_time_order_across_the_plot_and_faster_is_lower() -> None:
    chart = charts.line_chart(
        [series((4, 480_000, False), (0, 540_000, False), (8, 500_000, True))],
        width=300,
        height=200,
        margin_left=50,
        margin_right=10,
        margin_top=10,
        margin_bottom=30,
    )

    assert chart is not None
    (line,) = chart.lines
    assert [point.x for point in line.points] == [50.0, 170.0, 290.0]
    # y grows downwards in SVG: the slowest (9:00) is highest on screen.
    ys = [point.y for point in line.points]
    assert ys[0] < ys[2] < ys[1]
    assert [point.hollow for point in line.points] == [False, False, True]
    assert line.path == f"M50,{ys[0]:g} L170,{ys[1]:g} L290,{ys[2]:g}"
    assert line.points[2].text == "9 Mar 2026: 8:20 (scaled)"


def test_axis_ticks_are_labelled_with_times_and_dates() -> None:
    chart = charts.line_chart([series((0, 480_000, False), (9, 540_000, False))])

    assert chart is not None
    assert [tick.label for tick in chart.y_ticks] == ["8:00", "8:15", "8:30", "8:45", "9:00"]
    assert chart.y_ticks[0].position == chart.bottom and chart.y_ticks[-1].position == chart.top
    assert [tick.label for tick in chart.x_ticks] == ["1 Mar", "4 Mar", "7 Mar", "10 Mar"]
    assert chart.x_ticks[0].position == chart.left and chart.x_ticks[-1].position == chart.right


def test_dates_carry_the_year_when_the_chart_spans_two() -> None:
    chart = charts.line_chart([series((0, 1000, False), (400, 2000, False))])

    assert chart is not None
    assert chart.x_ticks[0].label == "1 Mar 2026" and chart.x_ticks[-1].label == "5 Apr 2027"


def test_a_lone_result_is_centred_with_one_date() -> None:
    chart = charts.line_chart(
        [series((0, 500_000, False))], width=300, margin_left=50, margin_right=10
    )

    assert chart is not None
    assert chart.lines[0].points[0].x == 170.0
    assert [tick.label for tick in chart.x_ticks] == ["1 Mar"]


def test_several_series_share_the_axes_and_get_their_own_styles() -> None:
    fast = charts.Series("Calves", (charts.Sample(START, 60_000),))
    slow = charts.Series("Back", (charts.Sample(START + DAY, 120_000),))

    chart = charts.line_chart([fast, slow])

    assert chart is not None
    assert [line.style for line in chart.lines] == [0, 1]
    assert chart.lines[0].points[0].y > chart.lines[1].points[0].y


def test_nothing_to_draw_is_no_chart() -> None:
    assert charts.line_chart([]) is None
    assert charts.line_chart([charts.Series("Total", ())]) is None
