"""The one writer of share cards: drawn once per result, kept, redrawn for a new drawing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from runstrong.community import cards, sharing
from runstrong.community.models import ShareCard
from runstrong.workouts.models import Result


class NotShareable(Exception):
    """The result has no public page, so it gets no card."""


def card_data(result: Result) -> cards.CardData:
    """What the card shows, from a result loaded with its program, session and athlete."""
    return cards.CardData(
        program_name=result.program.name,
        total_ms=result.total_ms,
        reps_total=result.reps_total,
        capped=result.capped,
        reps_at_cap=result.reps_at_cap,
        splits=tuple(
            cards.CardSplit(label=name, ms=split)
            for name, split in zip(result.session.exercise_names, result.splits_ms, strict=True)
        ),
        athlete_name=result.athlete.shown_name,
        day=timezone.localtime(result.started_at).date(),
        scaled=result.scaled,
        unverified=result.unverified,
    )


def share_card_get_or_create(*, result: Result) -> ShareCard:
    """The result's card, drawn and stored on first use (or when ``cards.CARD_VERSION``
    is newer than the stored one). Refuses a result without a public page, so no
    card is ever drawn for a result its athlete keeps to clubs or to themselves."""
    if not sharing.shareable(visibility=result.visibility, review=result.review):
        raise NotShareable(f"result {result.pk} is not public")
    card = ShareCard.objects.filter(result=result).first()
    if card is not None and card.version >= cards.CARD_VERSION:
        return card
    # Drawing takes a tenth of a second: done before the transaction, which
    # then only writes. Two first requests at once both draw; the unique
    # result column keeps one row, and either drawing is the same picture.
    png = cards.draw_card(card_data(result))
    with transaction.atomic():
        card, _ = ShareCard.objects.update_or_create(
            result=result, defaults={"version": cards.CARD_VERSION, "png": png}
        )
    return card


def share_cards_discard(*, athlete_id: int, result_id: int | None = None) -> int:
    """Delete stored cards of one athlete (one result, or all of them); they are
    redrawn on the next request if the result is still public. For when a result
    stops being public (its bytes should not linger) or the athlete's display
    name changes (the card shows it). Returns how many were deleted."""
    cards_of = ShareCard.objects.filter(result__athlete_id=athlete_id)
    if result_id is not None:
        cards_of = cards_of.filter(result_id=result_id)
    with transaction.atomic():
        deleted, _ = cards_of.delete()
    return deleted
