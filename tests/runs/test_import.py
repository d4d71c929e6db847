"""Importing run files: stored once, zips and gzip unpacked within limits, each bad file
refused with its reason, and nothing half-written."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from typing import Any

import numpy as np
import pytest

from runstrong.runs import intake, services
from runstrong.runs.models import Activity, ImportItem, ImportStatus
from runstrong.runs.parsers import parse_bytes
from tests.runs.activity_files import gpx_of
from tests.runs.conftest import ACTIVITIES, BAD_FILES, GOOD_FILES, gpx_run, gz, read, zip_of

pytestmark = pytest.mark.django_db


def import_file(athlete: Any, relative: str, data: bytes | None = None) -> services.ImportOutcome:
    return services.activity_import(
        athlete=athlete, name=relative.rsplit("/", 1)[-1], data=data or read(relative)
    )


def gpx_from_fit(relative: str) -> bytes:
    """The run of a FIT file as another service would export it: GPX with Garmin's extension."""
    return gpx_of(parse_bytes(read(relative)))


# ---------------------------------------------------------------------------
# One file


def test_a_run_is_stored_with_its_summary_samples_and_original(athlete: Any) -> None:
    outcome = import_file(athlete, "fit/activity-small-fenix2-run.fit")

    assert outcome.status == ImportStatus.IMPORTED and outcome.message == "running"
    activity = Activity.objects.get(pk=outcome.activity_id)
    parsed = parse_bytes(read("fit/activity-small-fenix2-run.fit"))
    assert activity.athlete == athlete and activity.is_run and activity.source_format == "fit"
    assert activity.start == parsed.start
    assert activity.elapsed_s == 2833 and 2700 < (activity.moving_s or 0) <= 2833
    assert activity.distance_m == pytest.approx(9007.07)
    assert 140 < (activity.avg_heart_rate or 0) < 170
    assert activity.original_bytes() == read("fit/activity-small-fenix2-run.fit")
    stored = activity.to_samples()
    assert np.array_equal(stored.t, parsed.samples.t)
    assert np.allclose(stored.distance_m, parsed.samples.distance_m, rtol=1e-6)
    assert np.array_equal(stored.heart_rate, parsed.samples.heart_rate, equal_nan=True)
    assert np.array_equal(stored.lat, parsed.samples.lat)


def test_the_same_file_twice_is_stored_once(athlete: Any) -> None:
    first = import_file(athlete, "tcx/test.tcx")
    second = import_file(athlete, "tcx/test.tcx")

    assert second.status == ImportStatus.DUPLICATE
    assert second.message == "already imported (the same file as test.tcx)"
    assert second.activity_id == first.activity_id
    assert Activity.objects.filter(athlete=athlete).count() == 1


def test_a_copy_with_heart_rate_replaces_the_same_run_without(athlete: Any) -> None:
    without = import_file(athlete, "tcx/no_hr.tcx")
    with_heart_rate = import_file(athlete, "tcx/test.tcx")
    again_without = import_file(athlete, "tcx/no_hr.tcx")

    assert with_heart_rate.status == ImportStatus.IMPORTED
    assert with_heart_rate.message == (
        "running; replaces no_hr.tcx, the same run without heart rate"
    )
    assert with_heart_rate.activity_id == without.activity_id
    assert again_without.status == ImportStatus.DUPLICATE
    assert again_without.message.startswith("the same run as test.tcx (TCX, imported")
    kept = Activity.objects.get(athlete=athlete)
    assert kept.original_name == "test.tcx" and kept.avg_heart_rate is not None
    assert kept.to_samples().has_heart_rate


def test_a_gzipped_copy_of_an_imported_file_is_the_same_file(athlete: Any) -> None:
    import_file(athlete, "gpx/cerknicko-jezero.gpx")
    again = services.activity_import(
        athlete=athlete, name="cerknicko-jezero.gpx.gz", data=gz(read("gpx/cerknicko-jezero.gpx"))
    )

    assert again.status == ImportStatus.DUPLICATE
    assert "the same file as cerknicko-jezero.gpx" in again.message


