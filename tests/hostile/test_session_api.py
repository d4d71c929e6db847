"""The session API door: /api/v1/sessions/<id>/… as the live page calls it (its log-in
cookie and CSRF token; tokens go through the same operations, tests/api/).

Each refusal is JSON with a code the client can act on and a sentence that says
what was wrong; the session's log is as it was (every table's rows counted
before and after). Sections 1 and 3 moved here from tests/test_hostile_requests.py.
"""

# The tables keep each case on one line, however long.
# ruff: noqa: E501

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from runstrong.workouts.models import Result, WorkoutSession
from runstrong.workouts.services import session_append
from tests.hostile.conftest import (
    assert_api_error,
    browser,
    csrf_token,
    row_counts,
)

pytestmark = pytest.mark.usefixtures("catalog_synced")

LARGEST_ID = 2**63 - 1  # the largest a BigAutoField holds
JSON_BODY = json.dumps({"events": [{"seq": 0, "type": "start", "at": 1_760_000_000_000}]})
T0 = 1_760_000_000_000


# ---------------------------------------------------------------------------
# 1. Hostile events, one table: a started session (its start is event 0) and
# what is sent as events 1 and on.


def event(seq: Any, kind: str, **fields: Any) -> str:
    return json.dumps({"events": [{"seq": seq, "type": kind, "at": T0 + 1_000, **fields}]})


def reps(n: Any, slot: int = 0) -> str:
    return event(1, "reps", slot=slot, n=n)


NO_SEQ = json.dumps({"events": [{"type": "pause", "at": T0}]})
NAN_SEQ = '{"events": [{"seq": NaN, "type": "pause", "at": 1760000001000}]}'
LONG_SEQ = '{"events": [{"seq": 1' + "0" * 5_000 + ', "type": "pause", "at": 1}]}'
DEEP = "[" * 30_000 + "]" * 30_000  # under 64 KB, deeper than Python's parser recurses
PADDED = json.dumps({"events": json.loads(event(1, "pause"))["events"], "pad": "x" * 70_000})
TOO_MANY = json.dumps({"events": [{"seq": n, "type": "pause", "at": T0} for n in range(1, 502)]})
NOT_WHOLE_SEQ = "events.0.seq: Input should be a valid integer"
INVALID_JSON = "the body is not valid JSON"


@dataclass(frozen=True)
class Call:
    """The body (or the client) sent, the status, the code and the sentence answered."""

    case: str
    body: str
    status: int
    code: str
    error: str
    who: str = "athlete"  # or "stranger", "visitor", "forger"


