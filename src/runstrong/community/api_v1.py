"""The public API's results (``/api/v1/results``), boards (``/api/v1/boards``), and
the cheers and comments on a result.

A result is answered to whoever the access rule lets see it
(``access.may_see`` through ``selectors.result_visible_to``, as on every
page), visitors included for public ones, and 404 to everyone else in the
same words as a result that does not exist. The list is the caller's own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, QueryDict
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import BaseModel, ConfigDict

from runstrong.accounts.api_auth import ANYONE, ATHLETES
from runstrong.accounts.models import User
from runstrong.api_base import (
    JSON_TYPE,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiError,
    athlete,
    caller,
    rendered,
    with_errors,
)
from runstrong.community import (
    access,
    board_cache,
    ranking,
    selectors,
    selectors_boards,
    services,
)
from runstrong.community.forms_boards import PRESCRIBED, SCALED, board_filters
from runstrong.community.models import COMMENT_MAX_LENGTH, Comment
from runstrong.workouts.models import Result

router = Router(tags=["results"])

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PAGE_SIZE_MAX = 100
Visibility = Literal["public", "clubs", "private"]


class Shape(BaseModel):
    """An answer's shape checked by pydantic alone, for answers built from dicts.

    ninja's ``Schema`` reads every object it checks through a ``DjangoGetter``
    (so that it can also take model instances): for a board page, 25 rows and
    their athletes, that was 0.6-0.8 ms (1.3 ms on a busy machine), about the
    view's own work once the board's pieces are kept (bench/api_boards.py).
    pydantic-core alone checks the same answer in under 0.1 ms. The OpenAPI
    document is the same.
    """


class ProgramRefOut(Shape):
    slug: str
    name: str


class AthleteRefOut(Shape):
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


# ---------------------------------------------------------------------------
# Boards: the same filters, ranking and cursors as the board pages
# (``views_boards``), through the same selectors.


class BoardFilters(Schema):
    way: Literal["prescribed", "scaled"] = "prescribed"
    period: Literal["week", "month", "year", "all"] = "all"
    sex: Literal["", "f", "m"] = ""  # "" is everyone
    age: Annotated[str, Field(max_length=10)] = ""  # "" or one of ranking.AGE_GROUPS
    club: Annotated[str, Field(max_length=100)] = ""  # "" or the slug of one of the caller's clubs
    # The previous page's next_cursor; a stale or garbled one starts at the top, as on the page.
    after: Annotated[str, Field(max_length=400)] = ""


class BoardRowOut(Shape):
    rank: int
    athlete: AthleteRefOut
    mine: bool
    time: str  # as the board shows it: "12:34", or "CAP + 180"
    capped: bool
    core_exercise: str
    day: date
    result_id: int


class BoardPlaceOut(Shape):
    row: BoardRowOut
    top_percent: int


class BoardOut(Shape):
    program: ProgramRefOut
    way: Literal["prescribed", "scaled"]
    period: Literal["week", "month", "year", "all"]
    sex: str
    age: str
    club: str
    total: int
    you: BoardPlaceOut | None  # the caller's own place on this board, wherever it is
    rows: list[BoardRowOut]
    next_cursor: str | None  # send as ``after`` for the next page


class BoardProgramOut(Shape):
    slug: str
    name: str


def _board_row(row: selectors_boards.BoardRow, viewer_id: int | None) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "athlete": {"display_name": row.name},
        "mine": row.athlete_id == viewer_id,
        "time": row.time,
        "capped": row.capped,
        "core_exercise": row.core_exercise,
        "day": row.day,
        "result_id": row.result_id,
    }


@router.get(
    "/boards",
    response=with_errors({200: list[BoardProgramOut]}, *READ_ERRORS),
    auth=ANYONE,
    tags=["boards"],
)
def board_list(request: HttpRequest) -> list[dict[str, str]]:
    """The programs that have boards, as the boards page lists them."""
    return [
        {"slug": program.slug, "name": program.name}
        for program in selectors_boards.board_programs()
    ]


@router.get(
    "/boards/{program_slug}",
    response=with_errors({200: BoardOut}, *READ_ERRORS),
    auth=ANYONE,
    tags=["boards"],
)
def board_detail(
    request: HttpRequest,
    program_slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)],
    filters: Query[BoardFilters],
) -> HttpResponse:
    """One page of a program's board, with the board page's filters. Public boards
    rank public results; a club board (``club``) is for that club's members and
    ranks the results its members show their clubs too. A club the caller is not
    in is a 404, like one that does not exist."""
    viewer = caller(request).user
    # A visitor's answer is the same for every visitor: kept whole, as the
    # board page is (views_boards.board), while the board's version (one
    # statement) has not moved.
    kept_as = ("api", tuple(filters.model_dump().items()), selectors_boards.today())
    version = board_cache.current(program_slug) if viewer is None else None
    kept: bytes | None = board_cache.ANSWERS.get(version, kept_as)
    if kept is not None:
        return HttpResponse(kept, content_type=JSON_TYPE)
    answer = _board_answer(program_slug, viewer, filters)
    # Checked against the schema and rendered as ninja renders any answer, but
    # directly: ninja's own way (the answer read through a wrapper model, each
    # row's date turned to text by the encoder's fallback) was ~0.3 ms of a
    # token caller's ~1.9 (bench/api_boards.py). A visitor's is then kept
    # under the version read before it was made: if the board moved in
    # between, that version is already stale.
    response = rendered(request, BoardOut.model_validate(answer).model_dump(mode="json"))
    if viewer is None:
        board_cache.ANSWERS.put(version, kept_as, response.content)
    return response


def _board_answer(program_slug: str, viewer: User | None, filters: BoardFilters) -> dict[str, Any]:
    frame = selectors_boards.board_frame(program_slug, viewer)
    if frame.program is None:
        raise ApiError(404, "not_found", "no such program")
    if filters.club and filters.club not in {club.slug for club in frame.clubs}:
        raise ApiError(404, "not_found", "no such club board")
    if filters.age and filters.age not in ranking.AGE_GROUPS:
        raise ApiError(
            422,
            "invalid",
            f"age: one of {', '.join(ranking.AGE_GROUPS)}, or empty for all ages",
            field="age",
        )
    chosen = QueryDict(mutable=True)
    chosen.update(
        {
            "way": filters.way,
            "period": filters.period,
            "sex": filters.sex,
            "age": filters.age,
            "club": filters.club,
        }
    )
    data = board_filters(chosen, frame.clubs)
    if data is None:  # pragma: no cover - every filter is checked above
        raise ApiError(422, "invalid", "these filters are not on offer")
    query = selectors_boards.BoardQuery(
        program=frame.program,
        scaled=data["way"] == SCALED,
        period=data["period"],
        period_start=ranking.period_start(data["period"], selectors_boards.today()),
        sex=data["sex"],
        age_group=data["age"],
        club=next((club for club in frame.clubs if club.slug == data["club"]), None),
    )
    viewer_id = viewer.pk if viewer is not None else None
    page = selectors_boards.board_page(
        query=query,
        viewer_id=viewer_id,
        cursor=filters.after or None,
        program_version=frame.version,
    )
    pinned = page.pinned
    return {
        "program": {"slug": frame.program.slug, "name": frame.program.name},
        "way": SCALED if query.scaled else PRESCRIBED,
        "period": query.period,
        "sex": query.sex,
        "age": query.age_group,
        "club": data["club"],
        "total": page.total,
        "you": (
            {"row": _board_row(pinned.row, viewer_id), "top_percent": pinned.top_percent}
            if pinned is not None
            else None
        ),
        "rows": [_board_row(row, viewer_id) for row in page.rows],
        "next_cursor": page.next_cursor,
    }


# ---------------------------------------------------------------------------
# Cheers and comments on a result: the same services and access rule as the
# result page's forms (a result the caller may not see is a 404).

CheerKind = Literal["cheer", "pr", "strong", "grit"]  # ranking.CHEER_KINDS
CommentId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class CheerOut(Schema):
    kind: CheerKind
    label: str
    count: int
    mine: bool


class CommentOut(Schema):
    id: int
    result_id: int
    author: AthleteRefOut
    mine: bool
    text: str  # plain text, never markup
    created_at: datetime
    edited_at: datetime | None
    can_delete: bool


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Cleaned and checked by the same rule as the page's form (at most
    # COMMENT_MAX_LENGTH characters once cleaned); the bound here only keeps
    # a request small.
    text: Annotated[str, Field(max_length=4 * COMMENT_MAX_LENGTH)]


def _refused(error: services.CommunityError) -> ApiError:
    if isinstance(error, services.NotFound):
        return ApiError(404, "not_found", error.message)
    if isinstance(error, services.NotAllowed):
        return ApiError(403, "forbidden", error.message)
    if isinstance(error, services.RateLimited):
        return ApiError(
            429,
            "rate_limited",
            error.message,
            headers={"Retry-After": str(error.decision.retry_after)},
        )
    return ApiError(422, "invalid", error.message, field="text")


def _cheers_out(result_id: int, viewer: Any) -> list[dict[str, Any]]:
    return [
        {"kind": cheer.kind, "label": cheer.label, "count": cheer.count, "mine": cheer.mine}
        for cheer in selectors.cheer_counts([result_id], viewer)[result_id]
    ]


def _comment_out(view: selectors.CommentView, viewer_id: int | None) -> dict[str, Any]:
    comment: Comment = view.comment
    return {
        "id": comment.pk,
        "result_id": comment.result_id,
        "author": {"display_name": comment.author.shown_name},
        "mine": comment.author_id == viewer_id,
        "text": comment.text,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "can_delete": view.can_delete,
    }


@router.get(
    "/results/{id:result_id}/cheers",
    response=with_errors({200: list[CheerOut]}, *READ_ERRORS),
    auth=ANYONE,
    tags=["cheers and comments"],
)
def cheer_list(request: HttpRequest, result_id: ResultId) -> list[dict[str, Any]]:
    """Every kind of cheer on offer, with its count and whether the caller gave one."""
    viewer = caller(request).user
    result = _visible(result_id, viewer)
    return _cheers_out(result.pk, viewer)


def _cheer_set(request: HttpRequest, result_id: int, kind: str, on: bool) -> list[dict[str, Any]]:
    user = athlete(request)
    try:
        services.cheer_toggle(athlete=user, result_id=result_id, kind=kind, on=on)
    except services.CommunityError as error:
        raise _refused(error) from None
    return _cheers_out(result_id, user)


@router.put(
    "/results/{id:result_id}/cheers",
    response=with_errors({200: list[CheerOut]}, *WRITE_ERRORS),
    auth=ATHLETES,
    tags=["cheers and comments"],
)
def cheer_give(
    request: HttpRequest, result_id: ResultId, kind: Query[CheerKind]
) -> list[dict[str, Any]]:
    """Give a cheer of this kind (``?kind=grit``); giving it again changes nothing."""
    return _cheer_set(request, result_id, kind, True)


@router.delete(
    "/results/{id:result_id}/cheers",
    response=with_errors({200: list[CheerOut]}, *WRITE_ERRORS),
    auth=ATHLETES,
    tags=["cheers and comments"],
)
def cheer_take_back(
    request: HttpRequest, result_id: ResultId, kind: Query[CheerKind]
) -> list[dict[str, Any]]:
    """Take back the caller's cheer of this kind (``?kind=grit``); if none was given,
    nothing changes."""
    return _cheer_set(request, result_id, kind, False)


@router.get(
    "/results/{id:result_id}/comments",
    response=with_errors({200: list[CommentOut]}, *READ_ERRORS),
    auth=ANYONE,
    tags=["cheers and comments"],
)
def comment_list(request: HttpRequest, result_id: ResultId) -> list[dict[str, Any]]:
    """The comments on a result, oldest first, as its page shows them."""
    viewer = caller(request).user
    result = _visible(result_id, viewer)
    viewer_id = viewer.pk if viewer is not None else None
    return [
        _comment_out(view, viewer_id) for view in selectors.result_social(result, viewer).comments
    ]


@router.post(
    "/results/{id:result_id}/comments",
    response=with_errors({201: CommentOut}, *WRITE_ERRORS),
    auth=ATHLETES,
    tags=["cheers and comments"],
)
def comment_create(
    request: HttpRequest, result_id: ResultId, payload: CommentIn
) -> Status[dict[str, Any]]:
    """Comment on a result the caller may see: plain text, cleaned as on the page."""
    user = athlete(request)
    try:
        comment = services.comment_add(author=user, result_id=result_id, text=payload.text)
    except services.CommunityError as error:
        raise _refused(error) from None
    comment.author = user
    view = selectors.CommentView(comment=comment, can_edit=True, can_delete=True)
    return Status(201, _comment_out(view, user.pk))


@router.get(
    "/comments/{id:comment_id}",
    response=with_errors({200: CommentOut}, *READ_ERRORS),
    auth=ANYONE,
    tags=["cheers and comments"],
)
def comment_detail(request: HttpRequest, comment_id: CommentId) -> dict[str, Any]:
    """One comment, on a result the caller may see (anything else is a 404)."""
    viewer = caller(request).user
    comment = Comment.objects.select_related("author").filter(id=comment_id).first()
    result = _visible(comment.result_id, viewer) if comment is not None else None
    if comment is None or result is None:
        raise ApiError(404, "not_found", "no such comment")
    viewer_id = viewer.pk if viewer is not None else None
    admin_of_owner = (
        viewer_id is not None
        and viewer_id not in (comment.author_id, result.athlete_id)
        and selectors.admins_a_club_of(viewer_id=viewer_id, owner_id=result.athlete_id)
    )
    can_delete = access.may_delete_comment(
        viewer_id=viewer_id,
        author_id=comment.author_id,
        owner_id=result.athlete_id,
        admin_of_owner=admin_of_owner,
    )
    view = selectors.CommentView(
        comment=comment,
        can_edit=access.may_edit_comment(viewer_id=viewer_id, author_id=comment.author_id),
        can_delete=can_delete,
    )
    return _comment_out(view, viewer_id)


@router.delete(
    "/comments/{id:comment_id}",
    response=with_errors({204: None}, *WRITE_ERRORS),
    auth=ATHLETES,
    tags=["cheers and comments"],
)
def comment_remove(request: HttpRequest, comment_id: CommentId) -> Status[None]:
    """Delete a comment: the caller's own, or one on their result (or, for a club
    admin, on a member's result), as on the page. One the caller cannot see is a 404."""
    user = athlete(request)
    try:
        services.comment_delete(actor=user, comment_id=comment_id)
    except services.CommunityError as error:
        raise _refused(error) from None
    return Status(204, None)
