"""Generated history exports (Strava's, Garmin's) for the tests and the benchmark.

Every activity is a real file from ../shared/data/activities (see SOURCES.md)
with its times moved to a day of its own, so each is a distinct run with a
distinct content hash, on a plausible past date (one a day, ending on
``LAST_DAY``). FIT files are rewritten rather than left alone: their times are
binary, so each date-time field (those the FIT profile types as date_time or
local_date_time, and every message's timestamp) is moved and the file's CRC
recomputed. The FIT decoding is the import's real cost, so a benchmark with
only text copies and a few untouched FITs would measure a different import.
GPX and TCX copies have their ISO times moved.

Sizes: ``strava_export(path, activities=30, media_bytes=4 * MB)`` is a few MB
for a test; the benchmark's is ≥ 3,000 activities and ≥ 1 GB, the bulk of it
``media/``: incompressible bytes (os.urandom), stored, written a piece at a time
so a gigabyte costs a megabyte of memory.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from tests.runs.conftest import ACTIVITIES

MB = 1024 * 1024
# The last generated activity's day: fixed (tests see the same files every
# day), in the past, at a time of day taken from the source file.
LAST_DAY = datetime(2025, 11, 30, tzinfo=UTC)

# The real files copied, with the sport each one's own content gives.
SOURCES: tuple[tuple[str, str], ...] = (
    ("fit/activity-small-fenix2-run.fit", "running"),
    ("fit/garmin-fenix-5-run.fit", "running"),
    ("tcx/test.tcx", "running"),
    ("gpx/cerknicko-jezero.gpx", "unknown"),  # names no sport
    ("fit/garmin-fenix-5-bike.fit", "cycling"),
    ("tcx/no_hr.tcx", "running"),
    ("gpx/track-with-empty-segment.gpx", "unknown"),
)
_STARTS = {  # each source's first time, as the parsers read it
    "fit/activity-small-fenix2-run.fit": datetime(2015, 8, 15, 14, 45, 8, tzinfo=UTC),
    "fit/garmin-fenix-5-run.fit": datetime(2017, 6, 11, 14, 34, 9, tzinfo=UTC),
    "tcx/test.tcx": datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC),
    "gpx/cerknicko-jezero.gpx": datetime(2010, 8, 5, 14, 23, 59, tzinfo=UTC),
    "fit/garmin-fenix-5-bike.fit": datetime(2017, 6, 12, 16, 9, 22, tzinfo=UTC),
    "tcx/no_hr.tcx": datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC),
    "gpx/track-with-empty-segment.gpx": datetime(2013, 7, 6, 17, 26, 26, tzinfo=UTC),
}


# ---------------------------------------------------------------------------
# Moving a file's times.

_ISO_TIME = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def shift_text(data: bytes, seconds: int) -> bytes:
    """A GPX or TCX file with every ISO 8601 time in it moved by ``seconds``."""

    def moved(match: re.Match[bytes]) -> bytes:
        when = datetime.fromisoformat(match.group(1).decode()) + timedelta(seconds=seconds)
        fraction, zone = match.group(2) or b"", match.group(3) or b""
        return when.strftime("%Y-%m-%dT%H:%M:%S").encode() + fraction + zone

    return _ISO_TIME.sub(moved, data)


def _crc_table() -> list[int]:
    # FIT's CRC is CRC-16/ARC (polynomial 0x8005, reflected: 0xA001, start 0);
    # the byte-wide table makes one step a byte instead of two.
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC = _crc_table()


def fit_crc(data: bytes | bytearray | memoryview) -> int:
    crc = 0
    table = _CRC
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


@cache
def _time_fields() -> frozenset[tuple[int, int]]:
    """(message number, field number) of every date-time field the FIT profile knows."""
    from garmin_fit_sdk import Profile

    return frozenset(
        (int(number), int(field_number))
        for number, message in Profile["messages"].items()
        for field_number, field in message["fields"].items()
        if field["type"] in ("date_time", "local_date_time")
    )


TIMESTAMP_FIELD = 253  # every message's own timestamp
_INVALID_UINT32 = 0xFFFFFFFF


def shift_fit(data: bytes, seconds: int) -> bytes:
    """A FIT file (or chain of them) with its date-time fields moved by ``seconds``
    and each file's CRC made right again. Compressed-timestamp record headers
    are not handled (the importer refuses such files anyway)."""
    out = bytearray(data)
    time_fields = _time_fields()
    begin = 0
    while begin + 12 <= len(out):
        header_size = out[begin]
        data_end = begin + header_size + int.from_bytes(out[begin + 4 : begin + 8], "little")
        # local message type → (byte order, [(offset, size, is a time)], record size)
        layouts: dict[int, tuple[str, list[tuple[int, bool]], int]] = {}
        at = begin + header_size
        while at < data_end:
            record_header = out[at]
            at += 1
            if record_header & 0x80:
                raise ValueError("compressed-timestamp record headers are not handled")
            local = record_header & 0x0F
            if record_header & 0x40:  # a definition message
                order = "big" if out[at + 1] else "little"
                number = int.from_bytes(out[at + 2 : at + 4], order)  # type: ignore[arg-type]
                field_count = out[at + 4]
                at += 5
                fields = []
                for _ in range(field_count):
                    field_number, size = out[at], out[at + 1]
                    is_time = size == 4 and (
                        field_number == TIMESTAMP_FIELD or (number, field_number) in time_fields
                    )
                    fields.append((size, is_time))
                    at += 3
                developer_bytes = 0
                if record_header & 0x20:
                    developer_count = out[at]
                    at += 1
                    developer_bytes = sum(out[at + 3 * n + 1] for n in range(developer_count))
                    at += 3 * developer_count
                layouts[local] = (order, fields, developer_bytes)
                continue
            order, fields, developer_bytes = layouts[local]
            for size, is_time in fields:
                if is_time:
                    value = int.from_bytes(out[at : at + 4], order)  # type: ignore[arg-type]
                    if value != _INVALID_UINT32:
                        out[at : at + 4] = (value + seconds).to_bytes(4, order)  # type: ignore[arg-type]
                at += size
            at += developer_bytes
        out[data_end : data_end + 2] = fit_crc(memoryview(out)[begin:data_end]).to_bytes(
            2, "little"
        )
        begin = data_end + 2
    return bytes(out)


def shifted(source: str, seconds: int) -> bytes:
    """The real file ``source`` (relative to the activities folder), its times moved."""
    data = _source_bytes(source)
    return shift_fit(data, seconds) if source.endswith(".fit") else shift_text(data, seconds)


@cache
def _source_bytes(source: str) -> bytes:
    return (ACTIVITIES / source).read_bytes()


# ---------------------------------------------------------------------------
# The activities of an export.


@dataclasses.dataclass(frozen=True)
class Generated:
    """One activity in a generated export."""

    member: str  # its path in the archive
    source: str  # the real file it is a copy of
    start: datetime
    csv_type: str  # Strava's "Activity Type" for it ("Run", "Ride"…); "" for Garmin
    is_run: bool  # whether the import should take it as a run


@dataclasses.dataclass(frozen=True)
class Export:
    path: Path
    activities: list[Generated]

    @property
    def runs(self) -> list[Generated]:
        return [activity for activity in self.activities if activity.is_run]

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def activity_plan(
    count: int, *, rides_share: float = 0.1
) -> Iterator[tuple[int, str, datetime, str]]:
    """(number, source, start, Strava type) of ``count`` activities, one a day up to
    LAST_DAY, the sources in turn. Every ride file is a "Ride"; about ``rides_share``
    of the others are "Ride" too (a run file that Strava says was a ride), and
    the rest "Run"."""
    every = round(1 / rides_share) if rides_share > 0 else 0
    for number in range(count):
        source, own_sport = SOURCES[number % len(SOURCES)]
        day = LAST_DAY - timedelta(days=count - 1 - number)
        began = _STARTS[source]
        start = day.replace(hour=began.hour, minute=began.minute, second=began.second)
        ride = own_sport == "cycling" or (every and number % every == every - 1)
        yield number, source, start, "Ride" if ride else "Run"


def _content(source: str, start: datetime) -> bytes:
    return shifted(source, round((start - _STARTS[source]).total_seconds()))


# ---------------------------------------------------------------------------
# Strava.

# Strava's own header, in its order, with its repeated names.
STRAVA_COLUMNS = (
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
)


def strava_export(
    path: Path,
    *,
    activities: int = 30,
    rides_share: float = 0.1,
    media_bytes: int = 4 * MB,
    media_file_bytes: int = 8 * MB,
    first_id: int = 4_000_000_000,
    csv_columns: Sequence[str] = STRAVA_COLUMNS,
    with_csv: bool = True,
    manual_entries: int = 2,
) -> Export:
    """A Strava bulk export at ``path``: ``activities/<id>.fit.gz|.tcx.gz|.gpx``,
    ``activities.csv`` naming each one's sport (with ``manual_entries`` rows of
    activities entered by hand, that have no file), a few other files, and
    ``media/`` of ``media_bytes`` random bytes in files of ``media_file_bytes``."""
    generated: list[Generated] = []
    rows: list[dict[str, str]] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number, source, start, strava_type in activity_plan(
            activities, rides_share=rides_share
        ):
            activity_id = first_id + number
            data = _content(source, start)
            suffix = Path(source).suffix
            if suffix == ".gpx":
                member = f"activities/{activity_id}.gpx"
            else:  # Strava keeps FIT and TCX files gzipped
                member = f"activities/{activity_id}{suffix}.gz"
                data = gzip.compress(data, compresslevel=1, mtime=0)
            # Gzipped members are stored: deflating them again gains nothing.
            kind = zipfile.ZIP_STORED if member.endswith(".gz") else zipfile.ZIP_DEFLATED
            archive.writestr(member, data, compress_type=kind)
            generated.append(
                Generated(member, source, start, strava_type, is_run=strava_type == "Run")
            )
            rows.append(_strava_row(activity_id, start, strava_type, member))
        for extra in range(manual_entries):
            rows.append(_strava_row(first_id - 1 - extra, LAST_DAY, "Weight Training", ""))
        if with_csv:
            archive.writestr("activities.csv", _csv(csv_columns, rows))
        archive.writestr("profile.csv", "Athlete ID,First Name\n1,Test\n")
        archive.writestr("bikes.csv", "Bike Name,Bike Brand\n")
        write_media(archive, media_bytes, file_bytes=media_file_bytes)
    return Export(path, generated)


def _strava_row(activity_id: int, start: datetime, strava_type: str, member: str) -> dict[str, str]:
    return {
        "Activity ID": str(activity_id),
        "Activity Date": f"{start:%b} {start.day}, {start:%Y, %-I:%M:%S %p}",
        "Activity Name": f'{"Morning" if start.hour < 12 else "Afternoon"} {strava_type}, "easy"',
        "Activity Type": strava_type,
        "Activity Description": "Legs felt heavy,\nthen fine.",
        "Filename": member,
    }


def _csv(columns: Sequence[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def write_media(
    archive: zipfile.ZipFile, total: int, *, file_bytes: int = 8 * MB, folder: str = "media"
) -> None:
    """``total`` incompressible bytes as photo-sized files, stored (as a zip tool
    stores what it cannot shrink), written a megabyte at a time."""
    number = 0
    while total > 0:
        size = min(file_bytes, total)
        info = zipfile.ZipInfo(f"{folder}/{number:05d}.jpg", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = size  # lets zipfile write zip64 fields up front when needed
        with archive.open(info, "w", force_zip64=size >= 2**31) as member:
            left = size
            while left:
                piece = os.urandom(min(MB, left))
                member.write(piece)
                left -= len(piece)
        total -= size
        number += 1


# ---------------------------------------------------------------------------
# Garmin.


def garmin_export(
    path: Path,
    *,
    activities: int = 20,
    parts: int = 2,
    nested_folder: str = "DI_CONNECT/DI-Connect-Uploaded-Files",
    workdir: Path | None = None,
) -> Export:
    """A Garmin Connect export at ``path``: zips of the uploaded files inside the
    zip (``UploadedFiles_0-_Part1.zip``…), each written to a temporary file and
    stored in the outer zip, beside JSON summaries. Garmin keeps no sport list
    beside the files: each is what its content says."""
    generated: list[Generated] = []
    plan = list(activity_plan(activities, rides_share=0))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "DI_CONNECT/DI-Connect-Fitness/summary.json", b'{"summarizedActivities": []}'
        )
        for part in range(parts):
            inner_name = f"{nested_folder}/UploadedFiles_0-_Part{part + 1}.zip"
            with tempfile.NamedTemporaryFile(dir=workdir, suffix=".zip") as inner_file:
                with zipfile.ZipFile(
                    inner_file, "w", zipfile.ZIP_DEFLATED, compresslevel=1
                ) as inner:
                    for number, source, start, _ in plan[part::parts]:
                        member = f"runner@example.com_{9_000_000 + number}{Path(source).suffix}"
                        inner.writestr(member, _content(source, start))
                        own_sport = dict(SOURCES)[source]
                        generated.append(
                            Generated(
                                f"{inner_name}/{member}",
                                source,
                                start,
                                "",
                                is_run=own_sport == "running",
                            )
                        )
                inner_file.flush()
                archive.write(inner_file.name, inner_name, compress_type=zipfile.ZIP_STORED)
    return Export(path, generated)
