"""The resumable upload's protocol: start, chunks in order, refusals, and the import queued."""

from __future__ import annotations

import hashlib
import json
import shutil
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from runstrong.runs import services_history, services_upload, views_upload
from runstrong.runs.models import Activity, HistoryImport, HistoryImportState
from tests.runs.conftest import read, zip_of

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


def start(client: Client, name: str, size: int) -> Any:
    return client.post(
        "/runs/uploads/", json.dumps({"name": name, "size": size}), content_type="application/json"
    )


def put(client: Client, url: str, data: bytes, first: int, total: int, **headers: str) -> Any:
    content_range = f"bytes {first}-{first + len(data) - 1}/{total}"
    return client.put(
        url,
        data,
        content_type="application/octet-stream",
        headers={"Content-Range": content_range, **headers},
    )


def started(client: Client, name: str = "export.zip", size: int = 10) -> dict[str, Any]:
    response = start(client, name, size)
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_an_upload_sent_in_pieces_is_stored_byte_for_byte(athlete_client: Client) -> None:
    data = bytes(range(256)) * 40
    upload = started(athlete_client, size=len(data))
    assert upload["offset"] == 0 and upload["url"] == f"/runs/uploads/{upload['key']}/"

    for first in range(0, len(data), 3000):
        response = put(athlete_client, upload["url"], data[first : first + 3000], first, len(data))
        assert response.status_code == 200, response.content
        assert response.json()["offset"] == min(first + 3000, len(data))

    history = HistoryImport.objects.get(key=upload["key"])
    assert services_upload.part_path(history).read_bytes() == data
    assert history.received == len(data)


def test_the_server_says_how_much_it_holds(athlete_client: Client) -> None:
    upload = started(athlete_client, size=100)
    put(athlete_client, upload["url"], b"x" * 40, 0, 100)

    answer = athlete_client.get(upload["url"])
    assert answer.json() == {
        "key": upload["key"],
        "offset": 40,
        "size": 100,
        "state": "uploading",
        "url": upload["url"],
        "progress_url": f"/runs/history/{upload['key']}/",
    }
    assert athlete_client.head(upload["url"])["Upload-Offset"] == "40"


def test_a_chunk_at_the_wrong_offset_is_told_where_to_go_on(athlete_client: Client) -> None:
    upload = started(athlete_client, size=100)
    put(athlete_client, upload["url"], b"a" * 30, 0, 100)

    for first in (0, 50):
        response = put(athlete_client, upload["url"], b"b" * 10, first, 100)
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_offset" and response.json()["offset"] == 30
    assert HistoryImport.objects.get(key=upload["key"]).received == 30


def test_a_chunk_past_the_end_is_refused(athlete_client: Client) -> None:
    upload = started(athlete_client, size=100)
    response = athlete_client.put(
        upload["url"],
        b"x" * 20,
        content_type="application/octet-stream",
        headers={"Content-Range": "bytes 90-109/100"},
    )
    assert response.status_code == 416 and response.json()["offset"] == 0


@pytest.mark.parametrize(
    "content_range",
    ["", "bytes=0-9/100", "bytes 0-9", "bytes 9-0/100", "bytes a-b/100", "items 0-9/100"],
)
def test_a_garbled_content_range_is_refused_in_json(
    athlete_client: Client, content_range: str
) -> None:
    upload = started(athlete_client, size=100)
    response = athlete_client.put(
        upload["url"],
        b"x" * 10,
        content_type="application/octet-stream",
        headers={"Content-Range": content_range},
    )
    assert response.status_code == 422 and response.json()["code"] == "bad_range"


def test_a_chunk_whose_length_or_total_differs_is_refused(athlete_client: Client) -> None:
    upload = started(athlete_client, size=100)
    other_total = put(athlete_client, upload["url"], b"x" * 10, 0, 200)
    assert other_total.status_code == 422 and other_total.json()["code"] == "wrong_file"
    short = athlete_client.put(
        upload["url"],
        b"x" * 5,
        content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-9/100"},
    )
    assert short.status_code == 400 and short.json()["code"] == "bad_length"
    form = athlete_client.put(
        upload["url"],
        b"x" * 10,
        content_type="text/plain",
        headers={"Content-Range": "bytes 0-9/100"},
    )
    assert form.status_code == 415


def test_too_big_a_history_is_refused_with_the_limit(athlete_client: Client, settings: Any) -> None:
    settings.RUNS_MAX_HISTORY_BYTES = 5 * 1024 * MB
    response = start(athlete_client, "export.zip", 6 * 1024 * MB)
    assert response.status_code == 413
    assert response.json()["message"] == (
        "“export.zip” is 6.0 GB; a history upload can be at most 5.0 GB. "
        "Split the export, or import it on the server with `runstrong import`."
    )
    assert not HistoryImport.objects.exists()


def test_a_runner_may_keep_only_so_much_waiting(athlete_client: Client, settings: Any) -> None:
    settings.RUNS_USER_UPLOAD_BYTES = 100 * MB
    started(athlete_client, "first.zip", 60 * MB)

    response = start(athlete_client, "second.zip", 50 * MB)
    assert response.status_code == 413 and response.json()["code"] == "over_quota"
    assert "take 60 MB" in response.json()["message"]
    assert "over the 100 MB a runner may have waiting" in response.json()["message"]


