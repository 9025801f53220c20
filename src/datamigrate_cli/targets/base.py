"""What a target is: the `Target` dataclass, and the tables several targets share.

A target is data, read by small functions: the sqlglot dialect its SQL is written in, the dbt
adapter that runs it, how each SQL Server type maps onto it, and in `Semantics` how it writes
what T-SQL means (`convert/semantics/` reads those templates and flags; it never tests a
target's name). One file per target in this package builds one `Target`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Semantics:
    """How the target writes T-SQL constructs whose meaning its own SQL does not share.

    Templates are SQL in the target's dialect; `{name}` marks where an argument goes (`{x}` a
    value, `{d}` a date, `{s}` a string, `{n}` a count, `{f}` a format...). A template left None
    (or a mapping without the key) means the target has no rewrite: the construct is flagged
    (DM208, or DM202 for CONVERT styles), never passed through with another meaning.
    """

    local_now: str | None = None
    """GETDATE/SYSDATETIME: the server's local time without a time zone (CURRENT_TIMESTAMP has one)."""
    utc_now: str | None = None
    """GETUTCDATE/SYSUTCDATETIME: UTC time without a time zone."""
    datediff: Mapping[str, str] = field(default_factory=dict)
    """DATEDIFF date part (YEAR, QUARTER, ..., NANOSECOND) -> template over {a} (start) and {b} (end),
    counting the part's boundaries crossed, as DATEDIFF does (weeks start on Sunday)."""
    datepart: Mapping[str, str] = field(default_factory=dict)
    """DATEPART parts whose target EXTRACT differs from SQL Server (DAYOFWEEK, WEEK, WEEKISO, SECOND,
    DAYOFYEAR, MILLISECOND, MICROSECOND, NANOSECOND) -> template over {d}."""
    integer_extract: bool = False
    """EXTRACT of year, month, day, hour, minute is already an integer (no CAST AS INT needed)."""
    convert_styles: Mapping[int, str] = field(default_factory=dict)
    """CONVERT style -> the format, in `format_text`'s codes, of a datetime as text (and of text read
    as a datetime)."""
    convert_style_default: str | None = None
    """CONVERT style 0/100 ('mon dd yyyy hh:miAM', day and hour padded with a space) over {d}."""
    convert_style_126_no_ms: str | None = None
    """The style 126 format when the milliseconds are zero (SQL Server leaves them out then)."""
    format_text: str | None = None
    """A datetime {d} as text in format {f}."""
    parse_text: str | None = None
    """Text {s} read as a timestamp in format {f}."""
    try_parse_text: str | None = None
    """As `parse_text`, NULL instead of an error for text that is not a date."""
    parse_format_codes: Mapping[str, str] = field(default_factory=dict)
    """Format codes that read differently from how they write (written code -> read code)."""
    am_pm_code: str | None = None
    """The AM/PM code of a to_char-style format, which sqlglot's format mapping leaves out."""
    number_formats: Mapping[str, str] = field(default_factory=dict)
    """.NET numeric FORMAT specifier in en-US (N: grouped, F: fixed) -> template over {x}, {n}
    decimals and {point} ('.000' for n=3), rounded half away from zero."""
    rounded_text: str | None = None
    """A number {x} rounded to {n} decimals as text, exactly {n} digits after the point (STR)."""
    pattern_position: str | None = None
    """PATINDEX with a literal pattern: template over {s}, {p}, {re} and {re_prefix} (regexes in
    which `.` matches a newline too, as LIKE's `_` and `%` do)."""
    like_regex: str | None = None
    """LIKE with a [...] class or a backslash: a case-insensitive regex {re} over the whole value {s}."""
    replace_ci: str | None = None
    """REPLACE of the literal regex {re} by {to} in {s}, case-insensitively."""
    make_date: str | None = None
    """DATEFROMPARTS over {y}, {m}, {d}."""
    stuff: str | None = None
    """STUFF({s}, {start}, {n}, {r}): NULL for a start outside the string or a negative length."""
    replicate: str | None = None
    """REPLICATE({s}, {n}): NULL for a negative count."""
    length_bytes: str | None = None
    """DATALENGTH of varchar: the bytes of {s}."""
    text_type: str = "VARCHAR"
    """The type a number is cast to when T-SQL converts it to text implicitly (LEFT, DATENAME)."""
    float_slash: bool = False
    """`/` divides integers as floats (and `//` truncates toward zero, as T-SQL's `/` does)."""
    lateral_join: bool = True
    """Has LATERAL joins (CROSS/OUTER APPLY become them; flagged DM208 where not)."""
    non_raising_cast: bool = False
    """Has a TRY_CAST that returns NULL where SQL Server's does."""


