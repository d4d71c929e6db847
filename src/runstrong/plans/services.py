"""The only code that writes plans: each function is one transaction.

The placement itself is ``rules.place`` (pure); here it meets the database: the
athlete's results say how many full 250s they have done, the workouts app's
rotation says which core exercise each planned session gets, and the stored
items are kept, cancelled or created so the calendar feed can tell a moved or
cancelled event from a new one (stable ``uid``, ``sequence`` bumped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from runstrong import text
from runstrong.accounts.models import User
from runstrong.plans import rules
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan, new_feed_token
from runstrong.workouts import engine
from runstrong.workouts import services as workout_services
from runstrong.workouts.models import Program, Result, WorkoutSession
from runstrong.workouts.selectors import last_done_in_rotations, program_to_catalog

FULL_250 = "runners-250"
# Statuses that hold a day: a session there (planned or done) counts as "another
# session" for the 48 h rule. Skipped and cancelled ones hold nothing.
HOLDING = (ItemStatus.PLANNED, ItemStatus.DONE)
# What an item shows (on the page and in the calendar): a change bumps its sequence.
SHOWN = ("program_slug", "reduced", "rules", "warning", "core_exercise")


class PlanNotFound(LookupError):
    """The athlete has no week plan yet."""


class ItemNotFound(LookupError):
    """No such item among the athlete's own (another athlete's looks the same)."""


class ItemNotOpen(ValueError):
    """The item is done, skipped or cancelled: only a planned one can change."""


def week_from(days: Sequence[str]) -> rules.Week:
    """Seven day kinds, Monday first; ValueError for anything else."""
    if len(days) != 7:
        raise ValueError("a week has seven days")
    week: rules.Week = tuple(rules.Day(day) for day in days)  # type: ignore[assignment]
    return week


def week_of(plan: WeekPlan) -> rules.Week:
    return week_from(plan.days)


def full_250s_done(athlete: User) -> int:
    """Finished Runner's 250s done as prescribed: what makes the 500 an offer."""
    return Result.objects.filter(
        athlete=athlete, program__slug=FULL_250, scaled=False, capped=False
    ).count()


