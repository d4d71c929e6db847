"""Where plans hear about finished workouts (connected in ``apps.py``).

Workouts never imports plans (DESIGN §4); it sends ``result_recorded`` inside
the result's transaction, and this receiver marks the planned session that the
workout did, in the same transaction: if it fails, the result is not stored
either, so a result and its plan item never disagree.
"""

from __future__ import annotations

from typing import Any

from runstrong.plans.services import item_mark_done
from runstrong.workouts import signals as workout_signals
from runstrong.workouts.models import Result


def result_recorded(*, result: Result, **_: Any) -> None:
    item_mark_done(result=result)


def connect() -> None:
    workout_signals.result_recorded.connect(result_recorded, dispatch_uid="plans.result")
