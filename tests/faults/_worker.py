"""A real ``runstrong worker`` and a history import for it, on a data folder (and
database) of the test's own: queued through the services as an upload's end
queues it, watched straight from the database, checked through the models."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import RUNSTRONG, manage_shell

QUEUE_IMPORT = """
import json, shutil
from pathlib import Path
from runstrong.accounts.models import User
from runstrong.runs import services_history, services_upload
from runstrong.runs.models import HistoryImport

source = Path({source!r})
athlete = User.objects.create_user("alex", "alex@example.com", "a long and good passphrase 42")
history = HistoryImport.objects.create(
    athlete=athlete, name=source.name, size=source.stat().st_size, received=source.stat().st_size
)
target = services_upload.part_path(history)
target.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(source, target)
history = services_history.history_import_enqueue(history=history)
print(json.dumps({{"id": history.pk, "part": str(target)}}))
"""

SUMMARY = """
import json
from django.db.models import Count
from runstrong.runs.models import Activity, HistoryImport, ImportItem

history = HistoryImport.objects.get(pk={import_id})
items = ImportItem.objects.filter(batch=history.batch)
print(json.dumps({{
    "state": history.state,
    "message": history.message,
    "counts": [history.files_total, history.files_read, history.next_member],
    "found": [history.runs_found, history.others_found, history.duplicates, history.failed],
    "activities": sorted(
        [name, is_run] for name, is_run in Activity.objects.values_list("original_name", "is_run")
    ),
    "distinct_files": Activity.objects.values("sha256", "leg").distinct().count(),
    "items_per_position": sorted(
        [row["position"], row["n"]] for row in items.values("position").annotate(n=Count("id"))
    ),
    "items_linked": items.filter(activity__isnull=False).count(),
}}))
"""


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(RUNSTRONG), "manage", "migrate", "--verbosity", "0"],
        env=env,
        check=True,
        timeout=180,
        capture_output=True,
    )


def queue_import(env: dict[str, str], source: Path) -> int:
    return int(manage_shell(env, QUEUE_IMPORT.format(source=str(source)))["id"])


def summary(env: dict[str, str], import_id: int) -> dict[str, Any]:
    result: dict[str, Any] = manage_shell(env, SUMMARY.format(import_id=import_id))
    return result


def progress(env: dict[str, str], import_id: int) -> tuple[str, int, int]:
    """(state, files_read, files_total), read straight from the database: cheap
    enough to ask every tenth of a second."""
    query = "SELECT state, files_read, files_total FROM runs_historyimport WHERE id = "
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as connection:
            row = connection.execute(query + "%s", (import_id,)).fetchone()
    else:
        path = Path(env["RUNSTRONG_DATA"]) / "runstrong.sqlite3"
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            connection.execute("PRAGMA busy_timeout = 20000")
            row = connection.execute(query + "?", (import_id,)).fetchone()
    assert row is not None
    return str(row[0]), int(row[1]), int(row[2])


def wait_for(
    env: dict[str, str], import_id: int, done: Any, *, timeout: float = 180.0
) -> tuple[str, int, int]:
    """Poll ``progress`` until ``done(state, read, total)``; the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        reading = progress(env, import_id)
        if done(*reading):
            return reading
        assert time.monotonic() < deadline, f"still {reading} after {timeout:.0f} s"
        time.sleep(0.1)


@contextlib.contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``runstrong worker`` as an operator starts it; stopped (gracefully, or
    killed past 30 s) when the block ends, if the test has not killed it."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(RUNSTRONG), "worker", "--interval", "0.2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
