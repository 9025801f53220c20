"""snake_case names for dbt models and columns, unique within their scope."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Words reserved in DuckDB, PostgreSQL, Snowflake or BigQuery: such a column name is quoted.
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization between binary both case cast
    check collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    qualify references returning right select session_user similar some symmetric table tablesample
    then to trailing true union unique user using variadic verbose when where window with""".split()  # noqa: SIM905
)


@cache
def snake_case(name: str) -> str:
    """`OrderID` -> `order_id`, `Order Details` -> `order_details`, `DBVersion` -> `db_version`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = _BOUNDARY.sub("_", ascii_name).lower()
    snake = _NOT_WORD.sub("_", words).strip("_")
    if not snake:
        snake = "col"
    if snake[0].isdigit():
        snake = "_" + snake
    return snake


class NameSpace:
    """Hands out snake_case names that are unique within one scope (a model, a project)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self._taken: set[str] = set(taken or ())

    def claim(self, original: str, prefix: str = "") -> str:
        base = prefix + snake_case(original)
        name, number = base, 2
        while name in self._taken:
            name, number = f"{base}_{number}", number + 1
        self._taken.add(name)
        return name
