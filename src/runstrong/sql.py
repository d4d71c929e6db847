"""Statements written out by hand for hot paths, each written once per kind of database.

A few reads and writes run on every request (the board's frame, an API
token's lookup, its rate limit), where building them with the ORM cost more
than running them. Their text depends only on the models and on how the
database quotes names (``table``, ``column``), so it is kept per database
vendor and arguments. What they read back is converted as the ORM converts
it (``readers``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.db.models import Field, Model

Text = TypeVar("Text")


def _standard_quote(name: str) -> str:
    return f'"{name}"'


def _quote(connection: Any | None) -> Callable[[str], str]:
    # Both databases RunStrong runs on (settings.py) quote names in double
    # quotes, as standard SQL does: text written before any connection is at
    # hand (at import) reads the same on either.
    return connection.ops.quote_name if connection is not None else _standard_quote


def table(connection: Any | None, model: type[Model]) -> str:
    """The model's table, its name quoted for ``connection`` (None: in double
    quotes, as every supported database takes it)."""
    return str(_quote(connection)(model._meta.db_table))


def column(connection: Any | None, model: type[Model], name: str) -> str:
    """The column of the model's field ``name`` (as ``_meta.get_field`` takes it:
    ``"athlete"`` for ``athlete_id``), quoted as ``table`` quotes."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return str(_quote(connection)(field.column))


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


def _reader(connection: Any, col: Any) -> Callable[[Any], Any]:
    converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
    if not converters:
        return _same

    def read(value: Any) -> Any:
        for convert in converters:
            value = convert(value, col, connection)
        return value

    return read


def readers(connection: Any, model: type[Model]) -> dict[str, Callable[[Any], Any]]:
    """For each concrete field of ``model`` (by attname): its column's raw value
    to what the ORM would give, worked out once per connection."""
    known = _READERS.setdefault(connection, {})
    if model not in known:
        db_table = model._meta.db_table
        known[model] = {
            field.attname: _reader(connection, field.get_col(db_table))
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
