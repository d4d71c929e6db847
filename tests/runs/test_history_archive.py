"""Reading a whole history export (runs/history_archive.py), the sport a CSV names
(intake.Incoming.sport), and the generated exports the tests and the benchmark share.

Pure: no database. Archives are small and written into tmp_path.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest

from runstrong.runs import history_archive, intake, parsers
from tests.runs import exports
from tests.runs.conftest import gz, read, zip_of
from tests.runs.multisport import brick_fit

MB = 1024 * 1024
RUN_FIT = "fit/garmin-fenix-5-run.fit"


def members(path: Path, **options: Any) -> list[tuple[int, intake.Incoming]]:
    return list(history_archive.iter_members(path, **options))


def write(path: Path, entries: dict[str, bytes]) -> Path:
    path.write_bytes(zip_of(entries))
    return path


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of every zip member opened for reading from now on."""
    names: list[str] = []
    original = zipfile.ZipFile.open

    def recording(self: zipfile.ZipFile, name: Any, mode: str = "r", **options: Any) -> Any:
        if mode == "r":
            names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return original(self, name, mode, **options)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording)
    return names


def corrupt_crc(data: bytes, member: str) -> bytes:
    """The archive with one byte of ``member``'s stored content flipped."""
    damaged = bytearray(data)
    header = damaged.find(b"PK\x03\x04")
    while header >= 0:
        name_length = int.from_bytes(damaged[header + 26 : header + 28], "little")
        extra_length = int.from_bytes(damaged[header + 28 : header + 30], "little")
        name = bytes(damaged[header + 30 : header + 30 + name_length]).decode()
        if name == member:
            damaged[header + 30 + name_length + extra_length + 10] ^= 0xFF
            return bytes(damaged)
        header = damaged.find(b"PK\x03\x04", header + 4)
    raise AssertionError(f"{member} not in the archive")


def stored_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# intake: a sport named outside the file.


def test_a_sport_named_outside_the_file_wins_over_the_files_own() -> None:
    prepared = intake.prepare(intake.Incoming("run.fit", read(RUN_FIT), sport="cycling"))

    assert (prepared.sport, prepared.is_run) == ("cycling", False)
    assert prepared.qualifies is False


def test_a_file_that_names_no_sport_takes_the_one_named_outside_it() -> None:
    data = read("gpx/cerknicko-jezero.gpx")

    alone = intake.prepare(intake.Incoming("track.gpx", data))
    named = intake.prepare(intake.Incoming("track.gpx", data, sport="trail_running"))

    assert (alone.sport, alone.is_run) == ("unknown", False)
    assert (named.sport, named.is_run) == ("trail_running", True)


def test_every_leg_of_a_multisport_file_takes_the_sport_named_outside_it() -> None:
    prepared = intake.prepare(intake.Incoming("brick.fit", brick_fit(), sport="cycling"))

    assert len(prepared.legs()) == 2
    assert [(leg.sport, leg.is_run) for leg in prepared.legs()] == [("cycling", False)] * 2


def test_without_a_sport_named_outside_the_file_says() -> None:
    prepared = intake.prepare(intake.Incoming("bike.fit", read("fit/garmin-fenix-5-bike.fit")))

    assert (prepared.sport, prepared.is_run) == ("cycling", False)


# ---------------------------------------------------------------------------
# Strava: activities.csv names the sports; media/ is never opened.


def test_strava_sports_come_from_activities_csv(tmp_path: Path) -> None:
    export = exports.strava_export(tmp_path / "strava.zip", activities=21, rides_share=0.25)

    found = members(export.path)

    assert [index for index, _ in found] == list(range(21))
    assert history_archive.count_members(export.path) == 21
    expected = {
        Path(activity.member).name: "running" if activity.csv_type == "Run" else "cycling"
        for activity in export.activities
    }
    assert {incoming.name: incoming.sport for _, incoming in found} == expected


def test_a_ride_stays_a_ride_though_its_file_says_running(tmp_path: Path) -> None:
    export = exports.strava_export(tmp_path / "strava.zip", activities=14, rides_share=0.5)
    ride_of_a_run_file = next(
        activity
        for activity in export.activities
        if activity.csv_type == "Ride" and dict(exports.SOURCES)[activity.source] == "running"
    )

    by_name = {incoming.name: incoming for _, incoming in members(export.path)}
    prepared = intake.prepare(by_name[Path(ride_of_a_run_file.member).name])

    assert parsers.parse_bytes(parsers.unpack(prepared.original_gz)).sport == "running"
    assert (prepared.sport, prepared.is_run, prepared.error) == ("cycling", False, None)


