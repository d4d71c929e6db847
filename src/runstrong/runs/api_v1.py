"""The public API's runs (``/api/v1/runs``) and efficiency trend (``/api/v1/trend``).

Only ever the caller's own: someone else's run is a 404, in the same words as
a run that does not exist. An upload goes through the upload page's intake
and limits (``services.batch_import``, ``forms.UploadForm`` and
``forms.UploadLimit``); the trend is the trend page's numbers, its "not enough
runs" included. Figures are in SI units (metres, seconds, metres per minute
per beat): a client shows them in its runner's units (``/me``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from runstrong import errors
from runstrong.accounts.api_auth import ATHLETES
from runstrong.api_base import READ_ERRORS, WRITE_ERRORS, ApiError, athlete, with_errors
from runstrong.runs import metrics, selectors, services, wording
from runstrong.runs.forms import MAX_NEW_FILES, MB, UploadForm, UploadLimit
from runstrong.runs.models import Activity, ImportSource

router = Router(tags=["runs"])

PAGE_SIZE_MAX = 100
ActivityId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Verdict = Literal["improved", "worse", "inconclusive", "not enough runs"]


class RunOut(Schema):
    id: int
    sport: str  # "running", "cycling"…
    is_run: bool
    start: datetime | None  # None: the file holds no times
    distance_m: float | None
    elapsed_s: float | None
    moving_s: float | None
    avg_heart_rate: float | None
    ef: float | None  # efficiency factor, metres per minute per beat
    decoupling_pct: float | None
    qualifies: bool | None  # a steady run with heart rate, counted in the trend
    title: str
    original_name: str


class RunPageOut(Schema):
    items: list[RunOut]
    page: int
    page_size: int
    next_page: int | None


class RunFiguresOut(RunOut):
    elevation_gain_m: float | None
    avg_speed_m_s: float | None
    gap_speed_m_s: float | None  # grade-adjusted
    grade_adjusted: bool
    steady_s: float | None
    surges: int | None
    clock_jump_s: float
    # Why a figure is missing (or why the run does not count), in words.
    unavailable: dict[str, str]


class RunPageIn(Schema):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=PAGE_SIZE_MAX)] = 20


class ImportedOut(Schema):
    name: str
    status: Literal["imported", "duplicate", "error"]
    message: str
    run_id: int | None


class UploadOut(Schema):
    import_id: int
    files: list[ImportedOut]


class TrendRunOut(Schema):
    id: int
    when: datetime
    ef: float
    after_strength: bool  # within 48 h after a strength session: left out of the comparison
    rolling: float | None  # the 28-day rolling mean (None: too few runs yet)


class ComparisonOut(Schema):
    verdict: Verdict
    headline: str
    explanation: list[str]
    n_before: int
    n_after: int
    min_runs: int  # qualifying runs needed on each side
    mean_before: float | None
    mean_after: float | None
    change_pct: float | None
    ci_low_pct: float | None
    ci_high_pct: float | None


class TrendOut(Schema):
    activity_count: int
    first_session: date | None
    split: date | None
    comparison: ComparisonOut | None  # None: no strength session to compare around
    left_out_before: int
    left_out_after: int
    # Without a qualifying run, why not, in a sentence; otherwise null.
    no_runs_because: str | None
    runs: list[TrendRunOut]


class TrendIn(Schema):
    split: date | None = None  # compare before and after this day (default: the first session)


def _run_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "sport": activity.sport,
        "is_run": activity.is_run,
        "start": activity.start,
        "distance_m": activity.distance_m,
        "elapsed_s": activity.elapsed_s,
        "moving_s": activity.moving_s,
        "avg_heart_rate": activity.avg_heart_rate,
        "ef": activity.ef,
        "decoupling_pct": activity.decoupling_pct,
        "qualifies": activity.qualifies,
        "title": activity.title,
        "original_name": activity.original_name,
    }


@router.get("/runs", response=with_errors({200: RunPageOut}, *READ_ERRORS), auth=ATHLETES)
def run_list(request: HttpRequest, paging: Query[RunPageIn]) -> dict[str, Any]:
    """The caller's activities, newest first (untimed ones last), a page at a time."""
    user = athlete(request)
    start = (paging.page - 1) * paging.page_size
    rows = list(
        Activity.objects.filter(athlete=user).defer("original_gz", "samples_packed", "metrics")[
            start : start + paging.page_size + 1
        ]
    )
    return {
        "items": [_run_out(row) for row in rows[: paging.page_size]],
        "page": paging.page,
        "page_size": paging.page_size,
        "next_page": paging.page + 1 if len(rows) > paging.page_size else None,
    }


