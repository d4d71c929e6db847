"""`runstrong import` of 1,000 run files against the bare parse of the same files.

Run (from the repository root, after scripts/test or scripts/run has set up .venv):

    .venv/bin/python bench/import_runs.py [--files 1000] [--keep DIR]

It writes N copies of the real test files with times (../shared/data/activities:
two FIT runs, a FIT ride, two TCX runs, two GPX tracks), each copy's timestamps
shifted by whole days so no two are the same file or the same run, into a
temporary folder. FIT copies are rewritten record by record (every timestamp
field moved, the file CRC recomputed), GPX and TCX ones by their ISO times.
Then, in one run:

1. the bare parse: ``runstrong.runs.parsers.parse_bytes`` over every file, in
   one process, and again in one worker process per core (the same spawn
   start-up the import pays);
2. ``runstrong import FOLDER`` as a separate process, on a fresh SQLite data
   folder migrated beforehand (not timed): reading, parsing in one worker per
   core, summaries, metrics, packing, and one transaction per file in the main
   process. Its CPU time (itself and its workers) over its wall time says how
   busy the cores were.

Goal: import ≤ 1.3 × the bare parse on the same cores, both cores used.

Last figures (2 cores, quiet machine: load average 1.1 during the run; SQLite,
1,000 files, 72.2 MB; PYTHONDONTWRITEBYTECODE unset, as on a user's machine):
    bare parse, 1 process:             19.70 s  (CPU  19.7 s)
    bare parse, 2 worker processes:    10.58 s  (CPU  20.8 s)
    runstrong import:                  12.41 s  (CPU  24.0 s; 1000 imported)
    import / bare parse on 2 cores: 1.17× wall   (/ bare parse on 1: 0.63×)
    import CPU / bare parse CPU: 1.16×   cores busy during the import: 1.93 of 2 (97%)
The import's own work (hashing, summaries, metrics, packing, gzip of the
original, one SQLite transaction per file: ~2 ms a file) adds about 15% CPU to
the parse; the parse itself is the FIT SDK's pure-Python decoding.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parent.parent
RUNSTRONG = REPO / ".venv" / "bin" / "runstrong"
ACTIVITIES = REPO.parent / "shared" / "data" / "activities"
SOURCES = [
    "fit/garmin-fenix-5-run.fit",
    "fit/activity-small-fenix2-run.fit",
    "fit/garmin-fenix-5-bike.fit",
    "tcx/test.tcx",
    "tcx/no_hr.tcx",
    "gpx/cerknicko-jezero.gpx",
    "gpx/track-with-empty-segment.gpx",
]
DAY = 86_400

# ---------------------------------------------------------------------------
# Shifting a file's times.

_ISO = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z")


def shift_xml(data: bytes, seconds: int) -> bytes:
    def moved(match: re.Match[bytes]) -> bytes:
        when = datetime.strptime(match.group(1).decode(), "%Y-%m-%dT%H:%M:%S")
        shifted = (when + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
        return shifted.encode() + (match.group(2) or b"") + b"Z"

    return _ISO.sub(moved, data)


def _fit_crc(data: bytes) -> int:
    table = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
        0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ]  # fmt: skip
    crc = 0
    for byte in data:
        tmp = table[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ table[byte & 0xF]
        tmp = table[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ table[(byte >> 4) & 0xF]
    return crc


# Date-time fields besides the common timestamp (253): file_id.time_created,
# session/lap start_time, activity local_timestamp.
_TIME_FIELDS = {(0, 4), (18, 2), (19, 2), (34, 5)}


def shift_fit(data: bytes, seconds: int) -> bytes:
    """Every date-time field of a (single, uncompressed-header) FIT file moved by ``seconds``."""
    out = bytearray(data)
    header = out[0]
    end = header + int.from_bytes(out[4:8], "little")
    definitions: dict[int, tuple[Literal["little", "big"], int, list[tuple[int, int]], int]] = {}
    position = header
    while position < end:
        record = out[position]
        position += 1
        if record & 0x80:
            raise ValueError("compressed timestamp headers are not handled")
        local = record & 0x0F
        if record & 0x40:
            order: Literal["little", "big"] = "big" if out[position + 1] else "little"
            number = int.from_bytes(out[position + 2 : position + 4], order)
            count = out[position + 4]
            position += 5
            fields = [(out[position + 3 * i], out[position + 3 * i + 1]) for i in range(count)]
            position += 3 * count
            developer = 0
            if record & 0x20:
                developer_count = out[position]
                position += 1
                developer = sum(out[position + 3 * i + 1] for i in range(developer_count))
                position += 3 * developer_count
            definitions[local] = (order, number, fields, developer)
            continue
        order, number, fields, developer = definitions[local]
        for field, size in fields:
            if size == 4 and (field == 253 or (number, field) in _TIME_FIELDS):
                value = int.from_bytes(out[position : position + 4], order)
                if value != 0xFFFFFFFF:
                    out[position : position + 4] = (value + seconds).to_bytes(4, order)
            position += size
        position += developer
    out[end : end + 2] = _fit_crc(bytes(out[:end])).to_bytes(2, "little")
    return bytes(out)


def make_files(folder: Path, count: int) -> int:
    sources = [(name, (ACTIVITIES / name).read_bytes()) for name in SOURCES]
    total = 0
    for index in range(count):
        name, data = sources[index % len(sources)]
        # Whole days, and a different hour per source: no two copies are one run.
        seconds = (index + 1) * DAY + (index % len(sources)) * 3 * 3600
        copy = shift_fit(data, seconds) if name.endswith(".fit") else shift_xml(data, seconds)
        path = folder / f"{index:04d}-{Path(name).name}"
        path.write_bytes(copy)
        total += len(copy)
    return total


# ---------------------------------------------------------------------------
# Measuring.


def _parse_file(path: str) -> int:
    from runstrong.runs.parsers import parse_bytes

    return len(parse_bytes(Path(path).read_bytes()).samples)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def bare_parse(paths: list[str], workers: int) -> tuple[float, float]:
    """Wall and CPU seconds to parse every file."""
    who = resource.RUSAGE_SELF if workers == 1 else resource.RUSAGE_CHILDREN
    cpu_before = _cpu(who)
    started = time.perf_counter()
    if workers == 1:
        for path in paths:
            _parse_file(path)
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            list(pool.map(_parse_file, paths, chunksize=8))
    return time.perf_counter() - started, _cpu(who) - cpu_before


def run_import(folder: Path, data: Path) -> tuple[float, float, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["RUNSTRONG_DATA"] = str(data)
    subprocess.run([str(RUNSTRONG), "setup"], env=env, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(RUNSTRONG), "import", str(folder)], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"runstrong import failed:\n{done.stdout}\n{done.stderr}")
    return wall, cpu, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from runstrong.runs.parallel import worker_count

    cores = worker_count()
    work = Path(tempfile.mkdtemp(prefix="runstrong-bench-"))
    folder = args.keep or work / "files"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        size = make_files(folder, args.files)
        paths = sorted(str(path) for path in folder.iterdir())
        print(f"{len(paths)} files, {size / 1e6:.1f} MB, {cores} cores")
        single, single_cpu = bare_parse(paths, 1)
        print(f"bare parse, 1 process:            {single:6.2f} s  (CPU {single_cpu:5.1f} s)")
        parallel, parallel_cpu = bare_parse(paths, cores)
        print(
            f"bare parse, {cores} worker processes: {parallel:6.2f} s  (CPU {parallel_cpu:5.1f} s)"
        )
        wall, cpu, summary = run_import(folder, work / "data")
        print(f"runstrong import:                 {wall:6.2f} s  (CPU {cpu:5.1f} s; {summary})")
        print(
            f"import / bare parse on {cores} cores: {wall / parallel:.2f}× wall   "
            f"(/ bare parse on 1: {wall / single:.2f}×)   goal ≤ 1.3×"
        )
        print(
            f"import CPU / bare parse CPU: {cpu / parallel_cpu:.2f}×   "
            f"cores busy during the import: {cpu / wall:.2f} of {cores} "
            f"({100 * cpu / wall / cores:.0f}%)"
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
