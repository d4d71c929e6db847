"""Everything done to an uploaded file before it is stored, as pure functions (no Django).

``expand`` turns an upload into activity files (a zip's members, within limits
that stop a zip bomb); ``prepare`` turns one file into a ``Prepared``: parsed,
its samples packed and its metrics computed, or the reason it cannot be. The
CLI runs ``prepare`` in worker processes; the service stores the results in
the main one.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import logging
import math
import re
import zipfile
import zlib
from collections.abc import Container, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from runstrong import archives
from runstrong.runs import metrics, parsers
from runstrong.runs.parsers.detect import GZIP_MAGIC, MB, ZIP_MAGIC
from runstrong.runs.samples import Activity, FloatArray, ParseError, Samples

log = logging.getLogger(__name__)

ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx")
# Limits for one archive, shared with the import of a RunStrong export.
MAX_MEMBERS = archives.MAX_MEMBERS
MAX_ARCHIVE_UNPACKED = archives.MAX_ARCHIVE_UNPACKED
# A device's clock may be off, or its time zone written as UTC: a start up to a
# day ahead of now is taken as it is. Later than that the file's dates are
# wrong, and a run dated 9999 would head every list for ever.
FUTURE_SLACK = timedelta(days=1)


# ---------------------------------------------------------------------------
# Uploads → activity files.


@dataclasses.dataclass(frozen=True)
class Incoming:
    """One activity file from an upload, or the reason it could not be taken out.

    ``sport``, when set, is what the file was according to something outside it
    (Strava's activities.csv), in the parsers' names ("running", "cycling", …): it
    is taken over what the file says, so a ride recorded with a running profile
    stays out of the running trend."""

    name: str
    data: bytes = b""
    error: str | None = None
    sport: str | None = None


def file_name(name: str) -> str:
    """A file's own name, without the folders above it (either separator: a path typed
    on Windows, or written so in a zip). The folders are the importing machine's, private,
    and the name is shown on pages and kept in exports."""
    return re.split(r"[\\/]", name)[-1]


def expand(name: str, data: bytes) -> Iterator[Incoming]:
    """The activity files in an upload: itself, or each run file in a zip archive
    (in any folder, gzipped or not; other files in the archive are passed over)."""
    name = file_name(name)
    if not data.startswith(ZIP_MAGIC):
        yield Incoming(name=name, data=data)
        return
    yield from _expand_archive(name, io.BytesIO(data))


def expand_path(path: Path, name: str | None = None) -> Iterator[Incoming]:
    """``expand`` for a file on disk: an archive is read member by member, never whole."""
    name = file_name(name or path.name)
    try:
        with path.open("rb") as handle:
            head = handle.read(len(ZIP_MAGIC))
            if head == ZIP_MAGIC:
                yield from _expand_archive(name, handle)
                return
            size = path.stat().st_size
            if size > parsers.MAX_FILE_BYTES + 1024 * 1024:  # leeway for a gzip's own growth
                yield Incoming(name=name, error=f"it is larger than {size // MB:,} MB: refused")
                return
            handle.seek(0)
            data = handle.read()
    except OSError as error:
        yield Incoming(name=name, error=f"it cannot be read ({error.strerror or error})")
        return
    yield Incoming(name=name, data=data)


def count_path(path: Path) -> int:
    """How many activity files ``expand_path`` will yield (for a progress bar)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return max(1, sum(is_activity_name(info.filename) for info in archive.infolist()))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 1


