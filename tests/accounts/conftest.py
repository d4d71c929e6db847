"""Fixtures for the accounts tests: an athlete with every kind of thing an export holds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from runstrong.accounts import services as account_services
from runstrong.accounts.models import User
from runstrong.community import services as social
from runstrong.plans import services as plan_services
from runstrong.runs import services as run_services
from runstrong.workouts import services as workout_services
from runstrong.workouts.models import Program, Result
from tests.community.social_helpers import finished
from tests.runs.conftest import read
from tests.workouts.factories import T0, complete_session

DAY_MS = 86_400_000
RUN_FILES = ("gpx/cerknicko-jezero.gpx", "tcx/test.tcx", "fit/activity-small-fenix2-run.fit")


def _capped(athlete: Any, *, start_at: int) -> Result:
    """A Runner's 250 stopped by its 60-minute cap with 240 reps done."""
    program = Program.objects.get(slug="runners-250")
    session = workout_services.session_start(athlete=athlete, program=program)
    events: list[dict[str, Any]] = [{"type": "start", "at": start_at}]
    sets = [(slot, 25) for slot in range(4) for _ in range(2)] + [(4, 40)]
    for position, (slot, n) in enumerate(sets, start=1):
        events.append(
            {"type": "reps", "at": start_at + position * 5 * 60_000, "slot": slot, "n": n}
        )
    events.append({"type": "finish", "at": start_at + 61 * 60_000})
    outcome = None
    for seq, event in enumerate(events):
        outcome = workout_services.session_append(
            session_id=session.id, athlete=athlete, seq=seq, event=event
        )
    assert outcome is not None and outcome.result is not None and outcome.result.capped
    return outcome.result


@pytest.fixture
def clubmate(db: None) -> Any:
    return User.objects.create_user("jo", "jo@example.com", "a third good passphrase")


@pytest.fixture
def full_athlete(athlete: Any, clubmate: Any, catalog_synced: None) -> Any:
    """Alex, with every kind of thing an export holds."""
    account_services.profile_update(
        user=athlete,
        display_name="Alex Runner",
        units="mi",
        sex="f",
        birth_year=1988,
        default_privacy="clubs",
    )
    own_club = social.club_create(creator=athlete, name="Tuesday Track", description="Laps.")
    their_club = social.club_create(creator=clubmate, name="Jo's Gym")
    social.club_join(athlete=clubmate, token=own_club.invite_token)
    social.club_join(athlete=athlete, token=their_club.invite_token)

    plain = finished(athlete, "public", day=0)
    scaled = complete_session(
        athlete, start_at=T0 + 2 * DAY_MS, reps={"calves": 30}, swaps=None
    ).result
    assert scaled is not None and scaled.scaled
    unverified = finished(athlete, "clubs", day=4, seconds_per_rep=0.1)
    assert unverified.unverified
    capped = _capped(athlete, start_at=T0 + 6 * DAY_MS)
    social.result_boards_set(athlete=athlete, result_id=capped.pk, on_boards=False)
    # Done on paper and logged by hand afterwards, with its splits.
    workout_services.result_log_manual(
        athlete=athlete,
        program="runners-250",
        started_at=date(2025, 10, 20),
        total_ms=30 * 60_000,
        splits_ms=[6 * 60_000] * 5,
    )
    # Started and left: a session without a result is exported too.
    workout_services.session_start(athlete=athlete, program=Program.objects.get(slug="runners-500"))

    theirs = finished(clubmate, "public", day=1)
    social.cheer_toggle(athlete=athlete, result_id=plain.pk, kind="strong")
    social.cheer_toggle(athlete=athlete, result_id=theirs.pk, kind="cheer")
    social.comment_add(author=athlete, result_id=plain.pk, text="Felt the calves, café after.")
    social.comment_add(author=athlete, result_id=theirs.pk, text="Great time!")
    social.comment_add(author=clubmate, result_id=plain.pk, text="Nice one")

    for name in RUN_FILES:
        outcome = run_services.activity_import(athlete=athlete, name=name, data=read(name))
        assert outcome.activity_id is not None, outcome.message
    plan_services.plan_save(
        athlete=athlete,
        days=["easy", "quality", "easy", "rest", "easy", "rest", "long"],
        per_week=2,
        program_slug="runners-250",
        race_day=None,
        race_is_a=False,
    )
    return athlete