def test_an_upload_the_disk_cannot_hold_is_refused(
    athlete_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(0, 0, 600 * MB))
    response = start(athlete_client, "export.zip", 100 * MB)
    assert response.status_code == 507 and response.json()["code"] == "no_space"


@pytest.mark.parametrize("name", ["photo.jpg", "export.rar", "", "notes"])
def test_only_exports_and_run_files_may_be_sent(athlete_client: Client, name: str) -> None:
    response = start(athlete_client, name, 10)
    assert response.status_code == 415 and response.json()["code"] == "wrong_type"
    assert "choose a zip" in response.json()["message"]


@pytest.mark.parametrize(
    "body", [b" ", b"[]", b'{"name": "a.zip"}', b'{"name": "a.zip", "size": "9"}', b"{"]
)
def test_a_garbled_start_is_refused_in_json(athlete_client: Client, body: bytes) -> None:
    response = athlete_client.post("/runs/uploads/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed"


def test_another_runners_upload_is_not_there(
    athlete_client: Client, stranger: Any, client: Client
) -> None:
    upload = started(athlete_client, size=100)
    other = Client()
    other.force_login(stranger)

    assert other.get(upload["url"]).status_code == 404
    response = put(other, upload["url"], b"x" * 10, 0, 100)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert HistoryImport.objects.get(key=upload["key"]).received == 0


def test_a_visitor_is_told_to_log_in_in_json(client: Client, athlete: Any) -> None:
    assert start(client, "export.zip", 10).status_code == 401
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=10)
    response = put(client, f"/runs/uploads/{history.key}/", b"x" * 10, 0, 10)
    assert response.status_code == 401 and response.json()["code"] == "not_logged_in"