def test_the_csv_is_read_whatever_its_column_order_quoting_and_bom(tmp_path: Path) -> None:
    rows = (
        '\ufeff"Filename","Activity Description","Activity Type"\r\n'
        '"activities/1.gpx","a ride, ""fast""\nover two lines","Ride"\r\n'
        "activities/2.gpx,,Trail Run\r\n"
        "activities/3.gpx,,Kayaking\r\n"
        "activities/4.gpx,,Laufen\r\n"
        ",manual entry,Run\r\n"
        "short row\r\n"
    )
    path = write(
        tmp_path / "export.zip",
        {"activities.csv": rows.encode()}
        | {
            f"activities/{n}.gpx": exports.shifted("gpx/cerknicko-jezero.gpx", n)
            for n in range(1, 6)
        },
    )

    sports = {incoming.name: incoming.sport for _, incoming in members(path)}

    assert sports == {
        "1.gpx": "cycling",
        "2.gpx": "trail_running",
        "3.gpx": "other",
        "4.gpx": None,  # a type it does not know (another language): the file decides
        "5.gpx": None,  # not in the CSV
    }


@pytest.mark.parametrize(
    "csv_bytes",
    [None, b"", b"Activity ID,Activity Type\n1,Ride\n", b"\xff\xfe garbage \x00\x00"],
    ids=["no csv", "empty", "no filename column", "not text"],
)
def test_without_a_usable_csv_every_file_keeps_its_own_sport(
    tmp_path: Path, csv_bytes: bytes | None
) -> None:
    entries = {
        "activities/1.fit": read(RUN_FIT),
        "activities/2.fit": read("fit/garmin-fenix-5-bike.fit"),
    }
    if csv_bytes is not None:
        entries["activities.csv"] = csv_bytes
    path = write(tmp_path / "export.zip", entries)

    found = members(path)

    assert [(incoming.name, incoming.sport, incoming.error) for _, incoming in found] == [
        ("1.fit", None, None),
        ("2.fit", None, None),
    ]


def test_media_is_skipped_without_being_opened(tmp_path: Path, opened: list[str]) -> None:
    bomb = b"\0" * (20 * MB)  # deflates ~1000×: refused as a bomb if it were looked at
    good = stored_zip(
        {
            "activities/1.gpx": exports.shifted("gpx/cerknicko-jezero.gpx", 86_400),
            "media/clip.fit": read(RUN_FIT),
            "media/nested.zip": zip_of({"run.fit": read(RUN_FIT)}),
            "Export/MEDIA/photo.gpx": b"<gpx/>",
        }
    )
    damaged = corrupt_crc(corrupt_crc(good, "media/clip.fit"), "media/nested.zip")
    path = tmp_path / "strava.zip"
    path.write_bytes(damaged)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("media/bomb.tcx", bomb)

    found = members(path, workdir=tmp_path)

    assert [(index, incoming.name, incoming.error) for index, incoming in found] == [
        (0, "1.gpx", None)
    ]
    assert history_archive.count_members(path) == 1
    assert not [name for name in opened if "media" in name.lower()]


def test_activities_csv_in_media_is_not_the_exports(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.zip",
        {"media/activities.csv": b"Filename,Activity Type\n1.fit,Ride\n", "1.fit": read(RUN_FIT)},
    )

    assert [incoming.sport for _, incoming in members(path)] == [None]


# ---------------------------------------------------------------------------
# Garmin: zips inside the zip.


