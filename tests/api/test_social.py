"""Cheers and comments through /api/v1/: the result page's services, access rule,
text cleaning and limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import COMMENT_MAX_LENGTH, Cheer, Club, Comment
from tests.api.conftest import ApiClient, assert_error, finished_result

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "clubmate", "stranger", "visitor")


@pytest.fixture
def people(athlete: Any, clubmate: Any, stranger: Any, club: Club) -> dict[str, Any]:
    return {"owner": athlete, "clubmate": clubmate, "stranger": stranger, "visitor": None}


@pytest.mark.parametrize("visibility", ["public", "clubs", "private"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_cheers_and_comments_read_as_on_the_result_page(
    persona: str, visibility: str, people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    owner = people["owner"]
    result = finished_result(owner, visibility)
    said = social.comment_add(author=owner, result_id=result.pk, text="Felt strong today")
    social.cheer_toggle(athlete=owner, result_id=result.pk, kind="grit", on=True)
    user = people[persona]
    page = Client()
    api = ApiClient(Client())
    if user is not None:
        page.force_login(user)
        api = bearer(user, "read")

    shown = page.get(f"/results/{result.pk}/")
    comments = api.get(f"/results/{result.pk}/comments")
    cheers = api.get(f"/results/{result.pk}/cheers")
    one = api.get(f"/comments/{said.pk}")

    if shown.status_code == 200:
        assert "Felt strong today" in shown.content.decode()
        assert [c["text"] for c in comments.json()] == ["Felt strong today"]
        assert comments.json()[0]["mine"] is (persona == "owner")
        grit = next(c for c in cheers.json() if c["kind"] == "grit")
        assert grit["count"] == 1 and grit["mine"] is (persona == "owner")
        assert one.json()["text"] == "Felt strong today"
        assert one.json()["can_delete"] is (persona == "owner")
    else:
        # A visitor is sent to log in first; anyone else told it is not there.
        assert shown.status_code == (302 if persona == "visitor" else 404)
        for answer in (comments, cheers, one):
            assert assert_error(answer, 404, "not_found") == assert_error(
                api.get("/results/987654321/comments"), 404, "not_found"
            )
    if persona != "visitor":
        # Nor can they cheer or comment on what they may not see.
        writer = bearer(user, "write")
        cheer = writer.call("PUT", f"/results/{result.pk}/cheers?kind=strong")
        comment = writer.post(f"/results/{result.pk}/comments", {"text": "hi"})
        expected = 200 if shown.status_code == 200 else 404
        assert cheer.status_code == expected
        assert comment.status_code == (201 if expected == 200 else 404)


def test_cheer_give_and_take_back(people: dict[str, Any], bearer: Callable[..., ApiClient]) -> None:
    result = finished_result(people["owner"], "clubs")
    api = bearer(people["clubmate"])

    for _ in range(2):  # giving twice is one cheer
        given = api.call("PUT", f"/results/{result.pk}/cheers?kind=pr")
        assert given.status_code == 200
        assert next(c for c in given.json() if c["kind"] == "pr") == {
            "kind": "pr",
            "label": "PR!",
            "count": 1,
            "mine": True,
        }
    assert Cheer.objects.filter(result=result).count() == 1
    taken = api.call("DELETE", f"/results/{result.pk}/cheers?kind=pr")
    assert taken.status_code == 200 and all(c["count"] == 0 for c in taken.json())
    assert_error(api.call("PUT", f"/results/{result.pk}/cheers?kind=boo"), 422, "invalid")


def test_comments_are_cleaned_and_limited_as_on_the_page(
    people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    result = finished_result(people["owner"], "public")
    api = bearer(people["stranger"])

    made = api.post(f"/results/{result.pk}/comments", {"text": "  Nice\u202e one\x00\r\n!  "})
    assert made.status_code == 201
    assert made.json()["text"] == "Nice one\n!" and made.json()["mine"] is True
    assert Comment.objects.get(pk=made.json()["id"]).text == "Nice one\n!"

    empty = assert_error(api.post(f"/results/{result.pk}/comments", {"text": "\u202e "}), 422)
    assert empty["field"] == "text"
    long = api.post(f"/results/{result.pk}/comments", {"text": "x" * (COMMENT_MAX_LENGTH + 1)})
    assert "500 characters" in assert_error(long, 422, "invalid")["message"]
    assert_error(api.post(f"/results/{result.pk}/comments", {"text": 5}), 422, "invalid")
    assert_error(api.post(f"/results/{result.pk}/comments", {"txt": "hi"}), 422, "invalid")


def test_too_many_comments_is_a_429_with_retry_after(
    people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    result = finished_result(people["owner"], "public")
    api = bearer(people["stranger"])
    answers = [
        api.post(f"/results/{result.pk}/comments", {"text": f"n{n}"}).status_code
        for n in range(social.COMMENTS_PER_WINDOW)
    ]
    assert answers == [201] * social.COMMENTS_PER_WINDOW
    refused = api.post(f"/results/{result.pk}/comments", {"text": "one more"})
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0


def test_deleting_a_comment_follows_the_pages_rule(
    people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    result = finished_result(people["owner"], "public")
    by_stranger = social.comment_add(author=people["stranger"], result_id=result.pk, text="a")
    by_clubmate = social.comment_add(author=people["clubmate"], result_id=result.pk, text="b")

    # Someone else's comment on someone else's result: refused, and kept.
    refused = bearer(people["stranger"]).call("DELETE", f"/comments/{by_clubmate.pk}")
    assert_error(refused, 403, "forbidden")
    assert_error(bearer(people["stranger"]).call("DELETE", "/comments/987654321"), 404)
    # Their own: gone; the result's owner may tidy any on their result.
    mine = bearer(people["stranger"]).call("DELETE", f"/comments/{by_stranger.pk}")
    assert mine.status_code == 204 and not mine.content
    owner = bearer(people["owner"]).call("DELETE", f"/comments/{by_clubmate.pk}")
    assert owner.status_code == 204
    assert not Comment.objects.filter(result=result).exists()
    # A visitor cannot delete anything.
    assert_error(ApiClient(Client()).call("DELETE", f"/comments/{by_clubmate.pk}"), 401)


def test_a_read_token_cannot_cheer_or_comment(
    people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    result = finished_result(people["owner"], "public")
    comment = social.comment_add(author=people["stranger"], result_id=result.pk, text="mine")
    api = bearer(people["stranger"], "read")

    for method, path, body in (
        ("PUT", f"/results/{result.pk}/cheers?kind=cheer", None),
        ("DELETE", f"/results/{result.pk}/cheers?kind=cheer", None),
        ("POST", f"/results/{result.pk}/comments", {"text": "hello"}),
        ("DELETE", f"/comments/{comment.pk}", None),
    ):
        assert_error(api.call(method, path, body), 403, "read_only_token")
    assert not Cheer.objects.exists()
    assert list(Comment.objects.values_list("text", flat=True)) == ["mine"]
