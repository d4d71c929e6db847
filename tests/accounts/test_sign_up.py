"""Signing up with an e-mail address, a display name and a password."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from runstrong import settings as project_settings
from runstrong.accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Robin@Example.COM",
    "display_name": "Robin",
    "password1": "tempo run on tuesday",
    "password2": "tempo run on tuesday",
}


def test_sign_up_creates_the_account_and_logs_it_in(client: Client) -> None:
    response = client.post("/accounts/sign-up/", GOOD)

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email__iexact="robin@example.com")
    assert user.display_name == "Robin"
    assert "@" not in user.username  # the handle never gives the address away
    assert client.get("/").context["user"] == user


def test_sign_up_goes_on_to_a_safe_next_page_only(client: Client) -> None:
    response = client.post("/accounts/sign-up/?next=/programs/runners-250/", GOOD)
    assert response["Location"] == "/programs/runners-250/"

    other = Client()
    response = other.post(
        "/accounts/sign-up/?next=https://evil.example/",
        {**GOOD, "email": "other@example.com"},
    )
    assert response["Location"] == "/"


def test_sign_up_refuses_an_address_already_in_use_whatever_its_case(
    client: Client, athlete: Any
) -> None:
    response = client.post("/accounts/sign-up/", {**GOOD, "email": "ALEX@example.com"})

    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="alex@example.com").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password2": "something else entirely"}, "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password1": "password123", "password2": "password123"}, "too common"),
        ({"email": "not an address"}, "valid email address"),
        ({"display_name": ""}, "This field is required."),
    ],
)
def test_sign_up_rejects_bad_input_with_a_message(
    client: Client, change: dict[str, str], message: str
) -> None:
    response = client.post("/accounts/sign-up/", {**GOOD, **change})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.filter(email__iexact="robin@example.com").exists()


def test_passwords_are_hashed_with_argon2(client: Client, settings: Any) -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # undo the tests' fast hasher

    client.post("/accounts/sign-up/", GOOD)

    assert User.objects.get(display_name="Robin").password.startswith("argon2$argon2id$")


def test_sign_ups_from_one_address_are_limited(client: Client) -> None:
    for number in range(10):
        response = client.post(
            "/accounts/sign-up/", {**GOOD, "email": f"runner{number}@example.com"}
        )
        assert response.status_code == 302
        client.post("/accounts/log-out/")

    response = client.post("/accounts/sign-up/", {**GOOD, "email": "one.more@example.com"})

    assert response.status_code == 429
    assert not User.objects.filter(email="one.more@example.com").exists()
