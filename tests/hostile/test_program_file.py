"""The program file door: a TOML file of exercises and programs, as `runstrong
programs check` and `runstrong programs add` read it through the loader
(``workouts.catalog``) and install it (``services.catalog_install``).

A bad file is refused whole with one line per problem naming the line and the
field; nothing is installed. A file that is accepted shows its text as text on
every page that lists programs. The last section moved here from
tests/test_hostile_text.py.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runstrong.workouts import catalog
from runstrong.workouts.catalog import CatalogError, parse_catalog
from runstrong.workouts.models import Exercise, Program
from runstrong.workouts.services import catalog_install
from tests.community.share_helpers import parse
from tests.community.social_helpers import finished
from tests.hostile.conftest import JS_LINK, SCRIPT, assert_no_markup, browser
from tests.workouts.test_programs_cli import BUILTIN, Runner, listed_programs

DEEP = 30_000
TOO_DEEP = (
    "nested more than 20 levels deep (lists, tables or dotted keys inside each other); "
    "a program file needs three at most"
)
GOOD_PROGRAM = '''[[exercise]]
slug = "step-up"
name = "Step-ups"
description = """Onto a bench or a stair:
\tdrive through the front heel."""
muscles = ["quadriceps", "glutes"]
cues = ["Whole foot on the step"]
equipment = ["bench"]
easier = ["calf-raise"]
floor_seconds_per_rep = 0.8

[[program]]
slug = "hill-250"
name = "Hill 250"
description = "Fifty of each, uphill."

[[program.slot]]
key = "steps"
reps = 50
exercise = "step-up"

[[program.slot]]
key = "core"
reps = 50
rotation = ["mountain-climber", "sit-up"]
'''


def with_changed(old: str, new: str) -> str:
    assert GOOD_PROGRAM.count(old) == 1, old
    return GOOD_PROGRAM.replace(old, new)


def with_slots(count: int) -> str:
    slot = '\n[[program.slot]]\nkey = "s{n}"\nreps = 5\nexercise = "calf-raise"\n'
    return with_changed('key = "steps"', 'key = "s"') + "".join(
        slot.format(n=n) for n in range(count - 2)
    )


@dataclass(frozen=True)
class ProgramFile:
    """The file's bytes; the problems reported (empty: installed) or, for an
    accepted file, the program's name as stored."""

    case: str
    content: bytes
    problems: tuple[str, ...] = ()
    installed_name: str = ""


def changed(old: str, new: str) -> bytes:
    return with_changed(old, new).encode()


