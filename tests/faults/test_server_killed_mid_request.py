"""Fault 3: the server dies between receiving events and answering.

A whole workout is done offline in sets of 1 (252 events), so that when the
network returns the page sends them in batches of 100, each event its own
transaction on the server. While the first batch is being stored, the test
freezes every gunicorn process (SIGSTOP), checks that part of the batch is
in the database and that no answer reached the page, and kills them all
(SIGKILL): received, partly stored, never answered. Then ``runstrong serve``
starts again on the same data; the page, which cannot know how much arrived,
sends the whole batch again, and the server keeps each event once.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Request, Response, expect

from tests.browser.helpers import start, use_preferences, wait_for_view

from .checks import assert_kept_once_and_folded, phone_log
from .served import Served, stored_event_count

REPS = 250
EVENTS = REPS + 2  # start, 250 sets of 1, finish
BATCH = 100  # sync.js sends at most this many events a request

TAP_ALL = """
async (times) => {
  const live = window.runstrongSession;
  const button = document.getElementById('tap');
  for (let i = 0; i < times; i += 1) {
    const before = live.events.length;
    button.click();  // a click with no pointer press: the keyboard's way to tap
    while (live.events.length === before) await new Promise((r) => setTimeout(r, 0));
  }
}
"""


def test_server_killed_after_receiving_events_and_before_answering_loses_and_doubles_nothing(
    served: Served, new_context: Callable[..., BrowserContext]
) -> None:
    session_id = served.seed()
    context = new_context()
    served.log_in(context)
    use_preferences(context, set_size=1)
    page = context.new_page()
    posts: list[int] = []  # the first seq of every batch the page posted
    answers: list[tuple[int, int]] = []  # (first seq, status) of every answer the page got

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/events"):
            posts.append(int(request.post_data_json["events"][0]["seq"]))

    def on_response(response: Response) -> None:
        if response.request.method == "POST" and response.url.endswith("/events"):
            answers.append(
                (int(response.request.post_data_json["events"][0]["seq"]), response.status)
            )

    page.on("request", on_request)
    page.on("response", on_response)
    page.goto(f"{served.url}/sessions/{session_id}/")

    context.set_offline(True)
    start(page)
    page.evaluate(TAP_ALL, REPS)
    wait_for_view(page, "done")
    expect(page.locator("#sync-badge")).to_have_text(f"offline — {EVENTS} taps waiting")
    assert stored_event_count(served, session_id) == 0

    # The network returns; freeze the server as soon as the first batch is
    # part stored, then kill it.
    context.set_offline(False)
    deadline = time.monotonic() + 30
    while (held := stored_event_count(served, session_id)) == 0:
        assert time.monotonic() < deadline, "the page never sent its events"
    served.signal_all(signal.SIGSTOP)
    frozen = stored_event_count(served, session_id)
    assert 0 < held <= frozen < BATCH, "not caught inside the first batch"
    page.wait_for_timeout(300)  # an answer already on its way would arrive now
    assert answers == [], "the server answered before it was killed"
    served.kill()

    # The athlete is told, in words that do not blame the network.
    expect(page.locator("#sync-badge")).to_have_text(
        f"server not answering — {EVENTS} taps waiting", timeout=20_000
    )
    expect(page.locator("#save-status")).to_have_text(
        "Saved on this phone. The server is not answering; it will be posted as soon as it does."
    )
    assert stored_event_count(served, session_id) == frozen  # the kill wrote nothing more

    served.start()
    # The page retries on its own, backing off up to 30 s between tries.
    page.wait_for_selector("#save-status[data-saved='yes']", timeout=60_000)
    expect(page.locator("#save-status")).to_have_text("Saved to your history.")
    expect(page.locator("#sync-badge")).to_be_hidden()

    # The page sent the first batch again (it could not know what arrived),
    # the restarted server answered it, and kept each event once.
    assert posts.count(0) >= 2, posts
    assert (0, 200) in answers, answers
    ledger = served.ledger(session_id)
    stored = assert_kept_once_and_folded(ledger, phone_log(page))
    assert len(ledger["events"]) == EVENTS
    assert stored["reps_done"] == [50, 50, 50, 50, 50]
