"""``<id:name>`` in URL patterns: a database id, within the range the database holds."""

from __future__ import annotations

# The largest value of a BigAutoField (a signed 64-bit integer), every model's key.
LARGEST_ID = 2**63 - 1


class IdConverter:
    """Django's ``int`` converter, bounded to the ids a table can hold.

    A larger number is no address of ours, so it is a 404 before any view runs.
    Django's ``int`` lets it through to the query, where a lookup through a
    foreign key raises ``OverflowError`` on SQLite (a 500), while a lookup by
    primary key quietly finds nothing: one rule here instead of one per view.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError(f"{value} is beyond the largest id")  # Django's "no match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
