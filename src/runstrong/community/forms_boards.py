"""The board's filters, read from the query string (a GET form that works without JS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from runstrong.community import ranking
from runstrong.community.models import Club, Period

PRESCRIBED = "prescribed"
SCALED = "scaled"
WAYS = ((PRESCRIBED, "As prescribed"), (SCALED, "Scaled"))
SEX_CHOICES = (("", "Everyone"), ("f", "Women"), ("m", "Men"))
AGE_CHOICES = (("", "All ages"), *((group, group) for group in ranking.AGE_GROUPS))
DEFAULT_PERIOD = ranking.ALL
SELECTED = mark_safe(" selected")


class BoardFilterForm(forms.Form):
    way = forms.ChoiceField(choices=WAYS, required=False, label="Board")
    period = forms.ChoiceField(choices=Period.choices, required=False, label="Period")
    sex = forms.ChoiceField(choices=SEX_CHOICES, required=False, label="Sex")
    age = forms.ChoiceField(choices=AGE_CHOICES, required=False, label="Age group")
    club = forms.ChoiceField(required=False, label="Who")

    def __init__(self, *args: Any, clubs: Sequence[Club], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the viewer's own clubs are offered; any other slug is refused
        # here and answered with 404 by the view, like a club that is not there.
        club_field = self.fields["club"]
        assert isinstance(club_field, forms.ChoiceField)
        club_field.choices = [
            ("", "Everyone"),
            *((club.slug, club.name) for club in clubs),
        ]

    def clean_way(self) -> str:
        return str(self.cleaned_data.get("way") or PRESCRIBED)

    def clean_period(self) -> str:
        return str(self.cleaned_data.get("period") or DEFAULT_PERIOD)

    def menus(self) -> list[dict[str, Any]]:
        """The filter menus as plain data, their options already written as HTML.

        The board template writes its own ``<select>`` elements from this rather
        than rendering Django's widget templates, which cost more than the rest
        of the page together.
        """
        menus = []
        for name in ("period", "sex", "age", "club"):
            field = self[name]
            chosen = str(field.value() or "")
            if name == "period" and not chosen:
                chosen = DEFAULT_PERIOD
            choices = self.fields[name].choices  # type: ignore[attr-defined]
            menus.append(
                {
                    "name": name,
                    "id": f"board-{name}",
                    "label": field.label,
                    "errors": field.errors,
                    # Written here, escaped by format_html: a template loop over
                    # every option costs more than the rest of the form.
                    "options_html": format_html_join(
                        "",
                        '<option value="{}"{}>{}</option>',
                        (
                            (value, SELECTED if value == chosen else "", label)
                            for value, label in choices
                        ),
                    ),
                }
            )
        return menus


FILTERS = ("way", "period", "sex", "age", "club")


def board_filters(data: QueryDict, clubs: Sequence[Club]) -> Mapping[str, str] | None:
    """The filters chosen in a query string, as ``BoardFilterForm`` cleans them,
    or None when one is not on offer (the page then shows the form's errors).

    Every board page reads its filters, and most ask for the same few (the
    default board most of all), so the answers are kept: building and
    validating the form costs about 0.15 ms, a tenth of a logged-in page.
    """
    # The last value of each, as the form's widgets read them; the cursor and
    # anything else in the address are not filters.
    chosen = tuple(data.get(name, "") for name in FILTERS)
    return _cleaned(chosen, tuple((club.slug, club.name) for club in clubs))


@lru_cache(maxsize=1024)
def _cleaned(
    chosen: tuple[str, ...], clubs: tuple[tuple[str, str], ...]
) -> Mapping[str, str] | None:
    data = QueryDict(mutable=True)
    data.update(dict(zip(FILTERS, chosen, strict=True)))
    form = BoardFilterForm(data, clubs=[Club(slug=slug, name=name) for slug, name in clubs])
    if not form.is_valid():
        return None
    return MappingProxyType({name: str(form.cleaned_data[name] or "") for name in FILTERS})
