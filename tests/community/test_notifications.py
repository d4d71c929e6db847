"""The notifications page: cheers and comments on your results, marked read one by one or all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Club, Notification
from tests.community.social_helpers import finished

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

ClientFor = Callable[..., Client]


def test_cheers_and_comments_on_my_results_are_listed_newest_first(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    result = finished(athlete, "clubs")
    social.cheer_toggle(athlete=clubmate, result_id=result.pk, kind="pr")
    social.comment_add(author=clubmate, result_id=result.pk, text="What a finish")

    html = client_for(athlete).get("/notifications/").content.decode()

    assert "2 unread." in html
    comment_at, cheer_at = html.index("commented on your"), html.index("cheered “PR!”")
    assert comment_at < cheer_at
    assert "Casey" in html and "What a finish" in html
    assert f'href="/results/{result.pk}/"' in html


def test_nobody_is_told_about_their_own_doing_or_sees_others_notifications(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=athlete, result_id=result.pk, kind="cheer")
    social.comment_add(author=stranger, result_id=result.pk, text="for alex only")

    mine = client_for(athlete).get("/notifications/").content.decode()
    theirs = client_for(stranger).get("/notifications/").content.decode()

    assert "1 unread." in mine and "cheered" not in mine
    assert "for alex only" not in theirs and "Nothing yet." in theirs


def test_mark_one_read_then_all(athlete: Any, stranger: Any, client_for: ClientFor) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    social.comment_add(author=stranger, result_id=result.pk, text="hey")
    client = client_for(athlete)
    first = Notification.objects.filter(recipient=athlete).order_by("id").first()
    assert first is not None

    response = client.post("/notifications/read/", {"notification": first.pk})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert "1 unread." in client.get("/notifications/").content.decode()

    client.post("/notifications/read/")
    html = client.get("/notifications/").content.decode()
    assert "All read." in html and "Mark all read" not in html


def test_marking_someone_elses_notification_is_404(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    note = Notification.objects.get()

    response = client_for(stranger).post("/notifications/read/", {"notification": note.pk})
    bad = client_for(stranger).post("/notifications/read/", {"notification": "x"})

    assert response.status_code == 404 and bad.status_code == 422
    note.refresh_from_db()
    assert note.read_at is None


def test_the_owner_hears_about_flags_and_decisions(
    athlete: Any, stranger: Any, moderator: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    social.flag_raise(reporter=stranger, result_id=result.pk, reason="too-fast")
    social.flag_resolve(moderator=moderator, result_id=result.pk, decision="clear")

    html = client_for(athlete).get("/notifications/").content.decode()

    assert "Someone flagged your" in html and "(Faster than seems possible)" in html
    assert "A moderator cleared your" in html
    assert stranger.username not in html  # the reporter stays anonymous


def test_notifications_need_a_log_in(client: Client) -> None:
    response = client.get("/notifications/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/log-in/")


def test_the_notifications_page_reads_in_a_fixed_number_of_queries(
    athlete: Any, stranger: Any, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    for day in range(4):
        result = finished(athlete, "public", day=day)
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
        social.comment_add(author=stranger, result_id=result.pk, text=f"n{day}")
    client = client_for(athlete)

    with django_assert_max_num_queries(5):  # session, user, list, unread count, nav count
        client.get("/notifications/")


def test_the_unread_count_for_the_navigation_is_asked_only_when_shown(
    athlete: Any, stranger: Any, rf: Any, django_assert_num_queries: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    from runstrong.community.context_processors import notifications

    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")
    social.comment_add(author=stranger, result_id=result.pk, text="hi")
    request = rf.get("/")
    request.user = athlete

    with django_assert_num_queries(0):
        context = notifications(request)
    with django_assert_num_queries(1):
        shown = Template(
            "{% if unread_notifications %}({{ unread_notifications }}){% endif %}"
        ).render(Context(context))
    assert shown == "(2)"
    request.user = AnonymousUser()
    assert notifications(request) == {}


def test_two_comments_reading_the_same_keep_their_own_notifications(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    first = social.comment_add(author=stranger, result_id=result.pk, text="Great time")
    second = social.comment_add(author=stranger, result_id=result.pk, text="Great time")

    social.comment_edit(author=stranger, comment_id=second.pk, text="Great time, again")
    social.comment_delete(actor=stranger, comment_id=first.pk)

    html = client_for(athlete).get("/notifications/").content.decode()
    assert "1 unread." in html
    assert "Great time, again" in html
