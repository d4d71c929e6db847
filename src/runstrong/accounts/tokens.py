"""Personal access tokens for the API: made, listed and revoked on the profile page,
checked on every ``Authorization: Bearer …`` request (``runstrong/api.py``).

A token reads ``rs_`` then 43 URL-safe characters (256 random bits). The
table keeps its SHA-256 digest, never the token: a request is matched by the
digest of what it sends, through the column's unique index. The first
characters (``prefix``) are kept in clear so the page can tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from runstrong import ratelimit
from runstrong.accounts.models import ApiToken, TokenScope, User
from runstrong.sql import built, column, table, written_once
from runstrong.text import clean_line

TOKEN_MARK = "rs_"  # noqa: S105 - the mark every token starts with, no secret
PREFIX_LENGTH = len(TOKEN_MARK) + 8
NAME_MAX_LENGTH = 60
# A live token is good for this many at once; revoking one frees a place.
MAX_LIVE_TOKENS = 20
# last_used_at is "about when": writing it on every request would turn each
# read into a write.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plain: str  # shown once, never stored


def digest_of(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()


def token_list(*, user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first: one query."""
    return sorted(
        ApiToken.objects.filter(user=user),
        key=lambda token: (token.revoked_at is not None, -token.created_at.timestamp()),
    )


def token_create(*, user: User, name: str, scope: str) -> NewToken:
    """Make a token; the plain text is in the answer and nowhere else."""
    name = clean_line(name).strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the app or device that will use it.")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(f"A token's name can be at most {NAME_MAX_LENGTH} characters.")
    if scope not in TokenScope.values:
        raise TokenError("Choose what the token may do: read, or read and write.")
    with transaction.atomic():
        # Locks the user's row, so two tabs cannot both take the last place.
        User.objects.select_for_update().filter(pk=user.pk).first()
        live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if live >= MAX_LIVE_TOKENS:
            raise TokenError(
                f"You have {live} tokens, the most there may be: revoke one you no longer use."
            )
        plain = TOKEN_MARK + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, scope=scope, prefix=plain[:PREFIX_LENGTH], digest=digest_of(plain)
        )
    return NewToken(token=token, plain=plain)


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when there is no such live token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def _lookup_sql(connection: Any) -> str:
    """The lookup, written once (runstrong/sql.py): it is on every token request's path."""
    return written_once(connection, _written_lookup)


def _written_lookup(connection: Any) -> str:
    def named(model: type[Model], name: str) -> str:
        return column(connection, model, name)

    columns = [f"t.{named(ApiToken, field.name)}" for field in ApiToken._meta.concrete_fields]
    columns += [f"u.{named(User, field.name)}" for field in User._meta.concrete_fields]
    return (
        f"SELECT {', '.join(columns)}"  # noqa: S608 - the models' own names
        f" FROM {table(connection, ApiToken)} t JOIN {table(connection, User)} u"
        f" ON u.{named(User, 'id')} = t.{named(ApiToken, 'user')}"
        f" WHERE t.{named(ApiToken, 'digest')} = %(digest)s"
        f" AND t.{named(ApiToken, 'revoked_at')} IS NULL"
        f" AND u.{named(User, 'is_active')} = %(active)s"
    )


@dataclass(frozen=True)
class Authenticated:
    token: ApiToken  # with its user
    rate: ratelimit.Decision  # the token's request counted, or refused


def token_authenticate(
    plain: str, *, limit: int, window_seconds: float, now: datetime | None = None
) -> Authenticated | None:
    """The live token this plain text is, with its user, and the request counted
    against the token's allowance (``limit`` per ``window_seconds``,
    ``ratelimit.spend``); None for anything else, with nothing counted.

    Every API request with a token asks this, so it is written out, not built
    by the ORM (~0.5 ms a request, more than the lookup; bench/api_boards.py),
    and on PostgreSQL the lookup and the count are one statement. The limit is
    keyed by the token's digest, so an unknown token leaves no row behind.
    Notes the time of use, at most once a minute (one UPDATE that matches no
    row within the minute, so concurrent requests never wait on each other).
    """
    if not plain.startswith(TOKEN_MARK) or len(plain) > 200:
        return None
    digest = digest_of(plain)
    # The lookup is written for, and run on, the connection the limit is kept on.
    connection = ratelimit.bucket_connection()
    row, rate = ratelimit.spend_if_found(
        _lookup_sql(connection),
        {"digest": digest, "active": True},
        f"api-token:{digest}",
        limit,
        window_seconds,
    )
    if row is None or rate is None:
        return None
    split = len(ApiToken._meta.concrete_fields)
    token: ApiToken = built(connection, ApiToken, row[:split])
    user: User = built(connection, User, row[split:])
    token.user = user
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return Authenticated(token=token, rate=rate)
