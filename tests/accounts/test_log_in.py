"""Logging in by e-mail, logging out, and the limit on failed attempts."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from runstrong.accounts import services

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the athlete persona's


def log_in(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/log-in/", {"username": email, "password": password}, **extra)


def test_log_in_by_email_in_any_case(client: Client, athlete: Any) -> None:
    response = log_in(client, "Alex@Example.com", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"] == athlete


def test_log_in_returns_to_the_page_that_asked(client: Client, athlete: Any) -> None:
    response = client.post(
        "/accounts/log-in/?next=/history/", {"username": "alex@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/history/"


def test_wrong_password_says_so_and_logs_nobody_in(client: Client, athlete: Any) -> None:
    response = log_in(client, "alex@example.com", "wrong horse")

    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_unknown_address_reads_the_same_as_a_wrong_password(client: Client, athlete: Any) -> None:
    response = log_in(client, "nobody@example.com", PASSWORD)

    assert "Wrong e-mail or password" in response.content.decode()


def test_the_local_cli_athlete_cannot_log_in_on_the_web(client: Client) -> None:
    from runstrong.workouts.services import athlete_local

    athlete_local()  # user name "local", no e-mail, no usable password
    response = log_in(client, "local", "anything")

    assert response.status_code == 200
    assert not client.get("/").context["user"].is_authenticated


def test_log_out_needs_a_post_and_ends_the_session(athlete_client: Client) -> None:
    assert athlete_client.get("/accounts/log-out/").status_code == 405

    response = athlete_client.post("/accounts/log-out/")

    assert response.status_code == 302
    assert not athlete_client.get("/").context["user"].is_authenticated


def test_failed_log_ins_are_limited_and_then_even_the_right_password_waits(
    client: Client, athlete: Any
) -> None:
    with time_machine.travel("2026-03-01 10:00Z", tick=False) as clock:
        for _ in range(services.LOGIN_FAILURES_PER_EMAIL):
            assert log_in(client, "alex@example.com", "guess").status_code == 200

        refused = log_in(client, "alex@example.com", PASSWORD)

        assert refused.status_code == 429
        assert "Too many attempts" in refused.content.decode()
        assert "Try again in 15 minutes" in refused.content.decode()
        assert refused["Retry-After"] == str(15 * 60)
        assert not client.get("/").context["user"].is_authenticated

        clock.shift(10 * 60)
        assert (
            "Try again in 5 minutes"
            in log_in(client, "alex@example.com", PASSWORD).content.decode()
        )

        clock.shift(5 * 60 + 1)
        assert log_in(client, "alex@example.com", PASSWORD).status_code == 302


def test_the_limit_is_per_address_so_others_can_still_log_in(
    client: Client, athlete: Any, stranger: Any
) -> None:
    for _ in range(services.LOGIN_FAILURES_PER_EMAIL):
        log_in(client, "alex@example.com", "guess")

    assert log_in(client, "sam@example.com", "another good passphrase").status_code == 302


def test_one_client_guessing_many_addresses_is_limited_by_ip(client: Client, athlete: Any) -> None:
    for number in range(services.LOGIN_FAILURES_PER_IP):
        log_in(client, f"someone{number}@example.com", "guess")

    assert log_in(client, "alex@example.com", PASSWORD).status_code == 429
    # Another client (address) is not affected.
    assert log_in(Client(REMOTE_ADDR="10.0.0.9"), "alex@example.com", PASSWORD).status_code == 302


def test_a_successful_log_in_forgets_earlier_typos(client: Client, athlete: Any) -> None:
    for _ in range(services.LOGIN_FAILURES_PER_EMAIL - 1):
        log_in(client, "alex@example.com", "typo")
    assert log_in(client, "alex@example.com", PASSWORD).status_code == 302
    client.post("/accounts/log-out/")

    for _ in range(services.LOGIN_FAILURES_PER_EMAIL - 1):
        assert log_in(client, "alex@example.com", "typo").status_code == 200
    assert log_in(client, "alex@example.com", PASSWORD).status_code == 302


def test_behind_a_proxy_the_client_ip_comes_from_the_proxy_entry(
    client: Client, athlete: Any, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    for number in range(services.LOGIN_FAILURES_PER_IP):
        # A client cannot dodge the limit by writing its own X-Forwarded-For entries.
        log_in(
            client,
            f"someone{number}@example.com",
            "guess",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.7",
        )

    limited = log_in(client, "alex@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = log_in(client, "alex@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert limited.status_code == 429
    assert other.status_code == 302


def test_the_admin_log_in_counts_against_the_same_limit(client: Client, athlete: Any) -> None:
    athlete.is_staff = True
    athlete.save()
    for _ in range(services.LOGIN_FAILURES_PER_EMAIL):
        client.post("/admin/login/", {"username": "alex@example.com", "password": "guess"})

    refused = client.post("/admin/login/", {"username": "alex@example.com", "password": PASSWORD})

    assert refused.status_code == 200  # the admin's own form, with its error
    assert not client.get("/").context["user"].is_authenticated
    assert log_in(client, "alex@example.com", PASSWORD).status_code == 429


def test_staff_may_use_the_admin_with_their_email_or_user_name(
    client: Client, athlete: Any
) -> None:
    athlete.is_staff = True
    athlete.save()

    by_name = client.post("/admin/login/", {"username": "alex", "password": PASSWORD})

    assert by_name.status_code == 302


def test_a_session_past_its_expiry_logs_nobody_in(client: Client, athlete: Any) -> None:
    with time_machine.travel("2026-03-01 10:00Z", tick=False) as clock:
        log_in(client, "alex@example.com", PASSWORD)
        assert client.get("/history/").status_code == 200

        clock.shift(settings.SESSION_COOKIE_AGE - 60)
        assert client.get("/history/").status_code == 200  # a minute before it ends

        clock.shift(120)
        response = client.get("/history/")
        assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]


def test_a_deactivated_account_is_logged_out_on_its_next_page(client: Client, athlete: Any) -> None:
    log_in(client, "alex@example.com", PASSWORD)
    assert client.get("/history/").status_code == 200

    athlete.is_active = False
    athlete.save(update_fields=["is_active"])

    response = client.get("/history/")
    assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]


def test_a_made_up_session_cookie_logs_nobody_in(client: Client, athlete: Any) -> None:
    log_in(client, "alex@example.com", PASSWORD)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32

    response = client.get("/history/")
    assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]
