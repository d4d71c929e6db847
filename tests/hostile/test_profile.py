"""The profile door: the display name a runner gives themselves, and every page
and card that shows it to them and to others — the boards, the result page,
the public share page and its Open Graph tags, the comments, the club page,
a clubmate's notifications, the home and settings pages.

Accepted names lose their control characters and are shown as text, isolated
in ``<bdi>`` so that nothing in a name reorders the text around it; refused
names get a sentence and write nothing.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from runstrong import text
from runstrong.community import services as social
from runstrong.community.models import Comment
from runstrong.workouts.models import Result
from tests.community.share_helpers import parse
from tests.community.social_helpers import finished
from tests.hostile.conftest import (
    JS_LINK,
    RLO,
    RUNNER_WOMAN,
    SCRIPT,
    assert_no_markup,
    assert_site_page,
    browser,
    csrf_token,
    text_of,
)

pytestmark = pytest.mark.usefixtures("catalog_synced")

User = get_user_model()
EXPIRED = "For your safety the form was refused: it had no valid security token."
BREAKER = '"><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class Name:
    """The name written in the profile form; the status and sentence answered; what is stored."""

    case: str
    written: str
    status: int
    sentence: str
    stored: str | None = None
    forged: bool = False


# fmt: off
NAMES = [
    Name("script", SCRIPT, 302, "Profile saved.", SCRIPT),
    Name("javascript: link", JS_LINK, 302, "Profile saved.", JS_LINK),
    Name("attribute breaker", BREAKER, 302, "Profile saved.", BREAKER),
    Name("template braces", "{{ 7|add:7 }} {% now 'Y' %}", 302, "Profile saved.", "{{ 7|add:7 }} {% now 'Y' %}"),
    Name("RTL override", f"Alex{RLO} R.", 302, "Profile saved.", "Alex R."),
    Name("right-to-left script", "سارة", 302, "Profile saved.", "سارة"),
    Name("emoji", f"{RUNNER_WOMAN} Alex", 302, "Profile saved.", f"{RUNNER_WOMAN} Alex"),
    Name("10,000 characters", "n" * 10_000, 422, "Ensure this value has at most 60 characters (it has 10000)."),
    Name("only invisible characters", f"{RLO}\u200f\x07", 422, "Write a name people can read: this one has only invisible characters."),
    Name("a NUL", "Al\x00ex", 422, "Null characters are not allowed."),
    Name("forged CSRF token", "Alex", 403, EXPIRED, forged=True),
]
# fmt: on


def profile_form(name: str, token: str) -> dict[str, str]:
    return {
        "display_name": name,
        "units": "km",
        "sex": "",
        "birth_year": "",
        "default_privacy": "public",
        "csrfmiddlewaretoken": token,
    }


@dataclass(frozen=True)
class Stage:
    """Somewhere for the athlete's name to appear: a public result on the
    board, a comment on a clubmate's result (and its notification), a club."""

    result: Result
    clubmate_result: Result
    club_slug: str


def set_the_stage(athlete: Any, stranger: Any) -> Stage:
    result = finished(athlete, "public")
    clubmate_result = finished(stranger, "public", day=1)
    club = social.club_create(creator=athlete, name="Tuesday Track")
    social.club_join(athlete=stranger, token=club.invite_token)
    social.comment_add(author=athlete, result_id=clubmate_result.pk, text="Strong finish!")
    return Stage(result, clubmate_result, club.slug)


# Each page that shows the athlete's name, and who looks at it.
PAGES: dict[str, tuple[str, Callable[[Stage], str]]] = {
    "board row": ("stranger", lambda stage: "/boards/runners-250/"),
    "result page": ("stranger", lambda stage: f"/results/{stage.result.pk}/"),
    "share page": ("visitor", lambda stage: f"/r/{stage.result.pk}/"),
    "comment": ("stranger", lambda stage: f"/results/{stage.clubmate_result.pk}/"),
    "notification": ("stranger", lambda stage: "/notifications/"),
    "club page": ("stranger", lambda stage: f"/clubs/{stage.club_slug}/"),
    "home": ("athlete", lambda stage: "/"),
    "me": ("athlete", lambda stage: "/accounts/me/"),
    "profile form": ("athlete", lambda stage: "/accounts/profile/"),
}


