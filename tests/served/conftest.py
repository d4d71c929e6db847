"""The served site: the real ``runstrong serve`` (gunicorn, production settings,
static files collected and hashed) on a fresh data folder and database.

Everything else in the suite runs Django in the test process; these tests look
at the site exactly as a runner's phone does, so a difference between the two
(a missing manifest entry, a middleware that only production has) shows here.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The browser tests' Chromium (Debian's, driven by Playwright) for the offline test.
from tests.browser.conftest import browser, new_context  # noqa: F401 (fixtures)
from tests.conftest import RUNSTRONG, runstrong_env
from tests.runs.conftest import ACTIVITIES

from .site import HttpClient

START_TIMEOUT_S = 120
# Made by seed.py inside the served site's own database, through the services.
PASSWORD = "a long and good passphrase 42"


@dataclass
class ServedSite:
    url: str
    env: dict[str, str]
    log: Path
    # What seed.py made: ids and slugs for every URL pattern's arguments.
    data: dict[str, Any] = field(default_factory=dict)

    def client(self) -> HttpClient:
        return HttpClient(self.url)

    def logged_in(self, email: str) -> HttpClient:
        client = self.client()
        client.log_in(email, PASSWORD)
        return client

    def manage_shell(self, code: str, **extra_env: str) -> str:
        """Run Python in the site's own environment (``runstrong manage shell``)."""
        done = subprocess.run(
            [str(RUNSTRONG), "manage", "shell", "-c", code],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runstrong serve stopped (exit {process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"runstrong serve did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


@contextlib.contextmanager
def serving(env: dict[str, str], folder: Path, *, workers: int | None = None) -> Iterator[str]:
    """``runstrong serve`` on a free port of the loopback, as a user starts it
    (``workers`` left to its default unless given); yields its base URL and
    stops it after. Its output goes to ``folder/serve.log``."""
    port = _free_port()
    log = folder / "serve.log"
    command = [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{port}"]
    if workers is not None:
        command += ["--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """``runstrong serve`` on a fresh data folder (and a fresh PostgreSQL database
    when the suite runs on PostgreSQL), with the seed data made."""
    folder = tmp_path_factory.mktemp("served")
    with runstrong_env(folder / "data") as env, serving(env, folder) as url:
        site = ServedSite(url=url, env=env, log=folder / "serve.log")
        out = site.manage_shell(
            (Path(__file__).parent / "seed.py").read_text(),
            SEED_PASSWORD=PASSWORD,
            SEED_ACTIVITY=str(ACTIVITIES / "fit" / "garmin-fenix-5-run.fit"),
        )
        site.data = json.loads(out.strip().splitlines()[-1])
        yield site
