"""``GET /api/v1/me/export``: the caller's own data as the "Your data" page's zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from runstrong.accounts import tokens, views_export
from runstrong.accounts.models import ApiToken
from tests.api.conftest import ApiClient, assert_error, finished_result
from tests.workouts.factories import T0

pytestmark = pytest.mark.django_db

DAY_MS = 86_400_000


def _body(response: Any) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_read_token_gets_the_callers_archive_and_nobody_elses(
    athlete: Any, stranger: Any, bearer: Callable[..., ApiClient]
) -> None:
    mine = {finished_result(athlete, start_at=T0 + day * DAY_MS).session_id for day in (0, 2)}
    theirs = finished_result(stranger, "public").session_id

    response = bearer(athlete, "read").get("/me/export")

    assert response["Content-Type"] == "application/zip"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="runstrong-alex-{today:%Y-%m-%d}.zip"'
    )
    assert response["Cache-Control"] == "no-store"
    members = _members(_body(response))
    document = json.loads(members["runstrong.json"])
    assert document["sections"]["accounts"]["profile"]["username"] == "alex"
    sessions = document["sections"]["workouts"]["sessions"]
    assert {session["id"] for session in sessions} == {str(session_id) for session_id in mine}
    assert all(session["result"] is not None for session in sessions)
    results = list(csv.DictReader(io.StringIO(members["results.csv"].decode("utf-8-sig"))))
    assert len(results) == 2
    # The stranger's workout is in no file of the archive.
    assert not any(str(theirs).encode() in data for data in members.values())


def test_the_archive_is_the_same_bytes_as_the_pages_download(
    athlete: Any, bearer: Callable[..., ApiClient]
) -> None:
    finished_result(athlete, "clubs")
    api = bearer(athlete, "read")
    page = Client()
    page.force_login(athlete)

    # Frozen: the export's time is written into runstrong.json and every member's date.
    with time_machine.travel(datetime(2026, 3, 3, 9, 30, tzinfo=UTC), tick=False):
        by_api = api.get("/me/export")
        by_page = page.post("/accounts/your-data/export/")
        api_bytes, page_bytes = _body(by_api), _body(by_page)

    assert api_bytes == page_bytes
    for header in ("Content-Type", "Content-Disposition"):
        assert by_api[header] == by_page[header]


def test_a_revoked_token_gets_401(athlete: Any, token_for: Callable[..., str]) -> None:
    plain = token_for(athlete, "read")
    api = ApiClient(Client(), {"Authorization": f"Bearer {plain}"})
    token = ApiToken.objects.get(digest=tokens.digest_of(plain))
    assert tokens.token_revoke(user=athlete, token_id=token.pk)

    assert_error(api.get("/me/export"), 401, "invalid_token")


def test_a_visitor_gets_401(visitor_api: ApiClient) -> None:
    assert_error(visitor_api.get("/me/export"), 401, "login_required")


def test_the_page_and_the_api_share_the_hourly_limit(
    athlete: Any, bearer: Callable[..., ApiClient]
) -> None:
    api = bearer(athlete, "read")
    for _ in range(views_export.EXPORTS_PER_HOUR):
        assert api.get("/me/export").status_code == 200
    page = Client()
    page.force_login(athlete)

    assert page.post("/accounts/your-data/export/").status_code == 429
    refused = assert_error(api.get("/me/export"), 429, "rate_limited")
    assert "an hour" in refused["message"]
