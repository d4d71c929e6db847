"""The program catalog: exercises and programs as TOML data, loaded and validated.

Pure Python, no Django. A catalog file holds ``[[exercise]]`` tables,
``[[program]]`` tables (each with ``[[program.slot]]`` tables), or both; the
built-in ones live in ``catalog/`` beside this module, and a user's own file
uses the same format (``runstrong programs check FILE``). Every problem is
reported as ``file:line: field: what is wrong``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runstrong.text import first_unwanted, unwanted
from runstrong.workouts import engine

BUILTIN_DIR = Path(__file__).with_name("catalog")

# One fixed vocabulary, so the body chart and the filters agree on names.
MUSCLES: tuple[str, ...] = (
    "abdominals",
    "obliques",
    "core",
    "back",
    "shoulders",
    "chest",
    "biceps",
    "triceps",
    "forearms",
    "hip-flexors",
    "glutes",
    "quadriceps",
    "hamstrings",
    "adductors",
    "calves",
    "shins",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_REPS_PER_SLOT = 1000
MAX_SLOTS = 20
MAX_TEXT = 500
# Names and slugs are stored in columns this long (workouts.models); PostgreSQL
# refuses a longer value outright, so the file is refused here, naming the field.
MAX_NAME = 120
MAX_SLUG = 80
MAX_FILE_BYTES = 256 * 1024
# Arrays and inline tables inside each other, or parts of one dotted key. A
# program file needs three; tomllib recurses once per level (a file nested
# tens of thousands deep overflowed Python's stack) and takes time growing
# with the square of a dotted key's length.
MAX_NESTING = 20
# Fields whose text may run over several lines (a TOML multi-line string).
MULTILINE_FIELDS = frozenset({"description"})


@dataclass(frozen=True, slots=True)
class Exercise:
    slug: str
    name: str
    description: str
    muscles: tuple[str, ...]
    cues: tuple[str, ...]
    equipment: tuple[str, ...]
    easier: tuple[str, ...]
    harder: tuple[str, ...]
    floor_seconds_per_rep: float


@dataclass(frozen=True, slots=True)
class Slot:
    key: str
    reps: int
    # One exercise, or a rotation pool: each athlete gets the pool's next
    # exercise after the one they did last.
    pool: tuple[str, ...]

    @property
    def rotates(self) -> bool:
        return len(self.pool) > 1


@dataclass(frozen=True, slots=True)
class Program:
    slug: str
    name: str
    description: str
    slots: tuple[Slot, ...]
    time_cap_minutes: int | None

    @property
    def reps_total(self) -> int:
        return sum(slot.reps for slot in self.slots)


@dataclass(frozen=True, slots=True)
class Catalog:
    exercises: Mapping[str, Exercise]
    programs: Mapping[str, Program]


class CatalogError(ValueError):
    """A catalog file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------
# Where in the file a field lives. tomllib reports no positions for values,
# so walk the text: count array-of-tables headers and find ``key =`` lines.

_HEADER_RE = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_TABLE_RE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


# A table of the file: ("exercise", 2, None) is the third [[exercise]];
# ("program", 0, 1) the second [[program.slot]] of the first [[program]].
_Where = tuple[str, int, int | None]


