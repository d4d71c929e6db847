"""Deleting an account: everything of the athlete's goes, boards and clubs carry on."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client

from runstrong.accounts import services
from runstrong.community import services as social
from runstrong.community.models import BoardEntry, Club, Comment, Membership, Role, ShareCard
from runstrong.workouts.models import Result
from tests.community.social_helpers import finished

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the athlete's, from tests/conftest.py
BOARD = "/boards/runners-250/?period=all"


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><bdi>([^<]*)</bdi></th>', html)


def board(client: Client, query: str = "") -> list[str]:
    response = client.get(BOARD + query)
    assert response.status_code == 200
    return names_on(response.content.decode())


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_pointing_at(user_id: int) -> list[str]:
    """Every row in every table that holds this user's id: through a foreign key,
    one-to-one or many-to-many link to the user model, or in an integer column
    named after a person (author, athlete, user…) that is not declared a link."""
    user_model = get_user_model()
    person = re.compile(r"(user|athlete|author|actor|reporter|recipient|owner|member|creator)")
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            points_at_users = field.is_relation and field.related_model is user_model
            plain_person_id = (
                not field.is_relation
                and isinstance(field, models.IntegerField)
                and not field.primary_key
                and person.search(field.column)
            )
            if not (points_at_users or plain_person_id):
                continue
            lookup = field.attname
            if model._default_manager.filter(**{lookup: user_id}).exists():
                found.append(f"{model._meta.db_table}.{field.column}")
        for field in model._meta.many_to_many:
            if field.related_model is user_model:
                through = field.remote_field.through
                for link in through._meta.concrete_fields:
                    if (
                        link.is_relation
                        and link.related_model is user_model
                        and through._default_manager.filter(**{link.attname: user_id}).exists()
                    ):
                        found.append(f"{through._meta.db_table}.{link.column}")
    if user_model._default_manager.filter(pk=user_id).exists():
        found.append(f"{user_model._meta.db_table}.id")
    for session in Session.objects.all():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            found.append(f"{Session._meta.db_table}: a session logged in as them")
    return found


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"accounts", "workouts", "community", "runs", "plans"}
    }


def delete(client: Client, password: str = PASSWORD) -> Any:
    return client.post("/accounts/delete/", {"password": password})


# --- what goes -------------------------------------------------------------------


def test_after_deleting_no_row_anywhere_points_at_the_athlete(
    full_athlete: Any, clubmate: Any
) -> None:
    athlete = full_athlete
    theirs = Result.objects.filter(athlete=clubmate).first()
    assert theirs is not None
    social.flag_raise(reporter=athlete, result_id=theirs.pk, reason="too-fast")
    social.cheer_toggle(
        athlete=clubmate, result_id=Result.objects.filter(athlete=athlete)[0].pk, kind="cheer"
    )
    public = Result.objects.filter(athlete=athlete, visibility="public").first()
    assert public is not None
    assert Client().get(f"/r/{public.pk}/card.png").status_code == 200  # a card stored
    assert ShareCard.objects.filter(result=public).exists()
    client = logged_in(athlete)
    other_device = logged_in(athlete)
    # Before: the athlete shows up in many tables.
    before = rows_pointing_at(athlete.pk)
    for table in ("workouts_result", "runs_activity", "plans_weekplan", "community_comment"):
        assert any(row.startswith(table) for row in before), (table, before)

    response = delete(client)

    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"
    assert rows_pointing_at(athlete.pk) == []
    assert other_device.get("/accounts/profile/").status_code == 302
    assert not ShareCard.objects.filter(result_id=public.pk).exists()
    # Their comment on the clubmate's result went too; the clubmate's result stays.
    assert Comment.objects.filter(result=theirs).count() == 0
    assert Result.objects.filter(pk=theirs.pk).exists()
    # Logged out, and told what happened.
    assert client.get("/accounts/profile/").status_code == 302
    assert "Your account is deleted" in client.get("/accounts/deleted/").content.decode()


def test_their_former_result_pages_are_not_found(full_athlete: Any) -> None:
    public = Result.objects.filter(athlete=full_athlete, visibility="public").first()
    assert public is not None
    visitor, clubmate_view = Client(), Client()
    assert visitor.get(f"/r/{public.pk}/").status_code == 200

    delete(logged_in(full_athlete))

    assert visitor.get(f"/r/{public.pk}/").status_code == 404
    assert visitor.get(f"/r/{public.pk}/card.png").status_code == 404
    someone = get_user_model().objects.create_user("pat", "pat@example.com", "pw pw pw pw")
    clubmate_view.force_login(someone)
    assert clubmate_view.get(f"/results/{public.pk}/").status_code == 404


def test_a_wrong_password_deletes_nothing(full_athlete: Any) -> None:
    before = counts()
    client = logged_in(full_athlete)

    response = delete(client, "not my password")

    assert response.status_code == 422 and "That is not your password" in response.content.decode()
    assert counts() == before
    assert client.get("/accounts/profile/").status_code == 200


def test_an_empty_password_is_asked_for_and_not_counted(athlete: Any) -> None:
    client = logged_in(athlete)

    response = delete(client, "")

    assert response.status_code == 422
    assert get_user_model().objects.filter(pk=athlete.pk).exists()


def test_password_guesses_are_limited_like_log_ins(athlete: Any) -> None:
    client = logged_in(athlete)
    for _ in range(services.LOGIN_FAILURES_PER_EMAIL):
        assert delete(client, "guess").status_code == 422

    refused = delete(client)

    assert refused.status_code == 429
    assert get_user_model().objects.filter(pk=athlete.pk).exists()


def test_the_page_says_what_goes_before_asking(athlete: Any) -> None:
    page = logged_in(athlete).get("/accounts/delete/").content.decode()

    for words in (
        "Every workout session",
        "runs and the files",
        "share cards",
        "Your plan",
        "Cheers you gave, notifications",
        "Comments you wrote on other people's results",
        "longest-standing member",
        'type="password"',
    ):
        assert words in page, words


def test_the_service_refuses_a_wrong_password(athlete: Any) -> None:
    with pytest.raises(services.WrongPassword):
        services.account_delete(athlete=athlete, password="nope")
    with pytest.raises(services.WrongPassword):
        services.account_delete(athlete=athlete, password="")
    assert get_user_model().objects.filter(pk=athlete.pk).exists()


# --- clubs ------------------------------------------------------------------------


def test_clubs_they_ran_keep_an_admin_and_clubs_left_empty_close(
    full_athlete: Any, clubmate: Any
) -> None:
    athlete = full_athlete
    later = get_user_model().objects.create_user("lee", "lee@example.com", "pw pw pw pw")
    track = Club.objects.get(name="Tuesday Track")
    social.club_join(athlete=later, token=track.invite_token)  # joined after the clubmate
    alone = social.club_create(creator=athlete, name="Just Me")
    co_run = social.club_create(creator=athlete, name="Co-run")
    social.club_join(athlete=later, token=co_run.invite_token)
    social.club_join(athlete=clubmate, token=co_run.invite_token)
    Membership.objects.filter(club=co_run, athlete=later).update(role=Role.ADMIN)
    versions = dict(Club.objects.values_list("pk", "members_version"))

    delete(logged_in(athlete))

    # The longest-standing member takes over the club they alone ran.
    assert Membership.objects.get(club=track, athlete=clubmate).role == Role.ADMIN
    assert Membership.objects.get(club=track, athlete=later).role == Role.MEMBER
    # A club with another admin keeps that one and nobody is promoted.
    assert list(
        Membership.objects.filter(club=co_run, role=Role.ADMIN).values_list("athlete", flat=True)
    ) == [later.pk]
    assert not Club.objects.filter(pk=alone.pk).exists()
    for club in Club.objects.all():
        assert Membership.objects.filter(club=club, role=Role.ADMIN).exists(), club.name
        if club.pk in (track.pk, co_run.pk):
            assert club.members_version != versions[club.pk]
    assert Club.objects.filter(name="Jo's Gym").exists()


# --- boards -----------------------------------------------------------------------


def test_boards_they_were_on_no_longer_show_them_on_the_very_next_request(
    athlete: Any, clubmate: Any, catalog_synced: None
) -> None:
    for person, name in ((athlete, "Alex Runner"), (clubmate, "Jo Clubmate")):
        person.display_name = name
        person.default_privacy = "public"
        person.save()
    finished(athlete, "public", day=0, seconds_per_rep=2.0)
    finished(athlete, "public", day=1, seconds_per_rep=2.0, reps={"calves": 30})  # scaled
    finished(clubmate, "public", day=0, seconds_per_rep=3.0)
    club = social.club_create(creator=clubmate, name="Harriers")
    social.club_join(athlete=athlete, token=club.invite_token)
    visitor, member = Client(), logged_in(clubmate)
    queries = ["", "&way=scaled", "&sex=", f"&club={club.slug}"]
    # Seen before, so every one of these pages is kept (whole for the visitor).
    assert board(visitor) == ["Alex Runner", "Jo Clubmate"]
    assert board(visitor, "&way=scaled") == ["Alex Runner"]
    assert board(member, f"&club={club.slug}") == ["Alex Runner", "Jo Clubmate"]
    before = {query: board(member, query) for query in queries}
    assert all("Alex Runner" in names for names in before.values())

    delete(logged_in(athlete))

    assert board(visitor) == ["Jo Clubmate"]
    assert board(visitor, "&way=scaled") == []
    for query in queries:
        assert "Alex Runner" not in board(member, query), query
    assert not BoardEntry.objects.filter(athlete_id=athlete.pk).exists()
