"""Board pages: choose a program, then its board with filters, pages and your own place.

Public boards are open to visitors and show only results their athletes made
public. A club board (``?club=<slug>``) is for that club's members: anyone
else gets the same 404 as for a club that does not exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from runstrong.accounts.models import User
from runstrong.accounts.web import request_athlete
from runstrong.community import board_cache, ranking, selectors_boards
from runstrong.community.forms_boards import (
    DEFAULT_PERIOD,
    PRESCRIBED,
    SCALED,
    WAYS,
    BoardFilterForm,
    board_filters,
)
from runstrong.community.models import Club, Period


def _form(request: HttpRequest, clubs: list[Club]) -> BoardFilterForm:
    """The filter form, validated, for the page's menus (and their errors)."""
    form = BoardFilterForm(request.GET, clubs=clubs)
    form.is_valid()
    return form


def _filters_query(data: Mapping[str, str]) -> str:
    """The chosen filters as a query string, defaults left out (no stray parameters)."""
    chosen = {
        "way": data["way"] if data["way"] != PRESCRIBED else "",
        "period": data["period"] if data["period"] != DEFAULT_PERIOD else "",
        "sex": data["sex"],
        "age": data["age"],
        "club": data["club"],
    }
    return urlencode({name: value for name, value in chosen.items() if value})


YOU = mark_safe(' class="board-row-you"')
SCALED_MARK = mark_safe(' <abbr title="scaled">(s)</abbr>')


def _rows_html(page: selectors_boards.BoardPage, *, viewer_id: int | None, scaled: bool) -> str:
    """The board's rows, escaped by format_html: written here because a template
    loop over them cost most of the page's time. Each time links to its result,
    where people cheer and comment: whoever may see a board may open every
    result on it (a public board's are public; a club board's, open to the
    club's members, are shown to their clubs at least)."""
    # The address of result 0 less its id: one reverse() a page, not one a row.
    results = reverse("community:result", args=[0]).removesuffix("0/")
    return format_html_join(
        "\n",
        # The name in <bdi>: a right-to-left name keeps to itself, whatever it holds.
        '<tr{}><td>{}</td><th scope="row"><bdi>{}</bdi></th>'
        '<td><a href="{}{}/">{}<span class="visually-hidden"> (<bdi>{}</bdi>: the result)'
        "</span></a>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                YOU if row.athlete_id == viewer_id else "",
                row.rank,
                row.name,
                results,
                row.result_id,
                row.time,
                row.name,
                SCALED_MARK if scaled else "",
                row.core_exercise,
                row.day_text,
            )
            for row in page.rows
        ),
    )


def _table_html(
    context: dict[str, Any], page: selectors_boards.BoardPage, filters: str
) -> SafeString:
    """The rows and page links, rendered once per board version, filters, page and
    whether the viewer's own row is among them."""
    viewer_id = context["viewer_id"]
    highlight = viewer_id if any(row.athlete_id == viewer_id for row in page.rows) else None
    key = ("table", page.key, page.position, highlight)
    html: str | None = board_cache.HTML.get(page.version, key)
    if html is None:
        top_url = f"?{filters}"
        html = render_to_string(
            "community/boards/_table.html",
            {
                **context,
                "page": page,
                "rows_html": _rows_html(page, viewer_id=viewer_id, scaled=context["query"].scaled),
                "top_url": top_url,
                "next_url": f"{top_url}{'&' if filters else ''}after={page.next_cursor}",
            },
        )
        board_cache.HTML.put(page.version, key, html)
    # Our own template's output, every value escaped when it was rendered.
    return mark_safe(html)  # noqa: S308


def _results_html(context: dict[str, Any], page: selectors_boards.BoardPage) -> str:
    """The viewer's own place and the table, rendered once per everything they show."""
    viewer = context["viewer"]
    key = (
        "results",
        page.key,
        page.position,
        page.total,
        page.pinned,  # the viewer's row and place, by value
        context["table_html"],
        viewer is not None,
        # A visitor's "log in" link comes back to this address.
        context["full_path"] if viewer is None else None,
    )
    html: str | None = board_cache.HTML.get(page.version, key)
    if html is None:
        # Rendered without the request's context processors: it needs none.
        html = render_to_string("community/boards/_results.html", context)
        board_cache.HTML.put(page.version, key, html)
    return html


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/boards/index.html",
        {"programs": selectors_boards.board_programs()},
    )


