"""FIT (Garmin, Coros, Suunto, Wahoo…) → Activity, read with Garmin's own FIT SDK.

Why garmin-fit-sdk rather than fitdecode: both decode every record of the
real test files to the values python-fitparse gives, and the SDK is Garmin's
reference decoder, kept in step with each new profile; it was also faster over
the real files (activity-small-fenix2-run.fit, 2,809 records: 102 ms vs 234 ms
for fitdecode with its lightest processor; garmin-fenix-5-run.fit: 7.7 ms vs
11 ms). What it cannot read: compressed-timestamp record headers (which some
old bike computers write); such a file gets a clear error.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

from garmin_fit_sdk import Decoder, Profile, Stream

from runstrong.runs.parsers._columns import MAX_POINTS, NAN, Columns
from runstrong.runs.samples import Activity, ParseError

FIT_EPOCH = 631_065_600  # 1989-12-31T00:00:00Z, FIT's zero, in Unix seconds
SEMICIRCLE_DEGREES = 180.0 / 2**31
# Every message is kept in memory by the decoder: a file with more than this
# many (a day of one-second records has ~90,000 plus a few hundred others) is
# refused before it can fill the memory.
MAX_MESSAGES = 4 * MAX_POINTS

_FILE_TYPES: dict[int, str] = Profile["types"]["file"]
_SPORTS: dict[int, str] = Profile["types"]["sport"]
_SUB_SPORTS: dict[int, str] = Profile["types"]["sub_sport"]
_RUNNING_SUB_SPORTS = {"treadmill": "treadmill_running", "trail": "trail_running"}
_TRANSITION = 3  # the sport of a multisport file's transition sessions


class _TooManyMessages(Exception):
    pass


def parse(data: bytes) -> Activity:
    """The whole file as one activity (a multisport file as one, of its first leg's
    sport): what the import stores for each leg is ``parse_legs``'s."""
    messages = _decode(data)
    records = messages.get("record_mesgs") or []
    return _activity(messages, records, sport=_sport(messages))


def parse_legs(data: bytes) -> list[Activity]:
    """One activity per leg of a multisport file (a triathlon, a brick), else the file's one.

    A multisport FIT holds one session message per leg (swim, bike, run, and
    transitions between them), each with its start time and sport; the records
    of a leg are those from its start to the next session's. Transitions are not
    legs: their few records are left out. A file with fewer than two legs that
    hold records is read whole, exactly as ``parse`` reads it.
    """
    messages = _decode(data)
    records = messages.get("record_mesgs") or []
    legs = _split_legs(messages.get("session_mesgs") or (), records)
    if len(legs) < 2:
        return [_activity(messages, records, sport=_sport(messages))]
    return [
        dataclasses.replace(
            _activity(messages, leg_records, sport=_session_sport(session)),
            leg=number,
            leg_count=len(legs),
        )
        for number, (session, leg_records) in enumerate(legs, start=1)
    ]


def _decode(data: bytes) -> Mapping[str, Any]:
    decoder = Decoder(Stream.from_bytes_io(io.BytesIO(data)))
    if not decoder.is_fit():
        raise ParseError("its FIT header is damaged or missing")
    counted = 0

    def count(mesg_num: int, message: dict[str, Any]) -> None:
        nonlocal counted
        counted += 1
        if counted > MAX_MESSAGES:
            raise _TooManyMessages

    # Strings and datetimes are made here only for the few values we use: the
    # SDK's own conversions cost a quarter of its time on a long run.
    messages, errors = decoder.read(
        apply_scale_and_offset=True,
        convert_datetimes_to_dates=False,
        convert_types_to_strings=False,
        enable_crc_check=True,
        expand_sub_fields=False,
        expand_components=False,
        merge_heart_rates=False,
        mesg_listener=count,
    )
    if errors:
        raise ParseError(_explain(errors[0]))
    file_type = _file_id(messages).get("type")
    if file_type != 4:  # activity
        kind = _FILE_TYPES.get(file_type, "unknown") if isinstance(file_type, int) else "unknown"
        raise ParseError(f"it is a FIT {kind.replace('_', ' ')} file, not an activity")
    return messages


def _file_id(messages: Mapping[str, Any]) -> Mapping[str, Any]:
    file_ids = messages.get("file_id_mesgs") or [{}]
    first: Mapping[str, Any] = file_ids[0]
    return first


