"""Statements written out by hand for hot paths, each written once per kind of database.

A few reads and writes run on every request (the board's frame, an API
token's lookup, its rate limit), where building them with the ORM cost more
than running them. Their text depends only on the models and on how the
database quotes names, so it is kept per database vendor and arguments. What
they read back is converted as the ORM converts it (``readers``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.db.models import Model

Text = TypeVar("Text")

_WRITTEN: dict[tuple[Hashable, ...], Any] = {}


def written_once(connection: Any, write: Callable[..., Text], *args: Hashable) -> Text:
    """``write(connection, *args)``, worked out once per vendor and arguments."""
    key = (write, connection.vendor, *args)
    if key not in _WRITTEN:
        _WRITTEN[key] = write(connection, *args)
    found: Text = _WRITTEN[key]
    return found


# Per database connection and model: each column's conversion, as the ORM works
# it out (SQLite hands back datetimes as text and booleans as integers).
_READERS: weakref.WeakKeyDictionary[Any, dict[type[Model], dict[str, Callable[[Any], Any]]]] = (
    weakref.WeakKeyDictionary()
)


def _same(value: Any) -> Any:
    return value


def _reader(connection: Any, column: Any) -> Callable[[Any], Any]:
    converters = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
    if not converters:
        return _same

    def read(value: Any) -> Any:
        for convert in converters:
            value = convert(value, column, connection)
        return value

    return read


def readers(connection: Any, model: type[Model]) -> dict[str, Callable[[Any], Any]]:
    """For each concrete field of ``model`` (by attname): its column's raw value
    to what the ORM would give, worked out once per connection."""
    known = _READERS.setdefault(connection, {})
    if model not in known:
        table = model._meta.db_table
        known[model] = {
            field.attname: _reader(connection, field.get_col(table))
            for field in model._meta.concrete_fields
        }
    return known[model]


def built(connection: Any, model: type[Model], values: Sequence[Any]) -> Any:
    """A model instance from its concrete fields' raw column values, in field order."""
    read = readers(connection, model)
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(
        connection.alias,
        names,
        [read[name](value) for name, value in zip(names, values, strict=True)],
    )