# fmt: off
CALLS = [
    Call("negative reps", reps(-5), 422, "rejected", "reps must be a positive number, not -5"),
    Call("zero reps", reps(0), 422, "rejected", "reps must be a positive number, not 0"),
    Call("huge reps", reps(10**12), 422, "rejected", "1000000000000 reps is more than the 50 left of Mountain climbers"),
    Call("reps past 64 bits", reps(2**64), 422, "rejected", f"{2**64} reps is more than the 50 left of Mountain climbers"),
    Call("reps as a fraction", reps(1.5), 422, "invalid", "events.0.n: Input should be a valid integer"),
    Call("reps as text", reps("50"), 422, "invalid", "events.0.n: Input should be a valid integer"),
    Call("a slot that is not there", reps(5, slot=99), 422, "rejected", "unknown slot 99: this program has slots 0–4"),
    Call("seq as text", event("1", "pause"), 422, "invalid", NOT_WHOLE_SEQ),
    Call("seq as a fraction", event(1.5, "pause"), 422, "invalid", NOT_WHOLE_SEQ),
    Call("seq as true", event(True, "pause"), 422, "invalid", NOT_WHOLE_SEQ),
    Call("seq missing", NO_SEQ, 422, "invalid", "events.0.seq: Field required"),
    Call("negative seq", event(-1, "pause"), 422, "invalid", "events.0.seq: Input should be greater than or equal to 0"),
    Call("seq NaN", NAN_SEQ, 400, "malformed", INVALID_JSON),
    Call("seq of 5,000 digits", LONG_SEQ, 400, "malformed", INVALID_JSON),
    Call("seq of 10^30", event(10**30, "pause"), 409, "sequence", f"event {10**30} arrived before event 1: send that first"),
    Call("seq with a gap", event(5, "pause"), 409, "sequence", "event 5 arrived before event 1: send that first"),
    Call("seq 0 sent as another event", event(0, "pause"), 409, "sequence", "event 0 is already stored as a different start event"),
    Call("script as the event type", event(1, "<script>"), 422, "invalid", "unknown event type '<script>' (expected one of: abandon, finish, pause, reps, resume, start, undo)"),
    Call("a field no event has", event(1, "pause", evil=1), 422, "invalid", "events.0.evil: Extra inputs are not permitted"),
    Call("a time before 1970", json.dumps({"events": [{"seq": 1, "type": "pause", "at": -1}]}), 422, "invalid", "event time 'at' must be milliseconds since 1970"),
    Call("a list, not an object", "[]", 400, "malformed", "send a JSON object"),
    Call("no events", '{"events": []}', 422, "invalid", "events: List should have at least 1 item after validation, not 0"),
    Call("JSON nested 30,000 deep", DEEP, 400, "malformed", INVALID_JSON),
    Call("a body over 64 KB", PADDED, 413, "too_large", "send at most 64 KB per request"),
    Call("501 events at once", TOO_MANY, 413, "too_large", "send at most 500 events per request"),
    Call("another athlete's session", event(1, "pause"), 404, "not_found", "no such session", who="stranger"),
    Call("logged out", event(1, "pause"), 401, "login_required", "send a token (Authorization: Bearer …) or log in", who="visitor"),
    Call("forged CSRF token", event(1, "pause"), 403, "csrf_failed", "CSRF check failed (CSRF token from the 'X-Csrftoken' HTTP header incorrect.): send the csrftoken cookie's value in X-CSRFToken, or use a token (Authorization: Bearer …) instead of the cookie", who="forger"),
]
# fmt: on


@pytest.mark.parametrize("call", CALLS, ids=[call.case for call in CALLS])
def test_a_session_api_call(
    athlete: Any, stranger: Any, session: WorkoutSession, ledger_factory: Any, call: Call
) -> None:
    session_append(session_id=session.id, athlete=athlete, seq=0, event={"type": "start", "at": T0})
    client = browser({"athlete": athlete, "forger": athlete, "stranger": stranger}.get(call.who))
    token = "f" * 64 if call.who == "forger" else csrf_token(client)
    ledger = ledger_factory()

    response = client.post(
        f"/api/v1/sessions/{session.id}/events",
        call.body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    error = assert_api_error(response, call.status, call.code)
    assert error["message"] == call.error
    if call.status in (409,) or call.code == "rejected":  # where the client should carry on from
        assert error["expected_seq"] == 1
    ledger.assert_untouched()
    session.refresh_from_db()
    assert session.event_count == 1 and session.status == "running"


# ---------------------------------------------------------------------------
# 2. The session API takes JSON and nothing else.


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        # The test client encodes a dict as a well-formed multipart form.
        pytest.param(None, {"events": JSON_BODY}, 415, id="multipart form"),
        # A cookie caller's CSRF check reads a form body for its token, so a
        # form that cannot be read is refused as unreadable before its type.
        pytest.param(
            "multipart/form-data", b"--x\r\ngarbage", 400, id="multipart with no boundary"
        ),
        pytest.param(
            "application/x-www-form-urlencoded", b"events=%5B%5D", 415, id="url-encoded form"
        ),
        pytest.param("text/plain", JSON_BODY, 415, id="JSON sent as text/plain"),
    ],
)
def test_the_session_api_refuses_a_body_that_is_not_json(
    athlete: Any, session: WorkoutSession, content_type: str | None, body: Any, status: int
) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/api/v1/sessions/{session.id}/events",
        body,
        **({"content_type": content_type} if content_type else {}),
        headers={"X-CSRFToken": csrf_token(client)},
    )

    if status == 415:
        error = assert_api_error(response, 415, "unsupported_media_type")
        assert error["message"] == "send the body as JSON (Content-Type: application/json)"
    else:
        error = assert_api_error(response, 400, "malformed")
        assert "could not be read" in error["message"], error
    assert row_counts() == before


