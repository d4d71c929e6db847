"""Hostile text that reaches the data (issue 17, part 3): program files nested
too deep or holding control characters, display names that reverse a board
row, and runs dated far in the future.

Each case: the sentence the user sees, the status or exit code, never a
traceback, and nothing written (row counts before and after).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from runstrong import text
from runstrong.community.models import Comment
from runstrong.runs import services as runs
from runstrong.runs.models import Activity
from runstrong.workouts import catalog
from runstrong.workouts.catalog import CatalogError, parse_catalog
from runstrong.workouts.models import Exercise, Program, Result
from runstrong.workouts.services import catalog_install
from tests.community.social_helpers import finished
from tests.runs.activity_files import moved_to_year, steady_gpx
from tests.runs.conftest import read
from tests.workouts.test_programs_cli import BUILTIN, Runner, listed_programs

User = get_user_model()

# ---------------------------------------------------------------------------
# Program files nested too deep: tomllib recursed into a RecursionError with a
# 3,000-line traceback.

DEEP = 30_000
TOO_DEEP = (
    "nested more than 20 levels deep (lists, tables or dotted keys inside each other); "
    "a program file needs three at most"
)


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


@pytest.fixture
def runstrong(cli_env: dict[str, str], tmp_path: Path) -> Runner:
    run = Runner(cli_env, tmp_path)
    run.ok("setup")
    return run


def test_programs_check_and_add_refuse_a_deep_file_in_one_line(runstrong: Runner) -> None:
    (runstrong.folder / "deep.toml").write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")

    checked = runstrong.fails("programs", "check", "deep.toml")
    added = runstrong.fails("programs", "add", "deep.toml")

    assert checked == f"runstrong: 1 problem: deep.toml:1: {TOO_DEEP}"
    assert added == f"runstrong: 1 problem: deep.toml:1: {TOO_DEEP} Nothing was installed."
    assert listed_programs(runstrong.ok("programs")) == BUILTIN


# ---------------------------------------------------------------------------
# Control characters in program text: a NUL installed on SQLite and could not
# be stored on PostgreSQL.

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


# ---------------------------------------------------------------------------
# Text people write: control characters and direction overrides stripped, by
# the one rule comments already followed (runstrong.text).

RLO = "\u202e"  # right-to-left override: reverses everything shown after it
RUNNER_WOMAN = "🏃\u200d♀️"  # a runner, a zero-width joiner, a female sign


@pytest.mark.parametrize(
    ("written", "line", "block"),
    [
        (f"Ann{RLO} Lee", "Ann Lee", "Ann Lee"),
        ("\x00Ann\x07 Lee\x1b[0m", "Ann Lee[0m", "Ann Lee[0m"),
        ("Ann\r\nLee\t", "Ann Lee", "Ann\nLee"),
        ("Ann\u2066 Lee\u2069\u200f", "Ann Lee", "Ann Lee"),
        (f"{RUNNER_WOMAN} Ann", f"{RUNNER_WOMAN} Ann", f"{RUNNER_WOMAN} Ann"),
        ("سارة\u00a0 Lee", "سارة Lee", "سارة\u00a0 Lee"),
    ],
)
def test_user_text_keeps_what_was_meant(written: str, line: str, block: str) -> None:
    assert text.clean_line(written) == line
    assert text.clean_block(written) == block


@pytest.mark.django_db
def test_a_profile_name_loses_its_direction_override(athlete_client: Client, athlete: Any) -> None:
    response = athlete_client.post(
        "/accounts/profile/",
        {
            "display_name": f"Alex{RLO} R.",
            "units": "km",
            "sex": "",
            "birth_year": "",
            "default_privacy": "public",
        },
    )

    assert response.status_code == 302
    athlete.refresh_from_db()
    assert athlete.display_name == "Alex R."


# Names already stored before the rule (or written some other way) are
# isolated where they are shown, and so are right-to-left names: in <bdi>,
# nothing in a name reorders the text around it.
RTL_NAME = "سارة"  # Sara, in Arabic script
STORED_WITH_OVERRIDE = f"{RLO}Sara"


def isolated_on(page: str, name: str) -> dict[str, str]:
    return {
        "board row": f'<th scope="row"><bdi>{name}</bdi></th>',
        "result page": f'<strong class="result-athlete"><bdi>{name}</bdi></strong>',
        "share page": f'<h1><bdi class="athlete">{name}</bdi>: <bdi>Runner&#x27;s 250</bdi></h1>',
        "comment": f'<p class="comment-meta"><strong><bdi>{name}</bdi></strong>',
    }[page]


URLS: dict[str, Callable[[Result], str]] = {
    "board row": lambda result: "/boards/runners-250/",
    "result page": lambda result: f"/results/{result.pk}/",
    "share page": lambda result: f"/r/{result.pk}/",
    "comment": lambda result: f"/results/{result.pk}/",
}


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog_synced")
@pytest.mark.parametrize("name", [RTL_NAME, STORED_WITH_OVERRIDE])
@pytest.mark.parametrize("page", list(URLS))
def test_a_right_to_left_name_is_isolated_beside_other_text(
    page: str, name: str, client: Client
) -> None:
    runner = User.objects.create_user("sara", "sara@example.com", "pw", display_name=name)
    result = finished(runner, "public")
    if page == "comment":
        Comment.objects.create(result=result, author=runner, text="Thanks!")
    viewer = User.objects.create_user("sam", "sam@example.com", "pw")
    client.force_login(viewer)

    response = client.get(URLS[page](result))

    assert response.status_code == 200
    assert isolated_on(page, name) in response.content.decode()


# ---------------------------------------------------------------------------
# Runs dated in the future: a run of the year 9999 headed every list for ever.

FUTURE_REFUSAL = (
    "it starts on 26 Dec 9999, in the future: "
    "the clock of the device that recorded it must be wrong"
)


@pytest.fixture
def tcx_of_9999() -> bytes:
    return moved_to_year(read("tcx/test.tcx"), 9999)


def test_runstrong_import_refuses_a_run_dated_9999_and_stores_nothing(
    runstrong: Runner, tcx_of_9999: bytes
) -> None:
    (runstrong.folder / "watch.tcx").write_bytes(tcx_of_9999)

    for _ in range(2):  # the second time, it is not "already there": nothing was kept
        done = runstrong("import", "watch.tcx")
        assert done.returncode == 1
        assert done.stdout.splitlines() == [
            f"watch.tcx: not imported: {FUTURE_REFUSAL}",
            "0 imported, 0 already there, 1 not imported.",
        ]
        assert "1 file(s) could not be imported" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ahead", "stored"), [(timedelta(hours=20), True), (timedelta(days=2), False)]
)
def test_a_clock_up_to_a_day_ahead_is_forgiven(
    athlete: Any, ahead: timedelta, stored: bool
) -> None:
    start = (timezone.now() + ahead).replace(microsecond=0)

    outcome = runs.activity_import(athlete=athlete, name="ahead.gpx", data=steady_gpx(start=start))

    assert Activity.objects.filter(athlete=athlete).exists() is stored
    if not stored:
        assert outcome.message == (
            f"it starts on {start.day} {start:%b %Y}, in the future: "
            "the clock of the device that recorded it must be wrong"
        )
