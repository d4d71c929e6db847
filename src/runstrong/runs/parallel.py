"""``intake.prepare`` on every core, results in order, for ``runstrong import``. Pure (no Django).

Parsing is the cost of an import (Python-level decoding, ~50 µs a FIT record),
so it runs in worker processes; the database writes stay in the caller's
process, one transaction per file. Workers are started with "spawn", not
"fork": a forked child would share the parent's database connection, and a
PostgreSQL connection closed in a child is closed for the parent too.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Container, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from runstrong.runs import intake

# Files in flight per worker: enough to keep every core busy while the main
# process writes, few enough that a large export is never all in memory.
IN_FLIGHT_PER_WORKER = 8

_known: Container[str] = frozenset()


def _start(known: frozenset[str], parent: int) -> None:
    global _known
    _known = known
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A worker waits for files on a pipe it holds both ends of: if the process that
    started it is killed outright (a background worker's SIGKILL), nothing ends the
    wait. So each worker watches for its parent to be gone, and goes too."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _prepare(incoming: intake.Incoming) -> intake.Prepared:
    return intake.prepare(incoming, _known)


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def prepare_all(
    items: Iterable[intake.Incoming],
    *,
    known: frozenset[str] = frozenset(),
    workers: int | None = None,
) -> Iterator[intake.Prepared]:
    """Each item prepared, in the order given. With one worker, in this process."""
    workers = workers or worker_count()
    if workers == 1:
        for item in items:
            yield intake.prepare(item, known)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(known, os.getpid())
    ) as pool:
        pending: deque[Future[intake.Prepared]] = deque()
        for item in items:
            pending.append(pool.submit(_prepare, item))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
