"""Who sees a result through which door, for every privacy level: one test per cell.

Personas: the athlete who owns the result, a clubmate (in a club with the
athlete), a stranger (logged in, in no club), a visitor (not logged in) and a
moderator (staff, in no club: outside the Django admin's moderation queue a
moderator sees what a stranger sees). Doors: the result page, the JSON API,
the public page and its card, the public board, the club board, the club
feed, and the Open Graph / Twitter tags of every page a persona can open.

Whatever the door, a result that is not public never gets a card drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from runstrong.community import services as social
from runstrong.community.models import Club, ShareCard
from runstrong.workouts.models import Result
from tests.community.share_helpers import SHOWN_TIME, Page, parse, result_with

PERSONAS = ("athlete", "clubmate", "stranger", "visitor", "moderator")
VISIBILITIES = ("public", "clubs", "private")
DOORS = (
    "result-page",
    "api",
    "public-page",
    "card",
    "board",
    "club-board",
    "club-feed",
    "open-graph",
)

SEE = "sees it"
HIDDEN = "gets nothing"
OWN_PAGE = "is sent to the result page"

ATHLETE_NAME = "Alex Quinnell"


def expected(door: str, visibility: str, persona: str) -> str:
    owner = persona == "athlete"
    member = persona in ("athlete", "clubmate")
    may_see = owner or visibility == "public" or (visibility == "clubs" and persona == "clubmate")
    if door in ("result-page", "api"):
        return SEE if may_see else HIDDEN
    if door == "public-page":
        # Only a public result has a public page, whoever asks; its athlete
        # is sent to the normal result page instead.
        if visibility == "public":
            return SEE
        return OWN_PAGE if owner else HIDDEN
    if door in ("card", "board", "open-graph"):
        return SEE if visibility == "public" else HIDDEN
    if door == "club-board":
        # Public and club-only results rank on the club board; it is for members only.
        return SEE if member and visibility != "private" else HIDDEN
    if door == "club-feed":
        return SEE if member and may_see else HIDDEN
    raise AssertionError(door)


CELLS = [
    pytest.param(door, visibility, persona, id=f"{door}-{visibility}-{persona}")
    for door in DOORS
    for visibility in VISIBILITIES
    for persona in PERSONAS
]


@dataclass
class World:
    result: Result
    club: Club
    clients: dict[str, Client]


@pytest.fixture
def world(catalog_synced: None, django_user_model: Any, request: pytest.FixtureRequest) -> World:
    def user(name: str, **extra: Any) -> Any:
        return django_user_model.objects.create_user(
            name, f"{name}@example.com", "a long enough passphrase", **extra
        )

    athlete = user("alex", display_name=ATHLETE_NAME)
    clubmate = user("casey", display_name="Casey Clubmate")
    stranger = user("sam", display_name="Sam Stranger")
    moderator = user("morgan", display_name="Morgan Moderator", is_staff=True)
    club = social.club_create(creator=athlete, name="Hill Repeaters")
    social.club_join(athlete=clubmate, token=club.invite_token)

    visibility = request.node.callspec.params["visibility"]
    result = result_with(athlete, visibility)

    clients: dict[str, Client] = {"visitor": Client()}
    for name, person in (
        ("athlete", athlete),
        ("clubmate", clubmate),
        ("stranger", stranger),
        ("moderator", moderator),
    ):
        clients[name] = Client()
        clients[name].force_login(person)
    return World(result=result, club=club, clients=clients)


def html_doors(world: World) -> dict[str, str]:
    result_id = world.result.pk
    board = "/boards/runners-250/?period=all"
    return {
        "result-page": f"/results/{result_id}/",
        "public-page": f"/r/{result_id}/",
        "board": board,
        "club-board": f"{board}&club={world.club.slug}",
        "club-feed": f"/clubs/{world.club.slug}/",
    }


def mentions_result(page: Page, result: Result) -> bool:
    """Whether the page shows this result: its time, or a link to it."""
    hrefs = {link.get("href", "") for link in page.links}
    return (
        SHOWN_TIME in page.visible_text
        or f"/results/{result.pk}/" in hrefs
        or f"/r/{result.pk}/" in hrefs
    )


def check_html_door(client: Client, url: str, outcome: str, persona: str, result: Result) -> None:
    response = client.get(url)
    if outcome == SEE:
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert mentions_result(parse(response.content), result), f"{url} does not show it"
        return
    if outcome == OWN_PAGE:
        assert response.status_code == 302
        assert response["Location"] == f"/results/{result.pk}/"
        return
    assert response.status_code != 500
    if response.status_code == 200:
        # A page that exists for this persona (a board) must simply not list it.
        assert not mentions_result(parse(response.content), result), f"{url} shows it"
        return
    login = reverse("accounts:login")
    to_login = response.status_code == 302 and response["Location"].startswith(login)
    # Asking a visitor to log in says nothing about the result; anyone else
    # gets the same 404 as for a result that does not exist.
    assert response.status_code == 404 or (persona == "visitor" and to_login), (
        f"{url}: {response.status_code}"
    )


def check_api(client: Client, outcome: str, result: Result) -> None:
    response = client.get(f"/api/v1/results/{result.pk}")
    if outcome == SEE:
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == result.pk
        assert body["total_ms"] == result.total_ms
        return
    assert response.status_code == 404
    assert str(result.total_ms) not in response.content.decode()
    missing = client.get("/api/v1/results/999999")
    assert response.content == missing.content, "a hidden result must read like a missing one"


def check_card(client: Client, outcome: str, result: Result) -> None:
    response = client.get(f"/r/{result.pk}/card.png")
    if outcome == SEE:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        return
    assert response.status_code == 404


def check_open_graph(client: Client, outcome: str, world: World) -> None:
    """Gather the link-preview tags of every page this persona can open."""
    result = world.result
    tags: dict[str, list[str]] = {}
    for url in html_doors(world).values():
        response = client.get(url, follow=True)
        if response.status_code == 200:
            for key, values in parse(response.content).open_graph().items():
                tags.setdefault(key, []).extend(values)
    public_url = f"http://testserver/r/{result.pk}/"
    if outcome == SEE:
        assert public_url in tags.get("og:url", [])
        assert tags.get("twitter:card") == ["summary_large_image"]
        return
    leaked = [
        f"{key}={value}"
        for key, values in tags.items()
        for value in values
        if f"/r/{result.pk}/" in value
        or f"/results/{result.pk}/" in value
        or ATHLETE_NAME in value
        or SHOWN_TIME in value
    ]
    assert leaked == []


@pytest.mark.parametrize(("door", "visibility", "persona"), CELLS)
def test_door(world: World, door: str, visibility: str, persona: str) -> None:
    outcome = expected(door, visibility, persona)
    client = world.clients[persona]
    if door == "api":
        check_api(client, outcome, world.result)
    elif door == "card":
        check_card(client, outcome, world.result)
    elif door == "open-graph":
        check_open_graph(client, outcome, world)
    else:
        check_html_door(client, html_doors(world)[door], outcome, persona, world.result)
    if visibility != "public":
        assert not ShareCard.objects.exists(), "a card was drawn for a result that is not public"


def test_matrix_covers_every_door_level_and_persona() -> None:
    assert len(CELLS) == len(DOORS) * len(VISIBILITIES) * len(PERSONAS)
