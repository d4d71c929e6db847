"""Imported activities (one row per run file, or per leg of a multisport file) and the
record of each upload.

Only ``services.py`` writes to these tables. The original file and the samples
are kept in the database, not in the data folder: several app processes (or
hosts) share one database, and a row and its file are then written, and
rolled back, together.
"""

from __future__ import annotations

import gzip
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from runstrong.runs import intake, samples


class SourceFormat(models.TextChoices):
    GPX = "gpx", "GPX"
    TCX = "tcx", "TCX"
    FIT = "fit", "FIT"


class Activity(models.Model):
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities"
    )
    sport = models.CharField(max_length=30)  # samples.Activity.sport: "running", "cycling"…
    is_run = models.BooleanField()
    start = models.DateTimeField(null=True, blank=True)  # None: the file has no times
    elapsed_s = models.FloatField(null=True, blank=True)
    moving_s = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    avg_heart_rate = models.FloatField(null=True, blank=True)
    source_format = models.CharField(max_length=3, choices=SourceFormat.choices)
    original_name = models.CharField(max_length=255)
    title = models.CharField(max_length=200, blank=True)  # the name inside the file, if any
    device = models.CharField(max_length=100, blank=True)
    # Of the file's content (unpacked if it came gzipped): the same file twice is refused.
    sha256 = models.CharField(max_length=64)
    # A multisport file (a triathlon, a brick) is stored as one activity per leg,
    # numbered from 1; its legs share the file's sha256, which links them.
    leg = models.PositiveSmallIntegerField(default=1)
    leg_count = models.PositiveSmallIntegerField(default=1)
    # The file as it came, gzip-compressed, for re-processing. Never anything unpacked
    # beyond the parser's limit: a bomb is refused before it gets here.
    original_gz = models.BinaryField()
    point_count = models.PositiveIntegerField()
    samples_packed = models.BinaryField()  # intake.pack_samples: npz, float32 where it suffices
    # Filled from runs.metrics.compute at import (and on re-processing).
    metrics = models.JSONField(default=dict)
    ef = models.FloatField(null=True, blank=True)
    decoupling_pct = models.FloatField(null=True, blank=True)
    qualifies = models.BooleanField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("start").desc(nulls_last=True), "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["athlete", "sha256", "leg"], name="activity_file_leg_once"
            )
        ]
        indexes = [
            models.Index(fields=["athlete", "start"]),
            models.Index(fields=["athlete", "is_run", "qualifies", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.sport} {self.start or 'untimed'} ({self.original_name})"

    def to_samples(self) -> samples.Samples:
        return intake.unpack_samples(bytes(self.samples_packed))

    def original_bytes(self) -> bytes:
        return gzip.decompress(bytes(self.original_gz))


class ImportSource(models.TextChoices):
    WEB = "web", "Web upload"
    CLI = "cli", "Command line"


class ImportBatch(models.Model):
    """One upload (or one ``runstrong import``), and what became of each file in it."""

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    source = models.CharField(max_length=3, choices=ImportSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} by {self.athlete_id}"


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Already there"
    ERROR = "error", "Not imported"


class ImportItem(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    message = models.CharField(max_length=500, blank=True)
    # The activity stored from this file, or (a duplicate) the one already there.
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message}


class HistoryImportState(models.TextChoices):
    UPLOADING = "uploading", "Uploading"
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class HistoryImport(models.Model):
    """A runner's whole history brought in one file (a Strava or Garmin export, any zip
    of run files): uploaded in chunks, then imported in the background by a worker.

    One row from the first chunk to the last file read. The upload is kept on disk
    (``services_upload.part_path``) until the import ends; each file read is recorded
    as an ``ImportItem`` of ``batch`` in the same transaction as its activity, and
    ``next_member`` is the checkpoint a resumed task starts from, so a worker killed
    midway neither stores a run twice nor loses one.
    """

    key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_imports"
    )
    name = models.CharField(max_length=255)  # the uploaded file's own name
    size = models.BigIntegerField()  # bytes the browser said it will send
    received = models.BigIntegerField(default=0)  # bytes stored so far, in order
    state = models.CharField(
        max_length=10, choices=HistoryImportState.choices, default=HistoryImportState.UPLOADING
    )
    batch = models.OneToOneField(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="history"
    )
    # Progress, for the bar: activity files in the archive, and what became of those read.
    files_total = models.PositiveIntegerField(default=0)
    files_read = models.PositiveIntegerField(default=0)
    runs_found = models.PositiveIntegerField(default=0)
    others_found = models.PositiveIntegerField(default=0)  # stored, but not runs (rides…)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    next_member = models.PositiveIntegerField(default=0)  # the checkpoint: files handled
    message = models.CharField(max_length=500, blank=True)  # why it failed, for a person
    task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["athlete", "state"])]

    def __str__(self) -> str:
        return f"history import {self.key} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (HistoryImportState.DONE, HistoryImportState.FAILED)
