"""Reads for the public result page and its card, each in one query."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from runstrong.community import access, cards, sharing
from runstrong.community.models import Cheer, ShareCard
from runstrong.workouts.models import Result


def public_page_result(result_id: int) -> Result | None:
    """The result whatever its visibility (the view decides who gets what), with
    its program, session (for the plan), athlete and ``cheer_count``: one query."""
    cheers = (
        Cheer.objects.filter(result=OuterRef("pk"))
        .order_by()
        .values("result")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        Result.objects.select_related("program", "session", "athlete")
        .annotate(cheer_count=Coalesce(Subquery(cheers, output_field=IntegerField()), Value(0)))
        .filter(id=result_id)
        .first()
    )


def shareable_result(result_id: int) -> Result | None:
    """The result if it has a public page, with what its card shows: one query."""
    return (
        Result.objects.select_related("program", "session", "athlete")
        .filter(id=result_id, visibility=access.PUBLIC)
        .exclude(review=sharing.CONFIRMED_INVALID)
        .first()
    )


def stored_card(result_id: int) -> ShareCard | None:
    """The stored, current card of a result that still has a public page: one query.

    The visibility is checked here too, so a card drawn while the result was
    public is never served once its athlete has made it private.
    """
    return (
        ShareCard.objects.filter(
            result_id=result_id,
            result__visibility=access.PUBLIC,
            version__gte=cards.CARD_VERSION,
        )
        .exclude(result__review=sharing.CONFIRMED_INVALID)
        .first()
    )
