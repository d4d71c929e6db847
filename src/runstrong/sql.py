"""Statements written out by hand for hot paths, each written once per kind of database.

A few reads and writes run on every request (the board's frame, an API
token's lookup, its rate limit), where building them with the ORM cost more
than running them. Their text depends only on the models and on how the
database quotes names, so it is kept per database vendor and arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

Text = TypeVar("Text")

_WRITTEN: dict[tuple[Hashable, ...], Any] = {}


def written_once(connection: Any, write: Callable[..., Text], *args: Hashable) -> Text:
    """``write(connection, *args)``, worked out once per vendor and arguments."""
    key = (write, connection.vendor, *args)
    if key not in _WRITTEN:
        _WRITTEN[key] = write(connection, *args)
    found: Text = _WRITTEN[key]
    return found
