"""Run files → ``samples.Activity``: GPX, TCX and FIT, gzipped or not. Pure (no Django).

``parse_bytes`` takes a file as uploaded and returns an Activity, or raises
``samples.ParseError`` whose message says, for the athlete, what is wrong with
that file (empty, truncated, damaged, not an activity, an entity bomb…).
"""

from __future__ import annotations

from runstrong.runs.parsers.detect import MAX_FILE_BYTES, parse_bytes, parse_content, unpack

__all__ = ["MAX_FILE_BYTES", "parse_bytes", "parse_content", "unpack"]
