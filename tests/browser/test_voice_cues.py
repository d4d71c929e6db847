"""The spoken cues of the live session: off by default, remembered per device.

Chromium's speech synthesis is replaced, before any page script runs, by a
recorder (``window.__spoken``), so the tests read what would have been said.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .helpers import new_session, ready_device, session_url, shown_result, start, tap

pytestmark = pytest.mark.usefixtures("catalog_synced")

RECORD_SPEECH = """
window.__spoken = [];
window.__cancelled = 0;
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (utterance) => { window.__spoken.push(utterance.text); };
  window.speechSynthesis.cancel = () => { window.__cancelled += 1; };
}
"""
NO_SPEECH = "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"
VOICE_ON = "try { localStorage.setItem('runstrong.voice', '1'); } catch (error) {}"

# Runner's 250 in sets of 25: two taps a slot, five slots.
TAPS = 10


def spoken(page: Page) -> list[str]:
    """What was said aloud (the silent utterance that unlocks speech on Safari is left out)."""
    return [text for text in page.evaluate("() => window.__spoken") if text]


def wait_to_hear(page: Page, count: int) -> list[str]:
    page.wait_for_function("count => window.__spoken.filter(Boolean).length >= count", arg=count)
    return spoken(page)


def open_session(
    live_server: Any,
    athlete: Any,
    context: BrowserContext,
    *scripts: str,
    errors: list[str] | None = None,
) -> Page:
    ready_device(context, live_server.url, athlete)
    for script in scripts:
        context.add_init_script(script)
    page = context.new_page()
    if errors is not None:
        page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(session_url(live_server.url, new_session(athlete)))
    return page


def test_with_the_voice_off_by_default_nothing_is_spoken(
    live_server: Any, athlete: Any, context: BrowserContext
) -> None:
    page = open_session(live_server, athlete, context, RECORD_SPEECH)
    start(page)
    expect(page.locator("#voice-run")).not_to_be_checked()
    tap(page, TAPS)
    shown_result(page)
    page.wait_for_timeout(200)  # speech would come a frame after the screen
    assert page.evaluate("() => window.__spoken") == []


def test_the_voice_switch_is_a_large_labelled_checkbox_remembered_after_a_reload(
    live_server: Any, athlete: Any, context: BrowserContext
) -> None:
    page = open_session(live_server, athlete, context, RECORD_SPEECH)
    switch = page.get_by_label("Spoken cues")
    expect(switch).not_to_be_checked()
    box = page.locator("label.voice-label").first.bounding_box()
    assert box is not None and box["height"] >= 44

    switch.check()
    assert page.evaluate("() => localStorage.getItem('runstrong.voice')") == "1"
    page.reload()
    expect(page.get_by_label("Spoken cues")).to_be_checked()
    start(page)
    expect(page.get_by_label("Voice")).to_be_checked()

    page.get_by_label("Voice").uncheck()
    page.reload()
    page.wait_for_selector("#resume-yes")
    expect(page.locator("#voice")).not_to_be_checked()


def test_the_voice_names_each_exercise_its_halfway_once_and_the_finish_time(
    live_server: Any, athlete: Any, context: BrowserContext
) -> None:
    page = open_session(live_server, athlete, context, RECORD_SPEECH, VOICE_ON)
    start(page)
    assert wait_to_hear(page, 1) == ["Mountain climbers, 50 reps — hands under the shoulders."]

    tap(page)  # 25 of 50: halfway
    assert wait_to_hear(page, 2)[-1] == "Halfway, 25 to go — hands under the shoulders."
    page.click("#undo")
    page.wait_for_function("() => window.runstrongSession.state.sets.length === 0")
    tap(page)  # halfway again after an undo: not said twice
    tap(page)  # the slot is done: the next exercise
    heard = wait_to_hear(page, 3)
    assert heard[2:] == ["Calf raises, 50 reps — rise up briskly."]

    tap(page, TAPS - 2)
    total_ms = shown_result(page)["total_ms"]
    heard = wait_to_hear(page, 11)  # the start, 4 changes, 5 halfways, the finish
    assert heard.count("Halfway, 25 to go — hands under the shoulders.") == 1
    assert sum(line.startswith("Halfway") for line in heard) == 5
    seconds = total_ms // 1000
    assert heard[-1] == f"Finished in {seconds} second{'' if seconds == 1 else 's'}."
    # Every cue first cuts off whatever was still queued.
    assert page.evaluate("() => window.__cancelled") >= len(heard)


def test_a_browser_without_speech_synthesis_runs_the_workout_with_the_voice_on(
    live_server: Any, athlete: Any, context: BrowserContext
) -> None:
    errors: list[str] = []
    page = open_session(live_server, athlete, context, NO_SPEECH, VOICE_ON, errors=errors)
    start(page)
    assert page.evaluate("() => 'speechSynthesis' in window") is False
    expect(page.get_by_label("Voice")).to_be_checked()
    tap(page, TAPS)
    shown = shown_result(page)
    assert re.fullmatch(r"250 reps · .*", shown["meta"] or "")
    assert errors == []
