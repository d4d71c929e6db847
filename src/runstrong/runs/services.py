"""The only code that writes runs data. Keyword-only, typed, one transaction per file.

A batch goes on past any bad file: each file is stored (activity and its
import record together) or refused (its import record only) in its own
transaction, so a failure never leaves half of a file behind, and never
undoes the files before it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.runs import intake, services_remeasure, sports
from runstrong.runs.models import Activity, ImportBatch, ImportItem, ImportSource, ImportStatus

log = logging.getLogger(__name__)

STORE_FAILED = "it could not be stored (nothing of it was kept); try again later"

# The same run recorded by two devices or exported by two services: starts
# within two minutes, and durations and distances within 3% (or a minute and
# 100 m for short runs) of each other.
SAME_RUN_START = timedelta(minutes=2)
SAME_RUN_SHARE = 0.03
SAME_RUN_SECONDS = 60.0
SAME_RUN_METRES = 100.0


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    name: str
    status: str  # ImportStatus
    message: str
    activity_id: int | None = None


@dataclasses.dataclass(frozen=True)
class BatchOutcome:
    batch: ImportBatch
    outcomes: list[ImportOutcome]

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def activity_import(
    *, athlete: User, name: str, data: bytes, batch: ImportBatch | None = None
) -> ImportOutcome:
    """Store one activity file (GPX, TCX or FIT, gzipped or not) for the athlete; of a
    multisport file, each leg, and the first leg's outcome is returned."""
    prepared = intake.prepare(intake.Incoming(name=intake.file_name(name), data=data))
    outcomes = [
        activity_store(athlete=athlete, prepared=leg, batch=batch, position=position)
        for position, leg in enumerate(prepared.legs())
    ]
    return outcomes[0]


def activity_store(
    *, athlete: User, prepared: intake.Prepared, batch: ImportBatch | None = None, position: int = 0
) -> ImportOutcome:
    """Store a prepared file: new, a duplicate (stored once, say of which), or refused."""
    refused = prepared.error or intake.future_start(prepared.start, now=timezone.now())
    if refused is not None:
        outcome = ImportOutcome(prepared.name, ImportStatus.ERROR, refused)
    else:
        try:
            return _store(athlete=athlete, prepared=prepared, batch=batch, position=position)
        except IntegrityError:
            if Activity.objects.filter(
                athlete=athlete, sha256=prepared.sha256, leg=prepared.leg
            ).exists():
                # The same file, stored a moment ago by another process.
                outcome = ImportOutcome(
                    prepared.name, ImportStatus.DUPLICATE, "already imported (just now)"
                )
            else:
                log.exception("could not store %s", prepared.name)
                outcome = ImportOutcome(prepared.name, ImportStatus.ERROR, STORE_FAILED)
        except DatabaseError:
            # Rolled back whole; the rest of the batch goes on.
            log.exception("could not store %s", prepared.name)
            outcome = ImportOutcome(prepared.name, ImportStatus.ERROR, STORE_FAILED)
    if batch is not None:
        _record(batch, position, outcome)
    return outcome


@transaction.atomic
def _store(
    *, athlete: User, prepared: intake.Prepared, batch: ImportBatch | None, position: int
) -> ImportOutcome:
    # One import at a time per athlete, so two copies of one run arriving
    # together (two uploads, two CLI runs) cannot both pass the checks below.
    User.objects.select_for_update().filter(pk=athlete.pk).exists()
    existing = _duplicate_of(athlete, prepared)
    if existing is None and prepared.already_stored:
        # Deleted since the batch began: it was not parsed, so there is nothing to store.
        return ImportOutcome(prepared.name, ImportStatus.ERROR, STORE_FAILED)
    if existing is None:
        activity = Activity.objects.create(athlete=athlete, **_columns(prepared))
        outcome = ImportOutcome(
            prepared.name, ImportStatus.IMPORTED, _imported_message(prepared), activity.pk
        )
    else:
        kept, message = existing
        if _better_copy(kept, prepared):
            # The same run again, now with heart rate: this copy replaces the other.
            replaced = kept.original_name
            for field, value in _columns(prepared).items():
                setattr(kept, field, value)
            kept.save()
            message = (
                f"{_imported_message(prepared)}; "
                f"replaces {replaced}, the same run without heart rate"
            )
            outcome = ImportOutcome(prepared.name, ImportStatus.IMPORTED, message, kept.pk)
        else:
            outcome = ImportOutcome(prepared.name, ImportStatus.DUPLICATE, message, kept.pk)
    if batch is not None:
        _record(batch, position, outcome)
    return outcome


