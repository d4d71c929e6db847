"""The trend page's one input: the date its before/after comparison splits at."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

EARLIEST_SPLIT = date(1990, 1, 1)  # before any GPS watch recorded heart rate


class SplitForm(forms.Form):
    split = forms.DateField(
        label="Compare before and after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as year-month-day, e.g. 2025-03-01."},
        help_text="Runs before this day are compared with runs on it and after.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["split"].widget.attrs.update(
            {"min": EARLIEST_SPLIT.isoformat(), "max": timezone.localdate().isoformat()}
        )

    def clean_split(self) -> date | None:
        value: date | None = self.cleaned_data.get("split")
        if value is None:
            return None
        if value < EARLIEST_SPLIT:
            raise forms.ValidationError(
                f"Pick a date from {EARLIEST_SPLIT:%-d %B %Y} on.", code="too_early"
            )
        if value > timezone.localdate():
            raise forms.ValidationError(
                "Pick a date that has passed: there are no runs after it yet.", code="future"
            )
        return value
