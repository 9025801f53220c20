"""T-SQL semantics on other warehouses: rewrites of a qualified, type-annotated T-SQL tree.

sqlglot transpiles T-SQL syntax well but not always its meaning: `'a' + 'b'` stays `+`, LEN
counts trailing spaces, DATEDIFF counts elapsed time instead of boundaries crossed, CONVERT
ignores the target length, comparisons become case-sensitive. `rewrite` walks the tree once,
children before parents, and replaces each such node by an expression that means on the
target what it meant on SQL Server. Dialect-specific SQL lives in the tables below as
templates written in the target dialect (`{x}` marks where an argument goes), so a target is
added by adding rows. What cannot be made exact is returned as an `Issue` (a DM2xx code of the
catalogue in `issues.py`), never approximated.

The tree must come from `qualify` + `annotate_types(..., dialect="tsql")`: the rewrites read
the SQL Server types (`node.type`) that the Catalog gave the columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from ..model.issues import Issue

T = exp.DataType.Type

TEXT_TYPES = {T.CHAR, T.NCHAR, T.VARCHAR, T.NVARCHAR, T.TEXT}
INTEGER_TYPES = {T.TINYINT, T.UTINYINT, T.SMALLINT, T.INT, T.BIGINT, T.BIT}
EXACT_TYPES = {T.DECIMAL, T.MONEY, T.SMALLMONEY}
FLOAT_TYPES = {T.FLOAT, T.DOUBLE}
DATE_TYPES = {T.DATE}
DATETIME_ARITHMETIC = {T.DATETIME, T.SMALLDATETIME}
"""Types SQL Server lets you add a number of days to with `+` (not date, not datetime2)."""
DATETIME_TYPES = {T.DATETIME, T.DATETIME2, T.SMALLDATETIME, T.TIMESTAMP, T.TIMESTAMPTZ}
DEFAULT_TEXT_LENGTH = 30
"""CAST/CONVERT to varchar/char without a length: SQL Server uses 30."""

# --- tables: per-dialect SQL -------------------------------------------------------------

LOCAL_NOW = {"duckdb": "CAST(current_localtimestamp() AS TIMESTAMP)", "postgres": "LOCALTIMESTAMP"}
"""GETDATE/SYSDATETIME: the server's local time without a time zone (CURRENT_TIMESTAMP has one)."""

UTC_NOW = {
    "duckdb": "CAST(timezone('UTC', current_timestamp) AS TIMESTAMP)",
    "postgres": "CAST(timezone('UTC', now()) AS TIMESTAMP)",
}

_PG_EPOCH_DIFF = "CAST((EXTRACT(EPOCH FROM DATE_TRUNC('{unit}', CAST({{b}} AS TIMESTAMP))) - EXTRACT(EPOCH FROM DATE_TRUNC('{unit}', CAST({{a}} AS TIMESTAMP)))) * {scale} AS BIGINT)"
_PG_FIELD_DIFF = "CAST((EXTRACT(YEAR FROM CAST({{b}} AS TIMESTAMP)) * {n} + {field_b}) - (EXTRACT(YEAR FROM CAST({{a}} AS TIMESTAMP)) * {n} + {field_a}) AS BIGINT)"
_WEEK_DIFF = {
    # Weeks start on Sunday for DATEDIFF whatever DATEFIRST says: count Sundays crossed.
    # 1899-12-31 is a Sunday; floor division keeps dates before it right.
    "duckdb": "CAST(FLOOR(date_diff('day', DATE '1899-12-31', CAST({b} AS DATE)) / 7) - FLOOR(date_diff('day', DATE '1899-12-31', CAST({a} AS DATE)) / 7) AS BIGINT)",
    "postgres": "CAST(FLOOR((CAST({b} AS DATE) - DATE '1899-12-31') / 7.0) - FLOOR((CAST({a} AS DATE) - DATE '1899-12-31') / 7.0) AS BIGINT)",
}


def _duckdb_diff(part: str) -> str:
    """DuckDB's date_diff counts boundaries crossed, as DATEDIFF does (except weeks)."""
    return f"date_diff('{part}', CAST({{a}} AS TIMESTAMP), CAST({{b}} AS TIMESTAMP))"


DATEDIFF: dict[str, dict[str, str]] = {
    "YEAR": {
        "duckdb": _duckdb_diff("year"),
        "postgres": "CAST(EXTRACT(YEAR FROM CAST({b} AS TIMESTAMP)) - EXTRACT(YEAR FROM CAST({a} AS TIMESTAMP)) AS BIGINT)",
    },
    "QUARTER": {
        "duckdb": _duckdb_diff("quarter"),
        "postgres": _PG_FIELD_DIFF.format(
            n=4,
            field_b="EXTRACT(QUARTER FROM CAST({b} AS TIMESTAMP))",
            field_a="EXTRACT(QUARTER FROM CAST({a} AS TIMESTAMP))",
        ),
    },
    "MONTH": {
        "duckdb": _duckdb_diff("month"),
        "postgres": _PG_FIELD_DIFF.format(
            n=12,
            field_b="EXTRACT(MONTH FROM CAST({b} AS TIMESTAMP))",
            field_a="EXTRACT(MONTH FROM CAST({a} AS TIMESTAMP))",
        ),
    },
    "WEEK": _WEEK_DIFF,
    "DAY": {
        "duckdb": _duckdb_diff("day"),
        "postgres": "CAST(CAST({b} AS DATE) - CAST({a} AS DATE) AS BIGINT)",
    },
    "HOUR": {
        "duckdb": _duckdb_diff("hour"),
        "postgres": _PG_EPOCH_DIFF.format(unit="hour", scale="1 / 3600"),
    },
    "MINUTE": {
        "duckdb": _duckdb_diff("minute"),
        "postgres": _PG_EPOCH_DIFF.format(unit="minute", scale="1 / 60"),
    },
    "SECOND": {"duckdb": _duckdb_diff("second"), "postgres": _PG_EPOCH_DIFF.format(unit="second", scale="1")},
    "MILLISECOND": {
        "duckdb": _duckdb_diff("millisecond"),
        "postgres": _PG_EPOCH_DIFF.format(unit="milliseconds", scale="1000"),
    },
    "MICROSECOND": {
        "duckdb": _duckdb_diff("microsecond"),
        "postgres": _PG_EPOCH_DIFF.format(unit="microseconds", scale="1000000"),
    },
}
"""DATEDIFF date part -> dialect -> template over {a} (start) and {b} (end)."""
DATEDIFF["NANOSECOND"] = {
    "duckdb": _duckdb_diff("microsecond") + " * 1000",
    "postgres": _PG_EPOCH_DIFF.format(unit="microseconds", scale="1000000000"),
}
_DATEDIFF_ALIASES = {
    **dict.fromkeys(("YY", "YYYY"), "YEAR"),
    **dict.fromkeys(("QQ", "Q"), "QUARTER"),
    **dict.fromkeys(("MM", "M"), "MONTH"),
    # dayofyear and weekday boundaries are day boundaries
    **dict.fromkeys(("DAYOFYEAR", "DY", "Y", "DD", "D", "WEEKDAY", "DW", "W"), "DAY"),
    **dict.fromkeys(("WK", "WW"), "WEEK"),
    "HH": "HOUR",
    **dict.fromkeys(("MI", "N"), "MINUTE"),
    **dict.fromkeys(("SS", "S"), "SECOND"),
    "MS": "MILLISECOND",
    "MCS": "MICROSECOND",
    "NS": "NANOSECOND",
}

