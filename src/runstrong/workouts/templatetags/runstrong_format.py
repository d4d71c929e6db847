"""Template filters over the pure formatting helpers, so pages and the CLI read alike."""

from __future__ import annotations

from django import template

from runstrong.workouts.formatting import format_delta, format_duration

register = template.Library()


@register.filter
def duration(ms: int | None) -> str:
    """``{{ result.total_ms|duration }}`` → ``12:34``."""
    return format_duration(ms)


@register.filter
def duration_tenths(ms: int | None) -> str:
    return format_duration(ms, tenths=True)


@register.filter
def delta(ms: int | None) -> str:
    """A signed difference: ``-0:12`` (faster) or ``+1:05`` (slower)."""
    return "—" if ms is None else format_delta(ms)
