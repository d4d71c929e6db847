"""The runs list, the upload form and an upload's results.

Each view parses the request, calls one service or selector, and renders; how
figures read in the athlete's units is ``formatting``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from runstrong import errors
from runstrong.accounts.web import logged_in_athlete
from runstrong.runs import formatting, selectors_import, services, views_history, wording
from runstrong.runs.forms import MAX_NEW_FILES, MB, UploadForm, UploadLimit
from runstrong.runs.models import Activity, ImportSource, ImportStatus


def _run_url(activity_id: int) -> str:
    """The run page (the analysis part of the runs app)."""
    return reverse("runs_analysis:run", args=[activity_id])


@dataclass(frozen=True)
class RunRow:
    activity: Activity
    url: str
    date: str
    sport: str
    distance: str
    time: str
    pace: str
    heart_rate: str
    badge: str  # "steady", "not steady", "no HR" or ""


def _badge(activity: Activity) -> str:
    if not activity.is_run:
        return ""
    if activity.avg_heart_rate is None:
        return "no HR"
    if activity.qualifies is None:
        return ""
    return "steady" if activity.qualifies else "not steady"


def _row(activity: Activity, units: str) -> RunRow:
    seconds = activity.moving_s or activity.elapsed_s
    speed = activity.distance_m / seconds if seconds and activity.distance_m else None
    return RunRow(
        activity=activity,
        url=_run_url(activity.pk),
        date=timezone.localtime(activity.start).strftime("%Y-%m-%d %H:%M")
        if activity.start
        else "no date",
        sport=activity.sport.replace("_", " "),
        distance=formatting.format_distance(activity.distance_m, units),
        time=formatting.format_seconds(seconds),
        pace=formatting.format_pace(speed, units) if activity.is_run else "—",
        heart_rate=formatting.format_heart_rate(activity.avg_heart_rate),
        badge=_badge(activity),
    )


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    page = selectors_import.activity_page(athlete, page=request.GET.get("page"))
    rows = [_row(activity, athlete.units) for activity in page.object_list]
    return render(request, "runs/list.html", {"page": page, "rows": rows, "rules": wording.RULES})


@csrf_exempt  # checked in _upload, once the size limit is in place (Django's documented way)
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    limit: UploadLimit | None = None
    if request.method == "POST":
        limit = UploadLimit()
        # Before anything reads the body: first of the handlers, it sees every chunk.
        request.upload_handlers = [limit, *request.upload_handlers]
        # Read here rather than in the CSRF check, so that what Django's parser
        # refuses (more than 100 files, a name too long to read, a garbled
        # body) gets this page and its sentence, not the site's 400 page.
        # Nothing is done with the request before the check below.
        try:
            request.POST  # noqa: B018 - reading it parses the body
        except errors.UNREADABLE_BODY as error:
            refusal = errors.refusal_for(error)
            return _upload_page(request, UploadForm(), status=refusal.status, error=refusal.message)
    return _upload(request, limit)


@csrf_protect
def _upload(request: HttpRequest, limit: UploadLimit | None) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if limit is not None and limit.exceeded:
        error = f"That upload is over {limit.limit // MB} MB: nothing was imported."
        return _upload_page(request, UploadForm(), status=413, error=error)
    if not form.is_valid():
        return _upload_page(request, form, status=422)
    result = services.batch_import(
        athlete=logged_in_athlete(request),
        files=form.named_contents(),
        source=ImportSource.WEB,
        max_new=MAX_NEW_FILES,
    )
    return HttpResponseRedirect(reverse("runs:import", args=[result.batch.pk]))


def _upload_page(
    request: HttpRequest, form: UploadForm, *, status: int = 200, error: str = ""
) -> HttpResponse:
    history_imports = views_history.recent_history_imports(logged_in_athlete(request))
    return render(
        request,
        "runs/upload.html",
        {"form": form, "error": error, "history_imports": history_imports},
        status=status,
    )


@login_required
@require_GET
def import_result(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors_import.import_batch_get(batch_id, athlete=logged_in_athlete(request))
    if batch is None:
        raise Http404("No such import")
    items = selectors_import.import_items(batch)
    counts = {status: sum(1 for item in items if item.status == status) for status in ImportStatus}
    rows = [
        {"item": item, "url": _run_url(item.activity_id) if item.activity_id else None}
        for item in items
    ]
    return render(
        request,
        "runs/import.html",
        {"batch": batch, "rows": rows, "counts": counts, "statuses": ImportStatus},
    )