# fmt: off
PROGRAM_FILES = [
    ProgramFile("broken TOML", b'[[program]]\nslug = "x"\nname = = "y"\n', ("x.toml:3: not valid TOML: Invalid value",)),
    ProgramFile("a PNG named .toml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ("x.toml:1: not UTF-8 text (byte 0); not a TOML file",)),
    ProgramFile("an empty file", b"", ("x.toml:1: the file defines no [[exercise]] and no [[program]]",)),
    ProgramFile("larger than 256 KB", b"# padding\n" * 30_000, ("x.toml: larger than 256 KB; not a program file",)),
    ProgramFile("nested 30,000 deep", ("x = " + "[" * DEEP + "]" * DEEP + "\n").encode(), (f"x.toml:1: {TOO_DEEP}",)),
    ProgramFile("NUL in a name", changed('"Hill 250"', r'"Hill\u0000 250"'), ("x.toml:14: program[0].name: must not contain control characters (found U+0000)",)),
    ProgramFile("RTL override in a description", changed('"Fifty', r'"\u202eFifty'), ("x.toml:15: program[0].description: must not contain control characters (found U+202E)",)),
    ProgramFile("escape sequence in a cue", changed('"Whole foot', r'"\u001b[31mWhole foot'), ("x.toml:7: exercise[0].cues: must not contain control characters (found U+001B)",)),
    ProgramFile("10,000-character name", changed('"Hill 250"', '"' + "H" * 10_000 + '"'), ("x.toml:14: program[0].name: is longer than 120 characters",)),
    ProgramFile("name longer than its column", changed('"Hill 250"', '"' + "H" * 121 + '"'), ("x.toml:14: program[0].name: is longer than 120 characters",)),
    ProgramFile("exercise name longer than its column", changed('"Step-ups"', '"' + "S" * 121 + '"'), ("x.toml:3: exercise[0].name: is longer than 120 characters",)),
    ProgramFile("slug longer than its column", changed('"hill-250"', '"' + "h" * 81 + '"'), ("x.toml:13: program[0].slug: is longer than 80 characters",)),
    ProgramFile("script as a slot key", changed('key = "steps"', 'key = "<script>"'), ("x.toml:18: program[0].slot[0].key: '<script>' is not a slug (lowercase letters, digits, hyphens)",)),
    ProgramFile("negative reps", changed("reps = 50\nexercise", "reps = -50\nexercise"), ("x.toml:19: program[0].slot[0].reps: must be between 1 and 1000, not -50",)),
    ProgramFile("huge reps", changed("reps = 50\nexercise", "reps = 1000000000000\nexercise"), ("x.toml:19: program[0].slot[0].reps: must be between 1 and 1000, not 1000000000000",)),
    ProgramFile("reps past 64 bits", changed("reps = 50\nexercise", "reps = 99999999999999999999999\nexercise"), ("x.toml:19: program[0].slot[0].reps: must be between 1 and 1000, not 99999999999999999999999",)),
    ProgramFile("reps as a fraction", changed("reps = 50\nexercise", "reps = 50.5\nexercise"), ("x.toml:19: program[0].slot[0].reps: must be a whole number, not a decimal number",)),
    ProgramFile("reps as text", changed("reps = 50\nexercise", 'reps = "50"\nexercise'), ("x.toml:19: program[0].slot[0].reps: must be a whole number, not text",)),
    ProgramFile("a time cap of a million minutes", changed('description = "Fifty', 'time_cap_minutes = 1000000\ndescription = "Fifty'), ("x.toml:15: program[0].time_cap_minutes: must be between 1 and 1440, not 1000000",)),
    ProgramFile("21 slots", with_slots(21).encode(), ("x.toml:12: program[0].slot: has more than 20 slots",)),
    ProgramFile("a built-in program's slug", changed('"hill-250"', '"runners-250"'), ("x.toml: 'runners-250' is built in and cannot be replaced",)),
    ProgramFile("script as a name", changed('"Hill 250"', "'" + SCRIPT + "'"), installed_name=SCRIPT),
    ProgramFile("javascript: link as a name", changed('"Hill 250"', "'" + JS_LINK + "'"), installed_name=JS_LINK),
    ProgramFile("emoji and right-to-left letters", changed('"Hill 250"', '"גבעה 250 🏃\u200d♀️"'), installed_name="גבעה 250 🏃\u200d♀️"),
]
# fmt: on

# Every page that lists or shows programs.
PROGRAM_PAGES = ["/", "/programs/", "/programs/hill-250/", "/boards/", "/boards/hill-250/"]


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog_synced")
@pytest.mark.parametrize("file", PROGRAM_FILES, ids=[file.case for file in PROGRAM_FILES])
def test_a_program_file(
    athlete: Any, ledger_factory: Any, tmp_path: Path, file: ProgramFile
) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(file.content)
    ledger = ledger_factory()

    try:
        loaded = catalog_install(path=path)
    except CatalogError as error:
        problems = tuple(problem.replace(str(tmp_path) + "/", "") for problem in error.problems)
    else:
        problems = ()

    assert problems == file.problems
    if problems:
        ledger.assert_untouched()
        return
    assert ledger.changed() == {"workouts.Exercise": 1, "workouts.Program": 1}
    assert ledger.new_files() == set()
    assert Program.objects.get(slug="hill-250").name == file.installed_name
    assert list(loaded.programs) == ["hill-250"]
    # A result of the new program, shared: its pages and its link preview name it.
    result = finished(athlete, "public", program_slug="hill-250")
    client = browser(athlete)
    pages = [*PROGRAM_PAGES, "/history/", f"/results/{result.pk}/", f"/r/{result.pk}/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_markup(response.content.decode(), SCRIPT, JS_LINK)
    tags = parse(client.get(f"/r/{result.pk}/").content).open_graph()
    assert tags["og:title"][0].startswith(f"alex: {file.installed_name} in ")


def test_programs_add_says_the_loaders_line_for_a_name_too_long_to_store(
    runstrong: Runner,
) -> None:
    """The command as a user runs it, on the file that used to end in a
    traceback on PostgreSQL (the name fits the loader's limit, not the column)."""
    (file,) = [file for file in PROGRAM_FILES if file.case == "name longer than its column"]
    (runstrong.folder / "long.toml").write_bytes(file.content)

    output = runstrong.fails("programs", "add", "long.toml")

    (problem,) = file.problems
    expected = problem.replace("x.toml", "long.toml")
    assert output == f"runstrong: 1 problem: {expected} Nothing was installed."


# ---------------------------------------------------------------------------
# Moved from tests/test_hostile_text.py.
#
# Program files nested too deep: tomllib recursed into a RecursionError with a
# 3,000-line traceback.

BUILTIN_EXERCISES = catalog.load_builtin().exercises


def problems_in(toml: str) -> tuple[str, ...]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(toml, source="club.toml", known_exercises=BUILTIN_EXERCISES)
    return caught.value.problems


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        pytest.param("x = " + "[" * DEEP + "]" * DEEP + "\n", 1, id="lists"),
        pytest.param("x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n", 1, id="inline-tables"),
        pytest.param(
            '# a club file\n\n[[program]]\nslug = "hill"\nslot = ' + "[" * 21 + "\n",
            5,
            id="just-past-the-limit",
        ),
        # Parsed in time growing with the square of its length (17 s for 30,000
        # parts), then printed into a message by a repr that overflowed.
        pytest.param(
            '[[exercise]]\nslug = "hop"\nfloor_seconds_per_rep.' + ".".join(["a"] * 5_000) + "=1",
            3,
            id="dotted-key",
        ),
    ],
)
def test_a_program_file_nested_too_deep_is_refused_naming_its_line(toml: str, line: int) -> None:
    assert problems_in(toml) == (f"club.toml:{line}: {TOO_DEEP}",)


