"""`runstrong programs` as a user runs it: a separate process on a fresh database."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import RUNSTRONG

PROGRAMS = Path(__file__).with_name("programs")

# Each bad sample file and the one problem it is reported with.
BAD_FILES = {
    "bad-reps-not-a-number.toml": "bad-reps-not-a-number.toml:14: program[0].slot[1].reps: "
    "must be a whole number, not text",
    "bad-unknown-muscle.toml": "bad-unknown-muscle.toml:6: exercise[0].muscles: "
    "unknown muscle 'lats'",
    "bad-no-slots.toml": "bad-no-slots.toml:3: program[0]: has no slots: "
    "add at least one [[program.slot]] table",
    "bad-negative-reps.toml": "bad-negative-reps.toml:12: program[0].slot[1].reps: "
    "must be between 1 and 1000, not -50",
    "bad-duplicate-slug.toml": "bad-duplicate-slug.toml:10: exercise[1].slug: "
    "duplicate slug 'wall-sit'",
    "bad-broken-syntax.toml": "bad-broken-syntax.toml:3: not valid TOML",
    "bad-unknown-field.toml": "bad-unknown-field.toml:6: program[0].time_cap_minuts: "
    "unknown field (check the spelling)",
    "bad-unknown-exercise.toml": "bad-unknown-exercise.toml:15: program[0].slot[1].exercise: "
    "unknown exercise 'burpee'",
    "photo.toml": "photo.toml:1: not UTF-8 text (byte 0); not a TOML file",
}


class Runner:
    """Runs ``runstrong`` in a folder holding copies of the sample files, so
    messages name them by their short relative names."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = {**env, "COLUMNS": "200"}  # keep rich from wrapping long messages
        self.folder = folder

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RUNSTRONG), *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def fails(self, *args: str) -> str:
        return self._failed(self(*args))

    def fail_each(self, *commands: tuple[str, ...]) -> list[str]:
        """``fails`` for several commands that write nothing, run side by side."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return [self._failed(done) for done in pool.map(lambda args: self(*args), commands)]

    @staticmethod
    def _failed(done: subprocess.CompletedProcess[str]) -> str:
        assert done.returncode == 1, (done.args, done.stdout, done.stderr)
        assert done.stdout == ""
        # rich may still break a line at a space; compare words, not layout.
        return " ".join(done.stderr.split())


@pytest.fixture
def runstrong(cli_env: dict[str, str], tmp_path: Path) -> Runner:
    folder = tmp_path / "files"
    shutil.copytree(PROGRAMS, folder)
    (folder / "photo.toml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    run = Runner(cli_env, folder)
    run.ok("setup")  # required on PostgreSQL; on SQLite it would happen anyway
    return run


def listed_programs(output: str) -> set[str]:
    return {line.split()[0] for line in output.splitlines()[1:] if line.strip()}


BUILTIN = {"runners-250", "runners-500"}


def test_programs_lists_both_builtin_programs(runstrong: Runner) -> None:
    output = runstrong.ok("programs")
    assert listed_programs(output) == BUILTIN
    rows = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert rows["runners-250"].split()[1:] == [
        "Runner's",
        "250",
        "5",
        "250",
        "60",
        "min",
        "builtin",
    ]
    assert rows["runners-500"].split()[1:] == [
        "Runner's",
        "500",
        "5",
        "500",
        "120",
        "min",
        "builtin",
    ]
    assert runstrong.ok("programs", "list") == output


def test_programs_show_gives_five_slots_of_100_and_the_rotation(runstrong: Runner) -> None:
    output = runstrong.ok("programs", "show", "runners-500")
    assert "Runner's 500 (runners-500): 5 slots, 500 reps, 120-minute cap" in output
    headings = [line for line in output.splitlines() if line[:2] in {"1.", "2.", "3.", "4.", "5."}]
    assert headings == [
        "1. 100 × Mountain climbers ↔ Sit-ups  (core)",
        "2. 100 × Calf raises  (calves)",
        "3. 100 × Donkey kicks  (hips)",
        "4. 100 × Squat to curl  (legs)",
        "5. 100 × Back extensions  (back)",
    ]
    assert "rotation: each session gives the next of these after the one you did last" in output
    assert "easier: Incline mountain climbers" in output
    assert runstrong.fails("programs", "show", "runners-1000") == (
        "runstrong: no program 'runners-1000': `runstrong programs` lists them"
    )


def test_programs_show_links_each_exercise_to_its_picture(runstrong: Runner) -> None:
    output = runstrong.ok("programs", "show", "runners-250")

    links = [line.strip() for line in output.splitlines() if "picture:" in line]
    assert links == [
        f"picture: /static/runstrong/exercises/{slug}.svg"
        for slug in (
            "mountain-climber",
            "sit-up",
            "calf-raise",
            "donkey-kick",
            "squat-to-curl",
            "back-extension",
        )
    ]


def test_programs_check_passes_a_good_file(runstrong: Runner) -> None:
    assert runstrong.ok("programs", "check", "good-club-hill.toml") == (
        "good-club-hill.toml: OK — 1 program(s): club-hill-250; 1 exercise(s): step-up\n"
    )
    # Checking installs nothing.
    assert listed_programs(runstrong.ok("programs")) == BUILTIN


def test_programs_check_fails_each_bad_file_with_its_message(runstrong: Runner) -> None:
    outputs = runstrong.fail_each(*(("programs", "check", name) for name in BAD_FILES))
    for message, output in zip(BAD_FILES.values(), outputs, strict=True):
        assert output.startswith(f"runstrong: 1 problem: {message}"), output
    output = runstrong.fails("programs", "check", "nowhere.toml")
    assert output.startswith("runstrong: 1 problem: nowhere.toml: cannot read: No such file")


def test_programs_add_of_a_bad_file_installs_nothing(runstrong: Runner) -> None:
    outputs = runstrong.fail_each(*(("programs", "add", name) for name in BAD_FILES))
    for message, output in zip(BAD_FILES.values(), outputs, strict=True):
        assert output.startswith(f"runstrong: 1 problem: {message}"), output
        assert output.endswith("Nothing was installed.")
    assert listed_programs(runstrong.ok("programs")) == BUILTIN
    # Not even the valid exercise that shared a file with a bad program: a
    # program using it is still refused.
    (runstrong.folder / "uses-band.toml").write_text(
        '[[program]]\nslug = "band-50"\nname = "Band 50"\n\n'
        '[[program.slot]]\nkey = "pull"\nreps = 50\nexercise = "band-pull-apart"\n'
    )
    assert "unknown exercise 'band-pull-apart'" in runstrong.fails(
        "programs", "check", "uses-band.toml"
    )


def test_programs_add_installs_a_good_file(runstrong: Runner) -> None:
    assert runstrong.ok("programs", "add", "good-club-hill.toml") == (
        "Installed 1 program(s): club-hill-250; 1 exercise(s): step-up from good-club-hill.toml\n"
    )
    output = runstrong.ok("programs")
    assert listed_programs(output) == {*BUILTIN, "club-hill-250"}
    row = next(line for line in output.splitlines() if line.startswith("club-hill-250"))
    assert row.split()[1:] == ["Club", "hill", "250", "5", "250", "45", "min", "user"]
    shown = runstrong.ok("programs", "show", "club-hill-250")
    assert "2. 50 × Step-ups  (steps)" in shown


def test_programs_add_twice_needs_replace(runstrong: Runner) -> None:
    runstrong.ok("programs", "add", "good-club-hill.toml")
    output = runstrong.fails("programs", "add", "good-club-hill.toml")
    assert output.startswith("runstrong: 2 problems: good-club-hill.toml: ")
    assert "'step-up' is already installed" in output
    assert "'club-hill-250' is already installed" in output
    assert "--replace" in output
    assert output.endswith("Nothing was installed.")
    assert runstrong.ok("programs", "add", "good-club-hill.toml", "--replace").startswith(
        "Installed 1 program(s): club-hill-250"
    )
    assert listed_programs(runstrong.ok("programs")) == {*BUILTIN, "club-hill-250"}


def test_programs_add_cannot_take_a_builtin_slug(runstrong: Runner) -> None:
    # The file itself is valid: check passes, add refuses.
    runstrong.ok("programs", "check", "bad-builtin-slug.toml")
    for replace in ((), ("--replace",)):
        output = runstrong.fails("programs", "add", "bad-builtin-slug.toml", *replace)
        assert output.startswith("runstrong: 1 problem: bad-builtin-slug.toml: ")
        assert "'runners-250' is built in and cannot be replaced" in output
        assert output.endswith("Nothing was installed.")
    assert "5 slots, 250 reps" in runstrong.ok("programs", "show", "runners-250")
