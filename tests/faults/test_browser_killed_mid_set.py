"""Fault 7: the whole browser is killed (SIGKILL) in the middle of a set and
opened again on the same profile.

Chromium runs here as a process of the test's own, on a profile folder kept
on disk, driven over CDP, so that it can be killed like a phone's browser
the system reclaims: no unload, no shutdown. Before the kill, three taps
wait for the server (its API blocked): two are in IndexedDB, and the third
only in the tap journal (``localStorage``), its IndexedDB write held back by
another page, as in tests/browser/test_tap_durability.py. Chromium writes
``localStorage`` to disk a few seconds after the tap (live_session.md says
so): the test waits until the journal entry is in the profile's files, then
kills. The reopened browser resumes with all three taps, and the server
stores every event once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, TIMEOUT_MS
from tests.browser.helpers import (
    log_in,
    new_session,
    session_url,
    start,
    tap,
    use_preferences,
    wait_until_saved,
)
from tests.browser.test_tap_durability import HOLD_INDEXEDDB

from .checks import assert_session_kept_once_and_folded

pytestmark = pytest.mark.usefixtures("catalog_synced")

TAPS = 10  # the Runner's 250 in sets of 25


@contextlib.contextmanager
def chromium_on(profile: Path, browser: Browser) -> Iterator[tuple[BrowserContext, Any]]:
    """Chromium on ``profile``, its default context driven over CDP; yields the
    context and the process, which is killed on the way out if still alive."""
    port_file = profile / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)
    with (profile.parent / "chromium.log").open("ab") as log:
        process = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                *LAUNCH_ARGS,
                "about:blank",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "Chromium stopped at start"
            assert time.monotonic() < deadline, "Chromium never opened its debugging port"
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        connected = browser.browser_type.connect_over_cdp(f"http://127.0.0.1:{port}")
        context = connected.contexts[0]
        context.set_default_timeout(TIMEOUT_MS)
        yield context, process
        with contextlib.suppress(Exception):
            connected.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def on_disk(profile: Path, text: str) -> bool:
    folder = profile / "Default" / "Local Storage" / "leveldb"
    needle = text.encode()
    return any(needle in path.read_bytes() for path in folder.glob("*") if path.is_file())


def prepared(context: BrowserContext, base_url: str, athlete: Any) -> None:
    log_in(context, base_url, athlete)
    use_preferences(context, set_size=25)


def test_a_browser_killed_mid_set_and_reopened_keeps_every_tap_once(
    live_server: Any, athlete: Any, browser: Browser, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    session = new_session(athlete)
    url = session_url(live_server.url, session)

    with chromium_on(profile, browser) as (context, process):
        prepared(context, live_server.url, athlete)
        page = context.new_page()
        page.goto(url)
        start(page)
        tap(page)
        page.wait_for_function("() => window.runstrongSession.sync.stored === 2")
        context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
        tap(page, 2)  # in IndexedDB, not on the server
        holder: Page = context.new_page()
        holder.goto(f"{live_server.url}/")
        holder.evaluate(HOLD_INDEXEDDB)
        tap(page)  # shown and journalled; IndexedDB still waiting
        expect(page.locator("#reps-total")).to_have_text("(100 of 250)")
        entries = page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('runstrong.journal.'))"
            ".map(k => JSON.parse(localStorage.getItem(k))).flat()"
        )
        assert len(entries) == 1
        entry_id = json.dumps({"id": entries[0]["id"]})[1:-1]  # '"id": "…"' as stored
        deadline = time.monotonic() + 30
        while not on_disk(profile, entry_id.replace(": ", ":")):
            assert time.monotonic() < deadline, "the journal never reached the disk"
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    with chromium_on(profile, browser) as (context, _):
        prepared(context, live_server.url, athlete)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(url)
        page.wait_for_selector("#resume-dialog[open]")
        expect(page.locator("#resume-summary")).to_contain_text("100 of 250 reps done")
        page.click("#resume-yes")
        expect(page.locator("#reps-total")).to_have_text("(100 of 250)")
        tap(page, TAPS - 4)
        wait_until_saved(page)
        expect(page.locator("#save-status")).to_have_text("Saved to your history.")
        stored = assert_session_kept_once_and_folded(session.id, page)
        assert stored["reps_done"] == [50, 50, 50, 50, 50]
        assert (
            page.evaluate(
                "() => Object.keys(localStorage).filter(k => k.startsWith('runstrong.journal.'))"
            )
            == []
        )