def _expand_archive(name: str, source: BinaryIO) -> Iterator[Incoming]:
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        yield Incoming(name=name, error="the zip archive is damaged or truncated")
        return
    if len(members) > MAX_MEMBERS:
        yield Incoming(
            name=name,
            error=f"the zip archive holds {len(members):,} entries, more than the "
            f"{MAX_MEMBERS:,} accepted: refused",
        )
        return
    wanted = [info for info in members if is_activity_name(info.filename)]
    declared = sum(info.file_size for info in wanted)
    if declared > MAX_ARCHIVE_UNPACKED:
        yield Incoming(
            name=name,
            error=f"the zip archive unpacks to {declared // MB:,} MB, more than the "
            f"{MAX_ARCHIVE_UNPACKED // MB:,} MB accepted: refused as a possible zip bomb",
        )
        return
    if not wanted:
        yield Incoming(name=name, error="the zip archive holds no GPX, TCX or FIT files")
        return
    unpacked = 0
    for info in wanted:
        # The archive's name and the member's own: which upload it came from, without
        # the folders inside the archive (a zipped home folder names its owner).
        member = f"{name}: {file_name(info.filename)}"
        if unpacked > MAX_ARCHIVE_UNPACKED:
            yield Incoming(name=member, error="the archive's unpacked size limit was reached")
            continue
        try:
            content = _read_member(archive, info)
        except ParseError as error:
            yield Incoming(name=member, error=str(error))
            continue
        unpacked += len(content)
        yield Incoming(name=member, data=content)


def is_activity_name(filename: str) -> bool:
    """A run file (FIT, GPX or TCX, gzipped or not) or a zip, by its name (the CLI
    picks a folder's files with it too); a zip's folder entry ("…/") is not."""
    lowered = filename.lower().removesuffix(".gz")
    return not filename.endswith("/") and lowered.endswith((*ACTIVITY_SUFFIXES, ".zip"))


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.filename.lower().endswith(".zip"):
        raise ParseError("a zip inside the zip: unzip it and upload that archive on its own")
    try:
        return archives.read_member(archive, info, limit=parsers.MAX_FILE_BYTES)
    except archives.ArchiveError as error:
        raise ParseError(str(error)) from None


