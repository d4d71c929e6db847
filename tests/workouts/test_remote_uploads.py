"""``runstrong import --server``'s uploader (``runs/remote.py``), against a live server."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from runstrong.accounts import tokens
from runstrong.runs import remote as runs_remote
from runstrong.runs.models import Activity
from runstrong.workouts import remote
from tests.runs.conftest import ACTIVITIES

GPX = ACTIVITIES / "gpx" / "cerknicko-jezero.gpx"
FIT = ACTIVITIES / "fit" / "garmin-fenix-5-run.fit"


@pytest.fixture
def client(live_server: Any, transactional_db: None, athlete: Any) -> remote.Client:
    token = tokens.token_create(user=athlete, name="laptop", scope="write").plain
    return remote.Client(live_server.url, token, timeout=30)


def test_files_are_grouped_within_the_limits(tmp_path: Path) -> None:
    files = []
    for index, size in enumerate([10, 10, 10, 50, 10]):
        path = tmp_path / f"{index}.gpx"
        path.write_bytes(b"x" * size)
        files.append(path)
    groups = list(runs_remote.batches(files, max_files=2, max_bytes=40))
    assert [[path.name for path in group] for group in groups] == [
        ["0.gpx", "1.gpx"],
        ["2.gpx"],
        ["3.gpx"],  # over the limit alone: the site says so
        ["4.gpx"],
    ]


def test_uploads_each_file_once_and_reports_a_resend_as_duplicates(
    client: remote.Client, athlete: Any
) -> None:
    outcomes = runs_remote.upload(client, [GPX, FIT])
    assert [(o.name, o.status) for o in outcomes] == [
        (GPX.name, "imported"),
        (FIT.name, "imported"),
    ]
    again = runs_remote.upload(client, [FIT])
    assert [o.status for o in again] == ["duplicate"]
    assert Activity.objects.filter(athlete=athlete).count() == 2


def test_an_unreachable_site_is_retried_then_given_up(client: remote.Client) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    waits: list[float] = []
    away = remote.Client(f"http://127.0.0.1:{closed}", client.token, timeout=2)
    with pytest.raises(remote.ServerError, match="gave up"):
        runs_remote.upload(away, [GPX], sleep=waits.append)
    assert len(waits) == runs_remote.ATTEMPTS


def test_a_read_token_is_refused(live_server: Any, transactional_db: None, athlete: Any) -> None:
    reader = tokens.token_create(user=athlete, name="watch", scope="read").plain
    with pytest.raises(remote.ServerError, match="may only read"):
        runs_remote.upload(remote.Client(live_server.url, reader), [GPX])