class _Positions:
    """The line of each ``[[exercise]]``, ``[[program]]`` and ``[[program.slot]]``
    header and of the first ``key =`` under it, found in one pass over the file
    (a file with thousands of problems must not be walked once per problem)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.headers: dict[_Where, int] = {}
        self.keys: dict[tuple[_Where, str], int] = {}
        count = {"exercise": -1, "program": -1}
        slot_count = -1
        current: _Where | None = None
        for number, line in enumerate(lines, start=1):
            header = _HEADER_RE.match(line)
            if header:
                name = header.group(1)
                if name in count:
                    count[name] += 1
                    slot_count = -1
                    current = (name, count[name], None)
                elif name == "program.slot":
                    slot_count += 1
                    current = ("program", count["program"], slot_count)
                else:
                    current = None
                if current is not None:
                    self.headers.setdefault(current, number)
                continue
            if _TABLE_RE.match(line):
                current = None
                continue
            if current is not None:
                match = _KEY_RE.match(line)
                if match:
                    self.keys.setdefault((current, match.group(1)), number)

    def line(self, where: _Where, key: str | None) -> int:
        """1-based line of ``key`` in the table ``where`` (else of its header, else 1)."""
        if key is not None and (where, key) in self.keys:
            return self.keys[where, key]
        return self.headers.get(where, 1)


class _Checker:
    """Collects problems for one file, each with its line."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.problems: list[str] = []
        self._positions: _Positions | None = None

    def problem(self, where: _Where, key: str | None, message: str) -> None:
        if self._positions is None:
            self._positions = _Positions(self.lines)
        table, index, sub_index = where
        line = self._positions.line(where, key)
        label = f"{table}[{index}]" if sub_index is None else f"{table}[{index}].slot[{sub_index}]"
        field = f"{label}.{key}" if key else label
        self.problems.append(f"{self.source}:{line}: {field}: {message}")

    # typed getters: each returns a usable default after reporting a problem

    def text(
        self,
        where: Any,
        data: Mapping[str, Any],
        key: str,
        required: bool = True,
        limit: int = MAX_TEXT,
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, None, f"missing required field '{key}'")
            return ""
        if not isinstance(value, str):
            self.problem(where, key, f"must be text, not {_type_name(value)}")
            return ""
        if required and not value.strip():
            self.problem(where, key, "must not be empty")
            return ""
        if len(value) > limit:
            self.problem(where, key, f"is longer than {limit} characters")
        return self.visible(where, key, value)

    def visible(self, where: Any, key: str, value: str) -> str:
        """``value`` stripped, after reporting any control character in it.

        Refused, not cleaned: the author can fix the file, and a NUL would
        install on SQLite and then fail on PostgreSQL. The checks that follow
        see the text without them, so each bad field gets one message.
        """
        multiline = key in MULTILINE_FIELDS
        stripped = value.strip()  # line breaks around the text are not in it
        found = first_unwanted(stripped, multiline=multiline)
        if found is None:
            return stripped
        self.problem(where, key, f"must not contain control characters (found {found})")
        return "".join(ch for ch in stripped if not unwanted(ch, multiline=multiline))

    def slug(self, where: Any, data: Mapping[str, Any], key: str) -> str:
        value = self.text(where, data, key, limit=MAX_SLUG)
        if value and not SLUG_RE.match(value):
            self.problem(
                where, key, f"'{value}' is not a slug (lowercase letters, digits, hyphens)"
            )
        return value

    def text_list(
        self, where: Any, data: Mapping[str, Any], key: str, required: bool = False
    ) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, None, f"missing required field '{key}'")
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(where, key, f"must be a list of text, not {_type_name(value)}")
            return ()
        return tuple(self.visible(where, key, item) for item in value)

    def positive_int(
        self, where: Any, data: Mapping[str, Any], key: str, maximum: int, required: bool = True
    ) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, None, f"missing required field '{key}'")
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(where, key, f"must be a whole number, not {_type_name(value)}")
            return None
        if not 1 <= value <= maximum:
            self.problem(where, key, f"must be between 1 and {maximum}, not {value}")
            return None
        return value

    def unknown_keys(self, where: Any, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
        for key in sorted(set(data) - set(allowed)):
            self.problem(where, key, "unknown field (check the spelling)")


def _top_level_line(lines: Sequence[str], key: str) -> int:
    """1-based line where a top-level ``key`` (or its ``[key]`` table) is defined."""
    pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), 1)


def _line_of(problem: str) -> int:
    match = re.search(r":(\d+): ", problem)
    return int(match.group(1)) if match else 0


