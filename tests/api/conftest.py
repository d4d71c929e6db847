"""Personas and helpers for the public API's tests (``/api/v1/``).

The athlete (owner), a clubmate (in a club with the athlete), a stranger (in
no club) and a visitor (nobody), each with a test client; ``token_for`` makes
a personal access token through the real service and ``bearer`` a client
that sends it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.accounts import tokens
from runstrong.community import services as social
from runstrong.community.models import Club
from runstrong.workouts.models import Result

# The browser tests' own Chromium (Debian's) and contexts, for test_browser.py. Imported
# in a conftest, not a test module: a package-scoped fixture imported into a module
# outlives the package, and the next package's Chromium would then find Playwright's
# event loop still running.
from tests.browser.conftest import browser, new_context  # noqa: F401 (fixtures)
from tests.workouts.factories import complete_session

ERROR_KEYS = {"code", "message", "field"}


@pytest.fixture(autouse=True)
def _catalog(catalog_synced: None) -> None:
    """Every API test needs the built-in programs."""


@pytest.fixture
def clubmate(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        "casey", "casey@example.com", "a third good passphrase", display_name="Casey"
    )


@pytest.fixture
def club(athlete: Any, clubmate: Any) -> Club:
    club = social.club_create(creator=athlete, name="Tuesday Track")
    social.club_join(athlete=clubmate, token=club.invite_token)
    return club


class ApiClient:
    """A Django test client that speaks JSON to /api/v1/, as one caller."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def call(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        headers = {**self.headers, **options.pop("headers", {})}
        data = json.dumps(body) if body is not None and not isinstance(body, str | bytes) else body
        kwargs: dict[str, Any] = {"headers": headers, **options}
        if data is not None:
            kwargs.setdefault("content_type", "application/json")
            kwargs["data"] = data
        return getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)

    def get(self, path: str, **options: Any) -> Any:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Any:
        return self.call("POST", path, body, **options)

    def patch(self, path: str, body: Any = None, **options: Any) -> Any:
        return self.call("PATCH", path, body, **options)


@pytest.fixture
def token_for(db: None) -> Callable[..., str]:
    def make(user: Any, scope: str = "write", name: str = "test") -> str:
        return tokens.token_create(user=user, name=name, scope=scope).plain

    return make


@pytest.fixture
def bearer(token_for: Callable[..., str]) -> Callable[..., ApiClient]:
    """An API client for ``user`` with a new token of ``scope`` (no cookie at all)."""

    def make(user: Any, scope: str = "write") -> ApiClient:
        return ApiClient(Client(), {"Authorization": f"Bearer {token_for(user, scope)}"})

    return make


@pytest.fixture
def visitor_api() -> ApiClient:
    return ApiClient(Client())


def finished_result(user: Any, visibility: str = "private", **options: Any) -> Result:
    appended = complete_session(user, **options)
    assert appended.result is not None
    if visibility != appended.result.visibility:
        social.result_visibility_set(
            athlete=user, result_id=appended.result.pk, visibility=visibility
        )
    return Result.objects.get(pk=appended.result.pk)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The API's one error shape, in JSON, with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= ERROR_KEYS, body
    assert isinstance(body["code"], str) and isinstance(body["message"], str) and body["message"]
    assert body["field"] is None or isinstance(body["field"], str)
    if code is not None:
        assert body["code"] == code, body
    return dict(body)
