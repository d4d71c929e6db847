"""A PostgreSQL server of the test's own, made the way scripts/test makes the
suite's (initdb, pg_ctl, run as the postgres user when the tests run as root,
since PostgreSQL refuses root), so that a test may stop and start it without
touching the server the rest of the suite uses."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .served import free_port


def pg_bin() -> Path:
    found = shutil.which("initdb")
    candidates = [str(Path(found).parent)] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise AssertionError("PostgreSQL is not installed (scripts/test installs it)")


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    user = "postgres"
    try:
        pwd.getpwnam(user)
    except KeyError:
        user = "nobody"
    return ["runuser", "-u", user, "--", *command]


@dataclass
class PrivatePostgres:
    data: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgres://runstrong@127.0.0.1:{self.port}/runstrong"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._ctl("-l", str(self.data / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh server with an empty ``runstrong`` database, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="runstrong-faults-pg."))
    folder.chmod(0o755)  # the postgres user must reach the data folder inside
    data = folder / "data"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        owner = _as_owner(["x"])[2]
        shutil.chown(data, owner)
    server = PrivatePostgres(data=data, port=free_port(), bin=pg_bin())
    subprocess.run(
        _as_owner(
            [
                str(server.bin / "initdb"),
                "-D",
                str(data),
                "-U",
                "runstrong",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    try:
        admin = server.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute('CREATE DATABASE "runstrong"')
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
