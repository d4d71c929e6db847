"""What the accounts app announces to the apps above it (see workouts/signals.py).

Accounts never imports workouts' upper neighbours (community, runs, plans); they
listen here instead. Receivers run inside the sender's transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# An athlete's profile was saved. Sent with ``athlete`` (accounts.models.User)
# and ``changed``: the set of field names whose values changed.
profile_changed = Signal()