def _activity(
    messages: Mapping[str, Any], records: Iterable[Mapping[str, object]], *, sport: str
) -> Activity:
    columns = Columns()
    for record in records:
        _add_record(columns, record)
    if not len(columns):
        raise ParseError("this FIT activity has no recorded points")
    samples, start = columns.to_samples()
    return Activity(
        sport=sport,
        start=start,
        source_format="fit",
        samples=samples,
        device=_device(_file_id(messages)),
    )


def _split_legs(
    sessions: Iterable[Mapping[str, Any]], records: Iterable[Mapping[str, object]]
) -> list[tuple[Mapping[str, Any], list[Mapping[str, object]]]]:
    """The legs (non-transition sessions) in time order, each with its records; those
    left without one are dropped.

    A record belongs to the session that started last at or before it, not only to
    those within a session's elapsed time: devices write the last record a second
    or so past it, and the time between sessions is a transition's.
    """
    timed = sorted(
        (session for session in sessions if isinstance(session.get("start_time"), int)),
        key=lambda session: session["start_time"],
    )
    if sum(session.get("sport") != _TRANSITION for session in timed) < 2:
        return []
    starts = [session["start_time"] for session in timed]
    grouped: list[list[Mapping[str, object]]] = [[] for _ in timed]
    for record in records:
        timestamp = record.get("timestamp")
        if not isinstance(timestamp, int):
            continue  # an untimed record cannot be placed in a leg
        # Before the first session's start (a device writes its first record early):
        # the first leg's.
        grouped[max(0, bisect.bisect_right(starts, timestamp) - 1)].append(record)
    return [
        (session, kept)
        for session, kept in zip(timed, grouped, strict=True)
        if kept and session.get("sport") != _TRANSITION
    ]


def _explain(error: Exception) -> str:
    if isinstance(error, _TooManyMessages):
        return f"it holds more than {MAX_MESSAGES:,} messages: too many for one activity"
    text = str(error)
    if "CRC" in text:
        return "its checksum (CRC) does not match: the file is damaged"
    if "not a fit file" in text:
        return "it holds a damaged FIT header after the first part: the file is corrupt"
    if "Compressed timestamp" in text:
        return (
            "it uses compressed timestamps, which this FIT reader does not support: "
            "export the activity as TCX or GPX instead"
        )
    if isinstance(error, IndexError | EOFError) or "bytes remaining" in text:
        return "it stops short: the file is truncated"
    return f"it could not be decoded as FIT ({text[:120]})"


def _value(record: Mapping[str, object], *names: str) -> float:
    for name in names:
        value = record.get(name)
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
    return NAN


def _add_record(columns: Columns, record: Mapping[str, object]) -> None:
    timestamp = record.get("timestamp")
    lat = record.get("position_lat")
    lon = record.get("position_long")
    cadence = _value(record, "cadence")
    fraction = record.get("fractional_cadence")
    if isinstance(fraction, int | float):
        cadence += float(fraction)
    columns.add(
        t=float(timestamp) + FIT_EPOCH if isinstance(timestamp, int) else NAN,
        distance_m=_value(record, "distance"),
        altitude_m=_value(record, "enhanced_altitude", "altitude"),
        heart_rate=_value(record, "heart_rate"),
        cadence=cadence,
        lat=lat * SEMICIRCLE_DEGREES if isinstance(lat, int) else NAN,
        lon=lon * SEMICIRCLE_DEGREES if isinstance(lon, int) else NAN,
        speed_m_s=_value(record, "enhanced_speed", "speed"),
    )


def _sport(messages: Mapping[str, Any]) -> str:
    """The session's sport (else the sport message's), with treadmill and trail runs named."""
    for key in ("session_mesgs", "sport_mesgs", "lap_mesgs"):
        for message in messages.get(key) or ():
            name = _session_sport(message)
            if name != "unknown":
                return name
    return "unknown"


def _session_sport(message: Mapping[str, Any]) -> str:
    sport = message.get("sport")
    if not (isinstance(sport, int) and sport in _SPORTS):
        return "unknown"
    name = _SPORTS[sport]
    if name == "running":
        sub = _SUB_SPORTS.get(message.get("sub_sport", 0), "")
        return _RUNNING_SUB_SPORTS.get(sub, "running")
    return name


def _device(file_id: Mapping[str, object]) -> str:
    manufacturer = file_id.get("manufacturer")
    names: dict[int, str] = Profile["types"]["manufacturer"]
    if isinstance(manufacturer, int) and manufacturer in names:
        return f"{names[manufacturer]} {file_id.get('product', '')}".strip()
    return ""
