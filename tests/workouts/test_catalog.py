"""The program catalog: the shipped programs, and what a bad program file is told."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runstrong.workouts.catalog import (
    MUSCLES,
    Catalog,
    CatalogError,
    load_builtin,
    load_catalog_file,
    parse_catalog,
)

PROGRAMS = Path(__file__).with_name("programs")


@pytest.fixture(scope="module")
def builtin() -> Catalog:
    return load_builtin()


def problems_of(path: Path, builtin: Catalog) -> tuple[str, ...]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_file(path, known_exercises=builtin.exercises)
    return caught.value.problems


def problems_in(text: str, builtin: Catalog | None = None) -> tuple[str, ...]:
    known = builtin.exercises if builtin is not None else None
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source="club.toml", known_exercises=known)
    return caught.value.problems


def line_numbers(problems: tuple[str, ...]) -> list[int]:
    return [int(re.match(r"club\.toml:(\d+): ", problem).group(1)) for problem in problems]  # type: ignore[union-attr]


# ---------------------------------------------------------------------------
# The built-in catalog.


def test_builtin_catalog_has_the_250_and_the_500(builtin: Catalog) -> None:
    assert set(builtin.programs) == {"runners-250", "runners-500"}
    for slug, reps in (("runners-250", 50), ("runners-500", 100)):
        program = builtin.programs[slug]
        assert [slot.key for slot in program.slots] == ["core", "calves", "hips", "legs", "back"]
        assert [slot.reps for slot in program.slots] == [reps] * 5
        assert program.reps_total == reps * 5


def test_builtin_slots_follow_the_article_order(builtin: Catalog) -> None:
    for program in builtin.programs.values():
        assert [slot.pool for slot in program.slots] == [
            ("mountain-climber", "sit-up"),
            ("calf-raise",),
            ("donkey-kick",),
            ("squat-to-curl",),
            ("back-extension",),
        ]


def test_builtin_core_slot_rotates_mountain_climbers_and_sit_ups(builtin: Catalog) -> None:
    for program in builtin.programs.values():
        rotating = [slot for slot in program.slots if slot.rotates]
        assert [slot.key for slot in rotating] == ["core"]
        assert rotating[0].pool == ("mountain-climber", "sit-up")


def test_builtin_programs_have_a_time_cap(builtin: Catalog) -> None:
    assert builtin.programs["runners-250"].time_cap_minutes == 60
    assert builtin.programs["runners-500"].time_cap_minutes == 120


def test_every_builtin_muscle_is_in_the_vocabulary(builtin: Catalog) -> None:
    for exercise in builtin.exercises.values():
        assert exercise.muscles, exercise.slug
        assert set(exercise.muscles) <= set(MUSCLES), exercise.slug


def test_every_builtin_alternative_exists_both_ways(builtin: Catalog) -> None:
    for exercise in builtin.exercises.values():
        for easier in exercise.easier:
            assert easier in builtin.exercises
            # An easier alternative points back up to the harder one.
            assert exercise.slug in builtin.exercises[easier].harder
        for harder in exercise.harder:
            assert harder in builtin.exercises
            assert exercise.slug in builtin.exercises[harder].easier


def test_every_builtin_program_exercise_has_an_easier_alternative(builtin: Catalog) -> None:
    for program in builtin.programs.values():
        for slot in program.slots:
            for slug in slot.pool:
                assert builtin.exercises[slug].easier, slug


@pytest.mark.parametrize(
    ("slug", "floor"),
    [
        ("mountain-climber", 0.25),
        ("calf-raise", 0.4),
        ("donkey-kick", 0.4),
        ("sit-up", 0.65),
        ("squat-to-curl", 1.0),
        ("back-extension", 0.6),
    ],
)
def test_builtin_floors_match_the_design(builtin: Catalog, slug: str, floor: float) -> None:
    assert builtin.exercises[slug].floor_seconds_per_rep == floor


def test_builtin_exercises_have_cues_in_our_own_words(builtin: Catalog) -> None:
    for exercise in builtin.exercises.values():
        assert exercise.name and exercise.description and exercise.cues, exercise.slug


# ---------------------------------------------------------------------------
# User files: a good one, and each bad one gets one message with file, line, field.


def test_good_user_file_loads_against_the_builtin_exercises(builtin: Catalog) -> None:
    loaded = load_catalog_file(PROGRAMS / "good-club-hill.toml", known_exercises=builtin.exercises)
    assert list(loaded.exercises) == ["step-up"]
    program = loaded.programs["club-hill-250"]
    assert program.reps_total == 250
    assert program.time_cap_minutes == 45
    assert program.slots[1].pool == ("step-up",)


def test_good_user_file_fails_without_the_builtin_exercises() -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog_file(PROGRAMS / "good-club-hill.toml")
    assert any("unknown exercise 'donkey-kick'" in problem for problem in caught.value.problems)


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        (
            "bad-reps-not-a-number.toml",
            14,
            "program[0].slot[1].reps: must be a whole number, not text",
        ),
        (
            "bad-unknown-muscle.toml",
            6,
            "exercise[0].muscles: unknown muscle 'lats' (known: abdominals, obliques, core, "
            "back, shoulders, chest, biceps, triceps, forearms, hip-flexors, glutes, quadriceps, "
            "hamstrings, adductors, calves, shins)",
        ),
        (
            "bad-no-slots.toml",
            3,
            "program[0]: has no slots: add at least one [[program.slot]] table",
        ),
        (
            "bad-negative-reps.toml",
            12,
            "program[0].slot[1].reps: must be between 1 and 1000, not -50",
        ),
        ("bad-duplicate-slug.toml", 10, "exercise[1].slug: duplicate slug 'wall-sit'"),
        ("bad-broken-syntax.toml", 3, "not valid TOML: Illegal character '\\n'"),
        (
            "bad-unknown-field.toml",
            6,
            "program[0].time_cap_minuts: unknown field (check the spelling)",
        ),
        (
            "bad-unknown-exercise.toml",
            15,
            "program[0].slot[1].exercise: unknown exercise 'burpee'",
        ),
    ],
)
def test_bad_program_file_gets_one_message_with_file_line_and_field(
    builtin: Catalog, name: str, line: int, message: str
) -> None:
    path = PROGRAMS / name
    assert problems_of(path, builtin) == (f"{path}:{line}: {message}",)


def test_binary_garbage_is_not_a_toml_file(builtin: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "photo.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    assert problems_of(path, builtin) == (f"{path}:1: not UTF-8 text (byte 0); not a TOML file",)


def test_binary_garbage_names_the_line_of_the_first_bad_byte(
    builtin: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.toml"
    path.write_bytes(b'[[program]]\nslug = "x"\nname = "\xff\xfe"\n')
    assert problems_of(path, builtin) == (f"{path}:3: not UTF-8 text (byte 31); not a TOML file",)


def test_utf8_garbage_is_not_valid_toml(builtin: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "nul.toml"
    path.write_bytes(b"\x00\x01\x02 not toml at all")
    (problem,) = problems_of(path, builtin)
    assert problem.startswith(f"{path}:1: not valid TOML: ")


def test_file_cut_off_mid_value_blames_its_last_line() -> None:
    text = '[[program]]\nslug = "cut-250"\nname = "Cut 250"\n\n[[program.slot]]\nkey = "core"\n'
    text += 'reps = 50\nrotation = ["mountain-climber",\n  "sit-up"\n'
    assert problems_in(text) == ("club.toml:9: not valid TOML: Unclosed array",)


def test_empty_file_says_it_defines_nothing() -> None:
    assert problems_in("# only a comment\n") == (
        "club.toml:1: the file defines no [[exercise]] and no [[program]]",
    )


def test_typo_in_a_required_field_names_the_typo_and_the_missing_field(
    builtin: Catalog,
) -> None:
    text = """[[program]]
