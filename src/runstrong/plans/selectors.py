"""Reads for the plan page, home's line for today and the trend's adherence.

Each fetches what it returns in a fixed number of queries: the names of the
program and core exercise come with the items (subqueries), and the rules'
answers (reasons, next valid day, the run a session protects) are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.plans import rules, week_guess
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from runstrong.plans.services import full_250s_done, week_of, wish_of
from runstrong.runs.models import Activity
from runstrong.workouts.models import Exercise, Program

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How each kind of day reads after "after your …" and on its own.
RUN_AFTER = {
    rules.Day.QUALITY: "intervals",
    rules.Day.LONG: "long run",
    rules.Day.EASY: "easy run",
}
RUN_NAME = {
    rules.Day.QUALITY: "intervals or tempo",
    rules.Day.LONG: "long run",
    rules.Day.EASY: "easy run",
    rules.Day.REST: "rest",
}
HARD = (rules.Day.QUALITY, rules.Day.LONG)
ADHERENCE_WEEKS = 4  # past weeks shown on the plan page
TREND_ADHERENCE_WEEKS = 8  # and beside the efficiency chart
MISSED_DAYS = 14  # a planned session older than this is no longer offered a move


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _named(items: QuerySet[PlanItem]) -> QuerySet[PlanItem]:
    """Items with their program's and core exercise's names, in the same query."""
    return items.annotate(
        program_name=Subquery(
            Program.objects.filter(slug=OuterRef("program_slug")).values("name")[:1]
        ),
        core_name=Subquery(
            Exercise.objects.filter(slug=OuterRef("core_exercise")).values("name")[:1]
        ),
    )


def item_program_text(item: PlanItem) -> str:
    name = getattr(item, "program_name", None) or item.program_slug
    return f"{name}, half reps" if item.reduced else name


# ---------------------------------------------------------------------------
# Pure helpers: what a session protects, and its reasons.


@dataclass(frozen=True)
class Protected:
    day: date
    kind: rules.Day
    clear: bool  # True: at least 48 h after the strength session

    @property
    def text(self) -> str:
        name = RUN_NAME[self.kind]
        weekday = WEEKDAYS[self.day.weekday()]
        if self.clear:
            return f"Keeps {weekday}'s {name} clear: it comes 48 h or more after this session."
        return (
            f"{weekday}'s {name} comes within 48 h of this session, so it is left out "
            "of your efficiency trend."
        )


def protected_run(week: rules.Week, day: date) -> Protected | None:
    """The next quality or long run after a session on ``day`` (within a week)."""
    for ahead in range(1, 8):
        later = day + timedelta(days=ahead)
        kind = week[later.weekday()]
        if kind in HARD:
            return Protected(day=later, kind=kind, clear=ahead * 24 >= 48)
    return None


@dataclass(frozen=True)
class Reason:
    says: str
    source: str


def reasons_of(rule_names: Iterable[str]) -> list[Reason]:
    found = []
    for name in rule_names:
        try:
            text = rules.RULES.get(rules.Rule(name))
        except ValueError:
            continue
        if text is not None:
            found.append(Reason(says=text.says, source=text.source))
    return found


# ---------------------------------------------------------------------------
# The plan page.


@dataclass(frozen=True)
class ItemView:
    item: PlanItem
    weekday: str
    program: str  # "Runner's 250" or "Runner's 250, half reps"
    core: str  # the rotation's core exercise, by name
    day_kind: str  # what the runner does that day ("intervals or tempo")
    reasons: list[Reason]
    protects: Protected | None
    missed: bool  # planned, and its day has passed
    move_to: date | None  # the next day that breaks no rule (planned items only)

    @property
    def open(self) -> bool:
        return self.item.status == ItemStatus.PLANNED


@dataclass(frozen=True)
class DroppedView:
    count: int
    reason: str
    reasons: list[Reason]


@dataclass(frozen=True)
class WeekView:
    start: date
    items: list[ItemView] = field(default_factory=list)
    dropped: list[DroppedView] = field(default_factory=list)


@dataclass(frozen=True)
class AdherenceWeek:
    start: date
    done: int
    planned: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0


@dataclass(frozen=True)
class PlanPage:
    today: date
    plan: WeekPlan | None
    missed: list[ItemView]  # planned sessions whose day has passed: move or skip
    weeks: list[WeekView]  # this week and the coming ones
    adherence: list[AdherenceWeek]
    full_250s: int
    offer_500: bool
    guess: week_guess.Guess | None  # only when there is no plan yet


def adherence_of(items: Iterable[PlanItem], *, before: date, weeks: int) -> list[AdherenceWeek]:
    """Done / planned for each past week (Monday first) before ``before``'s week
    that had a session planned; newest first, at most ``weeks``."""
    this_monday = monday_of(before)
    counts: dict[date, list[int]] = {}
    for item in items:
        monday = monday_of(item.day)
        if monday >= this_monday or item.status == ItemStatus.CANCELLED:
            continue
        done_planned = counts.setdefault(monday, [0, 0])
        done_planned[1] += 1
        if item.status == ItemStatus.DONE:
            done_planned[0] += 1
    ordered = sorted(counts.items(), reverse=True)[:weeks]
    return [
        AdherenceWeek(start=monday, done=done, planned=planned)
        for monday, (done, planned) in ordered
    ]


def guess_for(athlete: User, today: date) -> week_guess.Guess:
    """The week guessed from the athlete's imported runs of the last 8 weeks."""
    since = today - timedelta(weeks=week_guess.LOOKBACK_WEEKS)
    rows = (
        Activity.objects.filter(
            athlete=athlete, is_run=True, start__isnull=False, start__date__gte=since
        )
        .order_by("start")
        .values("start", "moving_s", "elapsed_s", "distance_m", "avg_heart_rate")
    )
    runs = [
        week_guess.RunFact(
            day=timezone.localdate(row["start"]),
            duration_s=float(row["moving_s"] or row["elapsed_s"] or 0.0),
            distance_m=float(row["distance_m"] or 0.0),
            mean_hr=row["avg_heart_rate"],
        )
        for row in rows
    ]
    return week_guess.guess_week(runs, today)


