"""The failed-log-in limits hold when guesses arrive in parallel.

Sent one at a time, guesses cannot get past the limit; sent side by side they
could, if checking the limit and counting the attempt were two steps. So these
tests start the real served site (``runstrong serve``: gunicorn workers, the
production settings and password hasher, a fresh data folder) and send real
HTTP requests from several threads at once. In-process test clients would
not do: the test database on SQLite is an in-memory one, whose connections
lock each other out instead of waiting their turn as the served file does.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from runstrong.accounts import services
from tests.conftest import RUNSTRONG

GUESSES = 30
AT_ONCE = 4
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """As conftest's ``cli_env``, once for the module: a fresh data folder, and
    on PostgreSQL a fresh database, so one server start serves both tests."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["RUNSTRONG_DATA"] = str(tmp_path_factory.mktemp("served") / "data")
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    name = f"runstrong_login_{uuid.uuid4().hex[:12]}"
    server_url = base_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{server_url}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def served_site(served_env: dict[str, str]) -> Iterator[int]:
    """The port of a freshly started ``runstrong serve``, a worker for each request
    in flight. The tests share it: each guesses from its own address, at its own
    logins, so neither's counts touch the other's."""
    port = _free_port()
    server = subprocess.Popen(
        [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(AT_ONCE)],
        env=served_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"runstrong serve did not start:\n{server.communicate()[1]}")
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.communicate(timeout=30)


class Visitor:
    """Requests from one client address: any 127.x.y.z reaches the server on the
    loopback, and is the REMOTE_ADDR the limits count by."""

    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.address = address
        status, page, cookie = self._request("GET", "/accounts/log-in/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None and cookie is not None
        self.token = token.group(1)
        self.cookie = cookie

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urlencode({**fields, "csrfmiddlewaretoken": self.token})
        status, page, _ = self._request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie},
        )
        return status, page

    def _request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, str | None]:
        # A connection of its own for each request, so threads share none.
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            cookie = response.getheader("Set-Cookie")
            return response.status, response.read().decode(), cookie and cookie.split(";")[0]
        finally:
            connection.close()

    def log_in(self, login: str, password: str) -> str:
        """What the answer said: "in", "wrong" or "wait"."""
        status, page = self.post("/accounts/log-in/", {"username": login, "password": password})
        if status == 429:
            return "wait"
        if status == 302:
            return "in"
        assert status == 200, (status, page)
        assert "Wrong e-mail or password" in page
        return "wrong"

    def guess_in_parallel(self, logins: list[str]) -> list[str]:
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            return list(pool.map(lambda login: self.log_in(login, "wrong guess"), logins))


def test_parallel_guesses_at_one_account_get_only_its_limit_of_answers(served_site: int) -> None:
    signed_up, _ = Visitor(served_site, "127.0.0.2").post(
        "/accounts/sign-up/",
        {
            "email": "alex@example.com",
            "display_name": "Alex",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signed_up == 302
    guesser = Visitor(served_site, "127.0.0.3")

    answers = guesser.guess_in_parallel(["alex@example.com"] * GUESSES)

    assert answers.count("wrong") == services.LOGIN_FAILURES_PER_EMAIL, answers
    assert answers.count("wait") == GUESSES - services.LOGIN_FAILURES_PER_EMAIL
    # Even the right password waits, from any address.
    assert Visitor(served_site, "127.0.0.4").log_in("alex@example.com", PASSWORD) == "wait"


def test_parallel_guesses_from_one_address_get_only_its_limit_of_answers(served_site: int) -> None:
    guesser = Visitor(served_site, "127.0.0.5")

    answers = guesser.guess_in_parallel(
        [f"someone{number}@example.com" for number in range(GUESSES)]
    )

    assert answers.count("wrong") == services.LOGIN_FAILURES_PER_IP, answers
    assert answers.count("wait") == GUESSES - services.LOGIN_FAILURES_PER_IP
    # Another address is not affected.
    assert Visitor(served_site, "127.0.0.6").log_in("someone@example.com", "wrong guess") == "wrong"
