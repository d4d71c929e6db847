"""``runstrong backup FILE`` and ``runstrong restore FILE``: the whole site in one file.

What a backup holds, and why:

* **The database**, copied while the site keeps serving. SQLite: SQLite's online
  backup API, in one step, so the copy is one read transaction's snapshot (in
  WAL mode writers carry on meanwhile, and every transaction committed before
  the copy began is in it, WAL frames included). PostgreSQL: ``pg_dump
  --format=custom``, run on a snapshot exported from a transaction in which the
  rows are counted too, so the counts in the manifest are those of the dump.
  Everything a runner uploads lives in the database: run files (compressed,
  ``Activity.original_gz``) and share cards (``ShareCard.png``) are binary
  columns, and there is no media folder.
* **The data folder's secret key**, when the key comes from there (``SECRET_KEY``
  unset). Django signs with it: a log-in session whose key is restored from the
  database stays valid only under the same key, and so does a password-reset
  link already e-mailed. Restoring without it would log everyone out and void
  those links. The archive is already as secret as the key: it holds every
  password hash and the session table itself, so it is written readable by its
  owner only and must be kept like the server's own disk. A key set in the
  environment is the operator's to keep; the manifest says it is not inside.
* Not the collected static files: ``runstrong setup`` and ``serve`` collect them
  again from the installed package. Not SQLite's ``-wal``/``-shm`` files: the
  copy is a self-contained database.

The archive is a zip: ``manifest.json`` (format version, RunStrong version,
database kind, time, row count of every table, applied migrations, size and
SHA-256 of every member) beside the database and the key. It is written under a
temporary name beside FILE and renamed when complete, so a backup that fails
leaves nothing that looks like a backup.

A restore goes into an empty database (and data folder) unless ``--force``. It
checks everything first — the zip, the manifest, the checksums, the database
kind, a schema this version knows — and only then writes; the row counts are
checked again once restored, and migrations are applied when the backup came
from an older RunStrong. A SQLite backup restores into SQLite and a PostgreSQL
one into PostgreSQL: moving between them would mean converting types and
sequences, which this does not attempt.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from runstrong.cli import CommandError, _django, console

FORMAT = "runstrong-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/runstrong.sqlite3"
PG_DUMP_MEMBER = "database/runstrong.pgdump"
KEY_FILE_MEMBER = "data/secret_key"
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Where Debian and Ubuntu install PostgreSQL's programs when no client is on PATH.
PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """What went wrong, as one message for whoever runs the server."""


@dataclass(frozen=True)
class BackupMade:
    path: Path
    kind: str
    tables: int
    rows: int
    secret_key: bool
    bytes: int
    seconds: float


@dataclass(frozen=True)
class Restored:
    kind: str
    tables: int
    rows: int
    created_at: str
    runstrong_version: str
    key_file: str  # "restored", "environment" (the archive has none) or "overridden"
    migrations_applied: int


# ---------------------------------------------------------------------------
# Where things are.


def _database_config() -> tuple[str, dict[str, Any]]:
    from django.conf import settings

    config: dict[str, Any] = settings.DATABASES["default"]
    kind = "sqlite" if str(config["ENGINE"]).endswith("sqlite3") else "postgresql"
    return kind, config


def _data_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR)


def _key_file_in_use() -> Path | None:
    """The data folder's secret key file, if it is the key the site signs with."""
    from django.conf import settings

    path = _data_dir() / "secret_key"
    try:
        return path if path.read_text().strip() == settings.SECRET_KEY else None
    except OSError:
        return None


def pg_tool(name: str) -> Path:
    """``pg_dump`` or ``pg_restore``: from ``RUNSTRONG_PG_BIN`` when set (and only
    there), else from PATH, else the newest in /usr/lib/postgresql/*/bin."""
    configured = os.environ.get("RUNSTRONG_PG_BIN")
    if configured:
        candidate = Path(configured) / name
        if os.access(candidate, os.X_OK):
            return candidate
        raise BackupError(
            f"{name} is not in RUNSTRONG_PG_BIN={configured}: point it at the folder "
            f"holding PostgreSQL's client programs"
        )
    found = shutil.which(name)
    if found:
        return Path(found)
    folders = [Path(folder) for pattern in PG_BIN_GLOBS for folder in glob.glob(pattern)]
    for folder in sorted(folders, key=_version_key, reverse=True):
        if os.access(folder / name, os.X_OK):
            return folder / name
    where = " or in ".join(["PATH", *PG_BIN_GLOBS])
    raise BackupError(
        f"{name} is needed for a PostgreSQL database and was not found on {where}: "
        f"install PostgreSQL's client programs (Debian and Ubuntu: postgresql-client, "
        f"the server's major version or newer), or set RUNSTRONG_PG_BIN to their folder"
    )


