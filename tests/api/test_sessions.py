"""Sessions through /api/v1/: started by the server's rotation, folded exactly as the
live page embeds them, with the same sequence rules."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.workouts.models import Result, WorkoutSession
from tests.api.conftest import ApiClient, assert_error
from tests.workouts.factories import T0

pytestmark = pytest.mark.django_db


def workout_events(plan: dict[str, Any], *, seconds_per_rep: float = 2.0) -> list[dict[str, Any]]:
    """A whole workout with a pause and an undo, as the live page would send it."""
    events: list[dict[str, Any]] = [{"type": "start", "at": T0}]
    now = T0
    for position, slot in enumerate(plan["slots"]):
        left = slot["reps"]
        while left:
            n = min(20, left)
            now += int(n * seconds_per_rep * 1000)
            events.append({"type": "reps", "at": now, "slot": position, "n": n})
            left -= n
        if position == 1:
            events += [{"type": "pause", "at": now + 1000}, {"type": "resume", "at": now + 31_000}]
            now += 31_000
        if position == 2:
            events += [{"type": "reps", "at": now + 500, "slot": 3, "n": 5}]
            events += [{"type": "undo", "at": now + 1500}]
            now += 1500
    events.append({"type": "finish", "at": now + 2000})
    return [{"seq": seq, **event} for seq, event in enumerate(events)]


@pytest.fixture
def api(bearer: Callable[..., ApiClient], athlete: Any) -> ApiClient:
    return bearer(athlete, "write")


def start(api: ApiClient, **body: Any) -> dict[str, Any]:
    response = api.post("/sessions", {"program": "runners-250", **body})
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_session_starts_with_the_rotation_resolved_by_the_server(api: ApiClient) -> None:
    first = start(api)
    assert first["state"]["status"] == "ready" and first["event_count"] == 0
    core = first["plan"]["slots"][0]["exercise"]
    api.post(f"/sessions/{first['id']}/events", {"events": workout_events(first["plan"])})

    second = start(api)

    assert second["plan"]["slots"][0]["exercise"] != core  # the rotation moved on
    shown = api.get("/programs/runners-250").json()["next_plan"]
    assert shown["slots"][0]["exercise"] == second["plan"]["slots"][0]["exercise"]


def test_a_scaled_session_says_how(api: ApiClient) -> None:
    program = api.get("/programs/runners-250").json()
    calves = program["slots"][1]["key"]

    session = start(api, mode="scaled", reps={calves: 30})

    assert session["plan"]["slots"][1]["reps"] == 30
    assert session["plan"]["slots"][1]["prescribed_reps"] == 50


def test_scaling_the_program_does_not_allow_is_a_422_naming_the_field(api: ApiClient) -> None:
    program = api.get("/programs/runners-250").json()
    calves = program["slots"][1]["key"]

    body = assert_error(
        api.post("/sessions", {"program": "runners-250", "mode": "scaled", "reps": {calves: 500}}),
        422,
        "plan",
    )
    assert body["field"] == "reps"
    body = assert_error(
        api.post("/sessions", {"program": "runners-250", "reps": {calves: 5}}), 422, "invalid"
    )
    assert body["field"] == "mode"
    assert not WorkoutSession.objects.exists()


def test_a_client_made_id_sent_twice_is_one_session(api: ApiClient) -> None:
    session_id = str(uuid.uuid4())

    first = api.post("/sessions", {"program": "runners-250", "id": session_id})
    again = api.post("/sessions", {"program": "runners-250", "id": session_id})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == session_id
    assert WorkoutSession.objects.count() == 1


def test_another_athletes_session_id_is_refused_and_unreadable(
    api: ApiClient, bearer: Callable[..., ApiClient], stranger: Any
) -> None:
    theirs = start(bearer(stranger))

    assert_error(api.post("/sessions", {"program": "runners-250", "id": theirs["id"]}), 409)
    assert_error(api.get(f"/sessions/{theirs['id']}"), 404, "not_found")
    assert_error(
        api.post(
            f"/sessions/{theirs['id']}/events", {"events": [{"seq": 0, "type": "start", "at": T0}]}
        ),
        404,
        "not_found",
    )
    assert_error(api.post(f"/sessions/{theirs['id']}/abandon"), 404, "not_found")


def test_the_live_page_embeds_the_session_as_the_api_answers_it(
    api: ApiClient, athlete_client: Client
) -> None:
    session = start(api)
    events = workout_events(session["plan"])
    answer = api.post(f"/sessions/{session['id']}/events", {"events": events})
    assert answer.status_code == 200
    result = Result.objects.get(session_id=session["id"])
    assert answer.json()["result_url"] == f"/results/{result.id}/"

    page = athlete_client.get(f"/sessions/{session['id']}/").content.decode()
    embedded = re.search(r'<script id="session-boot" type="application/json">(.*?)</script>', page)
    assert embedded is not None
    boot = json.loads(embedded.group(1))
    detail = api.get(f"/sessions/{session['id']}").json()

    # The typed schema names every field of an event; absent ones are null.
    detail["events"] = [
        {key: value for key, value in event.items() if value is not None}
        for event in detail["events"]
    ]
    assert detail == boot["session"]
    assert detail["state"]["status"] == "finished"
    assert detail["result_url"] == f"/results/{result.id}/"
    # And the page's script is told to send its events to the same address.
    assert boot["urls"]["events"] == f"/api/v1/sessions/{session['id']}/events"
    assert boot["urls"]["detail"] == f"/api/v1/sessions/{session['id']}"


def test_a_resend_changes_nothing(api: ApiClient) -> None:
    session = start(api)
    events = workout_events(session["plan"])[:6]
    first = api.post(f"/sessions/{session['id']}/events", {"events": events})

    again = api.post(f"/sessions/{session['id']}/events", {"events": events[2:]})

    assert again.status_code == 200
    assert again.json() == first.json()
    assert api.get(f"/sessions/{session['id']}").json()["event_count"] == 6


def test_a_gap_is_refused_with_the_expected_sequence(api: ApiClient) -> None:
    session = start(api)
    events = workout_events(session["plan"])
    api.post(f"/sessions/{session['id']}/events", {"events": events[:3]})

    body = assert_error(
        api.post(f"/sessions/{session['id']}/events", {"events": events[4:6]}), 409, "sequence"
    )

    assert body["expected_seq"] == 3
    assert body["field"] == "events.0.seq"
    assert api.get(f"/sessions/{session['id']}").json()["event_count"] == 3


def test_a_conflicting_resend_is_refused_and_the_events_before_it_stay(api: ApiClient) -> None:
    session = start(api)
    events = workout_events(session["plan"])
    api.post(f"/sessions/{session['id']}/events", {"events": events[:3]})
    changed = {**events[2], "n": events[2]["n"] - 1}

    body = assert_error(
        api.post(f"/sessions/{session['id']}/events", {"events": [events[1], changed]}),
        409,
        "sequence",
    )

    assert body["expected_seq"] == 3 and body["field"] == "events.1.seq"


def test_an_event_the_session_cannot_take_is_rejected(api: ApiClient) -> None:
    session = start(api)

    body = assert_error(
        api.post(
            f"/sessions/{session['id']}/events",
            {"events": [{"seq": 0, "type": "reps", "at": T0, "slot": 0, "n": 5}]},
        ),
        422,
        "rejected",
    )

    assert body["expected_seq"] == 0 and body["field"] == "events.0"


def test_a_malformed_event_stores_nothing_of_its_batch(api: ApiClient) -> None:
    session = start(api)
    events = [{"seq": 0, "type": "start", "at": T0}, {"seq": 1, "type": "jump", "at": T0 + 1}]

    body = assert_error(api.post(f"/sessions/{session['id']}/events", {"events": events}), 422)

    assert body["field"] == "events.1"
    assert api.get(f"/sessions/{session['id']}").json()["event_count"] == 0


def test_abandon_ends_the_session_once(api: ApiClient) -> None:
    session = start(api)
    api.post(f"/sessions/{session['id']}/events", {"events": workout_events(session["plan"])[:3]})

    abandoned = api.post(f"/sessions/{session['id']}/abandon")

    assert abandoned.status_code == 200
    assert abandoned.json()["state"]["status"] == "abandoned"
    assert abandoned.json()["stored"] == 4
    body = assert_error(api.post(f"/sessions/{session['id']}/abandon"), 409, "closed")
    assert body["expected_seq"] == 4
    assert not Result.objects.exists()


def other_core_pick(api: ApiClient) -> tuple[str, str]:
    """The core exercise the server's rotation would give now, and the other in its pool."""
    program = api.get("/programs/runners-250").json()
    (pool,) = [slot["pool"] for slot in program["slots"] if slot["key"] == "core"]
    rotation = program["next_plan"]["slots"][0]["prescribed_exercise"]
    (other,) = [slug for slug in pool if slug != rotation]
    return rotation, other


