"""The "Your data" page: download everything as one zip, and bring an export back.

The download streams: the zip is written into the response as it is made
(``portability.export_chunks``), a few hundred kilobytes at a time, so it starts
at once and never sits whole in memory, whatever the account's size. A
background task that writes the file and says when it is ready would need a task
queue, which RunStrong does not run yet; streaming needs nothing, and an
account with a thousand runs is written in seconds (see the README).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from runstrong import ratelimit
from runstrong.accounts import portability
from runstrong.accounts.models import User
from runstrong.accounts.web import logged_in_athlete

HOUR = 60 * 60
EXPORTS_PER_HOUR = 10
IMPORTS_PER_HOUR = 5
# An export with ten years of run files is some hundreds of MB; a web request
# takes up to this, and `runstrong import-export` any size.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
# The work one upload may take: gunicorn ends a request at 90 s (runstrong.server).
WEB_BUDGET_SECONDS = 60.0
TEMPLATE = "accounts/your_data.html"


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context())


def _context(**extra: object) -> dict[str, object]:
    return {"max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024), **extra}


@login_required
@require_POST
def export_download(request: HttpRequest) -> HttpResponseBase:
    athlete = logged_in_athlete(request)
    decision = export_counted(athlete)
    if not decision.allowed:
        return ratelimit.too_many_requests(request, decision, what="downloads of your data")
    return export_response(athlete)


def export_counted(athlete: User) -> ratelimit.Decision:
    """One download of the athlete's data, counted: the page and ``GET /api/v1/me/export``
    share the hourly limit, since both make the same archive."""
    return ratelimit.hit(f"accounts:export:{athlete.pk}", EXPORTS_PER_HOUR, HOUR)


def export_response(athlete: User) -> StreamingHttpResponse:
    """The athlete's export as a streamed zip download, for the page and the API alike."""
    response = StreamingHttpResponse(
        portability.export_chunks(athlete=athlete), content_type="application/zip"
    )
    name = portability.export_file_name(athlete)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    decision = ratelimit.hit(f"accounts:import:{athlete.pk}", IMPORTS_PER_HOUR, HOUR)
    if not decision.allowed:
        return ratelimit.too_many_requests(request, decision, what="imports of an export")
    upload = request.FILES.get("file")
    problem = None
    if upload is None:
        problem = "Choose the zip file that RunStrong's export gave you."
    elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        problem = (
            f"That file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: bring it in "
            "with `runstrong import-export` instead."
        )
    else:
        try:
            report = portability.import_export(
                source=upload, athlete=athlete, budget_seconds=WEB_BUDGET_SECONDS
            )
        except portability.ImportRefused as error:
            problem = f"{upload.name}: {error}"
    if problem is not None:
        return render(request, TEMPLATE, _context(import_problem=problem), status=422)
    messages.success(request, report.summary())
    for note in report.notes:
        messages.info(request, f"Passed over: {note}")
    return redirect("accounts:your_data")