def _columns(prepared: intake.Prepared) -> dict[str, Any]:
    """The activity's columns. Distance, times and heart rate are the metrics' own
    figures, so the list and the run page agree."""
    figures = {
        name: prepared.figure(name)
        for name in ("elapsed_s", "moving_s", "distance_m", "avg_heart_rate")
    }
    return {
        "sport": prepared.sport,
        "is_run": prepared.is_run,
        "start": prepared.start,
        **figures,
        "source_format": prepared.source_format,
        "original_name": prepared.name[-255:],
        "title": prepared.title[:200],
        "device": prepared.device[:100],
        "sha256": prepared.sha256,
        "leg": prepared.leg,
        "leg_count": prepared.leg_count,
        "original_gz": prepared.original_gz,
        "point_count": prepared.point_count,
        "samples_packed": prepared.samples_packed,
        "metrics": prepared.metrics,
        "ef": prepared.ef,
        "decoupling_pct": prepared.decoupling_pct,
        "qualifies": prepared.qualifies,
    }


def _better_copy(stored: Activity, prepared: intake.Prepared) -> bool:
    """A copy of a stored run that has the heart rate the stored one lacks."""
    has_heart_rate = prepared.figure("avg_heart_rate") is not None
    return stored.sha256 != prepared.sha256 and stored.avg_heart_rate is None and has_heart_rate


def _imported_message(prepared: intake.Prepared) -> str:
    parts = [prepared.sport.replace("_", " ")]
    if prepared.leg_count > 1:
        parts[0] = f"leg {prepared.leg} of {prepared.leg_count} of a multisport file: {parts[0]}"
    if not prepared.is_run:
        parts.append("kept, but not a run: left out of the efficiency trend")
    if prepared.start is None:
        parts.append("no times in the file: pace and efficiency unavailable")
    elif prepared.figure("avg_heart_rate") is None:
        parts.append("no heart rate: efficiency unavailable")
    return "; ".join(parts)


# What the duplicate checks read: never the stored file and samples (blobs of
# up to megabytes each, which made every check cost milliseconds).
_DUPLICATE_FIELDS = (
    "id",
    "sha256",
    "original_name",
    "source_format",
    "imported_at",
    "elapsed_s",
    "distance_m",
    "avg_heart_rate",
)


def _duplicate_of(athlete: User, prepared: intake.Prepared) -> tuple[Activity, str] | None:
    same_files = Activity.objects.filter(athlete=athlete, sha256=prepared.sha256)
    if not prepared.already_stored:
        # A file not parsed again (already stored) stands for all of its legs.
        same_files = same_files.filter(leg=prepared.leg)
    same_file = same_files.only(*_DUPLICATE_FIELDS).order_by("leg").first()
    if same_file is not None:
        return same_file, f"already imported (the same file as {same_file.original_name})"
    if prepared.start is None:
        return None
    nearby = (
        Activity.objects.filter(
            athlete=athlete,
            start__range=(prepared.start - SAME_RUN_START, prepared.start + SAME_RUN_START),
        )
        .exclude(sha256=prepared.sha256)  # another leg of the same multisport file
        .only(*_DUPLICATE_FIELDS)
        .order_by("start")
    )
    for candidate in nearby:
        if _same_run(candidate, prepared):
            imported = timezone.localtime(candidate.imported_at)
            when = f"{imported.day} {imported:%b %Y}"
            return candidate, (
                f"the same run as {candidate.original_name} "
                f"({candidate.get_source_format_display()}, imported {when}): stored once"
            )
    return None