def _type_name(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        # "must be a whole number, not a number" said nothing about 50.5.
        float: "a decimal number",
        str: "text",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


_EXERCISE_KEYS = (
    "slug", "name", "description", "muscles", "cues", "equipment", "easier", "harder",
    "floor_seconds_per_rep",
)  # fmt: skip
_PROGRAM_KEYS = ("slug", "name", "description", "time_cap_minutes", "slot")
_SLOT_KEYS = ("key", "reps", "exercise", "rotation")


def _parse_exercise(check: _Checker, index: int, data: Any) -> Exercise | None:
    where = ("exercise", index, None)
    if not isinstance(data, dict):
        check.problem(where, None, "must be a table")
        return None
    check.unknown_keys(where, data, _EXERCISE_KEYS)
    slug = check.slug(where, data, "slug")
    name = check.text(where, data, "name", limit=MAX_NAME)
    description = check.text(where, data, "description", required=False)
    muscles = check.text_list(where, data, "muscles", required=True)
    if "muscles" in data and not muscles:
        check.problem(where, "muscles", "must name at least one muscle")
    for muscle in muscles:
        if muscle not in MUSCLES:
            check.problem(
                where, "muscles", f"unknown muscle '{muscle}' (known: {', '.join(MUSCLES)})"
            )
    floor = data.get("floor_seconds_per_rep")
    if floor is None:
        check.problem(where, None, "missing required field 'floor_seconds_per_rep'")
        floor = 0.0
    elif not isinstance(floor, int | float) or isinstance(floor, bool) or not 0 < floor <= 60:
        # A list or a table is named, not printed: it may be nested deep enough
        # to exhaust repr's recursion.
        shown = repr(floor) if isinstance(floor, str | int | float) else _type_name(floor)
        check.problem(
            where,
            "floor_seconds_per_rep",
            f"must be a number of seconds above 0 and at most 60, not {shown}",
        )
        floor = 0.0
    return Exercise(
        slug=slug,
        name=name,
        description=description,
        muscles=muscles,
        cues=check.text_list(where, data, "cues"),
        equipment=check.text_list(where, data, "equipment"),
        easier=check.text_list(where, data, "easier"),
        harder=check.text_list(where, data, "harder"),
        floor_seconds_per_rep=float(floor),
    )


def _parse_slot(check: _Checker, program_index: int, index: int, data: Any) -> Slot | None:
    where = ("program", program_index, index)
    if not isinstance(data, dict):
        check.problem(where, None, "must be a table")
        return None
    check.unknown_keys(where, data, _SLOT_KEYS)
    key = check.slug(where, data, "key")
    reps = check.positive_int(where, data, "reps", MAX_REPS_PER_SLOT)
    has_exercise, has_rotation = "exercise" in data, "rotation" in data
    pool: tuple[str, ...] = ()
    if has_exercise == has_rotation:
        check.problem(where, None, "needs exactly one of 'exercise' or 'rotation'")
    elif has_exercise:
        pool = (check.slug(where, data, "exercise"),)
    else:
        pool = check.text_list(where, data, "rotation")
        for item in pool:
            if not SLUG_RE.match(item):
                check.problem(where, "rotation", f"'{item}' is not an exercise slug")
        if "rotation" in data and len(pool) < 2:
            check.problem(where, "rotation", "a rotation needs at least two exercises")
        if len(set(pool)) != len(pool):
            check.problem(where, "rotation", "lists an exercise twice")
    return Slot(key=key, reps=reps or 0, pool=pool)


def _parse_program(check: _Checker, index: int, data: Any) -> Program | None:
    where = ("program", index, None)
    if not isinstance(data, dict):
        check.problem(where, None, "must be a table")
        return None
    check.unknown_keys(where, data, _PROGRAM_KEYS)
    slug = check.slug(where, data, "slug")
    raw_slots = data.get("slot")
    slots: list[Slot] = []
    if raw_slots is None or raw_slots == []:
        check.problem(where, None, "has no slots: add at least one [[program.slot]] table")
    elif not isinstance(raw_slots, list):
        check.problem(where, "slot", "must be [[program.slot]] tables")
    elif len(raw_slots) > MAX_SLOTS:
        check.problem(where, "slot", f"has more than {MAX_SLOTS} slots")
    else:
        for slot_index, raw in enumerate(raw_slots):
            slot = _parse_slot(check, index, slot_index, raw)
            if slot is not None:
                slots.append(slot)
        keys = [slot.key for slot in slots]
        for key in sorted({key for key in keys if keys.count(key) > 1}):
            check.problem(where, None, f"slot key '{key}' is used twice")
    return Program(
        slug=slug,
        name=check.text(where, data, "name", limit=MAX_NAME),
        description=check.text(where, data, "description", required=False),
        slots=tuple(slots),
        time_cap_minutes=check.positive_int(
            where, data, "time_cap_minutes", 24 * 60, required=False
        ),
    )


# What the nesting scan reads: strings and comments whole (brackets and dots
# inside them do not count), then each bracket, dot and separator. Possessive
# repeats (*+, ++) keep a string that never ends from backtracking.
_NESTING_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""(?:""?)?'
    r"|'''(?:[^']++|'(?!''))*+'''(?:''?)?"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
    r"|[\[\]{}.=,\n]"
    r"|[\"']",  # a string that never ends
    re.DOTALL,
)


