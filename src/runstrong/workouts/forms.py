"""The start form: as prescribed, or scaled with an easier exercise or fewer reps per slot.

The form checks only the shape of the input (a listed alternative, a whole
number); whether a scaling is allowed is the catalog's rule
(``catalog.build_plan``), applied by ``services.session_start``, whose
``PlanError`` the view turns into a form error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from runstrong.workouts import catalog, engine

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
