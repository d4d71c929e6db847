"""Draw RunStrong's app icons (the PNGs the web app manifest names).

The art is the favicon's dumbbell (``static/runstrong/favicon.svg``) on the
site's green, redrawn with Pillow so the PNGs can be made again after a
change of colour or shape: ``.venv/bin/python scripts/draw_icons.py``.

The maskable icon fills its whole square with green and keeps the dumbbell
inside the central circle of 80% of the width, the part every launcher's mask
(circle, squircle, rounded square) is guaranteed to show.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

GREEN = "#0a5c3b"
WHITE = "#ffffff"
OUT = (
    Path(__file__).resolve().parent.parent / "src" / "runstrong" / "static" / "runstrong" / "icons"
)
# Drawn this many times larger, then scaled down: Pillow's shapes have no
# anti-aliasing of their own.
SUPERSAMPLE = 4

# The favicon's shapes on its 64-unit grid: (x, y, width, height, corner radius).
DUMBBELL = (
    (10, 22, 8, 20, 2),  # left plate
    (46, 22, 8, 20, 2),  # right plate
    (18, 29, 28, 6, 1),  # bar
    (4, 27, 6, 10, 2),  # left collar
    (54, 27, 6, 10, 2),  # right collar
)
GRID = 64


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    unit = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        # Full bleed: the launcher cuts its own shape out of the square.
        draw.rectangle((0, 0, big, big), fill=GREEN)
        # The dumbbell's corners reach sqrt(28² + 10²) ≈ 29.7 units from the
        # centre; at 0.8 that is 23.8, inside the safe circle's 25.6 (40% of 64).
        scale = 0.8
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(14 * unit), fill=GREEN)
        scale = 1.0
    centre = GRID / 2
    for x, y, width, height, radius in DUMBBELL:
        left = (centre + (x - centre) * scale) * unit
        top = (centre + (y - centre) * scale) * unit
        right = left + width * scale * unit
        bottom = top + height * scale * unit
        draw.rounded_rectangle((left, top, right, bottom), radius=radius * scale * unit, fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw_icon(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw_icon(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw_icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS puts its own rounded mask on a square and shows transparency as
    # black: the touch icon is full bleed, like the maskable one.
    draw_icon(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
