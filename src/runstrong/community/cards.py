"""The share card: a 1200×630 PNG of one result, drawn with Pillow (no Django).

``draw_card`` takes plain values (a ``CardData``) and returns PNG bytes, so the
drawing is tested without a database and the service only stores what it
returns. 1200×630 is the size Facebook and X/Twitter show full width
(``summary_large_image``); anything else is cropped or letter-boxed.

Fonts: no network at run time. DejaVu Sans (Debian's fonts-dejavu-core, which
fontconfig, and so Chromium, depends on) covers Latin with accents, Greek and
Cyrillic; Pillow's bundled default (Aileron, plain ASCII only) is the fallback
that always exists.
For each piece of text the first font that has every character is used, so
"José" or "Алёша" draw properly where DejaVu is installed, and a name no font
covers draws as boxes rather than failing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from runstrong.workouts.formatting import MONTHS, format_duration, format_total

# Bump when the drawing changes: stored cards older than this are redrawn.
CARD_VERSION = 1

CARD_WIDTH = 1200
CARD_HEIGHT = 630
MARGIN = 64
INNER_WIDTH = CARD_WIDTH - 2 * MARGIN

# Colours. White on the background is 14.8:1, the muted text 10.9:1 and the
# brand green 9.2:1 (WCAG AA asks 4.5:1); the bar colours only need to differ
# from each other and from the background, since every one is labelled.
BACKGROUND = (10, 46, 31)
INK = (255, 255, 255)
MUTED = (207, 226, 216)
BRAND = (134, 222, 168)
TRACK = (33, 77, 57)
SEGMENTS = (
    (244, 185, 66),  # amber
    (86, 204, 242),  # sky
    (242, 153, 74),  # orange
    (187, 143, 255),  # violet
    (111, 207, 151),  # green
    (235, 111, 111),  # red
)

ELLIPSIS = "…"
SYSTEM_FONTS = {
    False: (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),),
    True: (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),),
}


@dataclass(frozen=True, slots=True)
class CardSplit:
    label: str  # the exercise done in that slot
    ms: int | None  # None: the slot was not reached (a capped result)


@dataclass(frozen=True, slots=True)
class CardData:
    program_name: str
    total_ms: int
    reps_total: int
    capped: bool
    reps_at_cap: int | None
    splits: tuple[CardSplit, ...]
    athlete_name: str
    day: date
    scaled: bool = False
    unverified: bool = False


def total_text(card: CardData) -> str:
    """What the card shows as the result: ``12:34``, or ``CAP + 180`` when the cap fell."""
    return format_total(capped=card.capped, reps_at_cap=card.reps_at_cap, total_ms=card.total_ms)


def subtitle_text(card: CardData) -> str:
    parts = [f"{card.program_name}: {card.reps_total} reps for time"]
    if card.scaled:
        parts.append("scaled")
    if card.unverified:
        parts.append("unverified")
    return " · ".join(parts)


def date_text(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# ---------------------------------------------------------------------------
# Fonts.

Font = ImageFont.FreeTypeFont


@lru_cache(maxsize=64)
def _fonts(size: int, bold: bool) -> tuple[Font, ...]:
    """The fonts to try, best first: an installed DejaVu Sans, then Pillow's own."""
    fonts: list[Font] = [
        ImageFont.truetype(str(path), size) for path in SYSTEM_FONTS[bold] if path.is_file()
    ]
    default = ImageFont.load_default(size=size)
    # Pillow draws with FreeType when it has it (its wheels always do); the
    # bitmap fallback it would otherwise return cannot be sized.
    assert isinstance(default, ImageFont.FreeTypeFont), "Pillow was built without FreeType"
    fonts.append(default)
    return tuple(fonts)


def _ink(font: Font, text: str) -> bytes:
    """The pixels ``text`` draws as, to compare glyphs with the missing-glyph box."""
    left, top, right, bottom = (int(edge) for edge in font.getbbox(text))
    width, height = max(1, right - left), max(1, bottom - top)
    image = Image.new("L", (width, height))
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=255)
    return width.to_bytes(4, "big") + image.tobytes()


@lru_cache(maxsize=8192)
def _has_glyph(font: Font, char: str) -> bool:
    # U+FFFF is a noncharacter: no font maps it, so it draws the font's
    # missing-glyph shape, which any character the font lacks also draws.
    return char.isspace() or _ink(font, char) != _ink(font, "\uffff")


def font_for(text: str, size: int, *, bold: bool = False) -> Font:
    """The first font of the stack that has every character of ``text``; else the
    one that has the most (the rest draw as boxes, which never fails)."""
    fonts = _fonts(size, bold)
    chars = set(text)
    best, best_missing = fonts[0], len(chars) + 1
    for font in fonts:
        missing = sum(not _has_glyph(font, char) for char in chars)
        if missing == 0:
            return font
        if missing < best_missing:
            best, best_missing = font, missing
    return best


def fit(text: str, font: Font, max_width: float) -> str:
    """``text`` as is when it fits in ``max_width`` pixels, else cut with an ellipsis."""
    if font.getlength(text) <= max_width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + ELLIPSIS) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def _sized(text: str, sizes: Sequence[int], max_width: float, *, bold: bool) -> Font:
    """The largest of ``sizes`` at which ``text`` fits, else the smallest."""
    for size in sizes:
        font = font_for(text, size, bold=bold)
        if font.getlength(text) <= max_width:
            return font
    return font_for(text, sizes[-1], bold=bold)


# ---------------------------------------------------------------------------
# Layout. Boxes are (left, top, right, bottom) in pixels; tests use them to
# look at one region of the card.

