"""The access rule's doors agree: the SQL filter for feeds and the one-result check
both say what ``access.may_see`` says, for every persona and privacy level."""

from __future__ import annotations

from typing import Any

import pytest

from runstrong.community import access, selectors
from runstrong.community.models import Club
from tests.community.social_helpers import finished

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


def test_every_door_agrees_with_the_access_rule(
    athlete: Any, clubmate: Any, stranger: Any, moderator: Any, club: Club
) -> None:
    people = [athlete, clubmate, stranger, moderator]
    results = [
        finished(owner, visibility, day=day)
        for day, (owner, visibility) in enumerate(
            (owner, visibility)
            for owner in (athlete, clubmate, stranger)
            for visibility in ("public", "clubs", "private")
        )
    ]

    for viewer in [*people, None]:
        listed = set(selectors.visible_results(viewer).values_list("pk", flat=True))
        for result in results:
            expected = access.may_see(
                viewer_id=viewer.pk if viewer else None,
                owner_id=result.athlete_id,
                visibility=result.visibility,
                shares_club=viewer is not None
                and selectors.shares_club(viewer.pk, result.athlete_id),
            )
            one = selectors.result_visible_to(result.pk, viewer) is not None
            assert (result.pk in listed) == one == expected, (viewer, result.visibility)


def test_sharing_a_club_is_about_the_two_people(
    athlete: Any, clubmate: Any, stranger: Any, club: Club
) -> None:
    assert selectors.shares_club(athlete.pk, clubmate.pk)
    assert selectors.shares_club(clubmate.pk, athlete.pk)
    assert not selectors.shares_club(stranger.pk, athlete.pk)
    assert not selectors.shares_club(None, athlete.pk)


def test_the_moderation_queue_skips_results_no_board_could_show(athlete: Any) -> None:
    from tests.workouts.factories import complete_session

    athlete.default_privacy = "private"
    athlete.save()
    outcome = complete_session(athlete, seconds_per_rep=0.2)
    assert outcome.result is not None and outcome.result.unverified

    assert selectors.moderation_queue() == []
