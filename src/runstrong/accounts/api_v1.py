"""The public API's ``/me``: who the caller is and how they like things shown."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema

from runstrong.accounts.api_auth import ATHLETES
from runstrong.api_base import AUTH_ERRORS, athlete, caller, with_errors

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    display_name: str
    units: Literal["km", "mi"]
    default_privacy: Literal["public", "clubs", "private"]
    # How this request was authenticated, and what a token may do.
    auth: Literal["token", "session"]
    scope: Literal["read", "write"]


@router.get("/me", response=with_errors({200: MeOut}, *AUTH_ERRORS), auth=ATHLETES)
def me(request: HttpRequest) -> MeOut:
    """The caller's profile: name, units (km or mi) and who sees new results by default."""
    user = athlete(request)
    token = caller(request).token
    return MeOut(
        id=user.pk,
        display_name=user.shown_name,
        units=user.units,  # type: ignore[arg-type]
        default_privacy=user.default_privacy,  # type: ignore[arg-type]
        auth="token" if token is not None else "session",
        # A logged-in page may do anything its athlete may; a token what it was given.
        scope="write" if token is None or token.can_write else "read",
    )
