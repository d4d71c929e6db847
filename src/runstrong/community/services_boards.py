"""The only code that writes board entries: an athlete's rows, rebuilt from their results.

``board_refresh`` is called whenever something a board depends on changes: a
new result, a result's visibility, ``on_boards`` or review, the athlete's sex
or birth year. It is an explicit call from those services, not a signal, so
every write that moves a board is visible where it happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.community import board_cache, ranking
from runstrong.community.models import BoardEntry
from runstrong.workouts.models import Program, Result

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The result columns ``ranking.board_entries`` needs.
RESULT_FIELDS = (
    "id",
    "athlete_id",
    "program_id",
    "started_at",
    "total_ms",
    "capped",
    "reps_at_cap",
    "scaled",
    "visibility",
    "on_boards",
    "unverified",
    "review",
    "core_exercise",
    "manual",
)

# The columns that make one entry differ from another in the same bucket.
_ENTRY_COLUMNS = (
    "result_id",
    "capped",
    "reps_done",
    "total_s",
    "started_at",
    "sex",
    "age_group",
    "core_exercise",
)


def microseconds(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (exact, unlike ``timestamp()``)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def result_facts(row: dict[str, Any]) -> ranking.ResultFacts:
    """One ``Result.values(*RESULT_FIELDS)`` row as the pure module's input."""
    started_at: datetime = row["started_at"]
    return ranking.ResultFacts(
        result_id=row["id"],
        program_id=row["program_id"],
        # Periods follow the site's calendar (TIME_ZONE): a Sunday-night
        # session counts for the week it was done in where the club trains.
        day=timezone.localdate(started_at),
        started_at=started_at,
        started_us=microseconds(started_at),
        total_ms=row["total_ms"],
        capped=row["capped"],
        reps_at_cap=row["reps_at_cap"],
        scaled=row["scaled"],
        visibility=row["visibility"],
        on_boards=row["on_boards"],
        unverified=row["unverified"],
        review=row["review"],
        core_exercise=row["core_exercise"],
        manual=row["manual"],
    )


def _bucket_of(entry: BoardEntry) -> ranking.Bucket:
    return ranking.Bucket(
        entry.program_id, entry.scope, entry.scaled, entry.period, entry.period_start
    )


def _same(entry: BoardEntry, spec: ranking.EntrySpec) -> bool:
    wanted = spec.columns()
    return all(getattr(entry, column) == wanted[column] for column in _ENTRY_COLUMNS)


def board_refresh(*, athlete: User, program: Program | None = None) -> int:
    """Bring the athlete's board entries (of one program, or all) up to their results.

    Rows that are already right stay as they are; changed ones are replaced,
    gone ones deleted. Returns how many rows were written or deleted.
    """
    with transaction.atomic():
        # Lock the athlete: two results finishing at once must not both
        # insert the same bucket's row. It also reads sex and birth year fresh.
        person = (
            User.objects.select_for_update()
            .only("id", "sex", "birth_year")
            .filter(pk=athlete.pk)
            .first()
        )
        if person is None:
            return 0
        results: QuerySet[Result] = Result.objects.filter(athlete_id=person.pk)
        entries: QuerySet[BoardEntry] = BoardEntry.objects.filter(athlete_id=person.pk)
        if program is not None:
            results = results.filter(program_id=program.pk)
            entries = entries.filter(program_id=program.pk)
        wanted = {
            spec.bucket: spec
            for spec in ranking.board_entries(
                (result_facts(row) for row in results.values(*RESULT_FIELDS)),
                athlete_id=person.pk,
                sex=person.sex,
                birth_year=person.birth_year,
            )
        }
        stale: list[int] = []
        touched = {spec.bucket.program_id for spec in wanted.values()}
        for entry in entries:
            touched.add(entry.program_id)
            spec = wanted.get(_bucket_of(entry))
            if spec is not None and _same(entry, spec):
                del wanted[_bucket_of(entry)]
            else:
                stale.append(entry.pk)
        if stale:
            BoardEntry.objects.filter(pk__in=stale).delete()
        BoardEntry.objects.bulk_create(BoardEntry(**spec.columns()) for spec in wanted.values())
        # Also when nothing changed: a new display name shows on every board.
        board_cache.bump(touched)
        return len(stale) + len(wanted)


def board_rebuild_all(
    *, batch_athletes: int = 500, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every athlete's entries from scratch, in batches; returns rows written.

    For after bulk changes (an import, a fix to the rules). Each batch is one
    transaction, so the boards are never empty for long and a stop part-way
    leaves whole athletes done.
    """
    athlete_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(athlete_ids), batch_athletes):
        batch = athlete_ids[start : start + batch_athletes]
        written += _rebuild_batch(batch)
        if progress is not None:
            progress(min(start + batch_athletes, len(athlete_ids)), len(athlete_ids))
    board_cache.bump(Program.objects.values_list("pk", flat=True))
    return written


def _rebuild_batch(athlete_ids: Iterable[int]) -> int:
    ids = list(athlete_ids)
    with transaction.atomic():
        people = {
            person.pk: person
            for person in User.objects.select_for_update()
            .only("id", "sex", "birth_year")
            .filter(pk__in=ids)
        }
        by_athlete: dict[int, list[ranking.ResultFacts]] = {pk: [] for pk in people}
        for row in Result.objects.filter(athlete_id__in=list(people)).values(*RESULT_FIELDS):
            by_athlete[row["athlete_id"]].append(result_facts(row))
        BoardEntry.objects.filter(athlete_id__in=ids).delete()
        rows = [
            BoardEntry(**spec.columns())
            for pk, facts in by_athlete.items()
            for spec in ranking.board_entries(
                facts, athlete_id=pk, sex=people[pk].sex, birth_year=people[pk].birth_year
            )
        ]
        BoardEntry.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
