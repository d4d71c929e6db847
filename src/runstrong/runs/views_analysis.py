"""The run page (one activity's figures and charts) and the efficiency-trend page.

Each view parses the request, calls a selector, and renders; the figures come
from ``metrics`` (stored at import), the charts' geometry from ``charts`` and
the verdict's wording from ``wording``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from runstrong.accounts.web import logged_in_athlete
from runstrong.runs import charts, formatting, metrics, selectors, stats, views_activity, wording
from runstrong.runs.forms_analysis import SplitForm

RECENT_RUNS = 30  # rows in the trend page's table; the chart shows every run


@dataclass(frozen=True)
class Figure:
    label: str
    value: str | None  # None: unavailable
    reason: str | None = None
    note: str = ""


def _figures(result: metrics.RunMetrics, units: str) -> list[Figure]:
    def figure(label: str, name: str, text: str, note: str = "") -> Figure:
        if getattr(result, name) is None:
            return Figure(label, None, result.reason(name) or "not in the file")
        return Figure(label, text, note=note)

    ef_note = "" if result.grade_adjusted else "no elevation in the file: taken as flat"
    steady = result.steady_s
    return [
        figure("Distance", "distance_m", formatting.format_distance(result.distance_m, units)),
        figure("Moving time", "moving_s", formatting.format_seconds(result.moving_s)),
        figure(
            "Elapsed time",
            "elapsed_s",
            formatting.format_seconds(result.elapsed_s),
            note=formatting.clock_jump_note(result.clock_jump_s),
        ),
        figure(
            "Average pace", "avg_speed_m_s", formatting.format_pace(result.avg_speed_m_s, units)
        ),
        figure(
            "Grade-adjusted pace",
            "gap_speed_m_s",
            formatting.format_pace(result.gap_speed_m_s, units),
        ),
        figure(
            "Elevation gain",
            "elevation_gain_m",
            formatting.format_elevation(result.elevation_gain_m, units),
        ),
        figure(
            "Average heart rate",
            "avg_heart_rate",
            formatting.format_heart_rate(result.avg_heart_rate),
        ),
        figure(
            "Steady running",
            "steady_s",
            formatting.format_seconds(steady),
            note="after the warm-up" if steady else "",
        ),
        figure("Efficiency factor", "ef", formatting.format_ef(result.ef, units), note=ef_note),
        figure(
            "Aerobic decoupling",
            "decoupling_pct",
            formatting.format_percent(result.decoupling_pct),
        ),
    ]


@login_required
@require_GET
def run_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    activity = selectors.activity_get(activity_id, athlete)
    if activity is None:
        raise Http404("No such run")
    result = metrics.RunMetrics.from_dict(activity.metrics)
    series = metrics.chart_series(activity.to_samples())
    return render(
        request,
        "runs/run.html",
        {
            "activity": activity,
            "result": result,
            "figures": _figures(result, athlete.units),
            "charts": charts.run_charts(series, athlete.units),
            "legs": selectors.multisport_legs(activity),
            "unit": formatting.unit_label(athlete.units),
            "rules": wording.RULES,
            **views_activity.manage_context(activity, result, athlete.units),
        },
    )


@login_required
@require_GET
def trend(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    form = SplitForm(request.GET if "split" in request.GET else None)
    valid = form.is_valid() if form.is_bound else True
    split = form.cleaned_data["split"] if form.is_bound and valid else None
    page = selectors.efficiency_trend(athlete, split=split)
    if valid and split is None:
        # No date chosen (or an empty one): the field shows the default in use.
        form = SplitForm(initial={"split": page.split_date})
    comparison = page.trend.comparison
    split_text = wording.split_text(page.trend.split)
    units = athlete.units
    recent = list(reversed(page.trend.runs[-RECENT_RUNS:]))
    return render(
        request,
        "runs/trend.html",
        {
            "page": page,
            "form": form,
            "chart": charts.trend_chart(page.trend, units),
            "comparison": comparison,
            "headline": wording.headline(comparison) if comparison else None,
            "interval": wording.interval_text(comparison) if comparison else None,
            "explanation": wording.explanation(comparison, split_text) if comparison else [],
            "change": formatting.format_percent(comparison.change_pct) if comparison else None,
            "mean_before": formatting.format_ef(comparison.mean_before, units)
            if comparison
            else None,
            "mean_after": formatting.format_ef(comparison.mean_after, units)
            if comparison
            else None,
            "split_text": split_text,
            "recent": [
                {"run": run, "ef": f"{formatting.ef_in_units(run.ef, units):.2f}"} for run in recent
            ],
            "ef_label": formatting.ef_label(units),
            "min_runs": stats.MIN_RUNS_PER_SIDE,
            "rules": wording.RULES,
        },
        # A bad date still shows the page, at the default date, with the message
        # by the field.
        status=200 if valid else 400,
    )
