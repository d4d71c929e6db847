"""Personal access tokens: made on the profile page, shown once, stored as a digest,
scoped, revocable, rate-limited; and the site's cookie as the other way in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from runstrong.accounts import tokens
from runstrong.accounts.models import ApiToken
from tests.api.conftest import ApiClient, assert_error, finished_result

pytestmark = pytest.mark.django_db


def test_the_table_never_holds_the_plain_token(athlete: Any) -> None:
    made = tokens.token_create(user=athlete, name="watch", scope="read")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608 - our own table
        rows = cursor.fetchall()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert made.plain not in stored
    assert made.plain[len(made.token.prefix) :] not in stored
    # What it keeps: the digest, and the public start for telling tokens apart.
    assert tokens.digest_of(made.plain) in stored
    assert made.plain.startswith(made.token.prefix) and len(made.token.prefix) == 11


def test_a_token_reads_as_its_athlete(bearer: Callable[..., ApiClient], athlete: Any) -> None:
    response = bearer(athlete, "read").get("/me")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "id": athlete.pk,
        "display_name": athlete.shown_name,
        "units": "km",
        "default_privacy": "private",
        "auth": "token",
        "scope": "read",
    }


def test_a_read_token_cannot_write(bearer: Callable[..., ApiClient], athlete: Any) -> None:
    reader = bearer(athlete, "read")
    result = finished_result(athlete)

    assert_error(reader.post("/sessions", {"program": "runners-250"}), 403, "read_only_token")
    assert_error(
        reader.patch(f"/results/{result.pk}", {"visibility": "public"}), 403, "read_only_token"
    )
    result.refresh_from_db()
    assert result.visibility == "private"
    # A write token may.
    writer = bearer(athlete, "write")
    assert writer.patch(f"/results/{result.pk}", {"visibility": "public"}).status_code == 200


def test_a_revoked_token_is_refused_on_the_next_request(
    token_for: Callable[..., str], athlete: Any
) -> None:
    plain = token_for(athlete)
    api = ApiClient(Client(), {"Authorization": f"Bearer {plain}"})
    assert api.get("/me").status_code == 200

    token = ApiToken.objects.get(digest=tokens.digest_of(plain))
    assert tokens.token_revoke(user=athlete, token_id=token.pk)

    body = assert_error(api.get("/me"), 401, "invalid_token")
    assert "revoked" in body["message"]
    assert_error(api.get("/programs"), 401, "invalid_token")  # never a fall-back to a visitor


@pytest.mark.parametrize(
    "header",
    ["Bearer rs_not-a-token", "Bearer ", "Basic YWxleDpwYXNz", "rs_no-scheme", "Token abc"],
)
def test_a_bad_authorization_header_is_a_401(header: str, athlete: Any) -> None:
    api = ApiClient(Client(), {"Authorization": header})
    assert_error(api.get("/me"), 401, "invalid_token")


def test_someone_elses_revoke_changes_nothing(
    token_for: Callable[..., str], athlete: Any, stranger: Any
) -> None:
    plain = token_for(athlete)
    token = ApiToken.objects.get(digest=tokens.digest_of(plain))

    assert not tokens.token_revoke(user=stranger, token_id=token.pk)
    assert ApiClient(Client(), {"Authorization": f"Bearer {plain}"}).get("/me").status_code == 200


def test_a_token_in_a_cookie_does_not_authenticate(
    token_for: Callable[..., str], athlete: Any
) -> None:
    plain = token_for(athlete)
    client = Client()
    client.cookies["sessionid"] = plain
    client.cookies["Authorization"] = f"Bearer {plain}"
    client.cookies["token"] = plain

    assert_error(ApiClient(client).get("/me"), 401, "login_required")


def test_the_rate_limit_answers_429_with_retry_after(
    bearer: Callable[..., ApiClient], athlete: Any, settings: Any
) -> None:
    settings.API_TOKEN_RATE_LIMIT = 3
    settings.API_TOKEN_RATE_WINDOW_SECONDS = 60
    api = bearer(athlete, "read")
    other = bearer(athlete, "read")  # each token has its own allowance

    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/me")
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.get("/me").status_code == 200


def test_last_used_is_written_at_most_once_a_minute(
    token_for: Callable[..., str], athlete: Any
) -> None:
    plain = token_for(athlete)
    api = ApiClient(Client(), {"Authorization": f"Bearer {plain}"})
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("/me")
    first = ApiToken.objects.get().last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        api.get("/me")
    assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/me")
    assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=61)


def test_the_site_cookie_works_and_needs_csrf_to_write(athlete: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)
    api = ApiClient(client)
    result = finished_result(athlete)

    me = api.get("/me")
    assert me.status_code == 200 and me.json()["auth"] == "session"
    assert_error(api.patch(f"/results/{result.pk}", {"visibility": "public"}), 403, "csrf_failed")
    assert_error(api.post("/sessions", {"program": "runners-250"}), 403, "csrf_failed")

    # With the token from the CSRF cookie, as a page's script sends it.
    client.get("/accounts/profile/")
    csrf = client.cookies["csrftoken"].value
    changed = api.patch(
        f"/results/{result.pk}", {"visibility": "public"}, headers={"X-CSRFToken": csrf}
    )
    assert changed.status_code == 200 and changed.json()["visibility"] == "public"


def test_a_token_needs_no_csrf_even_with_the_cookie_there(
    token_for: Callable[..., str], athlete: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)
    api = ApiClient(client, {"Authorization": f"Bearer {token_for(athlete)}"})

    assert api.post("/sessions", {"program": "runners-250"}).status_code == 201


# ---------------------------------------------------------------------------
# The profile page's section.


def test_the_profile_page_makes_a_token_shows_it_once_and_lists_it(
    athlete_client: Client,
) -> None:
    made = athlete_client.post("/accounts/tokens/", {"name": "Club screen", "scope": "write"})

    assert made.status_code == 200
    assert made["Cache-Control"].startswith("no-store") or "no-store" in made["Cache-Control"]
    html = made.content.decode()
    plain = re.search(r'value="(rs_[A-Za-z0-9_-]+)"', html)
    assert plain, html
    assert "Copy it now" in html
    api = ApiClient(Client(), {"Authorization": f"Bearer {plain[1]}"})
    assert api.get("/me").json()["scope"] == "write"

    profile = athlete_client.get("/accounts/profile/").content.decode()
    assert "Club screen" in profile and "Read and write" in profile
    assert plain[1] not in profile  # shown once
    assert plain[1][:11] in profile  # its public start tells it apart
    assert "<script>" not in profile


def test_the_profile_page_shows_when_each_token_was_last_used_in_the_sites_zone(
    athlete_client: Client, athlete: Any, token_for: Callable[..., str], settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Oslo"
    plain = token_for(athlete, name="Watch")
    assert "last used never" in " ".join(
        athlete_client.get("/accounts/profile/").content.decode().split()
    )

    with time_machine.travel(datetime(2026, 12, 5, 21, 7, tzinfo=UTC), tick=False):
        ApiClient(Client(), {"Authorization": f"Bearer {plain}"}).get("/me")

    page = " ".join(athlete_client.get("/accounts/profile/").content.decode().split())
    # 21:07 UTC is 22:07 in Oslo: said in the site's zone, and which zone that is.
    assert re.search(r"last used <time datetime=\"[^\"]+\">5 Dec 2026, 22:07 CET</time>", page)


def test_the_profile_page_revokes_a_token(athlete_client: Client, athlete: Any) -> None:
    made = tokens.token_create(user=athlete, name="old phone", scope="read")

    response = athlete_client.post("/accounts/tokens/revoke/", {"token": str(made.token.pk)})

    assert response.status_code == 302
    made.token.refresh_from_db()
    assert made.token.revoked_at is not None
    page = athlete_client.get("/accounts/profile/").content.decode()
    assert "revoked" in page


def test_htmx_swaps_only_the_section(athlete_client: Client) -> None:
    made = athlete_client.post(
        "/accounts/tokens/", {"name": "watch", "scope": "read"}, headers={"HX-Request": "true"}
    )

    assert made.status_code == 201
    html = made.content.decode()
    assert html.lstrip().startswith('<section id="api-tokens"')
    refused = athlete_client.post(
        "/accounts/tokens/", {"name": "", "scope": "read"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422


def test_a_visitor_cannot_make_a_token(client: Client) -> None:
    response = client.post("/accounts/tokens/", {"name": "x", "scope": "write"})

    assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]
    assert not ApiToken.objects.exists()
