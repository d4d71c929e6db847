"""``runstrong go`` driven through a real pseudo-terminal, as an athlete would use it.

Each step waits for the screen's plain confirmation line (``logged 25 · core
25/50``) before the next key, so the tests follow the program instead of
sleeping. The process is killed with SIGKILL mid-workout to prove that
everything shown on screen was already stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.conftest import REPO, RUNSTRONG

pytestmark = pytest.mark.pty

WAIT = 8.0  # seconds for one screen update; generous for a loaded CI machine
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
CLOCK = re.compile(r"clock (\d+:\d\d\.\d)")


def plain(text: str) -> str:
    """Terminal output without escape codes and runs of padding, for failure messages."""
    return re.sub(r"[ \t]{3,}", "  ", ANSI.sub("", text))


class Terminal:
    """One ``runstrong`` process in a 40×120 pseudo-terminal."""

    def __init__(self, env: dict[str, str], *args: str, program: Path = RUNSTRONG) -> None:
        self.child = pexpect.spawn(
            str(program),
            list(args),
            env=env,
            cwd=str(REPO),
            dimensions=(40, 120),
            encoding="utf-8",
            codec_errors="replace",
            timeout=WAIT,
        )

    def wait_for(self, text: str, timeout: float = WAIT) -> None:
        try:
            self.child.expect_exact(text, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as error:
            seen = plain(str(self.child.before))[-1500:]
            pytest.fail(
                f"{text!r} did not appear within {timeout} s "
                f"({type(error).__name__}); the screen last showed:\n{seen}"
            )

    def keys(self, keys: str, then: str) -> None:
        """Type ``keys``, then wait for ``then`` on the screen."""
        self.child.send(keys)
        self.wait_for(then)

    def drain(self, seconds: float) -> str:
        """Everything the program writes during the next ``seconds``."""
        out = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(pexpect.TIMEOUT):
                out.append(self.child.read_nonblocking(65536, timeout=min(0.1, left)))
        return "".join(out)

    def kill(self) -> None:
        self.child.kill(signal.SIGKILL)
        self.child.expect(pexpect.EOF, timeout=WAIT)
        self.child.close()

    def finish(self) -> str:
        """Wait for the program to exit; return what it printed since the last match."""
        self.child.expect(pexpect.EOF, timeout=WAIT)
        self.child.close()
        assert self.child.exitstatus == 0, plain(str(self.child.before))
        return plain(str(self.child.before))


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    """A set-up database (needed on PostgreSQL, harmless on SQLite) and a known set size."""
    cli_env["RUNSTRONG_SET_SIZE"] = "10"
    run(cli_env, "setup")
    return cli_env


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(RUNSTRONG), *args],
        env={**env, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"runstrong {' '.join(args)}: {done.stderr}{done.stdout}"
    return done


def stored_sessions(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every session in the database, oldest first, folded from its stored events by a
    separate process (so the check sees what is on disk, not what a process remembers)."""
    script = (
        "import django, json; django.setup()\n"
        "from runstrong.workouts import selectors\n"
        "from runstrong.workouts.models import WorkoutSession\n"
        "out = []\n"
        "for session in WorkoutSession.objects.order_by('created_at'):\n"
        "    state = selectors.session_state(session)\n"
        "    out.append({'status': session.status, 'reps_done': list(state.reps_done),\n"
        "        'sets': [[s.slot, s.n] for s in state.sets],\n"
        "        'kinds': [e.kind for e in selectors.session_events(session)]})\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "runstrong.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sessions: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return sessions


def stored_session(env: dict[str, str]) -> dict[str, Any]:
    (session,) = stored_sessions(env)
    return session


def go(env: dict[str, str], *args: str) -> Terminal:
    return Terminal(env, "go", *args)


def test_a_killed_session_resumes_and_every_rep_counts_once(env: dict[str, str]) -> None:
    first = go(env, "runners-250", "--lead-in", "0")
    first.wait_for("started")
    first.keys("\r", then="logged 10 · core 10/50")
    first.keys("25\r", then="logged 25 · core 35/50")
    first.keys("\r", then="logged 10 · core 45/50")
    first.child.send("\r")  # Enter alone stops at the slot's end...
    first.wait_for("\a")  # ...and the bell marks the change of exercise
    first.wait_for("logged 5 · core 50/50")
    first.keys("50\r", then="logged 50 · calves 50/50")
    first.keys("20\r", then="logged 20 · hips 20/50")
    first.kill()  # mid-workout, in slot 3

    second = go(env, "--resume", "--lead-in", "0")
    second.wait_for("resumed session · hips 20/50")
    second.keys("30\r", then="logged 30 · hips 50/50")
    second.keys("50\r", then="logged 50 · legs 50/50")
    second.keys("40\r", then="logged 40 · back 40/50")
    second.child.send("\r")  # the last 10 reps: the session finishes on its own
    printed = second.finish()
    assert "\a" in printed, "no bell at the finish"
    assert "250/250" in printed
    assert "Your first result done this way" in printed
    result_id = re.search(r"result (\d+)", printed)
    assert result_id, printed

    history = run(env, "history").stdout
    assert re.search(rf"^\s*{result_id.group(1)}\s.*runners-250.*\s250\s", history, re.M), history
    shown = run(env, "show", result_id.group(1)).stdout
    assert shown.count("50/50") == 5, shown
    assert "250/250" in shown

    stored = stored_session(env)
    assert stored["status"] == "finished"
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
    assert [n for _slot, n in stored["sets"]] == [10, 25, 10, 5, 50, 20, 30, 50, 40, 10]
    assert stored["kinds"].count("start") == 1
    assert stored["kinds"][-1] == "finish"


def test_undo_takes_back_the_last_set_and_pause_stops_the_clock(env: dict[str, str]) -> None:
    term = go(env, "runners-250", "--lead-in", "0")
    term.wait_for("started")
    term.keys("\r", then="logged 10 · core 10/50")
    term.keys("15\r", then="logged 15 · core 25/50")
    term.keys("u", then="undid 15 · core 10/50")
    term.keys("12\x7f5\r", then="logged 15 · core 25/50")  # Backspace fixes a typo
    term.keys("45\r", then="45 is more than the 25 left in this slot: nothing logged")

    term.keys("p", then="paused · the clock is stopped")
    while_paused = set(CLOCK.findall(term.drain(1.2)))
    assert len(while_paused) == 1, f"the clock moved while paused: {sorted(while_paused)}"
    term.keys("\r", then="paused: press p to resume before logging reps")
    term.keys("p", then="resumed · the clock is running")
    running = set(CLOCK.findall(term.drain(1.2)))
    assert len(running) > 2, f"the clock did not run after resuming: {sorted(running)}"
    assert min(running) >= max(while_paused)

    term.keys("\r", then="logged 10 · core 35/50")
    term.keys("q", then="Abandon this session? y/n")
    term.child.send("y")
    assert "Session abandoned" in term.finish()
    stored = stored_session(env)
    assert stored["status"] == "abandoned"
    assert stored["reps_done"][0] == 35
    assert stored["kinds"].count("undo") == 1


def test_quitting_asks_first_and_only_yes_abandons(env: dict[str, str]) -> None:
    term = go(env, "runners-250", "--lead-in", "0")
    term.wait_for("started")
    term.keys("q", then="Abandon this session? y/n")
    term.keys("n", then="carrying on")
    term.keys("\r", then="logged 10 · core 10/50")
    term.keys("\x03", then="Abandon this session? y/n")  # Ctrl+C asks too
    term.child.send("y")
    assert "Session abandoned" in term.finish()

    assert "No results yet" in run(env, "history").stdout
    nothing = run(env, "go", "--resume", check=False)
    assert nothing.returncode == 1
    assert "no unfinished session to resume" in nothing.stderr


def test_go_offers_to_resume_an_unfinished_session_of_the_same_program(
    env: dict[str, str],
) -> None:
    first = go(env, "runners-250", "--lead-in", "0")
    first.wait_for("started")
    first.keys("\r", then="logged 10 · core 10/50")
    first.kill()

    second = go(env, "runners-250", "--lead-in", "1")
    second.wait_for("Resume the unfinished session? [Y/n]")
    second.child.send("y\r")
    second.wait_for("resumed session · core 10/50")
    second.keys("q", then="Abandon this session? y/n")
    second.child.send("y")
    second.finish()


def test_a_lead_in_counts_down_before_the_start(env: dict[str, str]) -> None:
    term = go(env, "runners-250", "--lead-in", "1")
    term.wait_for("core today: Mountain climbers")
    term.wait_for("starting in 1")
    term.wait_for("started")
    term.keys("q", then="Abandon this session? y/n")
    term.child.send("y")
    term.finish()
    assert stored_session(env)["kinds"] == ["start", "abandon"]


def test_go_without_a_terminal_says_it_needs_one(env: dict[str, str]) -> None:
    done = run(env, "go", "runners-250", check=False)

    assert done.returncode == 1
    assert "needs an interactive terminal" in done.stderr


def test_an_unallowed_swap_is_a_clear_message(env: dict[str, str]) -> None:
    term = go(env, "runners-250", "--swap", "calves=sit-up")
    term.wait_for("not an easier alternative")
    term.child.expect(pexpect.EOF, timeout=WAIT)
    term.child.close()
    assert term.child.exitstatus == 1


def shell(env: dict[str, str], command: str) -> Terminal:
    """``command`` then ``stty -a`` in one pseudo-terminal, to see the modes it left behind."""
    return Terminal(env, "-c", f"{command}; echo STTY-AFTER; stty -a", program=Path("/bin/sh"))


def assert_terminal_restored(term: Terminal) -> None:
    term.wait_for("STTY-AFTER")
    term.child.expect(pexpect.EOF, timeout=WAIT)
    modes = str(term.child.before)
    for mode in ("icanon", "echo", "isig", "icrnl"):
        assert re.search(rf"(?<![-\w]){mode}\b", modes), f"{mode} was left off:\n{modes}"


def test_the_terminal_is_restored_after_abandoning(env: dict[str, str]) -> None:
    term = shell(env, f"{RUNSTRONG} go runners-250 --lead-in 0")
    term.wait_for("started")
    term.keys("q", then="Abandon this session? y/n")
    term.keys("y", then="Session abandoned")
    assert_terminal_restored(term)


def test_sigterm_leaves_the_session_open_and_restores_the_terminal(env: dict[str, str]) -> None:
    term = shell(env, f"{RUNSTRONG} go runners-250 --lead-in 0")
    term.wait_for("started")
    term.keys("\r", then="logged 10 · core 10/50")
    children = Path(f"/proc/{term.child.pid}/task/{term.child.pid}/children").read_text().split()
    assert len(children) == 1, children
    os.kill(int(children[0]), signal.SIGTERM)
    term.wait_for("Session left open")
    assert_terminal_restored(term)

    again = go(env, "runners-250", "--lead-in", "0")
    again.wait_for("Resume the unfinished session? [Y/n]")
    again.child.send("n\r")  # no: that one is abandoned and a new one starts
    again.wait_for("starting a new one")
    again.wait_for("started")
    again.keys("\r", then="logged 10 · core 10/50")
    again.keys("q", then="Abandon this session? y/n")
    again.child.send("y")
    again.finish()
    old, new = stored_sessions(env)
    assert (old["status"], old["reps_done"][0]) == ("abandoned", 10)
    assert (new["status"], new["reps_done"][0]) == ("abandoned", 10)


def test_cancelling_the_lead_in_never_starts_the_clock(env: dict[str, str]) -> None:
    term = go(env, "runners-250", "--lead-in", "5")
    term.wait_for("starting in 5")
    term.child.send("q")
    assert "Cancelled before the clock started" in term.finish()
    assert stored_session(env)["kinds"] == ["abandon"]
