"""The plan page and its forms: the week, moving or skipping a session, starting
one, and a new calendar link.

Each view parses the request, calls one service, and renders the page again
(with 422 and the messages by the fields when the input was refused, or when a
move breaks a rule and waits for confirmation). Every form works without
JavaScript; with htmx, a move or skip swaps only that session's card.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from runstrong.accounts.web import HtmxHttpRequest, logged_in_athlete
from runstrong.plans import rules, selectors, services
from runstrong.plans.forms import MoveForm, SkipForm, WeekForm, week_initial
from runstrong.plans.models import WeekPlan

PAGE = "plans/plan.html"


def _feed_url(request: HttpRequest, plan: WeekPlan | None) -> str | None:
    """The private calendar URL, once the feed's route exists (plans/urls_feed.py)."""
    if plan is None:
        return None
    try:
        path = reverse("plans_feed:feed", kwargs={"token": plan.feed_token})
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path)


def _week_form(page: selectors.PlanPage, data: Any = None) -> WeekForm:
    if page.plan is not None:
        initial = week_initial(
            page.plan.days,
            per_week=page.plan.per_week,
            program=page.plan.program_slug,
            race_day=page.plan.race_day,
            race_is_a=page.plan.race_is_a,
        )
    elif page.guess is not None and page.guess.week is not None:
        initial = week_initial([str(day) for day in page.guess.week])
    else:
        initial = {}
    return WeekForm(data, initial=initial, offer_500=page.offer_500, today=page.today)


def _card(
    view: selectors.ItemView,
    *,
    move_form: MoveForm | None = None,
    skip_form: SkipForm | None = None,
    problems: tuple[tuple[Any, str], ...] = (),
) -> dict[str, Any]:
    """One session's card: the item and its move and skip forms (with any errors)."""
    initial = {"to": view.move_to} if view.move_to else {}
    return {
        "view": view,
        "move_form": move_form or MoveForm(initial=initial, prefix=f"move-{view.item.pk}"),
        "skip_form": skip_form or SkipForm(prefix=f"skip-{view.item.pk}"),
        "problems": problems,
        "opened": bool(problems) or move_form is not None or skip_form is not None,
    }


def _render(
    request: HttpRequest,
    page: selectors.PlanPage,
    *,
    form: WeekForm | None = None,
    cards: dict[int, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    cards = cards or {}

    def card(view: selectors.ItemView) -> dict[str, Any]:
        return cards.get(view.item.pk) or _card(view)

    return render(
        request,
        PAGE,
        {
            "page": page,
            "form": form or _week_form(page),
            "missed": [card(view) for view in page.missed],
            "weeks": [
                {"week": week, "cards": [card(view) for view in week.items]} for week in page.weeks
            ],
            "feed_url": _feed_url(request, page.plan),
            "rule_texts": list(rules.RULES.values()),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    page = selectors.plan_page(athlete)
    if request.method != "POST":
        return _render(request, page)
    form = _week_form(page, request.POST)
    if not form.is_valid():
        return _render(request, page, form=form, status=422)
    guessed = (
        page.guess.runs_used
        if page.guess is not None
        and page.guess.week is not None
        and form.days() == [str(day) for day in page.guess.week]
        else (page.plan.guessed_from_runs if page.plan is not None else 0)
    )
    saved = services.plan_save(
        athlete=athlete,
        days=form.days(),
        per_week=form.cleaned_data["per_week"],
        program_slug=form.cleaned_data["program"],
        race_day=form.cleaned_data["race_day"],
        race_is_a=form.cleaned_data["race_is_a"],
        guessed_from_runs=guessed,
        today=page.today,
    )
    messages.success(
        request,
        f"Week saved: {saved.per_week} a week, placed over the next {rules.WEEKS_AHEAD} weeks.",
    )
    return HttpResponseRedirect(reverse("plans:plan") + "#coming")


def _view_or_404(page: selectors.PlanPage, item_id: int) -> selectors.ItemView:
    for view in [*page.missed, *(view for week in page.weeks for view in week.items)]:
        if view.item.pk == item_id:
            return view
    raise Http404("No such session")


def _card_response(
    request: HtmxHttpRequest, page: selectors.PlanPage, card: dict[str, Any], *, status: int
) -> HttpResponse:
    if request.htmx:
        return render(request, f"{PAGE}#item-card", {"card": card, "page": page}, status=status)
    return _render(request, page, cards={card["view"].item.pk: card}, status=status)


def _done(request: HtmxHttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        # The session changed its place in the list: show the page afresh.
        return HttpResponseClientRefresh()
    return HttpResponseRedirect(reverse("plans:plan") + "#coming")


@login_required
@require_POST
def item_move(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    page = selectors.plan_page(athlete)
    view = _view_or_404(page, item_id)
    form = MoveForm(request.POST, prefix=f"move-{item_id}")
    if not form.is_valid():
        return _card_response(request, page, _card(view, move_form=form), status=422)
    try:
        outcome = services.item_move(
            athlete=athlete,
            item_id=item_id,
            to=form.cleaned_data["to"],
            confirm=form.cleaned_data["confirm"],
            today=page.today,
        )
    except services.ItemNotFound as error:
        raise Http404("No such session") from error
    except ValueError as error:  # a day in the past, or no longer planned
        form.add_error("to", str(error))
        return _card_response(request, page, _card(view, move_form=form), status=422)
    if not outcome.moved and outcome.problems:
        # Asked again, with the rules it breaks and a button that confirms.
        confirm = MoveForm(
            initial={"to": form.cleaned_data["to"], "confirm": True}, prefix=f"move-{item_id}"
        )
        card = _card(view, move_form=confirm, problems=outcome.problems)
        return _card_response(request, page, card, status=422)
    if not outcome.moved:
        return _done(request, "That session is already on that day.")
    when = rules.day_name(outcome.item.day)
    return _done(request, f"Moved to {when}.")


@login_required
@require_POST
def item_skip(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    page = selectors.plan_page(athlete)
    view = _view_or_404(page, item_id)
    form = SkipForm(request.POST, prefix=f"skip-{item_id}")
    if not form.is_valid():
        return _card_response(request, page, _card(view, skip_form=form), status=422)
    try:
        services.item_skip(athlete=athlete, item_id=item_id, reason=form.cleaned_data["reason"])
    except services.ItemNotFound as error:
        raise Http404("No such session") from error
    except ValueError as error:
        form.add_error("reason", str(error))
        return _card_response(request, page, _card(view, skip_form=form), status=422)
    return _done(request, f"Skipped: {view.weekday}'s session ({form.cleaned_data['reason']}).")


@login_required
@require_POST
def item_start(request: HttpRequest, item_id: int) -> HttpResponse:
    athlete = logged_in_athlete(request)
    try:
        session = services.item_start(athlete=athlete, item_id=item_id)
    except services.ItemNotFound as error:
        raise Http404("No such session") from error
    except services.ItemNotOpen:
        messages.info(request, "That session is no longer planned.")
        return HttpResponseRedirect(reverse("plans:plan"))
    return HttpResponseRedirect(reverse("workouts:session", args=[session.id]))


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    try:
        services.feed_token_rotate(athlete=athlete)
    except services.PlanNotFound as error:
        raise Http404("Save your week first") from error
    messages.success(
        request, "New calendar link made: the old one no longer works. Subscribe with the new one."
    )
    return HttpResponseRedirect(reverse("plans:plan") + "#calendar")