def test_the_same_run_from_two_sources_is_stored_once_and_says_which(athlete: Any) -> None:
    from_watch = import_file(athlete, "fit/garmin-fenix-5-run.fit")
    from_strava = services.activity_import(
        athlete=athlete, name="strava-export.gpx", data=gpx_from_fit("fit/garmin-fenix-5-run.fit")
    )

    assert from_strava.status == ImportStatus.DUPLICATE
    assert from_strava.activity_id == from_watch.activity_id
    assert from_strava.message.startswith("the same run as garmin-fenix-5-run.fit (FIT, imported")
    assert from_strava.message.endswith("stored once")
    assert Activity.objects.filter(athlete=athlete).count() == 1


def test_two_different_runs_starting_together_are_both_kept(athlete: Any) -> None:
    short = services.activity_import(athlete=athlete, name="a.gpx", data=gpx_run(points=60))
    long = services.activity_import(
        athlete=athlete, name="b.gpx", data=gpx_run(start="2024-03-01T07:01:00Z", points=240)
    )

    assert short.status == long.status == ImportStatus.IMPORTED
    assert Activity.objects.filter(athlete=athlete).count() == 2


def test_another_athletes_copy_of_a_file_is_their_own(athlete: Any, stranger: Any) -> None:
    import_file(athlete, "tcx/test.tcx")

    assert import_file(stranger, "tcx/test.tcx").status == ImportStatus.IMPORTED
    assert Activity.objects.filter(athlete=stranger).count() == 1


def test_a_ride_is_kept_but_left_out_of_the_trend(athlete: Any) -> None:
    outcome = import_file(athlete, "fit/garmin-fenix-5-bike.fit")

    assert outcome.status == ImportStatus.IMPORTED
    assert "not a run: left out of the efficiency trend" in outcome.message
    assert not Activity.objects.get(pk=outcome.activity_id).is_run


def test_files_without_heart_rate_or_times_are_kept_with_what_is_missing(athlete: Any) -> None:
    no_heart = import_file(athlete, "tcx/no_hr.tcx")
    no_times = import_file(athlete, "gpx/cerknicko-without-times.gpx")

    assert no_heart.message == "running; no heart rate: efficiency unavailable"
    assert Activity.objects.get(pk=no_heart.activity_id).avg_heart_rate is None
    assert "no times in the file" in no_times.message
    untimed = Activity.objects.get(pk=no_times.activity_id)
    assert untimed.start is None and untimed.elapsed_s is None and untimed.moving_s is None
    assert 12_000 < (untimed.distance_m or 0) < 16_000


@pytest.mark.parametrize("relative", BAD_FILES)
def test_a_bad_file_is_refused_and_nothing_is_stored(athlete: Any, relative: str) -> None:
    outcome = import_file(athlete, relative)

    assert outcome.status == ImportStatus.ERROR and outcome.message
    assert not Activity.objects.exists()


def test_an_oversized_file_is_refused(athlete: Any) -> None:
    huge = b"<gpx>" + b" " * (65 * 1024 * 1024)

    outcome = services.activity_import(athlete=athlete, name="huge.gpx", data=huge)

    assert outcome.status == ImportStatus.ERROR
    assert outcome.message == "it is larger than 64 MB: not a single activity"


# ---------------------------------------------------------------------------
# Batches and archives


def bulk_export() -> bytes:
    """Every real file in a Strava-style export: an activities/ folder, some files gzipped."""
    members: dict[str, bytes] = {"activities.csv": b"Activity ID,Date\n1,2017-06-11\n"}
    for path in sorted(ACTIVITIES.rglob("*")):
        if path.suffix in {".fit", ".gpx", ".tcx"}:
            relative = str(path.relative_to(ACTIVITIES))
            if relative.startswith("fit/") and "invalid" not in relative:
                members[f"activities/{path.name}.gz"] = gz(path.read_bytes())
            else:
                members[f"activities/{path.name}"] = path.read_bytes()
    return zip_of(members)


