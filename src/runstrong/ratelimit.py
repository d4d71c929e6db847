"""A small rate limiter on Django's cache: at most ``limit`` hits per sliding window.

Each hit claims one of ``limit`` numbered slots with ``cache.add``, and a slot
frees itself ``window_seconds`` after it was claimed. ``add`` only succeeds when
the slot is free (in the database cache it is an INSERT on the key, which the
primary key makes atomic), so requests racing each other in several processes
cannot both take the last slot — a read-then-write counter would let a burst
of parallel guesses through. Counting is exact over any window, with no burst
at the edge of a fixed period.

The cache is the database (``settings.CACHES``), so every app process shares
the counts. Keys are hashed: callers may pass e-mail addresses or IPs.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int  # hits still allowed in the current window
    retry_after: int  # seconds until the next hit is allowed; 0 when allowed now

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _slot_keys(key: str, limit: int) -> list[str]:
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return [f"ratelimit:{digest}:{slot}" for slot in range(limit)]


def _decide(claims: dict[str, float], limit: int, now: float) -> Decision:
    """Claims map a slot key to the time its slot frees itself."""
    live = [frees_at for frees_at in claims.values() if frees_at > now]
    if len(live) < limit:
        return Decision(allowed=True, remaining=limit - len(live), retry_after=0)
    return Decision(allowed=False, remaining=0, retry_after=max(1, math.ceil(min(live) - now)))


def peek(key: str, limit: int, window_seconds: int) -> Decision:
    """Would a hit on ``key`` be allowed now? Counts nothing."""
    return _decide(cache.get_many(_slot_keys(key, limit)), limit, time.time())


def hit(key: str, limit: int, window_seconds: int) -> Decision:
    """Count one hit on ``key`` if fewer than ``limit`` fell in the last window.

    A refused hit is not counted, so waiting ``retry_after`` seconds always works.
    """
    keys = _slot_keys(key, limit)
    claims = cache.get_many(keys)
    now = time.time()
    frees_at = now + window_seconds
    for slot_key in keys:
        if slot_key in claims and claims[slot_key] > now:
            continue
        if cache.add(slot_key, frees_at, timeout=window_seconds):
            live = sum(1 for value in claims.values() if value > now) + 1
            return Decision(allowed=True, remaining=max(0, limit - live), retry_after=0)
        # Another request took this slot since we looked: try the next one.
    return _decide(cache.get_many(keys), limit, time.time())


def reset(key: str, limit: int) -> None:
    """Forget every hit on ``key`` (e.g. after a successful log-in)."""
    cache.delete_many(_slot_keys(key, limit))


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind a proxy, the one that proxy saw.

    Only the right-most X-Forwarded-For entry is the proxy's own: entries to its
    left come from the client and can be forged.
    """
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def too_many_requests(
    request: HttpRequest,
    decision: Decision,
    *,
    what: str,
    template: str = "429.html",
    message: str = "",
) -> HttpResponse:
    """The page a refused request gets: 429, with when to try again."""
    response = render(
        request,
        template,
        {"what": what, "minutes": decision.retry_after_minutes, "message": message},
        status=429,
    )
    response.headers["Retry-After"] = str(decision.retry_after)
    return response
