"""Run files made from the real runs in shared/data/activities, altered the way real
watches alter them: half-filled records, a clock that jumps, a run re-timed into
intervals. Each is written out as TCX and read back by the real parser, so what the
metrics see went through the same path as an upload."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import numpy as np

from runstrong.runs.parsers import parse_content
from runstrong.runs.samples import Activity, FloatArray, Samples
from tests.runs.conftest import read


def parsed(relative: str) -> Activity:
    """A real file from the shared activities, parsed."""
    return parse_content(read(relative))


def _tag(name: str, value: float, digits: int) -> str:
    return "" if math.isnan(value) else f"<{name}>{value:.{digits}f}</{name}>"


def tcx_of(
    activity: Activity,
    *,
    times: FloatArray | None = None,
    stripped: FloatArray | None = None,
) -> bytes:
    """A TCX file holding the activity's points; ``times`` (seconds from the start)
    replace its own, and the points where ``stripped`` is true are written without
    distance, position and altitude (heart rate and time only)."""
    samples = activity.samples
    seconds = samples.t if times is None else times
    start = activity.start or datetime(2024, 1, 1, tzinfo=UTC)
    bare = np.zeros(len(samples), dtype=bool) if stripped is None else stripped
    rows = []
    for index in range(len(samples)):
        when = (start + timedelta(seconds=float(seconds[index]))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lat, lon = float(samples.lat[index]), float(samples.lon[index])
        place = (
            ""
            if bare[index] or math.isnan(lat) or math.isnan(lon)
            else f"<Position><LatitudeDegrees>{lat:.8f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon:.8f}</LongitudeDegrees></Position>"
        )
        altitude = "" if bare[index] else _tag("AltitudeMeters", samples.altitude_m[index], 2)
        distance = "" if bare[index] else _tag("DistanceMeters", samples.distance_m[index], 3)
        heart = samples.heart_rate[index]
        pulse = (
            "" if math.isnan(heart) else f"<HeartRateBpm><Value>{heart:.0f}</Value></HeartRateBpm>"
        )
        rows.append(
            f"<Trackpoint><Time>{when}</Time>{place}{altitude}{distance}{pulse}</Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        '<Activities><Activity Sport="Running"><Id>'
        + start.strftime("%Y-%m-%dT%H:%M:%SZ")
        + "</Id><Lap><Track>"
        + "".join(rows)
        + "</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def every_other_stripped(count: int) -> FloatArray:
    """Every second point (never the first or the last) without distance and place."""
    stripped = np.arange(count) % 2 == 1
    stripped[-1] = False
    return stripped


def heart_rate_records_between(activity: Activity, *, offset_s: float) -> bytes:
    """A TCX of the activity with a record of time and heart rate only written before
    each of its records, ``offset_s`` from it (0: the same second, as some watches
    stamp them): half the records carry no distance, position or altitude."""
    samples = activity.samples
    index = np.repeat(np.arange(len(samples)), 2)
    heart_only = np.tile([True, False], len(samples))
    columns = {
        field.name: getattr(samples, field.name)[index] for field in dataclasses.fields(samples)
    }
    columns["t"] = columns["t"] + np.where(heart_only, offset_s, 0.0)
    doubled = dataclasses.replace(activity, samples=Samples(**columns))
    return tcx_of(doubled, stripped=heart_only)


def with_clock_jump(times: FloatArray, *, at: int, jump_s: float) -> FloatArray:
    """The times with the device's clock jumping ``jump_s`` forward before point ``at``."""
    jumped = times.copy()
    jumped[at:] += jump_s
    return jumped


def as_intervals(
    activity: Activity,
    *,
    repeat_m: float = 400.0,
    jog_m: float = 600.0,
    repeat_speed: float = 4.3,
    jog_speed: float = 2.9,
) -> FloatArray:
    """Times that make the run, along its own track and with its own heart rate,
    alternate ``repeat_m`` repeats at ``repeat_speed`` with ``jog_m`` jogs at
    ``jog_speed`` (m/s): a session of 400 m repeats with jogged recoveries."""
    distance = activity.samples.distance_m - activity.samples.distance_m[0]
    along = (distance[:-1] + distance[1:]) / 2 % (repeat_m + jog_m)
    speed = np.where(along < repeat_m, repeat_speed, jog_speed)
    return np.concatenate(([0.0], np.cumsum(np.diff(distance) / speed)))


def reread(
    activity: Activity, *, times: FloatArray | None = None, stripped: FloatArray | None = None
) -> Activity:
    """``tcx_of`` the activity, parsed back."""
    return parse_content(tcx_of(activity, times=times, stripped=stripped))
