"""Shared fixtures: the named personas and a clean environment for the ``runstrong`` command."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.15 s a hash by design; tests that are not about hashing
    use a fast one (tests/accounts/test_sign_up.py checks the real setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog_synced(db: None) -> None:
    from runstrong.workouts.services import catalog_sync_builtin

    catalog_sync_builtin()


@pytest.fixture
def athlete(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("alex", "alex@example.com", "correct horse battery")


@pytest.fixture
def stranger(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("sam", "sam@example.com", "another good passphrase")


@pytest.fixture
def athlete_client(client: Any, athlete: Any) -> Any:
    """A test client logged in as the athlete."""
    client.force_login(athlete)
    return client


@pytest.fixture
def stranger_client(client: Any, stranger: Any) -> Any:
    """A test client logged in as the stranger."""
    client.force_login(stranger)
    return client


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for running ``runstrong`` as a separate process, on the same
    kind of database as this test run: a fresh SQLite data folder, or, when the
    suite runs against PostgreSQL (DATABASE_URL set), a fresh database there."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["RUNSTRONG_DATA"] = str(tmp_path / "data")
    env["TERM"] = "xterm-256color"
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    name = f"runstrong_cli_{uuid.uuid4().hex[:12]}"
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
