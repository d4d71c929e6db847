"""The athlete's planned strength sessions as an iCalendar (RFC 5545) calendar.

The same calendar is served as the private feed that Google Calendar, Apple
Calendar and Outlook subscribe to (``views_feed.py``) and written by
``runstrong plan --ics FILE``. It is built with the ``icalendar`` library, so
escaping, line folding and value types are the library's, never ours.

Choices, each for the calendar apps that read it:

- **All-day events.** The plan places a session on a day, not at an hour: it
  goes after the run on a quality day, and RunStrong does not know when the
  runner runs. An all-day event sits at the top of the day, and it is marked
  transparent so it never shows the runner as busy.
- **The reminder is the evening before, at 18:00** (``-PT6H`` before the
  all-day start, the way Apple Calendar writes its own "1 day before" alerts):
  time to keep half an hour free and to not plan something hard in its place.
  Google Calendar ignores alarms in subscribed calendars and uses its own
  notification settings; Apple and Outlook show this one.
- **Refresh hints of one hour** (``REFRESH-INTERVAL`` and ``X-PUBLISHED-TTL``):
  a session moved in the evening reaches the phone before the next morning.
  Apple and Outlook honour them; Google refreshes on its own schedule.
- **Nothing disappears silently.** A cancelled item (replaced when the plan
  was made again) and a skipped one are sent with ``STATUS:CANCELLED`` and no
  alarm, so a subscribed calendar removes or strikes them instead of keeping
  a stale copy; their summaries start "Cancelled:" or "Skipped:" for an app
  that shows the event anyway. A done one stays, its summary starting
  "Done:", with no alarm.
- **The link goes to the plan page**, which on the day opens with that
  session's Start button (at half reps when it is reduced); the program page,
  whose own Start knows nothing of the plan, is linked for what it holds.
- **Stable identity.** ``UID`` is the item's own UUID, kept across moves;
  ``SEQUENCE`` is the item's, which the services bump on every change;
  ``DTSTAMP`` and ``LAST-MODIFIED`` are the item's last change, so fetching
  again gives the same bytes (and the feed's ETag holds) until something
  changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import icalendar
from django.urls import reverse
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.plans import rules
from runstrong.plans.models import ItemStatus, PlanItem, WeekPlan
from runstrong.workouts.models import Exercise, Program

PRODID = "-//RunStrong//Strength plan//EN"
CALENDAR_NAME = "RunStrong strength sessions"
UID_DOMAIN = "runstrong"
REFRESH = timedelta(hours=1)
# Before the all-day event's start (midnight): 18:00 the evening before.
REMINDER_BEFORE = timedelta(hours=6)
# Past sessions kept in the calendar: a month of history on the phone, and
# items cancelled lately still reach calendars that last looked weeks ago.
HISTORY_DAYS = 42

_UID_NAMESPACE = uuid.UUID("6f1b3c1e-2f4c-4b8e-9a52-0d6c1f6f3a10")


@dataclass(frozen=True)
class Session:
    """One plan item with the names a person reads."""

    item: PlanItem
    program_name: str
    core_name: str  # the rotation's core exercise, by name ("" when none)

    @property
    def summary(self) -> str:
        """The event's title: program, reduced or not, core exercise."""
        title = self.program_name + (" (reduced reps)" if self.item.reduced else "")
        if self.core_name:
            title += f" · core: {self.core_name}"
        status = self.item.status
        if status == ItemStatus.DONE:
            return f"Done: {title}"
        if status == ItemStatus.SKIPPED:
            return f"Skipped: {title}"
        if status == ItemStatus.CANCELLED:
            return f"Cancelled: {title}"
        return title

    @property
    def reasons(self) -> list[str]:
        return reason_lines(self.item.rules)


def reason_lines(rule_values: Iterable[str]) -> list[str]:
    """Each rule that placed a session as one sentence with its source."""
    lines = []
    for value in rule_values:
        try:
            text = rules.RULES.get(rules.Rule(value))
        except ValueError:
            text = None  # a rule retired since the item was planned
        lines.append(f"{text.says} ({text.source})" if text else value.replace("-", " "))
    return lines


def calendar_sessions(
    athlete: User, *, since: date | None = None, until: date | None = None
) -> list[Session]:
    """The athlete's plan items from ``since`` (to ``until``), with names: three queries."""
    items = PlanItem.objects.filter(athlete=athlete)
    if since is not None:
        items = items.filter(day__gte=since)
    if until is not None:
        items = items.filter(day__lte=until)
    found = list(items.order_by("day", "id"))
    programs = dict(
        Program.objects.filter(slug__in={item.program_slug for item in found}).values_list(
            "slug", "name"
        )
    )
    cores = dict(
        Exercise.objects.filter(
            slug__in={item.core_exercise for item in found if item.core_exercise}
        ).values_list("slug", "name")
    )
    return [
        Session(
            item=item,
            program_name=programs.get(item.program_slug, item.program_slug),
            core_name=cores.get(item.core_exercise, item.core_exercise),
        )
        for item in found
    ]


