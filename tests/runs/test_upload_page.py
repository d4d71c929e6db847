"""The upload form, its results page and the runs list, as a logged-in athlete uses them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from runstrong.runs import services
from runstrong.runs.models import Activity, ImportBatch
from tests.runs.conftest import gpx_run, gz, read, zip_of

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_files(client: Client, *files: SimpleUploadedFile, **extra: Any) -> Any:
    return client.post("/runs/upload/", {"uploads": list(files), **extra})


def test_the_pages_ask_a_visitor_to_log_in(client: Client) -> None:
    for url in ("/runs/", "/runs/upload/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/")


def test_the_upload_form_takes_several_files(athlete_client: Client) -> None:
    html = athlete_client.get("/runs/upload/").content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="uploads"[^>]* multiple', html)
    assert 'accept=".gpx,.tcx,.fit,.gz,.zip"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_uploading_files_shows_what_became_of_each(athlete_client: Client, athlete: Any) -> None:
    response = post_files(
        athlete_client,
        upload("morning.tcx", read("tcx/test.tcx")),
        upload("watch.fit.gz", gz(read("fit/garmin-fenix-5-run.fit"))),
        upload("Settings.fit", read("fit/Settings.fit")),
    )

    batch = ImportBatch.objects.get(athlete=athlete)
    assert response.status_code == 302 and response["Location"] == f"/runs/imports/{batch.pk}/"
    html = athlete_client.get(response["Location"]).content.decode()
    assert "2 imported, 0 already there, 1 not imported." in html
    assert "morning.tcx" in html and "watch.fit.gz" in html
    assert "it is a FIT settings file, not an activity" in html
    assert Activity.objects.filter(athlete=athlete).count() == 2


def test_uploading_a_file_again_says_it_is_already_there(athlete_client: Client) -> None:
    post_files(athlete_client, upload("run.tcx", read("tcx/test.tcx")))
    response = post_files(athlete_client, upload("run-again.tcx", read("tcx/test.tcx")))

    html = athlete_client.get(response["Location"]).content.decode()
    assert "0 imported, 1 already there, 0 not imported." in html
    assert "already imported (the same file as run.tcx)" in html


def test_uploading_a_zip_export_reports_each_file(athlete_client: Client) -> None:
    export = zip_of(
        {
            "activities/1.fit.gz": gz(read("fit/garmin-fenix-5-bike.fit")),
            "activities/2.gpx": read("gpx/cerknicko-jezero.gpx"),
            "activities/3.fit": read("fit/invalid/activity-filecrc.fit"),
        }
    )

    response = post_files(athlete_client, upload("export.zip", export))

    html = athlete_client.get(response["Location"]).content.decode()
    assert "2 imported, 0 already there, 1 not imported." in html
    assert "export.zip: 3.fit" in html
    assert "its checksum (CRC) does not match: the file is damaged" in html
    assert "kept, but not a run: left out of the efficiency trend" in html


def test_file_names_and_messages_are_escaped(athlete_client: Client) -> None:
    response = post_files(athlete_client, upload("<i>x.gpx", b"<script>alert(1)</script>"))

    html = athlete_client.get(response["Location"]).content.decode()
    assert "<i>x" not in html and "&lt;i&gt;x.gpx" in html


def test_an_empty_form_is_refused_with_a_message(athlete_client: Client) -> None:
    response = athlete_client.post("/runs/upload/", {})

    assert response.status_code == 422
    assert "Choose at least one file to upload." in response.content.decode()


def test_too_many_files_at_once_are_refused(athlete_client: Client) -> None:
    files = [upload(f"{n}.gpx", gpx_run(points=2)) for n in range(51)]

    response = post_files(athlete_client, *files)

    assert response.status_code == 422
    assert "That is 51 files; upload at most 50 at a time" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_oversized_upload_is_refused_without_importing_anything(
    athlete_client: Client, settings: Any
) -> None:
    settings.RUNS_MAX_UPLOAD_BYTES = 1024 * 1024

    response = post_files(
        athlete_client,
        upload("run.tcx", read("tcx/test.tcx")),
        upload("big.gpx", b"<gpx>" + b" " * (2 * 1024 * 1024)),
    )

    assert response.status_code == 413
    assert "That upload is over 1 MB: nothing was imported." in response.content.decode()
    assert not Activity.objects.exists() and not ImportBatch.objects.exists()


def test_the_upload_needs_the_csrf_token(athlete: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)

    refused = post_files(client, upload("run.tcx", read("tcx/test.tcx")))
    assert refused.status_code == 403
    assert not Activity.objects.exists()

    page = client.get("/runs/upload/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    accepted = post_files(
        client, upload("run.tcx", read("tcx/test.tcx")), csrfmiddlewaretoken=token.group(1)
    )
    assert accepted.status_code == 302
    assert Activity.objects.count() == 1


def test_another_athletes_upload_results_are_not_found(
    athlete: Any, stranger_client: Client
) -> None:
    result = services.batch_import(athlete=athlete, files=[("run.tcx", read("tcx/test.tcx"))])

    assert stranger_client.get(f"/runs/imports/{result.batch.pk}/").status_code == 404
    assert stranger_client.get("/runs/imports/999999/").status_code == 404


def test_my_runs_lists_runs_in_my_units_with_their_badges(
    athlete_client: Client, athlete: Any
) -> None:
    fenix = services.activity_import(
        athlete=athlete, name="long.fit", data=read("fit/activity-small-fenix2-run.fit")
    )
    services.activity_import(athlete=athlete, name="nohr.tcx", data=read("tcx/no_hr.tcx"))
    services.activity_import(
        athlete=athlete, name="ride.fit", data=read("fit/garmin-fenix-5-bike.fit")
    )

    html = athlete_client.get("/runs/").content.decode()

    assert "9.01 km" in html and "4.69 km" in html
    assert html.count('class="badge badge-warning">no HR') == 1
    assert "not a run" in html and "cycling" in html
    activity = Activity.objects.get(pk=fenix.activity_id)
    if activity.qualifies is not None:
        assert ("badge-steady" if activity.qualifies else "badge-unsteady") in html
    # Newest first: the 2017 ride, then the 2015 run, then the 2012 one.
    assert html.index("2017-06-12") < html.index("2015-08-15") < html.index("2012-12-26")

    athlete.units = "mi"
    athlete.save()
    html = athlete_client.get("/runs/").content.decode()
    assert "5.60 mi" in html and "/mi" in html


def test_my_runs_shows_only_mine(athlete: Any, stranger_client: Client) -> None:
    services.activity_import(athlete=athlete, name="run.tcx", data=read("tcx/test.tcx"))

    html = stranger_client.get("/runs/").content.decode()

    assert "No runs yet" in html and "run.tcx" not in html
