"""Every door's address: an id in a URL beyond the database's range is no
address of ours, answered with the site's 404 page (or the API's JSON), never a
500 from the database (moved from tests/test_hostile_requests.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from runstrong.community import services as social
from runstrong.converters import IdConverter
from runstrong.workouts.models import Result
from tests.hostile.conftest import assert_api_error, browser, csrf_token, row_counts, text_of

pytestmark = pytest.mark.usefixtures("catalog_synced")

LARGEST_ID = 2**63 - 1  # the largest a BigAutoField holds
NOT_FOUND_PAGE = "There is nothing at this address."

# Every URL that takes a database id: the id's name, the method that reaches
# its lookup and the form it sends (the club member's URL also takes the slug
# of the athlete's club).
ID_URLS: dict[str, tuple[str, str, dict[str, str]]] = {
    "community:result": ("result_id", "GET", {}),
    "community:cheer": ("result_id", "POST", {"kind": "strong", "on": "yes"}),
    "community:comment_add": ("result_id", "POST", {"text": "Well run"}),
    "community:visibility": ("result_id", "POST", {"visibility": "public"}),
    "community:boards": ("result_id", "POST", {"on_boards": "yes"}),
    "community:flag": ("result_id", "POST", {"reason": "too-fast"}),
    "community:comment_edit": ("comment_id", "POST", {"text": "Edited"}),
    "community:comment_delete": ("comment_id", "POST", {}),
    "community:club_member_remove": ("athlete_id", "POST", {}),
    "community_share:result": ("result_id", "GET", {}),
    "community_share:card": ("result_id", "GET", {}),
    "runs:import": ("batch_id", "GET", {}),
    "runs_analysis:run": ("activity_id", "GET", {}),
    "runs_analysis:sport": ("activity_id", "POST", {"sport": "running"}),
    "runs_analysis:delete": ("activity_id", "POST", {}),
    "plans:move": ("item_id", "POST", {"to": "2030-01-01"}),
    "plans:skip": ("item_id", "POST", {"reason": "Away"}),
    "plans:start": ("item_id", "POST", {}),
    "api-v1:result_detail": ("result_id", "GET", {}),
    "api-v1:result_change": ("result_id", "PATCH", {"visibility": "public"}),
    # Beyond the id range, no address of the API matches whatever the method.
    "api-v1:cheer_list": ("result_id", "GET", {}),
    "api-v1:cheer_give": ("result_id", "GET", {}),
    "api-v1:cheer_take_back": ("result_id", "GET", {}),
    "api-v1:comment_list": ("result_id", "GET", {}),
    "api-v1:comment_create": ("result_id", "GET", {}),
    "api-v1:comment_detail": ("comment_id", "GET", {}),
    "api-v1:comment_remove": ("comment_id", "GET", {}),
    "api-v1:run_detail": ("activity_id", "GET", {}),
}
BEYOND_IDS = [LARGEST_ID, LARGEST_ID + 1, 2**64, 10**30]
SENTINEL_ID = 987_654_321


def every_url_pattern(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each pattern's full name and the converters of its whole route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        converters = dict(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, more in every_url_pattern(entry, inner):
                yield name, {**converters, **more}
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", converters


def test_every_id_in_a_url_is_bounded_to_the_database_range() -> None:
    patterns = list(every_url_pattern())
    unbounded = [
        name for name, converters in patterns if IntConverter in map(type, converters.values())
    ]
    with_ids = {
        name for name, converters in patterns if IdConverter in map(type, converters.values())
    }

    assert unbounded == []
    assert with_ids == set(ID_URLS), "add the new URL to ID_URLS"


@pytest.mark.parametrize("url_name", ID_URLS)
@pytest.mark.parametrize("number", BEYOND_IDS, ids=["2^63-1", "2^63", "2^64", "10^30"])
def test_an_id_beyond_the_database_range_is_a_404(
    athlete: Any, result: Result, url_name: str, number: int
) -> None:
    club = social.club_create(creator=athlete, name="Tuesday Track")
    id_name, method, data = ID_URLS[url_name]
    kwargs: dict[str, Any] = {id_name: SENTINEL_ID}
    if url_name == "community:club_member_remove":
        kwargs["slug"] = club.slug
    url = reverse(url_name, kwargs=kwargs).replace(str(SENTINEL_ID), str(number))
    client = browser(athlete)
    before = row_counts()

    if method == "GET":
        response = client.get(url)
    elif method == "PATCH":  # the JSON API
        response = client.patch(
            url, data, content_type="application/json", headers={"X-CSRFToken": csrf_token(client)}
        )
    else:
        response = client.post(url, {**data, "csrfmiddlewaretoken": csrf_token(client)})

    assert response.status_code == 404
    if url.startswith("/api/"):
        assert_api_error(response, 404, "not_found")
    else:
        assert NOT_FOUND_PAGE in text_of(response)
    assert row_counts() == before
