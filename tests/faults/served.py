"""The real ``runstrong serve`` (gunicorn, production settings), started by a
test on a data folder of its own so that the test may kill it, stop it, starve
it of disk or take its database away, and start it again on the same port and
the same data. ``tests/served/`` shares one site for its whole package; these
tests cannot."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext

from tests.conftest import RUNSTRONG
from tests.served.site import HttpClient

START_TIMEOUT_S = 120
PASSWORD = "a long and good passphrase 42"
EMAIL = "alex@example.com"
LEDGER_SOURCE = (Path(__file__).parent / "ledger.py").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """One ``runstrong serve`` process group; ``start`` may be called again after a kill."""

    folder: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    workers: int | None = None
    before_exec: Callable[[], None] | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "serve.log"

    def start(self) -> None:
        # No background worker: these scenarios are about the session API, and a
        # worker child (started by serve since history imports) would be one more
        # process for the faults to reach and for ``pids`` to find gone.
        command = [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{self.port}", "--no-worker"]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole
                preexec_fn=self.before_exec,  # sets a signal or a limit only
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"runstrong serve stopped:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"runstrong serve did not answer:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        assert self.process is not None
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]

    def signal_all(self, number: int) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, number)

    def kill(self) -> None:
        """SIGKILL to every process of the server: no shutdown, no answer sent."""
        assert self.process is not None
        self.signal_all(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.signal_all(signal.SIGCONT)  # a stopped server cannot hear SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def shell(self, code: str, **extra_env: str) -> str:
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

    def seed(self) -> str:
        """An athlete (``EMAIL``, ``PASSWORD``) signed up and a Runner's 250
        started, both through the site's own forms; returns the session's id."""
        client = HttpClient(self.url)
        fields = {"email": EMAIL, "display_name": "Alex"}
        answer = client.post_form(
            "/accounts/sign-up/", {**fields, "password1": PASSWORD, "password2": PASSWORD}
        )
        assert answer.status == 302, answer.text[-2000:]
        answer = client.post_form("/programs/runners-250/start/", {"mode": "prescribed"})
        assert answer.status == 302, answer.text[-2000:]
        location = str(answer.headers["Location"])
        return location.rstrip("/").rsplit("/", 1)[-1]

    def ledger(self, session_id: str) -> dict[str, Any]:
        code = f"{LEDGER_SOURCE}\nimport json\nprint(json.dumps(read_ledger({session_id!r})))\n"
        return dict(json.loads(self.shell(code).strip().splitlines()[-1]))

    def client(self) -> HttpClient:
        client = HttpClient(self.url)
        client.log_in(EMAIL, PASSWORD)
        return client

    def log_in(self, context: BrowserContext) -> None:
        """Log the browser in with the cookies of a real log-in."""
        client = self.client()
        context.add_cookies(
            [
                {"name": cookie.name, "value": str(cookie.value), "url": self.url}
                for cookie in client.cookies
            ]
        )

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


@contextlib.contextmanager
def serving(env: dict[str, str], folder: Path, **options: Any) -> Iterator[Served]:
    site = Served(folder=folder, env=env, **options)
    site.start()
    try:
        yield site
    finally:
        site.stop()


def stored_event_count(site: Served, session_id: str) -> int:
    """How many events the site's database holds for a session, read straight
    from the database (fast enough to poll while a request is being served)."""
    url = site.env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM workouts_sessionevent WHERE session_id = %s",
                (session_id,),
            ).fetchone()
    else:
        import sqlite3
        import uuid

        path = Path(site.env["RUNSTRONG_DATA"]) / "runstrong.sqlite3"
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM workouts_sessionevent WHERE session_id = ?",
                (uuid.UUID(session_id).hex,),
            ).fetchone()
    assert row is not None
    return int(row[0])


def sqlite_env(data_dir: Path) -> dict[str, str]:
    """The environment for a site on SQLite in ``data_dir``, whichever database
    the suite runs on."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.pop("DATABASE_URL", None)
    env["RUNSTRONG_DATA"] = str(data_dir)
    return env
