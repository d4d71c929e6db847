"""The public page of a result (/r/<id>/) and its card image (/r/<id>/card.png).

Both exist only for a result its athlete shows to everyone (``sharing.shareable``);
to anyone else such a URL answers 404, as if the result did not exist, and no
card is drawn. The athlete who opens the public URL of a result that is not
public is sent to their own result page instead.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from runstrong.community import cards, selectors_share, services_share, sharing
from runstrong.workouts import charts, progress
from runstrong.workouts.formatting import format_duration, format_total
from runstrong.workouts.models import Source

# How long a cache, a shared one (a CDN, a proxy) included, may serve a card
# without asking the site again: so also how long a card can outlive its
# result being made private. The ?v= in the card's URL names the drawing, but
# whether the result is still public can change at any moment, so the card is
# not `immutable` for a year: a cache would go on showing for a year what its
# athlete took back. Five minutes lets privacy win within minutes, while a
# post going round costs each cache one request per five minutes; and that
# request is a revalidation, answered 304 without the image while the card is
# unchanged (its ETag) and 404 once the result is private. must-revalidate:
# a stale card is never served, not even while the site is down. (A link
# preview already posted keeps its own copy: no header reaches that.)
CARD_MAX_AGE_SECONDS = 5 * 60
CARD_CACHE_CONTROL = f"public, max-age={CARD_MAX_AGE_SECONDS}, must-revalidate"


def absolute_url(request: HttpRequest, path: str) -> str:
    """``path`` on this site as an absolute URL, as link previews need.

    ``RUNSTRONG_PUBLIC_URL`` (e.g. ``https://runstrong.example``), when set,
    wins over the request's host, which a proxy may have rewritten.
    """
    base = str(getattr(settings, "RUNSTRONG_PUBLIC_URL", "") or "")
    if base:
        return base.rstrip("/") + path
    return request.build_absolute_uri(path)


def public_url(request: HttpRequest, result_id: int) -> str:
    return absolute_url(request, reverse("community_share:result", args=[result_id]))


def card_url(request: HttpRequest, result_id: int) -> str:
    path = reverse("community_share:card", args=[result_id])
    return absolute_url(request, f"{path}?v={cards.CARD_VERSION}")


def _viewer_id(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


@require_safe
def public_result(request: HttpRequest, result_id: int) -> HttpResponse:
    result = selectors_share.public_page_result(result_id)
    if result is None:
        raise Http404("No such result")
    if not sharing.shareable(visibility=result.visibility, review=result.review):
        if _viewer_id(request) == result.athlete_id:
            return HttpResponseRedirect(reverse("community:result", args=[result.id]))
        raise Http404("No such result")

    names = result.session.exercise_names
    splits: list[int | None] = list(result.splits_ms)
    split_texts = [
        (name, format_duration(split) if split is not None else "not reached")
        for name, split in zip(names, splits, strict=True)
    ]
    total = format_total(
        capped=result.capped, reps_at_cap=result.reps_at_cap, total_ms=result.total_ms
    )
    title = sharing.share_title(
        athlete_name=result.athlete.shown_name, program_name=result.program.name, total=total
    )
    page_url = public_url(request, result.id)
    response = render(
        request,
        "community/share/public_result.html",
        {
            "result": result,
            "athlete_name": result.athlete.shown_name,
            "total": total,
            "cheer_count": getattr(result, "cheer_count", 0),
            "rows": progress.compare_slots(
                names, reps=result.reps_done, splits=splits, rests=result.rests_ms, best_splits=None
            ),
            "bars": charts.bar_chart(list(zip(names, splits, strict=True))),
            "from_article": result.program.source == Source.BUILTIN,
            "article_title": sharing.ARTICLE_TITLE,
            "is_owner": _viewer_id(request) == result.athlete_id,
            "share_url": page_url,
            "facebook_url": sharing.facebook_share_url(page_url),
            "share_title": title,
            "og": {
                "title": title,
                "description": sharing.share_description(
                    program_name=result.program.name,
                    reps_total=result.reps_total,
                    splits=split_texts,
                    scaled=result.scaled,
                ),
                "url": page_url,
                "image": card_url(request, result.id),
                "image_alt": sharing.card_alt(title=title, splits=split_texts),
                "width": cards.CARD_WIDTH,
                "height": cards.CARD_HEIGHT,
            },
        },
    )
    # Kept by no shared cache, for any time: the page differs for its athlete
    # and for a logged-in visitor (their name at the top), which a CDN that
    # ignores Vary: Cookie would hand to everyone, and with no Cache-Control at
    # all a cache may pick a lifetime of its own. The browser keeps it but asks
    # again each time, so once the result is private the page is gone at once.
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_safe
def card_png(request: HttpRequest, result_id: int) -> HttpResponse:
    card = selectors_share.stored_card(result_id)
    if card is None:
        result = selectors_share.shareable_result(result_id)
        if result is None:
            raise Http404("No such result")
        card = services_share.share_card_get_or_create(result=result)
    png = bytes(card.png)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = CARD_CACHE_CONTROL
    # From the bytes themselves, so a redrawn card never matches an old copy.
    response["ETag"] = quote_etag(hashlib.sha256(png).hexdigest()[:32])
    # A 304 without the image when the cache's copy is this one; 200 otherwise.
    return get_conditional_response(request, etag=response["ETag"], response=response) or response
