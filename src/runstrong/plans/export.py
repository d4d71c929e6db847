"""The plans part of an athlete's export: their week and wish, and the planned strength
sessions (past and coming), and the way back in (``accounts/portability.py``).

An import saves the week and wish through ``services.plan_save``, which places the
coming weeks again from the day of the import — against the workouts the import
has just brought back, so the 48 h rules hold here. The past items are history
on the instance that planned them: their adherence is in the export for the
athlete to read, not recreated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from runstrong.accounts import portability
from runstrong.accounts.models import User
from runstrong.plans import services
from runstrong.plans.models import PlanItem, WeekPlan
from runstrong.workouts.models import Program


def _week(athlete: User) -> dict[str, Any] | None:
    plan = WeekPlan.objects.filter(athlete=athlete).first()
    if plan is None:
        return None
    return {
        "days": list(plan.days),
        "per_week": plan.per_week,
        "program": plan.program_slug,
        "race_day": plan.race_day.isoformat() if plan.race_day else None,
        "race_is_a": plan.race_is_a,
        "guessed_from_runs": plan.guessed_from_runs,
    }


def _items(athlete: User) -> Iterator[dict[str, Any]]:
    items = (
        PlanItem.objects.filter(athlete=athlete)
        .select_related("result")
        .order_by("day", "id")
        .iterator(chunk_size=500)
    )
    for item in items:
        yield {
            "day": item.day.isoformat(),
            "program": item.program_slug,
            "reduced": item.reduced,
            "core_exercise": item.core_exercise,
            "rules": list(item.rules),
            "warning": item.warning,
            "status": item.status,
            "skip_reason": item.skip_reason,
            "session": str(item.result.session_id) if item.result is not None else None,
        }


def _parts(athlete: User) -> Mapping[str, Any]:
    return {"week": _week(athlete), "items": _items(athlete)}


def _restore(restore: portability.Restore, part: Mapping[str, Any]) -> None:
    week = part["week"]
    if week is None:
        return
    try:
        race_day = date.fromisoformat(week["race_day"]) if week["race_day"] else None
    except ValueError:
        restore.refuse("sections.plans.week.race_day", "not a date")
    if not Program.objects.filter(slug=week["program"]).exists():
        restore.refuse(
            "sections.plans.week.program", f"the program {week['program']!r} is not installed here"
        )
    before = _week(restore.athlete)
    try:
        services.plan_save(
            athlete=restore.athlete,
            days=week["days"],
            per_week=week["per_week"],
            program_slug=week["program"],
            race_day=race_day,
            race_is_a=week["race_is_a"],
            guessed_from_runs=week["guessed_from_runs"],
        )
    except ValueError as error:
        restore.refuse("sections.plans.week", str(error))
    restore.counts["plan"] += before != _week(restore.athlete)


SECTION = portability.Section(name="plans", parts=_parts, restore=_restore)