def test_brackets_and_dots_in_strings_and_comments_are_not_nesting() -> None:
    toml = "# " + "[" * 50 + "\n" + '[[exercise]]\nslug = "hop"\nname = "Hops ' + "[{" * 30
    toml += '"\nmuscles = ["calves"]\ndescription = """' + "[." * 40 + '"""\n'
    toml += "cues = ['" + "." * 40 + "']\nfloor_seconds_per_rep = 0.3\n"
    assert list(parse_catalog(toml).exercises) == ["hop"]


def test_nesting_the_scan_misses_is_still_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(catalog, "_nesting_too_deep", lambda toml: None)
    assert problems_in("x = " + "[" * DEEP + "]" * DEEP + "\n") == (f"club.toml: {TOO_DEEP}",)


def test_a_file_with_thousands_of_problems_is_reported_at_once() -> None:
    # Each problem used to walk the whole file to find its line: 2,000 empty
    # [[exercise]] tables took 16 s, a 256 KB file half an hour.
    began = time.perf_counter()
    problems = problems_in("[[exercise]]\n" * 2_000)
    assert len(problems) == 8_000
    assert problems[-1] == (
        "club.toml:2000: exercise[1999]: missing required field 'floor_seconds_per_rep'"
    )
    assert time.perf_counter() - began < 5


def test_programs_check_and_add_refuse_a_deep_file_in_one_line(runstrong: Runner) -> None:
    (runstrong.folder / "deep.toml").write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")

    checked = runstrong.fails("programs", "check", "deep.toml")
    added = runstrong.fails("programs", "add", "deep.toml")

    assert checked == f"runstrong: 1 problem: deep.toml:1: {TOO_DEEP}"
    assert added == f"runstrong: 1 problem: deep.toml:1: {TOO_DEEP} Nothing was installed."
    assert listed_programs(runstrong.ok("programs")) == BUILTIN


# Control characters in program text: a NUL installed on SQLite and could not
# be stored on PostgreSQL.


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('"Hill 250"', r'"Hill\u0000 250"', "14: program[0].name: U+0000"),
        ('"Fifty', r'"\u202eFifty', "15: program[0].description: U+202E"),
        ('"hill-250"', r'"hill-250\u0000"', "13: program[0].slug: U+0000"),
        ('key = "steps"', r'key = "steps\u0007"', "18: program[0].slot[0].key: U+0007"),
        ('"sit-up"]', r'"sit-up\u0000"]', "25: program[0].slot[1].rotation: U+0000"),
        ('"Step-ups"', r'"Step\nups"', "3: exercise[0].name: U+000A"),
        ('"Whole foot', r'"\u001b[31mWhole foot', "7: exercise[0].cues: U+001B"),
        ('"bench"', r'"ben\u0085ch"', "8: exercise[0].equipment: U+0085"),
        ('"calf-raise"', r'"calf-raise\u200b"', "9: exercise[0].easier: U+200B"),
        ("drive through", r"drive\u0000 through", "4: exercise[0].description: U+0000"),
    ],
)
def test_control_characters_in_program_text_are_refused_naming_line_and_field(
    old: str, new: str, problem: str
) -> None:
    line, field, found = problem.split(": ")
    assert problems_in(with_changed(old, new)) == (
        f"club.toml:{line}: {field}: must not contain control characters (found {found})",
    )


def test_line_breaks_tabs_joiners_and_right_to_left_letters_are_program_text() -> None:
    toml = with_changed('"Hill 250"', '"גבעה 250 🏃\u200d♀️"')  # "hill" in Hebrew, a woman running
    loaded = parse_catalog(toml, known_exercises=BUILTIN_EXERCISES)
    assert loaded.programs["hill-250"].name == "גבעה 250 🏃\u200d♀️"
    assert loaded.exercises["step-up"].description == (
        "Onto a bench or a stair:\n\tdrive through the front heel."
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog_synced")
def test_a_program_named_with_nul_is_not_installed(tmp_path: Path) -> None:
    path = tmp_path / "nul.toml"
    path.write_text(with_changed('"Hill 250"', r'"Hill\u0000 250"'))
    before = (Program.objects.count(), Exercise.objects.count())

    with pytest.raises(CatalogError) as caught:
        catalog_install(path=path)

    assert caught.value.problems == (
        f"{path}:14: program[0].name: must not contain control characters (found U+0000)",
    )
    assert (Program.objects.count(), Exercise.objects.count()) == before


def test_programs_add_refuses_a_nul_in_a_name_and_installs_nothing(runstrong: Runner) -> None:
    (runstrong.folder / "nul.toml").write_text(with_changed('"Hill 250"', r'"Hill\u0000 250"'))

    output = runstrong.fails("programs", "add", "nul.toml")

    assert output == (
        "runstrong: 1 problem: nul.toml:14: program[0].name: "
        "must not contain control characters (found U+0000) Nothing was installed."
    )
    assert listed_programs(runstrong.ok("programs")) == BUILTIN