def test_garmin_nested_zips_are_opened_in_turn(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    export = exports.garmin_export(tmp_path / "garmin.zip", activities=9, parts=3)

    found = members(export.path, workdir=work)

    assert history_archive.count_members(export.path, workdir=work) == 9
    assert [index for index, _ in found] == list(range(9))
    assert all(incoming.error is None and incoming.sport is None for _, incoming in found)
    assert [incoming.name for _, incoming in found] == [
        f"{Path(activity.member).parent.name}: {Path(activity.member).name}"
        for activity in export.activities
    ]
    prepared = [intake.prepare(incoming) for _, incoming in found]
    assert [item.is_run for item in prepared] == [activity.is_run for activity in export.activities]
    assert list(work.iterdir()) == []  # the copies are gone


def test_a_nested_copy_is_removed_when_reading_stops_midway(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    export = exports.garmin_export(tmp_path / "garmin.zip", activities=6, parts=2)

    reading = history_archive.iter_members(export.path, workdir=work)
    next(reading)
    reading.close()

    assert list(work.iterdir()) == []


def test_a_damaged_nested_zip_is_one_failed_file_and_the_rest_go_on(tmp_path: Path) -> None:
    inner = zip_of({"a.fit": read(RUN_FIT), "b.tcx": read("tcx/test.tcx")})
    good = stored_zip(
        {"1.gpx": read("gpx/cerknicko-jezero.gpx"), "Part1.zip": inner, "2.fit": read(RUN_FIT)}
    )
    path = tmp_path / "garmin.zip"
    path.write_bytes(corrupt_crc(good, "Part1.zip"))

    found = members(path, workdir=tmp_path)

    assert [(incoming.name, bool(incoming.error)) for _, incoming in found] == [
        ("1.gpx", False),
        ("Part1.zip", True),
        ("2.fit", False),
    ]
    assert "damaged" in (found[1][1].error or "")
    assert history_archive.count_members(path, workdir=tmp_path) == 3


def test_nested_zips_open_one_level_only(tmp_path: Path) -> None:
    deepest = zip_of({"run.fit": read(RUN_FIT)})
    path = write(
        tmp_path / "garmin.zip",
        {"Part1.zip": zip_of({"deeper.zip": deepest, "a.fit": read(RUN_FIT)}), "not.zip": b"plain"},
    )

    found = [(incoming.name, incoming.error) for _, incoming in members(path, workdir=tmp_path)]

    assert found == [
        ("Part1.zip: deeper.zip", "a zip inside a zip inside the archive: not opened"),
        ("Part1.zip: a.fit", None),
        ("not.zip", "it is named .zip but is not a zip archive"),
    ]


# ---------------------------------------------------------------------------
# Any layout, gzipped members, a file that is not a zip.


def test_any_folder_layout_and_gzipped_members(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mine.zip",
        {
            "Users/me/Desktop/old runs/2019/A.FIT": read(RUN_FIT),
            "x\\windows\\path.tcx.gz": gz(read("tcx/test.tcx")),
            "deep/a/b/c/d/e/track.GPX": read("gpx/cerknicko-jezero.gpx"),
            "notes.txt": b"not a run",
            "deep/": b"",
        },
    )

    found = members(path)

    assert [incoming.name for _, incoming in found] == ["A.FIT", "path.tcx.gz", "track.GPX"]
    assert [intake.prepare(incoming).error for _, incoming in found] == [None, None, None]


def test_a_file_that_is_not_a_zip_is_read_as_one_activity_file(tmp_path: Path) -> None:
    path = tmp_path / "upload.part"
    path.write_bytes(gz(read(RUN_FIT)))

    ((index, incoming),) = members(path, name="run.fit.gz")

    assert (index, incoming.name, incoming.error) == (0, "run.fit.gz", None)
    assert intake.prepare(incoming).is_run
    assert history_archive.count_members(path) == 1


def test_an_archive_with_no_activity_files_is_one_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "photos.zip", {"media/a.jpg": b"x", "readme.txt": b"hello"})

    assert [(index, incoming.error) for index, incoming in members(path, name="photos.zip")] == [
        (0, "the zip archive holds no GPX, TCX or FIT files")
    ]
    assert history_archive.count_members(path) == 1


# ---------------------------------------------------------------------------
# Resuming: start=N.


def mixed_archive(tmp_path: Path) -> Path:
    """Loose files, a broken one, a nested zip, a traversal, in one archive."""
    inner = zip_of({"n1.fit": read(RUN_FIT), "n2.gpx": read("gpx/cerknicko-jezero.gpx")})
    good = stored_zip(
        {
            "a.fit": read(RUN_FIT),
            "b.tcx": read("tcx/test.tcx"),
            "Part1.zip": inner,
            "../../evil.gpx": read("gpx/cerknicko-jezero.gpx"),
            "c.fit": read("fit/garmin-fenix-5-bike.fit"),
            "d.gpx": read("gpx/track-with-empty-segment.gpx"),
        }
    )
    path = tmp_path / "mixed.zip"
    path.write_bytes(corrupt_crc(good, "c.fit"))
    return path


def test_every_start_gives_the_tail_of_a_full_pass(tmp_path: Path) -> None:
    path = mixed_archive(tmp_path)
    full = members(path, workdir=tmp_path)

    assert history_archive.count_members(path, workdir=tmp_path) == len(full) == 7
    for start in range(len(full) + 2):
        assert members(path, start=start, workdir=tmp_path) == full[start:]


def test_a_resumed_pass_reads_none_of_the_files_it_skips(tmp_path: Path, opened: list[str]) -> None:
    export = exports.strava_export(tmp_path / "strava.zip", activities=10, media_bytes=0)

    found = members(export.path, start=7)

    assert [index for index, _ in found] == [7, 8, 9]
    activity_files = [name for name in opened if name.startswith("activities/")]
    assert activity_files == [activity.member for activity in export.activities[7:]]


# ---------------------------------------------------------------------------
# Limits: bombs, too many entries, traversal, passwords, damage.


def test_a_bomb_member_is_refused_and_the_rest_go_on(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bomb.zip",
        {"a.fit": read(RUN_FIT), "bomb.gpx": b"\0" * (30 * MB), "b.fit": read(RUN_FIT)},
    )

    found = [(incoming.name, incoming.error) for _, incoming in members(path)]

    assert found[0] == ("a.fit", None) and found[2] == ("b.fit", None)
    assert "refused as a possible zip bomb" in (found[1][1] or "")


def test_a_member_larger_than_a_file_may_be_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsers, "MAX_FILE_BYTES", 8192)
    path = write(
        tmp_path / "big.zip",
        {"big.tcx": read("tcx/test.tcx"), "small.fit": read("fit/garmin-fenix-5-bike.fit")},
    )

    found = [(incoming.name, incoming.error) for _, incoming in members(path)]

    assert found[1] == ("small.fit", None)
    assert "refused" in (found[0][1] or "")


