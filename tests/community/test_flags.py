"""Flags and the moderation queue: off the boards, the owner told, staff decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Club, Flag, Notification
from runstrong.workouts.models import Result
from tests.community.social_helpers import finished, on_boards
from tests.workouts.factories import complete_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


def flagged(result: Result, reporter: Any, reason: str = "too-fast") -> Flag:
    return social.flag_raise(reporter=reporter, result_id=result.pk, reason=reason)


def test_a_flag_takes_the_result_off_the_boards_and_tells_its_owner(
    athlete: Any, stranger: Any
) -> None:
    result = finished(athlete, "public")
    assert on_boards(result)

    flag = flagged(result, stranger, "reps")

    result.refresh_from_db()
    assert result.review == "flagged" and flag.status == "open"
    assert not on_boards(result)
    note = Notification.objects.get(recipient=athlete)
    assert note.kind == "flagged" and note.actor is None  # the reporter stays anonymous
    assert note.detail == "Reps look miscounted or skipped"


def test_a_flag_shows_on_the_board_page_too(athlete: Any, stranger: Any, client: Client) -> None:
    athlete.display_name = "Alex Flagged"
    athlete.save()
    result = finished(athlete, "public")
    assert "Alex Flagged" in client.get("/boards/runners-250/").content.decode()

    flagged(result, stranger)

    assert "Alex Flagged" not in client.get("/boards/runners-250/").content.decode()


def test_clearing_puts_it_back_and_tells_the_owner(
    athlete: Any, stranger: Any, clubmate: Any, moderator: Any
) -> None:
    result = finished(athlete, "public")
    flagged(result, stranger)
    flagged(result, clubmate, "other")

    social.flag_resolve(moderator=moderator, result_id=result.pk, decision="clear")

    result.refresh_from_db()
    assert result.review == "cleared" and on_boards(result)
    assert set(Flag.objects.values_list("status", flat=True)) == {"cleared"}
    assert Flag.objects.filter(resolved_by=moderator).count() == 2
    kinds = list(Notification.objects.filter(recipient=athlete).values_list("kind", flat=True))
    assert kinds == ["cleared", "flagged"]  # newest first, one flagged note for two flags


def test_confirming_keeps_it_off_and_tells_the_owner(
    athlete: Any, stranger: Any, moderator: Any
) -> None:
    result = finished(athlete, "public")
    flagged(result, stranger)

    social.flag_resolve(moderator=moderator, result_id=result.pk, decision="confirm")

    result.refresh_from_db()
    assert result.review == "confirmed" and not on_boards(result)
    assert Flag.objects.get().status == "confirmed"
    assert Notification.objects.filter(recipient=athlete, kind="confirmed").exists()
    with pytest.raises(social.Invalid):
        flagged(result, moderator)  # already off for good


def test_a_cleared_result_flagged_again_stays_on_the_boards_while_it_waits(
    athlete: Any, stranger: Any, clubmate: Any, moderator: Any
) -> None:
    result = finished(athlete, "public")
    flagged(result, stranger)
    social.flag_resolve(moderator=moderator, result_id=result.pk, decision="clear")

    flagged(result, clubmate)

    result.refresh_from_db()
    assert result.review == "cleared" and on_boards(result)
    assert Flag.objects.filter(status="open").count() == 1


def test_only_staff_resolve_flags(athlete: Any, stranger: Any, clubmate: Any) -> None:
    result = finished(athlete, "public")
    flagged(result, stranger)

    with pytest.raises(social.NotAllowed):
        social.flag_resolve(moderator=clubmate, result_id=result.pk, decision="clear")

    result.refresh_from_db()
    assert result.review == "flagged"


def test_a_result_is_flagged_once_per_person(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    flagged(result, stranger)

    with pytest.raises(social.Invalid) as refused:
        flagged(result, stranger, "other")

    assert "already flagged" in refused.value.message
    assert Flag.objects.count() == 1


def test_nobody_flags_their_own_result_or_one_they_may_not_see(athlete: Any, stranger: Any) -> None:
    public = finished(athlete, "public")
    club_only = finished(athlete, "clubs", day=1)

    with pytest.raises(social.Invalid):
        flagged(public, athlete)
    with pytest.raises(social.NotFound):
        flagged(club_only, stranger)
    with pytest.raises(social.Invalid):
        flagged(public, stranger, "because")

    assert not Flag.objects.exists()


def test_a_clubmate_may_flag_a_club_only_result(athlete: Any, clubmate: Any, club: Club) -> None:
    result = finished(athlete, "clubs")

    flagged(result, clubmate)

    assert not on_boards(result)


def test_flags_are_rate_limited(athlete: Any, stranger: Any) -> None:
    results = [finished(athlete, "public", day=day) for day in range(social.FLAGS_PER_WINDOW + 1)]
    for result in results[:-1]:
        flagged(result, stranger)

    with pytest.raises(social.RateLimited) as refused:
        flagged(results[-1], stranger)

    assert "Too many flags" in refused.value.message
    assert on_boards(results[-1])


def test_the_flag_form_answers_429_past_the_limit(
    athlete: Any, stranger: Any, client_for: Callable[[Any], Client]
) -> None:
    results = [finished(athlete, "public", day=day) for day in range(social.FLAGS_PER_WINDOW + 1)]
    client = client_for(stranger)
    for result in results[:-1]:
        response = client.post(f"/results/{result.pk}/flag/", {"reason": "too-fast"})
        assert response.status_code == 302

    response = client.post(f"/results/{results[-1].pk}/flag/", {"reason": "too-fast"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many flags" in response.content.decode()


def test_the_flag_form_needs_a_reason_from_the_list(
    athlete: Any, stranger: Any, client_for: Callable[[Any], Client]
) -> None:
    result = finished(athlete, "public")

    response = client_for(stranger).post(f"/results/{result.pk}/flag/", {"reason": "meh"})

    assert response.status_code == 422
    assert "Choose a reason from the list." in response.content.decode()
    assert not Flag.objects.exists()


def test_the_result_page_offers_the_flag_form_to_others_only(
    athlete: Any, stranger: Any, client_for: Callable[[Any], Client]
) -> None:
    result = finished(athlete, "public")

    theirs = client_for(stranger).get(f"/results/{result.pk}/").content.decode()
    mine = client_for(athlete).get(f"/results/{result.pk}/").content.decode()
    flagged(result, stranger)
    after = client_for(stranger).get(f"/results/{result.pk}/").content.decode()

    assert f'action="/results/{result.pk}/flag/"' in theirs
    assert f'action="/results/{result.pk}/flag/"' not in mine
    assert "You flagged this result" in after
    assert "Flagged: off the boards until a moderator looks at it" in after


# ---------------------------------------------------------------------------
# The moderation queue in the admin.


def test_the_admin_actions_clear_and_confirm_through_the_services(
    athlete: Any, stranger: Any, moderator: Any, client_for: Callable[[Any], Client]
) -> None:
    moderator.is_superuser = True
    moderator.save()
    kept = finished(athlete, "public")
    wrong = finished(athlete, "public", day=1)
    kept_flag, wrong_flag = flagged(kept, stranger), flagged(wrong, stranger)
    admin = client_for(moderator)

    admin.post(
        "/admin/community/flag/",
        {"action": "clear_results", "_selected_action": [kept_flag.pk]},
    )
    admin.post(
        "/admin/community/flag/",
        {"action": "confirm_results", "_selected_action": [wrong_flag.pk]},
    )

    kept.refresh_from_db()
    wrong.refresh_from_db()
    assert (kept.review, on_boards(kept)) == ("cleared", True)
    assert (wrong.review, on_boards(wrong)) == ("confirmed", False)
    assert (
        Notification.objects.filter(recipient=athlete, kind__in=["cleared", "confirmed"]).count()
        == 2
    )


def test_the_queue_lists_flagged_and_unverified_results_and_decides_them(
    athlete: Any, stranger: Any, moderator: Any, client_for: Callable[[Any], Client]
) -> None:
    moderator.is_superuser = True
    moderator.save()
    athlete.default_privacy = "public"
    athlete.save()
    flagged_result = finished(athlete, "public")
    flagged(flagged_result, stranger)
    outcome = complete_session(athlete, seconds_per_rep=0.2, start_at=1_770_000_000_000)
    too_fast = outcome.result
    assert too_fast is not None and too_fast.unverified and not on_boards(too_fast)
    admin = client_for(moderator)

    page = admin.get("/admin/community/flag/queue/").content.decode()
    admin.post("/admin/community/flag/queue/", {"result": too_fast.pk, "decision": "clear"})

    assert f'id="queue-{flagged_result.pk}"' in page and f'id="queue-{too_fast.pk}"' in page
    assert "Faster than seems possible" in page
    too_fast.refresh_from_db()
    assert too_fast.review == "cleared" and on_boards(too_fast)
    after = admin.get("/admin/community/flag/queue/").content.decode()
    assert f'id="queue-{too_fast.pk}"' not in after


def test_the_queue_is_for_staff_only(client_for: Callable[[Any], Client], stranger: Any) -> None:
    response = client_for(stranger).get("/admin/community/flag/queue/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
