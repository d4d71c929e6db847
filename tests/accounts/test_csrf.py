"""Every form refuses a request without its CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "data", "logged_in"),
    [
        ("/accounts/sign-up/", {"email": "new@example.com", "display_name": "N"}, False),
        ("/accounts/log-in/", {"username": "alex@example.com", "password": "x"}, False),
        ("/accounts/log-out/", {}, True),
        ("/accounts/password-reset/", {"email": "alex@example.com"}, False),
        ("/accounts/profile/", {"display_name": "Mallory"}, True),
        ("/programs/runners-250/start/", {"mode": "prescribed"}, True),
    ],
)
@pytest.mark.usefixtures("catalog_synced")
def test_a_form_without_its_csrf_token_is_refused(
    athlete: Any, path: str, data: dict[str, str], logged_in: bool
) -> None:
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(athlete)

    response = client.post(path, data)

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_the_password_reset_confirm_form_needs_its_token_too(athlete: Any) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(athlete.pk))
    token = default_token_generator.make_token(athlete)
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/accounts/password-reset/{uid}/{token}/", follow=True)
    assert "Choose a new password" in page.content.decode()

    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a brand new long phrase", "new_password2": "a brand new long phrase"},
    )

    assert response.status_code == 403
    athlete.refresh_from_db()
    assert not athlete.check_password("a brand new long phrase")