def test_too_many_entries_refuse_the_archive_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_archive, "MAX_ENTRIES", 50)
    path = write(
        tmp_path / "crowded.zip",
        {f"media/{n}.jpg": b"" for n in range(51)} | {"a.fit": read(RUN_FIT)},
    )
    opened_archives: list[object] = []
    monkeypatch.setattr(zipfile, "ZipFile", lambda *args, **kwargs: opened_archives.append(args))

    ((index, incoming),) = members(path, name="crowded.zip")

    assert (index, incoming.name) == (0, "crowded.zip")
    assert incoming.error == "the zip archive holds 52 entries, more than the 50 accepted: refused"
    assert opened_archives == []


def test_the_entry_count_of_a_zip64_archive_is_read_from_its_zip64_record(tmp_path: Path) -> None:
    path = tmp_path / "zip64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number in range(0x10000 + 5):
            archive.writestr(f"m/{number}", b"")

    with path.open("rb") as handle:
        assert history_archive._declared_entries(handle) == 0x10000 + 5


def test_too_many_activity_files_refuse_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_archive, "MAX_ACTIVITIES", 3)
    path = write(tmp_path / "many.zip", {f"{n}.gpx": b"" for n in range(4)})

    assert [incoming.error for _, incoming in members(path)] == [
        "the zip archive holds 4 activity files, more than the 3 accepted: refused"
    ]


def test_the_unpacked_limit_stops_at_the_same_file_on_every_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = len(read(RUN_FIT))
    monkeypatch.setattr(history_archive, "MAX_UNPACKED", 5 * size)
    inner = zip_of({f"n{n}.fit": read(RUN_FIT) for n in range(3)})
    path = write(
        tmp_path / "big.zip",
        {
            "a.fit": read(RUN_FIT),
            "Part1.zip": inner,
            "b.fit": read(RUN_FIT),
            "c.fit": read(RUN_FIT),
        },
    )

    full = members(path, workdir=tmp_path)

    assert [incoming.error is None for _, incoming in full] == [True] * 5 + [False]
    assert full[5][1].error == "the archive's unpacked size limit was reached"
    assert members(path, start=5, workdir=tmp_path) == full[5:]


def test_a_member_climbing_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "evil.zip",
        {"../../home/x/.bashrc.gpx": b"<gpx/>", "/etc/run.fit": b"x", "ok.fit": read(RUN_FIT)},
    )

    found = [(incoming.name, incoming.error) for _, incoming in members(path)]

    assert found == [
        (".bashrc.gpx", "its name in the archive climbs out of its folder"),
        ("run.fit", "its name in the archive climbs out of its folder"),
        ("ok.fit", None),
    ]


def _with_password_flag(data: bytes, member: str) -> bytes:
    """The archive with ``member`` marked encrypted in both its headers (its bytes
    unchanged: enough for any reader to refuse it)."""
    marked = bytearray(data)
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = marked.find(signature)
        while at >= 0:
            length_at = 26 if signature == b"PK\x03\x04" else 28
            length = int.from_bytes(marked[at + length_at : at + length_at + 2], "little")
            if bytes(marked[at + name_at : at + name_at + length]).decode() == member:
                marked[at + flag_at] |= 0x1
            at = marked.find(signature, at + 4)
    return bytes(marked)


