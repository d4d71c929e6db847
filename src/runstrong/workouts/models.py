"""Programs and exercises (synced from the TOML catalog), sessions, their events, results.

The event table is append-only: a session is whatever its events fold to, and a
result is derived from that fold in the same transaction as the finishing event.
Only ``services.py`` writes to these tables.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from runstrong.accounts.models import Privacy
from runstrong.workouts import engine


class Source(models.TextChoices):
    BUILTIN = "builtin", "Built in"
    USER = "user", "Added by a user"


class Exercise(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    muscles = models.JSONField(default=list)
    cues = models.JSONField(default=list)
    equipment = models.JSONField(default=list)
    easier = models.JSONField(default=list)
    harder = models.JSONField(default=list)
    floor_seconds_per_rep = models.FloatField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BUILTIN)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # [{"key": ..., "reps": ..., "pool": [exercise slugs]}], in order
    slots = models.JSONField()
    time_cap_minutes = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BUILTIN)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def reps_total(self) -> int:
        return sum(int(slot["reps"]) for slot in self.slots)


class SessionStatus(models.TextChoices):
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETE = "complete"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class WorkoutSession(models.Model):
    # Clients make the id, so a session started offline keeps it when it syncs.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workout_sessions"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="sessions")
    # The engine's SessionPlan: the program as this athlete does it this time
    # (rotation resolved, scaling applied), frozen so later edits to the
    # program never change a past session.
    plan = models.JSONField()
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.READY
    )
    event_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["athlete", "status", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.program.slug} session {self.id}"

    def session_plan(self) -> engine.SessionPlan:
        return engine.SessionPlan.from_dict(self.plan)

    @property
    def core_exercise(self) -> str:
        return str(self.plan["slots"][0]["exercise"])

    @property
    def exercise_names(self) -> list[str]:
        """The slots' exercises as they were named when the session began."""
        return [str(slot["exercise_name"]) for slot in self.plan["slots"]]


class SessionEvent(models.Model):
    """One event as the client sent it; never updated, never deleted on its own."""

    session = models.ForeignKey(WorkoutSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()  # 0, 1, 2… per session, given by the client
    kind = models.CharField(max_length=10)
    at = models.BigIntegerField()  # client timestamp, ms since the epoch
    data = models.JSONField(default=dict)  # the rest of the event: slot, n
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.kind}"

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "at": self.at, **self.data}

    def to_event(self) -> engine.Event:
        return engine.event_from_dict(self.as_dict())


class Review(models.TextChoices):
    """Where a result stands with the moderators (see community/README.md)."""

    NONE = "none", "Not reviewed"
    FLAGGED = "flagged", "Flagged, waiting for a moderator"
    CLEARED = "cleared", "Cleared by a moderator"
    CONFIRMED = "confirmed", "Confirmed invalid by a moderator"


class Result(models.Model):
    session = models.OneToOneField(WorkoutSession, on_delete=models.CASCADE, related_name="result")
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="results"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="results")
    core_exercise = models.SlugField(max_length=80)
    started_at = models.DateTimeField()
    total_ms = models.PositiveBigIntegerField()
    elapsed_ms = models.PositiveBigIntegerField()
    paused_ms = models.PositiveBigIntegerField()
    splits_ms = models.JSONField()
    rests_ms = models.JSONField()
    reps_done = models.JSONField()
    reps_total = models.PositiveIntegerField()
    reps_per_minute = models.FloatField()
    scaled = models.BooleanField()
    scaled_how = models.JSONField(default=list)
    capped = models.BooleanField()
    reps_at_cap = models.PositiveIntegerField(null=True, blank=True)
    unverified = models.BooleanField()
    unverified_why = models.JSONField(default=list)
    # Who may see it (accounts.Privacy), set from the athlete's default when
    # the result is made; and whether the athlete lets it onto the boards.
    visibility = models.CharField(max_length=10, choices=Privacy.choices, default=Privacy.PRIVATE)
    on_boards = models.BooleanField(default=True)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.NONE)
    # Logged by hand after a workout done without the app ("on paper"): its
    # session has a plan but no events, so nothing in it can be checked, and
    # it never stands on a board (community.ranking.eligible).
    manual = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["athlete", "program", "-started_at"]),
            models.Index(fields=["program", "scaled", "capped", "total_ms"]),
        ]

    def __str__(self) -> str:
        return f"{self.program.slug} {self.total_ms} ms by {self.athlete_id}"
