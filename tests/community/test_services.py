"""The social services: privacy, cheers, comments, notifications and clubs."""

from __future__ import annotations

from typing import Any

import pytest

from runstrong.community import services as social
from runstrong.community.models import (
    COMMENT_MAX_LENGTH,
    Cheer,
    Club,
    Comment,
    Membership,
    Notification,
)
from tests.community.social_helpers import finished, on_boards

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


# ---------------------------------------------------------------------------
# A result's privacy.


def test_a_new_result_takes_the_athletes_default_privacy(athlete: Any) -> None:
    athlete.default_privacy = "clubs"
    athlete.save()

    result = finished(athlete, "clubs")

    assert result.visibility == "clubs"


def test_the_owner_sets_visibility_and_the_boards_follow(athlete: Any) -> None:
    result = finished(athlete, "private")
    assert not on_boards(result)

    social.result_visibility_set(athlete=athlete, result_id=result.pk, visibility="public")
    assert on_boards(result)

    social.result_visibility_set(athlete=athlete, result_id=result.pk, visibility="private")
    assert not on_boards(result)


def test_nobody_else_sets_a_results_visibility(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    with pytest.raises(social.NotFound):
        social.result_visibility_set(athlete=stranger, result_id=result.pk, visibility="private")

    result.refresh_from_db()
    assert result.visibility == "public"


def test_an_unknown_visibility_is_refused(athlete: Any) -> None:
    result = finished(athlete, "public")

    with pytest.raises(social.Invalid):
        social.result_visibility_set(athlete=athlete, result_id=result.pk, visibility="friends")


def test_kept_off_the_boards_it_stays_visible_and_in_the_history(
    athlete: Any, stranger: Any
) -> None:
    result = finished(athlete, "public")

    social.result_boards_set(athlete=athlete, result_id=result.pk, on_boards=False)

    assert not on_boards(result)
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")  # still visible
    social.result_boards_set(athlete=athlete, result_id=result.pk, on_boards=True)
    assert on_boards(result)


def test_only_the_owner_keeps_a_result_off_the_boards(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    with pytest.raises(social.NotFound):
        social.result_boards_set(athlete=stranger, result_id=result.pk, on_boards=False)
    assert on_boards(result)


# ---------------------------------------------------------------------------
# Cheers.


def test_one_cheer_per_athlete_per_kind_and_a_second_tap_takes_it_back(
    athlete: Any, stranger: Any
) -> None:
    result = finished(athlete, "public")

    assert social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr") is True
    assert social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer") is True
    assert Cheer.objects.filter(result=result).count() == 2

    assert social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr") is False
    assert list(Cheer.objects.filter(result=result).values_list("kind", flat=True)) == ["cheer"]


def test_a_cheer_sent_twice_with_its_intent_counts_once(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    for _ in range(2):
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr", on=True)

    assert Cheer.objects.filter(result=result).count() == 1
    assert Notification.objects.filter(recipient=athlete, kind="cheer").count() == 1


def test_a_cheer_tells_the_owner_and_taking_it_back_unsays_it(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr")
    note = Notification.objects.get(recipient=athlete)
    assert (note.kind, note.actor, note.detail, note.result_id) == (
        "cheer",
        stranger,
        "PR!",
        result.pk,
    )

    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr")
    assert not Notification.objects.filter(recipient=athlete).exists()


def test_cheering_your_own_result_notifies_nobody(athlete: Any) -> None:
    result = finished(athlete, "private")

    social.cheer_toggle(athlete=athlete, result_id=result.pk, kind="cheer")

    assert Cheer.objects.filter(result=result).count() == 1
    assert not Notification.objects.exists()


def test_an_unknown_cheer_kind_is_refused(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    with pytest.raises(social.Invalid):
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="boo")


def test_nobody_cheers_a_result_they_may_not_see(
    athlete: Any, stranger: Any, clubmate: Any, club: Club
) -> None:
    club_only = finished(athlete, "clubs")
    private = finished(athlete, "private", day=1)

    with pytest.raises(social.NotFound):
        social.cheer_toggle(athlete=stranger, result_id=club_only.pk, kind="cheer")
    with pytest.raises(social.NotFound):
        social.cheer_toggle(athlete=clubmate, result_id=private.pk, kind="cheer")
    social.cheer_toggle(athlete=clubmate, result_id=club_only.pk, kind="cheer")

    assert Cheer.objects.filter(athlete=clubmate).count() == 1
    assert not Cheer.objects.filter(athlete=stranger).exists()


def test_cheers_are_rate_limited(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    for _ in range(social.CHEERS_PER_WINDOW):
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")

    with pytest.raises(social.RateLimited) as refused:
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")

    assert refused.value.decision.retry_after > 0
    assert "Too many cheers" in refused.value.message


# ---------------------------------------------------------------------------
# Comments.


def test_a_comment_is_stored_as_plain_text_and_tells_the_owner(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    comment = social.comment_add(author=stranger, result_id=result.pk, text="  Great pacing!\r\n ")

    assert comment.text == "Great pacing!"
    note = Notification.objects.get(recipient=athlete)
    assert (note.kind, note.actor, note.detail) == ("comment", stranger, "Great pacing!")


def test_a_long_comments_notification_quotes_its_first_words(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")

    social.comment_add(author=stranger, result_id=result.pk, text="word " * 60)

    detail = Notification.objects.get(recipient=athlete).detail
    assert len(detail) <= 120 and detail.endswith("…")


def test_your_own_comment_notifies_nobody(athlete: Any) -> None:
    result = finished(athlete, "public")

    social.comment_add(author=athlete, result_id=result.pk, text="Legs were heavy today")

    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), ("x" * (COMMENT_MAX_LENGTH + 1), "Keep it to 500")],
)
def test_empty_and_overlong_comments_are_refused(
    athlete: Any, stranger: Any, text: str, message: str
) -> None:
    result = finished(athlete, "public")

    with pytest.raises(social.Invalid) as refused:
        social.comment_add(author=stranger, result_id=result.pk, text=text)

    assert message in refused.value.message
    assert not Comment.objects.exists()


def test_a_stranger_cannot_comment_on_a_club_only_result(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "clubs")

    with pytest.raises(social.NotFound):
        social.comment_add(author=stranger, result_id=result.pk, text="hi")


def test_only_its_author_edits_a_comment(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="Nice")

    edited = social.comment_edit(author=stranger, comment_id=comment.pk, text="Nice one!")
    with pytest.raises(social.NotAllowed):
        social.comment_edit(author=athlete, comment_id=comment.pk, text="I wrote this")

    assert edited.text == "Nice one!" and edited.edited_at is not None
    comment.refresh_from_db()
    assert comment.text == "Nice one!"


def test_the_author_and_the_results_owner_may_delete_a_comment(
    athlete: Any, stranger: Any, clubmate: Any
) -> None:
    result = finished(athlete, "public")
    by_stranger = social.comment_add(author=stranger, result_id=result.pk, text="one")
    by_clubmate = social.comment_add(author=clubmate, result_id=result.pk, text="two")
    another = social.comment_add(author=stranger, result_id=result.pk, text="three")

    social.comment_delete(actor=stranger, comment_id=by_stranger.pk)
    social.comment_delete(actor=athlete, comment_id=by_clubmate.pk)
    with pytest.raises(social.NotAllowed):
        social.comment_delete(actor=clubmate, comment_id=another.pk)

    assert list(Comment.objects.values_list("text", flat=True)) == ["three"]


def test_an_edited_comments_notification_quotes_the_new_words(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="rude words")

    social.comment_edit(author=stranger, comment_id=comment.pk, text="kind words")

    assert Notification.objects.get(recipient=athlete).detail == "kind words"


def test_a_deleted_comment_takes_its_notification_with_it(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="rude words")
    social.comment_edit(author=stranger, comment_id=comment.pk, text="still rude")

    social.comment_delete(actor=athlete, comment_id=comment.pk)

    assert not Notification.objects.filter(recipient=athlete).exists()


def test_a_club_admin_may_delete_comments_on_members_results(
    athlete: Any, clubmate: Any, stranger: Any, club: Club
) -> None:
    # The athlete administers the club the clubmate is in.
    result = finished(clubmate, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="spam spam")

    social.comment_delete(actor=athlete, comment_id=comment.pk)

    assert not Comment.objects.exists()


def test_a_plain_member_may_not_delete_comments_on_the_admins_results(
    athlete: Any, clubmate: Any, stranger: Any, club: Club
) -> None:
    result = finished(athlete, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="fine words")

    with pytest.raises(social.NotAllowed):
        social.comment_delete(actor=clubmate, comment_id=comment.pk)


def test_comments_are_rate_limited(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    for number in range(social.COMMENTS_PER_WINDOW):
        social.comment_add(author=stranger, result_id=result.pk, text=f"comment {number}")

    with pytest.raises(social.RateLimited):
        social.comment_add(author=stranger, result_id=result.pk, text="one too many")

    assert Comment.objects.count() == social.COMMENTS_PER_WINDOW


# ---------------------------------------------------------------------------
# Notifications.


def test_mark_one_notification_read_then_all(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    social.comment_add(author=stranger, result_id=result.pk, text="Go!")
    first = Notification.objects.filter(recipient=athlete).last()
    assert first is not None

    assert social.notification_mark_read(recipient=athlete, notification_id=first.pk) == 1
    assert Notification.objects.filter(recipient=athlete, read_at__isnull=True).count() == 1
    assert social.notification_mark_read(recipient=athlete) == 1
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_nobody_marks_someone_elses_notification(athlete: Any, stranger: Any) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    note = Notification.objects.get()

    with pytest.raises(social.NotFound):
        social.notification_mark_read(recipient=stranger, notification_id=note.pk)

    note.refresh_from_db()
    assert note.read_at is None


# ---------------------------------------------------------------------------
# Clubs.


def test_the_creator_of_a_club_is_its_admin(athlete: Any) -> None:
    club = social.club_create(creator=athlete, name="  Parkrun   Pals ", description="Saturdays")

    assert (club.name, club.slug) == ("Parkrun Pals", "parkrun-pals")
    assert Membership.objects.get(club=club).role == "admin"


def test_two_clubs_of_one_name_get_different_addresses(athlete: Any, stranger: Any) -> None:
    first = social.club_create(creator=athlete, name="Hill Repeats")
    second = social.club_create(creator=stranger, name="Hill Repeats")

    assert first.slug == "hill-repeats"
    assert second.slug.startswith("hill-repeats-") and second.slug != first.slug


def test_a_name_without_latin_letters_still_gets_an_address(athlete: Any) -> None:
    club = social.club_create(creator=athlete, name="跑步俱乐部")

    assert club.slug == "club" and club.name == "跑步俱乐部"


def test_a_club_needs_a_name(athlete: Any) -> None:
    with pytest.raises(social.Invalid):
        social.club_create(creator=athlete, name="   ")


def test_joining_by_the_invite_token_twice_makes_one_membership(
    athlete: Any, stranger: Any
) -> None:
    club = social.club_create(creator=athlete, name="Tempo")

    social.club_join(athlete=stranger, token=club.invite_token)
    social.club_join(athlete=stranger, token=club.invite_token)

    assert Membership.objects.filter(club=club, athlete=stranger, role="member").count() == 1


def test_a_rotated_token_kills_the_old_link(athlete: Any, stranger: Any) -> None:
    club = social.club_create(creator=athlete, name="Tempo")
    old = club.invite_token

    rotated = social.club_token_rotate(admin=athlete, slug=club.slug)

    assert rotated.invite_token != old
    with pytest.raises(social.NotFound):
        social.club_join(athlete=stranger, token=old)
    social.club_join(athlete=stranger, token=rotated.invite_token)


def test_only_admins_rotate_the_token_or_remove_members(
    athlete: Any, clubmate: Any, stranger: Any, club: Club
) -> None:
    with pytest.raises(social.NotAllowed):
        social.club_token_rotate(admin=clubmate, slug=club.slug)
    with pytest.raises(social.NotAllowed):
        social.club_member_remove(admin=clubmate, slug=club.slug, athlete_id=athlete.pk)
    with pytest.raises(social.NotFound):
        social.club_token_rotate(admin=stranger, slug=club.slug)


def test_an_admin_removes_a_member_but_not_themselves(
    athlete: Any, clubmate: Any, club: Club
) -> None:
    with pytest.raises(social.Invalid):
        social.club_member_remove(admin=athlete, slug=club.slug, athlete_id=athlete.pk)

    social.club_member_remove(admin=athlete, slug=club.slug, athlete_id=clubmate.pk)

    assert list(Membership.objects.filter(club=club).values_list("athlete", flat=True)) == [
        athlete.pk
    ]


def test_the_last_admin_leaving_hands_the_club_to_the_longest_member(
    athlete: Any, clubmate: Any, stranger: Any, club: Club
) -> None:
    social.club_join(athlete=stranger, token=club.invite_token)

    social.club_leave(athlete=athlete, slug=club.slug)

    assert Membership.objects.get(club=club, athlete=clubmate).role == "admin"
    assert Membership.objects.get(club=club, athlete=stranger).role == "member"


def test_the_last_member_leaving_takes_the_club_away(athlete: Any) -> None:
    club = social.club_create(creator=athlete, name="Solo")

    social.club_leave(athlete=athlete, slug=club.slug)

    assert not Club.objects.filter(pk=club.pk).exists()


def test_leaving_a_club_hides_its_members_club_only_results(
    athlete: Any, clubmate: Any, club: Club
) -> None:
    result = finished(athlete, "clubs")
    social.cheer_toggle(athlete=clubmate, result_id=result.pk, kind="cheer")

    social.club_leave(athlete=clubmate, slug=club.slug)

    with pytest.raises(social.NotFound):
        social.cheer_toggle(athlete=clubmate, result_id=result.pk, kind="strong")
