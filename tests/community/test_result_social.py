"""The result page and the results API for every persona and privacy level, and the
cheers, comments and privacy forms on it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Cheer, Club, Comment
from tests.community.social_helpers import finished, on_boards

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

ClientFor = Callable[..., Client]

# Who sees a result at each privacy level (the owner always does).
SEES = {
    "public": {"athlete", "clubmate", "stranger", "moderator", "visitor"},
    "clubs": {"athlete", "clubmate"},
    "private": {"athlete"},
}


@pytest.fixture
def personas(
    athlete: Any, clubmate: Any, stranger: Any, moderator: Any, club: Club, client_for: ClientFor
) -> dict[str, Client]:
    return {
        "athlete": client_for(athlete),
        "clubmate": client_for(clubmate),
        "stranger": client_for(stranger),
        "moderator": client_for(moderator),
        "visitor": Client(),
    }


@pytest.mark.parametrize("visibility", ["public", "clubs", "private"])
def test_the_result_page_answers_exactly_who_may_see_it(
    athlete: Any, personas: dict[str, Client], visibility: str
) -> None:
    result = finished(athlete, visibility)

    for persona, client in personas.items():
        response = client.get(f"/results/{result.pk}/")
        if persona in SEES[visibility]:
            assert response.status_code == 200, persona
            assert "Splits" in response.content.decode()
        elif persona == "visitor":
            # A visitor is asked to log in, whatever the id: nothing is given away.
            assert response.status_code == 302, persona
            assert response["Location"].startswith("/accounts/log-in/")
        else:
            assert response.status_code == 404, persona


@pytest.mark.parametrize("visibility", ["public", "clubs", "private"])
def test_the_results_api_answers_exactly_who_may_see_it(
    athlete: Any, personas: dict[str, Client], visibility: str
) -> None:
    result = finished(athlete, visibility)

    for persona, client in personas.items():
        response = client.get(f"/api/v1/results/{result.pk}")
        if persona in SEES[visibility]:
            assert response.status_code == 200, persona
            assert response.json()["id"] == result.pk
        else:
            assert response.status_code == 404, persona
            assert response.json() == {
                "code": "not_found",
                "message": "no such result",
                "field": None,
            }


def test_the_api_gives_total_splits_program_name_visibility_and_cheers(
    athlete: Any, stranger: Any, client: Client
) -> None:
    athlete.display_name = "Alex"
    athlete.save()
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="pr")

    body = client.get(f"/api/v1/results/{result.pk}").json()

    assert body["total_ms"] == result.total_ms
    assert body["program"] == {"slug": "runners-250", "name": "Runner's 250"}
    assert body["athlete"] == {"display_name": "Alex"}
    assert body["visibility"] == "public"
    assert body["cheers"] == {"cheer": 0, "pr": 1, "strong": 0, "grit": 0}
    assert [split["split_ms"] for split in body["splits"]] == result.splits_ms
    assert [split["exercise"] for split in body["splits"]][1] == "Calf raises"
    assert "email" not in str(body)


def test_a_missing_result_reads_like_a_hidden_one(client: Client) -> None:
    assert client.get("/api/v1/results/999999").status_code == 404


def test_others_see_a_read_only_page_without_the_owners_controls(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    athlete.display_name = "Alex"
    athlete.save()
    result = finished(athlete, "clubs")

    theirs = client_for(clubmate).get(f"/results/{result.pk}/").content.decode()
    mine = client_for(athlete).get(f"/results/{result.pk}/").content.decode()

    assert "Alex" in theirs
    assert "Who sees this result" not in theirs and "Against your previous best" not in theirs
    assert f'action="/results/{result.pk}/visibility/"' not in theirs
    assert "Who sees this result" in mine and "Keep it off the boards" in mine
    assert f'action="/results/{result.pk}/cheers/"' in theirs
    assert f'action="/results/{result.pk}/comments/"' in theirs


def test_a_visitor_sees_a_public_result_with_counts_but_no_forms(
    athlete: Any, stranger: Any, client: Client
) -> None:
    result = finished(athlete, "public")
    social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="grit")
    social.comment_add(author=stranger, result_id=result.pk, text="Well done")

    html = client.get(f"/results/{result.pk}/").content.decode()

    assert "Well done" in html and "Log in</a> to cheer or comment" in html
    assert 'name="csrfmiddlewaretoken"' not in html.split('id="cheers"')[1]


# ---------------------------------------------------------------------------
# Privacy controls.


def test_the_owner_changes_who_sees_it_from_the_page(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    owner = client_for(athlete)

    response = owner.post(f"/results/{result.pk}/visibility/", {"visibility": "private"})

    assert response.status_code == 302 and response["Location"].endswith("#privacy")
    assert client_for(stranger).get(f"/results/{result.pk}/").status_code == 404
    page = owner.get(response["Location"]).content.decode()
    assert "Only you can now see this result." in page
    assert re.search(r'value="private"[^>]*checked', page)
    assert not re.search(r'value="public"[^>]*checked', page)


def test_an_unknown_visibility_from_the_page_is_422(athlete: Any, client_for: ClientFor) -> None:
    result = finished(athlete, "public")

    response = client_for(athlete).post(f"/results/{result.pk}/visibility/", {"visibility": "x"})

    assert response.status_code == 422
    result.refresh_from_db()
    assert result.visibility == "public"


def test_nobody_else_changes_privacy_from_the_page(
    athlete: Any, clubmate: Any, club: Club, client_for: ClientFor
) -> None:
    result = finished(athlete, "clubs")
    other = client_for(clubmate)

    assert (
        other.post(f"/results/{result.pk}/visibility/", {"visibility": "public"}).status_code == 404
    )
    assert other.post(f"/results/{result.pk}/boards/", {"on_boards": "no"}).status_code == 404
    result.refresh_from_db()
    assert (result.visibility, result.on_boards) == ("clubs", True)


def test_keep_off_the_boards_from_the_page_and_back(athlete: Any, client_for: ClientFor) -> None:
    result = finished(athlete, "public")
    owner = client_for(athlete)

    owner.post(f"/results/{result.pk}/boards/", {"on_boards": "no"})
    assert not on_boards(result)
    assert "Let it onto the boards" in owner.get(f"/results/{result.pk}/").content.decode()

    owner.post(f"/results/{result.pk}/boards/", {"on_boards": "yes"})
    assert on_boards(result)


def test_share_buttons_only_on_a_public_result(athlete: Any, client_for: ClientFor) -> None:
    public = finished(athlete, "public")
    club_only = finished(athlete, "clubs", day=1)
    owner = client_for(athlete)

    assert f"/r/{public.pk}/" in owner.get(f"/results/{public.pk}/").content.decode()
    assert f"/r/{club_only.pk}/" not in owner.get(f"/results/{club_only.pk}/").content.decode()


# ---------------------------------------------------------------------------
# Cheers through the page.


def test_a_cheer_form_post_comes_back_to_the_cheers(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    client = client_for(stranger)

    response = client.post(f"/results/{result.pk}/cheers/", {"kind": "pr", "on": "yes"})
    again = client.post(f"/results/{result.pk}/cheers/", {"kind": "pr", "on": "yes"})

    assert response.status_code == again.status_code == 302
    assert response["Location"] == f"/results/{result.pk}/#cheers"
    assert Cheer.objects.filter(result=result, kind="pr").count() == 1
    html = client.get(f"/results/{result.pk}/").content.decode()
    assert 'id="cheer-pr"' in html and 'aria-pressed="true" data-kind="pr"' in html


def test_an_htmx_cheer_swaps_just_the_cheers_section(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")

    response = client_for(stranger).post(
        f"/results/{result.pk}/cheers/", {"kind": "strong"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="cheers"') and "<html" not in html
    assert 'data-count="1"' in html


def test_an_unknown_cheer_from_the_page_is_422(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")

    response = client_for(stranger).post(f"/results/{result.pk}/cheers/", {"kind": "boo"})

    assert response.status_code == 422
    assert not Cheer.objects.exists()


def test_a_stranger_cannot_cheer_a_club_only_result_through_the_page(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "clubs")

    response = client_for(stranger).post(f"/results/{result.pk}/cheers/", {"kind": "cheer"})

    assert response.status_code == 404
    assert not Cheer.objects.exists()


def test_too_many_cheers_answer_429_with_the_wait(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    client = client_for(stranger)
    for _ in range(social.CHEERS_PER_WINDOW):
        social.cheer_toggle(athlete=stranger, result_id=result.pk, kind="cheer")

    plain = client.post(f"/results/{result.pk}/cheers/", {"kind": "grit"})
    swapped = client.post(
        f"/results/{result.pk}/cheers/", {"kind": "grit"}, headers={"HX-Request": "true"}
    )

    assert plain.status_code == swapped.status_code == 429
    assert "Too many cheers" in plain.content.decode() and plain["Retry-After"]
    assert 'role="alert">Too many cheers' in swapped.content.decode()


# ---------------------------------------------------------------------------
# Comments through the page.


def test_comments_are_added_listed_edited_and_deleted_through_the_page(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    stranger.display_name = "Sam"
    stranger.save()
    result = finished(athlete, "public")
    author = client_for(stranger)

    added = author.post(f"/results/{result.pk}/comments/", {"text": "Strong finish!"})
    comment = Comment.objects.get()
    assert added["Location"] == f"/results/{result.pk}/#comment-{comment.pk}"
    page = author.get(f"/results/{result.pk}/").content.decode()
    assert "Strong finish!" in page and "Sam" in page
    assert f'href="/comments/{comment.pk}/edit/"' in page

    form = author.get(f"/comments/{comment.pk}/edit/").content.decode()
    assert "Strong finish!" in form
    author.post(f"/comments/{comment.pk}/edit/", {"text": "Very strong finish!"})
    page = author.get(f"/results/{result.pk}/").content.decode()
    assert "Very strong finish!" in page and "edited" in page

    owner_page = client_for(athlete).get(f"/results/{result.pk}/").content.decode()
    assert f'action="/comments/{comment.pk}/delete/"' in owner_page
    assert f'href="/comments/{comment.pk}/edit/"' not in owner_page
    client_for(athlete).post(f"/comments/{comment.pk}/delete/")
    assert not Comment.objects.exists()


def test_a_comment_is_escaped_on_every_page(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    attack = "<script>alert(1)</script>"
    client_for(stranger).post(f"/results/{result.pk}/comments/", {"text": attack})
    owner = client_for(athlete)

    pages = [
        owner.get(f"/results/{result.pk}/").content.decode(),
        owner.get("/notifications/").content.decode(),
        client_for(stranger).get(f"/comments/{Comment.objects.get().pk}/edit/").content.decode(),
    ]

    for html in pages:
        assert attack not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_display_name_is_escaped_beside_its_comment(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    stranger.display_name = '<img src=x onerror="alert(1)">'
    stranger.save()
    result = finished(athlete, "public")
    social.comment_add(author=stranger, result_id=result.pk, text="hi")

    html = client_for(athlete).get(f"/results/{result.pk}/").content.decode()

    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_an_empty_comment_is_422_with_the_form_again(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    client = client_for(stranger)

    plain = client.post(f"/results/{result.pk}/comments/", {"text": "   "})
    swapped = client.post(
        f"/results/{result.pk}/comments/", {"text": ""}, headers={"HX-Request": "true"}
    )

    assert plain.status_code == swapped.status_code == 422
    assert "the comment is empty" in plain.content.decode()
    assert swapped.content.decode().lstrip().startswith('<section id="comments"')
    assert not Comment.objects.exists()


def test_an_overlong_comment_keeps_its_text_in_the_form(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")

    response = client_for(stranger).post(f"/results/{result.pk}/comments/", {"text": "y" * 501})

    assert response.status_code == 422
    assert "y" * 501 in response.content.decode()


def test_an_htmx_comment_swaps_just_the_comments_section(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")

    response = client_for(stranger).post(
        f"/results/{result.pk}/comments/", {"text": "Go go go"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="comments"') and "Go go go" in html
    assert "Comment posted." in html


def test_only_the_author_may_open_the_edit_form(
    athlete: Any, stranger: Any, client_for: ClientFor
) -> None:
    result = finished(athlete, "public")
    comment = social.comment_add(author=stranger, result_id=result.pk, text="mine")

    assert client_for(athlete).get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert (
        client_for(athlete).post(f"/comments/{comment.pk}/edit/", {"text": "x"}).status_code == 403
    )
    comment.refresh_from_db()
    assert comment.text == "mine"


def test_a_stranger_cannot_touch_comments_on_a_result_they_may_not_see(
    athlete: Any, clubmate: Any, stranger: Any, club: Club, client_for: ClientFor
) -> None:
    result = finished(athlete, "clubs")
    comment = social.comment_add(author=clubmate, result_id=result.pk, text="club talk")
    client = client_for(stranger)

    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 404
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    assert client.post(f"/results/{result.pk}/comments/", {"text": "hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_too_many_comments_answer_429(athlete: Any, stranger: Any, client_for: ClientFor) -> None:
    result = finished(athlete, "public")
    client = client_for(stranger)
    for number in range(social.COMMENTS_PER_WINDOW):
        assert (
            client.post(f"/results/{result.pk}/comments/", {"text": f"n{number}"}).status_code
            == 302
        )

    response = client.post(f"/results/{result.pk}/comments/", {"text": "one more"})

    assert response.status_code == 429
    assert "Too many comments" in response.content.decode()
    assert Comment.objects.count() == social.COMMENTS_PER_WINDOW


def test_social_forms_need_a_log_in(athlete: Any, client: Client) -> None:
    result = finished(athlete, "public")

    response = client.post(f"/results/{result.pk}/cheers/", {"kind": "cheer"})

    assert response.status_code == 302 and response["Location"].startswith("/accounts/log-in/")
    assert not Cheer.objects.exists()


def test_the_result_page_reads_in_a_fixed_number_of_queries_for_others(
    athlete: Any,
    clubmate: Any,
    stranger: Any,
    club: Club,
    client_for: ClientFor,
    django_assert_max_num_queries: Any,
) -> None:
    result = finished(athlete, "clubs")
    for number in range(5):
        social.comment_add(author=clubmate, result_id=result.pk, text=f"comment {number}")
    social.cheer_toggle(athlete=clubmate, result_id=result.pk, kind="pr")
    client = client_for(clubmate)

    # session, user, the result (with club and flag checks), cheers, comments with authors,
    # whether the viewer administers a club of the owner
    with django_assert_max_num_queries(7):  # +1: the unread count in the navigation
        client.get(f"/results/{result.pk}/")
