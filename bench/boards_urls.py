"""URLs for ``bench/boards.py``: the site's own, plus ``/bench/noop/`` served by the same stack."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def noop(request: HttpRequest) -> HttpResponse:
    """The cheapest page the same gunicorn, middleware and URL resolver can serve."""
    return HttpResponse(b"ok", content_type="text/plain")


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>, cpu;dur=<ms>`` to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        # Wall time, and this worker's CPU time (what other load on the
        # machine does not inflate).
        response["Server-Timing"] = f"app;dur={elapsed:.3f}, cpu;dur={cpu:.3f}"
        return response


urlpatterns = [
    path("bench/noop/", noop),
    path("", include("runstrong.urls")),
]
