"""A history import's page: the upload and then the import, watched as they go.

The page and its progress part read the same ``HistoryProgress``; while the
import is unfinished the part asks for itself again every second (htmx), and
its answer once finished is htmx's "stop polling" (286), so a page left open
stops asking. A reload shows the same, from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from runstrong.accounts.models import User
from runstrong.accounts.web import logged_in_athlete
from runstrong.runs.models import HistoryImport, HistoryImportState, ImportItem, ImportStatus
from runstrong.runs.services_upload import size_words

# Failed files listed on the page; the import's results page lists them all.
FAILED_SHOWN = 50
RECENT_IMPORTS = 5


@dataclass(frozen=True)
class HistoryProgress:
    history: HistoryImport
    heading: str
    bar_value: int | None  # None: a bar with no value (waiting, its length unknown)
    bar_max: int
    bar_text: str
    failed_items: list[ImportItem]

    @property
    def finished(self) -> bool:
        return self.history.finished

    @property
    def more_failed(self) -> int:
        return max(0, self.history.failed - len(self.failed_items))


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def history_progress_of(history: HistoryImport) -> HistoryProgress:
    """What the page shows of an import (one query more, for its failed files)."""
    failed: list[ImportItem] = []
    if history.failed and history.batch_id is not None:
        failed = list(
            ImportItem.objects.filter(batch_id=history.batch_id, status=ImportStatus.ERROR)
            .only("name", "message", "position")
            .order_by("position", "id")[:FAILED_SHOWN]
        )
    total = max(history.files_total, history.files_read)
    state = history.state
    if state == HistoryImportState.UPLOADING:
        heading = "Uploading"
        value: int | None = min(history.received, history.size)
        maximum = max(history.size, 1)
        text = f"{size_words(history.received)} of {size_words(history.size)} uploaded"
    elif state == HistoryImportState.QUEUED and not history.files_read:
        heading = "Waiting for a worker"
        value, maximum = None, 1
        text = "Uploaded; the import starts as soon as a worker is free"
    elif state in (HistoryImportState.QUEUED, HistoryImportState.RUNNING):
        heading = "Importing"
        value, maximum = history.files_read, max(total, 1)
        text = (
            f"{history.files_read:,} of {_plural(total, 'file')} read"
            if total
            else "Counting the files in the archive"
        )
    elif state == HistoryImportState.DONE:
        heading = "Done"
        value, maximum = max(total, 1), max(total, 1)
        text = f"All {_plural(total, 'file')} read"
    else:
        heading = "Stopped"
        value, maximum = history.files_read, max(total, 1)
        text = f"{history.files_read:,} of {_plural(total, 'file')} read"
    return HistoryProgress(
        history=history,
        heading=heading,
        bar_value=value,
        bar_max=maximum,
        bar_text=text,
        failed_items=failed,
    )


def recent_history_imports(athlete: User, *, limit: int = RECENT_IMPORTS) -> list[HistoryImport]:
    """The runner's latest history imports, newest first (for the upload page's list)."""
    return list(
        HistoryImport.objects.filter(athlete=athlete)
        .only("key", "name", "state", "files_read", "files_total", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


def _own_history(request: HttpRequest, key: uuid.UUID) -> HistoryImport:
    history = HistoryImport.objects.filter(key=key, athlete=logged_in_athlete(request)).first()
    if history is None:  # someone else's, or none: the same answer
        raise Http404("No such import")
    return history


@login_required
@require_GET
def history_import(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    progress = history_progress_of(_own_history(request, key))
    return render(request, "runs/history.html", {"progress": progress})


@login_required
@require_GET
def history_progress(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    progress = history_progress_of(_own_history(request, key))
    html = render_to_string("runs/_history_progress.html", {"progress": progress}, request)
    if progress.finished:
        return HttpResponseStopPolling(html)
    return HttpResponse(html)
