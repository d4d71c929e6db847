"""What every parser produces and every metric reads: one activity as columns.

Pure (no Django). A parser turns a file into an ``Activity``; the import
service stores it compactly; ``metrics.py`` reads it back. Columns are numpy
arrays of equal length, one element per recorded point, with NaN where the
file had no value (a missing heart rate, a point without a position).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG); what most running apps use


class ParseError(ValueError):
    """A file that cannot be read as an activity; the message is shown to the athlete."""


@dataclasses.dataclass(frozen=True)
class Samples:
    # Seconds since the activity's start; NaN throughout when the file has no times.
    t: FloatArray
    # Cumulative distance in metres (from the file, else from the positions).
    distance_m: FloatArray
    altitude_m: FloatArray
    heart_rate: FloatArray  # beats per minute
    cadence: FloatArray  # steps (or revolutions) per minute, as the file gives it
    lat: FloatArray
    lon: FloatArray
    speed_m_s: FloatArray  # as recorded, NaN where absent; metrics may derive their own

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def has_times(self) -> bool:
        return bool(len(self) and np.isfinite(self.t).any())

    @property
    def has_heart_rate(self) -> bool:
        return bool(len(self) and np.isfinite(self.heart_rate).any())


@dataclasses.dataclass(frozen=True)
class Activity:
    sport: str  # "running", "cycling", … lower-case; "unknown" when the file does not say
    start: datetime | None  # timezone-aware UTC; None when the file has no times
    source_format: str  # "gpx", "tcx" or "fit"
    samples: Samples
    name: str = ""
    device: str = ""
    # Of a multisport file (a triathlon, a brick), stored as one activity per leg:
    # this leg's number, from 1, and how many legs the file holds.
    leg: int = 1
    leg_count: int = 1

    @property
    def is_run(self) -> bool:
        return self.sport in {"running", "run", "trail_running", "treadmill_running"}


def distance_along(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Cumulative great-circle distance (haversine) at each point that has a position,
    from the first such point; NaN at the points without one."""
    distance = np.full(lat.shape[0], np.nan)
    placed = np.isfinite(lat) & np.isfinite(lon)
    if not placed.any():
        return distance
    phi = np.radians(lat[placed])
    lam = np.radians(lon[placed])
    half_dphi = np.diff(phi) / 2
    half_dlam = np.diff(lam) / 2
    a = np.sin(half_dphi) ** 2 + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(half_dlam) ** 2
    steps = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    distance[placed] = np.concatenate(([0.0], np.cumsum(steps)))
    return distance