DATEPART: dict[str, dict[str, str]] = {
    # SQL Server's default DATEFIRST is 7 (us_english): Sunday is day 1.
    "DAYOFWEEK": {
        "duckdb": "CAST(EXTRACT(DOW FROM {d}) AS INT) + 1",
        "postgres": "CAST(EXTRACT(DOW FROM {d}) AS INT) + 1",
    },
    # Week 1 holds 1 January; weeks start on Sunday (DATEFIRST 7).
    "WEEK": {
        "duckdb": "CAST((EXTRACT(DOY FROM {d}) - 1 + EXTRACT(DOW FROM DATE_TRUNC('year', {d}))) // 7 AS INT) + 1",
        "postgres": "CAST(FLOOR((EXTRACT(DOY FROM {d}) - 1 + EXTRACT(DOW FROM DATE_TRUNC('year', {d}))) / 7) AS INT) + 1",
    },
    "WEEKISO": {
        "duckdb": "CAST(EXTRACT(WEEK FROM {d}) AS INT)",
        "postgres": "CAST(EXTRACT(WEEK FROM {d}) AS INT)",
    },
    "SECOND": {
        "duckdb": "CAST(EXTRACT(SECOND FROM {d}) AS INT)",
        "postgres": "CAST(FLOOR(EXTRACT(SECOND FROM {d})) AS INT)",
    },
    "DAYOFYEAR": {
        "duckdb": "CAST(EXTRACT(DOY FROM {d}) AS INT)",
        "postgres": "CAST(EXTRACT(DOY FROM {d}) AS INT)",
    },
    "MICROSECOND": {
        "duckdb": "CAST(EXTRACT(MICROSECONDS FROM {d}) % 1000000 AS INT)",
        "postgres": "CAST(EXTRACT(MICROSECONDS FROM {d}) AS INT) % 1000000",
    },
    "NANOSECOND": {
        "duckdb": "CAST(EXTRACT(MICROSECONDS FROM {d}) % 1000000 AS INT) * 1000",
        "postgres": "(CAST(EXTRACT(MICROSECONDS FROM {d}) AS INT) % 1000000) * 1000",
    },
    "MILLISECOND": {
        "duckdb": "CAST(EXTRACT(MICROSECONDS FROM {d}) // 1000 % 1000 AS INT)",
        "postgres": "CAST(FLOOR(EXTRACT(MICROSECONDS FROM {d}) / 1000) AS INT) % 1000",
    },
}
"""DATEPART parts whose target EXTRACT differs from SQL Server -> dialect -> template over {d}."""
_DATEPART_PLAIN = {"YEAR", "QUARTER", "MONTH", "DAY", "HOUR", "MINUTE"}
"""Parts EXTRACT gets right; the result is only cast to INT (PostgreSQL's EXTRACT is numeric)."""

DATENAME_NUMERIC: dict[str, str] = {
    "%Y": "YEAR",
    "%y": "YEAR",  # yy
    "quarter": "QUARTER",
    "qq": "QUARTER",
    "q": "QUARTER",
    "%d": "DAY",  # also dy, which sqlglot reads as day: cannot be told apart here
    "%j": "DAYOFYEAR",
    "%W": "WEEK",
    "%h": "HOUR",
    "%I": "HOUR",  # hh: DATENAME(hh) is the 24-hour number, not a 12-hour clock
    "%H": "HOUR",
    "%M": "MINUTE",
    "%S": "SECOND",
    "%f": "MILLISECOND",
    "%Mcro%S": "MICROSECOND",
    "%Ma%Mo%S": "NANOSECOND",
    "%V": "WEEKISO",
}
"""DATENAME parts that are numbers: the format sqlglot produced for DATENAME(part) -> DATEPART part.
DATENAME gives the number as text without zero padding ('5', not '05')."""

CONVERT_STYLES: dict[int, dict[str, str]] = {
    1: {"duckdb": "%m/%d/%y", "postgres": "MM/DD/YY"},
    101: {"duckdb": "%m/%d/%Y", "postgres": "MM/DD/YYYY"},
    2: {"duckdb": "%y.%m.%d", "postgres": "YY.MM.DD"},
    102: {"duckdb": "%Y.%m.%d", "postgres": "YYYY.MM.DD"},
    3: {"duckdb": "%d/%m/%y", "postgres": "DD/MM/YY"},
    103: {"duckdb": "%d/%m/%Y", "postgres": "DD/MM/YYYY"},
    4: {"duckdb": "%d.%m.%y", "postgres": "DD.MM.YY"},
    104: {"duckdb": "%d.%m.%Y", "postgres": "DD.MM.YYYY"},
    5: {"duckdb": "%d-%m-%y", "postgres": "DD-MM-YY"},
    105: {"duckdb": "%d-%m-%Y", "postgres": "DD-MM-YYYY"},
    8: {"duckdb": "%H:%M:%S", "postgres": "HH24:MI:SS"},
    108: {"duckdb": "%H:%M:%S", "postgres": "HH24:MI:SS"},
    10: {"duckdb": "%m-%d-%y", "postgres": "MM-DD-YY"},
    110: {"duckdb": "%m-%d-%Y", "postgres": "MM-DD-YYYY"},
    11: {"duckdb": "%y/%m/%d", "postgres": "YY/MM/DD"},
    111: {"duckdb": "%Y/%m/%d", "postgres": "YYYY/MM/DD"},
    12: {"duckdb": "%y%m%d", "postgres": "YYMMDD"},
    112: {"duckdb": "%Y%m%d", "postgres": "YYYYMMDD"},
    14: {"duckdb": "%H:%M:%S:%g", "postgres": "HH24:MI:SS:MS"},
    114: {"duckdb": "%H:%M:%S:%g", "postgres": "HH24:MI:SS:MS"},
    20: {"duckdb": "%Y-%m-%d %H:%M:%S", "postgres": "YYYY-MM-DD HH24:MI:SS"},
    120: {"duckdb": "%Y-%m-%d %H:%M:%S", "postgres": "YYYY-MM-DD HH24:MI:SS"},
    21: {"duckdb": "%Y-%m-%d %H:%M:%S.%g", "postgres": "YYYY-MM-DD HH24:MI:SS.MS"},
    121: {"duckdb": "%Y-%m-%d %H:%M:%S.%g", "postgres": "YYYY-MM-DD HH24:MI:SS.MS"},
    126: {"duckdb": "%Y-%m-%dT%H:%M:%S.%g", "postgres": 'YYYY-MM-DD"T"HH24:MI:SS.MS'},
}
"""CONVERT style -> dialect -> format of a datetime as text (and of text read as a datetime)."""
_STYLE_126_NO_MS = {"duckdb": "%Y-%m-%dT%H:%M:%S", "postgres": 'YYYY-MM-DD"T"HH24:MI:SS'}
_STYLE_DEFAULT = {
    # 0/100: 'mon dd yyyy hh:miAM', day and hour padded with a space to two characters.
    "duckdb": "strftime({d}, '%b ') || lpad(strftime({d}, '%-d'), 2, ' ') || strftime({d}, ' %Y ') || lpad(strftime({d}, '%-I'), 2, ' ') || strftime({d}, ':%M%p')",
    "postgres": "to_char({d}, 'Mon ') || lpad(to_char({d}, 'FMDD'), 2, ' ') || to_char({d}, ' YYYY ') || lpad(to_char({d}, 'FMHH12'), 2, ' ') || to_char({d}, ':MIAM')",
}
_TIME_ONLY_STYLES = {8, 108, 14, 114}
_TWO_DIGIT_YEAR_STYLES = {1, 2, 3, 4, 5, 10, 11, 12}
FORMAT_TEXT = {"duckdb": "strftime({d}, '{f}')", "postgres": "to_char({d}, '{f}')"}
PARSE_TEXT = {
    "duckdb": "strptime({s}, '{f}')",
    "postgres": "to_timestamp({s}, '{f}')",
}
TRY_PARSE_TEXT = {"duckdb": "try_strptime({s}, '{f}')"}
PARSE_FORMAT_CODES = {"duckdb": {"%g": "%f"}}
"""Codes that read differently from how they write (DuckDB's strptime has no %g)."""

