"""A runner's whole history in one archive, read member by member (pure, no Django).

What people bring is one big zip: Strava's bulk export (``activities/*.fit.gz``,
``*.gpx``, ``*.tcx.gz``, an ``activities.csv`` that names each file's sport, and
often gigabytes of photos in ``media/``), Garmin's (zips of uploaded FIT files
inside the zip), or any zip of run files in any folders. ``iter_members`` gives
its activity files one at a time as ``intake.Incoming``, each with its index;
``count_members`` says how many there will be, for a progress bar.

Memory stays bounded whatever the archive's size: only central directories
are read whole, each member is read on its own within ``archives.read_member``'s
limits, a nested zip is copied to a temporary file in pieces and opened from
there, and ``media/`` is never opened. The limits against zip bombs are those
of an upload (``archives``), per member; the whole history may be larger than
one upload (``MAX_UNPACKED``).

Indices are stable: the same archive gives the same files in the same order
with the same indices, and every refused member still takes its index. So an
import that stopped after N files resumes with ``start=N`` and skips exactly
the files it handled, without decompressing them (a nested zip is still copied
to count what it holds: its central directory is compressed inside the outer
archive).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from runstrong import archives
from runstrong.runs import intake, parsers
from runstrong.runs.parsers.detect import MB, ZIP_MAGIC

log = logging.getLogger(__name__)

# Entries of any kind (photos included) in one zip's central directory. zipfile
# keeps an object of ~1 KB per entry for as long as the archive is open, so the
# count is read from the archive's end record before zipfile reads them all.
# Ten years of Strava with photos is a few tens of thousands.
MAX_ENTRIES = 100_000
# Activity files in one zip (the outer one, or each nested one): an upload's limit.
MAX_ACTIVITIES = archives.MAX_MEMBERS
# Activity files' unpacked bytes over the whole history. Each member is bounded
# on its own (64 MB, and a compression ratio a real file cannot reach); this
# stops a crowd of small, well-compressed members from costing hours. Real
# exports: ~0.3 MB a run file (gzipped FIT, or GPX), so 5,000 runs are 1.5 GB.
MAX_UNPACKED = 8 * archives.MAX_ARCHIVE_UNPACKED
# The largest activities.csv read (ten years is a few MB), and longest line of it.
MAX_CSV_BYTES = 64 * MB
MAX_CSV_LINE = 1 * MB
# A nested zip is copied out in pieces of this size.
COPY_CHUNK = 1 * MB
MEDIA_FOLDER = "media"
CSV_NAME = "activities.csv"

# Strava's activity types (activities.csv, "Activity Type") in the parsers' sport
# names, compared without case, spaces, dashes or underscores ("Trail Run" and
# the API's "TrailRun" alike). A type not listed (a new one, or an export in
# another language) names no sport: the file's own is kept.
_STRAVA_RUNS = {"run": "running", "trailrun": "trail_running", "virtualrun": "treadmill_running"}
_STRAVA_RIDES = (
    "ride virtualride ebikeride emountainbikeride mountainbikeride gravelride handcycle velomobile"
)
_STRAVA_OTHERS = (
    "alpineski backcountryski badminton canoeing crossfit elliptical golf hiit "
    "iceskate inlineskate kayaking kitesurf nordicski pickleball pilates racquetball "
    "rockclimbing rollerski rowing sail skateboard snowboard snowshoe soccer squash "
    "stairstepper standuppaddling surfing tabletennis tennis virtualrow weighttraining "
    "wheelchair windsurf workout yoga"
)
STRAVA_SPORTS: dict[str, str] = {
    **_STRAVA_RUNS,
    "walk": "walking",
    "hike": "hiking",
    "swim": "swimming",
    **dict.fromkeys(_STRAVA_RIDES.split(), "cycling"),
    **dict.fromkeys(_STRAVA_OTHERS.split(), "other"),
}

# Reading a member or a nested zip's bytes: what a damaged archive raises.
_DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error, ValueError, NotImplementedError)


def strava_sport(activity_type: str) -> str | None:
    """The sport of a Strava "Activity Type" ("Run", "Ride", "Trail Run"…), or None."""
    key = "".join(char for char in activity_type.lower() if char.isalnum())
    return STRAVA_SPORTS.get(key)


def count_members(path: Path, *, workdir: Path | None = None) -> int:
    """How many files ``iter_members`` yields: activity files, refused ones included
    (at least one: an archive with none yields the reason)."""
    return sum(1 for _ in _slots(path, path.name, workdir))


def iter_members(
    path: Path, *, start: int = 0, workdir: Path | None = None, name: str | None = None
) -> Iterator[tuple[int, intake.Incoming]]:
    """Each activity file of the archive at ``path`` with its index, from ``start``.

    A member that cannot be read yields an ``Incoming`` with its reason and the
    rest go on; an archive that cannot be read at all yields one (named ``name``,
    by default the file's). A file that is not a zip is yielded as itself.
    Nested zips are copied into ``workdir`` (the system's temporary folder by
    default) while they are read.
    """
    label = intake.file_name(name or path.name)
    sports = strava_sports(path)
    for index, slot in enumerate(_slots(path, label, workdir)):
        if index >= start:
            yield index, _read(slot, sports)


# ---------------------------------------------------------------------------
# Strava's activities.csv.


def strava_sports(path: Path) -> dict[str, str]:
    """File name (lower-case, no folders) → sport, from the archive's activities.csv;
    empty when there is none, or it cannot be read (the files' own sports are kept)."""
    try:
        with path.open("rb") as handle, contextlib.ExitStack() as stack:
            if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC or _too_many_entries(handle):
                return {}
            archive = stack.enter_context(zipfile.ZipFile(handle))
            found = [
                info
                for info in archive.infolist()
                if intake.file_name(info.filename).lower() == CSV_NAME
                and not _in_media(info.filename)
            ]
            if not found:
                return {}
            # The export's own, at its top, over any copy in a folder below.
            info = min(found, key=lambda candidate: candidate.filename.count("/"))
            if info.flag_bits & 0x1 or archives.bomb_problem(info, limit=MAX_CSV_BYTES):
                log.warning("%s: activities.csv not read (password or size)", path.name)
                return {}
            with archive.open(info) as stream:
                return _read_sports_csv(stream)
    except (*_DAMAGED, OSError, csv.Error, UnicodeError):
        log.warning("%s: activities.csv could not be read", path.name, exc_info=True)
        return {}


def _read_sports_csv(stream: IO[bytes]) -> dict[str, str]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    # Lines fed one at a time, each at most MAX_CSV_LINE long: a file of one
    # endless line costs no more memory than that.
    lines = iter(lambda: text.readline(MAX_CSV_LINE), "")
    rows = csv.reader(lines)
    header = [column.strip().lower() for column in next(rows, [])]
    if "filename" not in header or "activity type" not in header:
        return {}
    file_column = header.index("filename")
    type_column = header.index("activity type")
    sports: dict[str, str] = {}
    for row in rows:
        if len(row) <= max(file_column, type_column):
            continue
        filename = intake.file_name(row[file_column].strip()).lower()
        sport = strava_sport(row[type_column])
        if filename and sport:
            sports[filename] = sport
    return sports


# ---------------------------------------------------------------------------
# The archive's activity files, in order, unread.


@dataclasses.dataclass(frozen=True)
class _Slot:
    """One activity file's place: the open archive and member to read it from, or
    why it cannot be read."""

    name: str
    archive: zipfile.ZipFile | None = None
    info: zipfile.ZipInfo | None = None
    error: str | None = None
    loose: Path | None = None  # a file that is not a zip: itself


def _read(slot: _Slot, sports: dict[str, str]) -> intake.Incoming:
    if slot.loose is not None:
        try:
            return intake.Incoming(name=slot.name, data=slot.loose.read_bytes())
        except OSError as error:
            return intake.Incoming(
                name=slot.name, error=f"it cannot be read ({error.strerror or error})"
            )
    if slot.error is not None or slot.archive is None or slot.info is None:
        return intake.Incoming(name=slot.name, error=slot.error or "it could not be read")
    try:
        data = archives.read_member(slot.archive, slot.info, limit=parsers.MAX_FILE_BYTES)
    except archives.ArchiveError as error:
        return intake.Incoming(name=slot.name, error=str(error))
    sport = sports.get(intake.file_name(slot.info.filename).lower())
    return intake.Incoming(name=slot.name, data=data, sport=sport)


def _slots(path: Path, label: str, workdir: Path | None) -> Iterator[_Slot]:
    try:
        handle = path.open("rb")
    except OSError as error:
        yield _Slot(name=label, error=f"it cannot be read ({error.strerror or error})")
        return
    with handle:
        if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            yield _loose_file(path, label)
            return
        budget = _Budget()
        yield from _archive_slots(handle, label, workdir, budget, nested_in=None)


def _loose_file(path: Path, label: str) -> _Slot:
    """A file that is not a zip: read as one activity file, as an upload would be."""
    if path.stat().st_size > parsers.MAX_FILE_BYTES + MB:  # leeway for a gzip's own growth
        return _Slot(name=label, error="it is neither a zip archive nor an activity file")
    return _Slot(name=label, loose=path)


@dataclasses.dataclass
class _Budget:
    """Declared unpacked bytes of the activity files met so far, read or skipped
    alike (zipfile stops a member at its declared size, so it is what is read):
    the same archive reaches the limit at the same file on every pass."""

    unpacked: int = 0


def _archive_slots(
    handle: IO[bytes],
    label: str,
    workdir: Path | None,
    budget: _Budget,
    *,
    nested_in: str | None,
) -> Iterator[_Slot]:
    """The slots of one zip (the export, or a zip inside it)."""
    problem = _too_many_entries(handle)
    if problem is not None:
        yield _Slot(name=label, error=problem)
        return
    try:
        archive = zipfile.ZipFile(handle)
        members = archive.infolist()
    except (*_DAMAGED, OSError):
        yield _Slot(name=label, error="the zip archive is damaged or truncated")
        return
    with archive:
        wanted = [
            info
            for info in members
            if intake.is_activity_name(info.filename) and not _in_media(info.filename)
        ]
        if len(wanted) > MAX_ACTIVITIES:
            yield _Slot(
                name=label,
                error=f"the zip archive holds {len(wanted):,} activity files, more than the "
                f"{MAX_ACTIVITIES:,} accepted: refused",
            )
            return
        declared = sum(info.file_size for info in wanted)
        if declared > MAX_UNPACKED:
            yield _Slot(
                name=label,
                error=f"the zip archive unpacks to {declared // MB:,} MB of activity files, "
                f"more than the {MAX_UNPACKED // MB:,} MB accepted: refused as a possible "
                "zip bomb",
            )
            return
        if not wanted and nested_in is None:
            yield _Slot(name=label, error="the zip archive holds no GPX, TCX or FIT files")
            return
        for info in wanted:
            own = intake.file_name(info.filename)
            name = own if nested_in is None else f"{nested_in}: {own}"
            if archives.unsafe_name(info.filename):
                yield _Slot(name=name, error="its name in the archive climbs out of its folder")
            elif info.filename.lower().endswith(".zip"):
                if nested_in is not None:
                    yield _Slot(
                        name=name, error="a zip inside a zip inside the archive: not opened"
                    )
                else:
                    yield from _nested_slots(archive, info, name, workdir, budget)
            else:
                budget.unpacked += info.file_size
                if budget.unpacked > MAX_UNPACKED:
                    yield _Slot(name=name, error="the archive's unpacked size limit was reached")
                else:
                    yield _Slot(name=name, archive=archive, info=info)


def _nested_slots(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    workdir: Path | None,
    budget: _Budget,
) -> Iterator[_Slot]:
    """A zip inside the export (Garmin's uploaded files): copied out in pieces to
    an unnamed temporary file (gone when closed, or when the process dies), then
    read from there as any zip. Seeking in a compressed member would decompress
    it again for every seek zipfile makes."""
    if info.flag_bits & 0x1:
        yield _Slot(name=name, error="it is password-protected in the archive")
        return
    problem = archives.bomb_problem(info, limit=MAX_UNPACKED)
    if problem is not None:
        yield _Slot(name=name, error=problem)
        return
    with tempfile.TemporaryFile(dir=workdir, prefix="runstrong-nested-") as copy:
        try:
            source = archive.open(info)
        except (*_DAMAGED, OSError):
            yield _Slot(name=name, error="it is damaged inside the zip archive")
            return
        with source:
            while True:
                try:
                    piece = source.read(COPY_CHUNK)
                except (*_DAMAGED, OSError):
                    yield _Slot(
                        name=name,
                        error="it is damaged inside the zip archive (bad CRC or truncated)",
                    )
                    return
                if not piece:
                    break
                # A failed write (a full disk) is this machine's trouble, not the
                # archive's: it stops the import rather than mark files as bad,
                # which would change the indices of a later, resumed pass.
                copy.write(piece)
        copy.seek(0)
        if copy.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            yield _Slot(name=name, error="it is named .zip but is not a zip archive")
            return
        yield from _archive_slots(copy, name, workdir, budget, nested_in=name)


def _in_media(filename: str) -> bool:
    return MEDIA_FOLDER in filename.lower().replace("\\", "/").split("/")[:-1]


def _too_many_entries(handle: IO[bytes]) -> str | None:
    """Why the zip must not be opened (more entries than MAX_ENTRIES, by its end
    record), or None; None too when the end record cannot be found (zipfile says
    what is wrong then)."""
    entries = _declared_entries(handle)
    if entries is None or entries <= MAX_ENTRIES:
        return None
    return (
        f"the zip archive holds {entries:,} entries, more than the {MAX_ENTRIES:,} "
        "accepted: refused"
    )


_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"


def _declared_entries(handle: IO[bytes]) -> int | None:
    """The entry count a zip's end-of-central-directory record declares (its zip64
    record's when the archive has more than 65,535), read from the archive's tail."""
    end = handle.seek(0, io.SEEK_END)
    # The end record is 22 bytes, followed by a comment of at most 65,535.
    tail_start = max(0, end - 22 - 0xFFFF)
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) < at + 22:
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    if entries != 0xFFFF:
        return entries
    locator = at - 20
    if locator < 0 or tail[locator : locator + 4] != _END64_LOCATOR:
        return entries
    record_offset = int.from_bytes(tail[locator + 8 : locator + 16], "little")
    handle.seek(record_offset)
    record = handle.read(56)
    if len(record) < 40 or record[:4] != _END64:
        return entries
    return int.from_bytes(record[32:40], "little")
