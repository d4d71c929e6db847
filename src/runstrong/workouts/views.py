"""Server-rendered workout pages: home, programs, starting a session, results, history.

Each view parses the request, calls a selector or one service, and renders;
what a personal best is and where a chart's lines go are decided in the pure
modules ``progress`` and ``charts``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from runstrong.accounts.web import logged_in_athlete, request_athlete
from runstrong.workouts import catalog, charts, pictures, progress, selectors, services
from runstrong.workouts.forms import ManualResultForm, StartForm
from runstrong.workouts.models import Program, Result


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    athlete = request_athlete(request)
    summary = selectors.home_summary(athlete) if athlete is not None else None
    return render(
        request,
        "workouts/home.html",
        {"programs": selectors.program_list(), "summary": summary},
    )


@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workouts/programs.html", {"programs": selectors.program_list()})


def _program_or_404(slug: str) -> Program:
    program = selectors.program_get(slug)
    if program is None:
        raise Http404("No such program")
    return program


def _program_response(
    request: HttpRequest, page: selectors.ProgramPage, form: StartForm, *, status: int = 200
) -> HttpResponse:
    plan_slots = {slot.key: slot for slot in page.plan.slots}
    slots = [
        {
            "slot": slot,
            "position": position,
            "next": plan_slots[slot.key].prescribed_exercise if slot.rotates else None,
            "exercises": [page.exercises[slug] for slug in slot.pool],
            "alternatives": [
                {
                    "exercise": page.exercises[slug],
                    "picture": pictures.picture_url(slug),
                    "easier": [page.exercises[s] for s in page.exercises[slug].easier],
                    "harder": [page.exercises[s] for s in page.exercises[slug].harder],
                }
                for slug in slot.pool
            ],
        }
        for position, slot in enumerate(page.spec.slots, start=1)
    ]
    return render(
        request,
        "workouts/program.html",
        {"page": page, "program": page.program, "slots": slots, "form": form},
        status=status,
    )


@require_GET
def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.program_page(_program_or_404(slug), request_athlete(request))
    return _program_response(request, page, StartForm(plan=page.plan, exercises=page.exercises))


@require_POST
def program_start(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program_or_404(slug)
    athlete = request_athlete(request)
    if athlete is None:
        # A POST cannot be replayed after logging in: come back to the program page.
        return redirect_to_login(reverse("workouts:program", args=[program.slug]))
    page = selectors.program_page(program, athlete)
    form = StartForm(request.POST, plan=page.plan, exercises=page.exercises)
    if form.is_valid():
        swaps, reps = form.scaling()
        try:
            session = services.session_start(
                athlete=athlete, program=program, swaps=swaps, reps=reps
            )
        except catalog.PlanError as error:
            form.add_error(None, str(error))
        else:
            # Reversed here, not at import: the session page is another module's route.
            return HttpResponseRedirect(reverse("workouts:session", args=[session.id]))
    return _program_response(request, page, form, status=422)


# ---------------------------------------------------------------------------
# History (the result page itself is community's: it carries cheers and comments).


def _attempt(result: Result) -> progress.Attempt:
    return progress.Attempt(
        id=result.id,
        program=result.program.slug,
        scaled=result.scaled,
        capped=result.capped,
        started_at=timezone.localtime(result.started_at),
        total_ms=result.total_ms,
        splits_ms=tuple(result.splits_ms),
    )


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    results = selectors.history(athlete)
    attempts = [_attempt(result) for result in results]
    attempt_of = {attempt.id: attempt for attempt in attempts}
    pb_when_set = progress.personal_bests(attempts)
    standing = progress.current_bests(attempts)

    by_program: dict[int, list[Result]] = defaultdict(list)
    programs: dict[int, Program] = {}
    for result in results:
        by_program[result.program_id].append(result)
        programs[result.program_id] = result.program
    slot_names = selectors.program_slot_names(programs.values())

    sections = []
    for program_id, program_results in by_program.items():
        program = programs[program_id]
        names = slot_names[program.slug]
        total_chart, split_chart, charted = charts.progress_charts(
            [attempt_of[result.id] for result in program_results], names
        )
        sections.append(
            {
                "program": program,
                "slot_names": names,
                "total_chart": total_chart,
                "split_chart": split_chart,
                "charted": charted,
                "rows": [
                    {
                        "result": result,
                        "pb": result.id in pb_when_set,
                        "best": result.id in standing,
                    }
                    for result in program_results
                ],
            }
        )
    return render(request, "workouts/history.html", {"sections": sections})


# ---------------------------------------------------------------------------
# A workout done without the app, logged by hand.


def _log_response(
    request: HttpRequest, form: ManualResultForm, *, status: int = 200
) -> HttpResponse:
    return render(request, "workouts/log.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def history_log(request: HttpRequest) -> HttpResponse:
    athlete = logged_in_athlete(request)
    programs = [(program.slug, program.name) for program in selectors.program_list()]
    if request.method != "POST":
        initial = {"day": timezone.localdate(), "program": selectors.DEFAULT_PROGRAM}
        return _log_response(request, ManualResultForm(programs=programs, initial=initial))
    form = ManualResultForm(request.POST, programs=programs)
    if form.is_valid():
        data = form.cleaned_data
        started_at: date | datetime = data["day"]
        if data["time_of_day"] is not None:
            started_at = timezone.make_aware(datetime.combine(data["day"], data["time_of_day"]))
        try:
            result = services.result_log_manual(
                athlete=athlete,
                program=data["program"],
                started_at=started_at,
                total_ms=data["total"],
                splits_ms=data["splits"],
                scaled=data["scaled"],
                scaled_how=data["scaled_how"] if data["scaled"] else "",
            )
        except services.ManualResultError as error:
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            # Reversed here, not at import: the result page is community's route.
            return HttpResponseRedirect(reverse("community:result", args=[result.id]))
    return _log_response(request, form, status=422)
