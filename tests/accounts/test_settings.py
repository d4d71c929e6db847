"""Account settings: a new e-mail address confirmed from that address; a new password."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client

from runstrong.accounts import services

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the athlete's, from tests/conftest.py


def ask_for(client: Client, new_email: str) -> Any:
    return client.post("/accounts/email/", {"new_email": new_email})


def confirm_link(message: Any) -> str:
    match = re.search(r"https?://testserver(/accounts/email/confirm/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def email_of(user: Any) -> str:
    user.refresh_from_db()
    return str(user.email)


# --- a new e-mail address --------------------------------------------------------------


def test_the_address_changes_only_when_the_link_to_the_new_one_is_opened(
    athlete: Any, athlete_client: Client
) -> None:
    response = ask_for(athlete_client, "Alex.New@Example.com")

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert email_of(athlete) == "alex@example.com"
    (message,) = mail.outbox
    assert message.to == ["Alex.New@example.com"]
    link = confirm_link(message)

    # Opening the link (as a mail scanner would) changes nothing by itself.
    page = athlete_client.get(link)
    assert page.status_code == 200 and "Alex.New@example.com" in page.content.decode()
    assert email_of(athlete) == "alex@example.com"

    done = athlete_client.post(link)

    assert done.status_code == 302
    assert email_of(athlete) == "Alex.New@example.com"
    notice = mail.outbox[-1]
    assert notice.to == ["alex@example.com"] and "Alex.New@example.com" in notice.body
    client = Client()
    logged_in = client.post(
        "/accounts/log-in/", {"username": "alex.new@example.com", "password": PASSWORD}
    )
    assert logged_in.status_code == 302


def test_a_link_works_once(athlete: Any, athlete_client: Client) -> None:
    ask_for(athlete_client, "new@example.com")
    link = confirm_link(mail.outbox[0])
    athlete_client.post(link)

    again = athlete_client.post(link)

    assert again.status_code == 400 and "was used already" in again.content.decode()


def test_an_older_link_stops_working_once_a_newer_one_is_used(
    athlete: Any, athlete_client: Client
) -> None:
    ask_for(athlete_client, "first@example.com")
    ask_for(athlete_client, "second@example.com")
    first, second = (confirm_link(message) for message in mail.outbox)
    athlete_client.post(second)

    refused = athlete_client.post(first)

    assert refused.status_code == 400
    assert email_of(athlete) == "second@example.com"


def test_an_expired_link_is_refused(athlete: Any, athlete_client: Client) -> None:
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False):
        ask_for(athlete_client, "late@example.com")
    link = confirm_link(mail.outbox[0])

    with time_machine.travel("2026-03-02 09:01 +0000", tick=False):
        page = athlete_client.get(link)
        response = athlete_client.post(link)

    assert page.status_code == response.status_code == 400
    assert "more than a day old" in response.content.decode()
    assert email_of(athlete) == "alex@example.com"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: token.split(":")[0],
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "no-signature", "garbage"],
)
def test_a_tampered_link_is_refused(athlete: Any, athlete_client: Client, tamper: Any) -> None:
    ask_for(athlete_client, "new@example.com")
    token = confirm_link(mail.outbox[0]).split("/")[-2]

    response = athlete_client.post(f"/accounts/email/confirm/{tamper(token)}/")

    assert response.status_code == 400
    assert email_of(athlete) == "alex@example.com"


def test_a_link_signed_for_another_purpose_is_refused(athlete: Any, athlete_client: Client) -> None:
    # Same key, same shape of payload, but not made by the e-mail change.
    token = signing.dumps({"user": athlete.pk, "old": "alex@example.com", "new": "x@example.com"})

    response = athlete_client.post(f"/accounts/email/confirm/{token}/")

    assert response.status_code == 400 and email_of(athlete) == "alex@example.com"


def test_an_address_taken_meanwhile_is_refused(
    athlete: Any, athlete_client: Client, stranger: Any
) -> None:
    ask_for(athlete_client, "wanted@example.com")
    link = confirm_link(mail.outbox[0])
    stranger.email = "WANTED@example.com"
    stranger.save()

    response = athlete_client.post(link)

    assert response.status_code == 409 and "Another account took" in response.content.decode()
    assert email_of(athlete) == "alex@example.com"


def test_an_address_already_in_use_gets_no_link(athlete_client: Client, stranger: Any) -> None:
    response = ask_for(athlete_client, "SAM@example.com")

    assert response.status_code == 422 and "Another account uses" in response.content.decode()
    assert mail.outbox == []


def test_a_bad_address_is_422_with_a_message(athlete_client: Client) -> None:
    response = ask_for(athlete_client, "not an address")

    assert (
        response.status_code == 422 and "Enter a valid email address" in response.content.decode()
    )
    assert mail.outbox == []


def test_a_link_for_one_account_does_nothing_for_another(
    athlete: Any, athlete_client: Client, stranger: Any
) -> None:
    ask_for(athlete_client, "new@example.com")
    link = confirm_link(mail.outbox[0])
    other = Client()
    other.force_login(stranger)

    response = other.post(link)

    assert response.status_code == 400
    assert email_of(athlete) == "alex@example.com" and email_of(stranger) == "sam@example.com"


def test_the_link_works_without_being_logged_in(athlete: Any, athlete_client: Client) -> None:
    ask_for(athlete_client, "new@example.com")
    link = confirm_link(mail.outbox[0])

    response = Client().post(link)

    assert response.status_code == 302 and response["Location"] == "/accounts/log-in/"
    assert email_of(athlete) == "new@example.com"


def test_change_of_address_e_mails_are_limited_per_athlete(athlete_client: Client) -> None:
    for n in range(services.EMAIL_CHANGES_PER_USER):
        assert ask_for(athlete_client, f"n{n}@example.com").status_code == 302

    refused = ask_for(athlete_client, "one-more@example.com")

    assert refused.status_code == 429 and refused["Retry-After"]
    assert len(mail.outbox) == services.EMAIL_CHANGES_PER_USER


def test_settings_need_a_logged_in_athlete(client: Client) -> None:
    for url in ("/accounts/email/", "/accounts/password/", "/accounts/delete/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]


def test_the_forms_are_csrf_protected(athlete: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)
    page = client.get("/accounts/email/").content.decode()
    assert "csrfmiddlewaretoken" in page

    for url, data in (
        ("/accounts/email/", {"new_email": "new@example.com"}),
        ("/accounts/password/", {"old_password": PASSWORD}),
        ("/accounts/delete/", {"password": PASSWORD}),
    ):
        assert client.post(url, data).status_code == 403
    assert get_user_model().objects.filter(pk=athlete.pk, email="alex@example.com").exists()


def test_the_profile_page_links_to_the_settings(athlete_client: Client) -> None:
    page = athlete_client.get("/accounts/profile/").content.decode()

    for url in ("/accounts/email/", "/accounts/password/", "/accounts/delete/"):
        assert f'href="{url}"' in page


# --- a new password ----------------------------------------------------------------


def change_password(client: Client, old: str, new: str = "a fresh long passphrase") -> Any:
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_changing_the_password_keeps_this_session_logged_in(
    athlete: Any, athlete_client: Client
) -> None:
    response = change_password(athlete_client, PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/accounts/password/changed/"
    athlete.refresh_from_db()
    assert athlete.check_password("a fresh long passphrase")
    assert athlete_client.get("/accounts/profile/").status_code == 200
    assert "Password changed" in athlete_client.get("/accounts/password/changed/").content.decode()


def test_a_wrong_current_password_changes_nothing(athlete: Any, athlete_client: Client) -> None:
    response = change_password(athlete_client, "not my password")

    assert response.status_code == 422
    assert "Your old password was entered incorrectly" in response.content.decode()
    athlete.refresh_from_db()
    assert athlete.check_password(PASSWORD)


def test_a_weak_new_password_is_refused(athlete: Any, athlete_client: Client) -> None:
    response = change_password(athlete_client, PASSWORD, new="12345678")

    assert response.status_code == 422
    athlete.refresh_from_db()
    assert athlete.check_password(PASSWORD)


def test_wrong_current_passwords_are_limited_and_a_right_one_is_not_counted(
    athlete: Any, athlete_client: Client
) -> None:
    assert change_password(athlete_client, PASSWORD).status_code == 302
    assert (
        change_password(
            athlete_client, "a fresh long passphrase", "another new phrase!"
        ).status_code
        == 302
    )
    for _ in range(services.PASSWORD_CHANGES_PER_USER):
        assert change_password(athlete_client, "guess").status_code == 422

    refused = change_password(athlete_client, "another new phrase!")

    assert refused.status_code == 429
    athlete.refresh_from_db()
    assert athlete.check_password("another new phrase!")
