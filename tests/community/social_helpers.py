"""Helpers for the social tests: a finished result at a privacy level, board rows."""

from __future__ import annotations

from typing import Any

from runstrong.community import services as social
from runstrong.community.models import BoardEntry
from runstrong.workouts.models import Result
from tests.workouts.factories import T0, complete_session

DAY_MS = 86_400_000


def finished(athlete: Any, visibility: str = "public", *, day: int = 0, **options: Any) -> Result:
    """A finished Runner's 250 by ``athlete`` at ``visibility`` (set through the service)."""
    outcome = complete_session(athlete, start_at=T0 + day * DAY_MS, **options)
    assert outcome.result is not None
    return social.result_visibility_set(
        athlete=athlete, result_id=outcome.result.pk, visibility=visibility
    )


def on_boards(result: Result) -> bool:
    """Does the result stand on any board (public or club scope)?"""
    return BoardEntry.objects.filter(result_id=result.pk).exists()
