"""A whole history through the real upload page on a phone: the network cut twice
mid-upload and the page reloaded, then the background import.

The export is generated (tests/runs/exports.py): real activity files with moved
times, a Strava ``activities.csv`` that calls some run files rides, and ``media/``
padding so the zip is sent in several chunks.

The worker: the live server's test database is not one a separate
``runstrong worker`` process can open (SQLite's is in memory), so the queued
task is run here, in this process, by django-tasks-db's own worker command in
batch mode (``db_worker --batch``): the same task, the same queue table.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, Page, Request, Route

from runstrong.runs import selectors, services_upload
from runstrong.runs.models import Activity, HistoryImport, HistoryImportState
from tests.runs.exports import MB, strava_export

from .helpers import log_in
from .test_accessibility import serious_violations

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
DROPPED = "[data-upload-note]:has-text('connection dropped')"


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return Path(settings.DATA_DIR)


def test_a_history_upload_survives_two_cuts_and_a_reload_then_imports_each_run_once(
    live_server: Any,
    athlete: Any,
    data_dir: Path,
    tmp_path: Path,
    new_context: Callable[..., BrowserContext],
) -> None:
    export = strava_export(tmp_path / "export_strava.zip", activities=14, media_bytes=40 * MB)
    assert export.size > 4 * 8 * MB  # several chunks of 8 MB
    context = new_context(**PHONE)
    log_in(context, live_server.url, athlete)
    page = context.new_page()

    starts: list[int] = []  # each PUT's first byte that reached the server, in order
    puts = 0
    cuts = 0
    cut = False  # PUTs fail: none reaches the server
    # The network goes at these PUTs: the second, then (added below, once the
    # upload has gone on) the one after the first PUT that got through again.
    # Chunks grow on a fast link, so the upload is only a few PUTs long.
    cut_at = {2}

    def chunks(route: Route, request: Request) -> None:
        nonlocal puts, cuts, cut
        if request.method != "PUT":
            route.continue_()
            return
        puts += 1
        if puts in cut_at and not cut:  # the network goes, mid-upload, twice
            context.set_offline(True)
            cut = True
            cuts += 1
        if cut:
            route.abort("internetdisconnected")
            return
        match = RANGE.fullmatch(request.headers["content-range"])
        assert match is not None
        starts.append(int(match.group(1)))
        route.continue_()

    page.route("**/runs/uploads/*/", chunks)
    page.goto(f"{live_server.url}/runs/upload/")
    page.set_input_files("input[type=file]", str(export.path))
    page.click("form.upload-form button[type=submit]")

    # Cut one: the page says so and waits; back online, it goes on by itself.
    _until(page, lambda: cuts == 1)
    page.wait_for_selector(DROPPED)
    assert page.is_visible("#resumable-upload progress")
    assert re.fullmatch(r"\d+ MB of \d+ MB", page.text_content("[data-upload-text]") or "")
    assert serious_violations(page) == []
    held = _held(export.path.name)
    page.wait_for_timeout(1_500)
    assert _held(export.path.name) == held  # nothing moves while offline
    sent = len(starts)
    cut = False
    context.set_offline(False)
    _until(page, lambda: len(starts) > sent)
    assert starts[sent] == held  # from where the server stopped
    cut_at.add(puts + 1)

    # Cut two, and this time the page is reloaded while it waits (its PUTs still
    # fail until then, so no request of the old page is left half-read).
    _until(page, lambda: cuts == 2)
    page.wait_for_selector(DROPPED)
    context.set_offline(False)
    page.reload()
    cut = False
    assert "choose the same file again" in page.text_content("#resumable-pending")  # type: ignore[operator]
    held = _held(export.path.name)
    assert 0 < held < export.size
    sent_before_reload = len(starts)
    page.set_input_files("input[type=file]", str(export.path))  # choosing it goes on at once
    history = HistoryImport.objects.get(athlete=athlete)
    page.wait_for_url(f"**/runs/history/{history.key}/", timeout=30_000)
    page.wait_for_selector("#history-bar")
    # Away from the page while the worker runs: on SQLite the live server shares
    # this thread's connection, and the page's polling would interleave with the
    # worker's transactions.
    page.goto("about:blank")

    assert starts[sent_before_reload] == held  # resumed where the server stopped, not at 0
    history.refresh_from_db()
    assert history.received == history.size == export.size
    assert history.state == HistoryImportState.QUEUED
    assert services_upload.part_path(history).read_bytes() == export.path.read_bytes()

    _run_worker()

    history.refresh_from_db()
    assert history.state == HistoryImportState.DONE, history.message
    stored = Activity.objects.filter(athlete=athlete)
    assert stored.count() == len(export.activities)  # every file once, none twice
    runs = {activity.original_name for activity in stored.filter(is_run=True)}
    assert runs == {Path(generated.member).name for generated in export.runs}
    rides = {Path(generated.member).name for generated in export.activities} - runs
    assert rides and not runs & rides
    # The rides, those the CSV names included, are out of the trend.
    in_trend = selectors.efficiency_trend(athlete).trend.runs
    assert in_trend
    trend_names = set(
        Activity.objects.filter(id__in=[point.id for point in in_trend]).values_list(
            "original_name", flat=True
        )
    )
    assert trend_names <= runs and not trend_names & rides
    page.goto(f"{live_server.url}/runs/history/{history.key}/")
    page.click(".history-done a")
    page.wait_for_url("**/runs/trend/")
    assert page.locator("#trend-chart .run-point").count() == len(in_trend)


def _run_worker() -> None:
    """django-tasks-db's worker, until the queue is empty; the signal handlers it
    installs for itself are put back as they were for the rest of the run."""
    handlers = {number: signal.getsignal(number) for number in WORKER_SIGNALS}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--verbosity", "0")
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def _until(page: Page, condition: Callable[[], bool], timeout_s: float = 15) -> None:
    """Let the page run (and the route handler with it) until ``condition`` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def _held(name: str) -> int:
    return HistoryImport.objects.get(name=name).received


def test_a_history_over_the_limit_is_refused_with_the_servers_sentence(
    live_server: Any,
    athlete: Any,
    data_dir: Path,
    tmp_path: Path,
    settings: Any,
    new_context: Callable[..., BrowserContext],
) -> None:
    settings.RUNS_MAX_HISTORY_BYTES = 20 * MB
    big = tmp_path / "everything.zip"
    with big.open("wb") as out:
        out.truncate(21 * MB)  # sparse: nothing is written, nothing is sent
    context = new_context(**PHONE)
    log_in(context, live_server.url, athlete)
    page = context.new_page()
    page.goto(f"{live_server.url}/runs/upload/")
    page.set_input_files("input[type=file]", str(big))
    page.click("form.upload-form button[type=submit]")

    refusal = page.wait_for_selector("form.upload-form .form-errors[role=alert]")
    assert refusal is not None
    assert refusal.text_content() == (
        "“everything.zip” is 21 MB; a history upload can be at most 20 MB. "
        "Split the export, or import it on the server with `runstrong import`."
    )
    assert page.is_enabled("form.upload-form button[type=submit]")
    assert not HistoryImport.objects.exists()