def test_picks_take_the_place_of_the_servers_rotation(api: ApiClient) -> None:
    rotation, other = other_core_pick(api)
    session_id = str(uuid.uuid4())

    session = start(api, id=session_id, picks={"core": other})

    core = session["plan"]["slots"][0]
    assert core["key"] == "core" and rotation != other
    assert core["exercise"] == core["prescribed_exercise"] == other
    # The same create again is the same session, whatever the rotation says now.
    again = api.post("/sessions", {"program": "runners-250", "id": session_id, "picks": {}})
    assert again.status_code == 200 and again.json()["plan"] == session["plan"]
    assert WorkoutSession.objects.count() == 1


@pytest.mark.parametrize(
    ("picks", "field"),
    [
        ({"core": "crunch"}, "picks.core"),  # an exercise, but not in the slot's pool
        ({"calves": "calf-raise"}, "picks.calves"),  # the slot does not rotate
        ({"arms": "sit-up"}, "picks.arms"),  # no such slot
    ],
)
def test_a_pick_the_program_does_not_allow_is_a_422_naming_it(
    api: ApiClient, picks: dict[str, str], field: str
) -> None:
    body = assert_error(
        api.post("/sessions", {"program": "runners-250", "id": str(uuid.uuid4()), "picks": picks}),
        422,
        "plan",
    )

    assert body["field"] == field
    assert not WorkoutSession.objects.exists()


def test_scaling_applies_on_top_of_the_picks(api: ApiClient) -> None:
    rotation, other = other_core_pick(api)
    easier = {"sit-up": "crunch", "mountain-climber": "incline-mountain-climber"}

    session = start(
        api,
        mode="scaled",
        picks={"core": other},
        swaps={"core": easier[other]},
        reps={"calves": 30},
    )

    core, calves = session["plan"]["slots"][:2]
    assert (core["exercise"], core["prescribed_exercise"]) == (easier[other], other)
    assert (calves["reps"], calves["prescribed_reps"]) == (30, 50)
    # The easier alternative to the rotation's own pick does not fit the one picked.
    body = assert_error(
        api.post(
            "/sessions",
            {
                "program": "runners-250",
                "mode": "scaled",
                "picks": {"core": other},
                "swaps": {"core": easier[rotation]},
            },
        ),
        422,
        "plan",
    )
    assert body["field"] == "swaps"
    assert WorkoutSession.objects.count() == 1
