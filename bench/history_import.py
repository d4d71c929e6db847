"""A whole history brought in: a generated Strava export of ≥ 1 GB and ≥ 3,000
activities uploaded in chunks to ``runstrong serve`` and imported by its worker.

Run (from the repository root, after scripts/test or scripts/run has set up .venv):

    flock /tmp/runstrong-bench.lock .venv/bin/python bench/history_import.py \
        [--activities 3000] [--media-mb 1000] [--chunk-mb 32] [--export PATH] [--keep]

It writes the export with ``tests/runs/exports.py`` (the real files of
../shared/data/activities, each copy's times moved to a day of its own, FIT
files rewritten with their CRC; ``activities.csv`` calling one in ten a ride;
``media/`` of random bytes) into a temporary folder, then, on a fresh SQLite
data folder with ``runstrong serve`` and the worker it starts:

(a) the import: from the last chunk's answer (the import queued) to the
    HistoryImport row done, through the real worker, against the bare parse
    of the same activity files (``parsers.parse_legs`` of each, read from the
    archive with ``history_archive.iter_members``) in one process per core,
    both cores busy. Goal: import ≤ 1.3 × bare parse.
(b) the upload: the chunked upload's throughput (POST /runs/uploads/, then a
    PUT per chunk with Content-Range, one after the other as resumable.js
    sends them, 8 MB as its largest) against one plain request carrying the
    same bytes to the same server over loopback. Measured after the import,
    as another runner, three of each in turn (the median of each), each of all
    the bytes but the last (so no import is queued to run meanwhile), with the
    page cache's dirty pages written out before each. Goal: chunked ≥ 0.8 × plain.
(c) memory: peak RSS of each process of the server (gunicorn's master and
    workers) and of the worker (and any process it starts), sampled every
    0.1 s with psutil during the upload and the import. Goal: < 400 MB each.

Then the database is checked: every activity file stored once, the runs and
the rides as activities.csv says.

Last figures (5 Dec 2026, 2 cores, quiet machine; SQLite; 1.09 GB export,
3,000 activity files of which 2,315 runs; files stored 16 a transaction;
chunks 8 MB growing to 32 MB):

    flock /tmp/runstrong-bench.lock .venv/bin/python bench/history_import.py

    bare parse, 2 processes:          42.3 s  (CPU 67.1 s)
    background import:                42.7 s  (CPU 82.4 s: the worker and its parsing
                                               processes; 1.93 cores busy)
    import / bare parse:              1.01× wall, 1.23× CPU         goal ≤ 1.3×
    upload, 1 plain request:          3.0 s   (346 MB/s; runs 0.9, 3.0, 3.0 s)
    upload, 34 chunked requests:      3.3 s   (317 MB/s; runs 3.3, 3.3, 3.2 s)
    chunked / plain throughput:       0.92×                         goal ≥ 0.8×
    peak RSS, server (largest process):  143 MB                     goal < 400 MB
    peak RSS, worker (largest process):  129 MB                     goal < 400 MB
    (PSS summed over each role's processes: server 233 MB, worker and its two
    parsing processes 259 MB)
    check: 3,000 activities stored, each file once; 2,315 runs, as activities.csv says

Before (one file a transaction, 8 MB chunks, load 1.5-2.7): 1.36× wall and
1.34× CPU; 0.74× upload. A cProfile of ``history_import_run`` over 700 files
showed why: the parsing processes' ``intake.prepare`` costs ~1.15× the bare
parse (metrics, packing, gzip of the original, hashing), and the worker's own
process added 5-8 ms of CPU a file, nearly all of it Django building ~10 SQL
statements and a commit per file; a chunked request costs ~10 ms of server
work beyond its bytes (log-in session, CSRF, three queries, a connection).
Wall times follow the machine's load (runs at load 6-9 gave 1.09× to 2.05×);
the CPU ratio is the steadier figure, and single uploads vary by a second.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil

from local_servers import start_serve

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"
MB = 1024 * 1024
EMAIL = "history@bench.example"
OTHER_EMAIL = "plain@bench.example"
PASSWORD = "five years of easy runs"  # noqa: S105 - a throwaway account
TIMEOUT_S = 600

sys.path[:0] = [str(REPO / "src"), str(REPO)]


# ---------------------------------------------------------------------------
# The export, and its bare parse.


def make_export(path: Path, activities: int, media_mb: int) -> Any:
    from tests.runs import exports

    return exports.strava_export(
        path, activities=activities, rides_share=0.1, media_bytes=media_mb * MB
    )


def _parse(data: bytes) -> int:
    from runstrong.runs import parsers

    return sum(len(leg.samples) for leg in parsers.parse_legs(parsers.unpack(data)))


def _activity_bytes(path: Path) -> Iterator[bytes]:
    from runstrong.runs import history_archive

    for _, incoming in history_archive.iter_members(path):
        yield incoming.data


def bare_parse(path: Path, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds to read and parse every activity file, one process per core."""
    before = _children_cpu()
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        points = sum(pool.map(_parse, _activity_bytes(path), chunksize=8))
    wall = time.perf_counter() - started
    assert points > 0
    return wall, _children_cpu() - before


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------
# The server.