@dataclass(frozen=True)
class Target:
    """A warehouse a project can be generated for."""

    name: str
    dialect: str
    """sqlglot dialect name."""
    adapter: str
    """dbt adapter type, as in profiles.yml."""
    types: dict[str, str]
    """SQL Server base type -> target type; `{n}`, `{p}`, `{s}` are length, precision, scale."""
    unbounded_text: str
    """The target's text type without a length (for MAX and for types it cannot bound)."""
    extra: str | None = None
    """The pip extra that installs its dbt adapter (None: installed with datamigrate)."""
    max_length: str | None = None
    """How a MAX length is written, when the target has one (SQL Server: max)."""
    semantics: Semantics = field(default_factory=Semantics)
    """How T-SQL meanings are written on the target (unused when `tsql_native`)."""
    tsql_native: bool = False
    """The target runs T-SQL itself (SQL Server, Fabric): a view means what it says as written, so it
    is neither rewritten for meaning nor for syntax (GROUP BY ... WITH ROLLUP stays)."""
    offset_types: frozenset[str] = frozenset()
    """Target types (without a length) that keep a datetimeoffset's own offset; the others keep only
    the instant (DM102)."""
    column_names_ignore_case: bool = False
    """Column names that differ only in case name one column, even quoted (DuckDB, BigQuery,
    Databricks): a table cannot hold [Col] and [col] both (DM104)."""
    max_columns: int | None = None
    """The most columns a table may have (PostgreSQL: 1,600), when the target has a limit (DM105)."""
    strict_number_literals: bool = False
    """A number literal does not convert implicitly to boolean or text (PostgreSQL: `flag = 0` on a
    boolean is an error), so the semantic check reports such a comparison."""

    @property
    def adapter_installed(self) -> bool:
        return importlib.util.find_spec(f"dbt.adapters.{self.adapter}") is not None


COMMON_TYPES = {
    "bigint": "bigint",
    "int": "integer",
    "smallint": "smallint",
    "tinyint": "smallint",  # SQL Server's tinyint is 0..255: it does not fit a signed byte
    "bit": "boolean",
    "decimal": "decimal({p},{s})",
    "numeric": "decimal({p},{s})",
    "money": "decimal(19,4)",
    "smallmoney": "decimal(10,4)",
    "float": "double precision",
    "real": "real",
    "date": "date",
    "time": "time",
    "datetime": "timestamp",
    "datetime2": "timestamp",
    "smalldatetime": "timestamp",
    "datetimeoffset": "timestamp with time zone",
    "char": "char({n})",
    "nchar": "char({n})",
    "varchar": "varchar({n})",
    "nvarchar": "varchar({n})",
    "sysname": "varchar(128)",
    "uniqueidentifier": "uuid",
}
"""The type map most SQL warehouses share; a target overrides what differs."""

_TEXT_EVERYWHERE = dict.fromkeys(
    ["char", "nchar", "varchar", "nvarchar", "sysname", "text", "ntext", "xml", "sql_variant", "hierarchyid",
     "uniqueidentifier"],
    "{text}",
)  # fmt: skip


def text_everywhere(text: str) -> dict[str, str]:
    """Every SQL Server text-like type (and the ones kept as text) -> the target's `text` type."""
    return {name: template.replace("{text}", text) for name, template in _TEXT_EVERYWHERE.items()}


# Templates in SQL that DuckDB and PostgreSQL (and most warehouses) read alike.
STUFF_BY_SUBSTRING = (
    "CASE WHEN {start} < 1 OR {start} > length({s}) OR {n} < 0 THEN NULL "
    "ELSE substring({s}, 1, {start} - 1) || COALESCE({r}, '') || substring({s}, {start} + {n}) END"
)
REPLICATE_BY_REPEAT = "CASE WHEN {n} < 0 THEN NULL ELSE repeat({s}, {n}) END"
MAKE_DATE = "make_date({y}, {m}, {d})"
REPLACE_CI_BY_REGEX = "regexp_replace({s}, {re}, {to}, 'gi')"
