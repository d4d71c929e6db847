"""The live session page's way in: /api/v1/sessions/… with the log-in cookie and the
CSRF token (the same endpoints tokens use, tests/api/test_sessions.py): who may
read and append, and what bad input gets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from runstrong.workouts.api_v1 import MAX_EVENTS_PER_REQUEST
from runstrong.workouts.models import Result, SessionEvent
from tests.workouts.factories import T0
from tests.workouts.test_services import start

pytestmark = pytest.mark.usefixtures("catalog_synced")


def events_url(session: Any) -> str:
    return f"/api/v1/sessions/{session.id}/events"


def detail_url(session: Any) -> str:
    return f"/api/v1/sessions/{session.id}"


def post(client: Client, session: Any, events: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post(
        events_url(session),
        json.dumps({"events": events}),
        content_type="application/json",
        **extra,
    )


def whole_workout(start_at: int = T0, set_size: int = 25) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"seq": 0, "type": "start", "at": start_at}]
    now = start_at
    for slot in range(5):
        for _ in range(50 // set_size):
            now += set_size * 2000
            events.append(
                {"seq": len(events), "type": "reps", "at": now, "slot": slot, "n": set_size}
            )
    events.append({"seq": len(events), "type": "finish", "at": now})
    return events


# Two separate clients: the shared athlete_client/stranger_client fixtures are
# one client logged in twice, and these tests use both people at once.
@pytest.fixture
def athlete_api(athlete: Any) -> Client:
    client = Client()
    client.force_login(athlete)
    return client


@pytest.fixture
def stranger_api(stranger: Any) -> Client:
    client = Client()
    client.force_login(stranger)
    return client


def test_a_whole_workout_in_one_request_stores_the_result(
    athlete: Any, athlete_api: Client
) -> None:
    session = start(athlete)

    response = post(athlete_api, session, whole_workout())

    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == 12
    assert body["state"]["status"] == "finished"
    result = Result.objects.get(session=session)
    assert body["result"]["total_ms"] == result.total_ms == 500_000
    assert body["result"]["splits_ms"] == result.splits_ms
    assert body["result_url"] == f"/results/{result.id}/"


def test_sending_the_same_batch_twice_changes_nothing(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)
    first = post(athlete_api, session, whole_workout()[:4])

    again = post(athlete_api, session, whole_workout()[:4])

    assert first.status_code == again.status_code == 200
    assert again.json()["stored"] == 4
    assert SessionEvent.objects.filter(session=session).count() == 4


def test_detail_returns_plan_events_with_seq_and_state(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)
    post(athlete_api, session, whole_workout()[:3])

    response = athlete_api.get(detail_url(session))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["id"] == str(session.id)
    assert body["plan"] == session.plan
    assert [event["seq"] for event in body["events"]] == [0, 1, 2]
    assert body["events"][1] == {"seq": 1, "type": "reps", "at": T0 + 50_000, "slot": 0, "n": 25}
    assert body["state"]["reps_done"] == [50, 0, 0, 0, 0]
    assert body["result"] is None and body["result_url"] is None


def test_a_gap_is_a_409_that_tells_how_many_events_the_server_has(
    athlete: Any, athlete_api: Client
) -> None:
    session = start(athlete)
    post(athlete_api, session, whole_workout()[:2])

    response = post(athlete_api, session, whole_workout()[3:4])

    assert response.status_code == 409
    assert response.json()["code"] == "sequence"
    assert response.json()["expected_seq"] == 2


def test_a_conflicting_resend_is_a_409(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)
    post(athlete_api, session, whole_workout()[:2])
    changed = {"seq": 1, "type": "reps", "at": T0 + 1000, "slot": 0, "n": 5}

    response = post(athlete_api, session, [changed])

    assert response.status_code == 409
    assert response.json()["expected_seq"] == 2 and response.json()["seq"] == 1


def test_an_event_the_engine_refuses_is_a_422_and_the_batch_stops_there(
    athlete: Any, athlete_api: Client
) -> None:
    session = start(athlete)
    batch = [
        {"seq": 0, "type": "start", "at": T0},
        {"seq": 1, "type": "reps", "at": T0 + 1000, "slot": 0, "n": 20},
        {"seq": 2, "type": "reps", "at": T0 + 2000, "slot": 0, "n": 51},
        {"seq": 3, "type": "reps", "at": T0 + 3000, "slot": 0, "n": 5},
    ]

    response = post(athlete_api, session, batch)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rejected" and body["seq"] == 2 and body["expected_seq"] == 2
    assert body["field"] == "events.2"
    assert "more than the 30 left" in body["message"]
    assert SessionEvent.objects.filter(session=session).count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (b"not json", 400, "malformed", "not valid JSON"),
        (b"[1, 2]", 400, "malformed", "JSON object"),
        (b'{"events": []}', 422, "invalid", "events"),
        (b'{"events": [5]}', 422, "invalid", "events.0"),
        (b'{"events": [{"type": "start", "at": 1}]}', 422, "invalid", "events.0.seq"),
        (b'{"events": [{"seq": true, "type": "start", "at": 1}]}', 422, "invalid", "seq"),
        (b'{"events": [{"seq": 0, "type": "jump", "at": 1}]}', 422, "invalid", "'jump'"),
        (b'{"events": [{"seq": 0, "type": "start", "at": NaN}]}', 400, "malformed", "JSON"),
        (b'{"events": [{"seq": 0, "type": "start", "at": 1, "x": 2}]}', 422, "invalid", "x"),
        (b"\xff\xfe", 400, "malformed", "not valid JSON"),
        (b"[" * 10_000 + b"]" * 10_000, 400, "malformed", "not valid JSON"),
    ],
)
def test_malformed_bodies_are_refused_and_store_nothing(
    athlete: Any, athlete_api: Client, body: bytes, status: int, code: str, message: str
) -> None:
    session = start(athlete)

    response = athlete_api.post(events_url(session), body, content_type="application/json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert message in response.json()["message"]
    assert not SessionEvent.objects.filter(session=session).exists()


def test_a_body_over_64_kb_is_a_413(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)
    padding = [{"seq": i, "type": "undo", "at": T0} for i in range(3000)]

    response = post(athlete_api, session, padding)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_more_than_500_events_in_one_request_is_a_413(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)
    events = [{"seq": i, "type": "undo", "at": 1} for i in range(MAX_EVENTS_PER_REQUEST + 1)]

    response = post(athlete_api, session, events)

    assert response.status_code == 413
    assert not SessionEvent.objects.filter(session=session).exists()


def test_a_stranger_can_neither_read_nor_append_to_nor_finish_a_session(
    athlete: Any, athlete_api: Client, stranger_api: Client
) -> None:
    session = start(athlete)
    post(athlete_api, session, whole_workout()[:-1])  # every rep, not yet finished
    finish = whole_workout()[-1:]

    read = stranger_api.get(detail_url(session))
    appended = post(stranger_api, session, finish)
    page = stranger_api.get(f"/sessions/{session.id}/")

    assert read.status_code == appended.status_code == page.status_code == 404
    assert read.json() == appended.json()
    assert read.json() == {"code": "not_found", "message": "no such session", "field": None}
    assert SessionEvent.objects.filter(session=session).count() == 11
    assert not Result.objects.filter(session=session).exists()


def test_a_missing_session_reads_exactly_like_someone_elses(athlete_api: Client) -> None:
    missing = "/api/v1/sessions/00000000-0000-4000-8000-000000000000"

    assert athlete_api.get(missing).status_code == 404
    assert athlete_api.get(missing).json()["code"] == "not_found"


def test_logged_out_requests_are_a_401_in_json(athlete: Any) -> None:
    session = start(athlete)
    client = Client()

    read = client.get(detail_url(session))
    appended = post(client, session, whole_workout()[:1])

    assert read.status_code == appended.status_code == 401
    assert read.json()["code"] == appended.json()["code"] == "login_required"
    assert not SessionEvent.objects.filter(session=session).exists()


def test_a_post_without_the_csrf_token_is_a_403_and_stores_nothing(athlete: Any) -> None:
    session = start(athlete)
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)

    response = post(client, session, whole_workout()[:1])

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not SessionEvent.objects.filter(session=session).exists()


def test_a_post_with_the_cookie_token_in_the_header_passes_the_csrf_check(
    athlete: Any,
) -> None:
    session = start(athlete)
    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete)
    client.get(f"/sessions/{session.id}/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = post(client, session, whole_workout()[:1], HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200


def test_wrong_methods_are_a_405_in_json(athlete: Any, athlete_api: Client) -> None:
    session = start(athlete)

    assert athlete_api.post(detail_url(session)).status_code == 405
    response = athlete_api.get(events_url(session))
    assert response.status_code == 405 and response["Allow"] == "POST"
