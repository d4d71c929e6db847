"""What the accounts app announces to the apps above it (see workouts/signals.py).

Accounts never imports workouts' upper neighbours (community, runs, plans); they
listen here instead. Receivers run inside the sender's transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# An athlete's profile was saved. Sent with ``athlete`` (accounts.models.User)
# and ``changed``: the set of field names whose values changed.
profile_changed = Signal()

# An athlete is about to be deleted (``services.account_delete``), inside its
# transaction, before the user row goes. Sent with ``athlete``. The apps above
# undo what a cascade cannot: hand over or close the clubs they ran, move the
# versions of every board and club member list they were on, drop share cards.
account_deleting = Signal()
