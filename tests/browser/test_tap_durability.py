"""A tap is painted before IndexedDB has stored it: what happens in between.

The page journals the tap (localStorage, synchronous), paints it and hands it
to IndexedDB in the same task. These tests hold IndexedDB back, or make it
refuse, to show the two ways that can end: the tab dies before IndexedDB
stored the tap (the next page replays the journal, so the tap is there), or
IndexedDB refuses it (the screen takes the tap back and says so).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from runstrong.workouts.models import SessionEvent, WorkoutSession

from .helpers import new_session, ready_device, session_url, start, tap

pytestmark = pytest.mark.usefixtures("catalog_synced")

# Holds a read-write transaction on the session log open, request after
# request, so every other tab's write waits behind it until released.
HOLD_INDEXEDDB = """
() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("runstrong");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const transaction = db.transaction(["events"], "readwrite");
    const events = transaction.objectStore("events");
    window.releaseIndexedDB = false;
    const keepBusy = () => {
      if (window.releaseIndexedDB) return;
      events.count().onsuccess = keepBusy;
    };
    keepBusy();
    transaction.oncomplete = () => db.close();
    resolve();
  };
})
"""

# Records every text the rep total shows, to prove a tap was painted.
WATCH_TOTAL = """
() => {
  window.totalsShown = [];
  const total = document.getElementById('reps-total');
  new MutationObserver(() => window.totalsShown.push(total.textContent))
    .observe(total, { childList: true, characterData: true, subtree: true });
}
"""


def stored_events(session: WorkoutSession) -> int:
    return SessionEvent.objects.filter(session=session).count()


def wait_for_server(page: Page, session: WorkoutSession, count: int) -> None:
    page.wait_for_function(
        "count => window.runstrongSession.sync.stored >= count"
        " && document.getElementById('sync-badge').hidden",
        arg=count,
    )
    assert stored_events(session) == count


def journal(page: Page) -> list[str]:
    return list(
        page.evaluate(
            "() => Object.keys(localStorage).filter(key => key.startsWith('runstrong.journal.'))"
        )
    )


def test_a_tap_shown_then_the_tab_killed_before_indexeddb_stored_it_is_there_on_reopening(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    session = new_session(athlete)
    url = session_url(live_server.url, session)
    page.goto(url)
    start(page)
    tap(page, 1)
    wait_for_server(page, session, 2)

    holder = context.new_page()
    holder.goto(f"{live_server.url}/")
    holder.evaluate(HOLD_INDEXEDDB)
    tap(page, 1)  # waits for the screen only
    expect(page.locator("#reps-total")).to_have_text("(50 of 250)")
    assert len(journal(page)) == 1  # journalled, IndexedDB still waiting
    # Closed at once (no beforeunload): IndexedDB never gets to store the tap.
    page.close()
    holder.evaluate("() => { window.releaseIndexedDB = true; }")
    holder.close()

    reopened = context.new_page()
    reopened.goto(url)
    reopened.wait_for_selector("#resume-dialog[open]")
    assert "50 of 250 reps done" in str(reopened.text_content("#resume-summary"))
    reopened.click("#resume-yes")
    expect(reopened.locator("#reps-total")).to_have_text("(50 of 250)")
    wait_for_server(reopened, session, 3)
    assert journal(reopened) == []


def test_a_tap_indexeddb_refuses_after_it_was_shown_is_taken_back_with_a_message(
    live_server: Any, athlete: Any, context: BrowserContext, page: Page
) -> None:
    ready_device(context, live_server.url, athlete)
    session = new_session(athlete)
    page.goto(session_url(live_server.url, session))
    start(page)
    tap(page, 1)
    wait_for_server(page, session, 2)

    page.evaluate(WATCH_TOTAL)
    page.evaluate(
        "() => { IDBObjectStore.prototype.add = function () {"
        " throw new DOMException('the disk is full', 'QuotaExceededError'); }; }"
    )
    page.click("#tap")
    page.wait_for_selector("#live[data-rolled-back='1']")

    assert page.evaluate("() => window.totalsShown") == ["(50 of 250)", "(25 of 250)"]
    expect(page.locator("#reps-total")).to_have_text("(25 of 250)")
    expect(page.locator("#slot-left")).to_have_text("25")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("could not be stored on this phone, so it does not count")
    expect(notice).to_contain_text("the disk is full")
    assert journal(page) == []
    # Nothing reached the server either, and a reload shows the same.
    page.reload()
    page.wait_for_selector("#resume-dialog[open]")
    assert "25 of 250 reps done" in str(page.text_content("#resume-summary"))
    assert stored_events(session) == 2
