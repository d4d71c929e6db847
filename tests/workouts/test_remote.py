"""The sender behind ``runstrong go --server`` (``workouts/remote.py``), against a live server.

The sender touches no database: it is handed the local log as event dicts and
talks to pytest-django's live server (a real HTTP server on this test's
database) over urllib, as the CLI does.
"""

from __future__ import annotations

import os
import socket
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from runstrong.accounts import tokens
from runstrong.workouts import catalog, engine, remote, selectors
from runstrong.workouts.models import Result, WorkoutSession

T0 = 1_760_000_000_000


def workout_events(
    reps: tuple[int, ...] = (50, 50, 50, 50, 50), set_size: int = 25
) -> list[dict[str, Any]]:
    """A whole runners-250 at two seconds a rep, as the terminal would store it."""
    events: list[dict[str, Any]] = [{"type": "start", "at": T0}]
    now = T0
    for slot, target in enumerate(reps):
        left = target
        while left:
            n = min(set_size, left)
            now += n * 2000
            events.append({"type": "reps", "at": now, "slot": slot, "n": n})
            left -= n
    events.append({"type": "finish", "at": now})
    return events


@pytest.fixture
def token(transactional_db: None, catalog_synced: None, athlete: Any) -> str:
    return tokens.token_create(user=athlete, name="terminal", scope="write").plain


@pytest.fixture
def client(live_server: Any, token: str) -> remote.Client:
    return remote.Client(live_server.url, token, timeout=10)


def sender_for(client: remote.Client, events: list[dict[str, Any]], **fields: Any) -> remote.Sender:
    session_id = fields.pop("session_id", str(uuid.uuid4()))
    create_body = fields.pop("create_body", {"id": session_id, "program": "runners-250"})
    return remote.Sender(
        client=client,
        session_id=session_id,
        create_body=create_body,
        events=list(events),
        **fields,
    )


def send_all(sender: remote.Sender, limit: int = 50) -> int:
    """Run ``step`` until it has nothing to do; the number of requests made."""
    for count in range(1, limit + 1):
        delay = sender.step()
        if delay is None:
            return count
        assert delay == 0, f"asked to wait {delay} s: {sender.status()}"
    pytest.fail("the sender never finished")


def stored_kinds(session_id: str) -> list[str]:
    session = WorkoutSession.objects.get(id=session_id)
    return list(session.events.order_by("seq").values_list("kind", flat=True))


def test_sends_every_event_in_order_and_the_server_folds_the_same_result(
    client: remote.Client,
) -> None:
    events = workout_events()
    sender = sender_for(client, events, batch=4)  # several requests, in order
    send_all(sender)
    assert sender.done and sender.status().text() == f"server: all {len(events)} sent"
    assert stored_kinds(sender.session_id) == [event["type"] for event in events]
    session = WorkoutSession.objects.get(id=sender.session_id)
    state = engine.fold(session.session_plan(), [engine.event_from_dict(e) for e in events])
    folded = engine.result(state)
    (result,) = Result.objects.filter(session=session)
    assert result.reps_done == [50] * 5 == list(folded.reps_done)
    assert result.total_ms == folded.total_ms
    assert list(result.splits_ms) == list(folded.splits_ms)


def test_a_resend_changes_nothing_and_a_new_sender_sends_only_what_is_missing(
    client: remote.Client,
) -> None:
    events = workout_events()
    first = sender_for(client, events[:5])
    send_all(first)
    # The outcome of the last request unknown: everything is sent again.
    first.server_count = 0
    send_all(first)
    assert len(stored_kinds(first.session_id)) == 5
    # Killed and resumed: a new sender asks the server how many it holds.
    second = sender_for(client, events, session_id=first.session_id)
    requests = send_all(second)
    assert requests == 2  # GET /sessions/{id}, then the rest in one batch
    assert len(stored_kinds(first.session_id)) == len(events)
    assert Result.objects.filter(session_id=first.session_id).count() == 1
    # The create sent again for a session the server has: the same session.
    again = client.request("POST", "/sessions", second.create_body)
    assert again.status == 200 and again.body["event_count"] == len(events)


def test_a_409_carries_on_from_the_servers_expected_seq(client: remote.Client) -> None:
    events = workout_events()
    sender = sender_for(client, events[:3])
    send_all(sender)
    sender.events = list(events)
    sender.server_count = 7  # wrong: the server holds 3, so this batch is a gap
    assert sender.step() == 0
    assert sender.server_count == 3
    send_all(sender)
    assert len(stored_kinds(sender.session_id)) == len(events)


def test_a_log_that_differs_from_the_servers_stops_with_a_sentence(
    client: remote.Client,
) -> None:
    events = workout_events()
    sender = sender_for(client, events[:3])
    send_all(sender)
    other = [*events[:2], {**events[2], "n": 24}, *events[3:]]
    diverged = sender_for(client, other, session_id=sender.session_id)
    diverged.server_count = 2  # resends event 2, which the server holds as another
    for _ in range(5):
        if diverged.step() is None:
            break
    assert diverged.status().problem == "the server's log of this session differs from this one"


