"""Who sees a result through /api/v1/, for every persona and privacy level: exactly
what the result page shows them (community/access.py's rule)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from runstrong.community.models import Club
from runstrong.workouts.models import Result
from tests.api.conftest import ApiClient, assert_error, finished_result

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "clubmate", "stranger", "visitor")
VISIBILITIES = ("public", "clubs", "private")


@pytest.fixture
def people(athlete: Any, clubmate: Any, stranger: Any, club: Club) -> dict[str, Any]:
    return {"owner": athlete, "clubmate": clubmate, "stranger": stranger, "visitor": None}


def page_and_api(
    persona: str, people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> tuple[Client, ApiClient]:
    user = people[persona]
    page = Client()
    if user is None:
        return page, ApiClient(Client())
    page.force_login(user)
    return page, bearer(user, "read")


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_a_result_reads_through_the_api_as_on_its_page(
    persona: str,
    visibility: str,
    people: dict[str, Any],
    bearer: Callable[..., ApiClient],
) -> None:
    result = finished_result(people["owner"], visibility)
    page, api = page_and_api(persona, people, bearer)

    shown = page.get(f"/results/{result.pk}/").status_code == 200
    answer = api.get(f"/results/{result.pk}")

    may_see = (
        persona == "owner"
        or visibility == "public"
        or (visibility == "clubs" and persona == "clubmate")
    )
    assert shown is may_see
    if may_see:
        assert answer.status_code == 200
        body = answer.json()
        assert body["id"] == result.pk and body["visibility"] == visibility
        assert body["mine"] is (persona == "owner")
        assert body["athlete"]["display_name"] == people["owner"].shown_name
    else:
        # Exactly like a result that does not exist.
        hidden = assert_error(answer, 404, "not_found")
        missing = assert_error(api.get("/results/987654321"), 404, "not_found")
        assert hidden == missing


@pytest.mark.parametrize("persona", ["clubmate", "stranger"])
def test_the_list_holds_only_the_callers_own_results(
    persona: str, people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    for visibility in VISIBILITIES:
        finished_result(people["owner"], visibility)
    own = finished_result(people[persona], "private")

    listed = bearer(people[persona], "read").get("/results").json()

    assert [item["id"] for item in listed["items"]] == [own.pk]
    owner_list = bearer(people["owner"], "read").get("/results").json()
    assert len(owner_list["items"]) == 3 and own.pk not in {i["id"] for i in owner_list["items"]}


def test_only_the_owner_changes_who_sees_a_result(
    people: dict[str, Any], bearer: Callable[..., ApiClient]
) -> None:
    result = finished_result(people["owner"], "public")

    for persona in ("clubmate", "stranger"):
        refused = bearer(people[persona]).patch(f"/results/{result.pk}", {"visibility": "private"})
        assert_error(refused, 404, "not_found")
    result.refresh_from_db()
    assert result.visibility == "public"

    changed = bearer(people["owner"]).patch(f"/results/{result.pk}", {"visibility": "clubs"})
    assert changed.status_code == 200 and changed.json()["visibility"] == "clubs"
    assert bearer(people["stranger"], "read").get(f"/results/{result.pk}").status_code == 404
    assert bearer(people["clubmate"], "read").get(f"/results/{result.pk}").status_code == 200


def test_the_list_pages_and_filters(athlete: Any, bearer: Callable[..., ApiClient]) -> None:
    made = [finished_result(athlete) for _ in range(5)]
    made.append(finished_result(athlete, program_slug="runners-500"))
    # Spread over days, newest last made.
    today = timezone.now()
    for days_ago, result in zip(range(len(made), 0, -1), made, strict=True):
        Result.objects.filter(pk=result.pk).update(started_at=today - timedelta(days=days_ago))
    api = bearer(athlete, "read")

    first = api.get("/results?page_size=4").json()
    second = api.get("/results?page_size=4&page=2").json()
    assert [item["id"] for item in first["items"] + second["items"]] == [r.pk for r in made][::-1]
    assert first["next_page"] == 2 and second["next_page"] is None

    only_500 = api.get("/results?program=runners-500").json()["items"]
    assert [item["id"] for item in only_500] == [made[-1].pk]
    since = (today - timedelta(days=3)).date().isoformat()
    until = (today - timedelta(days=2)).date().isoformat()
    window = api.get(f"/results?since={since}&until={until}").json()["items"]
    assert [item["id"] for item in window] == [made[4].pk, made[3].pk]