slug = "typo"
name = "Typo"

[[program.slot]]
key = "calves"
rep = 50
exercise = "calf-raise"
"""
    assert problems_in(text, builtin) == (
        "club.toml:5: program[0].slot[0]: missing required field 'reps'",
        "club.toml:7: program[0].slot[0].rep: unknown field (check the spelling)",
    )


def test_problems_are_listed_in_file_order(builtin: Catalog) -> None:
    # Cross references are checked last but point at the top of the file; the
    # list still reads from top to bottom.
    text = """[[exercise]]
slug = "hop"
name = "Hops"
muscles = ["calves"]
easier = ["skip"]
floor_seconds_per_rep = 0.3

[[program]]
slug = "hop-100"
name = "Hop 100"
time_cap_minutes = 0

[[program.slot]]
key = "hops"
reps = 5000
exercise = "hop"

[[program.slot]]
key = "core"
reps = 50
rotation = ["mountain-climber", "plank"]
"""
    problems = problems_in(text, builtin)
    assert problems == (
        "club.toml:5: exercise[0].easier: unknown exercise 'skip'",
        "club.toml:11: program[0].time_cap_minutes: must be between 1 and 1440, not 0",
        "club.toml:15: program[0].slot[0].reps: must be between 1 and 1000, not 5000",
        "club.toml:21: program[0].slot[1].rotation: unknown exercise 'plank'",
    )
    assert line_numbers(problems) == sorted(line_numbers(problems))


def test_unknown_reference_after_a_duplicate_names_the_right_exercise(builtin: Catalog) -> None:
    text = """[[exercise]]
