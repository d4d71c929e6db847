"""Pages as a person sees them on a phone (and a few on a wide screen): nothing
wider than the screen, no table cut off at its edge, button and table text
that reads as one paragraph (no two columns, no name broken mid-word), chart
labels clear of each other, menus that show their whole choice, and every
control a 44 px target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import BrowserContext, Page

from runstrong.runs import services as runs
from tests.community.social_helpers import finished
from tests.runs.conftest import ACTIVITIES
from tests.workouts.factories import complete_session

from .helpers import log_in, new_session
from .test_navigation import DESKTOP, PHONE

pytestmark = pytest.mark.usefixtures("catalog_synced")

# The screenshots' runs (scripts/screenshots.py): 2010 to 2017, a ride, an unknown sport.
RUN_FILES = [
    "fit/garmin-fenix-5-run.fit",
    "fit/activity-small-fenix2-run.fit",
    "tcx/test.tcx",
    "gpx/cerknicko-jezero.gpx",
    "fit/garmin-fenix-5-bike.fit",
]
CLUBMATES = ["Sam Okafor", "Casey Lin", "Priya Shah", "Jonas Berg"]
# With strength work in 2025 the trend spans ten years; the board has five names.
STRENGTH_DAY = datetime(2025, 10, 9, 18, 0, tzinfo=UTC)

# Each page, at a size, and what must be on it for the checks to mean something.
PAGES = [
    pytest.param("/", PHONE, "a.button:has-text('Resume your unfinished')", id="home"),
    pytest.param("/programs/runners-250/", PHONE, "a.button:has-text('Resume your')", id="program"),
    pytest.param("/boards/runners-250/", PHONE, ".board-table", id="board"),
    pytest.param("/boards/runners-250/", DESKTOP, ".board-filters select", id="board-desktop"),
    pytest.param("/runs/", PHONE, ".runs-table", id="runs"),
    pytest.param("/runs/", DESKTOP, ".runs-table", id="runs-desktop"),
    pytest.param("/runs/trend/", PHONE, "#trend-chart text", id="trend"),
    pytest.param("/runs/upload/", PHONE, "input[type=file]", id="upload"),
]

# Every word of the elements' text, with the line boxes it sits on, in DOM order.
WORDS_JS = """
selector => [...document.querySelectorAll(selector)].filter(el => el.offsetParent).map(el => {
  const words = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('.visually-hidden')) continue;
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      if (rects.length) words.push({text: match[0], tops: rects.map(r => r.top)});
    }
  }
  return {element: el.outerHTML.slice(0, 80), words};
})
"""

OVERFLOWS_JS = """
() => ({
  page: document.scrollingElement.scrollWidth - window.innerWidth,
  tables: [...document.querySelectorAll('.table-scroll')]
    .filter(box => box.scrollWidth > box.clientWidth + 1)
    .map(box => `${box.getAttribute('aria-label') || box.firstElementChild.className}: `
      + `${box.scrollWidth} > ${box.clientWidth}`),
})
"""

SMALL_TARGETS_JS = """
() => [...document.querySelectorAll(
  'main a.button, main button, main select, '
  + 'main input:not([type=hidden]):not([type=radio]):not([type=checkbox])'
)].filter(el => el.offsetParent).map(el => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([html, box]) => `${html} ${box.width}x${box.height}`)
"""

# A menu shows its choice whole: the chosen text, its padding and the arrow
# (about 20 px in Chromium) fit inside the box.
CUT_MENUS_JS = """
() => {
  const context = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('main select')].filter(el => el.offsetParent).map(select => {
    const style = getComputedStyle(select);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = select.selectedOptions[0].textContent;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    return [text, context.measureText(text).width, select.clientWidth - padding - 20];
  }).filter(([, needed, room]) => needed > room)
    .map(([text, needed, room]) => `${text}: ${needed} > ${room}`);
}
"""

CHART_LABELS_JS = """
() => [...document.querySelectorAll('main svg')].flatMap(svg => {
  const boxes = [...svg.querySelectorAll('text')]
    .map(text => [text.textContent, text.getBoundingClientRect()])
    .filter(([, box]) => box.width > 0);
  const clashes = [];
  boxes.forEach(([a, one], i) => boxes.slice(i + 1).forEach(([b, two]) => {
    if (one.left < two.right - 0.5 && two.left < one.right - 0.5
        && one.top < two.bottom - 0.5 && two.top < one.bottom - 0.5) clashes.push(`${a} / ${b}`);
  }));
  return clashes;
})
"""


def _text_flow_problems(page: Page, selector: str) -> list[str]:
    """Words broken across lines, and text whose reading order goes back up a
    line (two flex items wrapping side by side read as two columns)."""
    problems = []
    for item in page.evaluate(WORDS_JS, selector):
        line_top = -1.0
        for word in item["words"]:
            tops = word["tops"]
            if max(tops) - min(tops) > 2:
                problems.append(f"{word['text']!r} broken across lines in {item['element']}")
            if tops[0] < line_top - 2:
                problems.append(f"{word['text']!r} read after the line below in {item['element']}")
            line_top = max(line_top, tops[0])
    return problems


@pytest.fixture
def seeded(athlete: Any) -> Any:
    """The athlete of the screenshots: runs over seven years, a result on a board
    of five, strength work in 2025, and a workout left unfinished."""
    athlete.display_name = "Alex Moreno"
    athlete.save(update_fields=["display_name"])
    users = get_user_model()
    for name in CLUBMATES:
        first = name.split()[0].lower()
        person = users.objects.create_user(first, f"{first}@example.com", "correct horse battery")
        person.display_name = name
        person.save(update_fields=["display_name"])
        finished(person)
    finished(athlete)
    complete_session(athlete, start_at=int(STRENGTH_DAY.timestamp() * 1000))
    files = [(Path(name).name, (ACTIVITIES / name).read_bytes()) for name in RUN_FILES]
    runs.batch_import(athlete=athlete, files=files)
    new_session(athlete)
    return athlete


@pytest.mark.parametrize(("path", "size", "present"), PAGES)
def test_pages_fit_the_screen_and_their_text_reads_in_order(
    live_server: Any,
    seeded: Any,
    new_context: Callable[..., BrowserContext],
    path: str,
    size: dict[str, Any],
    present: str,
) -> None:
    context = new_context(**size)
    log_in(context, live_server.url, seeded)
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    assert page.locator(present).count() >= 1, present

    overflow = page.evaluate(OVERFLOWS_JS)
    assert overflow["page"] <= 0, f"the page is {overflow['page']} px wider than the screen"
    assert overflow["tables"] == [], "tables cut off at the screen's edge"
    assert _text_flow_problems(page, "main .button, main .data-table th, main .data-table td") == []
    assert page.evaluate(CHART_LABELS_JS) == [], "chart labels on top of each other"
    assert page.evaluate(CUT_MENUS_JS) == [], "menus that cut their choice short"
    assert page.evaluate(SMALL_TARGETS_JS) == [], "controls smaller than 44 × 44 px"


def test_a_board_of_long_names_fits_a_phone_and_its_caption_is_never_cut(
    live_server: Any, athlete: Any, new_context: Callable[..., BrowserContext]
) -> None:
    """Names and core exercises wrap between their words, so a board of long
    names stays on a phone's screen without a name broken mid-word (at 390 px a
    name's words of up to about ten letters fit); a longer word makes the table
    scroll sideways in its labelled region, and the caption above it stays whole."""
    users = get_user_model()

    def on_the_board(username: str, name: str) -> None:
        person = users.objects.create_user(username, f"{username}@example.com", "a passphrase")
        person.display_name = name
        person.save(update_fields=["display_name"])
        finished(person)

    on_the_board("maxi", "Maxime de la Fuente Worthing")
    on_the_board("bart", "Bart Okonkwo Castellano")
    athlete.display_name = "Fan <i>Club</i> of the Tuesday Track"
    athlete.save(update_fields=["display_name"])
    finished(athlete)
    context = new_context(**PHONE)
    log_in(context, live_server.url, athlete)
    page = context.new_page()
    width = PHONE["viewport"]["width"]

    def caption_right() -> float:
        box = page.locator("#board-caption").bounding_box()
        assert box is not None
        return float(box["x"] + box["width"])

    page.goto(f"{live_server.url}/boards/runners-250/")
    assert page.locator(".board-table tbody tr").count() == 3
    overflow = page.evaluate(OVERFLOWS_JS)
    assert overflow["page"] <= 0 and overflow["tables"] == [], overflow
    assert _text_flow_problems(page, "main .data-table th, main .data-table td") == []
    assert caption_right() <= width
    assert page.get_by_role("table", name="Runner's 250, as prescribed").count() == 1

    on_the_board("hugh", "Hugh Featherstonehaugh-Wolstenholme")
    page.reload()
    assert page.locator(".board-table tbody tr").count() == 4
    assert page.evaluate(OVERFLOWS_JS)["page"] <= 0
    assert caption_right() <= width
    assert "4 athletes" in str(page.text_content("#board-caption"))
