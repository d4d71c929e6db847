"""Fault 4: the network repeats and reorders what the phone sends. The same
events are posted twice, out of order, in batches that repeat themselves,
and two copies of one request at the same moment, all through the session
API the live page posts to (``/api/v1/sessions/<id>/events``), over real HTTP
to the real ``runstrong serve`` (two gunicorn workers: the two copies really
race; the live server in the test process shares one SQLite connection
between its threads, which no deployment does)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.served.site import Answer, HttpClient

from .checks import assert_kept_once_and_folded
from .served import Served

T0 = 1_760_000_000_000


def workout_events() -> list[dict[str, Any]]:
    """Runner's 250 in sets of 25, a set every 40 s: start, ten sets, finish."""
    events: list[dict[str, Any]] = [{"type": "start", "at": T0}]
    at = T0
    for slot in range(5):
        for _ in range(2):
            at += 40_000
            events.append({"type": "reps", "at": at, "slot": slot, "n": 25})
    events.append({"type": "finish", "at": at})
    return events


def post(client: HttpClient, path: str, *numbered: tuple[int, dict[str, Any]]) -> Answer:
    body = json.dumps({"events": [{"seq": seq, **event} for seq, event in numbered]})
    return client.request(
        "POST",
        path,
        body=body.encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": client.csrf_token()},
    )


def test_events_posted_twice_and_out_of_order_are_stored_once_in_order(served: Served) -> None:
    session_id = served.seed()
    client = served.client()
    path = f"/api/v1/sessions/{session_id}/events"
    events = workout_events()
    numbered = list(enumerate(events))

    # The start, then the same start again (its answer was lost): one stored.
    for _ in range(2):
        answer = post(client, path, numbered[0])
        assert answer.status == 200, answer.text
        assert answer.json()["stored"] == 1

    # The third event overtakes the second: refused, with where to carry on.
    answer = post(client, path, numbered[2])
    assert answer.status == 409
    assert answer.json() == {
        "code": "sequence",
        "message": "event 2 arrived before event 1: send that first",
        "field": "events.0.seq",
        "seq": 2,
        "expected_seq": 1,
    }

    # A batch that repeats itself and one that resends what is stored.
    answer = post(client, path, numbered[0], numbered[1], numbered[2], numbered[2])
    assert (answer.status, answer.json()["stored"]) == (200, 3)

    # Another event under a number already used is a conflict, not an overwrite.
    forged = (1, {**events[1], "n": 24})
    answer = post(client, path, forged)
    assert answer.status == 409
    assert answer.json()["message"] == "event 1 is already stored as a different reps event"

    # The rest in reverse order, as one batch: the first is refused, nothing is stored.
    answer = post(client, path, *reversed(numbered[3:]))
    assert answer.status == 409
    assert answer.json()["expected_seq"] == 3
    held = client.get(f"/api/v1/sessions/{session_id}").json()
    assert [
        {name: value for name, value in event.items() if value is not None}
        for event in held["events"]
    ] == [{"seq": seq, **event} for seq, event in numbered[:3]]

    # Then each remaining event twice at the same moment (two connections):
    # both answers are a success, and each is stored once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for pair in numbered[3:]:
            answers = list(pool.map(lambda copy: post(client, path, copy), [pair, pair]))
            assert [a.status for a in answers] == [200, 200], [a.text for a in answers]
            assert {a.json()["stored"] for a in answers} == {pair[0] + 1}

    finished = post(client, path, *numbered)  # everything once more, for good measure
    assert finished.status == 200
    body = finished.json()
    assert body["stored"] == len(events)
    assert body["result_url"] == f"/results/{body['result']['id']}/"

    ledger = served.ledger(session_id)
    stored = assert_kept_once_and_folded(ledger, events)
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
    assert stored["total_ms"] == 400_000
    assert {key: body["result"][key] for key in stored} == stored
