"""What the workouts app announces to the apps above it.

Workouts never imports community, runs or plans (DESIGN §4: dependencies point
down). When something here changes what an upper app shows — a board, a share
card, a plan item — it sends one of these signals; the upper app connects its
receiver in one place (its ``listeners.py``, connected from ``AppConfig.ready``).
Receivers run synchronously, inside the sender's transaction, so a failure in
one rolls the whole write back and nothing is half-written.
"""

from __future__ import annotations

from django.dispatch import Signal

# A session finished and its Result row was just created.
# Sent with ``result`` (workouts.models.Result).
result_recorded = Signal()
