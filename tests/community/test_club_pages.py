"""Club pages: my clubs, create, join by link, the club page (members only), leave,
and what admins may do there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Club, Membership
from tests.community.social_helpers import finished

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

ClientFor = Callable[..., Client]


def test_my_clubs_lists_only_mine_with_member_counts(
    athlete: Any, clubmate: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    social.club_create(creator=stranger, name="Not Yours")

    html = client_for(athlete).get("/clubs/").content.decode()

    assert "Tuesday Track" in html and "2 members" in html
    assert "Not Yours" not in html


def test_creating_a_club_leads_to_its_page_where_i_am_admin(
    athlete: Any, client_for: ClientFor
) -> None:
    client = client_for(athlete)

    response = client.post("/clubs/", {"name": "Hill Heroes", "description": "Hills on Thursdays"})

    assert response.status_code == 302 and response["Location"] == "/clubs/hill-heroes/"
    page = client.get("/clubs/hill-heroes/").content.decode()
    assert "Hill Heroes" in page and "you are an admin" in page
    assert "Invite people" in page


def test_a_club_without_a_name_is_422(athlete: Any, client_for: ClientFor) -> None:
    response = client_for(athlete).post("/clubs/", {"name": "  "})

    assert response.status_code == 422
    assert "Give the club a name." in response.content.decode()
    assert not Club.objects.exists()


def test_a_club_page_is_for_members_only(
    athlete: Any, clubmate: Any, stranger: Any, moderator: Any, club: Club, client_for: ClientFor
) -> None:
    path = f"/clubs/{club.slug}/"

    assert client_for(athlete).get(path).status_code == 200
    assert client_for(clubmate).get(path).status_code == 200
    assert client_for(stranger).get(path).status_code == 404
    assert client_for(moderator).get(path).status_code == 404
    visitor = Client().get(path)
    assert visitor.status_code == 302 and visitor["Location"].startswith("/accounts/log-in/")


def test_the_invite_link_and_remove_buttons_are_for_admins(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    admin_page = client_for(athlete).get(f"/clubs/{club.slug}/").content.decode()
    member_page = client_for(clubmate).get(f"/clubs/{club.slug}/").content.decode()

    assert f"/clubs/join/{club.invite_token}/" in admin_page
    assert f"/clubs/{club.slug}/members/{clubmate.pk}/remove/" in admin_page
    assert club.invite_token not in member_page
    assert "/remove/" not in member_page and "Replace the invite link" not in member_page
    assert "you are a member" in member_page


def test_the_feed_shows_members_results_the_viewer_may_see_with_cheers(
    athlete: Any, clubmate: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    athlete.display_name = "Alex"
    athlete.save()
    shared = finished(athlete, "clubs")
    private = finished(athlete, "private", day=1)
    outsider = finished(stranger, "public", day=2)
    social.cheer_toggle(athlete=clubmate, result_id=shared.pk, kind="pr")
    social.comment_add(author=clubmate, result_id=shared.pk, text="Yes!")

    html = client_for(clubmate).get(f"/clubs/{club.slug}/").content.decode()

    assert f'href="/results/{shared.pk}/"' in html
    assert f'href="/results/{private.pk}/"' not in html
    assert f'href="/results/{outsider.pk}/"' not in html
    feed = html[html.index('id="feed"') : html.index('id="members"')]
    assert "Alex" in feed and "PR! 1" in feed and "1 comment" in feed


def test_the_owner_sees_their_own_private_result_in_the_feed(
    athlete: Any, club: Club, client_for: ClientFor
) -> None:
    private = finished(athlete, "private")

    html = client_for(athlete).get(f"/clubs/{club.slug}/").content.decode()

    assert f'href="/results/{private.pk}/"' in html


def test_the_club_page_links_its_boards(athlete: Any, club: Club, client_for: ClientFor) -> None:
    html = client_for(athlete).get(f"/clubs/{club.slug}/").content.decode()

    assert f'href="/boards/runners-250/?club={club.slug}"' in html


def test_the_club_page_reads_in_a_fixed_number_of_queries(
    athlete: Any,
    clubmate: Any,
    club: Club,
    client_for: ClientFor,
    django_assert_max_num_queries: Any,
) -> None:
    for day in range(6):
        result = finished(clubmate if day % 2 else athlete, "clubs", day=day)
        social.cheer_toggle(athlete=clubmate, result_id=result.pk, kind="cheer")
    client = client_for(athlete)

    # session, user, membership, members, feed, its cheers
    with django_assert_max_num_queries(7):  # +1: the unread count in the navigation
        client.get(f"/clubs/{club.slug}/")


# ---------------------------------------------------------------------------
# Joining.


def test_the_join_link_asks_first_then_joins(
    athlete: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    client = client_for(stranger)
    path = f"/clubs/join/{club.invite_token}/"

    page = client.get(path)
    assert page.status_code == 200 and "Join <bdi>Tuesday Track</bdi>?" in page.content.decode()
    assert not Membership.objects.filter(athlete=stranger).exists()

    joined = client.post(path)

    assert joined.status_code == 302 and joined["Location"] == f"/clubs/{club.slug}/"
    assert Membership.objects.get(athlete=stranger).role == "member"
    assert client.get(path)["Location"] == f"/clubs/{club.slug}/"  # already in


def test_a_visitor_logs_in_before_joining(club: Club) -> None:
    response = Client().get(f"/clubs/join/{club.invite_token}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/log-in/?next=/clubs/join/")


def test_a_wrong_or_old_token_is_404(
    athlete: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    old = club.invite_token
    client_for(athlete).post(f"/clubs/{club.slug}/invite/")
    client = client_for(stranger)

    assert client.get(f"/clubs/join/{old}/").status_code == 404
    assert client.post(f"/clubs/join/{old}/").status_code == 404
    assert client.get("/clubs/join/not-a-token/").status_code == 404
    assert not Membership.objects.filter(athlete=stranger).exists()


# ---------------------------------------------------------------------------
# Leaving, rotating, removing.


def test_rotating_the_invite_link_shows_a_new_one(
    athlete: Any, club: Club, client_for: ClientFor
) -> None:
    client = client_for(athlete)
    old = club.invite_token

    response = client.post(f"/clubs/{club.slug}/invite/")

    club.refresh_from_db()
    assert response["Location"] == f"/clubs/{club.slug}/#invite"
    page = client.get(f"/clubs/{club.slug}/").content.decode()
    assert club.invite_token != old and club.invite_token in page and old not in page


def test_a_member_cannot_rotate_or_remove(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    client = client_for(clubmate)

    assert client.post(f"/clubs/{club.slug}/invite/").status_code == 403
    assert client.post(f"/clubs/{club.slug}/members/{athlete.pk}/remove/").status_code == 403
    assert Membership.objects.filter(club=club).count() == 2


def test_a_stranger_gets_404_for_every_club_action(
    athlete: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    client = client_for(stranger)

    for path in ("invite/", "leave/", f"members/{athlete.pk}/remove/"):
        assert client.post(f"/clubs/{club.slug}/{path}").status_code == 404, path


def test_an_admin_removes_a_member_from_the_page(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    response = client_for(athlete).post(f"/clubs/{club.slug}/members/{clubmate.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(athlete=clubmate).exists()
    assert client_for(clubmate).get(f"/clubs/{club.slug}/").status_code == 404


def test_leaving_from_the_page(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    client = client_for(clubmate)

    response = client.post(f"/clubs/{club.slug}/leave/")

    assert response["Location"] == "/clubs/"
    assert "You have left the club." in client.get("/clubs/").content.decode()
    assert client.get(f"/clubs/{club.slug}/").status_code == 404


def test_a_club_name_and_description_are_escaped(athlete: Any, client_for: ClientFor) -> None:
    client = client_for(athlete)
    client.post("/clubs/", {"name": "<b>Bold</b>", "description": "<script>x()</script>"})
    club = Club.objects.get()

    html = client.get(f"/clubs/{club.slug}/").content.decode()

    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<script>x()" not in html


def test_a_club_admin_removes_a_comment_on_a_members_result_from_its_page(
    athlete: Any, clubmate: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    result = finished(clubmate, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="unkind words")
    admin = client_for(athlete)

    page = admin.get(f"/results/{result.pk}/").content.decode()
    response = admin.post(f"/comments/{comment.pk}/delete/")

    assert f'action="/comments/{comment.pk}/delete/"' in page
    assert response.status_code == 302
    assert "unkind words" not in admin.get(f"/results/{result.pk}/").content.decode()
