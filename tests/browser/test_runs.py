"""Runs in a real browser: upload real files, see them listed, a run's charts, the trend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from runstrong.runs import services
from runstrong.runs.models import Activity
from tests.runs.conftest import ACTIVITIES
from tests.workouts.factories import complete_session

from .helpers import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.usefixtures("catalog_synced")

UPLOADED = [
    "fit/activity-small-fenix2-run.fit",
    "tcx/test.tcx",
    "gpx/cerknicko-jezero.gpx",
    "fit/garmin-fenix-5-bike.fit",
]
SESSIONS = [datetime(2025, 3, day, 18, 0, tzinfo=UTC) for day in (3, 6, 10)]


def test_uploaded_files_are_listed_charted_and_drawn_with_strength_sessions(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    for when in SESSIONS:
        complete_session(athlete, start_at=int(when.timestamp() * 1000))
    log_in(context, live_server.url, athlete)

    page.goto(f"{live_server.url}/runs/upload/")
    page.set_input_files("input[type=file]", [str(ACTIVITIES / name) for name in UPLOADED])
    page.click("form.upload-form button[type=submit]")
    page.wait_for_url("**/runs/imports/*/")
    assert "4 imported" in page.text_content("main .lede")  # type: ignore[operator]

    page.goto(f"{live_server.url}/runs/")
    rows = page.locator(".runs-table tbody tr")
    assert rows.count() == len(UPLOADED)

    # The Fenix 2 run: the only one recorded in 2015.
    fenix = Activity.objects.get(athlete=athlete, original_name__endswith="fenix2-run.fit")
    page.click(f"a[href='/runs/{fenix.id}/']")
    page.wait_for_url(f"**/runs/{fenix.id}/")
    for kind in ("pace", "heart-rate", "elevation"):
        chart = page.locator(f"svg[data-chart='{kind}']")
        assert chart.is_visible()
        assert chart.locator("path.run-line").get_attribute("d")
    assert "9.01 km" in page.text_content("#run-figures")  # type: ignore[operator]
    assert "Counts in your" in page.text_content("#run-status")  # type: ignore[operator]

    page.click("#run-status a")
    page.wait_for_url("**/runs/trend/")
    assert page.locator("#trend-chart").is_visible()
    assert page.locator("#trend-chart .strength-mark").count() == len(SESSIONS)
    assert page.locator("#trend-chart .run-point").count() == 1  # only the Fenix 2 run qualifies
    assert page.locator("#trend-chart .split-line").count() == 1
    assert page.get_attribute("#verdict", "data-verdict") == "not enough runs"
    assert page.input_value("#id_split") == "2025-03-03"


def test_the_run_and_trend_pages_have_no_serious_accessibility_violations(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    complete_session(athlete, start_at=int(SESSIONS[0].timestamp() * 1000))
    fenix = services.activity_import(
        athlete=athlete,
        name="fenix2.fit",
        data=(ACTIVITIES / "fit/activity-small-fenix2-run.fit").read_bytes(),
    )
    no_heart_rate = services.activity_import(
        athlete=athlete, name="no_hr.tcx", data=(ACTIVITIES / "tcx/no_hr.tcx").read_bytes()
    )
    log_in(context, live_server.url, athlete)

    for activity_id in (fenix.activity_id, no_heart_rate.activity_id):
        page.goto(f"{live_server.url}/runs/{activity_id}/")
        assert serious_violations(page) == []
    page.goto(f"{live_server.url}/runs/trend/")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/runs/trend/?split=not-a-date")
    assert serious_violations(page) == []