NUMBER_FORMATS: dict[str, dict[str, str]] = {
    # .NET numeric formats in en-US: N = grouped with 2 (or n) decimals, rounded half away from zero.
    "N": {
        "duckdb": "format('{{:,.{n}f}}', ROUND(CAST({x} AS DECIMAL(38, 10)), {n}))",
        "postgres": "to_char(ROUND(CAST({x} AS NUMERIC), {n}), 'FM999,999,999,999,999,990{point}')",
    },
    "F": {
        "duckdb": "format('{{:.{n}f}}', ROUND(CAST({x} AS DECIMAL(38, 10)), {n}))",
        "postgres": "to_char(ROUND(CAST({x} AS NUMERIC), {n}), 'FM999999999999999990{point}')",
    },
}
"""FORMAT numeric specifier -> dialect -> template over {x}, {n} decimals, {point} ('.000' for n=3)."""
_NUMBER_PATTERNS = {
    "#,##0": ("N", 0),
    "#,##0.00": ("N", 2),
    "#,0.00": ("N", 2),
    "0.00": ("F", 2),
    "0": ("F", 0),
}

PATTERN_POSITION = {
    "duckdb": "CASE WHEN {s} IS NULL OR {p} IS NULL THEN NULL WHEN regexp_matches({s}, {re}, 'is') THEN length(regexp_extract({s}, {re_prefix}, 1, 'is')) + 1 ELSE 0 END",
    "postgres": "regexp_instr({s}, {re}, 1, 1, 0, 'i')",
}
"""PATINDEX with a literal pattern -> dialect -> template over {s}, {p}, {re} and {re_prefix}
(regexes in which `.` matches a newline too, as LIKE's `_` and `%` do)."""
LIKE_REGEX = {
    "duckdb": "regexp_full_match({s}, {re}, 'is')",
    "postgres": "{s} ~* {re}",
}
"""LIKE with a [...] class or a backslash: a case-insensitive regex over the whole value."""
REPLACE_CI = {
    "duckdb": "regexp_replace({s}, {re}, {to}, 'gi')",
    "postgres": "regexp_replace({s}, {re}, {to}, 'gi')",
}
"""REPLACE with a literal search string, case-insensitively."""

MAKE_DATE = {"duckdb": "make_date({y}, {m}, {d})", "postgres": "make_date({y}, {m}, {d})"}
STUFF = {
    d: "CASE WHEN {start} < 1 OR {start} > length({s}) OR {n} < 0 THEN NULL "
    "ELSE substring({s}, 1, {start} - 1) || COALESCE({r}, '') || substring({s}, {start} + {n}) END"
    for d in ("duckdb", "postgres")
}
"""STUFF: NULL for a start outside the string or a negative length; a NULL replacement deletes."""
REPLICATE = {d: "CASE WHEN {n} < 0 THEN NULL ELSE repeat({s}, {n}) END" for d in ("duckdb", "postgres")}
ROUNDED_TEXT = {
    "duckdb": "CAST(ROUND(CAST({x} AS DECIMAL(38, {n})), {n}) AS VARCHAR)",
    "postgres": "CAST(ROUND(CAST({x} AS NUMERIC), {n}) AS TEXT)",
}
"""A number rounded to {n} decimals as text, exactly {n} digits after the point (none for 0)."""
DATALENGTH_FIXED: dict[exp.DataType.Type, int] = {
    T.TINYINT: 1,
    T.SMALLINT: 2,
    T.INT: 4,
    T.BIGINT: 8,
    T.BIT: 1,
    T.FLOAT: 8,
    T.DATE: 3,
    T.DATETIME: 8,
    T.SMALLDATETIME: 4,
    T.MONEY: 8,
    T.SMALLMONEY: 4,
    T.UUID: 16,
}
"""DATALENGTH of fixed-size types: the bytes SQL Server stores."""
LENGTH_BYTES = {"duckdb": "strlen({s})", "postgres": "octet_length({s})"}
TEXT_TYPE = {"duckdb": "VARCHAR", "postgres": "TEXT"}
FLOAT_SLASH = {"duckdb"}
"""Dialects whose `/` divides integers as floats (their `//` truncates toward zero)."""
NO_LATERAL: set[str] = set()
NON_RAISING_CAST = {"duckdb"}
"""Dialects with a TRY_CAST that returns NULL where SQL Server's does."""
INTEGER_EXTRACT = {"duckdb"}
"""Dialects whose EXTRACT of year, month, ... is already an integer."""
AM_PM_CODE = {"postgres": "AM"}
"""to_char-style dialects: the AM/PM code sqlglot's format mapping leaves out."""
"""Dialects without LATERAL joins (APPLY is flagged there)."""


# --- the walk ----------------------------------------------------------------------------


@dataclass
class _Context:
    dialect: str
    flags: list[Issue]
    node: exp.Expression | None = None
    """The node being rewritten: a flag takes its line."""

    def flag(self, code: str, message: str) -> None:
        if all((f.code, f.message) != (code, message) for f in self.flags):
            self.flags.append(Issue(code, message, source_line(self.node) if self.node else None))

    def template(
        self, table: dict[str, str], what: str, **args: exp.Expression | str | int
    ) -> exp.Expression | None:
        """The table's template for this dialect with the arguments put in, or None (flagged DM208)."""
        text = table.get(self.dialect)
        if text is None:
            self.flag("DM208", f"{what} has no rewrite for {self.dialect}")
            return None
        return fill(text, self.dialect, **args)


def rewrite(tree: exp.Expression, dialect: str) -> list[Issue]:
    """Rewrite `tree` in place so that `tree.sql(dialect=dialect)` means what the T-SQL meant.

    Returns what could not be made exact, in the order found, each with the line (in the text
    the tree was parsed from) of the node it is about, when known. The tree must be qualified and
    annotated with T-SQL types (see the module docstring).
    """
    context = _Context(dialect=dialect, flags=[])
    if dialect == "tsql":
        return context.flags  # SQL Server (or Fabric) as the target: the T-SQL means what it says
    nodes = list(tree.walk(bfs=False))
    for node in reversed(nodes):  # children before parents: a parent sees rewritten arguments
        handler = _HANDLERS.get(type(node))
        if handler is None:
            continue
        context.node = node
        replacement = handler(node, context)
        if replacement is not None and replacement is not node:
            if replacement.type is None or replacement.type.this == T.UNKNOWN:
                replacement.type = node.type
            if node is tree:
                _become(node, replacement)
            else:
                node.replace(replacement)
    return context.flags


