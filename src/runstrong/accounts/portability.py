"""An athlete's data as one zip, and that zip brought back: the export and its import.

DESIGN puts export in accounts, but accounts is the bottom app and may not
import the apps above it. So this module holds a small registry: each app
contributes a ``Section`` (what of the athlete's it writes into the zip, and
how it recreates that through its own services) and registers it from its
``AppConfig.ready()``. This module writes the zip and drives an import in
layer order (accounts, workouts, community, runs, plans), so every section
finds what it builds on already there.

The zip:

- ``runstrong.json``: ``{"format", "version", "exported_at", "sections": {app: …}}``,
  documented by ``export.schema.json`` beside this file (JSON Schema 2020-12);
- CSV files the sections add for spreadsheets (``results.csv``, ``runs.csv``),
  each header naming its units;
- files the sections add (``runs/<original name>``: run files as uploaded).

Written member by member to any writable stream, even one that cannot seek (a
web response): arrays are streamed item by item from the sections'
iterators, never the whole account in memory.

An import reads the whole file before writing anything — zip sanity (entry
count, sizes, compression ratio, names), JSON, the schema — then recreates
everything in one transaction: any refusal on the way rolls all of it back.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, NoReturn, cast

from django.db import transaction
from django.utils import timezone

from runstrong import archives
from runstrong.accounts import services
from runstrong.accounts.models import User

FORMAT = "runstrong-export"
VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("export.schema.json")
JSON_MEMBER = "runstrong.json"
# The order an import runs in: each app after those it builds on.
LAYERS = ("accounts", "workouts", "community", "runs", "plans")

# What an import accepts. The JSON of ten years of workouts and runs is some tens
# of MB; run files are checked against the runs app's own per-file limit.
MAX_JSON_BYTES = 512 * archives.MB
MAX_MEMBER_BYTES = 64 * archives.MB
# Bytes gathered before a streamed download sends them on.
CHUNK_BYTES = 256 * 1024


class ImportRefused(Exception):
    """An export that cannot be imported: one sentence naming the member, line or field.
    Nothing was written."""


# ---------------------------------------------------------------------------
# The registry.


@dataclasses.dataclass(frozen=True)
class Table:
    """A CSV file for spreadsheets: a header naming units, and rows for an athlete."""

    name: str
    header: Callable[[User], Sequence[str]]
    rows: Callable[[User], Iterable[Sequence[object]]]


@dataclasses.dataclass
class Restore:
    """What a section's import works with."""

    athlete: User
    document: Mapping[str, Any]  # the whole runstrong.json, checked against the schema
    archive: ExportArchive
    created: bool  # the athlete was made by this import (the CLI into a fresh instance)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    notes: list[str] = dataclasses.field(default_factory=list)
    # A session's id in the file → its id here. The same, except for a result
    # logged by hand, which is logged again under a new session.
    session_ids: dict[str, str] = dataclasses.field(default_factory=dict)

    def session_id(self, exported: str) -> str:
        return self.session_ids.get(exported, exported)

    def refuse(self, where: str, problem: str) -> NoReturn:
        raise ImportRefused(f"{JSON_MEMBER}: {where}: {problem}")

    def moment(self, where: str, text: str) -> datetime:
        """An ISO 8601 date and time with its offset, or a refusal naming ``where``."""
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.refuse(where, f"{text!r} is not a date and time (ISO 8601)")
        if moment.tzinfo is None:
            self.refuse(where, f"{text!r} has no time zone offset")
        return moment


