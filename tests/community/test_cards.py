"""The share card drawing: size, real content, the time where it should be, any name."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from PIL import Image, ImageChops

from runstrong.community import cards
from runstrong.community.cards import CardData, CardSplit

SPLITS = (
    CardSplit("Mountain climbers", 95_000),
    CardSplit("Calf raises", 140_000),
    CardSplit("Donkey kicks", 120_000),
    CardSplit("Squat-to-curl", 260_000),
    CardSplit("Back extensions", 150_000),
)
CARD = CardData(
    program_name="Runner's 250",
    total_ms=18 * 60_000 + 42_300,
    reps_total=250,
    capped=False,
    reps_at_cap=None,
    splits=SPLITS,
    athlete_name="Alex Runner",
    day=date(2025, 10, 9),
)


def image_of(card: CardData) -> Image.Image:
    png = cards.draw_card(card)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels of ``box`` differ from the background."""
    region = image.convert("RGB").crop(box)
    background = Image.new("RGB", region.size, cards.BACKGROUND)
    difference = ImageChops.difference(region, background).convert("L")
    return sum(difference.histogram()[41:])  # clearly different, not just anti-aliasing


def changed_box(first: Image.Image, second: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.difference(first.convert("RGB"), second.convert("RGB")).getbbox()


def inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return box[0] >= outer[0] and box[1] >= outer[1] and box[2] <= outer[2] and box[3] <= outer[3]


def test_card_is_a_1200_by_630_png() -> None:
    image = image_of(CARD)
    assert image.format == "PNG"
    assert image.size == (1200, 630)


def test_card_is_not_blank() -> None:
    image = image_of(CARD).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None
    # Background, white and muted text with their anti-aliasing, and a colour per split.
    assert len(colours) > 50
    most_common_share = max(count for count, _ in colours) / (1200 * 630)
    assert most_common_share < 0.9
    for colour in cards.SEGMENTS[: len(SPLITS)]:
        assert any(found == colour for _, found in colours), f"no bar segment in {colour}"


def test_card_shows_the_time_in_the_time_area_and_nowhere_else() -> None:
    """Only the time differs between these two cards, so every pixel that changes
    must lie in the time area, and that area must hold the digits' ink."""
    slower = dataclasses.replace(CARD, total_ms=25 * 60_000 + 7_000)
    first, second = image_of(CARD), image_of(slower)
    changed = changed_box(first, second)
    assert changed is not None, "the time is not drawn"
    assert inside(changed, cards.TIME_BOX)
    assert ink(first, cards.TIME_BOX) > 5_000  # big digits, not a stray pixel


def test_card_draws_the_time_as_shown_to_a_person() -> None:
    """18:42.3 and 18:42.9 both read 18:42: the card draws the formatted time."""
    assert cards.total_text(CARD) == "18:42"
    same_minute = dataclasses.replace(CARD, total_ms=CARD.total_ms + 600)
    assert changed_box(image_of(CARD), image_of(same_minute)) is None


def test_capped_card_shows_cap_and_reps() -> None:
    capped = dataclasses.replace(
        CARD,
        capped=True,
        reps_at_cap=183,
        total_ms=60 * 60_000,
        splits=(*SPLITS[:3], CardSplit("Squat-to-curl", None), CardSplit("Back extensions", None)),
    )
    assert cards.total_text(capped) == "CAP + 183"
    more_reps = dataclasses.replace(capped, reps_at_cap=191)
    changed = changed_box(image_of(capped), image_of(more_reps))
    assert changed is not None
    assert inside(changed, cards.TIME_BOX)


def test_split_change_moves_the_bar_and_the_legend_not_the_time() -> None:
    faster_calves = dataclasses.replace(
        CARD, splits=(SPLITS[0], CardSplit("Calf raises", 100_000), *SPLITS[2:])
    )
    changed = changed_box(image_of(CARD), image_of(faster_calves))
    assert changed is not None
    assert changed[1] >= cards.BAR_BOX[1]  # below the time


def test_name_and_date_are_drawn() -> None:
    renamed = dataclasses.replace(CARD, athlete_name="Sam Other")
    changed = changed_box(image_of(CARD), image_of(renamed))
    assert changed is not None and changed[3] < cards.SUBTITLE_Y
    other_day = dataclasses.replace(CARD, day=date(2025, 10, 10))
    changed = changed_box(image_of(CARD), image_of(other_day))
    assert changed is not None and changed[3] < cards.NAME_Y


def test_long_text_is_cut_with_an_ellipsis_inside_the_margins() -> None:
    font = cards.font_for("x", 48, bold=True)
    long_name = "Bartholomew " * 20
    cut = cards.fit(long_name, font, 500)
    assert cut.endswith("…")
    assert font.getlength(cut) <= 500
    assert cards.fit("Alex", font, 500) == "Alex"

    image = image_of(dataclasses.replace(CARD, athlete_name=long_name, program_name=long_name))
    right_margin = (cards.CARD_WIDTH - cards.MARGIN + 2, 0, cards.CARD_WIDTH, cards.CARD_HEIGHT)
    assert ink(image, right_margin) == 0


@pytest.mark.parametrize(
    "name",
    [
        "José Álvarez-Ñúñez",
        "Алёша Карамазов",
        "Γιώργος",
        "山田太郎",
        "محمد",
        "🏃‍♀️ Kim",
        "e\u0301\u0301\u0301",
        "",
    ],
)
def test_any_name_draws(name: str) -> None:
    image = image_of(dataclasses.replace(CARD, athlete_name=name))
    assert image.size == (1200, 630)
    name_row = (cards.MARGIN, cards.NAME_Y, cards.CARD_WIDTH - cards.MARGIN, cards.SUBTITLE_Y)
    assert (ink(image, name_row) > 0) == bool(name)


def test_the_chosen_font_has_every_letter_when_any_font_does() -> None:
    for text in ("José", "Алёша", "Γιώργος", "RunStrong"):
        chosen = cards.font_for(text, 40)
        some_font_has_all = any(
            all(cards._has_glyph(font, char) for char in text) for font in cards._fonts(40, False)
        )
        assert all(cards._has_glyph(chosen, char) for char in text) == some_font_has_all


def test_missing_glyphs_are_recognised() -> None:
    pillow_default = cards._fonts(40, False)[-1]
    assert cards._has_glyph(pillow_default, "A")
    assert not cards._has_glyph(pillow_default, "Ж")  # Pillow's own font is ASCII only


def test_a_long_program_lists_its_first_slots_and_how_many_more() -> None:
    many = tuple(CardSplit(f"Exercise {n}", 30_000) for n in range(1, 11))
    entries = cards.legend(many)
    assert [entry.label for entry in entries] == [
        "Exercise 1",
        "Exercise 2",
        "Exercise 3",
        "Exercise 4",
        "Exercise 5",
        "and 5 more",
    ]
    assert image_of(dataclasses.replace(CARD, splits=many)).size == (1200, 630)
