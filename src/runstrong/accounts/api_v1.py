"""The public API's ``/me``: who the caller is, how they like things shown, and
everything of theirs as one zip (``/me/export``)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router, Schema

from runstrong.accounts import views_export
from runstrong.accounts.api_auth import ATHLETES
from runstrong.api_base import AUTH_ERRORS, ApiError, athlete, caller, with_errors

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


# ninja documents a response it does not serialise (None) with no content; this
# names the zip, so a client (and Schemathesis) knows the 200 is binary, not JSON.
_ZIP_DOCS = {
    "responses": {
        200: {
            "description": "The archive: runstrong.json, CSV files and the run files.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="runstrong-<username>-<date>.zip"',
                    "schema": {"type": "string"},
                }
            },
        }
    }
}


@router.get(
    "/me/export",
    response=with_errors({200: None}, *AUTH_ERRORS),
    auth=ATHLETES,
    openapi_extra=_ZIP_DOCS,
)
def me_export(request: HttpRequest) -> StreamingHttpResponse:
    """Everything of the caller's as one zip, the same archive as the "Your data" page
    gives (``runstrong.json`` with its JSON Schema, CSVs, the run files as uploaded),
    streamed as it is written. A read token may fetch it; counted against the same
    hourly limit as the page's download."""
    user = athlete(request)
    decision = views_export.export_counted(user)
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"at most {views_export.EXPORTS_PER_HOUR} downloads of your data an hour: "
            f"try again in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )
    return views_export.export_response(user)
