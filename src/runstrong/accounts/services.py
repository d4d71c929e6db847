"""The only code that writes accounts, and the log-in throttle."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from runstrong import ratelimit
from runstrong.accounts import signals
from runstrong.accounts.models import User
from runstrong.text import clean_line

# Failed log-ins allowed per window. Per address the limit is tight, since a
# guesser aims at one account; per client IP it is looser, because a gym or a
# phone network puts many honest runners behind one address.
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_EMAIL = 5
LOGIN_FAILURES_PER_IP = 20
# Sign-ups and reset e-mails per client IP (and reset e-mails per address),
# so nobody can fill the database or someone's inbox.
SIGN_UPS_PER_IP = 10
RESETS_PER_IP = 10
RESETS_PER_EMAIL = 3
HOUR = 60 * 60


class EmailTaken(ValueError):
    """An account with this e-mail address already exists."""


def _new_username() -> str:
    # Random, not derived from the e-mail, so the handle never gives the
    # address away wherever a user name is shown.
    return f"runner-{secrets.token_hex(5)}"


def user_sign_up(*, email: str, password: str, display_name: str) -> User:
    """Create an athlete who logs in with ``email``; raise EmailTaken if it is in use."""
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    for _ in range(5):
        try:
            with transaction.atomic():
                return User.objects.create_user(
                    username=_new_username(),
                    email=email,
                    password=password,
                    display_name=clean_line(display_name),
                )
        except IntegrityError:
            # The address was taken a moment ago, or (rarely) the random name
            # was: tell the first apart, retry the second with a new name.
            if User.objects.filter(email__iexact=email).exists():
                raise EmailTaken(email) from None
    raise RuntimeError("could not find a free user name")  # 5 collisions of 40 random bits


def profile_update(
    *,
    user: User,
    display_name: str,
    units: str,
    sex: str,
    birth_year: int | None,
    default_privacy: str,
) -> User:
    """Save the profile; the apps that copy any of it (boards, share cards) hear
    which fields changed through ``signals.profile_changed``, in this transaction."""
    fields = ("display_name", "units", "sex", "birth_year", "default_privacy")
    before = {field: getattr(user, field) for field in fields}
    user.display_name = clean_line(display_name)
    user.units = units
    user.sex = sex
    user.birth_year = birth_year
    user.default_privacy = default_privacy
    user.full_clean(exclude=["password", "username", "email"])
    with transaction.atomic():
        user.save(update_fields=list(fields))
        changed = frozenset(field for field in fields if getattr(user, field) != before[field])
        if changed:
            signals.profile_changed.send(sender=User, athlete=user, changed=changed)
    return user


# ---------------------------------------------------------------------------
# Log-in throttle: failures are counted per login (e-mail address or user
# name) and per client IP. The e-mail back end applies it on every log-in.


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One log-in attempt's places under the limits, claimed before its password is checked."""

    decision: ratelimit.Decision  # allowed, or the refusal with the longest wait
    login: str
    claims: tuple[ratelimit.Decision, ...] = ()


def _account_key(login: str) -> str:
    return f"login:account:{login.strip().lower()}"


def _login_keys(*, ip: str, login: str) -> list[tuple[str, int]]:
    keys = [(f"login:ip:{ip}", LOGIN_FAILURES_PER_IP)]
    if login:
        keys.append((_account_key(login), LOGIN_FAILURES_PER_EMAIL))
    return keys


def login_attempt_claim(*, ip: str, login: str) -> LoginAttempt:
    """Take this attempt's place under the per-IP and per-account limits.

    Taking the place is the check, in one atomic step per limit. Checked
    first and counted after the password, thirty guesses sent four at a time
    all passed the check before the failures ahead of them were counted: six
    wrong-password answers against a limit of five. So the place is taken
    before the password is checked, and a wrong password simply keeps it.
    Refused, the attempt is not tried at all, even with the right password:
    were that let through, a guesser would go on guessing and learn the
    password from the one answer that differs.
    """
    claims = tuple(
        ratelimit.hit(key, limit, LOGIN_WINDOW_SECONDS)
        for key, limit in _login_keys(ip=ip, login=login)
    )
    refused = [claim for claim in claims if not claim.allowed]
    if refused:
        # Refused unchecked, so it counts against neither limit.
        ratelimit.give_back(*claims)
        decision = max(refused, key=lambda claim: claim.retry_after)
        return LoginAttempt(decision=decision, login=login)
    return LoginAttempt(decision=claims[0], login=login, claims=claims)


def login_attempt_succeeded(*, attempt: LoginAttempt) -> None:
    """The owner got in: neither this attempt nor earlier typos count against the account.

    The per-IP count of earlier failures is kept, or one valid account would
    let a guesser reset it; only this attempt's own place is given back.
    """
    ratelimit.give_back(*attempt.claims)
    if attempt.login:
        ratelimit.reset(_account_key(attempt.login), LOGIN_FAILURES_PER_EMAIL)


def sign_up_attempt(*, ip: str) -> ratelimit.Decision:
    """Count one sign-up from this client IP; refused past the hourly limit."""
    return ratelimit.hit(f"signup:ip:{ip}", SIGN_UPS_PER_IP, HOUR)


def reset_attempt(*, ip: str, email: str) -> ratelimit.Decision:
    """Count one password-reset request, per client IP and per address."""
    decision = ratelimit.hit(f"reset:ip:{ip}", RESETS_PER_IP, HOUR)
    if decision.allowed and email:
        decision = ratelimit.hit(f"reset:email:{email.strip().lower()}", RESETS_PER_EMAIL, HOUR)
    return decision


