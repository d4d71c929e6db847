"""Run files with known figures, for the page and browser tests: real GPX, imported by the
real service, so what the pages show went through the parser and the metrics."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from runstrong.runs import parsers, samples, services

METRES_PER_DEGREE_LATITUDE = 111_195.0


def steady_gpx(
    *,
    start: datetime,
    minutes: float = 40,
    speed_m_s: float = 3.0,
    heart_rate: float | None = 150,
    every_s: int = 5,
    name: str = "Steady run",
) -> bytes:
    """A GPX 1.1 run heading north at a constant speed and heart rate, with Garmin's
    heart-rate extension, on a gentle 1% climb."""
    rows = []
    for index in range(int(minutes * 60 / every_s) + 1):
        seconds = index * every_s
        metres = speed_m_s * seconds
        when = (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        extension = (
            "<extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{heart_rate:.0f}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions>"
            if heart_rate is not None
            else ""
        )
        rows.append(
            f'<trkpt lat="{46.0 + metres / METRES_PER_DEGREE_LATITUDE:.7f}" lon="14.5000000">'
            f"<ele>{300 + 0.01 * metres:.1f}</ele><time>{when}</time>{extension}</trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="RunStrong tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{name}</name><type>running</type><trkseg>"
        + "".join(rows)
        + "</trkseg></trk></gpx>"
    ).encode()


def import_run(athlete: Any, **options: Any) -> int:
    """Import one ``steady_gpx`` run for the athlete through the import service; its id."""
    start: datetime = options["start"]
    outcome = services.activity_import(
        athlete=athlete, name=f"run-{start:%Y%m%d-%H%M}.gpx", data=steady_gpx(**options)
    )
    assert outcome.activity_id is not None, outcome.message
    return outcome.activity_id


def moved_to_year(data: bytes, year: int) -> bytes:
    """A real GPX or TCX file with every timestamp's year changed to ``year`` (a device
    whose clock was set wrong); the rest of the file as it was."""
    return re.sub(rb"\b\d{4}(?=-\d\d-\d\dT)", str(year).encode(), data)


def gpx_of(
    activity: samples.Activity,
    *,
    sport: str | None = "running",
    creator: str = "StravaGPX",
    name: str | None = None,
) -> bytes:
    """A parsed activity as another service would export it: GPX 1.1 with positions,
    elevation, times, and heart rate and cadence in Garmin's extension where the
    samples have them; ``sport=None`` leaves out <type>, as older Strava exports,
    eTrex tracks and many apps do."""
    assert activity.start is not None
    points = activity.samples
    rows = []
    for index in range(len(points)):
        lat, lon = points.lat[index], points.lon[index]
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        when = (activity.start + timedelta(seconds=float(points.t[index]))).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        altitude = points.altitude_m[index]
        elevation = f"<ele>{altitude:.1f}</ele>" if math.isfinite(altitude) else ""
        extension = "".join(
            f"<gpxtpx:{tag}>{value:.0f}</gpxtpx:{tag}>"
            for tag, value in (("hr", points.heart_rate[index]), ("cad", points.cadence[index]))
            if math.isfinite(value)
        )
        rows.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">{elevation}<time>{when}</time>'
            f"<extensions><gpxtpx:TrackPointExtension>{extension}"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    header = (f"<name>{name}</name>" if name else "") + (f"<type>{sport}</type>" if sport else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="{creator}" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk>{header}<trkseg>" + "".join(rows) + "</trkseg></trk></gpx>"
    ).encode()


def without_sport_gpx(fit: bytes) -> bytes:
    """A real FIT run written out as a GPX that names no sport (see ``gpx_of``)."""
    return gpx_of(parsers.parse_content(fit), sport=None, creator="eTrex", name="Lunch")
