"""Who may see and change a live session, checked from a real browser."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from runstrong.workouts.models import Result, SessionEvent

from .helpers import log_in, new_session, session_url, wait_for_view

pytestmark = pytest.mark.usefixtures("catalog_synced")

T0 = 1_760_000_000_000


def csrf_cookie(context: BrowserContext) -> str:
    return next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "csrftoken")


def test_another_user_cannot_read_append_to_or_finish_a_session(
    live_server: Any, athlete: Any, stranger: Any, context: BrowserContext, page: Page
) -> None:
    session = new_session(athlete)
    log_in(context, live_server.url, stranger)
    # The stranger's own page visit gives them a valid CSRF cookie to use.
    own = new_session(stranger)
    page.goto(session_url(live_server.url, own))
    wait_for_view(page, "ready")
    headers = {"X-CSRFToken": csrf_cookie(context), "Content-Type": "application/json"}
    api = f"{live_server.url}/api/v1/sessions/{session.id}"

    shown = page.goto(session_url(live_server.url, session))
    read = context.request.get(api)
    appended = context.request.post(
        api + "/events",
        data=json.dumps({"events": [{"seq": 0, "type": "start", "at": T0}]}),
        headers=headers,
    )
    finished = context.request.post(
        api + "/events",
        data=json.dumps({"events": [{"seq": 0, "type": "finish", "at": T0}]}),
        headers=headers,
    )

    assert shown is not None and shown.status == 404
    assert read.status == appended.status == finished.status == 404
    assert read.json() == {"code": "not_found", "message": "no such session", "field": None}
    assert not SessionEvent.objects.filter(session=session).exists()
    assert not Result.objects.filter(session=session).exists()


def test_the_api_refuses_a_post_without_the_csrf_token(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    session = new_session(athlete)
    log_in(context, live_server.url, athlete)
    page.goto(session_url(live_server.url, session))
    wait_for_view(page, "ready")

    response = context.request.post(
        f"{live_server.url}/api/v1/sessions/{session.id}/events",
        data=json.dumps({"events": [{"seq": 0, "type": "start", "at": T0}]}),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 403
    assert response.json()["code"] == "csrf_failed"
    assert not SessionEvent.objects.filter(session=session).exists()