@dataclasses.dataclass(frozen=True)
class Section:
    """One app's part of an export.

    ``cost`` estimates, in seconds, what restoring the section would take for an
    athlete (what they already have costs nearly nothing), so the web can send a
    large import to the command line before starting it.

    ``parts`` gives the section's JSON object for an athlete: its values are
    JSON-ready, or iterators (written as arrays, item by item, never held
    whole). ``files`` gives the extra members, each as (name, a function that
    reads its bytes), read one at a time. ``restore`` recreates the section
    through the app's services, inside the import's transaction; it raises
    ImportRefused (``Restore.refuse``) for anything it cannot take.
    """

    name: str
    parts: Callable[[User], Mapping[str, Any]]
    restore: Callable[[Restore, Mapping[str, Any]], None]
    tables: tuple[Table, ...] = ()
    files: Callable[[User], Iterable[tuple[str, Callable[[], bytes]]]] | None = None
    cost: Callable[[User, Mapping[str, Any]], float] | None = None


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add an app's section (from its ``AppConfig.ready``); registering again replaces."""
    if section.name not in LAYERS:
        raise ValueError(f"no layer for the section {section.name!r}: add it to LAYERS")
    _SECTIONS[section.name] = section


def sections() -> list[Section]:
    """The registered sections, in layer order."""
    missing = [name for name in LAYERS if name not in _SECTIONS]
    if missing:
        raise RuntimeError(f"export sections not registered: {', '.join(missing)}")
    return [_SECTIONS[name] for name in LAYERS]


# ---------------------------------------------------------------------------
# Export.


class _Pipe:
    """A write-only stream that keeps what is written until it is taken: the zip is
    written into it, and a streamed response sends its contents on."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


class _TextMember:
    """Text written into a zip member in chunks of about 64 kB (deflating every small
    write on its own would be slow)."""

    def __init__(self, member: IO[bytes]) -> None:
        self._member = member
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= 65536:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._member.write("".join(self._parts).encode())
            self._parts.clear()
            self._size = 0


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _write_json(out: _TextMember, value: Any, depth: int = 0) -> Iterator[None]:
    """Write ``value`` as JSON; an iterator becomes an array written item by item,
    one item a line (so an error in a file read back names a useful line)."""
    if isinstance(value, Mapping):
        out.write("{")
        for position, (key, item) in enumerate(value.items()):
            out.write(("," if position else "") + "\n" + " " * (depth + 1) + _dumps(key) + ": ")
            yield from _write_json(out, item, depth + 1)
        out.write("\n" + " " * depth + "}")
    elif isinstance(value, Iterator):
        out.write("[")
        for position, item in enumerate(value):
            out.write(("," if position else "") + "\n" + _dumps(item))
            yield
        out.write("\n" + " " * depth + "]")
    else:
        out.write(_dumps(value))


def _csv_line(row: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        ["" if value is None else value for value in row]
    )
    return buffer.getvalue()


def _steps(athlete: User, stream: IO[bytes] | _Pipe, *, now: datetime) -> Iterator[None]:
    """Write the export into ``stream``, yielding after each item so a caller can send
    what is written so far."""
    chosen = sections()
    # cast: zipfile takes any object with write() and flush(), seekable or not.
    with zipfile.ZipFile(
        cast(IO[bytes], stream), "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6
    ) as zf:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now.astimezone(UTC).isoformat(),
            "sections": {section.name: section.parts(athlete) for section in chosen},
        }
        with zf.open(JSON_MEMBER, "w", force_zip64=True) as member:
            out = _TextMember(member)
            yield from _write_json(out, document)
            out.write("\n")
            out.flush()
        for section in chosen:
            for table in section.tables:
                with zf.open(table.name, "w", force_zip64=True) as member:
                    out = _TextMember(member)
                    # A byte-order mark, so a spreadsheet opens accented names as UTF-8.
                    out.write("\ufeff" + _csv_line(table.header(athlete)))
                    for row in table.rows(athlete):
                        out.write(_csv_line(row))
                        yield
                    out.flush()
        for section in chosen:
            for name, read in section.files(athlete) if section.files else ():
                data = read()
                # Gzipped and FIT files hardly shrink: stored as they are.
                packed = not name.lower().endswith((".gz", ".fit", ".zip"))
                zf.writestr(_zip_info(name, now, packed), data)
                yield


def _zip_info(name: str, now: datetime, deflated: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.astimezone(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def export_to(*, athlete: User, stream: IO[bytes]) -> None:
    """Write the athlete's export into ``stream`` (a file, or any writable stream)."""
    for _ in _steps(athlete, stream, now=timezone.now()):
        pass


