"""The efficiency trend over 2,000 runs: what the trend page computes, and the whole page.

Run (from the repository root, after scripts/test or scripts/run has set up .venv):

    .venv/bin/python bench/trend.py [--runs 2000] [--sessions 150] [--repeat 40]

It sets up a throwaway SQLite database (a temporary RUNSTRONG_DATA; set
DATABASE_URL to measure PostgreSQL instead), creates one athlete with
``--runs`` qualifying runs (one every day or two, EF drifting up with noise)
and ``--sessions`` finished strength sessions made through the real workout
services, then times, ``--repeat`` times each:

- *compute*: ``selectors.efficiency_trend`` (three queries: counts, the runs'
  start and EF, the sessions' start) + ``stats.trend`` inside it +
  ``charts.trend_chart``, as the page does;
- *page*: GET /runs/trend/ through Django's test client (login, middleware,
  template rendering of the SVG with every point).

The runs are stored with ``bulk_create`` with the columns the import service
fills (start, is_run, qualifies, ef): importing 2,000 files is the import
benchmark's business; here only the reading counts.

``BENCH_PROFILE=1`` first prints a cProfile of ten *compute* calls.

Goal: the trend over 2,000 runs computed in ≤ 200 ms.

Last figures (2 cores, quiet machine, SQLite, 2,000 runs, 150 strength
sessions from halfway through, default repeats):
    compute (selectors + stats + chart geometry)  p50 24.9 ms  p95 27.3 ms
    page (GET /runs/trend/, rendered)             p50 59.0 ms  p95 94.9 ms   251 KB of HTML
On a machine shared with test runs (load average 3.9) the compute was p50
43.3 / p95 83.4 ms and the page p50 90.9 / p95 170.2 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm caches and imports once, untimed
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    data = tempfile.TemporaryDirectory(prefix="runstrong-bench-")
    os.environ.setdefault("RUNSTRONG_DATA", data.name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "runstrong.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from runstrong.accounts.models import User
    from runstrong.runs import charts, selectors
    from runstrong.runs.models import Activity
    from runstrong.workouts import services
    from runstrong.workouts.models import Program

    setup_test_environment()
    call_command("migrate", interactive=False, verbosity=0)
    # Hashed, compressed static files as in production: the page links its CSS by them.
    call_command("collectstatic", interactive=False, verbosity=0)
    services.catalog_sync_builtin()
    athlete = User.objects.create_user("bench", "bench@example.com", "a long bench password")

    rng = np.random.default_rng(1)
    first = datetime(2019, 1, 1, 7, 0, tzinfo=UTC)
    when = first
    rows = []
    for index in range(args.runs):
        when += timedelta(hours=float(rng.uniform(20, 40)))
        ef = 1.2 * (1 + 0.00005 * index) * (1 + float(rng.normal(0, 0.04)))
        rows.append(
            Activity(
                athlete=athlete,
                sport="running",
                is_run=True,
                start=when,
                elapsed_s=2700.0,
                moving_s=2700.0,
                distance_m=8000.0,
                avg_heart_rate=150.0,
                source_format="gpx",
                original_name=f"run-{index}.gpx",
                sha256=f"{index:064x}",
                original_gz=b"",
                point_count=0,
                samples_packed=b"",
                metrics={},
                ef=ef,
                qualifies=True,
            )
        )
    Activity.objects.bulk_create(rows, batch_size=500)

    program = Program.objects.get(slug="runners-250")
    # Strength work starts halfway through the runs, twice a week or so from then on.
    halfway = first.timestamp() + (when - first).total_seconds() / 2
    span = (when - first).total_seconds() / 2
    for index in range(args.sessions):
        start_ms = int((halfway + span * index / args.sessions) * 1000)
        session = services.session_start(athlete=athlete, program=program)
        events = [{"type": "start", "at": start_ms}]
        now = start_ms
        for position, slot in enumerate(session.plan["slots"]):
            now += slot["reps"] * 2000
            events.append({"type": "reps", "at": now, "slot": position, "n": slot["reps"]})
        events.append({"type": "finish", "at": now})
        for seq, event in enumerate(events):
            services.session_append(session_id=session.id, athlete=athlete, seq=seq, event=event)

    def compute() -> object:
        page = selectors.efficiency_trend(athlete)
        return charts.trend_chart(page.trend, athlete.units)

    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("for _ in range(10): compute()", globals(), locals(), sort="cumulative")

    client = Client()
    client.force_login(athlete)
    size = 0

    def page() -> object:
        nonlocal size
        response = client.get("/runs/trend/")
        assert response.status_code == 200, response.status_code
        size = len(response.content)
        return response

    trend = selectors.efficiency_trend(athlete).trend
    assert trend.comparison is not None
    print(
        f"{len(trend.runs)} runs, {len(trend.strength_sessions)} strength sessions; "
        f"verdict {trend.comparison.verdict!r} "
        f"({trend.comparison.n_before} before, {trend.comparison.n_after} after)"
    )
    p50, p95 = percentiles(timed(compute, args.repeat))
    print(f"compute (selectors + stats + chart geometry)  p50 {p50:5.1f} ms  p95 {p95:5.1f} ms")
    p50, p95 = percentiles(timed(page, args.repeat))
    print(
        f"page (GET /runs/trend/, rendered)             p50 {p50:5.1f} ms  p95 {p95:5.1f} ms"
        f"   {size / 1024:.0f} KB of HTML"
    )
    data.cleanup()


if __name__ == "__main__":
    main()
