"""Boards through /api/v1/boards: the page's filters, order and cursors, and who sees
which board and which result on it, exactly as on /boards/."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.api_base import RENDERER
from runstrong.community import board_cache, services
from runstrong.community.models import Club
from tests.api.conftest import ApiClient, assert_error
from tests.community.test_boards import posted, runner

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "clubmate", "stranger", "visitor")
ROW_NAME = re.compile(r'<th scope="row"><bdi>(.*?)</bdi></th>')


def page_names(client: Client, query: str) -> tuple[int, list[str]]:
    response = client.get(f"/boards/runners-250/{query}", headers={"HX-Request": "true"})
    names = [html.unescape(name) for name in ROW_NAME.findall(response.content.decode())]
    return response.status_code, names


def test_the_board_pages_through_the_same_cursors_as_the_page(
    bearer: Callable[..., ApiClient], athlete: Any
) -> None:
    runners = [runner(f"Runner {n:02}") for n in range(30)]
    for n, person in enumerate(runners):
        posted(person, seconds=600 + 7 * n)
    api = bearer(athlete, "read")

    first = api.get("/boards/runners-250").json()
    assert first["total"] == 30 and first["program"]["slug"] == "runners-250"
    assert [row["rank"] for row in first["rows"]] == list(range(1, 26))
    assert first["rows"][0]["athlete"]["display_name"] == "Runner 00"
    assert first["next_cursor"]
    # The page's own "next" link carries the same cursor.
    page = Client().get("/boards/runners-250/").content.decode()
    assert f"after={first['next_cursor']}" in html.unescape(page)

    second = api.get(f"/boards/runners-250?after={first['next_cursor']}").json()
    assert [row["rank"] for row in second["rows"]] == list(range(26, 31))
    assert second["next_cursor"] is None
    shown = [row["athlete"]["display_name"] for row in first["rows"] + second["rows"]]
    assert shown == [f"Runner {n:02}" for n in range(30)]
    # A garbled cursor starts at the top, as the page does.
    top = api.get("/boards/runners-250?after=not-a-cursor").json()
    assert top["rows"] == first["rows"]


@pytest.mark.parametrize(
    "query",
    ["", "?sex=f", "?sex=m&age=30-34", "?period=week", "?way=scaled", "?age=16-24"],
)
def test_filters_choose_the_rows_the_page_shows(query: str, visitor_api: ApiClient) -> None:
    posted(runner("Fay", sex="f", birth_year=1994), seconds=700)
    posted(runner("Max", sex="m", birth_year=1994), seconds=650)
    posted(runner("Ian", sex="m", birth_year=2008), seconds=800)
    posted(runner("Sue", sex="f", birth_year=1970), seconds=750, scaled=True)

    status, names = page_names(Client(), query)
    answer = visitor_api.get(f"/boards/runners-250{query}")

    assert status == answer.status_code == 200
    assert [row["athlete"]["display_name"] for row in answer.json()["rows"]] == names


@pytest.mark.parametrize("visibility", ["public", "clubs", "private"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_a_result_on_a_board_matches_the_page(
    persona: str,
    visibility: str,
    athlete: Any,
    clubmate: Any,
    stranger: Any,
    club: Club,
    bearer: Callable[..., ApiClient],
) -> None:
    athlete.display_name = "Owner Olga"
    athlete.save()
    posted(athlete, seconds=640, visibility=visibility)
    people = {"owner": athlete, "clubmate": clubmate, "stranger": stranger, "visitor": None}
    user = people[persona]
    page = Client()
    api = ApiClient(Client())
    if user is not None:
        page.force_login(user)
        api = bearer(user, "read")

    for query in ("", f"?club={club.slug}"):
        status, names = page_names(page, query)
        answer = api.get(f"/boards/runners-250{query}")
        assert answer.status_code == status
        if status == 200:
            listed = [row["athlete"]["display_name"] for row in answer.json()["rows"]]
            assert listed == names
            on_board = visibility == "public" or (visibility == "clubs" and bool(query))
            assert ("Owner Olga" in listed) is on_board
        else:
            # A club board the caller is not in reads like one that is not there.
            assert persona in {"stranger", "visitor"} and query
            assert_error(answer, 404, "not_found")
    if user is athlete and visibility == "public":
        you = api.get("/boards/runners-250").json()["you"]
        assert you["row"]["mine"] and you["row"]["rank"] == 1


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?sex=x", 422, "sex"),
        ("?age=99-100", 422, "age"),
        ("?period=decade", 422, "period"),
        ("?way=easy", 422, "way"),
        ("?after=" + "x" * 500, 422, "after"),
        ("?club=not-my-club", 404, None),
    ],
)
def test_bad_filters_are_refused_in_the_one_shape(
    query: str, status: int, field: str | None, visitor_api: ApiClient
) -> None:
    body = assert_error(visitor_api.get(f"/boards/runners-250{query}"), status)
    assert body["field"] == field


def test_a_missing_program_is_a_404(visitor_api: ApiClient) -> None:
    assert_error(visitor_api.get("/boards/no-such-program"), 404, "not_found")
    assert_error(visitor_api.get("/boards/Not_A_Slug"), 422, "invalid")
    slugs = [program["slug"] for program in visitor_api.get("/boards").json()]
    assert "runners-250" in slugs


def test_a_visitors_answer_is_kept_whole_only_while_the_board_stands(
    visitor_api: ApiClient, bearer: Callable[..., ApiClient], athlete: Any
) -> None:
    posted(runner("Ann"), seconds=700)
    first = visitor_api.get("/boards/runners-250?period=all")
    assert first.status_code == 200
    # Kept: the same bytes as worked out afresh, and as ninja writes any answer.
    board_cache.ANSWERS.clear()
    assert visitor_api.get("/boards/runners-250?period=all").content == first.content
    assert visitor_api.get("/boards/runners-250?period=all").content == first.content
    assert first["Content-Type"] == visitor_api.get("/boards")["Content-Type"]
    assert first["Cache-Control"] == "no-store"

    posted(runner("Bob"), seconds=650)  # the board moves: the kept answer is stale
    rows = visitor_api.get("/boards/runners-250").json()["rows"]
    assert [row["athlete"]["display_name"] for row in rows] == ["Bob", "Ann"]

    # A caller's answer is their own, never a visitor's kept one: it has their
    # place, and it moves when they post.
    athlete.display_name = "Cat"
    athlete.save()
    api = bearer(athlete, "read")
    assert api.get("/boards/runners-250").json()["you"] is None
    posted(athlete, seconds=680, visibility="public")
    mine = api.get("/boards/runners-250")
    you = mine.json()["you"]
    assert you["row"]["mine"] and you["row"]["rank"] == 2
    # Written as ninja writes every other answer (its renderer's spacing and
    # escapes), though the board renders its own.
    assert mine.content.decode() == RENDERER.render(None, mine.json(), response_status=200)
    assert mine["Content-Type"] == first["Content-Type"]
    assert visitor_api.get("/boards/runners-250").json()["you"] is None
    posted(athlete, seconds=600, visibility="public")
    assert api.get("/boards/runners-250").json()["you"]["row"]["rank"] == 1


def test_a_club_board_drops_a_member_who_left(
    bearer: Callable[..., ApiClient], athlete: Any, clubmate: Any, club: Club
) -> None:
    clubmate.display_name = "Dee"
    clubmate.save()
    posted(clubmate, seconds=650, visibility="clubs")
    api = bearer(athlete, "read")
    rows = api.get(f"/boards/runners-250?club={club.slug}").json()["rows"]
    assert [row["athlete"]["display_name"] for row in rows] == ["Dee"]

    services.club_leave(athlete=clubmate, slug=club.slug)

    rows = api.get(f"/boards/runners-250?club={club.slug}").json()["rows"]
    assert rows == []