def _close(a: float | None, b: float | None, floor: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(floor, SAME_RUN_SHARE * max(a, b))


def _same_run(stored: Activity, prepared: intake.Prepared) -> bool:
    return _close(stored.elapsed_s, prepared.figure("elapsed_s"), SAME_RUN_SECONDS) and _close(
        stored.distance_m, prepared.figure("distance_m"), SAME_RUN_METRES
    )


def _record(batch: ImportBatch, position: int, outcome: ImportOutcome) -> None:
    ImportItem.objects.create(
        batch=batch,
        position=position,
        name=outcome.name[-255:],
        status=outcome.status,
        message=outcome.message[:500],
        activity_id=outcome.activity_id,
    )


# ---------------------------------------------------------------------------
# Batches.


def import_batch_start(*, athlete: User, source: str = ImportSource.WEB) -> ImportBatch:
    return ImportBatch.objects.create(athlete=athlete, source=source)


def batch_store(
    *,
    athlete: User,
    prepared: Iterable[intake.Prepared],
    source: str = ImportSource.WEB,
    on_outcome: Callable[[ImportOutcome], None] | None = None,
) -> BatchOutcome:
    """Store already prepared files (the CLI prepares them in worker processes)."""
    batch = import_batch_start(athlete=athlete, source=source)
    outcomes: list[ImportOutcome] = []
    # Each leg of a multisport file is stored, and recorded, on its own.
    legs = (leg for item in prepared for leg in item.legs())
    for position, leg in enumerate(legs):
        outcome = activity_store(athlete=athlete, prepared=leg, batch=batch, position=position)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return BatchOutcome(batch=batch, outcomes=outcomes)


def stored_hashes(*, athlete: User) -> frozenset[str]:
    """The content hashes of the athlete's stored files (for ``intake.prepare``)."""
    return frozenset(Activity.objects.filter(athlete=athlete).values_list("sha256", flat=True))


def batch_import(
    *,
    athlete: User,
    files: Iterable[tuple[str, bytes]],
    source: str = ImportSource.WEB,
    max_new: int | None = None,
) -> BatchOutcome:
    """Import several uploads, each a run file or a zip of them: one transaction per
    file, and the rest of the batch goes on past any bad one. Past ``max_new`` new
    files (a web request has a time limit) the rest are reported, not read."""
    known = stored_hashes(athlete=athlete)

    def prepared() -> Iterator[intake.Prepared]:
        read = 0
        for name, data in files:
            for incoming in intake.expand(name, data):
                if max_new is not None and read >= max_new and incoming.error is None:
                    yield intake.Prepared(name=incoming.name, error=_over_limit(max_new))
                    continue
                item = intake.prepare(incoming, known)
                read += not item.already_stored and item.error is None
                yield item

    return batch_store(athlete=athlete, prepared=prepared(), source=source)


def _over_limit(max_new: int) -> str:
    return (
        f"not read: one upload takes up to {max_new} new files. Upload the same archive "
        "again for the next ones (files already imported are skipped quickly), or use "
        "`runstrong import` for a whole export"
    )


# ---------------------------------------------------------------------------
# The runner's corrections: what an activity was, or that it should not be there.


@transaction.atomic
def activity_sport_set(*, athlete: User, activity_id: int, sport: str) -> Activity:
    """Say what an activity was. Its figures are worked out again from the stored
    samples for that sport, so whether it counts in the trend follows at once.

    ``sports.UnknownSport`` for a sport not on offer, ``Activity.DoesNotExist`` for
    another athlete's activity (as good as missing); either way nothing changes."""
    sport = sports.check(sport)
    activity = (
        Activity.objects.select_for_update()
        .defer("original_gz")
        .filter(pk=activity_id, athlete=athlete)
        .first()
    )
    if activity is None:
        raise Activity.DoesNotExist(f"no activity {activity_id}")
    activity.sport = sport
    services_remeasure.remeasure(activity, also_save=("sport",))
    return activity


@transaction.atomic
def activity_delete(*, athlete: User, activity_id: int) -> None:
    """Remove an activity imported by mistake (and so from the trend); its import
    records stay, without their link. The same file can be imported again.

    ``Activity.DoesNotExist`` for another athlete's activity: nothing is deleted."""
    deleted, _ = Activity.objects.filter(pk=activity_id, athlete=athlete).delete()
    if not deleted:
        raise Activity.DoesNotExist(f"no activity {activity_id}")
