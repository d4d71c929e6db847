"""Pure: who may see a result. Every door (pages, API, boards, feeds, share
pages, card images, Open Graph tags) asks this one rule, through
``selectors.result_visible_to`` and the board and feed queries that mirror it.
"""

from __future__ import annotations

PUBLIC = "public"
CLUBS = "clubs"
PRIVATE = "private"


def may_see(*, viewer_id: int | None, owner_id: int, visibility: str, shares_club: bool) -> bool:
    """The owner sees everything; others see public results, and club-only ones
    when they share a club with the owner. Anything unknown is private."""
    if viewer_id is not None and viewer_id == owner_id:
        return True
    if visibility == PUBLIC:
        return True
    return visibility == CLUBS and viewer_id is not None and shares_club
