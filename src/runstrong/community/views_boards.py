"""Board pages: choose a program, then its board with filters, pages and your own place.

Public boards are open to visitors and show only results their athletes made
public. A club board (``?club=<slug>``) is for that club's members: anyone
else gets the same 404 as for a club that does not exist.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
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
)
from runstrong.community.models import Club, Period
from runstrong.community.selectors import notification_unread_count
from runstrong.workouts.models import Program


def _filters_query(data: dict[str, Any]) -> str:
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
    loop over them cost most of the page's time."""
    return format_html_join(
        "\n",
        '<tr{}><td>{}</td><th scope="row">{}</th><td>{}{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                YOU if row.athlete_id == viewer_id else "",
                row.rank,
                row.name,
                row.time,
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
    clubs: list[Club],
    programs: list[Program],
) -> str:
    """The page around the results, rendered once and reused by every request
    with the same query string (less the cursor), log-in state, clubs, programs
    and unread count — everything it shows. Rendering the page template
    (navigation, tabs, filter menus) cost about half of a logged-in page."""
    unread = notification_unread_count(viewer) if viewer is not None else 0
    key = (
        request.path,
        tuple((name, tuple(values)) for name, values in request.GET.lists() if name != "after"),
        viewer is not None,
        tuple((club.slug, club.name) for club in clubs),
        tuple((program.pk, program.slug, program.name) for program in programs),
        unread,
    )
    shell: str | None = board_cache.SHELLS.get(_SHELL_VERSION, key)
    if shell is None:
        shell = render_to_string(
            "community/boards/board.html",
            {
                **context,
                "results_html": mark_safe(_RESULTS_MARK),  # noqa: S308 - our own marker
                "csrf_token": _CSRF_MARK,
                "unread_notifications": unread,
            },
            request=request,
        )
        board_cache.SHELLS.put(_SHELL_VERSION, key, shell)
    return shell


def _board(
    request: HttpRequest, program_slug: str, viewer: User | None, htmx: bool
) -> HttpResponse:
    program, programs = selectors_boards.board_program_tabs(program_slug)
    if program is None:
        raise Http404("No such program")
    clubs = selectors_boards.board_clubs(viewer)
    club_slug = request.GET.get("club", "")
    if club_slug and club_slug not in {club.slug for club in clubs}:
        raise Http404("No such club board")
    form = BoardFilterForm(request.GET, clubs=clubs)
    context: dict[str, Any] = {
        "program": program,
        "programs": programs,
        "form": form,
        "ways": WAYS,
        "periods": Period.choices,
        "page": None,
        "query": None,
        "viewer": viewer,
        "viewer_id": viewer.pk if viewer is not None else None,
        "full_path": request.get_full_path(),
    }
    if not form.is_valid():
        context["results_html"] = render_to_string("community/boards/_results.html", context)
        return render(request, "community/boards/board.html", context, status=400)
    data = form.cleaned_data
    query = selectors_boards.BoardQuery(
        program=program,
        scaled=data["way"] == SCALED,
        period=data["period"],
        period_start=ranking.period_start(data["period"], selectors_boards.today()),
        sex=data["sex"],
        age_group=data["age"],
        club=form.selected_club(),
    )
    context["query"] = query
    context["page"] = page = selectors_boards.board_page(
        query=query,
        viewer_id=viewer.pk if viewer is not None else None,
        cursor=request.GET.get("after"),
    )
    context["table_html"] = _table_html(context, page, _filters_query(data))
    # Rendered without the request's context processors: it needs none.
    results = render_to_string("community/boards/_results.html", context)
    if htmx:
        # An htmx filter change or "next page" swaps only the results.
        return HttpResponse(results)
    if len(get_messages(request)):
        # A message waiting to be shown: render the page whole, once.
        context["results_html"] = mark_safe(results)  # noqa: S308 - our own template's output
        return render(request, "community/boards/board.html", context)
    html = _shell(request, context, viewer, clubs, programs).replace(_RESULTS_MARK, results)
    if _CSRF_MARK in html:
        # The log-out form's token, fresh for this request (and the CSRF
        # cookie set, as the {% csrf_token %} tag does).
        html = html.replace(_CSRF_MARK, get_token(request))
    return HttpResponse(html)
