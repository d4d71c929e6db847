"""Run files → ``samples.Activity``: GPX, TCX and FIT, gzipped or not. Pure (no Django).

``parse_bytes`` takes a file as uploaded and returns an Activity, or raises
``samples.ParseError`` whose message says, for the athlete, what is wrong with
that file (empty, truncated, damaged, not an activity, an entity bomb…).
``parse_legs`` gives a multisport FIT file (a triathlon, a brick) as one
Activity per leg, and any other file as its one.
"""

from __future__ import annotations

from runstrong.runs.parsers.detect import (
    MAX_FILE_BYTES,
    parse_bytes,
    parse_content,
    parse_legs,
    unpack,
)

__all__ = ["MAX_FILE_BYTES", "parse_bytes", "parse_content", "parse_legs", "unpack"]