def _item_view(
    item: PlanItem,
    *,
    today: date,
    week: rules.Week,
    wish: rules.Wish,
    holding: Sequence[tuple[int, date]],
) -> ItemView:
    open_ = item.status == ItemStatus.PLANNED
    move_to = None
    if open_:
        others = [day for pk, day in holding if pk != item.pk]
        # A missed session: from today on; a coming one: another day after its own.
        after = today - timedelta(days=1) if item.day < today else item.day
        move_to = rules.next_valid_day(week, wish, others, after)
    return ItemView(
        item=item,
        weekday=WEEKDAYS[item.day.weekday()],
        program=item_program_text(item),
        core=getattr(item, "core_name", None) or item.core_exercise,
        day_kind=RUN_NAME[week[item.day.weekday()]],
        reasons=reasons_of(item.rules),
        protects=protected_run(week, item.day),
        missed=open_ and item.day < today,
        move_to=move_to,
    )


def plan_page(athlete: User, *, today: date | None = None) -> PlanPage:
    """Three queries: the plan, the count of full 250s, and the items (with
    their names); without a plan, the runs to guess the week from instead."""
    today = today or timezone.localdate()
    plan = WeekPlan.objects.filter(athlete=athlete).first()
    full_250s = full_250s_done(athlete)
    offer_500 = full_250s >= rules.FULL_250S_BEFORE_500 or (
        plan is not None and plan.program_slug != "runners-250"
    )
    if plan is None:
        return PlanPage(
            today=today,
            plan=None,
            missed=[],
            weeks=[],
            adherence=[],
            full_250s=full_250s,
            offer_500=offer_500,
            guess=guess_for(athlete, today),
        )
    this_monday = monday_of(today)
    since = this_monday - timedelta(weeks=ADHERENCE_WEEKS)
    items = list(
        _named(
            PlanItem.objects.filter(athlete=athlete, day__gte=since).exclude(
                status=ItemStatus.CANCELLED
            )
        ).order_by("day", "id")
    )
    week = week_of(plan)
    wish = wish_of(plan, full_250s=full_250s)
    holding = [(item.pk, item.day) for item in items if item.status != ItemStatus.SKIPPED]
    views = {
        item.pk: _item_view(item, today=today, week=week, wish=wish, holding=holding)
        for item in items
        if item.day >= this_monday or item.status == ItemStatus.PLANNED
    }
    missed = [
        view
        for view in views.values()
        if view.missed and view.item.day >= today - timedelta(days=MISSED_DAYS)
    ]
    weeks: dict[date, WeekView] = {}
    last_monday = monday_of(today + timedelta(weeks=rules.WEEKS_AHEAD))
    monday = this_monday
    while monday <= last_monday:
        weeks[monday] = WeekView(start=monday)
        monday += timedelta(weeks=1)
    for view in views.values():
        if view.item.day >= this_monday and not view.missed:
            weeks.setdefault(monday_of(view.item.day), WeekView(start=monday_of(view.item.day)))
            weeks[monday_of(view.item.day)].items.append(view)
    for dropped in plan.dropped:
        start = date.fromisoformat(dropped["week_start"])
        if start in weeks:
            weeks[start].dropped.append(
                DroppedView(
                    count=int(dropped["count"]),
                    reason=str(dropped["reason"]),
                    reasons=reasons_of(dropped.get("rules", [])),
                )
            )
    return PlanPage(
        today=today,
        plan=plan,
        missed=missed,
        weeks=[
            weeks[start] for start in sorted(weeks) if weeks[start].items or weeks[start].dropped
        ],
        adherence=adherence_of(items, before=today, weeks=ADHERENCE_WEEKS),
        full_250s=full_250s,
        offer_500=offer_500,
        guess=None,
    )


