"""Shared fixtures: the named personas and a clean environment for the ``runstrong`` command."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"


# Every way the test configuration differs from what `runstrong serve` runs, and
# why. Nothing else may differ: tests/test_project.py compares the settings a
# test sees with those the production settings module gives, key by key. Outside
# the settings, one more: the in-process browser tests set DJANGO_ALLOW_ASYNC_UNSAFE
# (Playwright's event loop shares their thread; see tests/browser/conftest.py).
# The served-site suite (tests/served/) has no difference at all: it runs
# `runstrong serve` itself.
TEST_ONLY_DIFFERENCES = {
    # Argon2 costs ~0.15 s a hash by design; tests that are not about hashing
    # use a fast one (tests/accounts/test_sign_up.py checks the real setting).
    "PASSWORD_HASHERS": "fast hashing in tests",
    # Collected once per run into a temporary folder, never the developer's data.
    "STATIC_ROOT": "collected once per test run into a temporary folder",
    # Django's test environment: e-mails kept in memory for tests to read,
    # and the test client's host name.
    "EMAIL_BACKEND": "Django's test runner keeps e-mails in django.core.mail.outbox",
    "ALLOWED_HOSTS": "Django's test runner adds 'testserver' for its test client",
    # pytest-django names the test database; the server still opens the same engine.
    "DATABASES": "the test database is a fresh one made by pytest-django",
}


@pytest.fixture(scope="session", autouse=True)
def _static_files_as_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """collectstatic once per run, into a temporary folder, with the storage
    production uses (hashed names, a strict manifest, compressed copies), and
    WhiteNoise serving them: a template naming a missing file fails here as it
    would on the served site."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    static_root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """See TEST_ONLY_DIFFERENCES."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _as_served(application: Any) -> Any:
    """The live server's static handler: none. Requests under /static/ reach
    the WSGI application, where WhiteNoise serves the collected files exactly
    as under gunicorn (Django's own handler would look the unhashed names up
    with the finders instead)."""
    return application


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, _static_files_as_served: None) -> Iterator[Any]:
    """pytest-django's live server, with static files served as in production."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _as_served
    server.start()
    yield server
    server.stop()


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


@contextlib.contextmanager
def runstrong_env(data_dir: Path) -> Iterator[dict[str, str]]:
    """Environment for running ``runstrong`` as a separate process, on the same
    kind of database as this test run: a fresh SQLite data folder, or, when the
    suite runs against PostgreSQL (DATABASE_URL set), a fresh database there."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["RUNSTRONG_DATA"] = str(data_dir)
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


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """See runstrong_env: a fresh data folder and database for one test."""
    with runstrong_env(tmp_path / "data") as env:
        yield env


def manage_shell(env: dict[str, str], code: str) -> Any:
    """Run ``code`` in ``runstrong manage shell`` with ``env``; its last line, as JSON."""
    done = subprocess.run(
        [str(RUNSTRONG), "manage", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