def test_a_password_protected_member_is_refused_and_the_rest_go_on(tmp_path: Path) -> None:
    inner = zip_of({"n.fit": read(RUN_FIT)})
    data = zip_of({"secret.fit": read(RUN_FIT), "Part1.zip": inner, "open.fit": read(RUN_FIT)})
    path = tmp_path / "locked.zip"
    path.write_bytes(_with_password_flag(_with_password_flag(data, "secret.fit"), "Part1.zip"))

    found = [(incoming.name, incoming.error) for _, incoming in members(path, workdir=tmp_path)]

    assert found == [
        ("secret.fit", "it is password-protected in the archive"),
        ("Part1.zip", "it is password-protected in the archive"),
        ("open.fit", None),
    ]


def test_a_member_with_a_bad_crc_is_refused_and_the_rest_go_on(tmp_path: Path) -> None:
    data = stored_zip({"a.fit": read(RUN_FIT), "b.fit": read(RUN_FIT)})
    path = tmp_path / "crc.zip"
    path.write_bytes(corrupt_crc(data, "a.fit"))

    found = [(incoming.name, incoming.error) for _, incoming in members(path)]

    assert found == [
        ("a.fit", "it is damaged inside the zip archive (bad CRC or truncated)"),
        ("b.fit", None),
    ]


def test_a_truncated_archive_is_one_failure(tmp_path: Path) -> None:
    export = exports.strava_export(tmp_path / "strava.zip", activities=5, media_bytes=0)
    truncated = tmp_path / "truncated.part"
    truncated.write_bytes(export.path.read_bytes()[: export.size // 2])

    assert members(truncated, name="strava.zip") == [
        (0, intake.Incoming(name="strava.zip", error="the zip archive is damaged or truncated"))
    ]
    assert history_archive.count_members(truncated) == 1


# ---------------------------------------------------------------------------
# Memory.


def test_memory_stays_bounded_whatever_the_archives_size(tmp_path: Path) -> None:
    export = exports.strava_export(
        tmp_path / "strava.zip", activities=14, media_bytes=50 * MB, media_file_bytes=50 * MB
    )
    # A nested zip of 20 MB with a big member in it: copied out in pieces.
    with zipfile.ZipFile(export.path, "a") as archive:
        with zipfile.ZipFile(tmp_path / "part.zip", "w") as part:
            exports.write_media(part, 20 * MB, file_bytes=20 * MB, folder="photos")
            part.writestr("n.fit", read(RUN_FIT))
        archive.write(tmp_path / "part.zip", "DI_CONNECT/Part1.zip")

    tracemalloc.start()
    try:
        count = history_archive.count_members(export.path, workdir=tmp_path)
        largest = 0
        for _, incoming in history_archive.iter_members(export.path, workdir=tmp_path):
            largest = max(largest, len(incoming.data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 15
    assert peak < largest + 4 * MB, f"peak {peak / MB:.1f} MB"


# ---------------------------------------------------------------------------
# The generated exports themselves.


def test_generated_activities_are_distinct_runs_in_the_past(tmp_path: Path) -> None:
    export = exports.strava_export(tmp_path / "strava.zip", activities=28, media_bytes=MB)
    hashes = set()
    starts = set()

    for _, incoming in history_archive.iter_members(export.path):
        prepared = intake.prepare(incoming)
        assert prepared.error is None, (incoming.name, prepared.error)
        hashes.add(prepared.sha256)
        starts.add(prepared.start)

    assert len(hashes) == len(starts) == 28
    assert max(starts) <= exports.LAST_DAY.replace(hour=23)
    assert [activity.start for activity in export.activities] == sorted(starts)


def test_a_shifted_fit_file_has_a_right_crc_and_every_time_moved() -> None:
    original = read("fit/activity-small-fenix2-run.fit")
    day = 86_400

    moved = exports.shifted("fit/activity-small-fenix2-run.fit", 10 * day)

    assert exports.fit_crc(moved[:-2]) == int.from_bytes(moved[-2:], "little")
    before, after = parsers.parse_bytes(original), parsers.parse_bytes(moved)
    assert after.start is not None and before.start is not None
    assert (after.start - before.start).total_seconds() == 10 * day
    assert list(after.samples.t) == list(before.samples.t)
    assert hashlib.sha256(moved).digest() != hashlib.sha256(original).digest()


def test_the_media_folder_does_not_compress(tmp_path: Path) -> None:
    export = exports.strava_export(
        tmp_path / "strava.zip", activities=7, media_bytes=3 * MB, media_file_bytes=2 * MB
    )

    with zipfile.ZipFile(export.path) as archive:
        media = [info for info in archive.infolist() if info.filename.startswith("media/")]

    assert [info.file_size for info in media] == [2 * MB, MB]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in media)
    assert export.size > 3 * MB
