"""The results door of the JSON API: ``GET /api/results/<id>/``.

It answers whoever the access rule lets see the result (``access.may_see``,
through ``selectors.result_visible_to``), logged in or not, and 404 to
everyone else, in the same words as a result that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from runstrong import errors
from runstrong.accounts.models import User
from runstrong.accounts.web import request_athlete
from runstrong.community import selectors
from runstrong.workouts.models import Result


def result_payload(result: Result, viewer: User | None) -> dict[str, Any]:
    cheers = selectors.cheer_counts([result.pk], viewer)[result.pk]
    return {
        "id": result.pk,
        "program": {"slug": result.program.slug, "name": result.program.name},
        "athlete": {"display_name": result.athlete.shown_name},
        "started_at": result.started_at.isoformat(),
        "total_ms": result.total_ms,
        "capped": result.capped,
        "reps_at_cap": result.reps_at_cap,
        "reps_total": result.reps_total,
        "scaled": result.scaled,
        "unverified": result.unverified,
        "review": result.review,
        "splits": [
            {
                "exercise": name,
                "reps": reps,
                "split_ms": split,
            }
            for name, reps, split in zip(
                result.session.exercise_names, result.reps_done, result.splits_ms, strict=False
            )
        ],
        "visibility": result.visibility,
        "cheers": {cheer.kind: cheer.count for cheer in cheers},
    }


@errors.api_methods("GET")
def result_detail(request: HttpRequest, result_id: int) -> JsonResponse:
    viewer = request_athlete(request)
    result = selectors.result_visible_to(result_id, viewer)
    if result is None:
        return errors.api_error(404, "not_found", "no such result")
    return JsonResponse(result_payload(result, viewer))
