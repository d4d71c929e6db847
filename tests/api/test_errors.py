"""Bad input to every endpoint gets the one error shape, in JSON, with the right
status: never a 500, never HTML."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import ApiClient, assert_error, finished_result

pytestmark = pytest.mark.django_db

NO_SESSION = str(uuid.uuid4())


@pytest.fixture
def api(bearer: Callable[..., ApiClient], athlete: Any) -> ApiClient:
    return bearer(athlete, "write")


@pytest.fixture
def session_id(api: ApiClient) -> str:
    return str(api.post("/sessions", {"program": "runners-250"}).json()["id"])


@pytest.fixture
def result_id(athlete: Any) -> int:
    return finished_result(athlete).pk


# (method, path, body, content type, status, code, field)
BAD_INPUT = [
    ("GET", "/programs/Not_A_Slug", None, None, 422, "invalid", "program_slug"),
    ("GET", "/programs/no-such-program", None, None, 404, "not_found", None),
    ("GET", "/results?page=0", None, None, 422, "invalid", "page"),
    ("GET", "/results?page_size=1000", None, None, 422, "invalid", "page_size"),
    ("GET", "/results?since=yesterday", None, None, 422, "invalid", "since"),
    ("GET", "/results?since=2026-05-02&until=2026-05-01", None, None, 422, "invalid", "since"),
    ("GET", "/results?program=%00", None, None, 422, "invalid", "program"),
    ("GET", "/results/0", None, None, 422, "invalid", "result_id"),
    ("GET", "/results/9223372036854775808", None, None, 404, "not_found", None),
    ("GET", "/results/{result_id}x", None, None, 404, "not_found", None),
    ("GET", f"/sessions/{NO_SESSION}", None, None, 404, "not_found", None),
    ("GET", "/sessions/not-a-uuid", None, None, 404, "not_found", None),
    ("POST", "/sessions", "{not json", "application/json", 400, "malformed", None),
    ("POST", "/sessions", "[1, 2]", "application/json", 400, "malformed", None),
    ("POST", "/sessions", '{"program": NaN}', "application/json", 400, "malformed", None),
    ("POST", "/sessions", "program=runners-250", "application/x-www-form-urlencoded", 415,
     "unsupported_media_type", None),
    ("POST", "/sessions", "", "application/json", 422, "invalid", None),
    ("POST", "/sessions", {}, "application/json", 422, "invalid", "program"),
    ("POST", "/sessions", {"program": "x" * 200}, "application/json", 422, "invalid", "program"),
    ("POST", "/sessions", {"program": "no-such"}, "application/json", 422, "invalid", "program"),
    ("POST", "/sessions", {"program": "runners-250", "mode": "easy"}, "application/json", 422,
     "invalid", "mode"),
    ("POST", "/sessions", {"program": "runners-250", "extra": 1}, "application/json", 422,
     "invalid", "extra"),
    ("POST", "/sessions", {"program": "runners-250", "id": "nope"}, "application/json", 422,
     "invalid", "id"),
    ("POST", "/sessions", {"program": "runners-250", "mode": "scaled", "swaps": {"nope": "x"}},
     "application/json", 422, "plan", "swaps"),
    ("POST", "/sessions/{session_id}/events", {"events": []}, "application/json", 422, "invalid",
     "events"),
    ("POST", "/sessions/{session_id}/events", {"events": [{"seq": -1, "type": "start", "at": 1}]},
     "application/json", 422, "invalid", "events.0.seq"),
    ("POST", "/sessions/{session_id}/events", {"events": [{"seq": 0, "type": "start", "at": "1"}]},
     "application/json", 422, "invalid", "events.0.at"),
    ("POST", "/sessions/{session_id}/events", {"events": [{"seq": True, "type": "start", "at": 1}]},
     "application/json", 422, "invalid", "events.0.seq"),
    ("POST", "/sessions/{session_id}/events",
     {"events": [{"seq": 0, "type": "start", "at": 1, "slot": 0}]}, "application/json", 422,
     "invalid", "events.0"),
    ("POST", "/sessions/{session_id}/events",
     {"events": [{"seq": 0, "type": "start", "at": 10**20}]}, "application/json", 422, "invalid",
     "events.0"),
    ("POST", "/sessions/{session_id}/events",
     {"events": [{"seq": n, "type": "start", "at": 1} for n in range(501)]}, "application/json",
     413, "too_large", None),
    ("POST", "/sessions/{session_id}/events", {"events": "x" * 70_000}, "application/json", 413,
     "too_large", None),
    ("POST", f"/sessions/{NO_SESSION}/events", {"events": [{"seq": 0, "type": "start", "at": 1}]},
     "application/json", 404, "not_found", None),
    ("POST", f"/sessions/{NO_SESSION}/abandon", None, None, 404, "not_found", None),
    ("PATCH", "/results/{result_id}", {}, "application/json", 422, "invalid", "visibility"),
    ("PATCH", "/results/{result_id}", {"visibility": "friends"}, "application/json", 422,
     "invalid", "visibility"),
    ("PATCH", "/results/{result_id}", {"on_boards": "maybe"}, "application/json", 422, "invalid",
     "on_boards"),
    ("PATCH", "/results/9999999", {"visibility": "public"}, "application/json", 404, "not_found",
     None),
    ("DELETE", "/programs", None, None, 405, "method_not_allowed", None),
    ("PUT", "/results/{result_id}", None, None, 405, "method_not_allowed", None),
    ("GET", "/sessions", None, None, 405, "method_not_allowed", None),
    ("GET", "/no-such-thing", None, None, 404, "not_found", None),
    ("GET", "/me/", None, None, 404, "not_found", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "code", "field"),
    BAD_INPUT,
    ids=[f"{case[0]} {case[1][:40]} {case[4]}" for case in BAD_INPUT],
)
def test_bad_input_gets_the_one_error_shape(
    api: ApiClient,
    session_id: str,
    result_id: int,
    method: str,
    path: str,
    body: Any,
    content_type: str | None,
    status: int,
    code: str,
    field: str | None,
) -> None:
    path = path.replace("{session_id}", session_id).replace("{result_id}", str(result_id))
    options = {"content_type": content_type} if content_type else {}
    response = api.call(method, path, body, **options)

    error = assert_error(response, status, code)
    assert error["field"] == field
    if status == 405:
        assert response["Allow"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/results"),
        ("POST", "/sessions"),
        ("GET", f"/sessions/{NO_SESSION}"),
        ("POST", f"/sessions/{NO_SESSION}/events"),
        ("POST", f"/sessions/{NO_SESSION}/abandon"),
        ("PATCH", "/results/1"),
    ],
)
def test_a_visitor_is_asked_to_log_in(visitor_api: ApiClient, method: str, path: str) -> None:
    body = None if method == "GET" else {}
    assert_error(visitor_api.call(method, path, body), 401, "login_required")


def test_a_visitor_may_read_programs(visitor_api: ApiClient) -> None:
    programs = visitor_api.get("/programs")
    assert programs.status_code == 200
    assert {program["slug"] for program in programs.json()} >= {"runners-250", "runners-500"}
    detail = visitor_api.get("/programs/runners-500").json()
    assert [slot["reps"] for slot in detail["slots"]] == [100] * 5
    assert detail["slots"][0]["rotates"] is True
    assert {exercise["slug"] for exercise in detail["exercises"]} >= {"calf-raise"}


def test_the_openapi_document_is_3_1_and_every_error_has_the_shape(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["components"]["securitySchemes"]) == {"BearerToken", "SessionCookie"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]["$ref"]
                    assert schema.split("/")[-1] in {"ErrorOut", "EventsErrorOut"}, (
                        path,
                        method,
                        status,
                    )