def export_chunks(*, athlete: User) -> Iterator[bytes]:
    """The athlete's export as a stream of byte chunks, for a streamed response."""
    pipe = _Pipe()
    for _ in _steps(athlete, pipe, now=timezone.now()):
        if pipe.size >= CHUNK_BYTES:
            yield pipe.take()
    yield pipe.take()


def export_file_name(athlete: User, now: datetime | None = None) -> str:
    day = timezone.localdate(now or timezone.now())
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", athlete.username).strip("-.") or "athlete"
    return f"runstrong-{name}-{day:%Y-%m-%d}.zip"


# ---------------------------------------------------------------------------
# Reading an export: the whole file checked before anything is written.


class ExportArchive:
    """An export's zip, checked: its entries, and its members read within limits."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._members = {info.filename: info for info in archive.infolist()}

    def names(self) -> list[str]:
        return list(self._members)

    def read(self, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
        info = self._members.get(name)
        if info is None:
            raise ImportRefused(f"{name}: named in {JSON_MEMBER} but not in the zip")
        try:
            return archives.read_member(self._archive, info, limit=limit)
        except archives.ArchiveError as error:
            raise ImportRefused(f"{name}: {error}") from None


def _open_checked(source: IO[bytes]) -> ExportArchive:
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportRefused(
            "this is not a RunStrong export: the zip archive is damaged or truncated"
        ) from None
    if len(members) > archives.MAX_MEMBERS:
        raise ImportRefused(
            f"the zip archive holds {len(members):,} entries, more than the "
            f"{archives.MAX_MEMBERS:,} accepted: refused"
        )
    declared = sum(info.file_size for info in members)
    if declared > archives.MAX_ARCHIVE_UNPACKED:
        raise ImportRefused(
            f"the zip archive unpacks to {declared // archives.MB:,} MB, more than the "
            f"{archives.MAX_ARCHIVE_UNPACKED // archives.MB:,} MB accepted: "
            "refused as a possible zip bomb"
        )
    for info in members:
        if archives.unsafe_name(info.filename):
            raise ImportRefused(
                f"{info.filename}: an entry whose name leaves the archive's folder "
                "(absolute, or with ..): refused"
            )
        limit = MAX_JSON_BYTES if info.filename == JSON_MEMBER else MAX_MEMBER_BYTES
        problem = archives.bomb_problem(info, limit=limit)
        if problem is not None:
            raise ImportRefused(f"{info.filename}: {problem}")
    return ExportArchive(archive)


def read_export(source: IO[bytes]) -> tuple[ExportArchive, dict[str, Any]]:
    """Check an export and read its ``runstrong.json``; raise ImportRefused naming
    the member, line or field at the first problem."""
    archive = _open_checked(source)
    if JSON_MEMBER not in archive.names():
        raise ImportRefused(f"this is not a RunStrong export: it has no {JSON_MEMBER}")
    try:
        raw = archive.read(JSON_MEMBER, limit=MAX_JSON_BYTES)
    except ImportRefused:
        raise
    try:
        document = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise ImportRefused(f"{JSON_MEMBER}: not UTF-8 text") from None
    except RecursionError:
        raise ImportRefused(f"{JSON_MEMBER}: nested too deeply to be an export") from None
    except (json.JSONDecodeError, ValueError) as error:
        where = (
            f"line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else "somewhere"
        )
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise ImportRefused(f"{JSON_MEMBER}: {where}: not valid JSON ({reason})") from None
    if isinstance(document, dict):
        if document.get("format") not in (None, FORMAT):
            raise ImportRefused(f"{JSON_MEMBER}: format: not a RunStrong export")
        version = document.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            raise ImportRefused(
                f"{JSON_MEMBER}: version: made by a newer RunStrong (format version "
                f"{version}; this one reads {VERSION}): update this instance first"
            )
    problem = schema_problem(document)
    if problem is not None:
        raise ImportRefused(f"{JSON_MEMBER}: {problem}")
    return archive, document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# The schema file is read at run time by this small reader of the subset of JSON
# Schema it uses, rather than by the jsonschema package: that would add four
# runtime dependencies (one compiled) for one check. The tests validate every
# export with jsonschema itself and check this reader refuses what it refuses.
_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "format",
    "type", "properties", "required", "additionalProperties", "items",
    "enum", "const", "oneOf", "minimum", "maximum", "minLength", "maxLength",
    "pattern", "minItems", "maxItems",
}  # fmt: skip


@cache
def export_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def schema_problem(document: Any) -> str | None:
    """The first place where ``document`` breaks the export schema, as
    ``where: what`` (``sections.workouts.sessions[3].events[12].at: …``), or None."""
    schema = export_schema()
    return _problem(document, schema, schema, "")


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
}


def _place(path: str) -> str:
    return path or "the top level"


def _problem(value: Any, rule: Mapping[str, Any], root: Mapping[str, Any], path: str) -> str | None:
    unknown = set(rule) - _KEYWORDS
    if unknown:  # the schema uses more than this reader knows: a bug here, not in the file
        raise RuntimeError(f"export schema keyword(s) not understood: {sorted(unknown)}")
    if "$ref" in rule:
        target: Any = root
        for part in str(rule["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        return _problem(value, target, root, path)
    if "oneOf" in rule:
        problems = [_problem(value, option, root, path) for option in rule["oneOf"]]
        if sum(problem is None for problem in problems) == 1:
            return None
        return next((problem for problem in problems if problem is not None), None) or (
            f"{_place(path)}: matches more than one form"
        )
    if "const" in rule and (value != rule["const"] or type(value) is not type(rule["const"])):
        return f"{_place(path)}: must be {json.dumps(rule['const'])}"
    if "enum" in rule and not any(
        value == option and type(value) is type(option) for option in rule["enum"]
    ):
        options = ", ".join(json.dumps(option) for option in rule["enum"])
        return f"{_place(path)}: must be one of {options}, not {_shown(value)}"
    if "type" in rule:
        kinds = rule["type"] if isinstance(rule["type"], list) else [rule["type"]]
        if not any(_TYPES[kind](value) for kind in kinds):
            return f"{_place(path)}: must be {' or '.join(kinds)}, not {_shown(value)}"
    if isinstance(value, dict):
        return _object_problem(value, rule, root, path)
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0):
            return f"{_place(path)}: needs at least {rule['minItems']} items"
        if "maxItems" in rule and len(value) > rule["maxItems"]:
            return f"{_place(path)}: at most {rule['maxItems']} items, not {len(value)}"
        if "items" in rule:
            for position, item in enumerate(value):
                problem = _problem(item, rule["items"], root, f"{path}[{position}]")
                if problem is not None:
                    return problem
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0):
            return f"{_place(path)}: must not be empty"
        if "maxLength" in rule and len(value) > rule["maxLength"]:
            return f"{_place(path)}: at most {rule['maxLength']} characters, not {len(value)}"
        if "pattern" in rule and not re.search(rule["pattern"], value):
            return f"{_place(path)}: {_shown(value)} is not in the expected form"
    if _TYPES["number"](value):
        if "minimum" in rule and value < rule["minimum"]:
            return f"{_place(path)}: must be at least {rule['minimum']}, not {value}"
        if "maximum" in rule and value > rule["maximum"]:
            return f"{_place(path)}: must be at most {rule['maximum']}, not {value}"
    return None


def _object_problem(
    value: dict[str, Any], rule: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> str | None:
    for key in rule.get("required", ()):
        if key not in value:
            return f"{_place(path)}: the field {key!r} is missing"
    properties = rule.get("properties", {})
    if rule.get("additionalProperties", True) is False:
        extra = sorted(str(key) for key in value if key not in properties)
        if extra:
            return f"{_place(path)}: unexpected field {extra[0]!r}"
    for key, item in value.items():
        if key in properties:
            problem = _problem(item, properties[key], root, f"{path}.{key}" if path else key)
            if problem is not None:
                return problem
    return None


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)[:40]
    return text if value is not None else "null"


# ---------------------------------------------------------------------------
# Import.


@dataclasses.dataclass(frozen=True)
class ImportReport:
    athlete: User
    counts: Counter[str]
    notes: list[str]  # what was passed over, and why

    def summary(self) -> str:
        shown = [
            f"{self.counts[key]} {label}"
            for key, label in (
                ("sessions", "sessions"),
                ("results", "results"),
                ("cheers", "cheers"),
                ("comments", "comments"),
                ("clubs", "clubs"),
                ("runs", "run files"),
                ("plan", "plan"),
            )
            if self.counts[key]
        ]
        return "Imported: " + (", ".join(shown) if shown else "nothing new") + "."


def import_export(
    *,
    source: IO[bytes],
    athlete: User | None = None,
    athlete_name: str | None = None,
    budget_seconds: float | None = None,
) -> ImportReport:
    """Recreate an export's data for ``athlete`` (the web: whoever uploads it) or, from
    the CLI, for the athlete named ``athlete_name`` (default: the export's user
    name), made if there is none. Raises ImportRefused; then nothing was written.
    Importing the same file again adds nothing: sessions keep their ids, run files
    are known by their content, and the rest is matched before it is added.
    With ``budget_seconds`` (a web request's time), an export whose import is
    estimated to take longer is refused before anything is written.
    """
    archive, document = read_export(source)
    parts = document["sections"]
    chosen = sections()
    if budget_seconds is not None and athlete is not None:
        estimate = sum(
            section.cost(athlete, parts[section.name]) for section in chosen if section.cost
        )
        if estimate > budget_seconds:
            raise ImportRefused(
                f"this export is too large to bring in from the web page (about "
                f"{estimate:.0f} s of work; a page may take {budget_seconds:.0f} s): "
                "use `runstrong import-export FILE` on the server"
            )
    with transaction.atomic():
        created = False
        if athlete is None:
            athlete, created = _athlete_for(
                athlete_name or parts["accounts"]["profile"]["username"]
            )
        restore = Restore(athlete=athlete, document=document, archive=archive, created=created)
        for section in chosen:
            section.restore(restore, parts[section.name])
    return ImportReport(athlete=athlete, counts=restore.counts, notes=restore.notes)


def _athlete_for(username: str) -> tuple[User, bool]:
    """The CLI's target: the athlete with this user name, made (with no password: they
    set one by password reset) if there is none."""
    if not re.fullmatch(r"[\w.@+-]{1,150}", username):
        raise ImportRefused(f"--athlete: {username!r} is not a valid user name")
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user, created


# ---------------------------------------------------------------------------
# The accounts section: the profile.


def _profile_parts(athlete: User) -> Mapping[str, Any]:
    return {
        "profile": {
            "username": athlete.username,
            "email": athlete.email,
            "display_name": athlete.display_name,
            "units": athlete.units,
            "sex": athlete.sex,
            "birth_year": athlete.birth_year,
            "default_privacy": athlete.default_privacy,
            "date_joined": athlete.date_joined.astimezone(UTC).isoformat(),
        }
    }


def _profile_restore(restore: Restore, part: Mapping[str, Any]) -> None:
    profile = part["profile"]
    athlete = restore.athlete
    if restore.created and profile["email"]:
        # A new athlete takes the export's address unless someone here has it; an
        # existing one keeps theirs (changing it needs the new address confirmed).
        if User.objects.filter(email__iexact=profile["email"]).exists():
            restore.notes.append(
                f"the e-mail address {profile['email']} belongs to another account here: not set"
            )
        else:
            athlete.email = profile["email"]
            athlete.save(update_fields=["email"])
    try:
        services.profile_update(
            user=athlete,
            display_name=profile["display_name"],
            units=profile["units"],
            sex=profile["sex"],
            birth_year=profile["birth_year"],
            default_privacy=profile["default_privacy"],
        )
    except Exception as error:  # ValidationError: a birth year out of range, say
        restore.refuse("sections.accounts.profile", str(error))


register(Section(name="accounts", parts=_profile_parts, restore=_profile_restore))
