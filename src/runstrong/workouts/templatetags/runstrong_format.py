"""Template filters over the pure formatting helpers, so pages and the CLI read alike."""

from __future__ import annotations

from typing import Any

from django import template

from runstrong.workouts.formatting import format_delta, format_duration, format_total

register = template.Library()


@register.filter
def duration(ms: int | None) -> str:
    """``{{ result.total_ms|duration }}`` → ``12:34``."""
    return format_duration(ms)


@register.filter
def total(result: Any) -> str:
    """``{{ result|total }}`` → ``12:34``, or ``CAP + 180`` for a result over the cap."""
    return format_total(
        capped=result.capped, reps_at_cap=result.reps_at_cap, total_ms=result.total_ms
    )


@register.filter
def duration_tenths(ms: int | None) -> str:
    return format_duration(ms, tenths=True)


@register.filter
def delta(ms: int | None) -> str:
    """A signed difference: ``-0:12`` (faster) or ``+1:05`` (slower)."""
    return "—" if ms is None else format_delta(ms)
