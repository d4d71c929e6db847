"""What the three parsers share: collecting points as columns, and turning them into Samples.

Pure (no Django). A parser appends one value per column for every point it
reads (NaN where the file has none); ``Columns.to_samples`` makes the numpy
arrays, the times relative to the first timed point, and a cumulative distance
(the file's own, else one measured along the positions).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from runstrong.runs.samples import FloatArray, ParseError, Samples, distance_along

NAN = math.nan
# A day at one point a second, with room to spare: more points than this in one
# file is a damaged or hostile file, and would only cost memory.
MAX_POINTS = 400_000


def number(text: str | None) -> float:
    """A number from the file, or NaN when it is missing or not a number."""
    if text is None:
        return NAN
    try:
        value = float(text)
    except ValueError:
        return NAN
    return value if math.isfinite(value) else NAN


def iso_seconds(text: str | None) -> float:
    """Seconds since the epoch from an ISO 8601 time (UTC when no zone is given), or NaN."""
    if not text:
        return NAN
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return NAN
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class Columns:
    """Points as they are read, one list per Samples column."""

    def __init__(self) -> None:
        self.t: list[float] = []  # seconds since the epoch, not yet relative
        self.distance_m: list[float] = []
        self.altitude_m: list[float] = []
        self.heart_rate: list[float] = []
        self.cadence: list[float] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.speed_m_s: list[float] = []

    def __len__(self) -> int:
        return len(self.t)

    def add(
        self,
        *,
        t: float = NAN,
        distance_m: float = NAN,
        altitude_m: float = NAN,
        heart_rate: float = NAN,
        cadence: float = NAN,
        lat: float = NAN,
        lon: float = NAN,
        speed_m_s: float = NAN,
    ) -> None:
        if len(self.t) >= MAX_POINTS:
            raise ParseError(f"more than {MAX_POINTS:,} points: too many for one activity")
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            lat = lon = NAN  # NaN compares false, so a missing position lands here too
        if not heart_rate > 0:
            heart_rate = NAN  # some watches write 0 while the strap has no contact
        self.t.append(t)
        self.distance_m.append(distance_m)
        self.altitude_m.append(altitude_m)
        self.heart_rate.append(heart_rate)
        self.cadence.append(cadence)
        self.lat.append(lat)
        self.lon.append(lon)
        self.speed_m_s.append(speed_m_s)

    def to_samples(self) -> tuple[Samples, datetime | None]:
        """The Samples, and the start time (UTC) when the file has times."""
        if not self.t:
            raise ParseError("it holds no recorded points")
        epoch = np.asarray(self.t, dtype=np.float64)
        columns = {
            name: np.asarray(getattr(self, name), dtype=np.float64)
            for name in (
                "distance_m",
                "altitude_m",
                "heart_rate",
                "cadence",
                "lat",
                "lon",
                "speed_m_s",
            )
        }
        timed = np.isfinite(epoch)
        if timed.sum() * 2 < timed.shape[0]:
            # A few timed points in an untimed track (an edited file) would give a
            # start time and a duration that belong to a fragment: treat as untimed.
            epoch = np.full(epoch.shape, NAN)
            timed = np.zeros(epoch.shape, dtype=bool)
        start: datetime | None = None
        if timed.any():
            if timed.all() and bool((np.diff(epoch) < 0).any()):
                # A few devices write points out of order; the metrics need time order.
                order = np.argsort(epoch, kind="stable")
                epoch = epoch[order]
                columns = {name: values[order] for name, values in columns.items()}
            first = float(epoch[np.argmax(timed)])
            start = datetime.fromtimestamp(first, tz=UTC)
            t = epoch - first
        else:
            t = epoch  # NaN throughout
        distance = _cumulative_distance(columns["distance_m"], columns["lat"], columns["lon"])
        samples = Samples(
            t=t,
            distance_m=distance,
            altitude_m=columns["altitude_m"],
            heart_rate=columns["heart_rate"],
            cadence=columns["cadence"],
            lat=columns["lat"],
            lon=columns["lon"],
            speed_m_s=columns["speed_m_s"],
        )
        return samples, start


def _fill_gaps(values: FloatArray) -> FloatArray:
    """NaNs replaced by the last value before them (the first value before the first)."""
    finite = np.isfinite(values)
    index = np.where(finite, np.arange(values.shape[0]), -1)
    np.maximum.accumulate(index, out=index)
    filled = values[np.maximum(index, 0)]
    filled[index < 0] = values[np.argmax(finite)]
    return filled


def _cumulative_distance(recorded: FloatArray, lat: FloatArray, lon: FloatArray) -> FloatArray:
    """The file's cumulative distance with its gaps filled; else one measured along the
    positions (great-circle); else NaN throughout (a treadmill file without distance)."""
    if np.isfinite(recorded).any():
        return _fill_gaps(recorded)
    # Without any position this is NaN throughout, and stays so.
    return _fill_gaps(distance_along(lat, lon))
