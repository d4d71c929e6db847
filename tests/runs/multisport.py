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

from runstrong.runs.samples import Activity
from tests.runs.conftest import read

_MESG = Profile["mesg_num"]
RUN = "fit/activity-small-fenix2-run.fit"
SEMICIRCLE_DEGREES = 180.0 / 2**31
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


def _kept(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in RECORD_FIELDS if record.get(name) is not None}


def _records_of(activity: Activity) -> list[dict[str, Any]]:
    """An activity's samples as FIT records, timed in seconds from its start."""
    samples = activity.samples
    records = []
    for index in range(len(samples)):
        values = {
            "timestamp": int(samples.t[index]),
            "position_lat": round(samples.lat[index] / SEMICIRCLE_DEGREES),
            "position_long": round(samples.lon[index] / SEMICIRCLE_DEGREES),
            "distance": float(samples.distance_m[index]),
            "enhanced_altitude": float(samples.altitude_m[index]),
            "heart_rate": round(samples.heart_rate[index]),
        }
        records.append(values)
    return records


def brick_fit(*, run_leg: Activity | None = None) -> bytes:
    """Bike, transition, run in one FIT activity file. The run is the Fenix 2's, else
    ``run_leg``'s samples (a run made for a test)."""
    bike = _messages("fit/garmin-fenix-5-bike.fit")
    if run_leg is None:
        run = _messages(RUN)
        run_began = run["session_mesgs"][0]["start_time"]
        run_records = [
            {**_kept(record), "timestamp": record["timestamp"] - run_began}
            for record in run["record_mesgs"]
        ]
        run_elapsed = run["session_mesgs"][0]["total_elapsed_time"]
    else:
        run_records = _records_of(run_leg)
        run_elapsed = float(run_records[-1]["timestamp"])
    bike_session = bike["session_mesgs"][0]
    bike_start = bike_session["start_time"]
    bike_elapsed = bike_session["total_elapsed_time"]
    # After the ride's last record (a second past its session's elapsed time).
    transition_start = bike["record_mesgs"][-1]["timestamp"] + 1
    run_start = transition_start + TRANSITION_S + 1

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
    records = [_kept(record) for record in bike["record_mesgs"]]
    records += [{**record, "timestamp": record["timestamp"] + run_start} for record in run_records]
    # Two records in the transition: dropped, as they belong to no leg.
    for offset in (10, 50):
        records.append({"timestamp": transition_start + offset, "heart_rate": 150})
    records.sort(key=lambda record: record["timestamp"])
    for record in records:
        encoder.write_mesg({"mesg_num": _MESG["RECORD"], **record})
    for session in (
        _session(bike_start, bike_elapsed, 2),  # cycling
        _session(transition_start, TRANSITION_S, 3),  # transition
        _session(run_start, run_elapsed, 1),  # running
    ):
        encoder.write_mesg(session)
    encoder.write_mesg(
        {
            "mesg_num": _MESG["ACTIVITY"],
            "timestamp": int(run_start + run_elapsed),
            "num_sessions": 3,
            "type": 0,
        }
    )
    data: bytes = encoder.close()
    return data