def _version_key(folder: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/17/bin -> (17,): the newest client reads every older server.
    return tuple(int(part) for part in folder.parent.name.split(".") if part.isdigit())


def _pg_command(tool: Path, config: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The connection options for a PostgreSQL program, and its environment
    (the password goes there, never on a command line others can read)."""
    command = [str(tool)]
    for flag, key in (("--username", "USER"), ("--host", "HOST"), ("--port", "PORT")):
        if config.get(key):
            command.append(f"{flag}={config[key]}")
    command.append(f"--dbname={config['NAME']}")
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    options = config.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return command, env


def _first_line(error: Exception) -> str:
    # PostgreSQL's messages go on with the statement and a caret under it.
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _run(command: list[str], env: Mapping[str, str], what: str) -> None:
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[-1500:] or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


# ---------------------------------------------------------------------------
# Backup.


def backup_create(*, path: Path) -> BackupMade:
    """Write a backup of the database (and the data folder's secret key) to ``path``.

    ``path`` may name an existing folder: the archive is then named after the
    time (``runstrong-backup-20261204-223000.zip``), which suits a cron line.
    """
    began = time.monotonic()
    created = datetime.now(UTC).replace(microsecond=0)
    if path.is_dir():
        path = path / f"runstrong-backup-{created:%Y%m%d-%H%M%S}.zip"
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such folder for the backup")
    kind, config = _database_config()
    # Before anything is written: a missing pg_dump is the commonest failure.
    dump_tool = pg_tool("pg_dump") if kind == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix=".runstrong-backup-", dir=path.parent) as work:
        if dump_tool is None:
            database = Path(work) / "runstrong.sqlite3"
            counts, migrations, engine_version = _sqlite_copy(Path(config["NAME"]), database)
        else:
            database = Path(work) / "runstrong.pgdump"
            counts, migrations, engine_version = _pg_dump(dump_tool, config, database)
        key_file = _key_file_in_use()
        members = [(SQLITE_MEMBER if kind == "sqlite" else PG_DUMP_MEMBER, database)]
        if key_file is not None:
            members.append((KEY_FILE_MEMBER, key_file))
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "runstrong_version": metadata.version("runstrong"),
            "created_at": created.isoformat(),
            "database": {
                "kind": kind,
                "version": engine_version,
                "tables": counts,
                "rows": sum(counts.values()),
            },
            "migrations": migrations,
            "secret_key": "included" if key_file else "from the environment, not included",
            "files": {},
        }
        _write_archive(path, members, manifest)
    return BackupMade(
        path=path,
        kind=kind,
        tables=len(counts),
        rows=sum(counts.values()),
        secret_key=key_file is not None,
        bytes=path.stat().st_size,
        seconds=time.monotonic() - began,
    )


def _sqlite_copy(source: Path, target: Path) -> tuple[dict[str, int], list[str], str]:
    if not source.is_file():
        raise BackupError(f"no database at {source}: nothing to back up")
    origin = sqlite3.connect(source, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # All pages in one step: one read transaction, so one consistent
        # snapshot. Copied a few pages at a time, every write the site made in
        # between would restart the copy, and a busy site would never let it end.
        origin.backup(copy, pages=-1)
        # The copy stands alone: no -wal file to carry beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        counts = _sqlite_counts(copy)
        if "django_migrations" not in counts:
            raise BackupError(f"{source} holds no RunStrong database: nothing to back up")
        migrations = _migrations(copy.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.Error as error:
        raise BackupError(f"copying the SQLite database {source} failed: {error}") from None
    finally:
        copy.close()
        origin.close()
    return counts, migrations, sqlite3.sqlite_version


def _sqlite_table_names(connection: sqlite3.Connection) -> list[str]:
    # sqlite_sequence and the like belong to SQLite; the backup API copies them anyway.
    return [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = _sqlite_table_names(connection)
    return {
        table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 (names from sqlite_master)
        for table in tables
    }


def _migrations(rows: Any) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in rows)


def _pg_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from pg_tables)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_dump(
    tool: Path, config: Mapping[str, Any], target: Path
) -> tuple[dict[str, int], list[str], str]:
    from django.db import DatabaseError, connection, transaction

    command, env = _pg_command(tool, config)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows are counted on the very snapshot pg_dump then dumps.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            counts = _pg_counts(cursor)
            if "django_migrations" not in counts:
                raise BackupError(
                    f"database {config['NAME']} holds no RunStrong tables: nothing to back up"
                )
            cursor.execute("SELECT app, name FROM django_migrations")
            migrations = _migrations(cursor.fetchall())
            _run(
                [*command, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                env,
                "pg_dump",
            )
    except DatabaseError as error:
        raise BackupError(f"reading the PostgreSQL database failed: {_first_line(error)}") from None
    finally:
        connection.close()
    return counts, migrations, str(server_version)


def _write_archive(path: Path, members: list[tuple[str, Path]], manifest: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    # Readable by its owner only: it holds password hashes and the secret key.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output:
            with zipfile.ZipFile(output, "w") as archive:
                for name, source in members:
                    # pg_dump's custom format is compressed already.
                    squeeze = name != PG_DUMP_MEMBER
                    manifest["files"][name] = _add_member(archive, name, source, squeeze=squeeze)
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
            output.flush()
            os.fsync(output.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _add_member(
    archive: zipfile.ZipFile, name: str, source: Path, *, squeeze: bool
) -> dict[str, Any]:
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if squeeze else zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, archive.open(info, "w", force_zip64=True) as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------------------
# Restore.


def backup_restore(*, path: Path, force: bool = False) -> Restored:
    """Restore the backup at ``path`` into this site's database and data folder.

    Nothing is written until the archive has been read whole and checked, and
    the database is empty (or ``force``).
    """
    kind, config = _database_config()
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive, path)
        archived_kind = manifest["database"]["kind"]
        if archived_kind != kind:
            raise BackupError(
                f"{path} holds a {KINDS.get(archived_kind, archived_kind)} database and this "
                f"site uses {KINDS[kind]}: restoring across databases is not supported. "
                + (
                    "Unset DATABASE_URL to restore it into a data folder."
                    if archived_kind == "sqlite"
                    else "Set DATABASE_URL to an empty PostgreSQL database to restore it."
                )
            )
        _check_schema_known(manifest, path)
        restore_tool = pg_tool("pg_restore") if kind == "postgresql" else None
        present = _sqlite_tables(Path(config["NAME"])) if kind == "sqlite" else _pg_tables()
        if present and not force:
            where = config["NAME"] if kind == "sqlite" else f"database {config['NAME']}"
            raise BackupError(
                f"{where} is not empty ({len(present)} tables): restoring would replace "
                f"everything in it. Restore into an empty one, or add --force to replace it"
            )
        member = SQLITE_MEMBER if kind == "sqlite" else PG_DUMP_MEMBER
        with tempfile.TemporaryDirectory(prefix=".runstrong-restore-", dir=_data_dir()) as work:
            database = Path(work) / Path(member).name
            _extract(archive, manifest, member, database, path)
            key = (
                _read_member(archive, manifest, KEY_FILE_MEMBER, path)
                if KEY_FILE_MEMBER in manifest["files"]
                else None
            )
            if restore_tool is None:
                _sqlite_check(database, manifest, path)
                _sqlite_restore(database, Path(config["NAME"]))
                counts = _sqlite_counts_at(Path(config["NAME"]))
            else:
                _run([str(restore_tool), "--list", str(database)], os.environ, "reading the dump")
                counts = _pg_restore(restore_tool, config, database, replace=present)
    expected = manifest["database"]["tables"]
    if counts != expected:
        changed = sorted(
            t for t in expected.keys() | counts.keys() if counts.get(t) != expected.get(t)
        )
        raise BackupError(
            f"the restored database does not hold what the backup counted, in: {', '.join(changed)}"
        )
    key_file = "environment"
    if key is not None:
        key_file = _restore_secret_key(key)
    return Restored(
        kind=kind,
        tables=len(counts),
        rows=sum(counts.values()),
        created_at=manifest["created_at"],
        runstrong_version=str(manifest["runstrong_version"]),
        key_file=key_file,
        migrations_applied=_migrate(),
    )


def _open_archive(path: Path) -> zipfile.ZipFile:
    try:
        with path.open("rb") as probe:
            start = probe.read(4)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except OSError as error:
        raise BackupError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        if start == b"PK\x03\x04":
            raise BackupError(
                f"{path} is damaged or cut short (a copy that did not finish?): {error}. "
                f"Nothing was restored"
            ) from None
        raise BackupError(
            f"{path} is not a RunStrong backup (not a zip archive). Nothing was restored"
        ) from None


def _read_manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    not_ours = f"{path} is a zip archive but not a RunStrong backup"
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupError(f"{not_ours} (no {MANIFEST})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise BackupError(f"{path} is damaged: {MANIFEST} does not read back ({error})") from None
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupError(f"{not_ours} ({MANIFEST} is not JSON)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{not_ours} ({MANIFEST} is another program's)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{path} was made by a newer RunStrong ({manifest.get('runstrong_version')}, backup "
            f"format {version}; this version reads format {FORMAT_VERSION}): upgrade first"
        )
    try:
        database = manifest["database"]
        if not (
            database["kind"] in KINDS
            and all(isinstance(count, int) for count in database["tables"].values())
            and isinstance(manifest["files"], dict)
            and isinstance(manifest["migrations"], list)
            and isinstance(manifest["created_at"], str)
        ):
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        raise BackupError(f"{path} is damaged: its {MANIFEST} lacks a field") from None
    return manifest


def _check_schema_known(manifest: Mapping[str, Any], path: Path) -> None:
    """Refuse a backup whose database has migrations this version does not have."""
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        shown = ", ".join(unknown[:3]) + (" …" if len(unknown) > 3 else "")
        raise BackupError(
            f"{path} comes from a newer RunStrong ({manifest.get('runstrong_version')}): its "
            f"database has migrations this version does not know ({shown}). Restore it with "
            f"that version or a later one"
        )


def _open_member(
    archive: zipfile.ZipFile, manifest: Mapping[str, Any], name: str, path: Path
) -> tuple[IO[bytes], dict[str, Any]]:
    described = manifest["files"].get(name)
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise BackupError(f"{path} is damaged: {name} is missing") from None
    if not isinstance(described, dict) or info.file_size != described.get("bytes"):
        raise BackupError(f"{path} is damaged: {name} is not the size its manifest gives")
    return archive.open(info), described


def _copy_checked(
    archive: zipfile.ZipFile,
    manifest: Mapping[str, Any],
    name: str,
    path: Path,
    sink: Any,
) -> None:
    digest = hashlib.sha256()
    try:
        reader, described = _open_member(archive, manifest, name, path)
        with reader:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                sink(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise BackupError(
            f"{path} is damaged: {name} does not read back whole ({error}). Nothing was restored"
        ) from None
    if digest.hexdigest() != described.get("sha256"):
        raise BackupError(
            f"{path} is damaged: {name} does not match its checksum. Nothing was restored"
        )


def _extract(
    archive: zipfile.ZipFile, manifest: Mapping[str, Any], name: str, target: Path, path: Path
) -> None:
    with target.open("wb") as output:
        _copy_checked(archive, manifest, name, path, output.write)


def _read_member(
    archive: zipfile.ZipFile, manifest: Mapping[str, Any], name: str, path: Path
) -> bytes:
    parts: list[bytes] = []
    _copy_checked(archive, manifest, name, path, parts.append)
    return b"".join(parts)


def _sqlite_tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    try:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            return _sqlite_table_names(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"{database} is there but cannot be read ({error})") from None


def _sqlite_check(database: Path, manifest: Mapping[str, Any], path: Path) -> None:
    try:
        connection = sqlite3.connect(database)
        try:
            (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
            counts = _sqlite_counts(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is damaged: its database does not open ({error})") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged: its database fails SQLite's check ({verdict})")
    if counts != manifest["database"]["tables"]:
        raise BackupError(f"{path} is damaged: its database does not hold what its manifest counts")


def _sqlite_counts_at(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(database)
    try:
        return _sqlite_counts(connection)
    finally:
        connection.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    origin = sqlite3.connect(source)
    destination = sqlite3.connect(target, timeout=5)
    try:
        # Out of WAL while the pages are replaced (SQLite copies into a WAL
        # database only with equal page sizes); this needs the database to
        # itself, so a site still serving it stops the restore here.
        destination.execute("PRAGMA journal_mode=DELETE")
        origin.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as error:
        raise BackupError(
            f"restoring into {target} failed ({error}): stop the site using it first"
        ) from None
    finally:
        destination.close()
        origin.close()


def _pg_tables() -> list[str]:
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            return [row[0] for row in cursor.fetchall()]
    except DatabaseError as error:
        raise BackupError(f"cannot reach the database: {_first_line(error)}") from None


def _pg_restore(
    tool: Path, config: Mapping[str, Any], dump: Path, *, replace: list[str]
) -> dict[str, int]:
    from django.db import connection, transaction

    if replace:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in replace) + " CASCADE"
            )
    # Its statements and sequences are about to change under it.
    connection.close()
    command, env = _pg_command(tool, config)
    # One transaction: a dump that fails half way leaves the database as it was
    # (emptied, with --force: the dump has been read whole and listed by then).
    _run(
        [
            *command,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(dump),
        ],
        env,
        "pg_restore",
    )
    with connection.cursor() as cursor:
        counts = _pg_counts(cursor)
    connection.close()
    return counts


def _restore_secret_key(key: bytes) -> str:
    path = _data_dir() / "secret_key"
    partial = path.with_name(f".secret_key.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as output:
        output.write(key)
        output.flush()
        os.fsync(output.fileno())
    os.replace(partial, path)
    # A SECRET_KEY in the environment wins over the file (settings.py).
    in_environment = os.environ.get("SECRET_KEY")
    if in_environment and in_environment != key.decode().strip():
        return "overridden"
    return "restored"


def _migrate() -> int:
    """Bring a backup from an older RunStrong up to this one's schema."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # The connection may predate the restore (SQLite copies under it).
    connection.close()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return len(pending)


# ---------------------------------------------------------------------------
# The commands.


def cmd_backup(args: argparse.Namespace) -> None:
    # Not _ready(): a backup copies the database as it is, and never migrates it first.
    _django()
    try:
        made = backup_create(path=Path(args.file))
    except BackupError as error:
        raise CommandError(str(error)) from None
    key = " and the secret key" if made.secret_key else ""
    console.print(
        f"Backed up the {KINDS[made.kind]} database ({made.rows:,} rows in {made.tables} tables)"
        f"{key} to {made.path}: {_size(made.bytes)} in {made.seconds:.2f} s.",
        markup=False,
    )
    if not made.secret_key:
        console.print(
            "The secret key comes from SECRET_KEY and is not in the backup: keep it with the "
            "backups, or a restored site logs everyone out.",
            markup=False,
        )


def cmd_restore(args: argparse.Namespace) -> None:
    _django()
    try:
        restored = backup_restore(path=Path(args.file), force=args.force)
    except BackupError as error:
        raise CommandError(str(error)) from None
    console.print(
        f"Restored {restored.rows:,} rows in {restored.tables} tables ({KINDS[restored.kind]}), "
        f"backed up {restored.created_at} by RunStrong {restored.runstrong_version}.",
        markup=False,
    )
    if restored.key_file == "restored":
        console.print("The secret key was restored: sessions and reset links carry over.")
    elif restored.key_file == "overridden":
        console.print(
            "SECRET_KEY is set and differs from the backup's key: people will have to log in "
            "again, and reset links sent before the backup no longer work."
        )
    else:
        console.print(
            "The backup holds no secret key (it came from SECRET_KEY): set the same SECRET_KEY "
            "to keep people logged in."
        )
    if restored.migrations_applied:
        console.print(
            f"Applied {restored.migrations_applied} migrations: the backup came from an older "
            "RunStrong."
        )
    console.print("Start the site with `runstrong serve`.")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    size = count / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` and ``restore`` to the ``runstrong`` command's sub-commands."""
    backup = commands.add_parser(
        "backup", help="copy the database and secret key into one file, while the site serves"
    )
    backup.add_argument(
        "file", metavar="FILE", help="the archive to write (a folder: named after the time)"
    )
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup into an empty data folder or database"
    )
    restore.add_argument("file", metavar="FILE", help="an archive made by `runstrong backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that is not empty"
    )
    restore.set_defaults(func=cmd_restore)