@dataclass
class Site:
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]
    database: Path


@contextmanager
def served(workdir: Path) -> Iterator[Site]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY")
    }
    env["RUNSTRONG_DATA"] = str(workdir / "data")
    subprocess.run([str(RUNSTRONG), "setup"], env=env, check=True, stdout=subprocess.DEVNULL)
    sign_up = "from runstrong.accounts import services\n" + "".join(
        f"services.user_sign_up(email={email!r}, password={PASSWORD!r}, display_name='Runner')\n"
        for email in (EMAIL, OTHER_EMAIL)
    )
    subprocess.run(
        [str(RUNSTRONG), "manage", "shell", "-c", sign_up],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log = workdir / "serve.log"
    # Its defaults: gunicorn's workers, and one task worker beside them.
    process, port = start_serve(RUNSTRONG, env, log)
    try:
        database = workdir / "data" / "runstrong.sqlite3"
        yield Site(port=port, env=env, log=log, process=process, database=database)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Browser:
    """Cookies and the CSRF token, as the upload page's script sends them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.last_key = ""  # of the last upload started

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        # A body is sent a megabyte at a time (http.client's default is 8 KB, which
        # would make the client, not the server, the slow end over loopback).
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=TIMEOUT_S, blocksize=MB
        )
        try:
            connection.request(method, path, body, {"Cookie": cookie, **(headers or {})})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), answer

    def same_origin(self, path: str) -> dict[str, str]:
        return {
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "Referer": f"http://127.0.0.1:{self.port}{path}",
            "Origin": f"http://127.0.0.1:{self.port}",
        }

    def log_in(self, email: str = EMAIL) -> None:
        self.request("GET", "/accounts/log-in/")
        body = urlencode(
            {
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "username": email,
                "password": PASSWORD,
            }
        )
        status, _, _ = self.request(
            "POST",
            "/accounts/log-in/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", **self.same_origin("/")},
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"log-in failed: {status}")

    def start_upload(self, name: str, size: int) -> dict[str, Any]:
        status, _, body = self.request(
            "POST",
            "/runs/uploads/",
            json.dumps({"name": name, "size": size}),
            {"Content-Type": "application/json", **self.same_origin("/runs/upload/")},
        )
        if status != 201:
            sys.exit(f"starting the upload failed: {status} {body[:500]!r}")
        answer: dict[str, Any] = json.loads(body)
        return answer

    def put_range(self, url: str, path: Path, first: int, length: int, total: int) -> int:
        """PUT bytes first..first+length-1 of the file, read as the request is sent."""
        with path.open("rb") as source:
            source.seek(first)
            body = _FileSlice(source, length)
            status, _, answer = self.request(
                "PUT",
                url,
                body,
                {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(length),
                    "Content-Range": f"bytes {first}-{first + length - 1}/{total}",
                    **self.same_origin("/runs/upload/"),
                },
            )
        if status not in (200, 201, 204):
            sys.exit(f"PUT {first}+{length} failed: {status} {answer[:500]!r}")
        return int(json.loads(answer)["offset"]) if answer else first + length


class _FileSlice:
    """A file's bytes from where it stands, ``length`` of them, read by http.client
    a block at a time as it sends them."""

    def __init__(self, source: Any, length: int) -> None:
        self.source = source
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        piece = self.source.read(min(MB, self.left) if size < 0 else min(size, MB, self.left))
        self.left -= len(piece)
        return bytes(piece)


# ---------------------------------------------------------------------------
# Memory.


@dataclass
class Peaks:
    """Peak RSS of each process under ``runstrong serve``, by role: "worker" for the
    task worker (``runstrong.cli worker``) and the parsing processes it starts,
    "server" for gunicorn's master and web workers."""

    by_process: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid → (role, bytes)
    # The role's processes' proportional set sizes summed (shared pages split
    # between the processes sharing them, not counted in each), once a second.
    by_role: dict[str, int] = field(default_factory=dict)
    # (stage, role) → the largest process's peak in that stage
    by_stage: dict[tuple[str, str], int] = field(default_factory=dict)
    stage: str = "start"
    stop: threading.Event = field(default_factory=threading.Event)
    roles: dict[int, str] = field(default_factory=dict)
    # CPU seconds by (stage, role): each process's user + system time, counted
    # from one sample to the next (a new process's from its start).
    cpu: dict[tuple[str, str], float] = field(default_factory=dict)
    cpu_seen: dict[int, float] = field(default_factory=dict)

    def watch(self, root: psutil.Process) -> None:
        samples = 0
        while not self.stop.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            with_pss = samples % 10 == 0
            totals: dict[str, int] = {}
            for process in processes:
                try:
                    role = self.roles.get(process.pid) or self._role(process)
                    rss = process.memory_info().rss
                    times = process.cpu_times()
                    if with_pss:
                        pss = process.memory_full_info().pss
                        totals[role] = totals.get(role, 0) + pss
                except psutil.Error:  # ended meanwhile
                    continue
                self.roles[process.pid] = role
                known = self.by_process.get(process.pid, (role, 0))[1]
                self.by_process[process.pid] = (role, max(known, rss))
                key = (self.stage, role)
                self.by_stage[key] = max(self.by_stage.get(key, 0), rss)
                used = times.user + times.system
                before = self.cpu_seen.get(process.pid, 0.0 if self.stage != "start" else used)
                self.cpu[key] = self.cpu.get(key, 0.0) + used - before
                self.cpu_seen[process.pid] = used
            for role, total in totals.items():
                self.by_role[role] = max(self.by_role.get(role, 0), total)
            samples += 1
            self.stop.wait(0.1)

    @staticmethod
    def _role(process: psutil.Process) -> str:
        for each in (process, *process.parents()):
            if "runstrong.cli worker" in " ".join(each.cmdline()):
                return "worker"
        return "server"

    def peak(self, role: str) -> int:
        return max((rss for kind, rss in self.by_process.values() if kind == role), default=0)


# ---------------------------------------------------------------------------
# The run.


def history_row(database: Path, key: str) -> dict[str, Any]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute(
            "SELECT * FROM runs_historyimport WHERE replace(key, '-', '') = ?",
            (key.replace("-", ""),),
        ).fetchone()
    return dict(row) if row else {}


# As resumable.js sizes its requests: 8 MB first, twice as much after one sent
# in under 5 s, up to its largest (32 MB).
FIRST_CHUNK = 8 * MB
FAST_CHUNK_S = 5.0


def upload(
    browser: Browser, path: Path, send: int, size: int, chunk: int, *, plain: bool = False
) -> tuple[float, int]:
    """Seconds to start an upload of ``size`` bytes and send its first ``send``
    bytes in requests of at most ``chunk`` bytes, one after the other, sized as
    resumable.js sizes them (``plain``: all in one request); and how many
    requests that took."""
    started = time.perf_counter()
    answer = browser.start_upload("export_12345.zip", size)
    browser.last_key = answer["key"]
    offset, requests, piece = 0, 0, send if plain else min(FIRST_CHUNK, chunk)
    while offset < send:
        sent_at = time.perf_counter()
        offset = browser.put_range(answer["url"], path, offset, min(piece, send - offset), size)
        requests += 1
        if time.perf_counter() - sent_at < FAST_CHUNK_S:
            piece = min(chunk, piece * 2)
    return time.perf_counter() - started, requests


def wait_for_import(database: Path, key: str, queued: float) -> tuple[dict[str, Any], float]:
    """The HistoryImport row once finished, and the seconds from queued to running."""
    began: float | None = None
    while True:
        row = history_row(database, key)
        if began is None and row.get("state") not in (None, "uploading", "queued"):
            began = time.perf_counter() - queued
        if row.get("state") in ("done", "failed"):
            return row, began or 0.0
        if time.perf_counter() - queued > 3600:
            sys.exit(f"the import did not end in an hour: {row}")
        time.sleep(0.1)


def stored_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        total, runs, distinct = connection.execute(
            "SELECT count(*), sum(is_run), count(DISTINCT sha256) FROM runs_activity"
        ).fetchone()
    return {"activities": total, "runs": runs or 0, "distinct files": distinct}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--media-mb", type=int, default=1000)
    parser.add_argument("--chunk-mb", type=int, default=32, help="the largest chunk")
    parser.add_argument("--export", type=Path, help="use (or write and keep) this export")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    from runstrong.runs.parallel import worker_count

    cores = worker_count()
    work = Path(tempfile.mkdtemp(prefix="runstrong-bench-history-"))
    try:
        path = args.export or work / "export.zip"
        if not path.exists():
            started = time.perf_counter()
            make_export(path, args.activities, args.media_mb)
            print(f"export written in {time.perf_counter() - started:.0f} s", flush=True)
        from runstrong.runs import history_archive

        files = history_archive.count_members(path)
        # What activities.csv calls a run (every file of the generated export is in it).
        run_sports = {"running", "trail_running", "treadmill_running"}
        expected_runs = sum(
            sport in run_sports for sport in history_archive.strava_sports(path).values()
        )
        size = path.stat().st_size
        print(f"{path.name}: {size / 1e9:.2f} GB, {files:,} activity files, {cores} cores")

        bare, bare_cpu = bare_parse(path, cores)
        print(
            f"bare parse, {cores} processes:   {bare:7.1f} s  (CPU {bare_cpu:6.1f} s)", flush=True
        )

        with served(work) as site:
            browser = Browser(site.port)
            browser.log_in()
            # Both log in first: a log-in's Argon2 hash takes ~100 MB in a web worker.
            other = Browser(site.port)
            other.log_in(OTHER_EMAIL)
            peaks = Peaks()
            watcher = threading.Thread(
                target=peaks.watch, args=(psutil.Process(site.process.pid),), daemon=True
            )
            watcher.start()
            time.sleep(0.5)  # a first sample: the CPU used before now is not counted

            # (b) and (a): the chunked upload, then its import, nothing else running.
            peaks.stage = "chunked upload"
            chunk = args.chunk_mb * MB
            os.sync()
            chunked_s, requests = upload(browser, path, size, size, chunk)
            queued = time.perf_counter()
            print(
                f"chunked upload, {requests} requests: {chunked_s:6.1f} s  "
                f"({size / MB / chunked_s:6.0f} MB/s)",
                flush=True,
            )
            peaks.stage = "import"
            row, began = wait_for_import(site.database, browser.last_key, queued)
            import_s = time.perf_counter() - queued
            print(
                f"background import:            {import_s:7.1f} s  "
                f"(queued → running {began:.1f} s; {row['files_read']:,} files read, "
                f"{row['runs_found']:,} runs, {row['others_found']:,} others, "
                f"{row['duplicates']:,} duplicates, {row['failed']:,} failed; {row['state']})",
                flush=True,
            )
            counts = stored_counts(site.database)

            # (b) the upload alone, plain and chunked in turn, three of each, as
            # another runner (the median: the page cache makes single runs vary by
            # a second), each of all the bytes but the last: no import is queued,
            # so nothing else runs meanwhile. Dirty pages are written out (sync)
            # before each, so none pays for another's writes.
            timings: dict[str, list[float]] = {"plain": [], "chunked": []}
            for kind in ("plain", "chunked", "chunked", "plain", "plain", "chunked"):
                os.sync()
                peaks.stage = f"{kind} upload"
                seconds, requests = upload(
                    other, path, size - 1, size, chunk, plain=kind == "plain"
                )
                timings[kind].append(seconds)
            plain_s = statistics.median(timings["plain"])
            chunked_alone_s = statistics.median(timings["chunked"])
            print(
                f"upload alone, 1 request:      {plain_s:7.1f} s  ({size / MB / plain_s:6.0f} MB/s)"
                f"  (each: {', '.join(f'{t:.1f}' for t in timings['plain'])} s)\n"
                f"upload alone, {requests} requests:  {chunked_alone_s:6.1f} s  "
                f"({size / MB / chunked_alone_s:6.0f} MB/s)"
                f"  (each: {', '.join(f'{t:.1f}' for t in timings['chunked'])} s)",
                flush=True,
            )
            peaks.stop.set()
            watcher.join()

        print()
        import_cpu = peaks.cpu.get(("import", "worker"), 0.0)
        print(f"import / bare parse on {cores} cores: {import_s / bare:.2f}×   goal ≤ 1.3×")
        print(
            f"    CPU: import {import_cpu:.1f} s (the worker and its parsing processes) / "
            f"bare parse {bare_cpu:.1f} s = {import_cpu / bare_cpu:.2f}×; "
            f"cores busy during the import {import_cpu / import_s:.2f} of {cores}"
        )
        print(f"chunked / plain upload throughput: {plain_s / chunked_alone_s:.2f}×   goal ≥ 0.8×")
        server_cpu = {
            stage: peaks.cpu.get((stage, "server"), 0.0)
            for stage in ("chunked upload", "plain upload")
        }  # the chunked upload's stage holds the import's upload and the two alone
        print(
            f"    server CPU: chunked {server_cpu['chunked upload']:.1f} s, "
            f"plain {server_cpu['plain upload']:.1f} s"
        )
        for role in ("server", "worker"):
            print(
                f"peak RSS, {role}: largest process {peaks.peak(role) / MB:4.0f} MB   goal < 400 MB"
                f"   (its processes' PSS summed: {peaks.by_role.get(role, 0) / MB:.0f} MB)"
            )
            stages = ", ".join(
                f"{stage} {rss / MB:.0f} MB"
                for (stage, kind), rss in peaks.by_stage.items()
                if kind == role
            )
            print(f"    largest process by stage: {stages}")
        print(
            f"stored: {counts['activities']:,} activities ({counts['distinct files']:,} "
            f"distinct files), {counts['runs']:,} runs" + f"; activities.csv says {expected_runs:,}"
        )
        problems = []
        if row["state"] != "done":
            problems.append(f"the import ended {row['state']}: {row.get('message')}")
        if counts["distinct files"] != files:
            problems.append(f"{counts['distinct files']} files stored, {files} in the export")
        if counts["runs"] != expected_runs:
            problems.append(f"{counts['runs']} runs stored, {expected_runs} expected")
        print(
            "check: "
            + ("; ".join(problems) if problems else "every file stored once, runs as the CSV says")
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
