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
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from runstrong.accounts import services
from tests.conftest import runstrong_env

from .conftest import serving

GUESSES = 30
AT_ONCE = 4
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a freshly started ``runstrong serve`` on a fresh data folder
    and database, a worker for each request in flight. The tests share it: each
    guesses from its own address, at its own logins, so neither's counts touch
    the other's."""
    folder = tmp_path_factory.mktemp("login")
    with runstrong_env(folder / "data") as env, serving(env, folder, workers=AT_ONCE) as url:
        yield int(url.rsplit(":", 1)[1])


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
