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


def parse_duration(text: str) -> int:
    """``"12:34"`` or ``"1:02:03"`` (or ``"754"`` seconds) → milliseconds.

    The inverse of ``format_duration`` for what a person types; raises
    ``ValueError`` with a message that says what a duration looks like.
    """
    parts = text.strip().split(":")
    shape = f"'{text.strip()}' is not a time: write minutes and seconds, like 24:30 or 1:02:15"
    if not 1 <= len(parts) <= 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(shape)
    numbers = [int(part) for part in parts]
    if any(number >= 60 for number in numbers[1:]):
        raise ValueError(f"'{text.strip()}': seconds and minutes after a colon go up to 59")
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds * 1000
