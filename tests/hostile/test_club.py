"""The club door: a club's name and description as its creator writes them.

Accepted text loses its control characters and is shown as text on every page
that shows it (the clubs list, the club page, the invite page a stranger opens,
the boards' club filter); refused text gets a sentence and writes nothing.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from runstrong.community.models import Club
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

EXPIRED = "For your safety the form was refused: it had no valid security token."
HTML_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
HTML_JS_LINK = "&lt;a href=&quot;javascript:alert(1)&quot;&gt;me&lt;/a&gt;"
CREATED = {"community.Club": 1, "community.Membership": 1}


@dataclass(frozen=True)
class Named:
    """The name and description sent; the status and sentence answered; what is stored."""

    case: str
    name: str
    description: str
    status: int
    sentence: str
    stored: tuple[str, str] | None = None
    forged: bool = False


# fmt: off
NAMED = [
    Named("script and javascript: link", SCRIPT, JS_LINK, 302, f"{HTML_SCRIPT} is ready.", (SCRIPT, JS_LINK)),
    Named("javascript: link as the name", JS_LINK, SCRIPT, 302, f"{HTML_JS_LINK} is ready.", (JS_LINK, SCRIPT)),
    Named("attribute breaker", '"><img src=x onerror=alert(1)>', "", 302, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; is ready.", ('"><img src=x onerror=alert(1)>', "")),
    Named("RTL override and bell", f"Hill{RLO} Heroes\x07", f"Thursdays{RLO}\r\nhills", 302, "Hill Heroes is ready.", ("Hill Heroes", "Thursdays\nhills")),
    Named("emoji", f"{RUNNER_WOMAN} Club", "🏔️", 302, f"{RUNNER_WOMAN} Club is ready.", (f"{RUNNER_WOMAN} Club", "🏔️")),
    Named("punctuation only", "!!!", "", 302, "!!! is ready.", ("!!!", "")),
    Named("10,000-character name", "c" * 10_000, "", 422, "Ensure this value has at most 80 characters (it has 10000)."),
    Named("10,000-character description", "Hills", "d" * 10_000, 422, "Ensure this value has at most 1000 characters (it has 10000)."),
    Named("only invisible characters", f"{RLO}\u200f\x07", "", 422, "Give the club a name."),
    Named("a NUL", "Hill\x00s", "", 422, "Null characters are not allowed."),
    Named("forged CSRF token", "Hills", "", 403, EXPIRED, forged=True),
]
# fmt: on


def club_pages(club: Club) -> list[str]:
    return ["/clubs/", f"/clubs/{club.slug}/", "/boards/runners-250/", "/"]


@pytest.mark.parametrize("named", NAMED, ids=[named.case for named in NAMED])
def test_a_club(athlete: Any, stranger: Any, ledger_factory: Any, named: Named) -> None:
    finished(athlete, "public")  # a board to show the club filter on
    client = browser(athlete)
    token = "f" * 64 if named.forged else csrf_token(client)
    ledger = ledger_factory()

    response = client.post(
        "/clubs/",
        {"name": named.name, "description": named.description, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == named.status
    if named.stored is None:
        assert_site_page(response, named.status, named.sentence)
        ledger.assert_untouched()
        return
    page = client.get(response["Location"])
    assert named.sentence in text_of(page)
    assert ledger.changed() == CREATED and ledger.new_files() == set()
    club = Club.objects.get()
    assert (club.name, club.description) == named.stored
    assert club.slug  # an address even for a name with no letters
    markup = [text for text in (named.name, named.description) if "<" in text]
    for url in club_pages(club):
        shown = client.get(url)
        assert shown.status_code == 200, url
        assert_no_markup(shown.content.decode(), *markup)
    # The invite page, as the stranger who was sent the link sees it.
    invited = browser(stranger).get(f"/clubs/join/{club.invite_token}/")
    assert invited.status_code == 200
    assert_no_markup(invited.content.decode(), *markup)


def test_a_made_up_invite_says_the_link_does_not_work(stranger: Any, ledger_factory: Any) -> None:
    client = browser(stranger)
    ledger = ledger_factory()

    response = client.get("/clubs/join/%3Cscript%3Ealert(1)/")

    assert_site_page(response, 404, "This invite link does not work")
    assert "<script>alert(1)" not in response.content.decode()
    ledger.assert_untouched()


# ---------------------------------------------------------------------------
# Moved from tests/test_hostile_text.py.


@pytest.mark.django_db
def test_a_club_name_and_description_lose_their_control_characters(
    athlete_client: Client,
) -> None:
    response = athlete_client.post(
        "/clubs/", {"name": f"Hill{RLO} Heroes\x07", "description": f"Thursdays{RLO}\r\nhills"}
    )

    club = Club.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clubs/{club.slug}/"
    assert (club.name, club.description) == ("Hill Heroes", "Thursdays\nhills")
