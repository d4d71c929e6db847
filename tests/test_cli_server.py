"""``runstrong login`` and ``runstrong go --server`` against the real ``runstrong serve``.

Two data folders (two databases on PostgreSQL), as in life: the club's server,
and the runner's own RunStrong that records the workout first. The workout is
driven through a pseudo-terminal, killed with SIGKILL mid-slot, resumed, and
finished; the server must then hold one result with every rep once. The
rotating core exercise is the server's pick, made from the runner's history
there, whatever the runner's own database would pick; a session started while
the server was out of reach keeps the runner's own pick there too (it was done).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.conftest import REPO, RUNSTRONG, manage_shell, runstrong_env
from tests.runs.conftest import ACTIVITIES
from tests.served.conftest import serving
from tests.workouts.test_cli_go import Terminal, plain, run

pytestmark = pytest.mark.pty

SERVER_SETUP = """
import json
from runstrong.accounts import tokens
from runstrong.accounts.models import User
runner = User.objects.create_user("pat", "pat@example.com", "a long and good passphrase 42",
                                  display_name="Pat", default_privacy="public")
moderator = User.objects.create_user("mo", "mo@example.com", "another long passphrase 42",
                                     is_staff=True)
print(json.dumps({
    "write": tokens.token_create(user=runner, name="terminal", scope="write").plain,
    "read": tokens.token_create(user=runner, name="watch", scope="read").plain,
}))
"""

SERVER_RESULTS = """
import json
from runstrong.community import services
from runstrong.accounts.models import User
from runstrong.workouts import engine, selectors
from runstrong.workouts.models import Result, WorkoutSession
out = []
for session in WorkoutSession.objects.filter(athlete__username=%(name)r, event_count__gt=0):
    events = selectors.session_events(session)
    folded = engine.result(engine.fold(session.session_plan(), events))
    results = list(Result.objects.filter(session=session))
    for result in results:
        services.flag_resolve(moderator=User.objects.get(username="mo"),
                              result_id=result.pk, decision="clear")
    out.append({"id": str(session.id), "kinds": [event.kind for event in events],
                "results": [{"id": r.pk, "reps_done": r.reps_done, "total_ms": r.total_ms,
                             "unverified": r.unverified} for r in results],
                "fold": {"reps_done": list(folded.reps_done), "total_ms": folded.total_ms}})
print(json.dumps(out))
"""


# A Runner's 250 logged by hand on the site (its core exercise is the site's
# rotation pick that day), for a new athlete (then with a write token) or one there.
BY_HAND = """
import json
from datetime import timedelta
from django.utils import timezone
from runstrong.accounts import tokens
from runstrong.accounts.models import User
from runstrong.workouts import services
user, made = User.objects.get_or_create(username=%(name)r,
                                        defaults={"email": %(name)r + "@example.com",
                                                  "display_name": %(name)r.title(),
                                                  "default_privacy": "public"})
done = services.result_log_manual(athlete=user, program="runners-250", started_at=%(when)s,
                                  total_ms=30 * 60_000)
token = tokens.token_create(user=user, name="terminal", scope="write").plain if made else None
print(json.dumps({"token": token, "core": done.core_exercise}))
"""

# Every session of an athlete with events (a result logged by hand has none), by id.
SESSIONS = """
import json
from runstrong.workouts import selectors
from runstrong.workouts.models import WorkoutSession
sessions = WorkoutSession.objects.filter(event_count__gt=0, %(who)s)
print(json.dumps({str(s.id): {"plan": s.plan, "status": s.status,
                              "kinds": [e.kind for e in selectors.session_events(s)]}
                  for s in sessions}))
