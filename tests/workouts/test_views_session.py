"""The live session page and its service worker, as the server renders them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from .test_services import start

pytestmark = pytest.mark.usefixtures("catalog_synced")


def test_the_page_embeds_what_the_browser_needs_and_sets_the_csrf_cookie(athlete: Any) -> None:
    session = start(athlete)
    client = Client()
    client.force_login(athlete)

    response = client.get(f"/sessions/{session.id}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    boot_json = re.search(r'<script id="session-boot" type="application/json">(.*?)</script>', html)
    assert boot_json is not None
    boot = json.loads(boot_json.group(1))
    assert boot["session"]["id"] == str(session.id)
    assert boot["session"]["plan"] == session.plan
    assert boot["urls"]["events"] == f"/api/v1/sessions/{session.id}/events"
    assert boot["exercises"]["calf-raise"]["cues"]


def test_the_page_runs_no_inline_script_under_a_strict_policy(athlete: Any) -> None:
    client = Client()
    client.force_login(athlete)

    response = client.get(f"/sessions/{start(athlete).id}/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    # The data block is JSON (never executed); the code comes from /static/,
    # under hashed names: the page's own module and the site's (base.html).
    assert ' id="session-boot" type="application/json"' in scripts
    code = [script for script in scripts if "application/json" not in script]
    for script in code:
        assert re.search(r' src="/static/runstrong/[\w/.-]+\.[0-9a-f]{12}\.js"', script), script
    sources = "".join(code)
    assert re.search(
        r'type="module" src="/static/runstrong/session/app\.[0-9a-f]{12}\.js"', sources
    )
    assert re.search(r'type="module" src="/static/runstrong/app\.[0-9a-f]{12}\.js"', sources)


def test_someone_elses_session_page_is_a_404(athlete: Any, stranger: Any) -> None:
    client = Client()
    client.force_login(stranger)

    assert client.get(f"/sessions/{start(athlete).id}/").status_code == 404


def test_logged_out_visitors_are_sent_to_log_in(athlete: Any) -> None:
    response = Client().get(f"/sessions/{start(athlete).id}/")

    assert response.status_code == 302
    assert "/accounts/log-in/" in response["Location"]


def test_the_service_worker_is_served_from_the_root_for_the_whole_site() -> None:
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert re.search(r'const VERSION = "[0-9a-f]{16}";', body)
    assert 'const STATIC_PREFIX = "/static/";' in body
    # It keeps copies of session pages and home, and of nothing else.
    assert 'const SESSION_PREFIX = "/sessions/";' in body
    assert 'const HOME = "/";' in body
    # The assets it keeps for offline use are the hashed files the pages load,
    # and every one of them is served.
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body)[1])
    assert any(
        re.fullmatch(r"/static/runstrong/session/engine\.[0-9a-f]{12}\.js", u) for u in precache
    )
    assert any(re.fullmatch(r"/static/runstrong/app\.[0-9a-f]{12}\.js", u) for u in precache)
    for url in precache:
        assert Client().get(url).status_code == 200, url
