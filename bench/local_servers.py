"""What the benchmarks need to start servers of their own on this machine.

Imported by the benchmarks beside it (run as ``python bench/NAME.py``, so this
folder is on ``sys.path``).
"""

from __future__ import annotations

import shutil
import socket
import sys
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
