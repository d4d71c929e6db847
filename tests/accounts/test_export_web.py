"""The "Your data" page: the export streamed as a download, and an export uploaded
back, through the Django test client."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from runstrong.accounts import views_export
from runstrong.workouts.models import Result, WorkoutSession
from tests.accounts.test_export import _counts, _export, _truncated

pytestmark = pytest.mark.django_db


def test_the_data_page_needs_a_log_in(client: Client) -> None:
    assert client.get("/accounts/your-data/").status_code == 302
    assert client.post("/accounts/your-data/export/").status_code == 302


def test_the_download_streams_the_export(full_athlete: Any, client: Client) -> None:
    client.force_login(full_athlete)
    page = client.get("/accounts/your-data/")
    assert page.status_code == 200
    assert b'action="/accounts/your-data/export/"' in page.content

    response = client.post("/accounts/your-data/export/")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    today = timezone.localdate()
    assert f'filename="runstrong-alex-{today:%Y-%m-%d}.zip"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = json.loads(archive.read("runstrong.json"))
    assert document["sections"]["accounts"]["profile"]["username"] == "alex"


@pytest.mark.parametrize("path", ["/accounts/your-data/export/", "/accounts/your-data/import/"])
def test_the_download_and_the_upload_need_the_csrf_token(full_athlete: Any, path: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(full_athlete)

    response = client.post(path)

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_the_upload_imports_into_the_logged_in_athlete(
    full_athlete: Any, client: Client, tmp_path: Path
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    WorkoutSession.objects.filter(athlete=full_athlete).delete()
    client.force_login(full_athlete)

    with path.open("rb") as upload:
        response = client.post("/accounts/your-data/import/", {"file": upload}, follow=True)

    assert response.status_code == 200
    assert b"Imported: 6 sessions, 5 results" in response.content
    assert Result.objects.filter(athlete=full_athlete).count() == 5


def test_a_bad_upload_gets_422_and_the_message(
    full_athlete: Any, client: Client, tmp_path: Path
) -> None:
    hostile = _truncated(_export(full_athlete, tmp_path / "alex.zip"), tmp_path)
    client.force_login(full_athlete)
    before = _counts()

    with hostile.open("rb") as upload:
        response = client.post("/accounts/your-data/import/", {"file": upload})

    assert response.status_code == 422
    assert b"damaged or truncated" in response.content
    assert b"Nothing was imported" in response.content
    assert _counts() == before


def test_uploads_are_rate_limited(full_athlete: Any, client: Client) -> None:
    client.force_login(full_athlete)
    statuses = [
        client.post(
            "/accounts/your-data/import/",
            {"file": io.BytesIO(b"not a zip")},
        ).status_code
        for _ in range(views_export.IMPORTS_PER_HOUR + 1)
    ]

    assert statuses[:-1] == [422] * views_export.IMPORTS_PER_HOUR
    assert statuses[-1] == 429


def test_an_export_too_large_for_a_request_is_sent_to_the_command_line(
    full_athlete: Any, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    WorkoutSession.objects.filter(athlete=full_athlete).delete()
    # Four sessions of about 27 events to append again: some 0.4 s of work, over 0.1 s.
    monkeypatch.setattr(views_export, "WEB_BUDGET_SECONDS", 0.1)
    client.force_login(full_athlete)
    before = _counts()

    with path.open("rb") as upload:
        response = client.post("/accounts/your-data/import/", {"file": upload})

    assert response.status_code == 422
    assert b"too large to bring in from the web page" in response.content
    assert b"runstrong import-export FILE" in response.content
    assert _counts() == before