@require_GET
def board(request: HttpRequest, program_slug: str) -> HttpResponse:
    viewer = request_athlete(request)
    htmx = bool(getattr(request, "htmx", False))
    # A visitor's page is the same for every visitor: reuse it while the
    # board's version (one cache read) has not moved.
    kept_as = (request.get_full_path(), htmx, selectors_boards.today())
    version = board_cache.current(program_slug) if viewer is None else None
    kept: bytes | None = board_cache.PAGES.get(version, kept_as)
    if kept is not None:
        return HttpResponse(kept)
    response = _board(request, program_slug, viewer, htmx)
    # Kept under the version read before it was made: if the board moved in
    # between, that version is already stale and the page is never served.
    if viewer is None and response.status_code == 200 and not len(get_messages(request)):
        board_cache.PAGES.put(version, kept_as, response.content)
    return response


# Stand-ins for what differs between requests that share one rendered page
# around the results (``_shell``): random, so no text on the page (a club's
# name) can forge one.
_RESULTS_MARK = f"board-results-{secrets.token_hex(12)}"
_CSRF_MARK = f"board-csrf-{secrets.token_hex(12)}"
_SHELL_VERSION = "shell"  # not a board version: the page around holds no entries


def _shell(
    request: HttpRequest,
    context: dict[str, Any],
    viewer: User | None,
    frame: selectors_boards.BoardFrame,
) -> str:
    """The page around the results, rendered once and reused by every request
    with the same query string (less the cursor), log-in state, clubs, programs
    and unread count — everything it shows. Rendering the page template
    (navigation, tabs, filter menus) cost about half of a logged-in page."""
    key = (
        request.path,
        tuple((name, tuple(values)) for name, values in request.GET.lists() if name != "after"),
        viewer is not None,
        tuple((club.slug, club.name) for club in frame.clubs),
        tuple((program.pk, program.slug, program.name) for program in frame.programs),
        frame.unread,
    )
    shell: str | None = board_cache.SHELLS.get(_SHELL_VERSION, key)
    if shell is None:
        shell = render_to_string(
            "community/boards/board.html",
            {
                **context,
                "form": _form(request, frame.clubs),
                "results_html": mark_safe(_RESULTS_MARK),  # noqa: S308 - our own marker
                "csrf_token": _CSRF_MARK,
            },
            request=request,
        )
        board_cache.SHELLS.put(_SHELL_VERSION, key, shell)
    return shell


def _board(
    request: HttpRequest, program_slug: str, viewer: User | None, htmx: bool
) -> HttpResponse:
    frame = selectors_boards.board_frame(program_slug, viewer)
    program, programs, clubs = frame.program, frame.programs, frame.clubs
    if program is None:
        raise Http404("No such program")
    club_slug = request.GET.get("club", "")
    if club_slug and club_slug not in {club.slug for club in clubs}:
        raise Http404("No such club board")
    data = board_filters(request.GET, clubs)
    context: dict[str, Any] = {
        "program": program,
        "programs": programs,
        "ways": WAYS,
        "periods": Period.choices,
        "page": None,
        "query": None,
        "viewer": viewer,
        "viewer_id": viewer.pk if viewer is not None else None,
        "full_path": request.get_full_path(),
        # Already counted in the frame: no second query from the context processor.
        "unread_notifications": frame.unread,
    }
    if data is None:
        context["form"] = _form(request, clubs)  # with its errors
        context["results_html"] = render_to_string("community/boards/_results.html", context)
        return render(request, "community/boards/board.html", context, status=400)
    query = selectors_boards.BoardQuery(
        program=program,
        scaled=data["way"] == SCALED,
        period=data["period"],
        period_start=ranking.period_start(data["period"], selectors_boards.today()),
        sex=data["sex"],
        age_group=data["age"],
        club=next((club for club in clubs if club.slug == data["club"]), None),
    )
    context["query"] = query
    context["page"] = page = selectors_boards.board_page(
        query=query,
        viewer_id=viewer.pk if viewer is not None else None,
        cursor=request.GET.get("after"),
        program_version=frame.version,
    )
    context["table_html"] = _table_html(context, page, _filters_query(data))
    results = _results_html(context, page)
    if htmx:
        # An htmx filter change or "next page" swaps only the results.
        return HttpResponse(results)
    if len(get_messages(request)):
        # A message waiting to be shown: render the page whole, once.
        context["results_html"] = mark_safe(results)  # noqa: S308 - our own template's output
        context["form"] = _form(request, clubs)
        return render(request, "community/boards/board.html", context)
    html = _shell(request, context, viewer, frame).replace(_RESULTS_MARK, results)
    if _CSRF_MARK in html:
        # The log-out form's token, fresh for this request (and the CSRF
        # cookie set, as the {% csrf_token %} tag does).
        html = html.replace(_CSRF_MARK, get_token(request))
    return HttpResponse(html)
