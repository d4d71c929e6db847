"""The start form: as prescribed, or scaled with an easier exercise or fewer reps per slot.

The form checks only the shape of the input (a listed alternative, a whole
number); whether a scaling is allowed is the catalog's rule
(``catalog.build_plan``), applied by ``services.session_start``, whose
``PlanError`` the view turns into a form error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from runstrong.workouts import catalog, engine, formatting

PRESCRIBED = "prescribed"
SCALED = "scaled"


@dataclass(frozen=True)
class SlotRow:
    """One slot's scaling controls, for the template."""

    slot: engine.SlotPlan
    swap: forms.BoundField
    reps: forms.BoundField


class StartForm(forms.Form):
    mode = forms.ChoiceField(
        label="How will you do it?",
        choices=[
            (PRESCRIBED, "As prescribed"),
            (SCALED, "Scaled: easier exercises or fewer reps (the result says so)"),
        ],
        initial=PRESCRIBED,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        plan: engine.SessionPlan,
        exercises: Mapping[str, catalog.Exercise],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        for slot in plan.slots:
            easier = exercises[slot.prescribed_exercise].easier
            self.fields[f"swap-{slot.key}"] = forms.ChoiceField(
                label=f"Exercise for {slot.key}",
                choices=[
                    ("", f"{slot.prescribed_exercise_name or slot.exercise_name} (as prescribed)"),
                    *((slug, exercises[slug].name) for slug in easier if slug in exercises),
                ],
                required=False,
            )
            self.fields[f"reps-{slot.key}"] = forms.IntegerField(
                label=f"Reps for {slot.key}",
                min_value=1,
                required=False,
                initial=slot.prescribed_reps,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "max": slot.prescribed_reps}
                ),
            )

    @property
    def slot_rows(self) -> list[SlotRow]:
        return [
            SlotRow(slot=slot, swap=self[f"swap-{slot.key}"], reps=self[f"reps-{slot.key}"])
            for slot in self.plan.slots
        ]

    def scaling(self) -> tuple[dict[str, str], dict[str, int]]:
        """The swaps and rep targets chosen (none when starting as prescribed)."""
        if self.cleaned_data.get("mode") != SCALED:
            return {}, {}
        swaps: dict[str, str] = {}
        reps: dict[str, int] = {}
        for slot in self.plan.slots:
            if chosen := self.cleaned_data.get(f"swap-{slot.key}"):
                swaps[slot.key] = chosen
            target = self.cleaned_data.get(f"reps-{slot.key}")
            if target is not None and target != slot.prescribed_reps:
                reps[slot.key] = target
        return swaps, reps


# ---------------------------------------------------------------------------
# A workout logged by hand.


class DurationField(forms.Field):
    """A duration typed as m:ss or h:mm:ss; cleaned to milliseconds."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 12:
            raise forms.ValidationError("That is too long for a time: write it like 24:30.")
        if not text.isprintable():
            # Not echoed back as the other messages echo it: a NUL or an escape
            # sequence in the page helps nobody.
            raise forms.ValidationError("That is not a time: write it like 24:30.")
        try:
            return formatting.parse_duration(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class ManualResultForm(forms.Form):
    """The shape of a hand-logged result; whether it is plausible is
    ``services.result_log_manual``'s rule, whose problems the view shows."""

    program = forms.ChoiceField(label="Program")
    day = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time_of_day = forms.TimeField(
        label="Time you started (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    total = DurationField(
        label="Total time",
        help_text="Minutes and seconds, like 24:30.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "24:30"}),
    )
    splits = forms.CharField(
        label="Time on each exercise (optional)",
        required=False,
        max_length=200,
        help_text="In order, separated by commas, like 5:10, 4:05, 4:50, 6:00, 4:25. "
        "They must add up to the total.",
    )
    scaled = forms.BooleanField(
        label="I scaled it (easier exercises or fewer reps)", required=False
    )
    scaled_how = forms.CharField(
        label="How you scaled it (optional)", required=False, max_length=200
    )

    def __init__(self, *args: Any, programs: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ChoiceField)
        program.choices = list(programs)
        # The phone's date picker offers no day after today (the service checks it too).
        self.fields["day"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_splits(self) -> list[int] | None:
        text = self.cleaned_data.get("splits", "").strip()
        if not text:
            return None
        try:
            return [formatting.parse_duration(part) for part in text.split(",")]
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
