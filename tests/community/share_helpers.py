"""Helpers for the sharing tests: a result at a privacy level, and what a page's HTML holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from runstrong.community import services as social
from runstrong.workouts.models import Result
from tests.workouts.factories import complete_session

# 250 reps at 2.13 s a rep: 8:52.5, a time no page shows by accident.
SECONDS_PER_REP = 2.13
SHOWN_TIME = "8:52"


def result_with(athlete: Any, visibility: str, **options: Any) -> Result:
    """A finished Runner's 250 by ``athlete``, then set to ``visibility`` by its owner."""
    outcome = complete_session(athlete, seconds_per_rep=SECONDS_PER_REP, **options)
    assert outcome.result is not None
    return social.result_visibility_set(
        athlete=athlete, result_id=outcome.result.pk, visibility=visibility
    )


@dataclass
class Page(HTMLParser):
    """The parts of an HTML page the sharing tests look at."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # property or name → contents
    links: list[dict[str, str]] = field(default_factory=list)  # <a> and <link> attributes
    scripts: list[dict[str, str]] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)
    inputs: list[dict[str, str]] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)  # on*= and style= attributes found
    text: list[str] = field(default_factory=list)
    _in_script: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.handlers += [name for name in values if name.startswith("on") or name == "style"]
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag in ("a", "link"):
            self.links.append({"tag": tag, **values})
        elif tag == "script":
            self.scripts.append(values)
            self._in_script = True
        elif tag == "img":
            self.images.append(values)
        elif tag == "button":
            self.buttons.append(values)
        elif tag == "input":
            self.inputs.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            if data.strip():
                self.inline_scripts.append(data)
        else:
            self.text.append(data)

    def one(self, key: str) -> str:
        """The content of the only ``<meta>`` with this property or name."""
        found = self.meta.get(key, [])
        assert len(found) == 1, f"{key}: {found}"
        return found[0]

    @property
    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def open_graph(self) -> dict[str, list[str]]:
        return {
            key: values
            for key, values in self.meta.items()
            if key.startswith(("og:", "twitter:", "article:"))
        }


def parse(html: bytes | str) -> Page:
    page = Page()
    page.feed(html.decode() if isinstance(html, bytes) else html)
    page.close()
    return page