@pytest.mark.parametrize("name", NAMES, ids=[name.case for name in NAMES])
def test_a_display_name(athlete: Any, stranger: Any, ledger_factory: Any, name: Name) -> None:
    stage = set_the_stage(athlete, stranger)
    before_name = athlete.display_name
    client = browser(athlete)
    token = "f" * 64 if name.forged else csrf_token(client)
    ledger = ledger_factory()

    response = client.post("/accounts/profile/", profile_form(name.written, token))

    assert response.status_code == name.status
    assert ledger.changed() == {} and ledger.new_files() == set()  # a name is changed in place
    athlete.refresh_from_db()
    if name.stored is None:
        assert_site_page(response, name.status, name.sentence)
        assert athlete.display_name == before_name
        return
    assert name.sentence in text_of(client.get(response["Location"]))
    assert athlete.display_name == name.stored
    markup = [name.written] if "<" in name.written else []
    viewers = {"athlete": client, "stranger": browser(stranger), "visitor": browser()}
    for page, (who, url) in PAGES.items():
        response = viewers[who].get(url(stage))
        assert response.status_code == 200, page
        html = response.content.decode()
        assert_no_markup(html, *markup)
        assert escape(name.stored) in html, page  # shown whole, as written
    # The share page's tags, as a link preview reads them: the name whole, as text.
    tags = parse(viewers["visitor"].get(f"/r/{stage.result.pk}/").content).open_graph()
    titles = [key for key in ("og:title", "twitter:title") if key in tags]
    assert "og:title" in titles
    for key in titles:
        assert tags[key][0].startswith(f"{name.stored}: "), key
    card = viewers["visitor"].get(f"/r/{stage.result.pk}/card.png")
    assert card.status_code == 200 and card["Content-Type"] == "image/png"


# ---------------------------------------------------------------------------
# Moved from tests/test_hostile_text.py.
#
# Text people write: control characters and direction overrides stripped, by
# the one rule names, comments and clubs follow (runstrong.text).


@pytest.mark.parametrize(
    ("written", "line", "block"),
    [
        (f"Ann{RLO} Lee", "Ann Lee", "Ann Lee"),
        ("\x00Ann\x07 Lee\x1b[0m", "Ann Lee[0m", "Ann Lee[0m"),
        ("Ann\r\nLee\t", "Ann Lee", "Ann\nLee"),
        ("Ann\u2066 Lee\u2069\u200f", "Ann Lee", "Ann Lee"),
        (f"{RUNNER_WOMAN} Ann", f"{RUNNER_WOMAN} Ann", f"{RUNNER_WOMAN} Ann"),
        ("سارة\u00a0 Lee", "سارة Lee", "سارة\u00a0 Lee"),
    ],
)
def test_user_text_keeps_what_was_meant(written: str, line: str, block: str) -> None:
    assert text.clean_line(written) == line
    assert text.clean_block(written) == block


@pytest.mark.django_db
def test_a_profile_name_loses_its_direction_override(athlete_client: Client, athlete: Any) -> None:
    response = athlete_client.post(
        "/accounts/profile/",
        {
            "display_name": f"Alex{RLO} R.",
            "units": "km",
            "sex": "",
            "birth_year": "",
            "default_privacy": "public",
        },
    )

    assert response.status_code == 302
    athlete.refresh_from_db()
    assert athlete.display_name == "Alex R."


# Names already stored before the rule (or written some other way) are
# isolated where they are shown, and so are right-to-left names: in <bdi>,
# nothing in a name reorders the text around it.
RTL_NAME = "سارة"  # Sara, in Arabic script
STORED_WITH_OVERRIDE = f"{RLO}Sara"


def isolated_on(page: str, name: str) -> str:
    return {
        "board row": f'<th scope="row"><bdi>{name}</bdi></th>',
        "result page": f'<strong class="result-athlete"><bdi>{name}</bdi></strong>',
        "share page": f'<h1><bdi class="athlete">{name}</bdi>: <bdi>Runner&#x27;s 250</bdi></h1>',
        "comment": f'<p class="comment-meta"><strong><bdi>{name}</bdi></strong>',
    }[page]


URLS: dict[str, Callable[[Result], str]] = {
    "board row": lambda result: "/boards/runners-250/",
    "result page": lambda result: f"/results/{result.pk}/",
    "share page": lambda result: f"/r/{result.pk}/",
    "comment": lambda result: f"/results/{result.pk}/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", [RTL_NAME, STORED_WITH_OVERRIDE])
@pytest.mark.parametrize("page", list(URLS))
def test_a_right_to_left_name_is_isolated_beside_other_text(
    page: str, name: str, client: Client
) -> None:
    runner = User.objects.create_user("sara", "sara@example.com", "pw", display_name=name)
    result = finished(runner, "public")
    if page == "comment":
        Comment.objects.create(result=result, author=runner, text="Thanks!")
    viewer = User.objects.create_user("sam", "sam@example.com", "pw")
    client.force_login(viewer)

    response = client.get(URLS[page](result))

    assert response.status_code == 200
    assert isolated_on(page, name) in response.content.decode()
