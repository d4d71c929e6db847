"""The public API's plan (``/api/v1/plan``): the caller's weekly plan, as the plan
page shows it (``selectors.plan_page``): the sessions to move or skip, this week
and the coming ones with each session's reasons, and the weeks gone by."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from runstrong.accounts.api_auth import ATHLETES
from runstrong.api_base import READ_ERRORS, athlete, with_errors
from runstrong.plans import selectors

router = Router(tags=["plan"])


class ReasonOut(Schema):
    says: str
    source: str


class ProtectsOut(Schema):
    day: date
    clear: bool  # at least 48 h after the session
    text: str


class PlanItemOut(Schema):
    id: int
    day: date
    weekday: str
    program_slug: str
    program: str  # "Runner's 250", or "Runner's 250, half reps"
    reduced: bool
    core: str
    day_kind: str  # what the runner does that day
    status: Literal["planned", "done", "skipped", "cancelled"]
    missed: bool  # planned, and its day has passed
    move_to: date | None  # the next day that breaks no rule (planned sessions only)
    warning: str
    skip_reason: str
    result_id: int | None
    reasons: list[ReasonOut]
    protects: ProtectsOut | None


class DroppedOut(Schema):
    # Sessions wished for but not placed that week; 0 for a week with too few open
    # days for a share of the wish (made mid-week, say), which the reason says.
    count: int
    reason: str
    reasons: list[ReasonOut]


class PlanWeekOut(Schema):
    start: date  # its Monday
    items: list[PlanItemOut]
    dropped: list[DroppedOut]


class AdherenceOut(Schema):
    start: date
    done: int
    planned: int
    percent: int


class WeekPlanOut(Schema):
    today: date
    has_plan: bool  # False: none made yet (on the plan page)
    program_slug: str | None
    per_week: int | None
    missed: list[PlanItemOut]
    weeks: list[PlanWeekOut]
    adherence: list[AdherenceOut]


def _reasons(reasons: list[selectors.Reason]) -> list[dict[str, str]]:
    return [{"says": reason.says, "source": reason.source} for reason in reasons]


def _item_out(view: selectors.ItemView) -> dict[str, Any]:
    item = view.item
    protects = view.protects
    return {
        "id": item.pk,
        "day": item.day,
        "weekday": view.weekday,
        "program_slug": item.program_slug,
        "program": view.program,
        "reduced": item.reduced,
        "core": view.core,
        "day_kind": view.day_kind,
        "status": item.status,
        "missed": view.missed,
        "move_to": view.move_to,
        "warning": item.warning,
        "skip_reason": item.skip_reason,
        "result_id": item.result_id,
        "reasons": _reasons(view.reasons),
        "protects": (
            {"day": protects.day, "clear": protects.clear, "text": protects.text}
            if protects is not None
            else None
        ),
    }


@router.get("/plan", response=with_errors({200: WeekPlanOut}, *READ_ERRORS), auth=ATHLETES)
def plan(request: HttpRequest) -> dict[str, Any]:
    """The caller's plan: missed sessions, then this week and the coming ones."""
    page = selectors.plan_page(athlete(request))
    return {
        "today": page.today,
        "has_plan": page.plan is not None,
        "program_slug": page.plan.program_slug if page.plan is not None else None,
        "per_week": page.plan.per_week if page.plan is not None else None,
        "missed": [_item_out(view) for view in page.missed],
        "weeks": [
            {
                "start": week.start,
                "items": [_item_out(view) for view in week.items],
                "dropped": [
                    {"count": d.count, "reason": d.reason, "reasons": _reasons(d.reasons)}
                    for d in week.dropped
                ],
            }
            for week in page.weeks
        ],
        "adherence": [
            {"start": a.start, "done": a.done, "planned": a.planned, "percent": a.percent}
            for a in page.adherence
        ],
    }
