"""Stored figures worked out again when the rules that make them change.

Each activity's figures are stored at import, with the ``metrics.METRICS_VERSION``
that computed them. When a definition changes the version goes up, and
``activities_remeasure`` recomputes, from the stored samples, every activity
measured by an older version, so the trend never mixes runs judged by two rules.
A data migration calls it for each version bump (the migration is what runs on
every upgrade, ``runstrong setup`` included); it takes the model to write so that
the migration can pass its historical one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from runstrong.runs import intake, metrics, samples
from runstrong.runs.models import Activity

# The list's columns that are the metrics' own figures, as at import.
_FIGURE_COLUMNS = ("elapsed_s", "moving_s", "distance_m", "avg_heart_rate")


def activities_remeasure(*, activity_model: Any = Activity) -> int:
    """Recompute every activity whose stored figures predate ``METRICS_VERSION``;
    how many were recomputed."""
    stale = [
        pk
        for pk, stored in activity_model.objects.values_list("pk", "metrics").iterator()
        if int((stored or {}).get("version") or 0) < metrics.METRICS_VERSION
    ]
    for pk in stale:
        with transaction.atomic():
            activity = activity_model.objects.select_for_update().defer("original_gz").get(pk=pk)
            remeasure(activity)
    return len(stale)


def remeasure(activity: Any, *, also_save: tuple[str, ...] = ()) -> None:
    """Work an activity's figures out again from its stored samples, for the
    sport it now has, and save them (with ``also_save``, fields the caller set).
    The one place figures are recomputed: a rule change (above) or the runner
    saying what the activity was (``services.activity_sport_set``)."""
    measured = samples.Activity(
        sport=activity.sport,
        start=activity.start,
        source_format=activity.source_format,
        samples=intake.unpack_samples(bytes(activity.samples_packed)),
        name=activity.title,
        device=activity.device,
    )
    figures, ef, decoupling, qualifies = intake.compute_metrics(measured)
    activity.is_run = measured.is_run
    activity.metrics = figures
    activity.ef = ef
    activity.decoupling_pct = decoupling
    activity.qualifies = qualifies
    for name in _FIGURE_COLUMNS:
        value = figures.get(name)
        setattr(activity, name, None if value is None else float(value))
    activity.save(
        update_fields=[
            *also_save,
            "is_run",
            "metrics",
            "ef",
            "decoupling_pct",
            "qualifies",
            *_FIGURE_COLUMNS,
        ]
    )