@router.get(
    "/runs/{id:activity_id}",
    response=with_errors({200: RunFiguresOut}, *READ_ERRORS),
    auth=ATHLETES,
)
def run_detail(request: HttpRequest, activity_id: ActivityId) -> dict[str, Any]:
    """One of the caller's runs with the figures its page shows."""
    activity = selectors.activity_get(activity_id, athlete(request))
    if activity is None:
        raise ApiError(404, "not_found", "no such run")
    figures = metrics.RunMetrics.from_dict(activity.metrics)
    return {
        **_run_out(activity),
        "elevation_gain_m": figures.elevation_gain_m,
        "avg_speed_m_s": figures.avg_speed_m_s,
        "gap_speed_m_s": figures.gap_speed_m_s,
        "grade_adjusted": figures.grade_adjusted,
        "steady_s": figures.steady_s,
        "surges": figures.surges,
        "clock_jump_s": figures.clock_jump_s,
        "unavailable": dict(figures.unavailable),
    }


def _too_large(limit: UploadLimit) -> ApiError:
    return ApiError(
        413, "too_large", f"That upload is over {limit.limit // MB} MB: nothing was imported."
    )


def _upload_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The upload page's limit, in place before anything reads the body (the cookie's
    CSRF check included); and what Django refuses to read answered in the one shape."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = UploadLimit()
        request.upload_handlers = [limit, *request.upload_handlers]
        request.upload_limit = limit  # type: ignore[attr-defined]
        try:
            response = view(request, *args, **kwargs)
        except errors.UNREADABLE_BODY as error:
            refusal = errors.refusal_for(error)
            return ApiError(refusal.status, refusal.code, refusal.message).response()
        if limit.exceeded and response.status_code < 500:
            return _too_large(limit).response()
        return response

    return wrapped


@router.post(
    "/runs",
    response=with_errors({201: UploadOut}, *WRITE_ERRORS),
    auth=ATHLETES,
)
@decorate_view(_upload_limited)
def run_upload(request: HttpRequest, uploads: File[list[UploadedFile]]) -> Status[dict[str, Any]]:
    """Upload run files (multipart, each part named ``uploads``): GPX, TCX or FIT,
    gzipped or not, or a zip of a Strava or Garmin export, within the upload page's
    limits (files per request, megabytes, new files read). Each file's outcome is
    listed; files already imported are reported as duplicates."""
    user = athlete(request)
    limit: UploadLimit = request.upload_limit  # type: ignore[attr-defined]
    if limit.exceeded:
        raise _too_large(limit)
    form = UploadForm({}, MultiValueDict({"uploads": list(uploads)}))
    if not form.is_valid():
        message = " ".join(str(text) for text in form.errors.get("uploads", ["not a file"]))
        raise ApiError(422, "invalid", message, field="uploads")
    outcome = services.batch_import(
        athlete=user,
        files=form.named_contents(),
        source=ImportSource.WEB,
        max_new=MAX_NEW_FILES,
    )
    return Status(
        201,
        {
            "import_id": outcome.batch.pk,
            "files": [
                {
                    "name": item.name,
                    "status": item.status,
                    "message": item.message,
                    "run_id": item.activity_id,
                }
                for item in outcome.outcomes
            ],
        },
    )


def _why_no_runs(activity_count: int) -> str:
    if not activity_count:
        return "No runs imported yet."
    return (
        f"None of your {activity_count} imported activities qualifies (heart rate and "
        f"{wording.STEADY_RULE})."
    )


@router.get("/trend", response=with_errors({200: TrendOut}, *READ_ERRORS), auth=ATHLETES)
def trend(request: HttpRequest, chosen: Query[TrendIn]) -> dict[str, Any]:
    """The trend page's numbers: each qualifying run's efficiency factor, the rolling
    mean, and the comparison before and after a day, with its honest verdict (at
    least ``min_runs`` runs a side, or "not enough runs")."""
    page = selectors.efficiency_trend(athlete(request), split=chosen.split)
    comparison = page.trend.comparison
    split_text = wording.split_text(page.trend.split)
    return {
        "activity_count": page.activity_count,
        "first_session": page.first_session,
        "split": page.split_date,
        "comparison": (
            {
                "verdict": comparison.verdict,
                "headline": wording.headline(comparison),
                "explanation": wording.explanation(comparison, split_text),
                "n_before": comparison.n_before,
                "n_after": comparison.n_after,
                "min_runs": comparison.min_runs,
                "mean_before": comparison.mean_before,
                "mean_after": comparison.mean_after,
                "change_pct": comparison.change_pct,
                "ci_low_pct": comparison.ci_low_pct,
                "ci_high_pct": comparison.ci_high_pct,
            }
            if comparison is not None
            else None
        ),
        "left_out_before": page.trend.left_out_before,
        "left_out_after": page.trend.left_out_after,
        "no_runs_because": None if page.trend.runs else _why_no_runs(page.activity_count),
        "runs": [run._asdict() for run in page.trend.runs],
    }
