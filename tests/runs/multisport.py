"""A multisport FIT file made from the shared real files, written with the FIT SDK's encoder.

A brick as a watch records it: the bike leg of ``garmin-fenix-5-bike.fit``, a
transition, then the run of ``activity-small-fenix2-run.fit`` (47 minutes, steady,
with heart rate: a run that counts in the trend), its clock moved to follow the
ride. One file, one session message per leg.
"""

from __future__ import annotations

import io
from typing import Any

from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from tests.runs.conftest import read

_MESG = Profile["mesg_num"]
TRANSITION_S = 90
RECORD_FIELDS = (
    "timestamp",
    "position_lat",
    "position_long",
    "distance",
    "enhanced_altitude",
    "enhanced_speed",
    "heart_rate",
    "cadence",
)


def _messages(relative: str) -> dict[str, Any]:
    decoder = Decoder(Stream.from_bytes_io(io.BytesIO(read(relative))))
    messages, errors = decoder.read(
        convert_datetimes_to_dates=False, convert_types_to_strings=False
    )
    assert not errors
    result: dict[str, Any] = messages
    return result


def _session(start: int, elapsed: float, sport: int) -> dict[str, Any]:
    return {
        "mesg_num": _MESG["SESSION"],
        "timestamp": int(start + elapsed),
        "start_time": start,
        "total_elapsed_time": elapsed,
        "total_timer_time": elapsed,
        "sport": sport,
    }


def brick_fit(*, shift_s: int = 0) -> bytes:
    """Bike, transition, run in one FIT activity file; ``shift_s`` moves every time."""
    bike = _messages("fit/garmin-fenix-5-bike.fit")
    run = _messages("fit/activity-small-fenix2-run.fit")
    bike_session = bike["session_mesgs"][0]
    run_session = run["session_mesgs"][0]
    bike_start = bike_session["start_time"] + shift_s
    bike_elapsed = bike_session["total_elapsed_time"]
    # After the ride's last record (a second past its session's elapsed time).
    transition_start = bike["record_mesgs"][-1]["timestamp"] + shift_s + 1
    run_start = transition_start + TRANSITION_S + 1
    run_moved = run_start - run_session["start_time"]

    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": _MESG["FILE_ID"],
            "type": 4,  # activity
            "manufacturer": 1,  # garmin
            "product": 2697,
            "time_created": bike_start,
        }
    )
    records: list[dict[str, Any]] = []
    for source, moved in ((bike, shift_s), (run, run_moved)):
        for record in source["record_mesgs"]:
            kept = {name: record[name] for name in RECORD_FIELDS if record.get(name) is not None}
            kept["timestamp"] = record["timestamp"] + moved
            records.append(kept)
    # Two records in the transition: dropped, as they belong to no leg.
    for offset in (10, 50):
        records.append({"timestamp": transition_start + offset, "heart_rate": 150})
    records.sort(key=lambda record: record["timestamp"])
    for record in records:
        encoder.write_mesg({"mesg_num": _MESG["RECORD"], **record})
    for session in (
        _session(bike_start, bike_elapsed, 2),  # cycling
        _session(transition_start, TRANSITION_S, 3),  # transition
        _session(run_start, run_session["total_elapsed_time"], 1),  # running
    ):
        encoder.write_mesg(session)
    encoder.write_mesg(
        {
            "mesg_num": _MESG["ACTIVITY"],
            "timestamp": int(run_start + run_session["total_elapsed_time"]),
            "num_sessions": 3,
            "type": 0,
        }
    )
    data: bytes = encoder.close()
    return data