def test_the_session_api_still_takes_json_with_a_charset(
    athlete: Any, session: WorkoutSession
) -> None:
    client = browser(athlete)

    response = client.post(
        f"/api/v1/sessions/{session.id}/events",
        JSON_BODY,
        content_type="application/json; charset=utf-8",
        headers={"X-CSRFToken": csrf_token(client)},
    )

    assert response.status_code == 200 and response.json()["stored"] == 1


def test_the_session_api_still_checks_csrf_before_reading_json(
    athlete: Any, session: WorkoutSession
) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/api/v1/sessions/{session.id}/events", JSON_BODY, content_type="application/json"
    )

    assert_api_error(response, 403, "csrf_failed")
    assert row_counts() == before


# ---------------------------------------------------------------------------
# 3. The API answers JSON, whatever goes wrong.


# Each API URL (filled in with the athlete's session and result) and the
# methods it answers, as its Allow header lists them (sorted).
API_URLS = {
    "session": ("/api/v1/sessions/{session}", "GET"),
    "session events": ("/api/v1/sessions/{session}/events", "POST"),
    "result": ("/api/v1/results/{result}", "GET, PATCH"),
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def api_url(which: str, session: WorkoutSession, result: Result) -> str:
    return API_URLS[which][0].format(session=session.id, result=result.pk)


@pytest.mark.parametrize(
    ("which", "method"),
    [
        (which, method)
        for which, (_, allowed) in API_URLS.items()
        for method in METHODS
        if method not in allowed.split(", ")
    ],
)
def test_a_wrong_method_on_the_api_is_a_405_in_json(
    athlete: Any, session: WorkoutSession, result: Result, which: str, method: str
) -> None:
    allowed = API_URLS[which][1]
    client = browser(athlete)
    before = row_counts()

    response = client.generic(
        method,
        api_url(which, session, result),
        JSON_BODY,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )

    error = assert_api_error(response, 405, "method_not_allowed")
    assert response["Allow"] == allowed
    assert error["message"] == f"use {allowed}"
    assert row_counts() == before


def test_a_post_without_a_csrf_token_to_any_api_url_is_a_403_in_json(
    athlete: Any, session: WorkoutSession, result: Result
) -> None:
    client = browser(athlete)
    before = row_counts()

    for which, (_, allowed) in API_URLS.items():
        response = client.post(
            api_url(which, session, result), JSON_BODY, content_type="application/json"
        )

        if allowed != "POST":
            # The public API turns a method away before it looks at who asks.
            assert_api_error(response, 405, "method_not_allowed")
        else:
            assert_api_error(response, 403, "csrf_failed")
    assert row_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/no-such-thing/",
        f"/api/v1/results/{LARGEST_ID}",
        f"/api/v1/sessions/{uuid.UUID(int=1)}",  # no such session
        "/api/v1/sessions/not-a-uuid",
    ],
)
def test_a_missing_api_address_is_a_404_in_json(athlete: Any, url: str) -> None:
    response = browser(athlete).get(url)

    assert_api_error(response, 404, "not_found")


def test_a_request_the_api_cannot_read_is_a_400_in_json(result: Result) -> None:
    response = browser().get(f"/api/v1/results/{result.pk}", headers={"Host": "evil.example"})

    error = assert_api_error(response, 400, "malformed")
    assert error["message"] == "This site does not answer to that host name: use its own address."


def test_an_api_failure_is_a_500_in_json(result: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("runstrong.community.selectors.result_visible_to", broken)

    response = browser().get(f"/api/v1/results/{result.pk}")

    error = assert_api_error(response, 500, "server_error")
    assert "RuntimeError" not in error["message"]
