"""The plan page's forms: the runner's week, moving a session, skipping one.

They check the shape of the input; what a good day for strength is stays the
rules' business (``rules.move_problems``), applied by the services.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from runstrong import text
from runstrong.plans import rules

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_FIELDS = tuple(f"day_{index}" for index in range(7))
DAY_CHOICES = [
    (rules.Day.REST, "Rest"),
    (rules.Day.EASY, "Easy run"),
    (rules.Day.QUALITY, "Intervals / tempo"),
    (rules.Day.LONG, "Long run"),
]
PROGRAM_250 = "runners-250"
PROGRAM_500 = "runners-500"
RACE_HORIZON_DAYS = 366  # a goal race further off than a year has no bearing on 4 weeks


class DateInput(forms.DateInput):
    input_type = "date"


class WeekForm(forms.Form):
    """Seven weekdays, sessions a week, the program and an optional goal race."""

    per_week = forms.TypedChoiceField(
        label="Strength sessions a week",
        choices=[(1, "1"), (2, "2 (what the studies used most)"), (3, "3")],
        coerce=int,
        initial=2,
        widget=forms.RadioSelect,
    )
    program = forms.ChoiceField(
        label="Program",
        choices=[(PROGRAM_250, "Runner's 250")],
        initial=PROGRAM_250,
        widget=forms.RadioSelect,
    )
    race_day = forms.DateField(
        label="Goal race (optional)",
        required=False,
        widget=DateInput,
        help_text="No strength in the last 10 days before an A race, one a week in the 4 before.",
    )
    race_is_a = forms.BooleanField(
        label="It is an A race (the one the season is built around)", required=False
    )

    def __init__(
        self, *args: Any, offer_500: bool = False, today: date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        day_fields = {
            name: forms.ChoiceField(
                label=WEEKDAYS[index], choices=DAY_CHOICES, initial=rules.Day.REST
            )
            for index, name in enumerate(DAY_FIELDS)
        }
        # The days first, in weekday order, then the rest of the form.
        self.fields = {**day_fields, **self.fields}
        if offer_500:
            program = self.fields["program"]
            assert isinstance(program, forms.ChoiceField)
            program.choices = [
                (PROGRAM_250, "Runner's 250"),
                (PROGRAM_500, "Runner's 500 (you have done the 250 often enough)"),
            ]

    def day_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in DAY_FIELDS]

    def other_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in DAY_FIELDS]

    def clean_race_day(self) -> date | None:
        day: date | None = self.cleaned_data.get("race_day")
        if day is None:
            return None
        if day < self.today:
            raise forms.ValidationError("That day has passed: give a race still to come, or none.")
        if day > self.today + timedelta(days=RACE_HORIZON_DAYS):
            raise forms.ValidationError("Give a race within the coming year, or none.")
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("race_is_a")
            and not cleaned.get("race_day")
            and "race_day" not in self.errors
        ):
            self.add_error("race_day", "An A race needs its date.")
        days = [cleaned.get(name) for name in DAY_FIELDS]
        if all(days) and all(day == rules.Day.REST for day in days):
            raise forms.ValidationError(
                "Every day is a rest day: mark the days you usually run, "
                "so strength can go around them."
            )
        return cleaned

    def days(self) -> list[str]:
        return [str(self.cleaned_data[name]) for name in DAY_FIELDS]


def week_initial(days: list[str], **rest: Any) -> dict[str, Any]:
    return {**{name: day for name, day in zip(DAY_FIELDS, days, strict=True)}, **rest}


class MoveForm(forms.Form):
    to = forms.DateField(label="Move to", widget=DateInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SkipForm(forms.Form):
    reason = forms.CharField(
        label="Why skip it?",
        max_length=200,
        help_text="A few words for yourself: ill, travelling, legs too tired…",
    )

    def clean_reason(self) -> str:
        reason = text.clean_line(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError("Say why, in a few words.")
        return reason
