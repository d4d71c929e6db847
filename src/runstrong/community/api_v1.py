"""The public API's results (``/api/v1/results``).

A result is answered to whoever the access rule lets see it
(``access.may_see`` through ``selectors.result_visible_to``, as on every
page), visitors included for public ones, and 404 to everyone else in the
same words as a result that does not exist. The list is the caller's own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from runstrong.accounts.api_auth import ANYONE, ATHLETES
from runstrong.accounts.models import User
from runstrong.api_base import READ_ERRORS, WRITE_ERRORS, ApiError, athlete, caller, with_errors
from runstrong.community import selectors, services
from runstrong.workouts.models import Result

router = Router(tags=["results"])

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PAGE_SIZE_MAX = 100
Visibility = Literal["public", "clubs", "private"]


class ProgramRefOut(Schema):
    slug: str
    name: str


class AthleteRefOut(Schema):
    display_name: str


class SplitOut(Schema):
    exercise: str
    reps: int
    split_ms: int | None  # None for a result logged by hand without splits


class ResultOut(Schema):
    id: int
    program: ProgramRefOut
    athlete: AthleteRefOut
    mine: bool
    started_at: datetime
    total_ms: int
    capped: bool
    reps_at_cap: int | None
    reps_total: int
    scaled: bool
    scaled_how: list[str]
    unverified: bool
    manual: bool  # logged by hand: never on a board
    review: Literal["none", "flagged", "cleared", "confirmed"]
    splits: list[SplitOut]
    visibility: Visibility
    on_boards: bool
    cheers: dict[str, int]


class ResultPageOut(Schema):
    items: list[ResultOut]
    page: int
    page_size: int
    next_page: int | None


class ResultFilters(Schema):
    program: Annotated[str | None, Field(pattern=SLUG_PATTERN, max_length=80)] = None
    since: date | None = None  # from this day on (site time), inclusive
    until: date | None = None  # up to this day, inclusive
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=PAGE_SIZE_MAX)] = 20


class ResultChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    visibility: Visibility | None = None
    on_boards: bool | None = None


def _result_out(result: Result, viewer: User | None, cheers: dict[str, int]) -> dict[str, Any]:
    return {
        "id": result.pk,
        "program": {"slug": result.program.slug, "name": result.program.name},
        "athlete": {"display_name": result.athlete.shown_name},
        "mine": viewer is not None and viewer.pk == result.athlete_id,
        "started_at": result.started_at,
        "total_ms": result.total_ms,
        "capped": result.capped,
        "reps_at_cap": result.reps_at_cap,
        "reps_total": result.reps_total,
        "scaled": result.scaled,
        "scaled_how": list(result.scaled_how),
        "unverified": result.unverified,
        "manual": result.manual,
        "review": result.review,
        "splits": [
            {"exercise": name, "reps": reps, "split_ms": split}
            for name, reps, split in zip(
                result.session.exercise_names, result.reps_done, result.splits_ms, strict=False
            )
        ],
        "visibility": result.visibility,
        "on_boards": result.on_boards,
        "cheers": cheers,
    }


def _cheers(result_ids: list[int], viewer: User | None) -> dict[int, dict[str, int]]:
    counts = selectors.cheer_counts(result_ids, viewer)
    return {
        result_id: {cheer.kind: cheer.count for cheer in counts.get(result_id, [])}
        for result_id in result_ids
    }


def _own_results_page(user: User, filters: ResultFilters) -> tuple[list[Result], bool]:
    """One page of the athlete's results, newest first, and whether another follows.

    Two queries whatever the page size: the rows (with program, session and
    athlete) and, in the caller, their cheer counts."""
    results = Result.objects.select_related("program", "session", "athlete").filter(athlete=user)
    if filters.program is not None:
        results = results.filter(program__slug=filters.program)
    if filters.since is not None:
        results = results.filter(started_at__date__gte=filters.since)
    if filters.until is not None:
        results = results.filter(started_at__date__lte=filters.until)
    start = (filters.page - 1) * filters.page_size
    rows = list(results.order_by("-started_at", "-id")[start : start + filters.page_size + 1])
    return rows[: filters.page_size], len(rows) > filters.page_size


@router.get("/results", response=with_errors({200: ResultPageOut}, *READ_ERRORS), auth=ATHLETES)
def result_list(request: HttpRequest, filters: Query[ResultFilters]) -> dict[str, Any]:
    """The caller's own results, newest first, a page at a time; by program and by day."""
    user = athlete(request)
    if filters.since and filters.until and filters.since > filters.until:
        raise ApiError(422, "invalid", "'since' is after 'until'", field="since")
    rows, more = _own_results_page(user, filters)
    cheers = _cheers([row.pk for row in rows], user)
    return {
        "items": [_result_out(row, user, cheers[row.pk]) for row in rows],
        "page": filters.page,
        "page_size": filters.page_size,
        "next_page": filters.page + 1 if more else None,
    }


def _visible(result_id: int, viewer: User | None) -> Result:
    result = selectors.result_visible_to(result_id, viewer)
    if result is None:
        raise ApiError(404, "not_found", "no such result")
    return result


ResultId = Annotated[int, Field(ge=1, le=2**63 - 1)]


@router.get(
    "/results/{id:result_id}",
    response=with_errors({200: ResultOut}, *READ_ERRORS),
    auth=ANYONE,
)
def result_detail(request: HttpRequest, result_id: ResultId) -> dict[str, Any]:
    """Any result the caller may see: their own, public ones, and their clubmates'
    club-only ones. Anything else is a 404, exactly like a missing result."""
    viewer = caller(request).user
    result = _visible(result_id, viewer)
    return _result_out(result, viewer, _cheers([result.pk], viewer)[result.pk])


@router.patch(
    "/results/{id:result_id}",
    response=with_errors({200: ResultOut}, *WRITE_ERRORS),
    auth=ATHLETES,
)
def result_change(
    request: HttpRequest, result_id: ResultId, payload: ResultChangeIn
) -> dict[str, Any]:
    """Who may see one of the caller's results, and whether it stands on the boards.
    Someone else's result is a 404, as on the pages."""
    user = athlete(request)
    if payload.visibility is None and payload.on_boards is None:
        raise ApiError(422, "invalid", "send visibility, on_boards or both", field="visibility")
    try:
        if payload.visibility is not None:
            services.result_visibility_set(
                athlete=user, result_id=result_id, visibility=payload.visibility
            )
        if payload.on_boards is not None:
            services.result_boards_set(
                athlete=user, result_id=result_id, on_boards=payload.on_boards
            )
    except services.NotFound:
        raise ApiError(404, "not_found", "no such result") from None
    except services.Invalid as error:
        raise ApiError(422, "invalid", error.message, field="visibility") from None
    result = _visible(result_id, user)
    return _result_out(result, user, _cheers([result.pk], user)[result.pk])
