"""The upload door: run files, gzips and zips sent to /runs/upload/ as a browser sends them.

A file the importer refuses is reported by name on the upload's results page
(the batch and its items are the record of that answer: nothing else is
written); a request the page itself refuses gets the upload page again with
its sentence and writes nothing at all. No case leaves a file behind, in the
data folder or in the folder where Django spills large uploads.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from runstrong.runs import services as runs
from runstrong.runs.models import Activity, ImportItem
from tests.hostile.conftest import (
    JS_LINK,
    RLO,
    RUNNER_WOMAN,
    SCRIPT,
    assert_no_markup,
    assert_site_page,
    browser,
    csrf_token,
    text_of,
)
from tests.runs.activity_files import moved_to_year, steady_gpx
from tests.runs.conftest import billion_laughs, external_entity, gpx_run, read, zip_of
from tests.workouts.test_programs_cli import Runner

pytestmark = pytest.mark.usefixtures("catalog_synced")

MB = 1024 * 1024
FIT = read("fit/garmin-fenix-5-run.fit")
ENTITIES = (
    "it declares XML entities, which are refused: they can expand a small file into "
    "gigabytes (an &#x27;entity bomb&#x27;) or read other files"
)
NOT_ACTIVITY = "it is not a GPX, TCX or FIT file"
TRUNCATED = "it stops short: the file is truncated"
NESTED = "a zip inside the zip: unzip it and upload that archive on its own"
ZIP_BOMB = "refused as a possible zip bomb"
DECLARES_4_GB = "the zip archive unpacks to 4,095 MB, more than the 2,048 MB accepted: " + ZIP_BOMB
EMPTY = "The submitted file is empty."
OVER_LIMIT = "That upload is over 100 MB: nothing was imported."
EXPIRED = "For your safety the form was refused: it had no valid security token."
FUTURE = (
    "it starts on 26 Dec 9999, in the future: "
    "the clock of the device that recorded it must be wrong"
)


def as_tcx(gpx_doctype: bytes) -> bytes:
    """The same DOCTYPE trick in a TCX file."""
    head, _, _ = gpx_doctype.partition(b"]>")
    return head.replace(b"DOCTYPE gpx", b"DOCTYPE TrainingCenterDatabase") + (
        b']>\n<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        b'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        b"<Id>&lol9;&secret;</Id></Activity></Activities></TrainingCenterDatabase>"
    )


def many_tiny_members() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(10_000):
            archive.writestr(f"activities/{number}.gpx", b"x")
    return buffer.getvalue()


def declares_4_gb() -> bytes:
    """A small zip whose directory says its one member unpacks to 4 GB."""
    data = bytearray(zip_of({"activities/big.gpx": gpx_run()}))
    at = data.find(b"PK\x01\x02")
    data[at + 24 : at + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
    return bytes(data)


def traversal() -> bytes:
    return zip_of(
        {
            "../../../../tmp/evil.gpx": gpx_run(),
            "/etc/cron.d/abs.gpx": b"",
            "C:\\Windows\\win.gpx": b"",
        }
    )


def titled(title: str) -> bytes:
    return gpx_run().replace(b"<name>Morning run</name>", f"<name>{title}</name>".encode())


def escaped_title() -> bytes:
    return titled((SCRIPT + JS_LINK).replace("&", "&amp;").replace("<", "&lt;"))


class Streamed:
    """A multipart body made while it is read: the CSRF field, one file part of
    ``size`` spaces, the closing boundary. Never more than a MB of it exists."""

    boundary = "hostile-upload-boundary"

    def __init__(self, token: str, size: int) -> None:
        self.head = (
            f"--{self.boundary}\r\n"
            'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token}\r\n--{self.boundary}\r\n"
            'Content-Disposition: form-data; name="uploads"; filename="huge.gpx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.left = size
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)

    def read(self, size: int = -1) -> bytes:
        size = MB if size is None or size < 0 else size
        if self.head:
            piece, self.head = self.head[:size], self.head[size:]
            return piece
        if self.left:
            count = min(size, self.left, MB)
            self.left -= count
            return b" " * count
        piece, self.tail = self.tail[:size], self.tail[size:]
        return piece

    readline = read  # Django drains a refused body line by line; a line may be cut anywhere


def send_200_mb(client: Client) -> Any:
    body = Streamed(csrf_token(client), 200 * MB)
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO="/runs/upload/",
        CONTENT_TYPE=f"multipart/form-data; boundary={body.boundary}",
        CONTENT_LENGTH=str(body.length),
        **{"wsgi.input": body},
    )


def files(*named: tuple[str, bytes | Callable[[], bytes]]) -> Callable[[Client], Any]:
    def send(client: Client) -> Any:
        chosen = []
        for name, data in named:
            upload = io.BytesIO(data() if callable(data) else data)
            upload.name = name  # the whole name, as a browser sends it
            chosen.append(upload)
        return client.post(
            "/runs/upload/", {"uploads": chosen, "csrfmiddlewaretoken": csrf_token(client)}
        )

    return send


def forged(client: Client) -> Any:
    upload = SimpleUploadedFile("run.gpx", gpx_run())
    return client.post("/runs/upload/", {"uploads": [upload], "csrfmiddlewaretoken": "f" * 64})


@dataclass(frozen=True)
class Upload:
    """What is sent, the status, the sentence the athlete reads, and what is kept:
    ``stored`` activities and ``items`` reported on the results page (a refusal
    before the import: neither, and no batch)."""

    case: str
    send: Callable[[Client], Any]
    status: int
    sentence: str
    stored: int = 0
    items: int = 1


# fmt: off
UPLOADS = [
    Upload("GPX billion laughs", files(("laughs.gpx", billion_laughs())), 302, ENTITIES),
    Upload("TCX billion laughs", files(("laughs.tcx", as_tcx(billion_laughs()))), 302, ENTITIES),
    Upload("GPX external entity", files(("xxe.gpx", external_entity())), 302, ENTITIES),
    Upload("TCX external entity", files(("xxe.tcx", as_tcx(external_entity()))), 302, ENTITIES),
    Upload("zip bomb member", files(("b.zip", lambda: zip_of({"b.gpx": b"\0" * 100 * MB}))), 302, ZIP_BOMB),
    Upload("zip declaring 4 GB", files(("big.zip", declares_4_gb)), 302, DECLARES_4_GB),
    Upload("zip of 10,000 tiny members", files(("many.zip", many_tiny_members)), 302, NOT_ACTIVITY, items=10_000),
    Upload("path traversal in members", files(("trav.zip", traversal)), 302, "trav.zip: evil.gpx", stored=1, items=3),
    Upload("zip inside a zip", files(("n.zip", lambda: zip_of({"a/in.zip": zip_of({"r.gpx": gpx_run()})}))), 302, NESTED),
    Upload("truncated FIT", files(("cut.fit", FIT[: len(FIT) // 2])), 302, TRUNCATED),
    Upload("garbage FIT", files(("junk.fit", b"\x0e\x10garbage" * 100)), 302, NOT_ACTIVITY),
    Upload("PNG named .gpx", files(("photo.gpx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)), 302, NOT_ACTIVITY),
    Upload("empty file", files(("empty.gpx", b"")), 422, EMPTY, items=0),
    Upload("control characters in name", files(("run\x07\x1b[31m.gpx", gpx_run())), 302, "<bdi>run[31m.gpx</bdi>", stored=1),
    Upload("RTL override in name", files((f"run{RLO}xpg.exe.gpx", gpx_run())), 302, "<bdi>runxpg.exe.gpx</bdi>", stored=1),
    Upload("10,000-character name", files(("a" * 10_000 + ".gpx", gpx_run())), 400, "A file name is too long to read", items=0),
    # Django's parser keeps printable characters only: the joiner goes, the runner and the sign stay.
    Upload("emoji in name", files((f"{RUNNER_WOMAN}.gpx", gpx_run())), 302, "<bdi>🏃♀️.gpx</bdi>", stored=1),
    Upload("script and javascript: as the run's title", files(("t.gpx", escaped_title)), 302, "<bdi>t.gpx</bdi>", stored=1),
    Upload("a run dated 9999", files(("watch.tcx", moved_to_year(read("tcx/test.tcx"), 9999))), 302, FUTURE),
    Upload("200 MB streamed", send_200_mb, 413, OVER_LIMIT, items=0),
    Upload("forged CSRF token", forged, 403, EXPIRED, items=0),
]
# fmt: on


@pytest.mark.parametrize("upload", UPLOADS, ids=[upload.case for upload in UPLOADS])
def test_an_upload(athlete: Any, ledger_factory: Any, upload: Upload) -> None:
    client = browser(athlete)
    ledger = ledger_factory()

    response = upload.send(client)

    assert response.status_code == upload.status
    if upload.status != 302:
        assert_site_page(response, upload.status, upload.sentence)
        ledger.assert_untouched()
        return
    page = client.get(response["Location"])
    assert page.status_code == 200 and upload.sentence in text_of(page)
    refused = upload.items - upload.stored
    summary = f"{upload.stored} imported, 0 already there, {refused} not imported."
    assert summary in text_of(page)
    expected = {"runs.ImportBatch": 1, "runs.ImportItem": upload.items}
    if upload.stored:
        expected["runs.Activity"] = upload.stored
    assert ledger.changed() == expected
    assert ledger.new_files() == set()
    assert_no_markup(page.content.decode(), SCRIPT, JS_LINK)
    for activity in Activity.objects.all():  # the run's own page shows its title as text
        run_page = client.get(f"/runs/{activity.pk}/")
        assert run_page.status_code == 200
        assert_no_markup(run_page.content.decode(), SCRIPT, JS_LINK)


def test_a_title_with_markup_reads_as_text_on_the_run_page(athlete: Any) -> None:
    client = browser(athlete)
    files(("t.gpx", escaped_title))(client)

    html = client.get(f"/runs/{Activity.objects.get().pk}/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;me&lt;/a&gt;" in html
    assert_no_markup(html, SCRIPT, JS_LINK)


# ---------------------------------------------------------------------------
# What Django's request parser refuses gets the upload page and a sentence
# (moved from tests/test_hostile_requests.py).


def run_file(name: str) -> io.BytesIO:
    """A run file as a browser sends it: under its whole name (the test client
    would cut a SimpleUploadedFile's name to 255 characters before sending)."""
    file = io.BytesIO(gpx_run())
    file.name = name
    return file


def test_choosing_more_files_than_django_reads_gets_the_upload_page_and_its_limit(
    athlete: Any, ledger_factory: Any
) -> None:
    client = browser(athlete)
    chosen = [run_file(f"run-{number}.gpx") for number in range(101)]
    ledger = ledger_factory()

    response = client.post(
        "/runs/upload/", {"uploads": chosen, "csrfmiddlewaretoken": csrf_token(client)}
    )

    assert_site_page(
        response,
        413,
        "That is more than 100 files; upload at most 50 at a time, or put them in one zip.",
    )
    assert "Upload runs" in text_of(response)  # the upload page itself, ready to try again
    ledger.assert_untouched()


def test_a_file_name_too_long_to_read_gets_the_upload_page_and_what_to_do(
    athlete: Any, ledger_factory: Any
) -> None:
    client = browser(athlete)
    ledger = ledger_factory()

    response = client.post(
        "/runs/upload/",
        {"uploads": [run_file("a" * 10_000 + ".gpx")], "csrfmiddlewaretoken": csrf_token(client)},
    )

    assert_site_page(
        response,
        400,
        "A file name is too long to read: "
        "rename the file to something shorter and choose it again.",
    )
    assert "Upload runs" in text_of(response)
    ledger.assert_untouched()


def test_a_long_file_name_django_can_read_is_imported_under_255_characters(
    athlete: Any,
) -> None:
    """Not a refusal: below the parser's limit a long name is read, and Django
    cuts it to 255 characters (keeping the extension), the length of the
    columns it is stored in, which PostgreSQL enforces and SQLite does not."""
    client = browser(athlete)
    name = "run-" + "b" * 800 + ".gpx"

    response = client.post(
        "/runs/upload/", {"uploads": [run_file(name)], "csrfmiddlewaretoken": csrf_token(client)}
    )

    assert response.status_code == 302
    stored = ImportItem.objects.get()
    assert stored.status == "imported"
    assert stored.name == name[:251] + ".gpx"
    assert Activity.objects.get().original_name == stored.name


def test_a_garbled_upload_gets_the_upload_page_and_what_to_do(
    athlete: Any, ledger_factory: Any
) -> None:
    client = browser(athlete)
    ledger = ledger_factory()

    response = client.post("/runs/upload/", b"--x\r\ngarbage", content_type="multipart/form-data")

    assert_site_page(
        response,
        400,
        "What was sent could not be read: it was cut off or garbled on the way. "
        "Go back, reload the page and send it again.",
    )
    assert "Upload runs" in text_of(response)
    ledger.assert_untouched()


# ---------------------------------------------------------------------------
# A run dated in the future (moved from tests/test_hostile_text.py).


@pytest.mark.django_db
def test_uploading_a_run_dated_9999_says_so_and_stores_nothing(athlete_client: Client) -> None:
    tcx_of_9999 = moved_to_year(read("tcx/test.tcx"), 9999)
    upload = SimpleUploadedFile("watch.tcx", tcx_of_9999, content_type="application/octet-stream")

    response = athlete_client.post("/runs/upload/", {"uploads": [upload]})
    page = athlete_client.get(response["Location"])

    assert response.status_code == 302 and page.status_code == 200
    html = page.content.decode()
    assert "0 imported, 0 already there, 1 not imported." in html
    assert "<bdi>watch.tcx</bdi>" in html and FUTURE in html
    assert not Activity.objects.exists()


def test_names_in_the_report_are_the_members_own(athlete: Any) -> None:
    """Folders in a member's name, ``..`` or a drive letter, are dropped: the
    report names the file, and nothing is written outside the database."""
    client = browser(athlete)

    response = files(("trav.zip", traversal))(client)

    html = text_of(client.get(response["Location"]))
    for name in ("trav.zip: evil.gpx", "trav.zip: abs.gpx", "trav.zip: win.gpx"):
        assert f"<bdi>{name}</bdi>" in html
    assert "../" not in html and "cron.d" not in html and "Windows" not in html


def test_runstrong_import_refuses_a_run_dated_9999_and_stores_nothing(runstrong: Runner) -> None:
    (runstrong.folder / "watch.tcx").write_bytes(moved_to_year(read("tcx/test.tcx"), 9999))

    for _ in range(2):  # the second time, it is not "already there": nothing was kept
        done = runstrong("import", "watch.tcx")
        assert done.returncode == 1
        assert done.stdout.splitlines() == [
            f"watch.tcx: not imported: {FUTURE}",
            "0 imported, 0 already there, 1 not imported.",
        ]
        assert "1 file(s) could not be imported" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ahead", "stored"), [(timedelta(hours=20), True), (timedelta(days=2), False)]
)
def test_a_clock_up_to_a_day_ahead_is_forgiven(
    athlete: Any, ahead: timedelta, stored: bool
) -> None:
    start = (timezone.now() + ahead).replace(microsecond=0)

    outcome = runs.activity_import(athlete=athlete, name="ahead.gpx", data=steady_gpx(start=start))

    assert Activity.objects.filter(athlete=athlete).exists() is stored
    if not stored:
        assert outcome.message == (
            f"it starts on {start.day} {start:%b %Y}, in the future: "
            "the clock of the device that recorded it must be wrong"
        )