"""


@dataclass
class Server:
    url: str
    env: dict[str, str]
    tokens: dict[str, str]

    def shell(self, code: str) -> Any:
        return manage_shell(self.env, code)

    def rotated_athlete(self, name: str) -> str:
        """A new athlete whose next core exercise here is sit-ups (their last Runner's 250,
        logged by hand, had mountain climbers), where a runner's own fresh database
        would start with mountain climbers; their write token."""
        made = self.shell(BY_HAND % {"name": name, "when": "timezone.localdate() - timedelta(2)"})
        assert made["core"] == "mountain-climber", made
        return str(made["token"])

    def log_by_hand_now(self, name: str) -> str:
        """Another Runner's 250 logged by hand, the athlete's latest; its core exercise."""
        return str(self.shell(BY_HAND % {"name": name, "when": "timezone.now()"})["core"])

    def sessions(self, name: str) -> dict[str, Any]:
        return dict(self.shell(SESSIONS % {"who": f"athlete__username={name!r}"}))

    def board(self) -> list[dict[str, Any]]:
        """The public Runner's 250 board of all time, as a visitor reads it."""
        with urllib.request.urlopen(f"{self.url}/api/v1/boards/runners-250?period=all") as answer:  # noqa: S310
            return list(json.load(answer)["rows"])

    def next_plan(self, token: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the test server's http address
            f"{self.url}/api/v1/programs/runners-250",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return dict(json.load(answer)["next_plan"])


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    return f"http://127.0.0.1:{closed}"


def core_pick(plan: dict[str, Any]) -> str:
    (core,) = [slot for slot in plan["slots"] if slot["key"] == "core"]
    return str(core["prescribed_exercise"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("club-server")
    with runstrong_env(folder / "data") as env, serving(env, folder, workers=2) as url:
        site = Server(url=url, env=env, tokens={})
        site.tokens = site.shell(SERVER_SETUP)
        yield site


@pytest.fixture
def runner_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The runner's own RunStrong: its data folder, database and config folder."""
    with runstrong_env(tmp_path / "runner") as env:
        env["RUNSTRONG_SET_SIZE"] = "10"
        env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
        env.pop("RUNSTRONG_TOKEN", None)
        run(env, "setup")
        yield env


def test_go_killed_mid_slot_and_resumed_stores_one_result_on_the_server(
    server: Server, runner_env: dict[str, str]
) -> None:
    env = {**runner_env, "RUNSTRONG_TOKEN": server.tokens["write"]}
    first = Terminal(env, "go", "runners-250", "--lead-in", "0", "--server", server.url)
    first.wait_for("started")
    first.keys("\r", then="logged 10 · core 10/50")
    first.keys("40\r", then="logged 40 · core 50/50")
    first.keys("50\r", then="logged 50 · calves 50/50")
    first.keys("20\r", then="logged 20 · hips 20/50")
    first.wait_for("server: all 5 sent")
    first.keys("10\r", then="logged 10 · hips 30/50")
    first.kill()  # mid-slot; the last set may or may not have reached the server

    second = Terminal(env, "go", "--resume", "--lead-in", "0", "--server", server.url)
    second.wait_for("resumed session · hips 30/50")
    second.keys("20\r", then="logged 20 · hips 50/50")
    second.keys("50\r", then="logged 50 · legs 50/50")
    second.child.send("50\r")  # the last set: the session finishes on its own
    printed = second.finish()
    assert "server: all 10 sent" in printed, printed

    (session,) = server.shell(SERVER_RESULTS % {"name": "pat"})
    assert session["kinds"] == ["start", *["reps"] * 8, "finish"]
    (result,) = session["results"]
    assert result["reps_done"] == [50, 50, 50, 50, 50] == session["fold"]["reps_done"]
    assert result["total_ms"] == session["fold"]["total_ms"]
    # The same result as the runner's own database holds.
    local = run(env, "history").stdout
    assert "250" in local
    # Done in seconds, so unverified until a moderator cleared it (above): then on the board.
    (row,) = [row for row in server.board() if row["result_id"] == result["id"]]
    assert row["athlete"]["display_name"] == "Pat"


def login(env: dict[str, str], url: str, token: str) -> tuple[int, str]:
    child = pexpect.spawn(
        str(RUNSTRONG), ["login", url], env=env, cwd=str(REPO), encoding="utf-8", timeout=30
    )
    child.expect_exact("Token for")
    child.sendline(token)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus or 0, plain(str(child.before))


def test_login_keeps_the_token_0600_never_printed_and_refuses_a_bad_one(
    server: Server, runner_env: dict[str, str]
) -> None:
    token = server.tokens["write"]
    tokens_file = Path(runner_env["XDG_CONFIG_HOME"]) / "runstrong" / "tokens.json"

    status, printed = login(runner_env, "http://127.0.0.1:1", token)
    assert status == 1 and "cannot reach" in printed, printed
    status, printed = login(runner_env, server.url, "rs_" + "n" * 43)
    assert status == 1 and "refused the token" in printed, printed
    assert not tokens_file.exists()

    status, printed = login(runner_env, server.url + "/", token)
    assert status == 0, printed
    assert "Logged in" in printed and "Pat" in printed
    assert token not in printed
    assert stat.S_IMODE(os.stat(tokens_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tokens_file.parent).st_mode) == 0o700
    assert json.loads(tokens_file.read_text()) == {server.url: token}

    # A read token cannot send a workout: said before the workout starts.
    refused = run(
        {**runner_env, "RUNSTRONG_TOKEN": server.tokens["read"]},
        "go",
        "runners-250",
        "--server",
        server.url,
        check=False,
    )
    assert refused.returncode == 1 and "may only read" in refused.stderr, refused.stderr

    done = run(runner_env, "logout", server.url)
    assert "Forgot the token" in done.stdout
    assert json.loads(tokens_file.read_text()) == {}
    missing = run(runner_env, "go", "runners-250", "--server", server.url, check=False)
    assert missing.returncode == 1 and "runstrong login" in missing.stderr


def test_go_takes_the_servers_rotation_pick_and_both_hold_the_same_workout(
    server: Server, runner_env: dict[str, str]
) -> None:
    token = server.rotated_athlete("robin")
    assert core_pick(server.next_plan(token)) == "sit-up"
    env = {**runner_env, "RUNSTRONG_TOKEN": token}
    term = Terminal(env, "go", "runners-250", "--lead-in", "0", "--server", server.url)
    # The runner's own database holds no workout: on its own it would pick mountain climbers.
    term.wait_for("core today: Sit-ups")
    term.wait_for("started")
    term.keys("\r", then="logged 10 · core 10/50")
    term.keys("40\r", then="logged 40 · core 50/50")
    term.keys("50\r", then="logged 50 · calves 50/50")
    term.keys("50\r", then="logged 50 · hips 50/50")
    term.keys("50\r", then="logged 50 · legs 50/50")
    term.child.send("50\r")  # the last set: the session finishes on its own
    printed = term.finish()
    assert "server: all 8 sent" in printed, printed
    assert "differently" not in printed

    there = server.sessions("robin")
    here = manage_shell(env, SESSIONS % {"who": "status='finished'"})
    assert list(there) == list(here)  # one session, with the same id
    (session_id,) = there
    assert there[session_id]["plan"] == here[session_id]["plan"]
    assert core_pick(here[session_id]["plan"]) == "sit-up"
    assert there[session_id]["kinds"] == here[session_id]["kinds"]

    # Scaled: the runner's reps on top of the server's rotation. Mountain climbers are
    # next here; one more result logged by hand on the site had them, so sit-ups there.
    assert server.log_by_hand_now("robin") == "mountain-climber"
    assert core_pick(server.next_plan(token)) == "sit-up"
    scaled = Terminal(
        env, "go", "runners-250", "--reps", "calves=20", "--lead-in", "0", "--server", server.url
    )
    scaled.wait_for("core today: Sit-ups")
    scaled.wait_for("started")
    scaled.wait_for("server: all 1 sent")
    scaled.kill()
    there = server.sessions("robin")
    here = manage_shell(env, SESSIONS % {"who": "status='running'"})
    (session_id,) = here
    assert there[session_id]["plan"] == here[session_id]["plan"]
    slots = {slot["key"]: slot for slot in here[session_id]["plan"]["slots"]}
    assert slots["core"]["exercise"] == "sit-up" and slots["calves"]["reps"] == 20


def test_a_session_started_offline_is_sent_with_its_own_pick_and_reaches_the_board(
    server: Server, runner_env: dict[str, str]
) -> None:
    token = server.rotated_athlete("sam")
    assert core_pick(server.next_plan(token)) == "sit-up"
    env = {**runner_env, "RUNSTRONG_TOKEN": token}
    offline = Terminal(env, "go", "runners-250", "--lead-in", "0", "--server", closed_port_url())
    offline.wait_for("today's rotation is this terminal's own pick")
    offline.wait_for("core today: Mountain climbers")
    offline.wait_for("started")
    offline.keys("\r", then="logged 10 · core 10/50")
    offline.kill()

    # Back in signal: the server makes the session with the pick done here.
    resumed = Terminal(env, "go", "--resume", "--lead-in", "0", "--server", server.url)
    resumed.wait_for("resumed session · core 10/50")
    resumed.keys("40\r", then="logged 40 · core 50/50")
    resumed.keys("50\r", then="logged 50 · calves 50/50")
    resumed.keys("50\r", then="logged 50 · hips 50/50")
    resumed.keys("50\r", then="logged 50 · legs 50/50")
    resumed.child.send("50\r")  # the last set: the session finishes on its own
    printed = resumed.finish()
    assert "server: all 8 sent" in printed, printed
    assert "differently" not in printed

    there = server.sessions("sam")
    here = manage_shell(env, SESSIONS % {"who": "status='finished'"})
    assert list(there) == list(here)  # one session, with the same id
    (session_id,) = there
    assert there[session_id]["plan"] == here[session_id]["plan"]
    assert core_pick(there[session_id]["plan"]) == "mountain-climber"
    assert there[session_id]["kinds"] == here[session_id]["kinds"]
    (session,) = server.shell(SERVER_RESULTS % {"name": "sam"})
    assert session["id"] == session_id
    assert session["kinds"] == ["start", *["reps"] * 6, "finish"]
    (result,) = session["results"]
    assert result["reps_done"] == [50, 50, 50, 50, 50] == session["fold"]["reps_done"]
    # Cleared by the moderator (in SERVER_RESULTS), as it was done in seconds.
    (row,) = [row for row in server.board() if row["result_id"] == result["id"]]
    assert row["athlete"]["display_name"] == "Sam"


def test_go_against_a_server_out_of_reach_still_records_here(runner_env: dict[str, str]) -> None:
    env = {**runner_env, "RUNSTRONG_TOKEN": "rs_" + "k" * 43}
    term = Terminal(env, "go", "runners-250", "--lead-in", "0", "--server", closed_port_url())
    term.wait_for("started")
    term.keys("\r", then="logged 10 · core 10/50")
    term.wait_for("server: failing")
    term.kill()
    resumed = run(env, "history")
    assert resumed.returncode == 0


def test_import_uploads_run_files_to_the_server_once(
    server: Server, runner_env: dict[str, str]
) -> None:
    env = {**runner_env, "RUNSTRONG_TOKEN": server.tokens["write"]}
    gpx = ACTIVITIES / "gpx" / "cerknicko-jezero.gpx"
    done = run(env, "import", str(gpx), "--server", server.url)
    assert "1 imported, 0 already there, 0 not imported" in done.stdout, done.stdout
    again = run(env, "import", str(gpx), "--server", server.url)
    assert "0 imported, 1 already there" in again.stdout, again.stdout
    request = urllib.request.Request(  # noqa: S310 - the test server's http address
        f"{server.url}/api/v1/runs", headers={"Authorization": f"Bearer {server.tokens['read']}"}
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        runs = json.load(answer)
    assert len(runs["items"]) == 1, runs
    # Nothing was imported into the runner's own database.
    assert "No activities yet" in run(env, "runs").stdout
    read_only = run(
        {**runner_env, "RUNSTRONG_TOKEN": server.tokens["read"]},
        "import",
        str(gpx),
        "--server",
        server.url,
        check=False,
    )
    assert read_only.returncode == 1 and "may only read" in read_only.stderr
