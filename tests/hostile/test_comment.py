"""The comment door: what a runner writes under someone's result, posted as a
form or through htmx, and edited afterwards.

Accepted text is stored without control characters and shown as text on every
page that shows it (the result page, its comments partial, the owner's
notifications); refused text gets a sentence and writes nothing.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from runstrong.community.models import Comment, Flag
from runstrong.workouts.models import Result
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
    row_counts,
)

pytestmark = pytest.mark.usefixtures("catalog_synced")

TOO_LONG = "Keep it to 500 characters."
EMPTY = "Write something first: the comment is empty."
EXPIRED = "For your safety the form was refused: it had no valid security token."
NOT_FOUND = "There is nothing at this address."
HTML_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
HTML_JS_LINK = "&lt;a href=&quot;javascript:alert(1)&quot;&gt;me&lt;/a&gt;"


@dataclass(frozen=True)
class Written:
    """What the stranger writes and how it is sent; the status and the sentence
    the page answers with; what is stored (None: nothing) and how pages show it."""

    case: str
    text: str
    status: int
    sentence: str
    stored: str | None = None
    shown: str = ""
    how: str = "form"  # "htmx", "forged" (a token that is not the cookie's), "private", "edit"
    rows: dict[str, int] = field(default_factory=dict)


POSTED = {"community.Comment": 1, "community.Notification": 1}

# fmt: off
WRITTEN = [
    Written("script", SCRIPT, 302, HTML_SCRIPT, SCRIPT, HTML_SCRIPT, rows=POSTED),
    Written("javascript: link", JS_LINK, 302, HTML_JS_LINK, JS_LINK, HTML_JS_LINK, rows=POSTED),
    Written("bare javascript: URL", "javascript:alert(1)", 302, "javascript:alert(1)", "javascript:alert(1)", rows=POSTED),
    Written("script through htmx", SCRIPT, 200, "Comment posted.", SCRIPT, HTML_SCRIPT, how="htmx", rows=POSTED),
    Written("RTL override and emoji", f"Strong{RLO} finish {RUNNER_WOMAN}", 302, f"Strong finish {RUNNER_WOMAN}", f"Strong finish {RUNNER_WOMAN}", rows=POSTED),
    Written("control characters", "Well\x07 run\x1b[0m", 302, "Well run[0m", "Well run[0m", rows=POSTED),
    Written("a 1 MB comment", "m" * 1_000_000, 422, TOO_LONG),
    Written("10,000 characters", "k" * 10_000, 422, TOO_LONG),
    Written("10,000 characters through htmx", "k" * 10_000, 422, TOO_LONG, how="htmx"),
    Written("only invisible characters", f"{RLO}\u200f\x07", 422, EMPTY),
    Written("a NUL", "Well\x00 run", 422, "Null characters are not allowed."),
    Written("empty", "", 422, EMPTY),
    Written("forged CSRF token", "Well run", 403, EXPIRED, how="forged"),
    Written("on a result the writer cannot see", "Well run", 404, NOT_FOUND, how="private"),
    Written("script by editing", SCRIPT, 302, HTML_SCRIPT, SCRIPT, HTML_SCRIPT, how="edit"),
    Written("1 MB by editing", "m" * 1_000_000, 422, TOO_LONG, "Thanks!", how="edit"),
]
# fmt: on


def send(client: Client, written: Written, result: Result) -> Any:
    token = "f" * 64 if written.how == "forged" else csrf_token(client)
    form = {"text": written.text, "csrfmiddlewaretoken": token}
    headers = {"HX-Request": "true"} if written.how == "htmx" else {}
    url = f"/results/{result.pk}/comments/"
    if written.how == "edit":
        url = f"/comments/{Comment.objects.get().pk}/edit/"
    body = urlencode(form)
    return client.post(url, body, content_type="application/x-www-form-urlencoded", headers=headers)


@pytest.mark.parametrize("written", WRITTEN, ids=[written.case for written in WRITTEN])
def test_a_comment(athlete: Any, stranger: Any, ledger_factory: Any, written: Written) -> None:
    result = finished(athlete, "private" if written.how == "private" else "public")
    if written.how == "edit":
        Comment.objects.create(result=result, author=stranger, text="Thanks!")
    client = browser(stranger)
    ledger = ledger_factory()

    response = send(client, written, result)

    assert response.status_code == written.status
    page = client.get(response["Location"]) if written.status == 302 else response
    html = page.content.decode()
    assert written.sentence in " ".join(html.split())
    if written.status >= 400 and written.how != "htmx":
        assert_site_page(page, written.status, written.sentence)
    assert ledger.changed() == written.rows
    assert ledger.new_files() == set()
    texts = list(Comment.objects.values_list("text", flat=True))
    assert texts == ([] if written.stored is None else [written.stored])
    # Every page that shows the comment shows it as text.
    owner = browser(athlete)
    pages = [f"/results/{result.pk}/", "/notifications/"]
    if written.how != "private":
        pages.append(f"/r/{result.pk}/")  # the public share page
    for url in pages:
        shown = owner.get(url)
        assert shown.status_code == 200, url
        assert_no_markup(shown.content.decode(), SCRIPT, JS_LINK)
    if written.shown:
        assert written.shown in owner.get(f"/results/{result.pk}/").content.decode()
    assert_no_markup(html, SCRIPT, JS_LINK)


# ---------------------------------------------------------------------------
# Forms Django refuses to read (moved from tests/test_hostile_requests.py).


def comment_form(text: str, client: Client) -> bytes:
    return urlencode({"text": text, "csrfmiddlewaretoken": csrf_token(client)}).encode()


# What each refusal sends to the comment form and what the page then says.
REFUSED_FORMS: dict[str, tuple[Callable[[Client], bytes], str, int, str]] = {
    "a 3 MB comment": (
        lambda client: comment_form("x" * 3_000_000, client),
        "application/x-www-form-urlencoded",
        413,
        "That is more text than any form here takes: a comment can be at most 500 characters. "
        "Go back, shorten it and send it again.",
    ),
    "a form of 1,001 fields": (
        lambda client: (
            "&".join(["text=x"] * 999) + "&" + comment_form("", client).decode()
        ).encode(),
        "application/x-www-form-urlencoded",
        413,
        "That form sent more fields than any form here has. "
        "Go back, reload the page and send it again.",
    ),
    "a garbled multipart form": (
        lambda client: b"--x\r\ngarbage",
        "multipart/form-data",
        400,
        "What was sent could not be read: it was cut off or garbled on the way. "
        "Go back, reload the page and send it again.",
    ),
}


@pytest.mark.parametrize("case", REFUSED_FORMS)
def test_a_form_django_refuses_to_read_gets_the_site_page_and_what_to_do(
    athlete: Any, result: Result, case: str
) -> None:
    make_body, content_type, status, sentence = REFUSED_FORMS[case]
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/results/{result.pk}/comments/", make_body(client), content_type=content_type
    )

    assert_site_page(response, status, sentence)
    assert row_counts() == before


# ---------------------------------------------------------------------------
# Moved from tests/test_hostile_text.py.


@pytest.mark.django_db
def test_a_comment_loses_its_override_and_keeps_its_emoji(
    athlete: Any, stranger_client: Client
) -> None:
    result = finished(athlete, "public")

    stranger_client.post(
        f"/results/{result.pk}/comments/", {"text": f"Strong{RLO} finish {RUNNER_WOMAN}"}
    )

    assert Comment.objects.get().text == f"Strong finish {RUNNER_WOMAN}"


# ---------------------------------------------------------------------------
# A flag's note: what a runner tells the moderators about someone's result.


@dataclass(frozen=True)
class Flagged:
    case: str
    reason: str
    note: str
    status: int
    sentence: str
    stored: str | None = None


THANKS = "Thank you. A moderator will look at this result; its athlete is told."
# fmt: off
FLAGGED = [
    Flagged("script as the note", "too-fast", SCRIPT, 302, THANKS, SCRIPT),
    Flagged("javascript: link as the note", "too-fast", JS_LINK, 302, THANKS, JS_LINK),
    Flagged("a note of 10,000 characters", "too-fast", "n" * 10_000, 422, "Ensure this value has at most 300 characters (it has 10000)."),
    Flagged("a NUL in the note", "too-fast", "fast\x00", 422, "Null characters are not allowed."),
    Flagged("a reason that is markup", "<b>", "", 422, "Choose a reason from the list."),
]
# fmt: on


@pytest.mark.parametrize("flagged", FLAGGED, ids=[flagged.case for flagged in FLAGGED])
def test_a_flag(athlete: Any, stranger: Any, ledger_factory: Any, flagged: Flagged) -> None:
    result = finished(athlete, "public")
    client = browser(stranger)
    ledger = ledger_factory()

    response = client.post(
        f"/results/{result.pk}/flag/",
        {"reason": flagged.reason, "note": flagged.note, "csrfmiddlewaretoken": csrf_token(client)},
    )

    assert response.status_code == flagged.status
    if flagged.stored is None:
        assert_site_page(response, flagged.status, flagged.sentence)
        ledger.assert_untouched()
        return
    assert flagged.sentence in " ".join(client.get(response["Location"]).content.decode().split())
    assert "community.Flag" in ledger.changed() and ledger.new_files() == set()
    assert list(Flag.objects.values_list("note", flat=True)) == [flagged.stored]
    # Where the note is read: the moderators' queue.
    moderator = get_user_model().objects.create_superuser("mod", "mod@example.com", "pw")
    queue = browser(moderator).get(reverse("admin:community_flag_queue"))
    assert queue.status_code == 200
    assert_no_markup(queue.content.decode(), SCRIPT, JS_LINK)
    assert escape(flagged.stored) in queue.content.decode()
