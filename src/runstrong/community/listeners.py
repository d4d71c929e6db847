"""Where community hears about changes made below it (connected in ``apps.py``).

Workouts and accounts never call up into community; they send signals
(``workouts/signals.py``, ``accounts/signals.py``) and this module is the one
place that turns them into board refreshes and discarded share cards. Each
receiver runs inside the sender's transaction.
"""

from __future__ import annotations

from typing import Any

from runstrong.accounts import signals as account_signals
from runstrong.accounts.models import User
from runstrong.community.services import athlete_depart
from runstrong.community.services_boards import board_refresh
from runstrong.community.services_share import share_cards_discard
from runstrong.workouts import signals as workout_signals
from runstrong.workouts.models import Result

# Boards show the name and filter by sex and age group (copied onto each entry).
BOARD_FACTS = frozenset({"display_name", "sex", "birth_year"})
# Share cards show the name.
CARD_FACTS = frozenset({"display_name"})


def result_recorded(*, result: Result, **_: Any) -> None:
    board_refresh(athlete=result.athlete, program=result.program)


def profile_changed(*, athlete: User, changed: frozenset[str], **_: Any) -> None:
    if changed & BOARD_FACTS:
        board_refresh(athlete=athlete)
    if changed & CARD_FACTS:
        # Drawn again on their next request.
        share_cards_discard(athlete_id=athlete.pk)


def account_deleting(*, athlete: User, **_: Any) -> None:
    athlete_depart(athlete=athlete)


def connect() -> None:
    workout_signals.result_recorded.connect(result_recorded, dispatch_uid="community.result")
    account_signals.profile_changed.connect(profile_changed, dispatch_uid="community.profile")
    account_signals.account_deleting.connect(account_deleting, dispatch_uid="community.deleting")