def test_requests_without_the_csrf_token_are_refused_in_json(athlete: Any) -> None:
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(athlete)
    assert start(checked, "export.zip", 10).json()["code"] == "csrf_failed"

    checked.get("/runs/upload/")  # the page sets the cookie its script reads
    token = checked.cookies["csrftoken"].value
    response = checked.post(
        "/runs/uploads/",
        json.dumps({"name": "export.zip", "size": 10}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    url = response.json()["url"]
    assert put(checked, url, b"x" * 10, 0, 10).status_code == 403
    assert put(checked, url, b"x" * 10, 0, 10, **{"X-CSRFToken": token}).status_code == 200


class Pattern:
    """A request body of ``length`` bytes made up as it is read: the test holds none of it."""

    BLOCK = hashlib.sha256(b"runstrong").digest() * (MB // 32)

    def __init__(self, length: int) -> None:
        self.left = length
        self.largest_read = 0

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.largest_read = max(self.largest_read, size)
        self.left -= size
        return (self.BLOCK * (size // len(self.BLOCK) + 1))[:size]

    def readline(self, size: int = -1, /) -> bytes:  # WSGI's input has it; never called here
        raise AssertionError("a chunk is not read by lines")

    @classmethod
    def digest(cls, length: int) -> str:
        whole, rest = divmod(length, len(cls.BLOCK))
        hashed = hashlib.sha256()
        for _ in range(whole):
            hashed.update(cls.BLOCK)
        hashed.update(cls.BLOCK[:rest])
        return hashed.hexdigest()


def streamed_put(athlete: Any, history: HistoryImport, body: Pattern, first: int) -> Any:
    """The view, called with a request whose body is read from ``body`` as a socket is."""
    length = body.left
    environ: dict[str, Any] = {
        "CONTENT_TYPE": "application/octet-stream",
        "CONTENT_LENGTH": str(length),
        "HTTP_CONTENT_RANGE": f"bytes {first}-{first + length - 1}/{history.size}",
        "wsgi.input": body,
    }
    request = RequestFactory().generic("PUT", f"/runs/uploads/{history.key}/", **environ)
    request.user = athlete
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    return views_upload.upload_chunks(request, key=history.key)


def test_a_big_chunk_is_streamed_to_disk_never_held_whole(athlete: Any) -> None:
    size = 64 * MB
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=size + 1)
    body = Pattern(size)

    tracemalloc.start()
    try:
        response = streamed_put(athlete, history, body, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 200, response.content
    assert json.loads(response.content)["offset"] == size
    assert body.largest_read <= MB
    assert peak < 8 * MB, f"the view held {peak / MB:.1f} MB"
    with services_upload.part_path(history).open("rb") as part:
        hashed = hashlib.file_digest(part, "sha256").hexdigest()
    assert hashed == Pattern.digest(size)


def test_a_refused_chunk_is_read_to_its_end_so_the_answer_reaches_the_browser(
    athlete: Any,
) -> None:
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=10 * MB)
    body = Pattern(2 * MB)

    response = streamed_put(athlete, history, body, 4 * MB)

    assert response.status_code == 409 and json.loads(response.content)["offset"] == 0
    assert body.left == 0 and services_upload.part_path(history).stat().st_size == 0


def test_bytes_that_arrived_before_the_connection_broke_are_kept(athlete: Any) -> None:
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=100)
    cut_short = Pattern(30)  # the browser promised 50 and went away after 30

    held = services_upload.upload_append(history=history, offset=0, stream=cut_short, length=50)

    assert held == 30 and services_upload.part_path(history).stat().st_size == 30


def test_bytes_a_power_cut_took_from_the_disk_are_asked_for_again(
    athlete_client: Client,
) -> None:
    upload = started(athlete_client, size=100)
    put(athlete_client, upload["url"], b"a" * 60, 0, 100)
    history = HistoryImport.objects.get(key=upload["key"])
    with services_upload.part_path(history).open("r+b") as part:
        part.truncate(45)  # the database kept its 60, the disk only 45

    assert athlete_client.get(upload["url"]).json()["offset"] == 45
    refused = put(athlete_client, upload["url"], b"b" * 40, 60, 100)
    assert refused.status_code == 409 and refused.json()["offset"] == 45
    assert put(athlete_client, upload["url"], b"b" * 55, 45, 100).json()["offset"] == 100
    assert services_upload.part_path(history).read_bytes() == b"a" * 45 + b"b" * 55


def test_an_upload_whose_file_went_missing_starts_again_from_nothing(
    athlete_client: Client,
) -> None:
    upload = started(athlete_client, size=100)
    put(athlete_client, upload["url"], b"a" * 60, 0, 100)
    services_upload.part_path(HistoryImport.objects.get(key=upload["key"])).unlink()

    assert athlete_client.get(upload["url"]).json()["offset"] == 0
    assert put(athlete_client, upload["url"], b"b" * 40, 60, 100).json()["offset"] == 0
    assert put(athlete_client, upload["url"], b"b" * 100, 0, 100).json()["offset"] == 100


def test_a_second_writer_of_the_same_upload_is_told_to_wait(athlete: Any) -> None:
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=100)
    part = services_upload.part_path(history)
    with (
        services_upload._locked(part, history),
        pytest.raises(services_upload.UploadRefused) as refused,
    ):
        services_upload.upload_append(history=history, offset=0, stream=Pattern(10), length=10)
    assert refused.value.status == 409 and refused.value.code == "busy"


def test_the_last_byte_queues_the_import_which_stores_each_run(
    athlete_client: Client, athlete: Any
) -> None:
    data = zip_of(
        {
            "activities/run.tcx": read("tcx/test.tcx"),
            "activities/ride.fit": read("fit/garmin-fenix-5-bike.fit"),
        }
    )
    upload = started(athlete_client, size=len(data))
    middle = len(data) // 2
    put(athlete_client, upload["url"], data[:middle], 0, len(data))
    assert HistoryImport.objects.get(key=upload["key"]).state == HistoryImportState.UPLOADING

    done = put(athlete_client, upload["url"], data[middle:], middle, len(data))
    assert done.json()["state"] == HistoryImportState.QUEUED
    # The answer to the last chunk was lost and the browser sends it again.
    again = put(athlete_client, upload["url"], data[middle:], middle, len(data))
    assert again.status_code == 200 and again.json()["offset"] == len(data)

    history = HistoryImport.objects.get(key=upload["key"])
    assert history.task_id and history.batch is not None
    services_history.history_import_run(history.pk, task_id=history.task_id)
    assert Activity.objects.filter(athlete=athlete).count() == 2


def test_a_complete_upload_left_unqueued_by_a_crash_is_queued_by_the_resend(
    athlete: Any,
) -> None:
    history = services_upload.upload_start(athlete=athlete, name="export.zip", size=10)
    services_upload.part_path(history).write_bytes(b"x" * 10)
    HistoryImport.objects.filter(pk=history.pk).update(received=10)  # then the crash
    history.refresh_from_db()

    held = services_upload.upload_append(history=history, offset=0, stream=Pattern(10), length=10)

    history.refresh_from_db()
    assert held == 10 and history.state == HistoryImportState.QUEUED


def test_uploads_left_unfinished_for_a_week_are_removed(athlete: Any) -> None:
    stale = services_upload.upload_start(athlete=athlete, name="old.zip", size=100)
    fresh = services_upload.upload_start(athlete=athlete, name="new.zip", size=100)
    HistoryImport.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(days=8))

    assert services_upload.upload_clean_stale() == 1

    assert list(HistoryImport.objects.all()) == [fresh]
    assert not services_upload.part_path(stale).exists()
    assert services_upload.part_path(fresh).exists()


def test_the_upload_page_lists_the_runners_history_imports(
    athlete_client: Client, athlete: Any, stranger: Any
) -> None:
    mine = services_upload.upload_start(athlete=athlete, name="strava_export.zip", size=100)
    services_upload.upload_start(athlete=stranger, name="someone_elses.zip", size=100)

    html = athlete_client.get("/runs/upload/").content.decode()

    assert "Your history imports" in html and f'href="/runs/history/{mine.key}/"' in html
    assert "strava_export.zip" in html and "someone_elses.zip" not in html
