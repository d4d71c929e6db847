"""Reads for the runs list and the import results, each in a fixed number of queries.

(``selectors.py`` holds the analysis pages' reads.)
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from runstrong.accounts.models import User
from runstrong.runs.models import Activity, ImportBatch, ImportItem

RUNS_PER_PAGE = 100

# What the list shows: never the stored file or the samples (tens of KB a run).
LIST_FIELDS = (
    "id",
    "sport",
    "is_run",
    "start",
    "elapsed_s",
    "moving_s",
    "distance_m",
    "avg_heart_rate",
    "source_format",
    "original_name",
    "title",
    "qualifies",
)


def activity_page(athlete: User, *, page: int | str | None = 1) -> Page[Activity]:
    """One page of the athlete's activities, newest first (untimed ones last). Two queries."""
    activities = Activity.objects.filter(athlete=athlete).only(*LIST_FIELDS)
    return Paginator(activities, RUNS_PER_PAGE).get_page(page)


def import_batch_get(batch_id: int, *, athlete: User) -> ImportBatch | None:
    """An import of this athlete's (someone else's counts as none)."""
    return ImportBatch.objects.filter(pk=batch_id, athlete=athlete).first()


def import_items(batch: ImportBatch) -> list[ImportItem]:
    return list(batch.items.order_by("position"))
