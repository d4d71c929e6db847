"""The private calendar feed: calendar apps fetch it with the secret in its URL.

No log-in (a calendar app cannot log in): the token alone names the athlete.
A token that names nobody, made up or rotated away, is the site's plain 404,
the same answer for both, so a guess learns nothing.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from runstrong import ratelimit
from runstrong.plans import calendar

# Apple Calendar's shortest refresh is every 5 minutes, and a runner may
# subscribe on a phone, a laptop and a watch: a fetch a minute is plenty.
FETCHES_PER_TOKEN = 60
# Wrong tokens from one address: enough for a mistyped URL, useless for guessing
# 192-bit secrets. Only misses count, so a calendar service that fetches many
# feeds from one address is never refused for its other users' sake.
MISSES_PER_IP = 30
HOUR = 60 * 60
# Short: a moved session should show on the next refresh, not an hour later.
MAX_AGE_SECONDS = 5 * 60


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    athlete = calendar.feed_owner(token)
    if athlete is None:
        decision = ratelimit.hit(
            f"plans:feed-miss:{ratelimit.client_ip(request)}", MISSES_PER_IP, HOUR
        )
        if not decision.allowed:
            return ratelimit.too_many_requests(request, decision, what="calendar fetches")
        raise Http404("no calendar at this address")
    decision = ratelimit.hit(f"plans:feed:{athlete.pk}", FETCHES_PER_TOKEN, HOUR)
    if not decision.allowed:
        return ratelimit.too_many_requests(request, decision, what="calendar fetches")
    body = calendar.athlete_calendar(athlete, base_url=_base_url(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="runstrong-plan.ics"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, max_age=MAX_AGE_SECONDS)
    # The bytes are the same until the plan changes (DTSTAMP is each item's
    # last change), so a hash of them is a strong ETag and a calendar app's
    # next poll is a 304. No Last-Modified: the calendar also changes when a
    # past session ages out of it, which no row's timestamp records.
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response["ETag"] = etag
    conditional = get_conditional_response(request, etag=etag, response=response)
    return conditional if conditional is not None else response


def _base_url(request: HttpRequest) -> str:
    """For the links in the events: the site's public address when set, else the
    host the calendar app asked (a proxy may have rewritten it)."""
    public = str(getattr(settings, "RUNSTRONG_PUBLIC_URL", "") or "")
    return public or request.build_absolute_uri("/").rstrip("/")
