"""The web app manifest that makes RunStrong installable, as the server sends it."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image


def _manifest() -> dict[str, Any]:
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data: dict[str, Any] = json.loads(response.content)
    return data


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_apples_touch_icon() -> None:
    html = Client().get("/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    touch_icon = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', html)
    assert touch_icon is not None
    response = Client().get(touch_icon[1])
    assert response.status_code == 200
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:  # type: ignore[attr-defined]
        assert image.size == (180, 180)
    assert re.search(r'<meta name="theme-color" content="#[0-9a-f]{6}">', html)


def test_the_manifest_says_how_the_installed_app_looks_and_starts() -> None:
    manifest = _manifest()

    assert manifest["name"] == "RunStrong"
    assert manifest["short_name"] == "RunStrong"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/?source=pwa"
    assert manifest["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])


def test_every_icon_is_served_at_the_size_it_claims_and_one_is_maskable() -> None:
    icons = _manifest()["icons"]

    for icon in icons:
        response = Client().get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response["Content-Type"] == icon["type"] == "image/png"
        width, height = (int(side) for side in icon["sizes"].split("x"))
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
            assert image.size == (width, height), icon["src"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_maskable_icon_keeps_its_drawing_inside_the_safe_circle() -> None:
    maskable = next(icon for icon in _manifest()["icons"] if icon["purpose"] == "maskable")
    response = Client().get(maskable["src"])
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as opened:
        image = opened.convert("RGB")
    size = image.width
    background = image.getpixel((0, 0))
    # Full bleed: every corner is the background, so no launcher's mask shows
    # a transparent edge.
    for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert image.getpixel(corner) == background
    # Outside the central circle of 80% of the width, nothing but background.
    centre, radius = size / 2, size * 0.4
    for y in range(0, size, 4):
        for x in range(0, size, 4):
            if (x - centre) ** 2 + (y - centre) ** 2 > radius**2:
                assert image.getpixel((x, y)) == background, (x, y)


@pytest.mark.django_db
def test_the_shortcuts_start_a_workout_and_open_the_boards() -> None:
    shortcuts = {shortcut["name"]: shortcut["url"] for shortcut in _manifest()["shortcuts"]}

    assert shortcuts["Start my workout"].startswith("/programs/")
    assert shortcuts["Boards"].startswith("/boards/")
    for url in shortcuts.values():
        assert Client().get(url).status_code == 200, url
