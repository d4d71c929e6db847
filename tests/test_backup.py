"""``runstrong backup`` and ``runstrong restore``, run as whoever keeps the server runs them:
as separate processes, on the same kind of database as the rest of the suite."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RUNSTRONG, runstrong_env
from tests.served.conftest import serving
from tests.served.site import HttpClient

PASSWORD = "a long and good passphrase 42"
EMAIL = "alex@example.com"
ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))
WAIT_S = 120

SIGN_UP = f"""
from runstrong.accounts import services
services.user_sign_up(email={EMAIL!r}, password={PASSWORD!r}, display_name="Alex")
"""

# An athlete and one finished workout, made through the services.
SEED = (
    SIGN_UP
    + """
import json
from runstrong.accounts.models import User
from runstrong.workouts import services as workouts
from runstrong.workouts.models import Program

alex = User.objects.get(email="alex@example.com")
session = workouts.session_start(athlete=alex, program=Program.objects.get(slug="runners-250"))
events = [{"type": "start", "at": 1_760_000_000_000}]
now = 1_760_000_000_000
for slot in range(5):
    for _ in range(2):
        now += 50_000
        events.append({"type": "reps", "at": now, "slot": slot, "n": 25})
events.append({"type": "finish", "at": now})
for seq, event in enumerate(events):
    appended = workouts.session_append(session_id=session.id, athlete=alex, seq=seq, event=event)
print(json.dumps({"result_id": appended.result.pk}))
"""
)

# What a restored database holds, and whether each session's events and state
# were copied together (a torn copy would show a count that disagrees).
CONTENTS = """
import json
from django.db.models import Count
from runstrong.workouts.models import Result, SessionEvent, WorkoutSession

sessions = WorkoutSession.objects.annotate(stored=Count("events"))
print(json.dumps({
    "events": [[str(s), seq] for s, seq in SessionEvent.objects.values_list("session_id", "seq")],
    "results": {str(pk): total for pk, total in Result.objects.values_list("pk", "total_ms")},
    "torn": [str(s.pk) for s in sessions if s.stored != s.event_count],
    "finished_without_result": [
        str(pk) for pk in sessions.filter(status="finished", result__isnull=True)
        .values_list("pk", flat=True)
    ],
}))
"""


def runstrong(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUNSTRONG), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def succeed(env: dict[str, str], *args: str) -> str:
    done = runstrong(env, *args)
    assert done.returncode == 0, f"runstrong {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def shell(env: dict[str, str], code: str) -> Any:
    """Run Python in the site's own environment; its last line of output, as JSON."""
    out = succeed(env, "manage", "shell", "--verbosity=0", "-c", code).strip()
    return json.loads(out.splitlines()[-1]) if out else None