def _nesting_too_deep(text: str) -> int | None:
    """The line where ``text`` nests deeper than MAX_NESTING, or None.

    A cheap scan before tomllib: arrays and inline tables opened and not yet
    closed, and the parts of a dotted key, outside strings and comments.
    """
    if text.count("[") + text.count("{") <= MAX_NESTING and text.count(".") < MAX_NESTING:
        return None  # a small program file: too few brackets and dots to go deep
    depth = 0
    dots = 0
    for match in _NESTING_TOKENS.finditer(text):
        lexeme = match.group()
        if lexeme in {"[", "{"}:
            depth += 1
            dots = 0
        elif lexeme in {"]", "}"}:
            depth = max(depth - 1, 0)
            dots = 0
        elif lexeme == ".":
            dots += 1  # the parts of a dotted key; a number holds one dot at most
        elif lexeme in {"=", ",", "\n"}:
            dots = 0
        elif lexeme in {'"', "'"}:
            # Invalid TOML, which tomllib reports; scanning on from each quote
            # inside it would take time growing with the square of its length.
            return None
        else:
            continue  # a string or a comment
        if depth > MAX_NESTING or dots >= MAX_NESTING:
            return text.count("\n", 0, match.start()) + 1
    return None


def _too_deep(source: str, line: int | None) -> str:
    where = source if line is None else f"{source}:{line}"
    return (
        f"{where}: nested more than {MAX_NESTING} levels deep (lists, tables or dotted keys "
        "inside each other); a program file needs three at most"
    )


def parse_catalog(
    text: str,
    *,
    source: str = "<catalog>",
    known_exercises: Mapping[str, Exercise] | None = None,
) -> Catalog:
    """Parse and validate one catalog file's text; raise CatalogError listing every problem.

    ``known_exercises`` are those already installed, which a user's program may
    use without defining them again.
    """
    deep_line = _nesting_too_deep(text)
    if deep_line is not None:
        raise CatalogError([_too_deep(source, deep_line)])
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # Should the scan above ever miss a way of nesting that tomllib recurses on.
        raise CatalogError([_too_deep(source, None)]) from None
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends with "(at line L, column C)" or, when the file
        # stops mid-value, "(at end of document)": then the last line is to blame.
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        line = int(match.group(1)) if match else max(1, len(text.splitlines()))
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        reason = reason or "invalid"
        raise CatalogError([f"{source}:{line}: not valid TOML: {reason}"]) from None

    check = _Checker(source, text)
    for key in sorted(set(data) - {"exercise", "program"}):
        line = _top_level_line(check.lines, key)
        check.problems.append(
            f"{source}:{line}: {key}: unknown top-level field "
            "(expected [[exercise]] or [[program]])"
        )

    exercises: dict[str, Exercise] = {}
    # Position of each exercise and program in the file, for the cross-reference
    # messages below: skipped or duplicate entries make dict order differ.
    exercise_index: dict[str, int] = {}
    raw_exercises = data.get("exercise", [])
    if not isinstance(raw_exercises, list):
        line = _top_level_line(check.lines, "exercise")
        check.problems.append(f"{source}:{line}: exercise: must be [[exercise]] tables")
        raw_exercises = []
    for index, raw in enumerate(raw_exercises):
        exercise = _parse_exercise(check, index, raw)
        if exercise is None or not exercise.slug:
            continue
        if exercise.slug in exercises:
            check.problem(("exercise", index, None), "slug", f"duplicate slug '{exercise.slug}'")
            continue
        exercises[exercise.slug] = exercise
        exercise_index[exercise.slug] = index

    programs: dict[str, Program] = {}
    program_index: dict[str, int] = {}
    raw_programs = data.get("program", [])
    if not isinstance(raw_programs, list):
        line = _top_level_line(check.lines, "program")
        check.problems.append(f"{source}:{line}: program: must be [[program]] tables")
        raw_programs = []
    for index, raw in enumerate(raw_programs):
        program = _parse_program(check, index, raw)
        if program is None or not program.slug:
            continue
        if program.slug in programs:
            check.problem(("program", index, None), "slug", f"duplicate slug '{program.slug}'")
            continue
        programs[program.slug] = program
        program_index[program.slug] = index

    if not exercises and not programs and not check.problems:
        check.problems.append(f"{source}:1: the file defines no [[exercise]] and no [[program]]")

    # Cross references: to this file's exercises or to those already installed.
    available = {**(known_exercises or {}), **exercises}
    for exercise in exercises.values():
        for key in ("easier", "harder"):
            for slug in getattr(exercise, key):
                if slug not in available:
                    where = ("exercise", exercise_index[exercise.slug], None)
                    check.problem(where, key, f"unknown exercise '{slug}'")
    for program in programs.values():
        index = program_index[program.slug]
        for slot_index, slot in enumerate(program.slots):
            for slug in slot.pool:
                if slug and slug not in available:
                    field = "rotation" if slot.rotates else "exercise"
                    check.problem(
                        ("program", index, slot_index), field, f"unknown exercise '{slug}'"
                    )

    if check.problems:
        raise CatalogError(sorted(check.problems, key=_line_of))
    return Catalog(exercises=exercises, programs=programs)