def source_line(node: exp.Expression) -> int | None:
    """The line `node` (or the first name inside it) was on in the parsed text, or None."""
    for candidate in (node, *node.find_all(exp.Identifier)):
        line = candidate.meta.get("line") if candidate._meta else None
        if line is not None:
            return line
    return None


def _become(node: exp.Expression, replacement: exp.Expression) -> None:
    """Turn the root node into its replacement (the caller holds the root, so it cannot be swapped)."""
    for key in list(node.args):
        node.set(key, None)
    for key, value in replacement.args.items():
        node.set(key, value)


@lru_cache(maxsize=512)
def _parse_template(text: str, dialect: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=dialect)


def fill(text: str, dialect: str, **args: exp.Expression | str | int) -> exp.Expression:
    """Parse a template written in `dialect`; `{name}` takes an expression (copied at each use)
    or a string/number spliced into the text (for format strings and sizes)."""
    nodes = {name: value for name, value in args.items() if isinstance(value, exp.Expression)}
    texts = {name: str(value) for name, value in args.items() if not isinstance(value, exp.Expression)}
    marked = text.format(**texts, **{name: f"__dm_arg_{name}" for name in nodes})
    tree = _parse_template(marked, dialect).copy()
    for column in list(tree.find_all(exp.Column)):
        if not column.table and column.name.startswith("__dm_arg_"):
            column.replace(nodes[column.name.removeprefix("__dm_arg_")].copy())
    return tree


def _type(node: exp.Expression) -> exp.DataType.Type | None:
    if isinstance(node, exp.Cast):
        return node.to.this
    if node.type is not None and node.type.this not in (T.UNKNOWN, T.NULL):
        return node.type.this
    if isinstance(node, exp.Literal):
        return T.VARCHAR if node.is_string else (T.INT if node.is_int else T.DECIMAL)
    if isinstance(node, exp.Paren):
        return _type(node.this)
    if isinstance(node, (exp.DPipe, exp.Concat, *_TEXT_FUNCTIONS)):
        return T.VARCHAR
    return None


# Functions that always return text, which sqlglot's annotation may leave untyped.
_TEXT_FUNCTIONS = (exp.Left, exp.Right, exp.Substring, exp.Upper, exp.Lower, exp.Trim, exp.Replace, exp.Stuff)


def _is_text(node: exp.Expression) -> bool:
    return _type(node) in TEXT_TYPES


def _is_number(node: exp.Expression) -> bool:
    return _type(node) in INTEGER_TYPES | EXACT_TYPES | FLOAT_TYPES


def _is_null(node: exp.Expression) -> bool:
    return isinstance(node, exp.Null)


def _int_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Neg) and _int_literal(node.this) is not None:
        return -_int_literal(node.this)  # type: ignore[operator]
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.this)
    return None


