from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from runstrong.workouts import selectors


def home(request: HttpRequest) -> HttpResponse:
    programs = selectors.program_list()
    return render(request, "workouts/home.html", {"programs": programs})


def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    program = selectors.program_get(slug)
    if program is None:
        raise Http404("No such program")
    spec = selectors.program_to_catalog(program)
    exercises = selectors.program_exercises(spec)
    slots = [
        {"slot": slot, "exercises": [exercises[slug] for slug in slot.pool]} for slot in spec.slots
    ]
    return render(request, "workouts/program.html", {"program": program, "slots": slots})
