"""In Chromium: say what a run file that names no sport was, then delete an activity;
the trend follows each step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from runstrong.runs import services
from runstrong.runs.models import Activity
from tests.runs.activity_files import without_sport_gpx
from tests.runs.conftest import read

from .helpers import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.usefixtures("catalog_synced")


def run_points(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/runs/trend/?split=2015-01-01")
    return page.locator("#trend-chart .run-point").count()


def test_a_run_the_file_did_not_name_is_set_to_running_then_deleted(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    outcome = services.activity_import(
        athlete=athlete,
        name="lunch.gpx",
        data=without_sport_gpx(read("fit/activity-small-fenix2-run.fit")),
    )
    activity_id = outcome.activity_id
    log_in(context, live_server.url, athlete)
    assert run_points(page, live_server.url) == 0

    # The page says why it looks like a run; one tap says it was.
    page.goto(f"{live_server.url}/runs/{activity_id}/")
    assert "Not in your" in page.text_content("#run-status")  # type: ignore[operator]
    suggestion = page.text_content("#run-suggestion")
    assert "pace 5:14 /km and cadence 166 steps a minute look like a run" in suggestion  # type: ignore[operator]
    assert serious_violations(page) == []
    page.click("#run-suggestion button[type=submit]")
    page.wait_for_load_state()
    assert "Counts in your" in page.text_content("#run-status")  # type: ignore[operator]
    assert "Sport set to running" in page.text_content(".messages")  # type: ignore[operator]
    assert page.locator("#run-suggestion").count() == 0
    assert page.input_value("#id_sport") == "running"
    assert run_points(page, live_server.url) == 1

    # The form changes it again: a ride is no run.
    page.goto(f"{live_server.url}/runs/{activity_id}/")
    page.select_option("#id_sport", "cycling")
    page.click("#sport-form button[type=submit]")
    page.wait_for_load_state()
    assert "Not in your" in page.text_content("#run-status")  # type: ignore[operator]
    assert run_points(page, live_server.url) == 0
    page.goto(f"{live_server.url}/runs/{activity_id}/")
    page.select_option("#id_sport", "running")
    page.click("#sport-form button[type=submit]")
    page.wait_for_load_state()
    assert run_points(page, live_server.url) == 1

    # Delete: a confirm page first, then it is gone, and gone from the trend.
    page.goto(f"{live_server.url}/runs/{activity_id}/")
    page.click("#run-delete")
    page.wait_for_url(f"**/runs/{activity_id}/delete/")
    assert serious_violations(page) == []
    assert Activity.objects.filter(pk=activity_id).exists()
    page.click("#delete-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/runs/")
    assert "Activity deleted" in page.text_content(".messages")  # type: ignore[operator]
    assert not Activity.objects.filter(pk=activity_id).exists()
    assert run_points(page, live_server.url) == 0


def test_another_athletes_run_cannot_be_changed_in_the_browser(
    live_server: Any, athlete: Any, stranger: Any, context: BrowserContext, page: Page
) -> None:
    outcome = services.activity_import(
        athlete=athlete, name="fenix2.fit", data=read("fit/activity-small-fenix2-run.fit")
    )
    log_in(context, live_server.url, stranger)

    for path in ("", "delete/"):
        response = page.goto(f"{live_server.url}/runs/{outcome.activity_id}/{path}")
        assert response is not None and response.status == 404
    assert Activity.objects.get(pk=outcome.activity_id).sport == "running"
