"""The runner's corrections on the run page: say what an activity was, or delete it.

Each is a plain form that posts and redirects back: a new sport changes the
whole page (the status line, the grade-adjusted pace, the efficiency), so the
page is loaded again rather than swapped in parts. Another athlete's activity
is not found (404), as on the run page itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from runstrong.accounts.web import logged_in_athlete
from runstrong.runs import metrics, selectors, services, sports
from runstrong.runs.models import Activity


def manage_context(activity: Activity, result: metrics.RunMetrics, units: str) -> dict[str, Any]:
    """What the run page's "This activity" section shows."""
    cadence = activity.to_samples().cadence
    return {
        "sports": list(sports.SPORTS.items()),
        "sport_offered": activity.sport in sports.SPORTS,
        "sport_label": sports.label(activity.sport),
        "run_suggestion": sports.run_suggestion(
            sport=activity.sport,
            avg_speed_m_s=result.avg_speed_m_s,
            cadence=cadence,
            units=units,
        ),
    }


def _run_url(activity_id: int) -> str:
    return reverse("runs_analysis:run", args=[activity_id])


@login_required
@require_POST
def run_sport(request: HttpRequest, activity_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    try:
        activity = services.activity_sport_set(
            athlete=athlete, activity_id=activity_id, sport=request.POST.get("sport", "")
        )
    except Activity.DoesNotExist:
        raise Http404("No such run") from None
    except sports.UnknownSport as error:
        if selectors.activity_get(activity_id, athlete) is None:
            raise Http404("No such run") from None
        return render(
            request,
            "runs/refused.html",
            {"title": "Sport not changed", "message": str(error), "back": _run_url(activity_id)},
            status=422,
        )
    said = (
        "it counts in your efficiency trend"
        if activity.qualifies
        else "it is not in your efficiency trend"
    )
    messages.success(request, f"Sport set to {sports.label(activity.sport).lower()}: {said}.")
    return HttpResponseRedirect(_run_url(activity.pk))


@login_required
@require_http_methods(["GET", "POST"])
def run_delete(request: HttpRequest, activity_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    if request.method == "GET":
        activity = selectors.activity_get(activity_id, athlete)
        if activity is None:
            raise Http404("No such run")
        return render(
            request,
            "runs/delete.html",
            {"activity": activity, "sport_label": sports.label(activity.sport)},
        )
    try:
        services.activity_delete(athlete=athlete, activity_id=activity_id)
    except Activity.DoesNotExist:
        raise Http404("No such run") from None
    messages.success(request, "Activity deleted: it is no longer in your runs or your trend.")
    return HttpResponseRedirect(reverse("runs:list"))
