"""``runstrong serve`` runs a background worker beside gunicorn: an upload's import
queued on the served site gets done, and the worker goes when the server goes,
whether it is stopped or killed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import RUNSTRONG, runstrong_env
from tests.runs.conftest import ACTIVITIES

from .conftest import ServedSite, _free_port, _wait_until_up

QUEUE_IMPORT = """
import json, shutil
from pathlib import Path
from runstrong.accounts.models import User
from runstrong.runs import services_history, services_upload
from runstrong.runs.models import HistoryImport

source = Path({source!r})
size = source.stat().st_size
history = HistoryImport.objects.create(
    athlete=User.objects.get(email="alex@example.com"), name=source.name, size=size, received=size
)
target = services_upload.part_path(history)
target.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(source, target)
services_history.history_import_enqueue(history=history)
print(json.dumps({{"key": str(history.key)}}))
"""


def test_an_import_queued_on_the_served_site_is_done_by_its_worker(
    served_site: ServedSite, tmp_path: Path
) -> None:
    archive = tmp_path / "three-runs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("tcx/test.tcx", "gpx/cerknicko-jezero.gpx", "fit/Settings.fit"):
            zipped.write(ACTIVITIES / name, f"activities/{Path(name).name}")
    out = served_site.manage_shell(QUEUE_IMPORT.format(source=str(archive)))
    key = json.loads(out.strip().splitlines()[-1])["key"]
    client = served_site.logged_in("alex@example.com")

    deadline = time.monotonic() + 90
    answer = client.get(f"/runs/history/{key}/progress/")
    while answer.status == 200:  # 286 once finished: htmx stops polling
        assert time.monotonic() < deadline, f"not done:\n{answer.text}\n{served_site.log_tail()}"
        time.sleep(0.5)
        answer = client.get(f"/runs/history/{key}/progress/")

    assert answer.status == 286, answer.text
    assert "All 3 files read" in answer.text
    assert "<dt>Files that failed</dt><dd>1</dd>" in answer.text  # Settings.fit: no activity
    assert "<strong>Your history is in:</strong>" in answer.text


@pytest.fixture
def serve_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with runstrong_env(tmp_path / "data") as env:
        yield env


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    """``runstrong serve`` up and answering, and its task worker process."""
    port = _free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_until_up(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while True:
        workers = [
            child for child in psutil.Process(process.pid).children() if "worker" in child.cmdline()
        ]
        if workers:
            return process, workers[0]
        assert time.monotonic() < deadline, f"no task worker:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def _gone(process: psutil.Process, timeout: float = 20.0) -> bool:
    """Exited (a zombie left for its new parent to reap counts as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.2)
    return False


def test_the_worker_stops_with_the_server_and_when_the_server_is_killed(
    serve_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    server, worker = _serve(serve_env, log)
    server.terminate()  # as a service manager stops it
    assert server.wait(30) == 0
    assert _gone(worker), "the worker outlived the server it belonged to"

    server, worker = _serve(serve_env, log)
    try:
        server.kill()  # the server killed outright: the worker sees its parent gone
        server.wait()
        assert _gone(worker), "the worker outlived a killed server"
    finally:
        # gunicorn's web workers, orphaned by the kill, leave on their own; make sure.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