def load_catalog_file(
    path: Path, *, known_exercises: Mapping[str, Exercise] | None = None
) -> Catalog:
    """Read and validate a catalog file from disk."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogError([f"{path}: cannot read: {error.strerror or error}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogError([f"{path}: larger than {MAX_FILE_BYTES // 1024} KB; not a program file"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CatalogError(
            [f"{path}:{line}: not UTF-8 text (byte {error.start}); not a TOML file"]
        ) from None
    return parse_catalog(text, source=str(path), known_exercises=known_exercises)


def load_builtin() -> Catalog:
    """The catalog that ships with RunStrong: all files in ``catalog/``, merged."""
    exercises: dict[str, Exercise] = {}
    programs: dict[str, Program] = {}
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        catalog = load_catalog_file(path, known_exercises=exercises)
        exercises.update(catalog.exercises)
        programs.update(catalog.programs)
    return Catalog(exercises=exercises, programs=programs)


# ---------------------------------------------------------------------------
# From a program to the plan of one session.


class PlanError(ValueError):
    """A scaling or exercise choice the program does not allow."""


def build_plan(
    program: Program,
    exercises: Mapping[str, Exercise],
    *,
    last_done: Mapping[str, str | None] | None = None,
    swaps: Mapping[str, str] | None = None,
    reps: Mapping[str, int] | None = None,
) -> engine.SessionPlan:
    """The session plan for one attempt at ``program``.

    ``last_done`` maps a rotating slot's key to the exercise this athlete did in
    it last time, so the rotation moves on; ``swaps`` maps a slot key to an
    easier alternative (scaled); ``reps`` maps a slot key to fewer reps (scaled).
    """
    last_done = last_done or {}
    swaps = dict(swaps or {})
    reps = dict(reps or {})
    unknown = sorted((set(swaps) | set(reps)) - {slot.key for slot in program.slots})
    if unknown:
        raise PlanError(f"{program.name} has no slot named {', '.join(unknown)}")
    slots: list[engine.SlotPlan] = []
    for slot in program.slots:
        prescribed = engine.rotation_next(slot.pool, last_done.get(slot.key))
        chosen = swaps.get(slot.key, prescribed)
        if chosen != prescribed and chosen not in exercises[prescribed].easier:
            allowed = ", ".join(exercises[prescribed].easier) or "none"
            raise PlanError(
                f"{chosen} is not an easier alternative to {prescribed} (allowed: {allowed})"
            )
        target = reps.get(slot.key, slot.reps)
        if not 1 <= target <= slot.reps:
            raise PlanError(f"{slot.key}: reps must be between 1 and {slot.reps}, not {target}")
        exercise = exercises[chosen]
        slots.append(
            engine.SlotPlan(
                key=slot.key,
                exercise=chosen,
                exercise_name=exercise.name,
                reps=target,
                floor_seconds_per_rep=exercise.floor_seconds_per_rep,
                prescribed_exercise=prescribed,
                prescribed_reps=slot.reps,
                prescribed_exercise_name=exercises[prescribed].name,
            )
        )
    cap = program.time_cap_minutes * 60_000 if program.time_cap_minutes else None
    return engine.SessionPlan(program=program.slug, slots=tuple(slots), time_cap_ms=cap)
