"""TCX (Garmin Training Center) → Activity: the first activity's track points, with
distance, heart rate, cadence and speed as the device recorded them.

Our own reader on defusedxml (see ``gpx.py`` for why not a general library);
no maintained TCX parser does more than this, and python-tcxparser uses lxml
with entities on.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from runstrong.runs.parsers._columns import Columns, iso_seconds, number
from runstrong.runs.parsers._xml import events, local, text_of
from runstrong.runs.samples import Activity, ParseError

# TCX's Sport attribute takes only these three values.
_SPORTS = {"running": "running", "biking": "cycling", "other": "other"}


def parse(data: bytes) -> Activity:
    points = Columns()
    path: list[str] = []
    sport = ""
    name = ""
    activities = 0
    courses = 0
    for event, element in events(data):
        tag = local(element.tag)
        if event == "start":
            if not path and tag != "TrainingCenterDatabase":
                raise ParseError(f"it is XML but not TCX (its root element is <{tag}>)")
            path.append(tag)
            if tag == "Activity":
                activities += 1
                if activities == 1:
                    raw = (element.get("Sport") or "").strip().lower()
                    sport = _SPORTS.get(raw, raw[:30] or "unknown")
            elif tag == "Course":
                courses += 1
            continue
        path.pop()
        if tag == "Trackpoint":
            # Only the first activity: a TCX may hold several (a multisport day),
            # and each is a separate activity to be uploaded on its own.
            if activities == 1 and "Activity" in path:
                _add_point(points, element)
            element.clear()
        elif tag == "Notes" and path[-1:] == ["Activity"] and not name:
            name = text_of(element) or ""
    if not activities:
        what = "a course (a planned route)" if courses else "no activity"
        raise ParseError(f"this TCX file holds {what}, not a recorded activity")
    if not len(points):
        raise ParseError("this TCX activity has no track points")
    samples, start = points.to_samples()
    return Activity(sport=sport, start=start, source_format="tcx", samples=samples, name=name[:200])


def _add_point(columns: Columns, point: Element) -> None:
    values: dict[str, str | None] = {}
    in_heart_rate = False
    for child in point.iter():
        tag = local(child.tag)
        if tag == "HeartRateBpm":
            in_heart_rate = True
        elif tag == "Value" and in_heart_rate:
            values["heart_rate"] = child.text
            in_heart_rate = False
        elif tag in _FIELDS:
            values[_FIELDS[tag]] = child.text
    columns.add(
        t=iso_seconds(values.get("time")),
        distance_m=number(values.get("distance")),
        altitude_m=number(values.get("altitude")),
        heart_rate=number(values.get("heart_rate")),
        cadence=number(values.get("cadence")),
        lat=number(values.get("lat")),
        lon=number(values.get("lon")),
        speed_m_s=number(values.get("speed")),
    )


_FIELDS = {
    "Time": "time",
    "LatitudeDegrees": "lat",
    "LongitudeDegrees": "lon",
    "AltitudeMeters": "altitude",
    "DistanceMeters": "distance",
    "Cadence": "cadence",
    "RunCadence": "cadence",  # the ActivityExtension's running cadence
    "Speed": "speed",
}
