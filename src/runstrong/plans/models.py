"""A runner's week, their wish, and the strength sessions placed from them.

Only ``services.py`` writes here; the plan page, the calendar feed and
``runstrong plan`` read them through ``selectors.py`` and ``calendar.py``.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class WeekPlan(models.Model):
    """The runner's usual week and what they want from strength work."""

    athlete = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="week_plan"
    )
    # Seven plans.rules.Day values, Monday first.
    days = models.JSONField()
    per_week = models.PositiveSmallIntegerField(default=2)
    program_slug = models.SlugField(max_length=80, default="runners-250")
    race_day = models.DateField(null=True, blank=True)
    race_is_a = models.BooleanField(default=False)
    # How many runs the week was guessed from (0: entered by hand).
    guessed_from_runs = models.PositiveIntegerField(default=0)
    # The sessions the last placement could not fit (rules.Dropped as dicts:
    # week_start ISO date, count, reason, rules), shown on the plan page with why.
    dropped = models.JSONField(default=list)
    # The secret in the private calendar feed's URL; rotated from the plan page.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"week plan of {self.athlete_id}"


class ItemStatus(models.TextChoices):
    PLANNED = "planned"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"  # replaced when the plan was made again; sent as cancelled


class PlanItem(models.Model):
    """One planned strength session."""

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_items"
    )
    # Stable across moves; the calendar event's UID.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    day = models.DateField()
    program_slug = models.SlugField(max_length=80)
    reduced = models.BooleanField(default=False)
    core_exercise = models.SlugField(max_length=80, blank=True)
    # plans.rules.Rule values that put it here, and a warning if one was broken.
    rules = models.JSONField(default=list)
    warning = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    skip_reason = models.CharField(max_length=200, blank=True)
    result = models.OneToOneField(
        "workouts.Result",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_item",
    )
    # iCalendar SEQUENCE: bumped whenever the event changes (moved, cancelled).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["athlete", "day"])]

    def __str__(self) -> str:
        return f"{self.program_slug} on {self.day} for {self.athlete_id}"