def test_a_zip_of_every_file_imports_the_good_and_reports_the_bad(athlete: Any) -> None:
    result = services.batch_import(athlete=athlete, files=[("export.zip", bulk_export())])

    by_name = {outcome.name.rsplit(": ", 1)[-1]: outcome for outcome in result.outcomes}
    for relative in GOOD_FILES:
        name = relative.rsplit("/", 1)[-1]
        outcome = by_name.get(name) or by_name[f"{name}.gz"]
        assert outcome.status == ImportStatus.IMPORTED, (name, outcome.message)
    messages = {
        "Settings.fit.gz": "it is a FIT settings file, not an activity",
        "activity-unexpected-eof.fit": "it stops short: the file is truncated",
        "activity-filecrc.fit": "its checksum (CRC) does not match: the file is damaged",
        "activity-settings-corruptheader.fit": "it holds a damaged FIT header after the first "
        "part: the file is corrupt",
        "unicode_with_bom.gpx": "this GPX file has no track or route points (only 1 waypoint): "
        "not an activity",
    }
    for name, message in messages.items():
        assert (by_name[name].status, by_name[name].message) == (ImportStatus.ERROR, message)
    # no_hr.tcx is test.tcx without its heart rate: the same run, stored once,
    # and the copy with heart rate (which comes later in the archive) is kept.
    assert by_name["no_hr.tcx"].status == ImportStatus.IMPORTED
    assert by_name["test.tcx"].message.endswith(
        "replaces export.zip: no_hr.tcx, the same run without heart rate"
    )
    assert by_name["test.tcx"].activity_id == by_name["no_hr.tcx"].activity_id
    assert by_name["cerknicko-without-times.gpx"].status == ImportStatus.IMPORTED
    assert "activities.csv" not in by_name
    assert result.count(ImportStatus.IMPORTED) == 8
    assert Activity.objects.filter(athlete=athlete).count() == 7
    assert Activity.objects.get(pk=by_name["test.tcx"].activity_id).original_name.endswith(
        "test.tcx"
    )
    items = ImportItem.objects.filter(batch=result.batch)
    assert [item.as_dict() for item in items] == [
        {"name": outcome.name, "status": outcome.status, "message": outcome.message}
        for outcome in result.outcomes
    ]
    # The archive's name and the member's own, without the folders inside the archive.
    assert by_name["garmin-fenix-5-run.fit.gz"].name == "export.zip: garmin-fenix-5-run.fit.gz"


def test_a_zip_bomb_member_is_refused_without_unpacking_it(athlete: Any) -> None:
    bomb = zip_of(
        {
            "activities/bomb.gpx": b"\0" * (100 * 1024 * 1024),
            "activities/run.tcx": read("tcx/test.tcx"),
        }
    )
    assert len(bomb) < 200 * 1024

    result = services.batch_import(athlete=athlete, files=[("bomb.zip", bomb)])

    first, second = result.outcomes
    assert first.status == ImportStatus.ERROR
    assert first.message.startswith("it unpacks to 100 MB from") and "zip bomb" in first.message
    assert second.status == ImportStatus.IMPORTED


