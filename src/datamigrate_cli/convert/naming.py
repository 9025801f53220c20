"""snake_case names for dbt models and columns, unique within their scope."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Words reserved in DuckDB, PostgreSQL, Snowflake or BigQuery: such a column name is quoted. The
# second part: DuckDB's own keywords that cannot name a column unquoted (`select by from t` fails).
RESERVED = frozenset(
    """anti asof at by describe glob lambda pivot pivot_longer pivot_wider positional semi show summarize
    unpack unpivot
    all analyse analyze and any array as asc asymmetric authorization between binary both case cast
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


MAX_LENGTH = 63
"""The longest name a model or a column gets: PostgreSQL's identifier limit (Snowflake's and DuckDB's
are larger), so that a name never gets cut by the warehouse into another one."""

DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))]
)
"""Names Windows reserves for devices: no file or folder may be called that, whatever its extension."""


class NameSpace:
    """Hands out snake_case names that are unique within one scope (a model, a project).

    The rule, for any two originals however they differ: the first keeps its snake_case name, the next
    one with the same name gets `_2`, then `_3`; a name longer than MAX_LENGTH keeps its beginning and
    ends with a hash of the whole original, so it stays unique and the same from run to run.
    """

    def __init__(self, taken: set[str] | frozenset[str] | None = None) -> None:
        self._taken: set[str] = set(taken or ())
        self._owners: dict[str, str] = {}
        self.renamed: dict[str, tuple[str, str]] = {}
        """A name that got a number -> (the name it would have had, the original that holds that one)."""

    def claim(self, original: str, prefix: str = "") -> str:
        base = _fit(prefix + snake_case(original), original)
        name, number = base, 2
        while name in self._taken:
            suffix = f"_{number}"
            name, number = _fit(base, original, len(suffix)) + suffix, number + 1
        self._taken.add(name)
        self._owners[name] = original
        if name != base:
            self.renamed[name] = (base, self._owners.get(base, base))
        return name


def _fit(name: str, original: str, room: int = 0) -> str:
    """`name`, shortened to leave `room` characters under MAX_LENGTH, with a hash of `original`."""
    if len(name) + room <= MAX_LENGTH:
        return name
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return name[: MAX_LENGTH - room - len(digest) - 1] + "_" + digest


def schema_folder(schema: str) -> str:
    """The folder a schema's models are written in (`models/marts/<folder>`): its snake_case name, never
    a device name and never longer than MAX_LENGTH. Two schemas may share one: model names are unique."""
    folder = _fit(snake_case(schema), schema)
    return f"{folder}_" if folder in DEVICE_NAMES else folder
