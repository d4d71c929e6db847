"""``runstrong login`` and ``runstrong go --server`` against the real ``runstrong serve``.

Two data folders (two databases on PostgreSQL), as in life: the club's server,
and the runner's own RunStrong that records the workout first. The workout is
driven through a pseudo-terminal, killed with SIGKILL mid-slot, resumed, and
finished; the server must then hold one result with every rep once.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.conftest import REPO, RUNSTRONG, runstrong_env
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
for session in WorkoutSession.objects.all():
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


@dataclass
class Server:
    url: str
    env: dict[str, str]
    tokens: dict[str, str]

    def shell(self, code: str) -> Any:
        done = subprocess.run(
            [str(RUNSTRONG), "manage", "shell", "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


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

    (session,) = server.shell(SERVER_RESULTS)
    assert session["kinds"] == ["start", *["reps"] * 8, "finish"]
    (result,) = session["results"]
    assert result["reps_done"] == [50, 50, 50, 50, 50] == session["fold"]["reps_done"]
    assert result["total_ms"] == session["fold"]["total_ms"]
    # The same result as the runner's own database holds.
    local = run(env, "history").stdout
    assert "250" in local
    # Done in seconds, so unverified until a moderator cleared it (above): then on the board.
    with urllib.request.urlopen(f"{server.url}/api/v1/boards/runners-250?period=all") as answer:  # noqa: S310
        board = json.load(answer)
    assert [row["result_id"] for row in board["rows"]] == [result["id"]]
    assert board["rows"][0]["athlete"]["display_name"] == "Pat"


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


def test_go_against_a_server_out_of_reach_still_records_here(runner_env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {**runner_env, "RUNSTRONG_TOKEN": "rs_" + "k" * 43}
    term = Terminal(
        env, "go", "runners-250", "--lead-in", "0", "--server", f"http://127.0.0.1:{closed}"
    )
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
