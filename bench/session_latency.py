"""Live session page: tap → screen-updated latency at 4× CPU throttling, and page weight.

Run (from the repository root, after scripts/test or scripts/run has set up .venv):

    .venv/bin/python bench/session_latency.py [--taps 60] [--throttle 4]

It starts ``runstrong serve`` (gunicorn + WhiteNoise, static files collected,
hashed and gzip-compressed, as in production) on a free port with a throwaway
data folder, creates an athlete and a Runner's 500 session, opens the session
page in Debian's Chromium (390×844) with CDP ``Emulation.setCPUThrottlingRate``
and taps the big button: mouse down, wait for the screen, mouse up, 250 ms
apart. A set counts on ``pointerdown``, so each tap is timed from that event's
timestamp to (a) the rep count changing in the DOM and (b) the first animation
frame after it. A tap is painted in the press's task once it is journalled
(``localStorage``, synchronous); the IndexedDB commit follows the frame (see
``src/runstrong/workouts/live_session.md``), so neither figure includes it. The
page weight is the document plus every resource the page loaded by the first
set (the first exercise's picture included), as transferred
(``encodedBodySize``: compressed where the server compressed; the HTML itself
is not, Django sends it plain).

Goals: p95 ≤ 16 ms; ≤ 60 KB transferred.

Last figures (2 cores, Chromium headless, no GPU, 90 taps a run; 5 Dec 2026,
18:57-19:21, nothing else running, load 0.3-2.1), seven runs at 4×:
    pointerdown → DOM changed  p50 4.3-4.9 ms   p95 6.6-8.4 ms
    pointerdown → next frame   p50 7.3-8.0 ms   p95 11.1, 12.5, 13.7, 11.2, 11.8,
                                                    13.5, 14.6 ms (max 13.8-17.7)
    at 5× (two runs, for the margin): next frame p95 13.5, 14.7 ms
    page weight: 49.9 KB transferred (123.0 KB uncompressed)
Goal met in every run. The page is the one measured earlier the same day at
09:17-11:20 (next frame p95 13.3-17.8 ms on a quiet machine, 19-52 ms while
test suites shared the cores): the machine was slower then (bench/boards.py's
no-op page answered 1,600-2,100 requests/s then, ~2,600 now), and CDP's
throttling slows whatever the host does by the same factor, so the figure
follows the host; at 5× today it is still under the goal.
Earlier the same day, alternating with the page as it was before the press
took no default and the numbers changed in their text nodes (next frame p95):
before 21.3, 19.2, 19.1; after 19.0, 17.9, 16.2. Earlier still: 1× next frame
p50 3.0 ms, p95 8.2 ms. Before the tap journal, at 4×: DOM changed p95 26.9 ms,
next frame p95 38.0 ms.

A page whose press only changed the text was ~3 ms faster at p50: all the page
could still remove, its durability rule included (live_session.md). A trace of
the taps (CDP tracing, devtools.timeline) shows where a tap's ~10 ms goes at
4×: ~1 ms of the browser's own input routing and hit test before the page sees
the press, ~2.7 ms of the page's script (plan, journal, render), then, still in
the same input task, a style and layout pass of the whole page (2-4 ms:
Chromium updates hover and active state after a press) before the frame can
start. Putting the changed numbers in size-contained boxes made those layouts
partial but the taps slower (p95 16.4-20.5 ms), so it was taken out; see
live_session.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from local_servers import free_port

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"
CHROMIUM = os.environ.get("RUNSTRONG_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Installed in the page before tapping: records pointerdown → next frame after
# the rep total changes. performance.now() and event.timeStamp share a clock.
PROBE = """
() => {
  window.__latencies = [];  // [to the DOM change, to the next frame] per tap
  let pressedAt = null;
  document.getElementById('tap').addEventListener(
    'pointerdown', (event) => { pressedAt = event.timeStamp; }, { capture: true });
  new MutationObserver(() => {
    if (pressedAt === null) return;
    const start = pressedAt;
    pressedAt = null;
    const changed = performance.now() - start;
    requestAnimationFrame(() => window.__latencies.push([changed, performance.now() - start]));
  }).observe(document.getElementById('reps-total'),
             { childList: true, characterData: true, subtree: true });
}
"""

WEIGHT = """
() => {
  const entries = [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ];
  return entries.map((entry) => ({
    name: entry.name,
    encoded: entry.encodedBodySize,
    decoded: entry.decodedBodySize,
    transfer: entry.transferSize,
  }));
}
"""


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def prepare(data: Path) -> tuple[str, str]:
    """An athlete, their session and a logged-in cookie, written straight to the database."""
    os.environ["RUNSTRONG_DATA"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "runstrong.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from runstrong.workouts import services
    from runstrong.workouts.models import Program

    athlete = get_user_model().objects.create_user(
        "bench", "bench@example.com", "a passphrase for the bench"
    )
    session = services.session_start(
        athlete=athlete, program=Program.objects.get(slug="runners-500")
    )
    client = Client()
    client.force_login(athlete)
    return str(session.id), client.cookies[settings.SESSION_COOKIE_NAME].value


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run(taps: int, throttle: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="runstrong-bench-") as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "RUNSTRONG_DATA": str(data), "DEBUG": "false"}
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [str(RUNSTRONG), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(base + "/")
            session_id, cookie = prepare(data)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
                )
                context = browser.new_context(viewport={"width": 390, "height": 844})
                context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
                context.add_init_script(
                    "try { localStorage.setItem('runstrong.setSize', '5');"
                    " localStorage.setItem('runstrong.leadIn', '0'); } catch (e) {}"
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                page.goto(f"{base}/sessions/{session_id}/", wait_until="networkidle")
                page.wait_for_selector("#live[data-view='ready']")

                page.click("#start")
                page.wait_for_selector("#live[data-view='run']")
                # The weight with the first exercise's picture, which the
                # page loads once the workout is on.
                page.wait_for_function(
                    "() => { const img = document.getElementById('exercise-picture');"
                    " return !img || img.hidden || (img.complete && img.naturalWidth > 0); }"
                )
                weight = page.evaluate(WEIGHT)
                page.evaluate(PROBE)
                box = page.locator("#tap").bounding_box()
                assert box is not None
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                for done in range(taps):
                    # Press, rest on the glass as a finger does (~150 ms), and
                    # lift once the screen has changed. The check polls on a
                    # timer, not on animation frames: Playwright's frame
                    # polling would add its own callback to the frame timed.
                    page.mouse.down()
                    page.wait_for_timeout(150)
                    page.wait_for_function(
                        "n => window.__latencies.length > n", arg=done, polling=50
                    )
                    page.mouse.up()
                    # Athletes tap seconds apart; leave the sync request room to run.
                    page.wait_for_timeout(250)
                latencies: list[list[float]] = page.evaluate("() => window.__latencies")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {"latencies": latencies, "weight": weight}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=60, help="taps to time (≤ 100)")
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slow-down factor")
    args = parser.parse_args()
    if not 1 <= args.taps <= 100:
        sys.exit("--taps must be between 1 and 100 (the Runner's 500 in sets of 5)")
    if not RUNSTRONG.exists():
        sys.exit(f"{RUNSTRONG} is missing: run scripts/test or scripts/run first")

    figures = run(args.taps, args.throttle)
    weight = figures["weight"]
    print(f"tap latency, {len(figures['latencies'])} taps at {args.throttle:g}× CPU throttling:")
    for label, index in (("pointerdown → DOM changed", 0), ("pointerdown → next frame", 1)):
        latencies = [pair[index] for pair in figures["latencies"]]
        print(
            f"  {label:26} p50 {statistics.median(latencies):5.1f} ms   "
            f"p95 {percentile(latencies, 0.95):5.1f} ms   max {max(latencies):5.1f} ms"
        )
    print("  (goal: p95 ≤ 16 ms)")
    encoded = sum(entry["encoded"] for entry in weight)
    decoded = sum(entry["decoded"] for entry in weight)
    print(f"session page weight, {len(weight)} requests:")
    for entry in weight:
        name = entry["name"].split("/", 3)[-1]
        print(f"  {entry['encoded'] / 1024:6.1f} KB  ({entry['decoded'] / 1024:5.1f} KB)  /{name}")
    print(
        f"  {encoded / 1024:6.1f} KB transferred ({decoded / 1024:.1f} KB uncompressed)"
        "   (goal: ≤ 60 KB)"
    )


if __name__ == "__main__":
    main()
