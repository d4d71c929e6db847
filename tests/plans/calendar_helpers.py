"""Plans made straight in the database for the calendar and CLI tests, and the
calendar read back by two independent parsers (``icalendar`` and ``vobject``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import icalendar
import vobject

from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan

# A runner with Tuesday intervals, a Sunday long run and easy days between.
WEEK = ["easy", "quality", "easy", "rest", "easy", "rest", "long"]


def week_plan(athlete: Any, **fields: Any) -> WeekPlan:
    plan: WeekPlan = WeekPlan.objects.create(athlete=athlete, days=WEEK, **fields)
    return plan


def plan_item(athlete: Any, day: date, **fields: Any) -> PlanItem:
    values: dict[str, Any] = {
        "program_slug": "runners-250",
        "core_exercise": "sit-up",
        "rules": ["after-quality", "gap-48h"],
        "status": ItemStatus.PLANNED,
        **fields,
    }
    item: PlanItem = PlanItem.objects.create(athlete=athlete, day=day, **values)
    return item


def events(body: bytes) -> dict[str, icalendar.Event]:
    """The events by UID, as the ``icalendar`` library reads them."""
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def vobject_events(body: bytes) -> dict[str, Any]:
    """The events by UID, as ``vobject`` (a separate parser) reads them."""
    calendar = vobject.readOne(body.decode("utf-8"))
    return {event.uid.value: event for event in getattr(calendar, "vevent_list", [])}


def uid(item: PlanItem) -> str:
    return f"{item.uid}@runstrong"
