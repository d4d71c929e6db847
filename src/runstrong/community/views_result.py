"""The result page: the workout's figures with its cheers, comments and privacy.

It lives here, above workouts, because who may see a result is community's rule
(``access.py``: clubs, followers, privacy) and half the page is social; the
workout half comes from the workouts app's selectors and pure modules.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from runstrong.accounts.web import request_athlete
from runstrong.community import selectors as community_selectors
from runstrong.community import views as community_views
from runstrong.workouts import charts, progress, selectors


@require_GET
def result_detail(request: HttpRequest, result_id: int) -> HttpResponse:
    """The owner's full result; a read-only view with cheers and comments for whoever
    else the access rule lets see it (community.access); 404 for everyone else."""
    athlete = request_athlete(request)
    result = community_selectors.result_visible_to(result_id, athlete)
    if result is None:
        if athlete is None:
            # Every id looks the same to a visitor: log in first, then we can tell.
            return redirect_to_login(request.get_full_path())
        raise Http404("No such result")
    is_owner = athlete is not None and athlete.pk == result.athlete_id
    # The comparison with a previous best is the owner's own business.
    previous_best = selectors.result_previous_best(result) if is_owner else None
    names = result.session.exercise_names
    splits: list[int | None] = list(result.splits_ms)
    rows = progress.compare_slots(
        names,
        reps=result.reps_done,
        splits=splits,
        rests=result.rests_ms,
        best_splits=previous_best.splits_ms if previous_best is not None else None,
    )
    return render(
        request,
        "community/result.html",
        {
            **community_views.social_context(result, athlete),
            "rows": rows,
            "bars": charts.bar_chart(list(zip(names, splits, strict=True))),
            "previous_best": previous_best,
            "delta": result.total_ms - previous_best.total_ms if previous_best else None,
        },
    )