def test_an_unreachable_server_is_retried_with_backoff_then_everything_goes(
    client: remote.Client,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    events = workout_events()
    sender = sender_for(client, events, rand=lambda: 1.0)
    sender.client = remote.Client(f"http://127.0.0.1:{closed}", client.token, timeout=2)
    delays = [sender.step() for _ in range(3)]
    assert delays == [1.0, 2.0, 4.0]
    assert sender.status().failing and "failing" in sender.status().text()
    sender.client = client  # the network is back
    send_all(sender)
    assert not sender.status().failing
    assert len(stored_kinds(sender.session_id)) == len(events)


def test_429_waits_for_retry_after(client: remote.Client, settings: Any) -> None:
    settings.API_TOKEN_RATE_LIMIT = 1
    events = workout_events()
    sender = sender_for(client, events)
    assert client.request("GET", "/me").status == 200  # the one request allowed
    delay = sender.step()
    assert delay is not None and 1 <= delay <= 10
    assert sender.status().failing


def test_5xx_is_retried() -> None:
    answers = iter([remote.Answer(503, {"code": "unavailable"}, 5.0), remote.Answer(502, None)])

    class Flaky(remote.Client):
        def request(self, method: str, path: str, body: Any = None) -> remote.Answer:
            return next(answers)

    sender = sender_for(Flaky("http://x.test", "rs_x"), workout_events(), rand=lambda: 0.0)
    assert sender.step() == 0.5
    assert sender.step() == 1.0
    assert sender.status().problem is None


def test_a_bad_or_read_only_token_stops_sending(
    live_server: Any, client: remote.Client, athlete: Any
) -> None:
    bad = sender_for(remote.Client(live_server.url, "rs_" + "x" * 43), workout_events())
    assert bad.step() is None
    assert "token is refused" in (bad.status().problem or "")
    reader = tokens.token_create(user=athlete, name="reader", scope="read").plain
    read_only = sender_for(remote.Client(live_server.url, reader), workout_events())
    assert read_only.step() is None
    assert "may only read" in (read_only.status().problem or "")
    with pytest.raises(remote.ServerError, match="may only read"):
        remote.check_token(remote.Client(live_server.url, reader), write=True)


def test_the_thread_sends_events_as_they_are_pushed(client: remote.Client) -> None:
    events = workout_events()
    sender = sender_for(client, [])
    sender.start()
    try:
        for seq, event in enumerate(events):
            sender.push(seq, event)
        assert sender.wait_sent(20), sender.status()
    finally:
        sender.stop()
    assert len(stored_kinds(sender.session_id)) == len(events)


def test_a_scaled_plan_is_created_scaled() -> None:
    plan = engine.SessionPlan(
        program="runners-250",
        slots=(
            engine.SlotPlan("core", "sit-up", "Sit-up", 50, 0.6, "sit-up", 50),
            engine.SlotPlan("calves", "calf-raise", "Calf raise", 30, 0.4, "calf-raise", 50),
        ),
    )
    body = remote.session_create_body("abc", plan)
    assert body == {
        "id": "abc",
        "program": "runners-250",
        "mode": "scaled",
        "swaps": {},
        "reps": {"calves": 30},
    }


def core_plan(pick: str) -> engine.SessionPlan:
    """A runners-250 plan, as this install makes it, whose core slot was ``pick``."""
    program = selectors.program_get("runners-250")
    assert program is not None
    spec = selectors.program_to_catalog(program)
    before = {"mountain-climber": "sit-up", "sit-up": "mountain-climber"}[pick]
    return catalog.build_plan(spec, selectors.program_exercises(spec), last_done={"core": before})


def test_a_session_started_offline_is_created_with_its_own_pick_and_sent(
    client: remote.Client,
) -> None:
    rotation = client.request("GET", "/programs/runners-250").body["next_plan"]
    assert rotation["slots"][0]["prescribed_exercise"] == "mountain-climber"
    plan = core_plan("sit-up")  # this terminal's history differs from the server's
    session_id = str(uuid.uuid4())
    events = workout_events()
    sender = sender_for(
        client,
        events,
        session_id=session_id,
        create_body=remote.session_create_body(session_id, plan, ["core"]),
        plan=plan.to_dict(),
    )
    send_all(sender)
    assert sender.done and sender.status().problem is None
    session = WorkoutSession.objects.get(id=session_id)
    assert session.plan == plan.to_dict()
    (result,) = Result.objects.filter(session=session)
    assert result.core_exercise == "sit-up" and result.reps_done == [50] * 5


def test_a_pick_the_servers_catalog_does_not_know_is_kept_here_only(client: remote.Client) -> None:
    known = core_plan("sit-up")
    others = known.slots[1:]
    plan = engine.SessionPlan(
        program=known.program,
        slots=(
            engine.SlotPlan("core", "toes-to-bar", "Toes to bar", 50, 0.8, "toes-to-bar", 50),
            *others,
        ),
        time_cap_ms=known.time_cap_ms,
    )
    session_id = str(uuid.uuid4())
    sender = sender_for(
        client,
        workout_events(),
        session_id=session_id,
        create_body=remote.session_create_body(session_id, plan, ["core"]),
        plan=plan.to_dict(),
    )
    assert send_all(sender) == 1  # one step: GET 404, POST 422 plan, and sending stops
    assert sender.status().problem == (
        "the server plans this session differently (it says: core: toes-to-bar is not one "
        "of runners-250's mountain-climber, sit-up); kept here only"
    )
    assert not WorkoutSession.objects.filter(id=session_id).exists()


def test_a_server_from_before_picks_is_asked_again_without_them() -> None:
    plan = engine.SessionPlan(
        program="runners-250",
        slots=(engine.SlotPlan("core", "sit-up", "Sit-up", 50, 0.6, "sit-up", 50),),
    )
    asked: list[tuple[str, Any]] = []
    answers = iter(
        [
            remote.Answer(404, {"code": "not_found"}),
            remote.Answer(422, {"code": "invalid", "field": "picks", "message": "extra"}),
            remote.Answer(201, {"plan": plan.to_dict(), "event_count": 0}),
        ]
    )

    class Older(remote.Client):
        def request(self, method: str, path: str, body: Any = None) -> remote.Answer:
            asked.append((method, body))
            return next(answers)

    body = remote.session_create_body("abc", plan, ["core"])
    sender = sender_for(Older("http://x.test", "rs_x"), [], session_id="abc", create_body=body)
    sender.plan = plan.to_dict()
    assert sender.step() is None and sender.status().problem is None
    assert [body for _, body in asked[1:]] == [
        {"id": "abc", "program": "runners-250", "picks": {"core": "sit-up"}},
        {"id": "abc", "program": "runners-250"},
    ]


def test_the_create_body_names_the_rotating_slots_picks_under_any_scaling() -> None:
    plan = engine.SessionPlan(
        program="runners-250",
        slots=(
            engine.SlotPlan("core", "crunch", "Crunch", 50, 0.5, "sit-up", 50),
            engine.SlotPlan("calves", "calf-raise", "Calf raise", 30, 0.4, "calf-raise", 50),
        ),
    )
    # The prescribed pick, not the easier exercise swapped in for it.
    assert remote.session_create_body("abc", plan, ["core"]) == {
        "id": "abc",
        "program": "runners-250",
        "picks": {"core": "sit-up"},
        "mode": "scaled",
        "swaps": {"core": "crunch"},
        "reps": {"calves": 30},
    }
    # A slot that does not rotate has nothing to pick.
    prescribed = engine.SessionPlan(program="runners-250", slots=plan.slots[1:2])
    assert "picks" not in remote.session_create_body("abc", prescribed, ["core"])


def test_plan_differences_names_each_slot_that_differs_once() -> None:
    here = {
        "program": "runners-250",
        "time_cap_ms": 3_600_000,
        "slots": [
            {
                "key": "core",
                "exercise": "mountain-climber",
                "reps": 50,
                "prescribed_exercise": "mountain-climber",
                "prescribed_reps": 50,
            },
            {
                "key": "calves",
                "exercise": "calf-raise",
                "reps": 50,
                "prescribed_exercise": "calf-raise",
                "prescribed_reps": 50,
            },
        ],
    }
    # Names and floors may be worded or tuned differently on another install.
    reworded = {**here, "slots": [{**slot, "exercise_name": "x"} for slot in here["slots"]]}
    assert remote.plan_differences(here, reworded) == []
    there = {
        **here,
        "slots": [
            {**here["slots"][0], "exercise": "sit-up", "prescribed_exercise": "sit-up"},
            {**here["slots"][1], "prescribed_reps": 60},
        ],
    }
    assert remote.plan_differences(here, there) == [
        "core: sit-up there, mountain-climber here",
        "calves prescribed reps: 60 there, 50 here",
    ]
    assert remote.plan_differences(here, {**here, "time_cap_ms": None, "slots": []}) == [
        "time_cap_ms: None there, 3600000 here",
        "0 slots there, 2 here",
    ]


def test_backoff_doubles_to_a_cap_with_jitter() -> None:
    assert remote.backoff_delay(0, lambda: 0.0) == 0.5
    assert remote.backoff_delay(3, lambda: 1.0) == 8.0
    assert remote.backoff_delay(20, lambda: 1.0) == remote.BACKOFF_CAP_S


def test_tokens_are_kept_0600_in_a_0700_folder_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("RUNSTRONG_TOKEN", raising=False)
    path = remote.token_save("https://club.example", "rs_secret")
    assert path == tmp_path / "config" / "runstrong" / "tokens.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert remote.token_for("https://club.example") == "rs_secret"
    monkeypatch.setenv("RUNSTRONG_TOKEN", "rs_from_env")
    assert remote.token_for("https://club.example") == "rs_from_env"
    assert remote.token_remove("https://club.example")
    assert not remote.token_remove("https://club.example")
    monkeypatch.delenv("RUNSTRONG_TOKEN")
    assert remote.token_for("https://club.example") is None


def test_server_addresses_are_checked() -> None:
    assert remote.server_url("https://club.example/api/v1/") == "https://club.example"
    with pytest.raises(remote.ServerError):
        remote.server_url("club.example")
