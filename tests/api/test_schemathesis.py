"""Schemathesis against the live OpenAPI document: requests generated from each
operation's schema, sent to the running site with a write token; no answer may
be a server error, and every answer must be documented and match its schema.

Bounded: ``EXAMPLES`` generated requests per operation (plus Schemathesis's
explicit and boundary cases), about half a minute in all on either database.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from runstrong.accounts import tokens
from runstrong.community import services as social
from runstrong.runs.services import batch_import
from runstrong.workouts import services
from runstrong.workouts.models import Program
from tests.api.conftest import finished_result
from tests.runs.conftest import gpx_run
from tests.workouts.factories import T0

EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def write_token(athlete: Any, settings: Any) -> str:
    # Generous for the burst of generated requests, still counted (and cheap:
    # the limiter reads one cache row per request in the window).
    settings.API_TOKEN_RATE_LIMIT = 100
    settings.API_TOKEN_RATE_WINDOW_SECONDS = 1
    return tokens.token_create(user=athlete, name="schemathesis", scope="write").plain


def _known_cases(
    operation: Any, session_id: str, result_id: int, comment_id: int = 0, activity_id: int = 0
) -> list[schemathesis.Case]:
    """Requests that name real things, tried first: generated ones rarely do."""
    path = operation.path
    if path.endswith("/programs/{program_slug}"):
        return [operation.Case(path_parameters={"program_slug": "runners-250"})]
    if path.endswith("/boards/{program_slug}"):
        return [
            operation.Case(path_parameters={"program_slug": "runners-250"}),
            operation.Case(
                path_parameters={"program_slug": "runners-250"},
                query={"period": "week", "sex": "f", "age": "30-34", "after": "x"},
            ),
        ]
    if "{activity_id}" in path:
        return [operation.Case(path_parameters={"activity_id": activity_id})]
    if path.endswith("/trend"):
        return [operation.Case(query={"split": "2026-03-03"})]
    if "{comment_id}" in path:
        return [operation.Case(path_parameters={"comment_id": comment_id})]
    if path.endswith("/comments") and operation.method.upper() == "POST":
        return [
            operation.Case(
                path_parameters={"result_id": result_id},
                body={"text": "Strong finish"},
                media_type="application/json",
            )
        ]
    if path.endswith("/cheers") and operation.method.upper() != "GET":
        return [operation.Case(path_parameters={"result_id": result_id}, query={"kind": "grit"})]
    if path.endswith("/sessions") and operation.method.upper() == "POST":
        return [
            operation.Case(body={"program": "runners-250"}, media_type="application/json"),
            operation.Case(
                body={"program": "runners-500", "mode": "scaled", "reps": {"calves": 10}},
                media_type="application/json",
            ),
        ]
    if path.endswith("/events"):
        start = {"events": [{"seq": 0, "type": "start", "at": T0}]}
        reps = {"events": [{"seq": 1, "type": "reps", "at": T0 + 5000, "slot": 0, "n": 5}]}
        return [
            operation.Case(
                path_parameters={"session_id": session_id}, body=body, media_type="application/json"
            )
            for body in (start, reps, start)
        ]
    if "{session_id}" in path:
        return [operation.Case(path_parameters={"session_id": session_id})]
    if "{result_id}" in path and operation.method.upper() == "PATCH":
        return [
            operation.Case(
                path_parameters={"result_id": result_id},
                body={"visibility": "clubs", "on_boards": False},
                media_type="application/json",
            )
        ]
    if "{result_id}" in path:
        return [operation.Case(path_parameters={"result_id": result_id})]
    return []


def test_every_answer_is_documented_and_never_a_server_error(
    live_server: Any, transactional_db: None, write_token: str, athlete: Any
) -> None:
    session_id = str(
        services.session_start(athlete=athlete, program=Program.objects.get(slug="runners-250")).id
    )
    result_id = finished_result(athlete, "public").pk
    comment_id = social.comment_add(author=athlete, result_id=result_id, text="Kept up").pk
    activity_id = batch_import(athlete=athlete, files=[("run.gpx", gpx_run())]).outcomes[0]
    # The document the site serves, not one built in this process.
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    failures: dict[str, str] = {}
    for operation in operations:
        known = _known_cases(
            operation, session_id, result_id, comment_id, activity_id.activity_id or 0
        )

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=live_server.url,
                headers={"Authorization": f"Bearer {write_token}"},
                checks=CHECKS,
            )

        for case in known:
            check = example(case=case)(check)
        try:
            check()
        except Exception as failure:  # every operation is tried; all failures reported
            failures[operation.label] = str(failure)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
