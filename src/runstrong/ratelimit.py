"""A small rate limiter on Django's cache: at most ``limit`` hits per sliding window.

Each hit claims one of ``limit`` numbered slots with ``cache.add``, and a slot
frees itself ``window_seconds`` after it was claimed. ``add`` only succeeds when
the slot is free (in the database cache it is an INSERT on the key, which the
primary key makes atomic), so requests racing each other in several processes
cannot both take the last slot — a read-then-write counter would let a burst
of parallel guesses through. Counting is exact over any window, with no burst
at the edge of a fixed period.

Claiming is the check: to limit something that may fail (a log-in), claim a
slot before trying, keep it if the try counts, and ``give_back`` it if not.

The cache is the database (``settings.CACHES``), so every app process shares
the counts. Keys are hashed: callers may pass e-mail addresses or IPs.

Slots suit limits of a few tries an hour (log-ins, sign-ups, comments), where
"at most N in any window" must hold exactly and a try can be given back. A
limit on requests (the API's 100 per 10 s per token) would read 100 slot keys
and write a cache row, counting the whole cache table, on every request:
``spend`` is the limiter for those. It keeps one row per key
(``accounts.RateBucket``) and changes it in one statement, the generic cell
rate algorithm: a key may spend ``limit`` at once, and its allowance comes
back at ``limit`` per window, one every ``window / limit`` seconds. So over
a long run a key makes at most ``limit`` requests a window, and a burst of
``limit`` is never refused; a client going flat out after a burst gets one
request every ``window / limit`` seconds. ``spend_if_found`` counts a
request only if a lookup finds its row (an API token), on PostgreSQL in the
lookup's own statement.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runstrong.accounts.models import RateBucket  # the table lives with accounts
from runstrong.sql import column, table, written_once


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int  # hits still allowed in the current window
    retry_after: int  # seconds until the next hit is allowed; 0 when allowed now
    slot: str = ""  # the cache key of the slot an allowed hit claimed

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
    claims: dict[str, float] = {}
    # A slot is lost to a racing request only when that request claimed it,
    # so each new look finds fewer free slots: three looks is plenty.
    for _ in range(3):
        # get_many also deletes the rows the cache counts as expired.
        claims = cache.get_many(keys)
        now = time.time()
        free = [slot_key for slot_key in keys if slot_key not in claims]
        if not free:
            break
        for slot_key in free:
            # Only a slot with no row is tried, never one whose row is there
            # but past its time: add() on an expired row is a SELECT then an
            # UPDATE, which two racing requests can both win; on a missing
            # row it is an INSERT, which the primary key lets only one win.
            if cache.add(slot_key, now + window_seconds, timeout=window_seconds):
                counted = sum(1 for frees_at in claims.values() if frees_at > now) + 1
                return Decision(
                    allowed=True, remaining=max(0, limit - counted), retry_after=0, slot=slot_key
                )
            # Another request took this slot since we looked: try the next one.
    now = time.time()
    live = [frees_at for frees_at in claims.values() if frees_at > now]
    if len(live) < limit:
        # The last look saw a slot free, or freeing this very moment, and a
        # racing request took it first: look again in a second.
        return Decision(allowed=False, remaining=0, retry_after=1)
    return Decision(allowed=False, remaining=0, retry_after=max(1, math.ceil(min(live) - now)))


def give_back(*decisions: Decision) -> None:
    """Free the slots these hits claimed, as if they had never been counted."""
    cache.delete_many([decision.slot for decision in decisions if decision.slot])


def reset(key: str, limit: int) -> None:
    """Forget every hit on ``key`` (e.g. after a successful log-in)."""
    cache.delete_many(_slot_keys(key, limit))


def _bucket_sql(connection: Any) -> dict[str, str]:
    # Written once (runstrong/sql.py): ``spend`` is on every token request's path.
    return written_once(connection, _written_bucket_sql)


def _written_bucket_sql(connection: Any) -> dict[str, str]:
    """The upsert that spends from a key's allowance if it can ("spend"), the
    read of when it will have some again ("look"), and the upsert's text with
    the row it is for left to a query named ``found`` ("spend_found",
    PostgreSQL only). Table and column names are the model's own; every value
    is a parameter (``rate_…``, so a caller's own names cannot clash)."""
    buckets = table(connection, RateBucket)
    key, due = column(connection, RateBucket, "key"), column(connection, RateBucket, "due")
    # The allowance is spent from the later of "now" and the key's due time;
    # the WHERE refuses (updates and returns nothing) when that would put the
    # due time more than a window ahead. Both SQLite (3.35+) and PostgreSQL
    # read this INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING alike.
    later = f"CASE WHEN b.{due} > %(rate_now)s THEN b.{due} ELSE %(rate_now)s END"
    upsert = (
        f" ON CONFLICT ({key}) DO UPDATE SET {due} = {later} + %(rate_interval)s"
        f" WHERE {later} + %(rate_interval)s <= %(rate_horizon)s"
        f" RETURNING {due}"
    )
    into = f"INSERT INTO {buckets} AS b ({key}, {due})"
    look = f"SELECT {due} FROM {buckets} WHERE {key} = %(rate_key)s"  # noqa: S608
    return {
        "spend": f"{into} VALUES (%(rate_key)s, %(rate_first)s){upsert}",
        "look": look,
        # A data-modifying WITH: the upsert runs only for a row ``found``
        # returns, and the outer SELECT, which sees the table as it was
        # before the statement, reads the due time a refusal needs.
        "spend_found": (
            f"spent AS ({into} SELECT %(rate_key)s, %(rate_first)s FROM found{upsert})"  # noqa: S608
            f" SELECT found.*, (SELECT {due} FROM spent), ({look}) FROM found"
        ),
    }


def _spend_params(key: str, limit: int, window_seconds: float) -> dict[str, Any]:
    interval = window_seconds / limit
    now = time.time()
    return {
        "rate_key": hashlib.sha256(key.encode()).hexdigest()[:40],
        "rate_now": now,
        "rate_first": now + interval,
        "rate_interval": interval,
        # A hair past the window: a burst of ``limit`` adds ``interval`` that
        # many times, and float rounding must not refuse the last of them.
        "rate_horizon": now + window_seconds + interval / 1000,
    }


def _decision(spent: Any, looked: Any, params: dict[str, Any], window_seconds: float) -> Decision:
    """What ``spend`` answers, from the due time the upsert returned (None when it
    refused) and the one read after a refusal (None when the key has no row)."""
    now, interval = params["rate_now"], params["rate_interval"]
    if spent is not None:
        ahead = float(spent) - now  # how much of the window is spent
        return Decision(
            allowed=True, remaining=max(0, int((window_seconds - ahead) / interval)), retry_after=0
        )
    due = float(looked) if looked is not None else now
    # Room comes back once due + interval - window has passed.
    wait = due + interval - window_seconds - now
    return Decision(allowed=False, remaining=0, retry_after=max(1, math.ceil(wait)))


def bucket_connection() -> Any:
    """The connection the allowances are kept on; ``spend_if_found``'s lookup runs
    there too, in the same statement on PostgreSQL."""
    return connections[router.db_for_write(RateBucket)]


def spend(key: str, limit: int, window_seconds: float) -> Decision:
    """Count one request on ``key``, if its allowance (``limit`` per
    ``window_seconds``, a burst of ``limit`` at most) has room for it.

    One statement when allowed, two when refused; a refused request is not
    counted, so waiting ``retry_after`` seconds always works.
    """
    params = _spend_params(key, limit, window_seconds)
    connection = bucket_connection()
    sql = _bucket_sql(connection)
    looked = None
    with connection.cursor() as cursor:
        cursor.execute(sql["spend"], params)
        row = cursor.fetchone()
        if row is None:
            cursor.execute(sql["look"], params)
            looked = cursor.fetchone()
    return _decision(row[0] if row else None, looked[0] if looked else None, params, window_seconds)


def spend_if_found(
    found: str, found_params: dict[str, Any], key: str, limit: int, window_seconds: float
) -> tuple[tuple[Any, ...] | None, Decision | None]:
    """Run ``found`` (a SELECT of at most one row, with named parameters) and,
    if it finds its row, ``spend`` one request on ``key``: (the row, the
    decision), or (None, None) with nothing counted.

    For a limit checked on every request of something looked up first (an
    API token): on PostgreSQL the two are one statement, so the request pays
    one round trip for both; on SQLite, which has no data-modifying WITH and
    no round trips, they are two (three when refused).
    """
    connection = bucket_connection()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(found, found_params)
            row = cursor.fetchone()
        return (tuple(row), spend(key, limit, window_seconds)) if row else (None, None)
    params = {**found_params, **_spend_params(key, limit, window_seconds)}
    with connection.cursor() as cursor:
        cursor.execute(f"WITH found AS ({found}), {_bucket_sql(connection)['spend_found']}", params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    *columns, spent, looked = row
    return tuple(columns), _decision(spent, looked, params, window_seconds)


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