TOP_ROW_Y = 48
NAME_Y = 108
SUBTITLE_Y = 172
TIME_SIZES = (158, 140, 112)  # the largest at which the total fits the width
TIME_BASELINE = 372
TIME_BOX = (MARGIN, 206, CARD_WIDTH - MARGIN, 386)  # where the total's ink lies
BAR_BOX = (MARGIN, 392, CARD_WIDTH - MARGIN, 436)
LEGEND_Y = 458
LEGEND_ROW = 42
LEGEND_COLUMNS = 2
LEGEND_ROWS = 3


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    fill: tuple[int, int, int],
    *,
    anchor: str = "la",
) -> None:
    draw.text(xy, text, font=font, fill=fill, anchor=anchor)


def _segments(splits: Sequence[CardSplit]) -> list[tuple[int, int, int]]:
    """Pixel extents (left, right, colour index) of each reached split in the stacked bar."""
    reached = [(index, split.ms) for index, split in enumerate(splits) if split.ms]
    total = sum(ms for _, ms in reached if ms)
    if not total:
        return []
    left, right = BAR_BOX[0], BAR_BOX[2]
    gap = 4
    usable = right - left - gap * (len(reached) - 1)
    extents: list[tuple[int, int, int]] = []
    done = 0
    x = float(left)
    for index, ms in reached:
        assert ms is not None
        done += ms
        # Ends from the running sum, so rounding never leaves the bar short.
        end = left + usable * done / total + gap * len(extents)
        extents.append((round(x), round(end), index))
        x = end + gap
    return extents


@dataclass(frozen=True, slots=True)
class LegendEntry:
    x: float
    y: float
    colour: tuple[int, int, int] | None  # None: the "and N more" line
    label: str
    value: str


def legend(splits: Sequence[CardSplit]) -> list[LegendEntry]:
    """A swatch, the exercise and its split for each slot, in order down two columns.

    Six fit; a longer program shows its first five and how many more there are.
    """
    room = LEGEND_COLUMNS * LEGEND_ROWS
    shown = list(splits) if len(splits) <= room else list(splits[: room - 1])
    rows = max(1, -(-len(splits[:room]) // LEGEND_COLUMNS))
    column_width = INNER_WIDTH / LEGEND_COLUMNS
    entries = []
    for index, split in enumerate(shown):
        column, row = divmod(index, rows)
        entries.append(
            LegendEntry(
                x=MARGIN + column * column_width,
                y=LEGEND_Y + row * LEGEND_ROW,
                colour=SEGMENTS[index % len(SEGMENTS)],
                label=split.label,
                value=format_duration(split.ms) if split.ms is not None else "—",
            )
        )
    if len(shown) < len(splits):
        column, row = divmod(len(shown), rows)
        entries.append(
            LegendEntry(
                x=MARGIN + column * column_width,
                y=LEGEND_Y + row * LEGEND_ROW,
                colour=None,
                label=f"and {len(splits) - len(shown)} more",
                value="",
            )
        )
    return entries


def _legend_entry(draw: ImageDraw.ImageDraw, entry: LegendEntry) -> None:
    column_width = INNER_WIDTH / LEGEND_COLUMNS
    swatch = 24
    if entry.colour is not None:
        draw.rectangle(
            (entry.x, entry.y + 5, entry.x + swatch, entry.y + 5 + swatch), fill=entry.colour
        )
    value_font = font_for(entry.value or "0", 30, bold=True)
    right = entry.x + column_width - 32  # a gutter between the columns
    label_left = entry.x + swatch + 14
    label_font = font_for(entry.label, 30)
    room = right - label_left - value_font.getlength(entry.value) - 16
    _text(draw, (label_left, entry.y), fit(entry.label, label_font, max(room, 0)), label_font, INK)
    if entry.value:
        _text(draw, (right, entry.y), entry.value, value_font, INK, anchor="ra")


def draw_card(card: CardData) -> bytes:
    """The card as PNG bytes: brand and date, athlete, program, total, splits bar and legend."""
    image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)

    # Top row: the brand on the left, the date on the right.
    brand_font = font_for("RunStrong", 34, bold=True)
    _text(draw, (MARGIN, TOP_ROW_Y), "RunStrong", brand_font, BRAND)
    day = date_text(card.day)
    _text(draw, (CARD_WIDTH - MARGIN, TOP_ROW_Y), day, font_for(day, 30), MUTED, anchor="ra")

    name_font = font_for(card.athlete_name, 48, bold=True)
    _text(draw, (MARGIN, NAME_Y), fit(card.athlete_name, name_font, INNER_WIDTH), name_font, INK)

    subtitle = subtitle_text(card)
    subtitle_font = font_for(subtitle, 34)
    _text(
        draw, (MARGIN, SUBTITLE_Y), fit(subtitle, subtitle_font, INNER_WIDTH), subtitle_font, MUTED
    )

    # The total, as large as fits: a time is short, "CAP + 1000" is not.
    total = total_text(card)
    total_font = _sized(total, TIME_SIZES, INNER_WIDTH, bold=True)
    total_text_fitted = fit(total, total_font, INNER_WIDTH)
    _text(draw, (MARGIN, TIME_BASELINE), total_text_fitted, total_font, INK, anchor="ls")

    # The splits as one stacked bar, each exercise its colour; slots a capped
    # result never reached have no segment (the legend says "—").
    draw.rounded_rectangle(BAR_BOX, radius=10, fill=TRACK)
    for left, right, index in _segments(card.splits):
        if right > left:
            colour = SEGMENTS[index % len(SEGMENTS)]
            draw.rectangle((left, BAR_BOX[1], right, BAR_BOX[3]), fill=colour)

    for entry in legend(card.splits):
        _legend_entry(draw, entry)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
