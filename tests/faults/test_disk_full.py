"""Fault 9: the disk fills up while the server writes the session to SQLite.

The served site runs on SQLite on both passes of the suite (on the
PostgreSQL pass too: it is SQLite's disk that fills here). Its processes
ignore SIGXFSZ, as a server must not die of a full disk; mid-workout the
test checkpoints and truncates the write-ahead log and then lowers every
server process's file-size limit (RLIMIT_FSIZE) to zero bytes, so the next
write to the database fails exactly as on a full disk: the kernel refuses
the bytes, SQLite rolls the transaction back. Reads still work. The page
must keep the taps, say why they wait, and post them once there is room.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Response, expect

from tests.browser.helpers import start, tap, use_preferences, wait_until_saved

from .checks import assert_kept_once_and_folded, phone_log
from .served import Served, serving, sqlite_env, stored_event_count

TAPS = 10  # the Runner's 250 in sets of 25
EVENTS = 12  # start, ten sets, finish


def ignore_file_size_signal() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[Served]:
    env = sqlite_env(tmp_path / "data")
    with serving(env, tmp_path, before_exec=ignore_file_size_signal) as site:
        yield site


@contextlib.contextmanager
def disk_full(site: Served) -> Iterator[None]:
    database = Path(site.env["RUNSTRONG_DATA"]) / "runstrong.sqlite3"
    with contextlib.closing(sqlite3.connect(database, timeout=20)) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0, "the write-ahead log could not be emptied"
    assert database.with_name("runstrong.sqlite3-wal").stat().st_size == 0
    pids = site.pids()
    for pid in pids:
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # gone: no limit to lift
                _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))


def test_a_full_disk_refuses_taps_with_a_message_and_they_are_stored_once_when_there_is_room(
    sqlite_site: Served, new_context: Callable[..., BrowserContext]
) -> None:
    site = sqlite_site
    session_id = site.seed()
    context = new_context()
    site.log_in(context)
    use_preferences(context, set_size=25)
    page = context.new_page()
    refusals: list[dict[str, Any]] = []

    def on_response(response: Response) -> None:
        if response.url.endswith("/events") and response.status >= 500:
            refusals.append({"status": response.status, **response.json()})

    page.on("response", on_response)
    page.goto(f"{site.url}/sessions/{session_id}/")
    start(page)
    tap(page, 2)
    page.wait_for_function("() => window.runstrongSession.sync.stored === 3")

    with disk_full(site):
        tap(page, 3)
        badge = page.locator("#sync-badge")
        expect(badge).to_have_text("server not answering — 3 taps waiting", timeout=20_000)
        assert refusals, "the server never answered the page"
        assert {refusal["status"] for refusal in refusals} == {503}
        assert refusals[0]["code"] == "unavailable"
        assert "its disk is full" in refusals[0]["message"]
        assert "send it again" in refusals[0]["message"]
        # Nothing half written: the three stored events, no fourth, no result.
        ledger = site.ledger(session_id)
        assert ledger["seqs"] == [0, 1, 2]
        assert ledger["event_count"] == 3
        assert ledger["results"] == []
        # Reading still works: the page loads again and resumes where it was.
        page.reload()
        page.wait_for_selector("#resume-dialog[open]")
        expect(page.locator("#resume-summary")).to_contain_text("125 of 250 reps done")
        page.click("#resume-yes")
        tap(page, TAPS - 5)
        expect(page.locator("#save-status")).to_have_text(
            "Saved on this phone. The server is not answering; "
            "it will be posted as soon as it does."
        )
        assert stored_event_count(site, session_id) == 3

    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # retry now, not in 30 s
    wait_until_saved(page)
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")
    stored = assert_kept_once_and_folded(site.ledger(session_id), phone_log(page))
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
