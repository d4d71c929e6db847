"""The runs part of an athlete's export: each activity with its figures, ``runs.csv``
(distances in km and mi, paces per km and per mi, heart rate, efficiency factor),
the original files as uploaded under ``runs/``, and the way back in
(``accounts/portability.py``).

An import parses each original file again through ``services.activity_import``
— the figures in the JSON are for reading — so the same file brought back twice
is stored once (known by its content's sha256), and a run file that no longer
parses stops the whole import, naming it. A sport the athlete corrected by hand
is set again through ``services.activity_sport_set``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC
from typing import Any

from runstrong.accounts import portability
from runstrong.accounts.models import User
from runstrong.runs import services
from runstrong.runs.formatting import format_seconds
from runstrong.runs.metrics import ef_in_yards
from runstrong.runs.models import Activity, ImportStatus

CHUNK = 500
# Parsing a run file: 0.1–0.3 s for an hour or two recorded every second.
SECONDS_PER_FILE = 0.3
METRES_PER_MILE = 1609.344
_FIGURES = (
    "id",
    "sha256",
    "leg",
    "leg_count",
    "original_name",
    "sport",
    "is_run",
    "start",
    "elapsed_s",
    "moving_s",
    "distance_m",
    "avg_heart_rate",
    "ef",
    "decoupling_pct",
    "qualifies",
    "source_format",
    "title",
    "device",
    "point_count",
    "metrics",
)


def _activities(athlete: User) -> Iterator[Activity]:
    # Never the stored file or samples here: up to megabytes a row.
    return (
        Activity.objects.filter(athlete=athlete)
        .only(*_FIGURES)
        .order_by("start", "id")
        .iterator(chunk_size=CHUNK)
    )


def member_name(original_name: str, sha256: str) -> str:
    """``runs/<name as uploaded>``, made unique by the content's hash; a name that could
    not be a file's (empty, dots only) becomes the hash."""
    name = re.split(r"[\\/]", original_name)[-1].replace("\x00", "")
    if not name.strip(". "):
        name = f"{sha256[:16]}.gz"
    return f"runs/{sha256[:12]}-{name}"


def _run_dict(activity: Activity) -> dict[str, Any]:
    return {
        "file": member_name(activity.original_name, activity.sha256),
        "original_name": activity.original_name,
        "sha256": activity.sha256,
        "leg": activity.leg,
        "leg_count": activity.leg_count,
        "sport": activity.sport,
        "is_run": activity.is_run,
        "start": activity.start.astimezone(UTC).isoformat() if activity.start else None,
        "elapsed_s": activity.elapsed_s,
        "moving_s": activity.moving_s,
        "distance_m": activity.distance_m,
        "avg_heart_rate": activity.avg_heart_rate,
        "ef": activity.ef,
        "decoupling_pct": activity.decoupling_pct,
        "qualifies": activity.qualifies,
        "source_format": activity.source_format,
        "title": activity.title,
        "device": activity.device,
        "point_count": activity.point_count,
        "metrics": activity.metrics,
    }


def _parts(athlete: User) -> Mapping[str, Any]:
    return {"runs": (_run_dict(activity) for activity in _activities(athlete))}