def test_a_zip_member_that_lies_about_its_size_is_cut_off_at_the_limit(athlete: Any) -> None:
    payload = b"<gpx>" + b" " * (70 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities/liar.gpx", payload)
    data = bytearray(buffer.getvalue())
    # Rewrite the declared sizes (local header and central directory) to 1 KB.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = (1024).to_bytes(4, "little")

    result = services.batch_import(athlete=athlete, files=[("liar.zip", bytes(data))])

    (outcome,) = result.outcomes
    assert outcome.status == ImportStatus.ERROR
    assert not Activity.objects.exists()


def test_a_zip_with_too_many_entries_is_refused_whole(athlete: Any) -> None:
    crowded = zip_of({f"activities/{n}.gpx": b"" for n in range(intake.MAX_MEMBERS + 1)})

    (outcome,) = services.batch_import(athlete=athlete, files=[("crowded.zip", crowded)]).outcomes

    assert outcome.status == ImportStatus.ERROR
    assert "more than the 20,000 accepted" in outcome.message


def test_a_damaged_zip_is_reported(athlete: Any) -> None:
    archive = bulk_export()

    (outcome,) = services.batch_import(
        athlete=athlete, files=[("export.zip", archive[: len(archive) // 2])]
    ).outcomes

    assert (outcome.status, outcome.message) == (
        ImportStatus.ERROR,
        "the zip archive is damaged or truncated",
    )


def test_a_zip_inside_a_zip_is_reported_not_opened(athlete: Any) -> None:
    inner = zip_of({"run.tcx": read("tcx/test.tcx")})

    (outcome,) = services.batch_import(
        athlete=athlete, files=[("garmin.zip", zip_of({"DI_CONNECT/part1.zip": inner}))]
    ).outcomes

    assert outcome.status == ImportStatus.ERROR and "a zip inside the zip" in outcome.message


def test_loose_files_and_gzipped_files_in_one_batch(athlete: Any) -> None:
    result = services.batch_import(
        athlete=athlete,
        files=[
            ("test.tcx", read("tcx/test.tcx")),
            ("run.fit.gz", gz(read("fit/garmin-fenix-5-run.fit"))),
            ("empty.gpx", b""),
        ],
    )

    assert [outcome.status for outcome in result.outcomes] == [
        ImportStatus.IMPORTED,
        ImportStatus.IMPORTED,
        ImportStatus.ERROR,
    ]
    assert result.outcomes[2].message == "the file is empty"


def test_a_file_that_fails_to_store_leaves_nothing_and_the_batch_goes_on(athlete: Any) -> None:
    good = intake.prepare(intake.Incoming("run.tcx", read("tcx/test.tcx")))
    # Refused by the database (a negative point count breaks a CHECK constraint)
    # after the activity row's insert was attempted: all of it is rolled back.
    broken = dataclasses.replace(
        intake.prepare(intake.Incoming("bike.fit", read("fit/garmin-fenix-5-bike.fit"))),
        point_count=-1,
    )
    last = intake.prepare(intake.Incoming("run.fit", read("fit/garmin-fenix-5-run.fit")))

    result = services.batch_store(athlete=athlete, prepared=[good, broken, last])

    assert [outcome.status for outcome in result.outcomes] == [
        ImportStatus.IMPORTED,
        ImportStatus.ERROR,
        ImportStatus.IMPORTED,
    ]
    assert result.outcomes[1].message == services.STORE_FAILED
    assert not Activity.objects.filter(sha256=broken.sha256).exists()
    assert Activity.objects.count() == 2
    assert ImportItem.objects.filter(batch=result.batch).count() == 3


def test_a_large_export_is_taken_a_few_new_files_per_upload(athlete: Any) -> None:
    export = zip_of(
        {
            f"activities/run-{day}.gpx": gpx_run(start=f"2024-03-{day:02d}T07:00:00Z", points=30)
            for day in range(1, 6)
        }
    )

    first = services.batch_import(athlete=athlete, files=[("export.zip", export)], max_new=3)
    second = services.batch_import(athlete=athlete, files=[("export.zip", export)], max_new=3)

    assert [outcome.status for outcome in first.outcomes] == [ImportStatus.IMPORTED] * 3 + [
        ImportStatus.ERROR
    ] * 2
    assert first.outcomes[3].message.startswith("not read: one upload takes up to 3 new files")
    assert [outcome.status for outcome in second.outcomes] == [ImportStatus.DUPLICATE] * 3 + [
        ImportStatus.IMPORTED
    ] * 2
    assert Activity.objects.filter(athlete=athlete).count() == 5