def item_get(athlete: User, item_id: int) -> PlanItem | None:
    """The athlete's own item, with names; another athlete's is as good as missing."""
    return _named(PlanItem.objects.filter(pk=item_id, athlete=athlete)).first()


# ---------------------------------------------------------------------------
# Home's line for today, and the trend page's adherence (plans.context_processors).


@dataclass(frozen=True)
class TodayLine:
    headline: str  # "Strength today: Runner's 250 after your intervals"
    item: PlanItem | None  # today's session, to start (None: nothing to start today)
    detail: str = ""  # "Next session: Thursday (Runner's 250)."


def today_line(athlete: User, *, today: date | None = None) -> TodayLine | None:
    """One query: the sessions from yesterday to two weeks ahead, with the week
    (through the athlete) and the names. None when there is nothing planned."""
    today = today or timezone.localdate()
    items = list(
        _named(
            PlanItem.objects.select_related("athlete__week_plan").filter(
                athlete=athlete,
                day__range=(today - timedelta(days=1), today + timedelta(days=13)),
                status__in=(ItemStatus.PLANNED, ItemStatus.DONE),
            )
        ).order_by("day", "id")
    )
    if not items:
        return None
    plan = getattr(items[0].athlete, "week_plan", None)
    if plan is None:
        return None
    week = week_of(plan)
    kind_today = week[today.weekday()]
    kind_tomorrow = week[(today + timedelta(days=1)).weekday()]
    by_day = {item.day: item for item in items}
    todays = by_day.get(today)
    if todays is not None and todays.status == ItemStatus.DONE:
        return TodayLine(headline=f"Strength done today: {item_program_text(todays)}.", item=None)
    if todays is not None:
        after = RUN_AFTER.get(kind_today)
        name = getattr(todays, "program_name", None) or todays.program_slug
        headline = f"Strength today: {name}" + (" at half reps" if todays.reduced else "")
        if after:
            headline += f"{',' if todays.reduced else ''} after your {after}"
        core = getattr(todays, "core_name", None)
        return TodayLine(
            headline=headline,
            item=todays,
            detail=f"Core exercise: {core}." if core else "",
        )
    yesterdays = by_day.get(today - timedelta(days=1))
    if yesterdays is not None and yesterdays.status == ItemStatus.PLANNED:
        return TodayLine(
            headline=f"Yesterday's strength is still to do: {item_program_text(yesterdays)}",
            item=yesterdays,
            detail="Done today, it still counts for yesterday.",
        )
    if kind_tomorrow in HARD:
        headline = f"Rest from strength today: {RUN_AFTER[kind_tomorrow]} tomorrow"
    else:
        headline = "Rest from strength today"
    upcoming = [item for item in items if item.day > today and item.status == ItemStatus.PLANNED]
    detail = ""
    if upcoming:
        nxt = upcoming[0]
        when = "tomorrow" if nxt.day == today + timedelta(days=1) else WEEKDAYS[nxt.day.weekday()]
        detail = f"Next session: {when} ({item_program_text(nxt)})."
    return TodayLine(headline=headline, item=None, detail=detail)


def adherence_recent(athlete: User, *, today: date | None = None) -> list[AdherenceWeek]:
    """One query: done / planned for each of the last eight weeks that had a plan."""
    today = today or timezone.localdate()
    since = monday_of(today) - timedelta(weeks=TREND_ADHERENCE_WEEKS)
    items = PlanItem.objects.filter(athlete=athlete, day__gte=since, day__lt=monday_of(today))
    return adherence_of(items.only("day", "status"), before=today, weeks=TREND_ADHERENCE_WEEKS)
