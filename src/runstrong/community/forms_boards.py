"""The board's filters, read from the query string (a GET form that works without JS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
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
        self.clubs = {club.slug: club for club in clubs}
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

    def selected_club(self) -> Club | None:
        slug = self.cleaned_data.get("club") or ""
        return self.clubs.get(slug)
