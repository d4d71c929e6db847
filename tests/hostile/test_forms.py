"""The forms door: sign-up, log-in (with its ``next=``), the settings a runner
changes (profile, e-mail) and a workout logged by hand.

Each case: the status and the sentence the page answers with (or, for a
``next=`` that leaves the site, the site's own home page as the redirect), and
exactly the rows the case should write (none for a refusal), no file written.
The display name's journey onto every page is the profile door's.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from runstrong.plans.models import ItemStatus, PlanItem
from runstrong.plans.services import plan_save
from tests.hostile.conftest import (
    JS_LINK,
    RLO,
    SCRIPT,
    assert_no_markup,
    assert_site_page,
    browser,
    csrf_token,
    row_counts,
    text_of,
)

pytestmark = pytest.mark.usefixtures("catalog_synced")

User = get_user_model()
EXPIRED = "For your safety the form was refused: it had no valid security token."
NO_NUL = "Null characters are not allowed."
WRONG = "Wrong e-mail or password. Passwords are case-sensitive."
NOT_A_YEAR = f"Enter a year between 1900 and {timezone.now().year}, or leave it empty."
PASSWORD = "tempo run on tuesday"
SIGNED_UP = {"accounts.User": 1}
WELCOME = "Welcome to RunStrong. Pick a program and start."
LOGGED = {"workouts.WorkoutSession": 1, "workouts.Result": 1}
HTML_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def sign_up(**changed: str) -> dict[str, str]:
    return {
        "email": "robin@example.com",
        "display_name": "Robin",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changed,
    }


def log_in(**changed: str) -> dict[str, str]:
    return {"username": "alex@example.com", "password": "correct horse battery", **changed}


def profile(**changed: str) -> dict[str, str]:
    return {
        "display_name": "Alex",
        "units": "km",
        "sex": "",
        "birth_year": "",
        "default_privacy": "public",
        **changed,
    }


def manual(**changed: str) -> dict[str, str]:
    return {
        "program": "runners-250",
        "day": "2025-01-02",
        "time_of_day": "",
        "total": "24:30",
        "splits": "",
        "scaled_how": "",
        **changed,
    }


@dataclass(frozen=True)
class Filled:
    """A form as filled in: where it goes, who sends it (a visitor or the
    athlete), what the page answers, and the rows it writes."""

    case: str
    url: str
    form: dict[str, str]
    status: int
    sentence: str = ""
    location: str = ""  # for a redirect: where to
    rows: dict[str, int] = field(default_factory=dict)
    who: str = "visitor"  # or "athlete"
    forged: bool = False


OFF_SITE = "/accounts/log-in/?next="
# fmt: off
FILLED = [
    # Sign-up
    Filled("sign-up: script as the name", "/accounts/sign-up/", sign_up(display_name=SCRIPT), 302, WELCOME, location="/", rows=SIGNED_UP),
    Filled("sign-up: 10,000-character name", "/accounts/sign-up/", sign_up(display_name="x" * 10_000), 422, "Ensure this value has at most 60 characters (it has 10000)."),
    Filled("sign-up: name of invisible characters", "/accounts/sign-up/", sign_up(display_name=f"{RLO}\u200f\x07"), 422, "Write a name people can read: this one has only invisible characters."),
    Filled("sign-up: NUL in the e-mail", "/accounts/sign-up/", sign_up(email="ro\x00bin@example.com"), 422, NO_NUL),
    Filled("sign-up: not an e-mail", "/accounts/sign-up/", sign_up(email="<script>@"), 422, "Enter a valid email address."),
    Filled("sign-up: 10,000-character e-mail", "/accounts/sign-up/", sign_up(email="r" * 10_000 + "@example.com"), 422, "Ensure this value has at most 254 characters (it has 10012)."),
    Filled("sign-up: passwords differ", "/accounts/sign-up/", sign_up(password2="something else"), 422, "The two passwords differ."),
    Filled("sign-up: next= off-site", "/accounts/sign-up/?next=https://evil.example/", sign_up(), 302, WELCOME, location="/", rows=SIGNED_UP),
    Filled("sign-up: forged CSRF token", "/accounts/sign-up/", sign_up(), 403, EXPIRED, forged=True),
    # Log-in
    Filled("log-in: next= another site", OFF_SITE + "https://evil.example/", log_in(next="https://evil.example/"), 302, location="/"),
    Filled("log-in: next= scheme-relative", OFF_SITE + "//evil.example/", log_in(next="//evil.example/"), 302, location="/"),
    Filled("log-in: next= backslash", OFF_SITE + "/%5Cevil.example", log_in(next="/\\evil.example"), 302, location="/"),
    Filled("log-in: next= javascript:", OFF_SITE + "javascript:alert(1)", log_in(next="javascript:alert(1)"), 302, location="/"),
    Filled("log-in: next= on the site", OFF_SITE + "/history/", log_in(next="/history/"), 302, location="/history/"),
    Filled("log-in: wrong password", "/accounts/log-in/", log_in(password="nope"), 200, WRONG),
    Filled("log-in: NUL", "/accounts/log-in/", log_in(username="al\x00ex@example.com"), 200, NO_NUL),
    Filled("log-in: 10,000 characters", "/accounts/log-in/", log_in(username="a" * 10_000), 200, "Ensure this value has at most 254 characters (it has 10000)."),
    Filled("log-in: forged CSRF token", "/accounts/log-in/", log_in(), 403, EXPIRED, forged=True),
    # Settings
    Filled("profile: birth year 10^20", "/accounts/profile/", profile(birth_year="1" + "0" * 20), 422, NOT_A_YEAR, who="athlete"),
    Filled("profile: negative birth year", "/accounts/profile/", profile(birth_year="-5"), 422, NOT_A_YEAR, who="athlete"),
    Filled("profile: units that are markup", "/accounts/profile/", profile(units="<b>"), 422, "Select a valid choice. &lt;b&gt; is not one of the available choices.", who="athlete"),
    Filled("profile: forged CSRF token", "/accounts/profile/", profile(), 403, EXPIRED, who="athlete", forged=True),
    Filled("e-mail: script", "/accounts/email/", {"new_email": SCRIPT}, 422, "Enter a valid email address.", who="athlete"),
    Filled("e-mail: NUL", "/accounts/email/", {"new_email": "a\x00@example.com"}, 422, NO_NUL, who="athlete"),
    # A workout logged by hand
    Filled("log: script in how it was scaled", "/history/log/", manual(scaled="on", scaled_how=SCRIPT), 302, HTML_SCRIPT, rows=LOGGED, who="athlete"),
    Filled("log: javascript: link in how it was scaled", "/history/log/", manual(scaled="on", scaled_how=JS_LINK), 302, "&lt;a href=&quot;javascript:alert(1)&quot;&gt;me&lt;/a&gt;", rows=LOGGED, who="athlete"),
    Filled("log: negative total", "/history/log/", manual(total="-5:00"), 422, "&#x27;-5:00&#x27; is not a time: write minutes and seconds, like 24:30 or 1:02:15", who="athlete"),
    Filled("log: total of 1.6 million hours", "/history/log/", manual(total="99999999:00"), 422, "A total of 1666666:39:00 is not plausible: give a time above 0:00 and at most 4:00:00.", who="athlete"),
    Filled("log: NUL in the total", "/history/log/", manual(total="24:\x0030"), 422, "That is not a time: write it like 24:30.", who="athlete"),
    Filled("log: 10,000 characters of scaling", "/history/log/", manual(scaled="on", scaled_how="z" * 10_000), 422, "Ensure this value has at most 200 characters (it has 10000).", who="athlete"),
    Filled("log: a program that is markup", "/history/log/", manual(program="<b>"), 422, "Select a valid choice. &lt;b&gt; is not one of the available choices.", who="athlete"),
    Filled("log: splits that are not times", "/history/log/", manual(splits="a,b"), 422, "&#x27;a&#x27; is not a time", who="athlete"),
    Filled("log: dated 9999", "/history/log/", manual(day="9999-12-31"), 422, "The date is in the future: log a workout once it is done.", who="athlete"),
    Filled("log: forged CSRF token", "/history/log/", manual(), 403, EXPIRED, who="athlete", forged=True),
]
# fmt: on


@pytest.mark.parametrize("filled", FILLED, ids=[filled.case for filled in FILLED])
def test_a_form(athlete: Any, ledger_factory: Any, filled: Filled) -> None:
    client = browser(athlete if filled.who == "athlete" else None)
    token = "f" * 64 if filled.forged else csrf_token(client)
    ledger = ledger_factory()

    response = client.post(filled.url, {**filled.form, "csrfmiddlewaretoken": token})

    assert response.status_code == filled.status
    assert ledger.changed() == filled.rows and ledger.new_files() == set()
    if filled.status == 302:
        if filled.location:
            assert response["Location"] == filled.location
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert filled.sentence in text_of(page)
        assert_no_markup(page.content.decode(), SCRIPT, JS_LINK)
        return
    assert_site_page(response, filled.status, filled.sentence)
    assert_no_markup(response.content.decode(), SCRIPT, JS_LINK)


def test_the_log_in_page_does_not_carry_an_off_site_next(client: Client) -> None:
    html = client.get("/accounts/log-in/?next=https://evil.example/").content.decode()

    assert "evil.example" not in html


# ---------------------------------------------------------------------------
# Moved from tests/test_hostile_requests.py and tests/test_hostile_text.py.


def test_a_wrong_host_name_gets_the_site_page_even_with_a_garbled_body(athlete: Any) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        "/clubs/",
        b"--x\r\ngarbage",
        content_type="multipart/form-data",
        headers={"Host": "evil.example"},
    )

    assert_site_page(
        response, 400, "This site does not answer to that host name: use its own address."
    )
    assert row_counts() == before


@pytest.mark.django_db
def test_sign_up_strips_control_characters_from_the_display_name(client: Client) -> None:
    response = client.post(
        "/accounts/sign-up/",
        {
            "email": "robin@example.com",
            "display_name": f"{RLO}Robin\x07 R.",
            "password1": "tempo run on tuesday",
            "password2": "tempo run on tuesday",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="robin@example.com").display_name == "Robin R."


@pytest.mark.django_db
def test_sign_up_refuses_a_name_of_only_invisible_characters(client: Client) -> None:
    before = User.objects.count()

    response = client.post(
        "/accounts/sign-up/",
        {
            "email": "robin@example.com",
            "display_name": f"{RLO}\u200f\x07",
            "password1": "tempo run on tuesday",
            "password2": "tempo run on tuesday",
        },
    )

    assert response.status_code == 422
    assert "Write a name people can read: this one has only invisible characters." in (
        response.content.decode()
    )
    assert User.objects.count() == before


# ---------------------------------------------------------------------------
# Why a planned session was skipped: a line the runner writes on the plan page.


@dataclass(frozen=True)
class Skipped:
    case: str
    reason: str
    status: int
    sentence: str
    stored: str | None = None
    forged: bool = False


# fmt: off
SKIPPED = [
    Skipped("script", SCRIPT, 302, f"&#x27;s session ({HTML_SCRIPT}).", SCRIPT),
    Skipped("javascript: link", JS_LINK, 302, "&lt;a href=&quot;javascript:alert(1)&quot;&gt;me&lt;/a&gt;).", JS_LINK),
    Skipped("RTL override and BEL", f"Ill{RLO}\x07 today", 302, "session (Ill today).", "Ill today"),
    Skipped("10,000 characters", "r" * 10_000, 422, "Ensure this value has at most 200 characters (it has 10000)."),
    Skipped("only invisible characters", f"{RLO}\u200f", 422, "Say why, in a few words."),
    Skipped("a NUL", "Ill\x00", 422, NO_NUL),
    Skipped("forged CSRF token", "Ill", 403, EXPIRED, forged=True),
]
# fmt: on


@pytest.mark.parametrize("skipped", SKIPPED, ids=[skipped.case for skipped in SKIPPED])
def test_a_skip_reason(athlete: Any, ledger_factory: Any, skipped: Skipped) -> None:
    plan_save(
        athlete=athlete,
        days=["easy", "quality", "easy", "rest", "easy", "rest", "long"],
        per_week=2,
        program_slug="runners-250",
        race_day=None,
        race_is_a=False,
        today=timezone.localdate(),
    )
    item = PlanItem.objects.filter(athlete=athlete, status=ItemStatus.PLANNED).first()
    assert item is not None
    client = browser(athlete)
    token = "f" * 64 if skipped.forged else csrf_token(client)
    ledger = ledger_factory()

    response = client.post(
        f"/plan/items/{item.pk}/skip/",
        {f"skip-{item.pk}-reason": skipped.reason, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == skipped.status
    assert ledger.changed() == {} and ledger.new_files() == set()  # skipped in place
    item.refresh_from_db()
    if skipped.stored is None:
        assert item.status == ItemStatus.PLANNED
        if skipped.status == 403:
            assert_site_page(response, 403, skipped.sentence)
        else:  # the plan page, or the card alone through htmx
            assert skipped.sentence in text_of(response)
        return
    assert (item.status, item.skip_reason) == (ItemStatus.SKIPPED, skipped.stored)
    page = client.get(response["Location"])
    assert skipped.sentence in text_of(page)
    assert_no_markup(page.content.decode(), SCRIPT, JS_LINK)