def tables(env: dict[str, str]) -> list[str]:
    """The tables in the site's database: none for a site never set up."""
    if url := env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(url) as connection:
            rows = connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        return [row[0] for row in rows]
    database = Path(env["RUNSTRONG_DATA"]) / "runstrong.sqlite3"
    if not database.exists():
        return []
    connection = sqlite3.connect(database)
    try:
        return [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    finally:
        connection.close()


def one_message(done: subprocess.CompletedProcess[str]) -> str:
    """The command failed with one line for the user, and no traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("runstrong: "), done.stderr
    return lines[0]


@dataclass
class SmallBackup:
    archive: Path
    result_id: int


@pytest.fixture(scope="module")
def small_backup(tmp_path_factory: pytest.TempPathFactory) -> SmallBackup:
    """A site with one athlete and one finished workout, backed up into a folder."""
    folder = tmp_path_factory.mktemp("small")
    backups = folder / "backups"
    backups.mkdir()
    with runstrong_env(folder / "data") as env:
        succeed(env, "setup")
        seeded = shell(env, SEED)
        out = succeed(env, "backup", str(backups))
    # Named after the time; nothing else left beside it.
    (archive,) = backups.iterdir()
    assert archive.name.startswith("runstrong-backup-") and archive.suffix == ".zip"
    assert str(archive) in out
    assert archive.stat().st_mode & 0o077 == 0, "readable by its owner only"
    return SmallBackup(archive=archive, result_id=seeded["result_id"])


# ---------------------------------------------------------------------------
# The live site: a backup taken while workouts are being posted.


@dataclass
class Acknowledged:
    events: list[tuple[str, int]] = field(default_factory=list)
    results: dict[str, int] = field(default_factory=dict)  # result id -> total_ms


class WorkoutPoster(threading.Thread):
    """Does workouts on the served site through the live page's own calls, one
    event a request, for as long as it runs; keeps what the server acknowledged."""

    def __init__(self, client: HttpClient) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.acknowledged = Acknowledged()
        self.error: str | None = None
        self._changed = threading.Condition()
        self._stopping = threading.Event()

    def snapshot(self) -> Acknowledged:
        with self._changed:
            return Acknowledged(
                events=list(self.acknowledged.events), results=dict(self.acknowledged.results)
            )

    def wait_until(self, events: int, results: int) -> None:
        with self._changed:
            reached = self._changed.wait_for(
                lambda: (
                    self.error is not None
                    or (
                        len(self.acknowledged.events) >= events
                        and len(self.acknowledged.results) >= results
                    )
                ),
                timeout=WAIT_S,
            )
        assert self.error is None, self.error
        assert reached, f"only {len(self.acknowledged.events)} events acknowledged"

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=WAIT_S)
        assert not self.is_alive()
        assert self.error is None, self.error

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._workout()
        except Exception as error:  # reported by wait_until and stop
            with self._changed:
                self.error = repr(error)
                self._changed.notify_all()

    def _workout(self) -> None:
        started = self.client.post_form("/programs/runners-250/start/", {"mode": "prescribed"})
        assert started.status == 302, started.text[:500]
        session_id = started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        begin = int(time.time() * 1000) - 3_600_000
        events: list[dict[str, Any]] = [{"type": "start", "at": begin}]
        for slot in range(5):
            for _ in range(2):
                events.append(
                    {"type": "reps", "at": begin + len(events) * 50_000, "slot": slot, "n": 25}
                )
        events.append({"type": "finish", "at": begin + len(events) * 50_000})
        for seq, event in enumerate(events):
            if self._stopping.is_set():
                return
            answer = self.client.request(
                "POST",
                f"/api/v1/sessions/{session_id}/events",
                body=json.dumps({"events": [{"seq": seq, **event}]}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-CSRFToken": self.client.csrf_token(),
                },
            )
            assert answer.status == 200, f"{answer.status} {answer.text[:500]}"
            result = answer.json()["result"]
            with self._changed:
                self.acknowledged.events.append((session_id, seq))
                if result is not None:
                    self.acknowledged.results[str(result["id"])] = result["total_ms"]
                self._changed.notify_all()


@contextlib.contextmanager
def posting(client: HttpClient) -> Iterator[WorkoutPoster]:
    poster = WorkoutPoster(client)
    poster.start()
    try:
        yield poster
    finally:
        poster.stop()


def test_a_backup_taken_while_workouts_are_posted_restores_all_that_was_acknowledged(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "live.zip"
    (tmp_path / "live").mkdir()
    with runstrong_env(tmp_path / "live" / "data") as env, serving(env, tmp_path / "live") as url:
        shell(env, SIGN_UP)
        athlete = HttpClient(url)
        athlete.log_in(EMAIL, PASSWORD)
        with posting(athlete) as poster:
            poster.wait_until(events=120, results=9)
            before = poster.snapshot()
            backup = runstrong(env, "backup", str(archive))
            after = poster.snapshot()
    assert backup.returncode == 0, backup.stderr
    assert len(after.events) > len(before.events), "the site kept taking events during the backup"

    (tmp_path / "restored").mkdir()
    with runstrong_env(tmp_path / "restored" / "data") as restored_env:
        succeed(restored_env, "restore", str(archive))
        contents = shell(restored_env, CONTENTS)
        stored_events = {(session, seq) for session, seq in contents["events"]}
        missing = [event for event in before.events if event not in stored_events]
        assert not missing, f"{len(missing)} acknowledged events are not in the backup"
        for result_id, total_ms in before.results.items():
            assert contents["results"].get(result_id) == total_ms, result_id
        # One snapshot: no session's events without its state, or the reverse.
        assert contents["torn"] == [] and contents["finished_without_result"] == []

        with serving(restored_env, tmp_path / "restored") as restored_url:
            visitor = HttpClient(restored_url)
            assert visitor.get("/").status == 200
            # The secret key came back with the database: the log-in from
            # before the backup still holds.
            returning = HttpClient(restored_url)
            for cookie in athlete.cookies:
                returning.cookies.set_cookie(cookie)
            assert returning.get("/history/").status == 200
            fresh = HttpClient(restored_url)
            fresh.log_in(EMAIL, PASSWORD)
            for result_id in before.results:
                assert fresh.get(f"/results/{result_id}/").status == 200


# ---------------------------------------------------------------------------
# Restore's refusals: each one message, and nothing written.


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    tmp_path: Path, small_backup: SmallBackup
) -> None:
    with runstrong_env(tmp_path / "data") as env:
        succeed(env, "setup")
        shell(env, SIGN_UP.replace("Alex", "Someone else"))
        message = one_message(runstrong(env, "restore", str(small_backup.archive)))
        assert "not empty" in message and "--force" in message
        code = "from runstrong.workouts.models import Result; print(Result.objects.count())"
        assert shell(env, code) == 0

        out = succeed(env, "restore", "--force", str(small_backup.archive))
        assert "Restored" in out
        code = (
            "from runstrong.workouts.models import Result; "
            "print(list(Result.objects.values_list('pk', flat=True)))"
        )
        assert shell(env, code) == [small_backup.result_id]


def _rewrite_manifest(archive: Path, target: Path, **changes: Any) -> None:
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(data)
                for key, value in changes.items():
                    if key == "kind":
                        manifest["database"]["kind"] = value
                    else:
                        manifest[key] = value
                data = json.dumps(manifest).encode()
            copy.writestr(info, data)


def _damaged(archive: Path, target: Path, how: str) -> None:
    data = archive.read_bytes()
    if how == "not a zip":
        target.write_bytes(b"These are my notes, not a backup.\n" * 100)
    elif how == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif how == "a damaged byte":
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            info = source.getinfo(_database_member(source))
        # Inside the database member's compressed data.
        middle = info.header_offset + 100 + info.compress_size // 2
        target.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif how == "no manifest":
        with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as copy:
            for info in source.infolist():
                if info.filename != "manifest.json":
                    copy.writestr(info, source.read(info))
    elif how == "a newer format":
        _rewrite_manifest(archive, target, format_version=2, runstrong_version="9.0")
    elif how == "another database":
        _rewrite_manifest(archive, target, kind="sqlite" if ON_POSTGRESQL else "postgresql")
    else:
        raise AssertionError(how)


def _database_member(archive: zipfile.ZipFile) -> str:
    return next(name for name in archive.namelist() if name.startswith("database/"))


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("not a zip", "not a RunStrong backup"),
        ("truncated", "damaged or cut short"),
        ("a damaged byte", "is damaged"),
        ("no manifest", "not a RunStrong backup (no manifest.json)"),
        ("a newer format", "made by a newer RunStrong (9.0"),
        ("another database", "restoring across databases is not supported"),
    ],
)
def test_a_bad_archive_gets_one_message_and_the_target_stays_empty(
    tmp_path: Path, small_backup: SmallBackup, how: str, said: str
) -> None:
    bad = tmp_path / "bad.zip"
    _damaged(small_backup.archive, bad, how)
    with runstrong_env(tmp_path / "data") as env:
        message = one_message(runstrong(env, "restore", str(bad)))
        assert said in message
        assert tables(env) == []
        key = Path(env["RUNSTRONG_DATA"]) / "secret_key"
        with zipfile.ZipFile(small_backup.archive) as archive:
            assert key.read_bytes() != archive.read("data/secret_key")


def test_restore_applies_the_migrations_of_a_backup_from_an_older_version(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "old.zip"
    with runstrong_env(tmp_path / "old") as env:
        succeed(env, "setup")
        # As a RunStrong from before community's latest migration left it.
        succeed(env, "manage", "migrate", "community", "0003")
        succeed(env, "backup", str(archive))
    with runstrong_env(tmp_path / "data") as env:
        out = succeed(env, "restore", str(archive))
        assert "Applied 1 migrations" in out
        succeed(env, "manage", "migrate", "--check")


# ---------------------------------------------------------------------------
# Backup's failures leave nothing that looks like a backup.


def test_a_site_never_set_up_has_nothing_to_back_up(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    with runstrong_env(tmp_path / "data") as env:
        one_message(runstrong(env, "backup", str(backups / "b.zip")))
    assert list(backups.iterdir()) == []


def test_only_postgresql_needs_pg_dump_and_its_absence_is_named(tmp_path: Path) -> None:
    """With no PostgreSQL programs anywhere, a SQLite site still backs up (it needs
    none); a PostgreSQL site refuses with one line naming pg_dump and where it looked."""
    backups = tmp_path / "backups"
    backups.mkdir()
    no_programs = tmp_path / "empty"
    no_programs.mkdir()
    with runstrong_env(tmp_path / "data") as env:
        succeed(env, "setup")
        env = {**env, "PATH": str(no_programs), "RUNSTRONG_PG_BIN": str(no_programs)}
        done = runstrong(env, "backup", str(backups / "b.zip"))
        if not ON_POSTGRESQL:
            assert done.returncode == 0, done.stdout + done.stderr
            assert [path.name for path in backups.iterdir()] == ["b.zip"]
            return
        message = one_message(done)
    assert f"pg_dump is not in RUNSTRONG_PG_BIN={no_programs}" in message
    assert list(backups.iterdir()) == []


def test_pg_dump_neither_on_path_nor_installed_names_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runstrong import backup

    monkeypatch.delenv("RUNSTRONG_PG_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "PG_BIN_GLOBS", (str(tmp_path / "postgresql" / "*" / "bin"),))
    with pytest.raises(backup.BackupError, match=r"pg_dump is needed .* not found on PATH or in"):
        backup.pg_tool("pg_dump")
