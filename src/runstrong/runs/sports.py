"""The sports a runner may give an activity, and when a file's figures say it was a run (pure).

Many files name no sport (older Strava GPX exports, eTrex tracks, many apps):
they are measured as runs but stay out of the trend until the runner says what
they were. ``check`` is the one rule for what may be set; ``run_suggestion``
says, with the figures, when such a file looks like a run.
"""

from __future__ import annotations

import numpy as np

from runstrong.runs import formatting
from runstrong.runs.samples import FloatArray

# What a runner may choose, in the parsers' own names (samples.Activity.is_run
# knows the three running ones).
SPORTS: dict[str, str] = {
    "running": "Running",
    "trail_running": "Trail running",
    "treadmill_running": "Treadmill running",
    "walking": "Walking",
    "hiking": "Hiking",
    "cycling": "Cycling",
    "swimming": "Swimming",
    "other": "Other",
}
# What files write when they do not say: no sport, or a catch-all.
UNSAID = frozenset({"", "unknown", "other", "generic"})

# A run, by its moving pace and cadence: 2.0–6.0 m/s is 8:20 to 2:47 per km
# (slower is a walk, faster a ride), and runners take 140–210 steps a minute
# (walkers 100–130). Most watches and GPX extensions write the cadence of one
# foot (strides, 70–105 a minute); below 120 it is taken as that and doubled.
RUN_SPEED_M_S = (2.0, 6.0)
RUN_STEPS_PER_MIN = (140.0, 210.0)
STRIDES_BELOW = 120.0


class UnknownSport(ValueError):
    """A sport that is not on offer; the message says which are."""


def check(sport: str) -> str:
    """The sport's own name if a runner may set it ("Trail running" and "trail-running"
    are "trail_running"), else ``UnknownSport`` with a sentence to show."""
    offered = ", ".join(label.lower() for label in SPORTS.values())
    key = sport.strip().lower().replace(" ", "_").replace("-", "_")
    if not key:
        raise UnknownSport(f"Choose a sport: {offered}.")
    if key not in SPORTS:
        shown = sport if len(sport) <= 30 else sport[:30] + "…"
        raise UnknownSport(f"“{shown}” is not a sport RunStrong knows: choose {offered}.")
    return key


def label(sport: str) -> str:
    return SPORTS.get(sport, sport.replace("_", " ") or "unknown")


def steps_per_minute(cadence: FloatArray) -> float | None:
    """The typical cadence in steps a minute (the median of the recorded values)."""
    recorded = cadence[np.isfinite(cadence) & (cadence > 0)]
    if not len(recorded):
        return None
    typical = float(np.median(recorded))
    return typical * 2 if typical < STRIDES_BELOW else typical


def run_suggestion(
    *, sport: str, avg_speed_m_s: float | None, cadence: FloatArray, units: str
) -> str | None:
    """Why a file that names no sport looks like a run, or None (it names one, or its
    pace or cadence is missing or not a runner's)."""
    if sport not in UNSAID or avg_speed_m_s is None:
        return None
    steps = steps_per_minute(cadence)
    if steps is None:
        return None
    if not (RUN_SPEED_M_S[0] <= avg_speed_m_s <= RUN_SPEED_M_S[1]):
        return None
    if not (RUN_STEPS_PER_MIN[0] <= steps <= RUN_STEPS_PER_MIN[1]):
        return None
    pace = formatting.format_pace(avg_speed_m_s, units)
    return f"pace {pace} and cadence {steps:.0f} steps a minute look like a run"
