"""Failed-log-in limits: what one attempt costs, and whether parallel guesses get past.

Run (from the repository root, after scripts/test or scripts/run has set up .venv):

    .venv/bin/python bench/login_limits.py [--fast-hash] [--axes] [--attempts 40]

It starts ``runstrong serve`` (gunicorn, 4 workers, production settings from
bench/login_settings.py) on a free port with a throwaway data folder (or a
fresh database on the server DATABASE_URL names), then:

- times ``--attempts`` wrong-password log-ins one after another, each from its
  own client address (any 127.x.y.z reaches the loopback server) at an account
  of its own, so no limit is reached: the time of an attempt, as a client sees it;
- sends 30 wrong passwords at one account, 4 at a time, and counts the
  passwords the server checked (its hasher counts them) and the answers;
- sends 30 wrong passwords from one address at 30 accounts, 4 at a time.

``--fast-hash`` swaps Argon2 for MD5, so the limiter's own cost shows.
``--axes`` replaces RunStrong's limits with django-axes (8.x), which must be
importable: ``pip install --target /tmp/axes django-axes`` then
``PYTHONPATH=/tmp/axes``.

Figures (2 cores shared with other sessions, load 3-8, so times are rough;
SQLite and PostgreSQL alike). "Before" is the limiter that looked, checked
the password, then counted; django-axes is 8.3.1 with one limit of 5 (it has
one number for every lockout parameter, so not 5 per account and 20 per IP):

                                     own limits    before      django-axes
    attempt p50, Argon2              250-285 ms    275-290 ms  250 ms
    attempt p50, --fast-hash         7.6-10 ms     8.1-11 ms   13-16 ms
    passwords checked, 30 guesses 4 at a time:
      at one account (limit 5)       5             6-8         5-8
      from one address (limit 20)    20            21-23       8 (limit 5)

django-axes checks the lockout before the password and counts the failure
after it, from the user_login_failed signal, so parallel guesses pass the
check together, as they did here before.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from local_servers import free_port

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"
BURST = 30
AT_ONCE = 4


@contextmanager
def _database(env: dict[str, str]) -> Iterator[None]:
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        yield
        return
    import psycopg

    name = f"runstrong_bench_{uuid.uuid4().hex[:12]}"
    server_url = base_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{server_url}/{name}"
    try:
        yield
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def served(*, fast_hash: bool, axes: bool) -> Iterator[tuple[int, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(
            RUNSTRONG_DATA=str(Path(folder) / "data"),
            DJANGO_SETTINGS_MODULE="bench.login_settings",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        if fast_hash:
            env["RUNSTRONG_BENCH_FAST_HASH"] = "1"
        if axes:
            env["RUNSTRONG_BENCH_AXES"] = "1"
        with _database(env):
            port = free_port()
            server = subprocess.Popen(
                [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(AT_ONCE)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                deadline = time.monotonic() + 120
                while server.poll() is None and time.monotonic() < deadline:
                    try:
                        Client(port, "127.0.0.1")
                        break
                    except OSError:
                        time.sleep(0.2)
                else:
                    sys.exit("runstrong serve did not start")
                yield port, Path(env["RUNSTRONG_DATA"])
            finally:
                server.terminate()
                server.wait(timeout=30)


class Client:
    """Requests from one client address, with a CSRF cookie and token of its own."""

    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.address = address
        status, page, cookie = self._request("GET", "/accounts/log-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token is not None and cookie, status
        self.token = token.group(1)
        self.cookie = cookie

    def _request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
            return response.status, response.read().decode(), cookie
        finally:
            connection.close()

    def log_in(self, login: str, password: str) -> str:
        body = urlencode(
            {"username": login, "password": password, "csrfmiddlewaretoken": self.token}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        status, page, _ = self._request("POST", "/accounts/log-in/", body, headers)
        if status == 429:
            return "wait"
        if status == 200 and "Wrong e-mail or password" in page:
            return "wrong"
        return f"status {status}"


def burst(client: Client, logins: list[str]) -> list[str]:
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(lambda login: client.log_in(login, "wrong guess"), logins))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--fast-hash", action="store_true")
    parser.add_argument("--axes", action="store_true")
    args = parser.parse_args()
    per_account, per_address = (5, 5) if args.axes else (5, 20)

    with served(fast_hash=args.fast_hash, axes=args.axes) as (port, data):
        times = []
        # The first attempts in each worker warm it up (imports, a connection): not timed.
        for number in range(-2 * AT_ONCE, args.attempts):
            client = Client(port, f"127.0.1.{number % 250 + 1}")
            started = time.perf_counter()
            assert client.log_in(f"timing{number}@example.com", "wrong guess") == "wrong"
            if number >= 0:
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]
        print(f"wrong-password attempt: p50 {statistics.median(times):.1f} ms  p95 {p95:.1f} ms")

        checks = data / "password-checks"
        for what, address, logins, limit in [
            ("at one account", "127.0.2.1", ["alex@example.com"] * BURST, per_account),
            (
                "from one address",
                "127.0.3.1",
                [f"someone{number}@example.com" for number in range(BURST)],
                per_address,
            ),
        ]:
            checked_before = checks.stat().st_size
            answers = burst(Client(port, address), logins)
            print(
                f"{BURST} guesses {what}, {AT_ONCE} at a time (limit {limit}): "
                f"{checks.stat().st_size - checked_before} passwords checked, "
                f"{answers.count('wrong')} wrong-password answers, "
                f"{answers.count('wait')} told to wait"
            )


if __name__ == "__main__":
    main()
