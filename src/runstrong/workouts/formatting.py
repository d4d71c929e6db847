"""How durations and results read to a person (pure; used by the CLI and templates)."""

from __future__ import annotations

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_duration(ms: int | None, *, tenths: bool = False) -> str:
    """``754300`` → ``12:34`` (or ``12:34.3``); hours appear only when needed."""
    if ms is None:
        return "—"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if tenths:
        total_tenths = ms // 100
        seconds, tenth = divmod(total_tenths, 10)
    else:
        seconds, tenth = ms // 1000, None
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{sign}{text}" + (f".{tenth}" if tenth is not None else "")


def format_total(*, capped: bool, reps_at_cap: int | None, total_ms: int | None) -> str:
    """A result as boards and pages show it: ``12:34``, or ``CAP + 180`` (the reps
    done when the cap fell, which rank below every finisher)."""
    return f"CAP + {reps_at_cap or 0}" if capped else format_duration(total_ms)


def format_delta(ms: int) -> str:
    """A signed difference, ``-0:12`` faster or ``+1:05`` slower."""
    return ("+" if ms > 0 else "-" if ms < 0 else "±") + format_duration(abs(ms))
