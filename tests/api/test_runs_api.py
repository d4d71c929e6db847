"""Runs through /api/v1/: upload (the page's intake and limits), list, figures, trend;
always the caller's own, as on the run pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from runstrong.community.models import Club
from runstrong.runs.forms import MAX_FILES
from runstrong.runs.models import Activity
from tests.api.conftest import ApiClient, assert_error
from tests.runs.activity_files import steady_gpx
from tests.runs.conftest import gpx_run

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "clubmate", "stranger", "visitor")


def upload(api: ApiClient, *files: tuple[str, bytes]) -> Any:
    parts = [SimpleUploadedFile(name, data) for name, data in files]
    return api.client.post("/api/v1/runs", {"uploads": parts}, headers=api.headers)


def test_an_upload_imports_each_file_and_says_so(
    athlete: Any, bearer: Callable[..., ApiClient]
) -> None:
    api = bearer(athlete)

    first = upload(api, ("morning.gpx", gpx_run()), ("broken.gpx", b"<gpx"))
    assert first.status_code == 201
    files = {item["name"]: item for item in first.json()["files"]}
    assert files["morning.gpx"]["status"] == "imported" and files["morning.gpx"]["run_id"]
    assert files["broken.gpx"]["status"] == "error" and files["broken.gpx"]["message"]
    again = upload(api, ("morning.gpx", gpx_run()))
    assert again.json()["files"][0]["status"] == "duplicate"
    assert Activity.objects.filter(athlete=athlete).count() == 1

    listed = api.get("/runs").json()
    assert [item["id"] for item in listed["items"]] == [files["morning.gpx"]["run_id"]]
    figures = api.get(f"/runs/{files['morning.gpx']['run_id']}").json()
    assert figures["distance_m"] > 0 and figures["avg_heart_rate"] > 0
    assert isinstance(figures["unavailable"], dict)


def test_upload_limits_are_the_pages(
    athlete: Any, bearer: Callable[..., ApiClient], settings: Any
) -> None:
    api = bearer(athlete)
    too_many = upload(api, *((f"run{n}.gpx", b"x") for n in range(MAX_FILES + 1)))
    assert f"at most {MAX_FILES}" in assert_error(too_many, 422, "invalid")["message"]
    # Past Django's own count (DATA_UPLOAD_MAX_NUMBER_FILES), the page's sentence too.
    past_django = upload(api, *((f"run{n}.gpx", b"x") for n in range(101)))
    assert f"at most {MAX_FILES}" in assert_error(past_django, 413, "too_large")["message"]

    settings.RUNS_MAX_UPLOAD_BYTES = 64 * 1024
    big = upload(api, ("big.gpx", b"x" * (128 * 1024)))
    assert "nothing was imported" in assert_error(big, 413, "too_large")["message"]
    assert_error(upload(api), 422, "invalid")
    assert_error(api.post("/runs", {"uploads": []}), 422)
    assert not Activity.objects.exists()


def test_a_read_token_cannot_upload(athlete: Any, bearer: Callable[..., ApiClient]) -> None:
    assert_error(upload(bearer(athlete, "read"), ("a.gpx", gpx_run())), 403, "read_only_token")
    assert not Activity.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_run_reads_only_for_its_owner_as_on_its_page(
    persona: str,
    athlete: Any,
    clubmate: Any,
    stranger: Any,
    club: Club,
    bearer: Callable[..., ApiClient],
) -> None:
    made = upload(bearer(athlete), ("a.gpx", gpx_run())).json()["files"][0]["run_id"]
    user = {"owner": athlete, "clubmate": clubmate, "stranger": stranger, "visitor": None}[persona]
    page = Client()
    api = ApiClient(Client())
    if user is not None:
        page.force_login(user)
        api = bearer(user, "read")

    shown = page.get(f"/runs/{made}/").status_code
    answer = api.get(f"/runs/{made}")
    listed = api.get("/runs")
    trend = api.get("/trend")

    if persona == "owner":
        assert shown == answer.status_code == 200
        assert [item["id"] for item in listed.json()["items"]] == [made]
    elif persona == "visitor":
        assert shown == 302  # the page asks a visitor to log in
        for refused in (answer, listed, trend):
            assert_error(refused, 401)
    else:
        assert shown == 404
        assert assert_error(answer, 404, "not_found") == assert_error(
            api.get("/runs/987654321"), 404, "not_found"
        )
        assert listed.json()["items"] == []
        assert trend.json()["activity_count"] == 0 and trend.json()["runs"] == []


def test_the_trend_is_the_pages_with_its_honest_not_enough(
    athlete: Any, bearer: Callable[..., ApiClient]
) -> None:
    api = bearer(athlete)
    empty = api.get("/trend").json()
    assert empty["runs"] == [] and empty["comparison"] is None
    assert empty["no_runs_because"] == "No runs imported yet."

    began = datetime(2026, 3, 1, 7, tzinfo=UTC)
    for day in range(3):
        run = steady_gpx(start=began + timedelta(days=2 * day))
        assert upload(api, (f"run{day}.gpx", run)).status_code == 201
    trend = api.get("/trend?split=2026-03-03").json()
    assert len(trend["runs"]) == 3 and trend["no_runs_because"] is None
    comparison = trend["comparison"]
    assert comparison["verdict"] == "not enough runs"
    assert comparison["n_before"] == 1 and comparison["n_after"] == 2
    assert comparison["min_runs"] == 8 and "at least 8" in comparison["explanation"][0]
    page = Client()
    page.force_login(athlete)
    shown = page.get("/runs/trend/?split=2026-03-03").content.decode()
    assert comparison["headline"] in shown
    assert_error(api.get("/trend?split=March"), 422, "invalid")
    assert_error(api.get("/runs?page=0"), 422, "invalid")
    assert_error(api.get("/runs/0"), 422, "invalid")


def test_the_sites_own_cookie_uploads_under_the_same_limit(athlete: Any, settings: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(athlete)
    browser.get("/runs/upload/")
    csrf = {"X-CSRFToken": browser.cookies["csrftoken"].value}
    parts = [SimpleUploadedFile("a.gpx", gpx_run())]

    assert_error(browser.post("/api/v1/runs", {"uploads": parts}), 403, "csrf_failed")
    parts = [SimpleUploadedFile("a.gpx", gpx_run())]
    assert browser.post("/api/v1/runs", {"uploads": parts}, headers=csrf).status_code == 201
    settings.RUNS_MAX_UPLOAD_BYTES = 64 * 1024
    big = [SimpleUploadedFile("big.gpx", b"x" * (128 * 1024))]
    assert_error(browser.post("/api/v1/runs", {"uploads": big}, headers=csrf), 413, "too_large")
    assert Activity.objects.count() == 1