# ---------------------------------------------------------------------------
# One activity file → what is stored.


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A file ready to store, or (``error`` set) the reason it cannot be.

    A multisport file (a triathlon, a brick) is prepared as its first leg, the
    others in ``later_legs``: each is stored as an activity of its own."""

    name: str
    error: str | None = None
    sha256: str = ""
    already_stored: bool = False  # the same content is stored: not parsed again
    sport: str = ""
    is_run: bool = False
    start: datetime | None = None
    source_format: str = ""
    title: str = ""
    device: str = ""
    point_count: int = 0
    original_gz: bytes = b""
    samples_packed: bytes = b""
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)  # RunMetrics.to_dict
    ef: float | None = None
    decoupling_pct: float | None = None
    qualifies: bool | None = None
    leg: int = 1
    leg_count: int = 1
    later_legs: tuple[Prepared, ...] = ()

    def figure(self, name: str) -> float | None:
        """One of the metrics' figures ("elapsed_s", "avg_heart_rate"…); None where the
        file cannot support it, or for a file not parsed (refused, or already stored)."""
        value = self.metrics.get(name)
        return None if value is None else float(value)

    def legs(self) -> list[Prepared]:
        """What to store: this file, or each leg of a multisport file."""
        return [self, *self.later_legs]


def prepare(incoming: Incoming, known: Container[str] = frozenset()) -> Prepared:
    """Parse, pack and measure one activity file (each leg of a multisport one).
    Never raises for a bad file.

    A file whose content hash is in ``known`` (the athlete's stored files) is not
    parsed again: uploading a whole export a second time costs only the hashing.
    """
    if incoming.error is not None:
        return Prepared(name=incoming.name, error=incoming.error)
    try:
        content = parsers.unpack(incoming.data)
        sha256 = hashlib.sha256(content).hexdigest()
        if sha256 in known:
            return Prepared(name=incoming.name, sha256=sha256, already_stored=True)
        activities = parsers.parse_legs(content)
        if incoming.sport:
            # Before measuring: whether a file is a run decides its figures too.
            activities = [
                dataclasses.replace(activity, sport=incoming.sport) for activity in activities
            ]
        legs = [(activity, compute_metrics(activity)) for activity in activities]
    except ParseError as error:
        return Prepared(name=incoming.name, error=str(error))
    except Exception:  # a bug, or a decoder tripping on a hostile file: this file only
        log.exception("could not import %s", incoming.name)
        return Prepared(name=incoming.name, error="it could not be read (an internal error)")
    # The original is kept compressed; an upload that was gzip already is kept as it came.
    # Each leg keeps it: any leg can be re-processed, or deleted, on its own.
    original_gz = (
        incoming.data
        if incoming.data.startswith(GZIP_MAGIC)
        else gzip.compress(content, compresslevel=1, mtime=0)  # fast: it is rarely read
    )
    prepared = [
        Prepared(
            name=incoming.name,
            # Of the content, so a file and its gzipped copy count as the same file;
            # the legs of a multisport file share it, told apart by their number.
            sha256=sha256,
            sport=activity.sport,
            is_run=activity.is_run,
            start=activity.start,
            source_format=activity.source_format,
            title=activity.name,
            device=activity.device,
            point_count=len(activity.samples),
            original_gz=original_gz,
            samples_packed=pack_samples(activity.samples),
            metrics=figures,
            ef=ef,
            decoupling_pct=decoupling,
            qualifies=qualifies,
            leg=activity.leg,
            leg_count=activity.leg_count,
        )
        for activity, (figures, ef, decoupling, qualifies) in legs
    ]
    return dataclasses.replace(prepared[0], later_legs=tuple(prepared[1:]))


def future_start(start: datetime | None, *, now: datetime) -> str | None:
    """Why a file starting at ``start`` is refused as dated in the future, or None."""
    if start is None or start <= now + FUTURE_SLACK:
        return None
    return (
        f"it starts on {start.day} {start:%b %Y}, in the future: the clock of the device "
        "that recorded it must be wrong"
    )


def compute_metrics(
    activity: Activity,
) -> tuple[dict[str, Any], float | None, float | None, bool]:
    """``metrics.compute`` as JSON plus the three stored columns (ef, decoupling in
    percent, qualifies)."""
    result = metrics.compute(activity)
    return (
        _jsonable(result.to_dict()),
        _optional_float(result.ef),
        _optional_float(result.decoupling_pct),
        result.qualifies,
    )


def _optional_float(value: float | None) -> float | None:
    """The stored columns take no NaN or infinity (as ``_jsonable`` gives the JSON)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _jsonable(value: Any) -> Any:
    """NaN and infinities (not JSON) become null; numpy numbers plain numbers."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------
# Compact samples.

# float32 keeps a centimetre at 100 km, a tenth of a beat, a millimetre per
# second; times and positions keep float64 (a second over days; 1 cm in degrees).
_DTYPES = {
    "t": np.float64,
    "distance_m": np.float32,
    "altitude_m": np.float32,
    "heart_rate": np.float32,
    "cadence": np.float32,
    "lat": np.float64,
    "lon": np.float64,
    "speed_m_s": np.float32,
}


# Packed as: magic, point count (uint32), then the columns above in that order,
# raw little-endian, zlib level 1 over all. Level 1 takes a quarter of the time
# of level 6 (1.4 vs 5.0 ms for an hour at one point a second) for 6% more bytes.
_MAGIC = b"RSS1"


def pack_samples(samples: Samples) -> bytes:
    raw = b"".join(
        getattr(samples, name).astype(np.dtype(dtype).newbyteorder("<"), copy=False).tobytes()
        for name, dtype in _DTYPES.items()
    )
    return _MAGIC + len(samples).to_bytes(4, "little") + zlib.compress(raw, 1)


def unpack_samples(packed: bytes) -> Samples:
    if packed[:4] != _MAGIC:
        raise ValueError("not packed samples")
    count = int.from_bytes(packed[4:8], "little")
    raw = zlib.decompress(packed[8:])
    columns: dict[str, FloatArray] = {}
    offset = 0
    for name, dtype in _DTYPES.items():
        kind = np.dtype(dtype).newbyteorder("<")
        columns[name] = np.frombuffer(raw, dtype=kind, count=count, offset=offset).astype(
            np.float64
        )
        offset += kind.itemsize * count
    return Samples(**columns)
