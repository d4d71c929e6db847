"""Password reset by e-mail, with Django's own token views."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from runstrong.accounts import services

pytestmark = pytest.mark.django_db


def reset_link(message: Any) -> str:
    match = re.search(r"https?://testserver(/accounts/password-reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_reset_sends_a_link_that_sets_a_new_password(client: Client, athlete: Any) -> None:
    response = client.post("/accounts/password-reset/", {"email": "ALEX@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex@example.com"]
    link = reset_link(mail.outbox[0])

    # Django swaps the token in the URL for one kept in the session, then asks.
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new long phrase", "new_password2": "a brand new long phrase"},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/done/"
    athlete.refresh_from_db()
    assert athlete.check_password("a brand new long phrase")
    login = client.post(
        "/accounts/log-in/", {"username": "alex@example.com", "password": "a brand new long phrase"}
    )
    assert login.status_code == 302


def test_a_used_link_no_longer_works(client: Client, athlete: Any) -> None:
    client.post("/accounts/password-reset/", {"email": "alex@example.com"})
    link = reset_link(mail.outbox[0])
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a brand new long phrase", "new_password2": "a brand new long phrase"},
    )

    again = Client().get(link, follow=True)

    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: Client) -> None:
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_reset_mails_to_one_address_are_limited(client: Client, athlete: Any) -> None:
    for _ in range(services.RESETS_PER_EMAIL):
        client.post("/accounts/password-reset/", {"email": "alex@example.com"})

    response = client.post("/accounts/password-reset/", {"email": "alex@example.com"})

    assert response.status_code == 429
    assert len(mail.outbox) == services.RESETS_PER_EMAIL


def email_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import runstrong.settings as s; "
        "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DEFAULT_FROM"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "RUNSTRONG_DATA": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_mail_goes_to_the_console_unless_an_smtp_host_is_set(tmp_path: Path) -> None:
    assert email_settings(tmp_path).stdout.split() == ["console", "587", "True"]
    smtp = email_settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT="465")
    assert smtp.stdout.split() == ["smtp", "smtp.example.com", "465", "True"]


def test_a_bad_mail_setting_stops_startup_naming_it(tmp_path: Path) -> None:
    completed = email_settings(tmp_path, EMAIL_PORT="smtp")

    assert completed.returncode != 0
    assert "EMAIL_PORT='smtp' is not a whole number" in completed.stderr
