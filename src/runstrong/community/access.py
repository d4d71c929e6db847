"""Pure: who may see a result, and who may change its comments.

Every door (pages, API, boards, feeds, share pages, card images, Open Graph
tags) asks ``may_see``, through ``selectors.result_visible_to`` and the board
and feed queries that mirror it.
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


def may_edit_comment(*, viewer_id: int | None, author_id: int) -> bool:
    """Only its author: nobody puts words in another's mouth."""
    return viewer_id is not None and viewer_id == author_id


def may_delete_comment(
    *, viewer_id: int | None, author_id: int, owner_id: int, admin_of_owner: bool
) -> bool:
    """The author, the result's owner, or an admin of a club the owner is in."""
    if viewer_id is None:
        return False
    return viewer_id in (author_id, owner_id) or admin_of_owner