def _string_literal(node: exp.Expression | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _text_length(data_type: exp.DataType | None) -> int | None:
    """The declared length of a char/varchar type; -1 for MAX; None when not given."""
    if data_type is None or not data_type.expressions:
        return None
    size = data_type.expressions[0]
    value = size.this if isinstance(size, exp.DataTypeParam) else size
    if isinstance(value, exp.Var) and value.name.upper() == "MAX":
        return -1
    return int(value.name) if isinstance(value, exp.Literal) and value.is_int else None


# --- operators ---------------------------------------------------------------------------


def _add(node: exp.Add, context: _Context) -> exp.Expression | None:
    """`+` on two strings concatenates (NULL if either is NULL: `||` does the same). A string
    and a number add: the string converts to the number's type (int ranks above varchar).
    A datetime plus a number adds days."""
    left, right = node.this, node.expression
    for moment, number in ((left, right), (right, left)):
        if _type(moment) in DATETIME_ARITHMETIC and _is_number(number):
            return _add_days(moment, number, context)
    if (_is_text(left) and (_is_text(right) or _is_null(right))) or (_is_null(left) and _is_text(right)):
        return exp.DPipe(this=left, expression=right, safe=False)
    for text, number in ((left, right), (right, left)):
        if _is_text(text) and _is_number(number):
            target = number.type.copy() if number.type is not None else exp.DataType.build(_type(number))
            text.replace(exp.Cast(this=text.copy(), to=target))
            return None
    return None


def _sub(node: exp.Sub, context: _Context) -> exp.Expression | None:
    """A datetime minus a number subtracts days."""
    if _type(node.this) in DATETIME_ARITHMETIC and _is_number(node.expression):
        return _add_days(node.this, node.expression, context, negate=True)
    return None


def _add_days(
    moment: exp.Expression, days: exp.Expression, context: _Context, negate: bool = False
) -> exp.Expression | None:
    """DATEADD(day, ...) for `datetime + n`; a fraction of a day (SQL Server rounds it to its
    1/300 s ticks) is flagged."""
    if _type(days) not in INTEGER_TYPES:
        context.flag("DM208", "a datetime plus a fraction of a day is not rewritten")
        return None
    number = exp.Neg(this=exp.Paren(this=days.copy())) if negate else days.copy()
    return exp.DateAdd(this=moment.copy(), expression=number, unit=exp.var("DAY"))


def _div(node: exp.Div, context: _Context) -> exp.Expression | None:
    """Integer / integer is integer division truncating toward zero (7 / 2 = 3, -7 / 2 = -3):
    PostgreSQL's `/` on integers does that; DuckDB's `/` is float division, its `//` truncates."""
    both_integers = _type(node.this) in INTEGER_TYPES and _type(node.expression) in INTEGER_TYPES
    if both_integers and context.dialect in FLOAT_SLASH:
        return exp.IntDiv(this=node.this, expression=node.expression)
    return None


def _comparison(node: exp.Binary, context: _Context) -> exp.Expression | None:
    """Text comparisons ignore case and trailing spaces in SQL Server's default collation.
    Text against a number converts the text (int ranks above char); PostgreSQL would refuse
    the comparison. A bit against 0 or 1 compares with FALSE or TRUE: staging models make bit
    a boolean, which PostgreSQL will not compare with an integer."""
    left, right = node.this, node.expression
    if _is_text(left) and _is_text(right):
        node.set("this", _collated(left))
        node.set("expression", _collated(right))
        return None
    for side, other in ((left, right), (right, left)):
        if not (isinstance(other, exp.Literal) and other.is_number) or isinstance(side, exp.Literal):
            continue
        if _type(side) == T.BIT and isinstance(node, (exp.EQ, exp.NEQ)):
            other.replace(exp.Boolean(this=float(other.this) != 0))
        elif _is_text(side):
            number = "INT" if other.is_int else "DECIMAL(38, 10)"
            side.replace(exp.cast(side.copy(), exp.DataType.build(number)))
        break
    return None


def _like(node: exp.Like, context: _Context) -> exp.Expression | None:
    """LIKE is case-insensitive in SQL Server's default collation: ILIKE. A pattern with a
    `[a-z]` class (which the targets' LIKE does not have) or a backslash (PostgreSQL's LIKE
    escape, a plain character in T-SQL) becomes a regex match."""
    pattern = _string_literal(node.expression)
    if pattern is None:
        context.flag(
            "DM207", "LIKE with a pattern that is not a literal: [...] classes and backslashes differ"
        )
    elif ("[" in pattern or "\\" in pattern) and node.args.get("escape") is None:
        regex = "^" + like_to_regex(pattern) + "$"
        matched = context.template(LIKE_REGEX, "LIKE with [...]", s=node.this, re=exp.Literal.string(regex))
        if matched is None:
            return None
        return exp.Not(this=exp.Paren(this=matched)) if node.args.get("negate") else matched
    return exp.ILike(**{key: value for key, value in node.args.items() if value is not None})


def _in(node: exp.In, context: _Context) -> exp.Expression | None:
    """`x IN ('a', 'b')` on text compares case-insensitively."""
    if _is_text(node.this) and node.expressions and all(_is_text(e) for e in node.expressions):
        node.set("this", _collated(node.this))
        node.set("expressions", [_collated(e) for e in node.expressions])
    return None


def _case(node: exp.Case, context: _Context) -> exp.Expression | None:
    """`CASE text WHEN 'A' ...` compares case-insensitively too."""
    subject = node.args.get("this")
    if subject is None or not _is_text(subject):
        return None
    ifs = node.args.get("ifs") or []
    if all(_is_text(branch.this) or _is_null(branch.this) for branch in ifs):
        node.set("this", _collated(subject))
        for branch in ifs:
            branch.set("this", _collated(branch.this))
    return None


def _between(node: exp.Between, context: _Context) -> exp.Expression | None:
    """`text BETWEEN 'a' AND 'c'` compares case-insensitively."""
    parts = (node.this, node.args["low"], node.args["high"])
    if all(_is_text(part) for part in parts):
        node.set("this", _collated(parts[0]))
        node.set("low", _collated(parts[1]))
        node.set("high", _collated(parts[2]))
    return None


def _nullif(node: exp.Nullif, context: _Context) -> exp.Expression | None:
    """NULLIF('A', 'a') is NULL: the comparison is case-insensitive, the value returned is not."""
    first, second = node.this, node.expression
    if not (_is_text(first) and _is_text(second)):
        return None
    same = exp.EQ(this=_collated(first), expression=_collated(second))
    return exp.case().when(same, exp.null()).else_(first.copy())


def _collated(node: exp.Expression) -> exp.Expression:
    """A text operand as the default collation compares it: case and trailing spaces do not count
    ('abc' = 'ABC  ' is true on SQL Server)."""
    literal = _string_literal(node)
    if literal is not None:
        return exp.Literal.string(literal.rstrip(" ").lower())
    if isinstance(node, exp.Lower):
        return node
    return exp.Lower(this=_rtrim_spaces(node.copy()))


def _rtrim_spaces(node: exp.Expression) -> exp.Expression:
    return exp.Trim(this=node, expression=exp.Literal.string(" "), position="TRAILING")


def _lower(node: exp.Expression) -> exp.Expression:
    literal = _string_literal(node)
    if literal is not None:
        return exp.Literal.string(literal.lower())
    if isinstance(node, exp.Lower):
        return node
    return exp.Lower(this=node.copy())


# --- casts and conversions ---------------------------------------------------------------


def _cast(node: exp.Cast, context: _Context) -> exp.Expression | None:
    """CAST to an integer truncates a decimal/float (2.7 -> 2); to char/varchar(n) truncates to n."""
    to = node.to
    source = node.this
    if to.this in INTEGER_TYPES - {T.BIT} and _type(source) in EXACT_TYPES | FLOAT_TYPES:
        node.set("this", exp.func("TRUNC", source.copy()))
        return None
    if to.this in TEXT_TYPES:
        return _truncated(node, to, source)
    if to.this == T.FLOAT and not _text_length(to):
        node.set("to", exp.DataType.build("DOUBLE"))  # float is float(53); PostgreSQL's FLOAT is real
    return None


def _truncated(node: exp.Expression, to: exp.DataType, source: exp.Expression) -> exp.Expression | None:
    """LEFT(node, n) when a conversion to char/varchar(n) could cut the value (DuckDB ignores n)."""
    length = _text_length(to)
    if length == -1 or to.this == T.TEXT:
        return None
    fits = length or DEFAULT_TEXT_LENGTH
    source_length = _text_length(source.type) if _is_text(source) else None
    literal = _string_literal(source)
    if literal is not None and len(literal) <= fits:
        return None
    if source_length is not None and 0 < source_length <= fits:
        return None
    if length is None and not _is_text(source):
        return None  # numbers and dates print in fewer than 30 characters
    inner = node.copy()
    if isinstance(inner, exp.Cast):
        inner.set("to", exp.DataType.build("TEXT"))
    return exp.Left(this=inner, expression=exp.Literal.number(fits))


def _convert(node: exp.Convert, context: _Context) -> exp.Expression | None:
    """CONVERT/TRY_CONVERT: a style formats or reads dates by the CONVERT_STYLES table;
    without a style it is a CAST (and gets the CAST rules)."""
    to, value, style_node = node.this, node.expression, node.args.get("style")
    safe = bool(node.args.get("safe"))
    style = _int_literal(style_node) if style_node is not None else None
    if style_node is not None and style is None:
        context.flag("DM202", "CONVERT with a style that is not a literal number")
        return None
    value_type = _type(value)
    if style is not None and to.this in TEXT_TYPES and value_type in DATE_TYPES | DATETIME_TYPES:
        formatted = _format_style(value, style, value_type, context)
        if formatted is None:
            return None
        formatted.type = exp.DataType.build("VARCHAR")
        return _truncated(formatted, to, formatted) or formatted
    if style is not None and to.this in DATE_TYPES | DATETIME_TYPES and (value_type in TEXT_TYPES):
        return _parse_style(value, style, to, safe, context)
    cast = exp.TryCast(this=value, to=to) if safe else exp.Cast(this=value, to=to)
    if safe:
        return _try_cast(cast, context) or cast
    return _cast(cast, context) or cast


def _format_style(
    value: exp.Expression, style: int, value_type: exp.DataType.Type | None, context: _Context
) -> exp.Expression | None:
    if value_type in DATE_TYPES and (style in _TIME_ONLY_STYLES or style in {0, 100, 20, 120, 21, 121, 126}):
        context.flag("DM202", f"CONVERT style {style} of a date (no time part) is not rewritten")
        return None
    if style in (0, 100):
        return context.template(_STYLE_DEFAULT, f"CONVERT style {style}", d=value)
    formats = CONVERT_STYLES.get(style)
    if formats is None or context.dialect not in formats:
        context.flag("DM202", f"CONVERT style {style} has no rewrite for {context.dialect}")
        return None
    fmt = context.template(FORMAT_TEXT, f"CONVERT style {style}", d=value, f=formats[context.dialect])
    if style == 126 and fmt is not None:  # milliseconds are left out when they are zero
        if context.dialect not in _STYLE_126_NO_MS:
            context.flag("DM202", f"CONVERT style 126 has no rewrite for {context.dialect}")
            return None
        plain = fill(
            FORMAT_TEXT[context.dialect], context.dialect, d=value, f=_STYLE_126_NO_MS[context.dialect]
        )
        millisecond = fill(DATEPART["MILLISECOND"][context.dialect], context.dialect, d=value)
        return exp.case().when(exp.EQ(this=millisecond, expression=exp.Literal.number(0)), plain).else_(fmt)
    return fmt


def _parse_style(
    value: exp.Expression, style: int, to: exp.DataType, safe: bool, context: _Context
) -> exp.Expression | None:
    formats = CONVERT_STYLES.get(style)
    if formats is None or style in _TWO_DIGIT_YEAR_STYLES or context.dialect not in formats:
        context.flag("DM202", f"CONVERT of text with style {style} is not rewritten")
        return None
    table = TRY_PARSE_TEXT if safe else PARSE_TEXT
    if context.dialect not in table:
        context.flag(
            "DM201", f"TRY_CONVERT(..., {style}) raises on {context.dialect} for text that is not a date"
        )
        return None
    fmt = formats[context.dialect]
    for written, read in PARSE_FORMAT_CODES.get(context.dialect, {}).items():
        fmt = fmt.replace(written, read)
    parsed = fill(table[context.dialect], context.dialect, s=value, f=fmt)
    target = exp.DataType.build("DATE") if to.this in DATE_TYPES else exp.DataType.build("TIMESTAMP")
    return exp.Cast(this=parsed, to=target)


def _try_cast(node: exp.TryCast, context: _Context) -> exp.Expression | None:
    """TRY_CAST/TRY_CONVERT: DuckDB has TRY_CAST; PostgreSQL (before 16) has no non-raising cast."""
    if context.dialect in NON_RAISING_CAST:
        source = node.this
        if node.to.this in INTEGER_TYPES - {T.BIT} and _type(source) in EXACT_TYPES | FLOAT_TYPES:
            node.set("this", exp.func("TRUNC", source.copy()))
        return None
    if _string_literal(node.this) is None or not _cast_literal_succeeds(node):
        context.flag("DM201", f"TRY_CAST/TRY_CONVERT to {node.to.sql('tsql')} raises on {context.dialect}")
    cast = exp.Cast(this=node.this, to=node.to)
    return _cast(cast, context) or cast


def _cast_literal_succeeds(node: exp.TryCast) -> bool:
    """A literal whose conversion is known to succeed does not need a flag."""
    text = _string_literal(node.this) or ""
    if node.to.this in INTEGER_TYPES - {T.BIT}:
        return re.fullmatch(r"\s*[-+]?\d+\s*", text) is not None
    return False


# --- functions ---------------------------------------------------------------------------


def _length(node: exp.Length, context: _Context) -> exp.Expression | None:
    """LEN leaves out trailing spaces (not leading ones)."""
    return exp.Length(this=_rtrim_spaces(node.this.copy()))


def _anonymous(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    handler = _FUNCTIONS.get(node.name.upper())
    return handler(node, context) if handler else None


def _datalength(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    """DATALENGTH counts bytes: 2 per character for nchar/nvarchar (UTF-16), the storage size for
    fixed-size types, 1 per character for varchar (exact for ASCII; flagged: UTF-8 on the target)."""
    (value,) = node.expressions
    value_type = _type(value)
    if value_type in (T.NCHAR, T.NVARCHAR):
        return exp.Mul(this=exp.Literal.number(2), expression=exp.Length(this=value.copy()))
    if isinstance(value, exp.Uuid):
        value_type = T.UUID
    if value_type in DATALENGTH_FIXED:
        size = exp.Literal.number(DATALENGTH_FIXED[value_type])
        return exp.case().when(exp.Is(this=value.copy(), expression=exp.null()), exp.null()).else_(size)
    if value_type in TEXT_TYPES:
        if _string_literal(value) is None or not _string_literal(value).isascii():
            context.flag(
                "DM206", "DATALENGTH of varchar counts UTF-8 bytes on the target (exact for ASCII text)"
            )
        return context.template(LENGTH_BYTES, "DATALENGTH", s=value)
    context.flag("DM208", f"DATALENGTH of {value_type or 'an expression of unknown type'} is not rewritten")
    return None


def _choose(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    """CHOOSE(i, a, b, ...) is the i-th value (1-based), NULL when i is out of range."""
    index, *values = node.expressions
    if _type(index) in EXACT_TYPES | FLOAT_TYPES:
        index = exp.Cast(this=exp.func("TRUNC", index.copy()), to=exp.DataType.build("INT"))
    case = exp.Case(this=index.copy())
    for position, value in enumerate(values, start=1):
        case = case.when(exp.Literal.number(position), value.copy())
    return case


def _patindex(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    """PATINDEX('%pat%', s): 1-based start of the first match of a LIKE pattern, 0 if none,
    case-insensitively. Rewritten for literal patterns: the LIKE pattern becomes a regex."""
    pattern, value = node.expressions
    literal = _string_literal(pattern)
    if literal is None:
        context.flag("DM207", "PATINDEX with a pattern that is not a literal")
        return None
    starts_any, ends_any = literal.startswith("%"), literal.endswith("%") and len(literal) > 1
    body = like_to_regex(literal[1 if starts_any else 0 : len(literal) - 1 if ends_any else len(literal)])
    regex = ("" if starts_any else "^") + body + ("" if ends_any else "$")
    prefix = (
        "^(.*?)" + body + ("" if ends_any else "$")
        if starts_any
        else "^()" + body + ("" if ends_any else "$")
    )
    return context.template(
        PATTERN_POSITION,
        "PATINDEX",
        s=value,
        p=pattern,
        re=exp.Literal.string(regex),
        re_prefix=exp.Literal.string(prefix),
    )


def like_to_regex(pattern: str) -> str:
    """A LIKE pattern (%, _, [a-z], [^a-z]) as a regular expression."""
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            out.append("[" + pattern[index + 1 : end].replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _str(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    """STR(x [, length [, decimals]]): x rounded, right-aligned in `length` characters. When it
    does not fit, as many decimals as fit are kept; when even the integer part does not fit,
    `length` asterisks."""
    value, *rest = node.expressions
    length = _int_literal(rest[0]) if rest else 10
    decimals = _int_literal(rest[1]) if len(rest) > 1 else 0
    if length is None or decimals is None:
        context.flag("DM208", "STR with a length or decimals that is not a literal number")
        return None
    if context.dialect not in ROUNDED_TEXT:
        context.flag("DM208", f"STR has no rewrite for {context.dialect}")
        return None
    width = exp.Literal.number(length)
    case = exp.case()
    for kept in range(min(decimals, 16), -1, -1):
        text = fill(ROUNDED_TEXT[context.dialect], context.dialect, x=value, n=kept)
        fits = exp.LTE(this=exp.Length(this=text), expression=width)
        case = case.when(fits, exp.func("LPAD", text.copy(), width, exp.Literal.string(" ")))
    return case.else_(exp.func("REPEAT", exp.Literal.string("*"), width))


def _getutcdate(node: exp.Anonymous, context: _Context) -> exp.Expression | None:
    """GETUTCDATE/SYSUTCDATETIME: UTC time without a time zone."""
    return context.template(UTC_NOW, "GETUTCDATE")


_FUNCTIONS: dict[str, Callable[[exp.Anonymous, _Context], exp.Expression | None]] = {
    "DATALENGTH": _datalength,
    "CHOOSE": _choose,
    "PATINDEX": _patindex,
    "STR": _str,
    "GETUTCDATE": _getutcdate,
    "SYSUTCDATETIME": _getutcdate,
}


def _str_position(node: exp.StrPosition, context: _Context) -> exp.Expression | None:
    """CHARINDEX compares case-insensitively; a start below 1 counts from 1."""
    node.set("this", _lower(node.this))
    node.set("substr", _lower(node.args["substr"]))
    position = node.args.get("position")
    if position is not None and (_int_literal(position) or 0) < 1:
        if _int_literal(position) is not None:
            node.set("position", None)
        else:
            node.set("position", exp.func("GREATEST", position.copy(), exp.Literal.number(1)))
    return None


def _replace(node: exp.Replace, context: _Context) -> exp.Expression | None:
    """REPLACE finds the search string case-insensitively: a regex replace for literal strings."""
    search, replacement = node.expression, node.args.get("replacement")
    literal = _string_literal(search)
    to = _string_literal(replacement)
    if literal is None or to is None:
        if not (literal is not None and literal.lower() == literal.upper()):
            context.flag(
                "DM207", "REPLACE with a search string that is not a literal compares case-sensitively"
            )
        return None
    if literal.lower() == literal.upper():
        return None  # no letters: case does not matter
    escaped_to = to.replace("\\", "\\\\")  # \1 or \& in the replacement would insert the match
    return context.template(
        REPLACE_CI,
        "REPLACE",
        s=node.this,
        re=exp.Literal.string(re.escape(literal)),
        to=exp.Literal.string(escaped_to),
    )


def _stuff(node: exp.Stuff, context: _Context) -> exp.Expression | None:
    """STUFF: NULL for a start outside the string or a negative length (see the STUFF table)."""
    return context.template(
        STUFF, "STUFF", s=node.this, start=node.args["start"], n=node.args["length"], r=node.expression
    )


def _repeat(node: exp.Repeat, context: _Context) -> exp.Expression | None:
    """REPLICATE with a negative count is NULL (PostgreSQL's repeat returns '')."""
    return context.template(REPLICATE, "REPLICATE", s=node.this, n=node.args["times"])


def _left_right(node: exp.Left | exp.Right, context: _Context) -> exp.Expression | None:
    """LEFT/RIGHT convert a number to text first (LEFT(12345, 2) = '12')."""
    value = node.this.this if isinstance(node.this, exp.Cast) else node.this
    if _is_number(value) and not _is_text(node.this):
        node.set(
            "this",
            exp.Cast(this=value.copy(), to=exp.DataType.build(TEXT_TYPE.get(context.dialect, "VARCHAR"))),
        )
    return None


def _coalesce(node: exp.Coalesce, context: _Context) -> exp.Expression | None:
    """ISNULL(a, b) has a's type: b is converted to it (truncated to a's length, an int truncates a decimal)."""
    if not node.args.get("is_null"):
        return None
    first = node.this
    (replacement,) = node.expressions
    target = first.type if first.type is not None and first.type.this not in (T.UNKNOWN, T.NULL) else None
    if isinstance(first, exp.Cast):
        target = first.to
    if target is None or (_type(replacement) == target.this and not _text_length(target)):
        return None
    cast = exp.Cast(this=replacement.copy(), to=target.copy())
    converted = _cast(cast, context) or cast
    return exp.Coalesce(this=first, expressions=[converted])


# --- dates -------------------------------------------------------------------------------


def _date_diff(node: exp.DateDiff, context: _Context) -> exp.Expression | None:
    """DATEDIFF counts date-part boundaries crossed between start and end (not elapsed time)."""
    unit = (node.unit.name if node.unit is not None else "DAY").upper()
    unit = _DATEDIFF_ALIASES.get(unit, unit)
    table = DATEDIFF.get(unit)
    if table is None:
        context.flag("DM209", f"DATEDIFF({unit.lower()}, ...) is not rewritten")
        return None
    return context.template(
        table, f"DATEDIFF({unit.lower()})", a=_date_arg(node.expression), b=_date_arg(node.this)
    )


def _date_arg(node: exp.Expression) -> exp.Expression:
    """sqlglot wraps text arguments in a conversion to timestamp: keep a date a date."""
    if (
        isinstance(node, (exp.TimeStrToTime, exp.TsOrDsToDate))
        and _type(node.this) in DATE_TYPES | DATETIME_TYPES
    ):
        return node.this
    return node


def _date_add(node: exp.DateAdd, context: _Context) -> exp.Expression | None:
    """DATEADD keeps the type of its date (a date stays a date; text becomes datetime), and
    truncates a fractional number."""
    if _is_text(node.this):
        node.set("this", exp.Cast(this=node.this.copy(), to=exp.DataType.build("DATETIME")))
    number = node.expression
    if _type(number) in EXACT_TYPES | FLOAT_TYPES:
        node.set("expression", exp.Cast(this=exp.func("TRUNC", number.copy()), to=exp.DataType.build("INT")))
    if _type(node.this) in DATE_TYPES:
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
    return None


def _extract(node: exp.Extract, context: _Context) -> exp.Expression | None:
    """DATEPART: weekday counts from Sunday = 1, week from the week of 1 January; an int."""
    part = node.this.name.upper()
    if part in DATEPART:
        return context.template(DATEPART[part], f"DATEPART({part.lower()})", d=node.expression)
    if part in _DATEPART_PLAIN:
        if context.dialect in INTEGER_EXTRACT:
            return None
        return exp.Cast(this=node.copy(), to=exp.DataType.build("INT"))
    context.flag("DM209", f"DATEPART({part.lower()}, ...) is not rewritten")
    return None


def _time_to_str(node: exp.TimeToStr, context: _Context) -> exp.Expression | None:
    """DATENAME of a numeric part is the number as text, without zero padding ('5', not '05').

    sqlglot parses DATENAME(day, d) as a format of CAST(d AS datetime2) with '%d'; FORMAT's
    argument is not wrapped, which tells the two apart.
    """
    fmt = _string_literal(node.args.get("format"))
    value = node.this
    is_datename = isinstance(value, exp.Cast) and value.to.this == T.DATETIME2
    if is_datename and fmt in DATENAME_NUMERIC:
        extract = exp.Extract(this=exp.var(DATENAME_NUMERIC[fmt]), expression=value.copy())
        number = _extract(extract, context) or extract
        return exp.Cast(this=number, to=exp.DataType.build(TEXT_TYPE.get(context.dialect, "VARCHAR")))
    if fmt is None:
        return None
    culture = _string_literal(node.args.get("culture"))
    if culture is not None and culture.lower() != "en-us":
        context.flag("DM203", f"FORMAT with culture '{culture}'")
        return None
    fmt = fmt.replace("tt", "%p")  # .NET's AM/PM designator, which sqlglot leaves as text
    if re.search(r"[A-Za-z]", re.sub(r"%-?[A-Za-z]", "", fmt)):
        context.flag("DM203", f"FORMAT pattern with parts that were not converted: '{fmt}'")
        return None
    node.set("format", exp.Literal.string(fmt))
    if "%p" in fmt and context.dialect in AM_PM_CODE:
        # sqlglot's format mapping has no AM/PM code here: spell the format out and add it
        text = exp.TimeToStr(this=exp.column("__dm_arg_d"), format=exp.Literal.string(fmt)).sql(
            context.dialect
        )
        text = text.replace("%p", AM_PM_CODE[context.dialect]).replace("__dm_arg_d", "{d}")
        return fill(text, context.dialect, d=value)
    return None


def _number_to_str(node: exp.NumberToStr, context: _Context) -> exp.Expression | None:
    """FORMAT(number, 'N2' | 'F3' | '#,##0.00' | ...) in en-US (the us_english session default)."""
    fmt = _string_literal(node.args.get("format"))
    culture = _string_literal(node.args.get("culture"))
    if culture is not None and culture.lower() != "en-us":
        context.flag("DM203", f"FORMAT with culture '{culture}'")
        return None
    spec = _number_spec(fmt or "")
    if spec is None:
        context.flag("DM203", f"FORMAT pattern '{fmt}' is not rewritten")
        return None
    kind, decimals = spec
    point = "." + "0" * decimals if decimals else ""
    return context.template(NUMBER_FORMATS[kind], f"FORMAT '{fmt}'", x=node.this, n=decimals, point=point)


def _number_spec(fmt: str) -> tuple[str, int] | None:
    if fmt in _NUMBER_PATTERNS:
        return _NUMBER_PATTERNS[fmt]
    match = re.fullmatch(r"([NnFf])(\d{0,2})", fmt)
    if match is None:
        return None
    kind = match.group(1).upper()
    return kind, int(match.group(2)) if match.group(2) else 2


def _current_timestamp(node: exp.CurrentTimestamp, context: _Context) -> exp.Expression | None:
    """GETDATE/SYSDATETIME: local time without a time zone (CURRENT_TIMESTAMP has one on both)."""
    return context.template(LOCAL_NOW, "GETDATE")


def _date_from_parts(node: exp.DateFromParts, context: _Context) -> exp.Expression | None:
    """DATEFROMPARTS -> make_date (sqlglot writes DATE_FROM_PARTS, which PostgreSQL lacks)."""
    return context.template(
        MAKE_DATE, "DATEFROMPARTS", y=node.args["year"], m=node.args["month"], d=node.args["day"]
    )


# --- query shapes ------------------------------------------------------------------------


def _join(node: exp.Join, context: _Context) -> exp.Expression | None:
    """CROSS APPLY -> JOIN LATERAL ... ON TRUE; OUTER APPLY -> LEFT JOIN LATERAL ... ON TRUE
    (sqlglot leaves out the ON TRUE, which DuckDB requires)."""
    lateral = node.this
    if not isinstance(lateral, exp.Lateral) or lateral.args.get("cross_apply") is None:
        return None
    if context.dialect in NO_LATERAL:
        context.flag("DM208", f"CROSS/OUTER APPLY: {context.dialect} has no LATERAL join")
        return None
    outer = lateral.args["cross_apply"] is False
    lateral.set("cross_apply", None)
    return exp.Join(this=lateral, side="LEFT" if outer else None, on=exp.true())


def _national(node: exp.National, context: _Context) -> exp.Expression | None:
    """N'...' is an ordinary string on the targets (PostgreSQL would make it a blank-padded char)."""
    literal = exp.Literal.string(node.this)
    literal.type = exp.DataType.build("NVARCHAR")
    return literal


def _select(node: exp.Select, context: _Context) -> exp.Expression | None:
    """SELECT ... INTO: the model is the SELECT (flagged); TOP PERCENT / WITH TIES by a window."""
    if node.args.get("into") is not None:
        context.flag("DM205", "SELECT ... INTO: the INTO table is dropped; the model is the SELECT")
        node.set("into", None)
    limit = node.args.get("limit")
    options = limit.args.get("limit_options") if isinstance(limit, exp.Limit) else None
    if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
        return _top_by_window(node, limit, options, context)
    return None


def _top_by_window(
    node: exp.Select, limit: exp.Limit, options: exp.Expression, context: _Context
) -> exp.Expression | None:
    """TOP (n) PERCENT keeps ceil(rows * n / 100) rows; WITH TIES keeps rows tied with the last
    one. Neither exists on the targets: number the rows in a window and filter outside."""
    order = node.args.get("order")
    if node.args.get("distinct"):
        context.flag("DM204", "TOP PERCENT/WITH TIES on a DISTINCT query is not rewritten")
        return None
    if order is None:
        context.flag("DM204", "TOP PERCENT without ORDER BY: which rows is up to the plan, as on SQL Server")
    inner = node.copy()
    inner.set("limit", None)
    inner.set("order", None)
    names = list(inner.named_selects)
    over = exp.Window(
        this=exp.RowNumber() if not options.args.get("with_ties") else exp.Rank(),
        order=order.copy() if order is not None else None,
    )
    inner.select(exp.alias_(over, "__dm_rank"), copy=False)
    count = limit.expression.copy()
    if options.args.get("percent"):
        total = exp.Window(this=exp.Count(this=exp.Star()))
        inner.select(exp.alias_(total, "__dm_rows"), copy=False)
        count = exp.func(
            "CEIL",
            exp.Div(
                this=exp.Mul(
                    this=exp.column("__dm_rows"),
                    expression=exp.Cast(this=count, to=exp.DataType.build("DOUBLE")),
                ),
                expression=exp.Literal.number(100),
            ),
        )
    outer = (
        exp.select(*[exp.column(name, table="__dm_top") for name in names])
        .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("__dm_top"))))
        .where(exp.LTE(this=exp.column("__dm_rank", table="__dm_top"), expression=count))
        .order_by(exp.column("__dm_rank", table="__dm_top"))
    )
    return outer


_HANDLERS: dict[type, Callable[..., exp.Expression | None]] = {
    exp.Add: _add,
    exp.Sub: _sub,
    exp.Div: _div,
    exp.Case: _case,
    exp.Between: _between,
    exp.Nullif: _nullif,
    exp.EQ: _comparison,
    exp.NEQ: _comparison,
    exp.GT: _comparison,
    exp.GTE: _comparison,
    exp.LT: _comparison,
    exp.LTE: _comparison,
    exp.Like: _like,
    exp.In: _in,
    exp.Cast: _cast,
    exp.Convert: _convert,
    exp.TryCast: _try_cast,
    exp.Length: _length,
    exp.Anonymous: _anonymous,
    exp.StrPosition: _str_position,
    exp.Replace: _replace,
    exp.Stuff: _stuff,
    exp.Repeat: _repeat,
    exp.Left: _left_right,
    exp.Right: _left_right,
    exp.Coalesce: _coalesce,
    exp.DateDiff: _date_diff,
    exp.DateAdd: _date_add,
    exp.Extract: _extract,
    exp.TimeToStr: _time_to_str,
    exp.NumberToStr: _number_to_str,
    exp.CurrentTimestamp: _current_timestamp,
    exp.DateFromParts: _date_from_parts,
    exp.Join: _join,
    exp.National: _national,
    exp.Select: _select,
}
"""Node type -> its rewrite; each returns a replacement node, or None after editing in place."""