def start_url(base_url: str) -> str:
    """Where a planned session is started: the plan page, which opens with the
    day's session and its Start button (at half reps when the session is
    reduced, which the program page's own Start would not know)."""
    return base_url.rstrip("/") + reverse("plans:plan")


def program_url(base_url: str, program_slug: str) -> str:
    """The program's page: its exercises, cues and pictures."""
    return base_url.rstrip("/") + reverse("workouts:program", args=[program_slug])


def athlete_calendar(athlete: User, *, base_url: str, today: date | None = None) -> bytes:
    """The athlete's calendar as iCalendar bytes (the feed's and the CLI's)."""
    today = today or timezone.localdate()
    sessions = calendar_sessions(athlete, since=today - timedelta(days=HISTORY_DAYS))
    built = calendar_build(sessions, base_url=base_url, calendar_uid=calendar_uid(athlete))
    ical: bytes = built.to_ical()
    return ical


def calendar_uid(athlete: User) -> str:
    """The calendar's own UID (RFC 7986): stable per athlete, naming nothing."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"plan:{athlete.pk}"))


def calendar_build(
    sessions: Sequence[Session], *, base_url: str, calendar_uid: str
) -> icalendar.Calendar:
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        name=CALENDAR_NAME,  # NAME and X-WR-CALNAME
        description="Strength sessions placed around your runs, with why each day was chosen.",
        uid=calendar_uid,
    )
    # RFC 7986 wants the value type spelled out; X-PUBLISHED-TTL is the older
    # hint Outlook and Apple read.
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    for session in sessions:
        calendar.add_component(session_event(session, base_url=base_url))
    return calendar


def session_event(session: Session, *, base_url: str) -> icalendar.Event:
    item = session.item
    link = start_url(base_url)
    cancelled = item.status in {ItemStatus.CANCELLED, ItemStatus.SKIPPED}
    event = icalendar.Event.new(
        uid=f"{item.uid}@{UID_DOMAIN}",
        summary=session.summary,
        description=_description(session, link=link, base_url=base_url),
        start=item.day,
        end=item.day + timedelta(days=1),
        stamp=item.updated_at,
        created=item.created_at,
        last_modified=item.updated_at,
        sequence=item.sequence,
        status=icalendar.STATUS.CANCELLED if cancelled else icalendar.STATUS.CONFIRMED,
        transparency=icalendar.TRANSP.TRANSPARENT,
        categories=["Strength"],
        url=link,
    )
    # No reminder for what is done or will not happen.
    if item.status == ItemStatus.PLANNED:
        alarm = icalendar.Alarm.new(description=f"Tomorrow: {session.summary}")
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", -REMINDER_BEFORE)
        event.add_component(alarm)
    return event


def _description(session: Session, *, link: str, base_url: str) -> str:
    """What the runner reads in the event: what, why, and where to start it."""
    item = session.item
    lines = []
    if item.status == ItemStatus.CANCELLED:
        lines += ["Cancelled: the plan was made again and this session is no longer in it.", ""]
    elif item.status == ItemStatus.SKIPPED:
        reason = f": {item.skip_reason}" if item.skip_reason else "."
        lines += [f"Skipped{reason}", ""]
    elif item.status == ItemStatus.DONE:
        lines += ["Done. Well done.", ""]
    lines.append(f"Strength session: {session.program_name}.")
    if item.reduced:
        lines.append("Reduced reps: half of each slot, recorded as scaled, while you start out.")
    if session.core_name:
        lines.append(f"Core exercise this time: {session.core_name} (the core slot rotates).")
    if session.reasons:
        lines += ["", "Why this day:"]
        lines += [f"• {reason}" for reason in session.reasons]
    if item.warning:
        lines += ["", f"Warning: {item.warning}"]
    if item.status == ItemStatus.PLANNED:
        lines += ["", f"Start it on the day: {link}"]
    else:
        lines += ["", f"Your plan: {link}"]
    lines.append(f"The program: {program_url(base_url, item.program_slug)}")
    return "\n".join(lines)


def feed_owner(token: str) -> User | None:
    """The athlete whose feed ``token`` opens, or None (made up or rotated away)."""
    plan = WeekPlan.objects.select_related("athlete").filter(feed_token=token).first()
    return plan.athlete if plan is not None else None