slug = "hop"
name = "Hops"
muscles = ["calves"]
floor_seconds_per_rep = 0.3

[[exercise]]
slug = "hop"
name = "Hops again"
muscles = ["calves"]
floor_seconds_per_rep = 0.3

[[exercise]]
slug = "bound"
name = "Bounds"
muscles = ["calves", "glutes"]
easier = ["skip"]
floor_seconds_per_rep = 0.5
"""
    assert problems_in(text, builtin) == (
        "club.toml:8: exercise[1].slug: duplicate slug 'hop'",
        "club.toml:17: exercise[2].easier: unknown exercise 'skip'",
    )


def test_duplicate_program_slug_is_rejected(builtin: Catalog) -> None:
    slot = '\n[[program.slot]]\nkey = "calves"\nreps = 50\nexercise = "calf-raise"\n'
    text = '[[program]]\nslug = "twin"\nname = "One"\n' + slot
    text += '\n[[program]]\nslug = "twin"\nname = "Two"\n' + slot
    assert problems_in(text, builtin) == ("club.toml:11: program[1].slug: duplicate slug 'twin'",)


def test_empty_text_in_a_required_field_is_rejected(builtin: Catalog) -> None:
    # An empty slug would otherwise make the program vanish without a word, and
    # an empty exercise would pass here and fail when a session starts.
    text = """[[program]]
slug = ""
name = "Nameless"

[[program.slot]]
key = "calves"
reps = 50
exercise = "  "
"""
    assert problems_in(text, builtin) == (
        "club.toml:2: program[0].slug: must not be empty",
        "club.toml:8: program[0].slot[0].exercise: must not be empty",
    )


def test_rotation_entries_must_be_exercise_slugs(builtin: Catalog) -> None:
    text = """[[program]]
slug = "spin"
name = "Spin"

[[program.slot]]
key = "core"
reps = 50
rotation = ["sit-up", ""]
"""
    assert problems_in(text, builtin) == (
        "club.toml:8: program[0].slot[0].rotation: '' is not an exercise slug",
    )


def test_single_bracket_program_table_is_reported_where_it_is() -> None:
    text = '# my program\n\n[program]\nslug = "oops"\nname = "Oops"\n'
    assert problems_in(text) == ("club.toml:3: program: must be [[program]] tables",)


def test_unknown_top_level_field_is_reported_where_it_is() -> None:
    text = '# header\nauthor = "Club"\n\n[[exercise]]\nslug = "hop"\nname = "Hops"\n'
    text += 'muscles = ["calves"]\nfloor_seconds_per_rep = 0.3\n'
    assert problems_in(text) == (
        "club.toml:2: author: unknown top-level field (expected [[exercise]] or [[program]])",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be a number of seconds above 0 and at most 60, not 0"),
        ("-0.5", "must be a number of seconds above 0 and at most 60, not -0.5"),
        ("nan", "must be a number of seconds above 0 and at most 60, not nan"),
        ('"fast"', "must be a number of seconds above 0 and at most 60, not 'fast'"),
        ("true", "must be a number of seconds above 0 and at most 60, not True"),
    ],
)
def test_floor_must_be_a_plausible_number_of_seconds(value: str, message: str) -> None:
    text = '[[exercise]]\nslug = "hop"\nname = "Hops"\nmuscles = ["calves"]\n'
    text += f"floor_seconds_per_rep = {value}\n"
    assert problems_in(text) == (f"club.toml:5: exercise[0].floor_seconds_per_rep: {message}",)


def test_file_too_large_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text("# padding\n" * 30_000)
    with pytest.raises(CatalogError, match="larger than 256 KB; not a program file"):
        load_catalog_file(path)


def test_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(CatalogError, match=re.escape(f"{path}: cannot read: ")):
        load_catalog_file(path)