# ---------------------------------------------------------------------------
# Account settings: a new e-mail address, confirmed from that address.

# A change-of-address link works this long (the password reset link: a day too).
EMAIL_CHANGE_MAX_AGE = 24 * HOUR
EMAIL_CHANGE_SALT = "runstrong.accounts.email-change"
# Change-of-address e-mails per athlete, so nobody can mail-bomb an inbox from
# a logged-in account; and password-change attempts, so a stolen session
# cannot guess the current password any faster than the log-in form allows.
EMAIL_CHANGES_PER_USER = 5
PASSWORD_CHANGES_PER_USER = LOGIN_FAILURES_PER_EMAIL


class EmailChangeInvalid(ValueError):
    """The change-of-address link is tampered with, expired, used, or someone else's."""


@dataclass(frozen=True, slots=True)
class EmailChanged:
    user: User
    old_email: str


def email_change_attempt(*, user: User) -> ratelimit.Decision:
    """Count one change-of-address e-mail for this athlete; refused past the hourly limit."""
    return ratelimit.hit(f"email-change:user:{user.pk}", EMAIL_CHANGES_PER_USER, HOUR)


def password_change_attempt(*, user: User) -> ratelimit.Decision:
    """Claim one password-change try; ``ratelimit.give_back`` it when the change succeeds."""
    return ratelimit.hit(
        f"password-change:user:{user.pk}", PASSWORD_CHANGES_PER_USER, LOGIN_WINDOW_SECONDS
    )


@dataclass(frozen=True, slots=True)
class EmailChangeRequest:
    token: str
    new_email: str  # normalised: where the link goes


def email_change_request(*, user: User, new_email: str) -> EmailChangeRequest:
    """A signed token that moves ``user`` to ``new_email`` once its link is opened.

    Nothing is written now: the address changes only in ``email_change_confirm``.
    The token carries the address it replaces, so it stops working once the
    address changed (it was used, or another link was used first). Raises
    EmailTaken when another account has the address already.
    """
    new_email = User.objects.normalize_email(new_email.strip())
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise EmailTaken(new_email)
    if new_email.lower() == user.email.lower():
        raise EmailChangeInvalid("That is your address already.")
    payload = {"user": user.pk, "old": user.email, "new": new_email}
    token = signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)
    return EmailChangeRequest(token=token, new_email=new_email)


def email_change_read(token: str) -> dict[str, Any]:
    """The token's payload if it is genuine and recent; else EmailChangeInvalid."""
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailChangeInvalid(
            "This link is more than a day old. Ask for a new one from your account settings."
        ) from None
    except signing.BadSignature:
        raise EmailChangeInvalid("This link is not valid: copy the whole of it.") from None
    if not isinstance(payload, dict) or set(payload) != {"user", "old", "new"}:
        raise EmailChangeInvalid("This link is not valid: copy the whole of it.")
    return payload


def email_change_confirm(*, token: str, viewer: User | None = None) -> EmailChanged:
    """Move the account to the token's new address; one transaction.

    Raises EmailChangeInvalid (bad, expired or used link; a link of another
    account than the logged-in one) or EmailTaken (another account took the
    address since the link was sent). The caller tells the old address.
    """
    payload = email_change_read(token)
    if viewer is not None and viewer.pk != payload["user"]:
        raise EmailChangeInvalid("This link belongs to another account: log out first.")
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=payload["user"]).first()
            if user is None or user.email.lower() != str(payload["old"]).lower():
                raise EmailChangeInvalid(
                    "This link was used already, or your address changed since it was sent."
                )
            new_email = str(payload["new"])
            if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
                raise EmailTaken(new_email)
            old_email = user.email
            user.email = new_email
            user.save(update_fields=["email"])
            return EmailChanged(user=user, old_email=old_email)
    except IntegrityError:
        # Another account took the address between the check and the save.
        raise EmailTaken(str(payload["new"])) from None


# ---------------------------------------------------------------------------
# Deleting an account.


class WrongPassword(ValueError):
    """The password given to confirm a deletion is not the account's."""


def account_delete(*, athlete: User, password: str) -> None:
    """Delete the athlete and everything of theirs, in one transaction.

    The password is checked first; a wrong one raises WrongPassword and deletes
    nothing. ``signals.account_deleting`` goes out before the user row is
    deleted, so the apps above act while the athlete still exists (clubs handed
    over, board and club versions moved); every row that points at the athlete
    then goes by its foreign key's cascade (sessions, events, results, cheers,
    comments, notifications, runs with their files, plan), or loses the link
    (programs they added, clubs they created, flags they resolved).
    """
    if not password or not athlete.check_password(password):
        raise WrongPassword("That is not your password.")
    user_id = athlete.pk
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user_id)
        signals.account_deleting.send(sender=User, athlete=locked)
        locked.delete()
    _sessions_end(user_id=user_id)


def _sessions_end(*, user_id: int) -> None:
    """Log the deleted athlete out on every device: their session rows go too.

    A session names its user only inside its encoded data, so each live one is
    decoded (tens of microseconds each; fine for an action this rare). Done
    after the deletion's transaction: a session whose user is gone already
    lets nobody in, so this is tidying, not a lock worth holding.
    """
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id)
    ]
    Session.objects.filter(session_key__in=mine).delete()
