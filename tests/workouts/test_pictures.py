"""Exercise pictures: one animated SVG per catalog exercise, shown where it is named."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.templatetags.static import static
from django.test import Client

from runstrong.workouts import catalog, pictures, services

from .test_services import start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

SVG = "{http://www.w3.org/2000/svg}"
CLUB_HILL = Path(__file__).parent / "programs" / "good-club-hill.toml"


def builtin_slugs() -> list[str]:
    return sorted(catalog.load_builtin().exercises)


def test_the_catalog_has_eighteen_exercises_and_each_has_its_picture() -> None:
    slugs = builtin_slugs()

    assert len(slugs) == 18
    assert set(slugs) <= pictures.picture_slugs()


@pytest.mark.parametrize("slug", builtin_slugs())
def test_each_picture_is_served_as_svg(client: Client, slug: str) -> None:
    url = pictures.picture_url(slug)

    assert url == static(f"runstrong/exercises/{slug}.svg")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")


@pytest.mark.parametrize("slug", builtin_slugs())
def test_each_picture_is_well_formed_and_stills_for_reduced_motion(slug: str) -> None:
    text = (pictures.PICTURES_DIR / f"{slug}.svg").read_text(encoding="utf-8")

    root = ElementTree.fromstring(text)  # noqa: S314 (our own file)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.findtext(f"{SVG}title")
    style = root.findtext(f"{SVG}style") or ""
    # The moving figure animates; under reduced motion it stops in the start
    # pose and the faded end pose appears beside it: the still pair.
    assert re.search(r"@keyframes \w+\{0%,12%\{transform:", style)
    reduced = re.search(r"@media \(prefers-reduced-motion:reduce\)\{(.*?)\}\}", style)
    assert reduced is not None
    assert ".move g{animation:none}" in reduced[1] and ".still{display:inline" in reduced[1]
    # The same still pair by address (<slug>.svg#still), for the live session.
    assert root.get("id") == "still"
    assert "#still:target .move g{animation:none}#still:target .still{display:inline}" in style
    groups = {group.get("class") for group in root.iter(f"{SVG}g")}
    assert {"still", "move"} <= groups
    assert "<script" not in text and "href" not in text  # nothing from elsewhere


def test_the_program_page_shows_each_exercise_picture(client: Client) -> None:
    html = client.get("/programs/runners-250/").content.decode()

    shown = re.findall(r'<img class="exercise-picture" src="([^"]+)"', html)
    assert shown == [
        pictures.picture_url(slug)
        for slug in (
            "mountain-climber",
            "sit-up",
            "calf-raise",
            "donkey-kick",
            "squat-to-curl",
            "back-extension",
        )
    ]
    assert '<svg class="body-chart"' not in html


def test_a_custom_exercise_without_a_picture_shows_the_body_outline(client: Client) -> None:
    services.catalog_install(path=CLUB_HILL)

    html = client.get("/programs/club-hill-250/").content.decode()

    step_ups = html[html.index("Step-ups</bdi></h2>") :]
    step_ups = step_ups[: step_ups.index("</section>")]
    assert '<svg class="body-chart"' in step_ups and "<img" not in step_ups
    assert 'class="muscle worked" data-muscle="calves"' in step_ups
    # The built-in exercises of the same program keep their pictures.
    assert html.count('<img class="exercise-picture"') == 5


def test_the_session_page_knows_each_exercise_picture(athlete: Any) -> None:
    session = start(athlete)
    client = Client()
    client.force_login(athlete)

    html = client.get(f"/sessions/{session.id}/").content.decode()

    boot_json = re.search(r'<script id="session-boot" type="application/json">(.*?)</script>', html)
    assert boot_json is not None
    exercises = json.loads(boot_json[1])["exercises"]
    assert exercises["calf-raise"]["picture"] == pictures.picture_url("calf-raise")
    assert '<img class="exercise-picture-live" id="exercise-picture"' in html


def test_the_service_worker_keeps_every_picture_for_offline_use(client: Client) -> None:
    body = client.get("/sw.js").content.decode()
    found = re.search(r"const PRECACHE = (\[.*?\]);", body)
    assert found is not None
    precache = json.loads(found[1])

    for slug in builtin_slugs():
        assert pictures.picture_url(slug) in precache