def _files(athlete: User) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Each original once (a multisport file's legs share it), read one at a time."""
    seen: set[str] = set()
    rows = (
        Activity.objects.filter(athlete=athlete)
        .order_by("start", "id")
        .values_list("id", "sha256", "original_name")
    )
    for activity_id, sha256, original_name in rows.iterator(chunk_size=CHUNK):
        if sha256 in seen:
            continue
        seen.add(sha256)
        yield member_name(original_name, sha256), _original_reader(activity_id, original_name)


def _original_reader(activity_id: int, original_name: str) -> Callable[[], bytes]:
    def read() -> bytes:
        activity = Activity.objects.only("original_gz").get(pk=activity_id)
        # Kept gzipped: a file that came gzipped is kept as it came; others unpacked.
        if original_name.lower().endswith(".gz"):
            return bytes(activity.original_gz)
        return activity.original_bytes()

    return read


# ---------------------------------------------------------------------------
# runs.csv


RUNS_HEADER = (
    "start_utc",
    "sport",
    "file",
    "distance_km",
    "distance_mi",
    "elapsed_s",
    "moving_s",
    "moving_h:mm:ss",
    "pace_s_per_km",
    "pace_min:ss_per_km",
    "pace_s_per_mi",
    "pace_min:ss_per_mi",
    "avg_heart_rate_bpm",
    "ef_m_per_min_per_beat",
    "ef_yd_per_min_per_beat",
    "decoupling_pct",
    "qualifies_for_trend",
)


def _header(athlete: User) -> Sequence[str]:
    return RUNS_HEADER


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _rows(athlete: User) -> Iterator[Sequence[object]]:
    for activity in _activities(athlete):
        distance = activity.distance_m
        seconds = activity.moving_s or activity.elapsed_s
        per_km = seconds / (distance / 1000) if distance and seconds else None
        per_mi = seconds / (distance / METRES_PER_MILE) if distance and seconds else None
        yield (
            activity.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if activity.start else "",
            activity.sport,
            member_name(activity.original_name, activity.sha256),
            _number(distance / 1000 if distance is not None else None, 3),
            _number(distance / METRES_PER_MILE if distance is not None else None, 3),
            _number(activity.elapsed_s, 0),
            _number(activity.moving_s, 0),
            format_seconds(activity.moving_s) if activity.moving_s else "",
            _number(per_km, 0),
            format_seconds(per_km) if per_km else "",
            _number(per_mi, 0),
            format_seconds(per_mi) if per_mi else "",
            _number(activity.avg_heart_rate, 0),
            _number(activity.ef, 3),
            _number(ef_in_yards(activity.ef) if activity.ef is not None else None, 3),
            _number(activity.decoupling_pct, 1),
            "" if activity.qualifies is None else activity.qualifies,
        )


# ---------------------------------------------------------------------------
# Import.


def _restore(restore: portability.Restore, part: Mapping[str, Any]) -> None:
    imported: dict[str, list[int]] = {}  # file → the activities it gave
    for position, data in enumerate(part["runs"]):
        where = f"sections.runs.runs[{position}]"
        name = data["file"]
        if name not in imported:
            content = restore.archive.read(name)
            outcome = services.activity_import(
                athlete=restore.athlete, name=data["original_name"] or name, data=content
            )
            if outcome.status == ImportStatus.ERROR:
                raise portability.ImportRefused(f"{name}: {outcome.message}")
            restore.counts["runs"] += outcome.status == ImportStatus.IMPORTED
            imported[name] = _same_file(restore.athlete, outcome.activity_id)
        activity = (
            Activity.objects.filter(pk__in=imported[name], leg=data["leg"]).only("sport").first()
        )
        if activity is None:
            restore.refuse(f"{where}.leg", f"{name} has no leg {data['leg']}")
        if activity.sport != data["sport"]:
            try:
                services.activity_sport_set(
                    athlete=restore.athlete, activity_id=activity.pk, sport=data["sport"]
                )
            except ValueError as error:
                restore.refuse(f"{where}.sport", str(error))


def _same_file(athlete: User, activity_id: int | None) -> list[int]:
    """The activities stored from the file that ``activity_id`` came from (each leg)."""
    if activity_id is None:
        return []
    sha256 = Activity.objects.filter(pk=activity_id).values_list("sha256", flat=True).first()
    return list(
        Activity.objects.filter(athlete=athlete, sha256=sha256).values_list("id", flat=True)
    )


def _cost(athlete: User, part: Mapping[str, Any]) -> float:
    """Seconds to parse the files the athlete does not have yet (by the hash the
    export names: only an estimate, each file is hashed again when it is read)."""
    have = services.stored_hashes(athlete=athlete)
    new = {data["file"] for data in part["runs"] if data["sha256"] not in have}
    return len(new) * SECONDS_PER_FILE


SECTION = portability.Section(
    name="runs",
    cost=_cost,
    parts=_parts,
    restore=_restore,
    tables=(portability.Table("runs.csv", _header, _rows),),
    files=_files,
)
