"""How run figures read in the athlete's units (pure; shared by the pages and the CLI).

Figures are stored in SI units; ``units`` is the athlete's choice, "km" or
"mi". Miles bring feet for climbing and yards per minute per beat for the
efficiency factor, the unit Friel's examples use.
"""

from __future__ import annotations

from runstrong.workouts.formatting import format_duration

METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048
METRES_PER_YARD = 0.9144


def metres_per_unit(units: str) -> float:
    return METRES_PER_MILE if units == "mi" else 1000.0


def unit_label(units: str) -> str:
    return "mi" if units == "mi" else "km"


def distance_in_units(metres: float, units: str) -> float:
    return metres / metres_per_unit(units)


def format_distance(metres: float | None, units: str) -> str:
    if metres is None:
        return "—"
    return f"{distance_in_units(metres, units):.2f} {unit_label(units)}"


def pace_seconds(speed_m_s: float, units: str) -> float:
    """Seconds per km or per mile at ``speed_m_s``."""
    return metres_per_unit(units) / speed_m_s


def format_pace(speed_m_s: float | None, units: str) -> str:
    """``3.0`` m/s → ``5:33 /km`` (or ``8:56 /mi``)."""
    if speed_m_s is None or speed_m_s <= 0:
        return "—"
    return f"{format_seconds(pace_seconds(speed_m_s, units))} /{unit_label(units)}"


def elevation_in_units(metres: float, units: str) -> float:
    return metres / METRES_PER_FOOT if units == "mi" else metres


def elevation_label(units: str) -> str:
    return "ft" if units == "mi" else "m"


def format_elevation(metres: float | None, units: str) -> str:
    if metres is None:
        return "—"
    return f"{elevation_in_units(metres, units):.0f} {elevation_label(units)}"


def format_seconds(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(round(seconds) * 1000)


def ef_in_units(ef_metres: float, units: str) -> float:
    return ef_metres / METRES_PER_YARD if units == "mi" else ef_metres


def ef_label(units: str) -> str:
    return "yd/min per beat" if units == "mi" else "m/min per beat"


def format_ef(ef_metres: float | None, units: str) -> str:
    if ef_metres is None:
        return "—"
    return f"{ef_in_units(ef_metres, units):.2f} {ef_label(units)}"


def format_heart_rate(bpm: float | None) -> str:
    return "—" if bpm is None else f"{bpm:.0f} bpm"


def format_percent(value: float | None, *, signed: bool = True) -> str:
    """``5.04`` → ``+5.0%``; a minus sign, not a hyphen, for negatives."""
    if value is None:
        return "—"
    shown = round(value, 1)  # the sign follows what is printed: −0.04 reads ±0.0%
    text = f"{abs(shown):.1f}%"
    if not signed:
        return ("−" if shown < 0 else "") + text
    return ("+" if shown > 0 else "−" if shown < 0 else "±") + text


def format_long_span(seconds: float) -> str:
    """A span of hours or days in words: ``1_728_000`` → ``20 days``, ``7200`` → ``2 h``."""
    if seconds >= 86_400 * 1.5:
        return f"{seconds / 86_400:.0f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 60:.0f} min"


def clock_jump_note(clock_jump_s: float) -> str:
    """What the run page says beside the elapsed time of a file whose clock jumped."""
    if clock_jump_s <= 0:
        return ""
    return (
        f"the file's clock jumped {format_long_span(clock_jump_s)} mid-run; "
        "that jump is not counted as time"
    )