def last_session_day(athlete: User, today: date) -> date | None:
    """The day of the athlete's latest workout up to ``today``, planned or not, so
    the first session placed keeps its 48 h from it."""
    started = (
        Result.objects.filter(athlete=athlete, started_at__date__lte=today)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return timezone.localdate(started) if started is not None else None


def wish_of(plan: WeekPlan, *, full_250s: int) -> rules.Wish:
    race = rules.Race(day=plan.race_day, a_race=plan.race_is_a) if plan.race_day else None
    return rules.Wish(
        per_week=plan.per_week,
        program=plan.program_slug,
        race=race,
        full_250s_done=full_250s,
    )


def _dropped_dicts(dropped: Iterable[rules.Dropped]) -> list[dict[str, Any]]:
    return [
        {
            "week_start": item.week_start.isoformat(),
            "count": item.count,
            "reason": item.reason,
            "rules": [str(rule) for rule in item.rules],
        }
        for item in dropped
    ]


def _core_exercises(athlete: User, items: Sequence[PlanItem]) -> list[str]:
    """The rotation's core exercise for each item, in order, as if each were done.

    The workouts app picks the exercise after the one last done (``rotation_next``);
    projecting forward means feeding each pick in as the next "last done".
    """
    slugs = {item.program_slug for item in items}
    specs = {row.slug: program_to_catalog(row) for row in Program.objects.filter(slug__in=slugs)}
    last: str | None = None
    started = False
    picks: list[str] = []
    for item in items:
        spec = specs.get(item.program_slug)
        rotating = next((slot for slot in spec.slots if slot.rotates), None) if spec else None
        if spec is None or rotating is None:
            picks.append("")
            continue
        if not started:
            last = last_done_in_rotations(athlete, spec).get(rotating.key)
            started = True
        last = engine.rotation_next(rotating.pool, last)
        picks.append(last)
    return picks


@transaction.atomic
def plan_save(
    *,
    athlete: User,
    days: Sequence[str],
    per_week: int,
    program_slug: str,
    race_day: date | None,
    race_is_a: bool,
    guessed_from_runs: int = 0,
    today: date | None = None,
) -> WeekPlan:
    """Save the runner's week and wish, and place the coming weeks again.

    Planned items from ``today`` on that the new placement keeps (same day) stay,
    updated if what they show changed; the others are cancelled (sequence bumped,
    so calendars drop them); new days get new items. Done, skipped and past items
    are history and are left alone.
    """
    today = today or timezone.localdate()
    week = week_from(days)
    if not 1 <= per_week <= 3:
        raise ValueError("one to three sessions a week")
    plan, _ = WeekPlan.objects.select_for_update().get_or_create(
        athlete=athlete, defaults={"days": list(days)}
    )
    plan.days = [str(day) for day in week]
    plan.per_week = per_week
    plan.program_slug = program_slug
    plan.race_day = race_day
    plan.race_is_a = race_is_a and race_day is not None
    plan.guessed_from_runs = guessed_from_runs
    placed = rules.place(
        week,
        wish_of(plan, full_250s=full_250s_done(athlete)),
        today,
        last_session=last_session_day(athlete, today),
    )
    plan.dropped = _dropped_dicts(placed.dropped)
    plan.save()

    upcoming = list(
        PlanItem.objects.select_for_update()
        .filter(athlete=athlete, day__gte=today)
        .exclude(status=ItemStatus.CANCELLED)
    )
    taken = {item.day for item in upcoming if item.status != ItemStatus.PLANNED}
    before = {item.pk: [getattr(item, name) for name in SHOWN] for item in upcoming}
    open_by_day = {item.day: item for item in upcoming if item.status == ItemStatus.PLANNED}
    items: list[PlanItem] = []
    for spot in placed.items:
        if spot.day in taken:
            continue  # already done (or skipped) that day
        item = open_by_day.pop(spot.day, None) or PlanItem(athlete=athlete, day=spot.day)
        item.program_slug = spot.program
        item.reduced = spot.reduced
        item.rules = [str(rule) for rule in spot.rules]
        item.warning = (spot.warning or "")[:300]
        items.append(item)
    for gone in open_by_day.values():
        gone.status = ItemStatus.CANCELLED
        gone.sequence += 1
        gone.save(update_fields=["status", "sequence", "updated_at"])
    for item, core in zip(items, _core_exercises(athlete, items), strict=True):
        item.core_exercise = core
        if item.pk is None:
            item.save()
            continue
        changed = [
            name
            for name, was in zip(SHOWN, before[item.pk], strict=True)
            if getattr(item, name) != was
        ]
        if changed:
            item.sequence += 1
            item.save(update_fields=[*changed, "sequence", "updated_at"])
    return plan


def _own_item(athlete: User, item_id: int) -> PlanItem:
    item = PlanItem.objects.select_for_update().filter(pk=item_id, athlete=athlete).first()
    if item is None:
        raise ItemNotFound(f"no plan item {item_id}")
    return item


def _week_plan(athlete: User) -> WeekPlan:
    plan = WeekPlan.objects.filter(athlete=athlete).first()
    if plan is None:
        raise PlanNotFound("no week plan")
    return plan


def other_days(athlete: User, item: PlanItem) -> list[date]:
    """The days of the athlete's other sessions that hold a day (planned or done)."""
    return list(
        PlanItem.objects.filter(athlete=athlete, status__in=HOLDING)
        .exclude(pk=item.pk)
        .values_list("day", flat=True)
    )


@dataclass(frozen=True)
class MoveOutcome:
    item: PlanItem
    problems: tuple[tuple[rules.Rule, str], ...]  # rules.move_problems for the new day
    moved: bool  # False: there were problems and no confirmation


@transaction.atomic
def item_move(
    *,
    athlete: User,
    item_id: int,
    to: date,
    confirm: bool = False,
    today: date | None = None,
) -> MoveOutcome:
    """Move a planned session to ``to``; when that breaks a rule, only if confirmed.

    Raises ItemNotFound (not the athlete's), ItemNotOpen (not planned), or
    ValueError for a day in the past.
    """
    today = today or timezone.localdate()
    item = _own_item(athlete, item_id)
    if item.status != ItemStatus.PLANNED:
        raise ItemNotOpen(f"this session is {item.status}: only a planned one can move")
    if to < today:
        raise ValueError("pick today or a later day: a session cannot move into the past")
    plan = _week_plan(athlete)
    wish = wish_of(plan, full_250s=full_250s_done(athlete))
    problems = rules.move_problems(week_of(plan), wish, other_days(athlete, item), to)
    if to == item.day or (problems and not confirm):
        return MoveOutcome(item=item, problems=problems, moved=False)
    item.day = to
    item.warning = "; ".join(says for _, says in problems)[:300]
    item.sequence += 1
    item.save(update_fields=["day", "warning", "sequence", "updated_at"])
    return MoveOutcome(item=item, problems=problems, moved=True)


@transaction.atomic
def item_skip(*, athlete: User, item_id: int, reason: str) -> PlanItem:
    """Mark a planned session skipped, saying why (kept for adherence and the calendar)."""
    item = _own_item(athlete, item_id)
    if item.status != ItemStatus.PLANNED:
        raise ItemNotOpen(f"this session is {item.status}: only a planned one can be skipped")
    reason = text.clean_line(reason)
    if not reason:
        raise ValueError("say why, in a few words")
    item.status = ItemStatus.SKIPPED
    item.skip_reason = reason[:200]
    item.sequence += 1
    item.save(update_fields=["status", "skip_reason", "sequence", "updated_at"])
    return item


@transaction.atomic
def item_start(*, athlete: User, item_id: int) -> WorkoutSession:
    """Start the workout a planned session asks for: its program, at half of each
    slot's reps when the session is reduced (recorded as scaled, and saying so).

    Raises ItemNotFound, ItemNotOpen, or Program.DoesNotExist for a program
    that has since been removed.
    """
    item = PlanItem.objects.filter(pk=item_id, athlete=athlete).first()
    if item is None:
        raise ItemNotFound(f"no plan item {item_id}")
    if item.status != ItemStatus.PLANNED:
        raise ItemNotOpen(f"this session is {item.status}")
    program = Program.objects.get(slug=item.program_slug)
    reps = (
        {slot["key"]: max(1, int(slot["reps"]) // 2) for slot in program.slots}
        if item.reduced
        else None
    )
    # The item is
    # marked done when the workout's result is recorded (listeners.py).
    return workout_services.session_start(athlete=athlete, program=program, reps=reps)


@transaction.atomic
def feed_token_rotate(*, athlete: User) -> WeekPlan:
    """A new secret for the calendar feed's URL: the old URL stops answering."""
    plan = WeekPlan.objects.select_for_update().filter(athlete=athlete).first()
    if plan is None:
        raise PlanNotFound("no week plan: save your week first")
    plan.feed_token = new_feed_token()
    plan.save(update_fields=["feed_token", "updated_at"])
    return plan


# The nearest planned session within this many days of a finished workout is
# the one it did: a day early or late still counts as following the plan.
DONE_WITHIN_DAYS = 1


def item_mark_done(*, result: Result) -> PlanItem | None:
    """Link a finished workout to the athlete's nearest planned session (±1 day).

    Called by ``listeners.result_recorded`` inside the result's transaction.
    """
    day = timezone.localdate(result.started_at)
    candidates = list(
        PlanItem.objects.select_for_update().filter(
            athlete_id=result.athlete_id,
            status=ItemStatus.PLANNED,
            day__range=(
                day - timedelta(days=DONE_WITHIN_DAYS),
                day + timedelta(days=DONE_WITHIN_DAYS),
            ),
        )
    )
    if not candidates:
        return None
    # Nearest first; of two equally near, the earlier (the one already due).
    item = min(candidates, key=lambda row: (abs((row.day - day).days), row.day))
    item.status = ItemStatus.DONE
    item.result = result
    item.sequence += 1
    item.save(update_fields=["status", "result", "sequence", "updated_at"])
    return item
