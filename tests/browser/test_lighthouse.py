"""Lighthouse's accessibility score (from npm, see package.json) on the main pages.

Lighthouse runs axe as test_accessibility.py does, but counts every finding,
not only the serious and critical ones that test fails on (a skipped heading
level, a duplicate id), and weighs them into the one number a developer sees
in Chrome's DevTools. Each page is audited once, by the Lighthouse command
line in its own headless Chromium, against the live server (hashed static
files through WhiteNoise, as in production).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.workouts.factories import T0, complete_session

from .conftest import CHROMIUM
from .helpers import new_session

pytestmark = pytest.mark.usefixtures("catalog_synced")

LIGHTHOUSE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "lighthouse"
MIN_SCORE = 0.95
# The same reasons as the Playwright launch (conftest.LAUNCH_ARGS): root in CI, no GPU.
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
RUN_TIMEOUT_S = 120

PAGES = ["home", "program", "session", "result"]


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def lighthouse_accessibility(url: str, *, cookie: str | None, folder: Path) -> dict[str, Any]:
    """Run Lighthouse's accessibility category on ``url``; its report as a dict."""
    if not LIGHTHOUSE.exists():
        pytest.fail(f"{LIGHTHOUSE} is missing: run `npm ci` (scripts/test does)")
    report = folder / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=accessibility",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
        # The report's picture of the page: nobody looks at it here, and it costs a second.
        "--disable-full-page-screenshot",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    with subprocess.Popen(
        command,
        # TMPDIR: Lighthouse's Chromium keeps its throwaway profile there.
        env={**os.environ, "CHROME_PATH": str(CHROMIUM), "TMPDIR": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as lighthouse:
        try:
            _, stderr = lighthouse.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # SIGINT, not a kill: chrome-launcher then closes the Chromium it
            # started (in a process group of its own, which a kill would orphan).
            lighthouse.send_signal(signal.SIGINT)
            try:
                lighthouse.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                lighthouse.kill()
            pytest.fail(f"lighthouse took more than {RUN_TIMEOUT_S} s on {url}")
    assert lighthouse.returncode == 0 and report.exists(), f"lighthouse failed:\n{stderr[-3000:]}"
    loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return loaded


def failing_audits(report: dict[str, Any]) -> list[str]:
    """The accessibility audits that lost points, as ``id: title (where)``."""
    lines = []
    for reference in report["categories"]["accessibility"]["auditRefs"]:
        audit = report["audits"][reference["id"]]
        if reference["weight"] and audit["score"] is not None and audit["score"] < 1:
            items = (audit.get("details") or {}).get("items") or []
            selectors = list(
                dict.fromkeys(str((item.get("node") or {}).get("selector", "")) for item in items)
            )
            where = "; ".join(selectors[:3]) + ("; …" if len(selectors) > 3 else "")
            lines.append(f"{audit['id']}: {audit['title']}" + (f" — {where}" if items else ""))
    return lines


@pytest.mark.parametrize("name", PAGES)
def test_lighthouse_scores_each_main_page_at_least_95_for_accessibility(
    live_server: Any, athlete: Any, tmp_path: Path, name: str
) -> None:
    complete_session(athlete)
    result = complete_session(athlete, start_at=T0 + 86_400_000).result
    assert result is not None
    path = {
        "home": "/",
        "program": "/programs/runners-250/",
        "session": f"/sessions/{new_session(athlete).id}/",
        "result": f"/results/{result.id}/",
    }[name]

    report = lighthouse_accessibility(
        f"{live_server.url}{path}", cookie=_session_cookie(athlete), folder=tmp_path
    )

    assert report["finalDisplayedUrl"] == f"{live_server.url}{path}", "redirected: not logged in?"
    score = report["categories"]["accessibility"]["score"]
    problems = "\n".join(failing_audits(report))
    print(f"{path}: accessibility {score:.2f}\n{problems}")  # shown by pytest -rP
    assert score >= MIN_SCORE, (
        f"{path} scores {score:.2f} < {MIN_SCORE}; failing audits:\n{problems}"
    )
