"""Reads for the run and trend pages and the CLI's trend summary, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.runs import stats
from runstrong.runs.models import Activity
from runstrong.workouts.models import Result


def activity_get(activity_id: int, athlete: User) -> Activity | None:
    """The athlete's own activity, or None (another athlete's is as good as missing).

    Without the original file: the run page draws from the samples and the stored
    metrics, and the file can run to megabytes."""
    return Activity.objects.filter(id=activity_id, athlete=athlete).defer("original_gz").first()


def multisport_legs(activity: Activity) -> list[Activity]:
    """Every stored leg of the multisport file ``activity`` is a leg of, in order (itself
    among them); nothing for an activity of a single-sport file. One query."""
    if activity.leg_count <= 1:
        return []
    return list(
        Activity.objects.filter(athlete_id=activity.athlete_id, sha256=activity.sha256)
        .order_by("leg")
        .only("id", "leg", "leg_count", "sport", "start")
    )


@dataclass(frozen=True)
class EfficiencyTrend:
    trend: stats.Trend
    activity_count: int  # every imported file of the athlete
    first_session: date | None  # the athlete's first RunStrong strength session
    split_date: date | None  # the date the comparison splits at (None: nothing to split at)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the site's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def efficiency_trend(
    athlete: User, *, split: date | None = None, exclude_after_strength: bool = True
) -> EfficiencyTrend:
    """Qualifying runs, strength sessions and the before/after comparison (three queries).

    ``split`` defaults to the day of the athlete's first strength session.
    """
    activity_count = Activity.objects.filter(athlete=athlete).count()
    rows = (
        Activity.objects.filter(
            athlete=athlete,
            is_run=True,
            qualifies=True,
            ef__isnull=False,
            start__isnull=False,
        )
        .order_by("start", "id")
        .values_list("id", "start", "ef")
    )
    zone = timezone.get_current_timezone()  # once: localtime() per row would look it up
    runs = [
        stats.RunPoint(activity_id, start.astimezone(zone), ef)
        for activity_id, start, ef in rows
        if ef is not None and start is not None  # filtered above; tells the type checker
    ]
    sessions = [
        started_at.astimezone(zone)
        for started_at in Result.objects.filter(athlete=athlete)
        .order_by("started_at")
        .values_list("started_at", flat=True)
    ]
    first_session = sessions[0].date() if sessions else None
    split_date = split if split is not None else first_session
    trend = stats.trend(
        runs,
        sessions,
        split=day_start(split_date) if split_date is not None else None,
        exclude_after_strength=exclude_after_strength,
    )
    return EfficiencyTrend(
        trend=trend,
        activity_count=activity_count,
        first_session=first_session,
        split_date=split_date,
    )
