"""Pure: which results have a public page, and what their links and link previews say.

A public page exists only for a result its athlete made visible to everyone
and that a moderator has not confirmed invalid. It does not depend on who asks:
a clubmate who may see a club-only result on the result page still gets no
public page for it, because a public page is what gets copied to Facebook.
"""

from __future__ import annotations

from urllib.parse import quote

from runstrong.community import access

ARTICLE_TITLE = "250/500 Rep Resistance Training Workout for Runners"
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php"
CONFIRMED_INVALID = "confirmed"  # workouts.models.Review.CONFIRMED


def shareable(*, visibility: str, review: str) -> bool:
    """Whether a result has a public page and a card (whoever is asking)."""
    return visibility == access.PUBLIC and review != CONFIRMED_INVALID


def facebook_share_url(page_url: str) -> str:
    """Facebook's share dialog for ``page_url``: the link only, since Facebook's
    platform policy forbids pre-filling what the person will say."""
    return f"{FACEBOOK_SHARER}?u={quote(page_url, safe='')}"


def share_title(*, athlete_name: str, program_name: str, total: str) -> str:
    """``Alex: Runner's 250 in 18:42`` (or ``… CAP + 180``)."""
    joiner = " " if total.startswith("CAP") else " in "
    return f"{athlete_name}: {program_name}{joiner}{total}"


def share_description(
    *, program_name: str, reps_total: int, splits: list[tuple[str, str]], scaled: bool
) -> str:
    """One sentence for link previews: the workout and each exercise's split."""
    done = ", ".join(f"{label} {value}" for label, value in splits)
    how = " (scaled)" if scaled else ""
    return f"{program_name}{how}, {reps_total} reps for time on RunStrong. Splits: {done}."


def card_alt(*, title: str, splits: list[tuple[str, str]]) -> str:
    """Text for ``og:image:alt`` and the image on the page: what the card shows."""
    done = ", ".join(f"{label} {value}" for label, value in splits)
    return f"RunStrong result card. {title}. Splits: {done}."
