"""What the benchmarks need to start servers of their own on this machine.

Imported by the benchmarks beside it (run as ``python bench/NAME.py``, so this
folder is on ``sys.path``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port nothing listens on now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_bin(hint: str) -> Path:
    """The folder with PostgreSQL's initdb and pg_ctl: PATH first, then Debian's
    /usr/lib/postgresql/*/bin, newest first; exits naming ``hint`` when none has them."""
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    sys.exit(f"PostgreSQL is not installed (initdb not found): {hint}")


def start_serve(
    runstrong: Path, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """``runstrong serve`` with its defaults on a free port, its output in ``log``,
    once it accepts connections; exits the benchmark with the log's end if it
    stops or does not start within two minutes."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(runstrong), "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            sys.exit(f"runstrong serve stopped:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("runstrong serve did not start")
            time.sleep(0.2)
