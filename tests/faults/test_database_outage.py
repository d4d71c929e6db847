"""Fault 8: the database goes away in the middle of a workout, then comes back.

On the PostgreSQL pass the served site runs on a PostgreSQL server of the
test's own (``postgres.py``), which the test stops (``pg_ctl -m fast``) and
starts again: a restart with the site's connections cut. On the SQLite pass
the same test locks the site's database file from another process (a write
transaction, ``BEGIN IMMEDIATE``) for longer than the site's busy timeout
(20 s), as a long backup or import would. Either way the page keeps the taps
and says the server is not answering, the API says why in a 503, and once
the database is back every tap is stored once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.helpers import start, tap, use_preferences, wait_until_saved

from .checks import assert_kept_once_and_folded, phone_log
from .postgres import PrivatePostgres, private_postgres
from .served import Served, serving, sqlite_env

TAPS = 10  # the Runner's 250 in sets of 25
ON_POSTGRES = bool(os.environ.get("DATABASE_URL"))


@dataclass
class Outage:
    site: Served
    postgres: PrivatePostgres | None
    lock: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self.postgres is not None:
            self.postgres.stop("fast")
            return
        database = Path(self.site.env["RUNSTRONG_DATA"]) / "runstrong.sqlite3"
        self.lock = sqlite3.connect(database, isolation_level=None)
        self.lock.execute("BEGIN IMMEDIATE")  # the write lock, held until end()

    def end(self) -> None:
        if self.postgres is not None:
            self.postgres.start()
            return
        assert self.lock is not None
        self.lock.execute("ROLLBACK")
        self.lock.close()


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[Outage]:
    if not ON_POSTGRES:
        with serving(sqlite_env(tmp_path / "data"), tmp_path) as site:
            yield Outage(site, None)
        return
    with private_postgres() as postgres:
        env = {**sqlite_env(tmp_path / "data"), "DATABASE_URL": postgres.url}
        with serving(env, tmp_path) as site:
            yield Outage(site, postgres)


def test_database_restarted_or_locked_mid_session_keeps_every_tap_once(
    outage: Outage, new_context: Callable[..., BrowserContext]
) -> None:
    site = outage.site
    session_id = site.seed()
    context = new_context()
    site.log_in(context)
    use_preferences(context, set_size=25)
    page = context.new_page()
    page.goto(f"{site.url}/sessions/{session_id}/")
    start(page)
    tap(page, 2)
    page.wait_for_function("() => window.runstrongSession.sync.stored === 3")
    api = site.client()
    path = f"/api/v1/sessions/{session_id}/events"
    resend = json.dumps({"events": [{"seq": 0, **phone_log(page)[0]}]}).encode()
    headers = {"Content-Type": "application/json", "X-CSRFToken": api.csrf_token()}

    outage.begin()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            # What the API answers while the database is away (on SQLite, once
            # the busy timeout has run out).
            probe = pool.submit(api.request, "POST", path, body=resend, headers=headers)
            tap(page, 3)
            expect(page.locator("#sync-badge")).to_have_text(
                "server not answering — 3 taps waiting", timeout=30_000
            )
            answer = probe.result(timeout=60)
        assert answer.status == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        refusal = answer.json()
        assert refusal["code"] == "unavailable"
        assert "its database is unavailable" in refusal["message"]
        assert "nothing of this request was kept" in refusal["message"]
    finally:
        outage.end()

    # Back: the page sends what waited without being asked, then the rest.
    page.wait_for_function("() => window.runstrongSession.sync.stored === 6", timeout=30_000)
    expect(page.locator("#sync-badge")).to_be_hidden()
    tap(page, TAPS - 5)
    wait_until_saved(page)
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")
    stored = assert_kept_once_and_folded(site.ledger(session_id), phone_log(page))
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
