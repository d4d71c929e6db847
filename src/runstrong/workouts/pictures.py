"""Exercise pictures: the animated SVGs drawn by ``scripts/draw_exercises.py``.

A picture is a static file named after its exercise's slug. Every exercise of
the built-in catalog has one (a test checks); an exercise from a custom
program file usually has none, and the pages fall back to the body outline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.templatetags.static import static

PICTURES_DIR = Path(__file__).resolve().parent.parent / "static" / "runstrong" / "exercises"


def picture_name(slug: str) -> str:
    """The static name an exercise's picture would have."""
    return f"runstrong/exercises/{slug}.svg"


@cache
def picture_slugs() -> frozenset[str]:
    """Slugs that have a picture; read once, the files only change with a release."""
    return frozenset(path.stem for path in PICTURES_DIR.glob("*.svg"))


def picture_url(slug: str) -> str | None:
    """The URL of an exercise's picture, or None when it has none."""
    if slug not in picture_slugs():
        return None
    return static(picture_name(slug))


def picture_link(slug: str) -> str | None:
    """A lasting address of an exercise's picture, for the terminal, or None.

    The plain name rather than the hashed one: collectstatic keeps both, the
    plain one does not change with the drawing, and it needs no manifest (the
    terminal may run before any collectstatic).
    """
    if slug not in picture_slugs():
        return None
    return f"{settings.STATIC_URL}{picture_name(slug)}"


def picture_names() -> list[str]:
    """Static names of every picture, for the service worker to keep offline."""
    return [picture_name(slug) for slug in sorted(picture_slugs())]
