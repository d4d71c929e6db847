"""Log in with an e-mail address (the web) or a user name (the admin, the CLI's users).

The failed-log-in limit is enforced here, not in the log-in view, so every way
in (the site's form, the admin's, any later API) counts against the same
limit; the view only asks ``login_refusal`` to say how long to wait.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.http import HttpRequest

from runstrong import ratelimit
from runstrong.accounts import services
from runstrong.accounts.models import User
from runstrong.sql import column, table, written_once

_REFUSAL = "_runstrong_login_refusal"


def login_refusal(request: HttpRequest) -> ratelimit.Decision | None:
    """The limit's refusal, if the back end refused this request's log-in.

    Django's authenticate() turns a refusal into a plain failed log-in; a page
    that wants to say how long to wait asks here.
    """
    refusal: ratelimit.Decision | None = getattr(request, _REFUSAL, None)
    return refusal


def _written_user(connection: Any) -> str:
    # The model's own names; the id is a parameter.
    return (
        f"SELECT * FROM {table(connection, User)}"  # noqa: S608
        f" WHERE {column(connection, User, 'id')} = %s"
    )


class EmailBackend(ModelBackend):
    """ModelBackend that looks an account up by e-mail when the login holds an '@'.

    It replaces ModelBackend rather than sitting beside it, so a wrong password
    costs one Argon2 hash, not one per back end.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        login = username.strip()
        attempt = None
        if request is not None:
            attempt = services.login_attempt_claim(ip=ratelimit.client_ip(request), login=login)
            if not attempt.decision.allowed:
                setattr(request, _REFUSAL, attempt.decision)
                # Django's authenticate() stops at PermissionDenied: no other back
                # end is tried and the password is not even checked.
                raise PermissionDenied("too many failed log-ins")
        user = self._find(login)
        if user is None:
            # Hash anyway, so the response time does not tell whether the account exists.
            User().set_password(password)
        elif user.check_password(password) and self.user_can_authenticate(user):
            if attempt is not None:
                services.login_attempt_succeeded(attempt=attempt)
            return user
        # A failed attempt keeps the places it claimed: that is how it is counted.
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The logged-in user of a request, as ModelBackend finds them, in a raw query.

        Every logged-in page asks for this. ``objects.get(pk=...)`` spends
        about 0.2 ms building its SQL; the same statement written out, with
        the fields still converted by the ORM, takes about 0.08 ms.
        """
        connection = connections[router.db_for_read(User)]
        found = list(User._default_manager.raw(written_once(connection, _written_user), [user_id]))
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _find(login: str) -> User | None:
        users = User._default_manager
        by_email = users.filter(email__iexact=login).first() if "@" in login else None
        return by_email or users.filter(username=login).first()
