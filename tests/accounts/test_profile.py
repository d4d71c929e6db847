"""The profile page: display name, units, optional sex and birth year, default privacy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db

GOOD = {
    "display_name": "Alex R.",
    "units": "mi",
    "sex": "f",
    "birth_year": "1988",
    "default_privacy": "clubs",
}


def test_profile_needs_a_log_in(client: Client) -> None:
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/log-in/?next=/accounts/profile/"


def test_profile_shows_the_current_values(athlete_client: Client, athlete: Any) -> None:
    html = athlete_client.get("/accounts/profile/").content.decode()

    assert "alex@example.com" in html
    assert re.search(r'<input type="radio" name="units" value="km"[^>]* checked>', html)
    assert re.search(
        r'<input type="radio" name="default_privacy" value="private"[^>]* checked>', html
    )


def test_profile_edits_are_saved(athlete_client: Client, athlete: Any) -> None:
    response = athlete_client.post("/accounts/profile/", GOOD, follow=True)

    assert "Profile saved." in response.content.decode()
    athlete.refresh_from_db()
    assert (athlete.display_name, athlete.units, athlete.sex, athlete.birth_year) == (
        "Alex R.",
        "mi",
        "f",
        1988,
    )
    assert athlete.default_privacy == "clubs"


def test_sex_and_birth_year_are_optional(athlete_client: Client, athlete: Any) -> None:
    athlete_client.post("/accounts/profile/", {**GOOD, "sex": "", "birth_year": ""})

    athlete.refresh_from_db()
    assert athlete.sex == "" and athlete.birth_year is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"birth_year": "1800"}, "Enter a year between 1900 and"),
        ({"birth_year": "3000"}, "Enter a year between 1900 and"),
        ({"birth_year": "nineteen"}, "Enter a whole number."),
        ({"units": "furlongs"}, "Select a valid choice. furlongs is not one of the available"),
        ({"default_privacy": "everyone-ever"}, "Select a valid choice."),
        ({"sex": "x"}, "Select a valid choice."),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "x" * 61}, "at most 60 characters"),
    ],
)
def test_bad_profile_values_are_rejected_with_a_message(
    athlete_client: Client, athlete: Any, change: dict[str, str], message: str
) -> None:
    response = athlete_client.post("/accounts/profile/", {**GOOD, **change})

    assert response.status_code == 422
    assert message in response.content.decode()
    athlete.refresh_from_db()
    assert athlete.units == "km" and athlete.birth_year is None  # nothing half written


def test_an_htmx_save_swaps_only_the_form(athlete_client: Client, athlete: Any) -> None:
    response = athlete_client.post("/accounts/profile/", GOOD, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="profile-form"')
    assert "Saved." in html and "<html" not in html
    athlete.refresh_from_db()
    assert athlete.units == "mi"


def test_an_htmx_save_with_errors_swaps_the_form_with_them(athlete_client: Client) -> None:
    response = athlete_client.post(
        "/accounts/profile/", {**GOOD, "birth_year": "1800"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "Enter a year between 1900 and" in response.content.decode()


def test_the_profile_page_loads_htmx_from_this_site(athlete_client: Client) -> None:
    html = athlete_client.get("/accounts/profile/").content.decode()

    htmx = static("django_htmx/htmx-2.min.js")
    assert re.fullmatch(r"/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js", htmx)
    assert f'<script src="{htmx}" defer></script>' in html
    assert athlete_client.get(htmx).status_code == 200
    assert "https://" not in html.split("<main")[0]
