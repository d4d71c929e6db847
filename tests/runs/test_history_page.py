"""A history import's page (views_history): who may see it, the bar and counts at
each stage, the part htmx polls and when it stops, and the way on when done."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from runstrong.runs.models import (
    HistoryImport,
    HistoryImportState,
    ImportBatch,
    ImportItem,
    ImportSource,
    ImportStatus,
)
from runstrong.runs.views_history import recent_history_imports

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def history_of(athlete: Any, **fields: Any) -> HistoryImport:
    batch = ImportBatch.objects.create(athlete=athlete, source=ImportSource.WEB)
    values: dict[str, Any] = {
        "name": "export_12345.zip",
        "size": 300 * MB,
        "received": 300 * MB,
        "state": HistoryImportState.RUNNING,
        "files_total": 40,
        "files_read": 12,
        "runs_found": 9,
        "others_found": 2,
        "duplicates": 1,
        **fields,
    }
    return HistoryImport.objects.create(athlete=athlete, batch=batch, **values)


def page(history: HistoryImport) -> str:
    return reverse("runs:history", args=[history.key])


def part(history: HistoryImport) -> str:
    return reverse("runs:history_progress", args=[history.key])


def test_the_owner_sees_files_read_of_the_total_and_what_was_found(
    athlete: Any, athlete_client: Any
) -> None:
    history = history_of(athlete)

    answer = athlete_client.get(page(history))

    assert answer.status_code == 200
    html = answer.content.decode()
    assert '<progress id="history-bar" class="history-bar" max="40" value="12">' in html
    assert '<label class="history-bar-label" for="history-bar">12 of 40 files read</label>' in html
    assert "<dt>Runs found</dt><dd>9</dd>" in html
    assert "<dt>Other activities (rides, walks…)</dt><dd>2</dd>" in html
    assert "<dt>Already there, skipped</dt><dd>1</dd>" in html
    assert 'role="status" aria-live="polite"' in html
    # Unfinished: the part asks for itself every second.
    assert f'hx-get="{part(history)}" hx-trigger="every 1s"' in html
    assert "see the trend" not in html


def test_while_uploading_the_bar_counts_bytes(athlete: Any, athlete_client: Any) -> None:
    history = history_of(
        athlete, state=HistoryImportState.UPLOADING, received=75 * MB, files_total=0, files_read=0
    )

    html = athlete_client.get(page(history)).content.decode()
    assert f'max="{300 * MB}" value="{75 * MB}"' in html
    assert "75 MB of 300 MB uploaded" in html


def test_waiting_for_a_worker_the_bar_has_no_value(athlete: Any, athlete_client: Any) -> None:
    history = history_of(athlete, state=HistoryImportState.QUEUED, files_total=0, files_read=0)

    html = athlete_client.get(page(history)).content.decode()
    assert '<progress id="history-bar" class="history-bar" max="1">' in html
    assert "the import starts as soon as a worker is free" in html


def test_another_runners_import_is_not_found(
    athlete: Any, stranger_client: Any, client: Any
) -> None:
    history = history_of(athlete)

    assert stranger_client.get(page(history)).status_code == 404
    assert stranger_client.get(part(history)).status_code == 404
    client.logout()
    assert client.get(page(history)).status_code == 302  # to the log-in page


def test_the_part_is_polled_until_done_then_says_stop_and_links_to_the_trend(
    athlete: Any, athlete_client: Any
) -> None:
    history = history_of(athlete)
    assert athlete_client.get(part(history)).status_code == 200

    HistoryImport.objects.filter(pk=history.pk).update(
        state=HistoryImportState.DONE, files_read=40, runs_found=35
    )
    answer = athlete_client.get(part(history))
    assert answer.status_code == 286  # htmx: stop polling
    html = answer.content.decode()
    assert "All 40 files read" in html
    assert "<strong>Your history is in:</strong>" in html
    assert f'href="{reverse("runs_analysis:trend")}">see the trend</a>' in html

    reloaded = athlete_client.get(page(history)).content.decode()
    assert "hx-trigger" not in reloaded and "see the trend" in reloaded


def test_failed_files_are_listed_with_their_reasons(athlete: Any, athlete_client: Any) -> None:
    history = history_of(athlete, failed=2)
    assert history.batch is not None
    for position, (name, reason) in enumerate(
        [("Settings.fit", "it holds no activity"), ("broken.gpx", "it is not valid XML")]
    ):
        ImportItem.objects.create(
            batch=history.batch,
            position=position,
            name=name,
            status=ImportStatus.ERROR,
            message=reason,
        )
    ImportItem.objects.create(
        batch=history.batch, position=2, name="fine.fit", status=ImportStatus.IMPORTED
    )

    html = athlete_client.get(page(history)).content.decode()
    assert "<dt>Files that failed</dt><dd>2</dd>" in html
    assert "<bdi>Settings.fit</bdi>" in html and "it holds no activity" in html
    assert "<bdi>broken.gpx</bdi>" in html and "it is not valid XML" in html
    assert "fine.fit" not in html


def test_a_failed_import_says_why_and_stops_polling(athlete: Any, athlete_client: Any) -> None:
    sentence = (
        "The import stopped: an internal error. The 12 files read before it are kept; "
        "upload the export again to bring in the rest (files already imported are skipped)."
    )
    history = history_of(athlete, state=HistoryImportState.FAILED, message=sentence)

    answer = athlete_client.get(part(history))
    assert answer.status_code == 286
    assert f'<div class="form-errors" role="alert"><p>{sentence}</p></div>' in (
        answer.content.decode()
    )


def test_the_recent_imports_list_links_to_each_page(athlete: Any, stranger: Any) -> None:
    mine = history_of(athlete)
    history_of(stranger, name="someone-else.zip")

    html = render_to_string(
        "runs/_history_imports.html", {"history_imports": recent_history_imports(athlete)}
    )
    assert f'<a href="{page(mine)}"><bdi>export_12345.zip</bdi></a>' in html
    assert "importing (12 of 40 files read)" in html
    assert "someone-else.zip" not in html
