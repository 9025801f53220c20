"""Dates and times: DATEDIFF, DATEADD, `datetime + n`, DATEPART, DATENAME, FORMAT of a date,
GETDATE/GETUTCDATE, DATEFROMPARTS. The target's SQL for each is in its `Semantics`."""

from __future__ import annotations

import re

from sqlglot import exp

from .context import Context, Handler, fill
from .operands import (
    DATE_TYPES,
    DATETIME_TYPES,
    EXACT_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    T,
    is_text,
    string_literal,
    type_of,
)

DATEDIFF_UNITS = frozenset(
    {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND",
     "NANOSECOND"}
)  # fmt: skip
"""DATEDIFF date parts a target can rewrite (`Semantics.datediff`); the others are flagged DM209."""
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
DATEPART_REWRITTEN = frozenset(
    {"DAYOFWEEK", "WEEK", "WEEKISO", "SECOND", "DAYOFYEAR", "MICROSECOND", "NANOSECOND", "MILLISECOND"}
)
"""DATEPART parts whose target EXTRACT differs from SQL Server (`Semantics.datepart`)."""
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


def _date_diff(node: exp.DateDiff, context: Context) -> exp.Expression | None:
    """DATEDIFF counts date-part boundaries crossed between start and end (not elapsed time)."""
    unit = (node.unit.name if node.unit is not None else "DAY").upper()
    unit = _DATEDIFF_ALIASES.get(unit, unit)
    if unit not in DATEDIFF_UNITS:
        context.flag("DM209", f"DATEDIFF({unit.lower()}, ...) is not rewritten")
        return None
    return context.template(
        context.semantics.datediff.get(unit),
        f"DATEDIFF({unit.lower()})",
        a=_date_arg(node.expression),
        b=_date_arg(node.this),
    )


def _date_arg(node: exp.Expression) -> exp.Expression:
    """sqlglot wraps text arguments in a conversion to timestamp: keep a date a date."""
    if (
        isinstance(node, (exp.TimeStrToTime, exp.TsOrDsToDate))
        and type_of(node.this) in DATE_TYPES | DATETIME_TYPES
    ):
        return node.this
    return node


def _date_add(node: exp.DateAdd, context: Context) -> exp.Expression | None:
    """DATEADD keeps the type of its date (a date stays a date; text becomes datetime), and
    truncates a fractional number."""
    if is_text(node.this):
        node.set("this", exp.Cast(this=node.this.copy(), to=exp.DataType.build("DATETIME")))
    number = node.expression
    if type_of(number) in EXACT_TYPES | FLOAT_TYPES:
        node.set("expression", exp.Cast(this=exp.func("TRUNC", number.copy()), to=exp.DataType.build("INT")))
    if type_of(node.this) in DATE_TYPES:
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
    return None


def add_days(
    moment: exp.Expression, days: exp.Expression, context: Context, negate: bool = False
) -> exp.Expression | None:
    """DATEADD(day, ...) for `datetime + n`; a fraction of a day (SQL Server rounds it to its
    1/300 s ticks) is flagged."""
    if type_of(days) not in INTEGER_TYPES:
        context.flag("DM208", "a datetime plus a fraction of a day is not rewritten")
        return None
    number = exp.Neg(this=exp.Paren(this=days.copy())) if negate else days.copy()
    return exp.DateAdd(this=moment.copy(), expression=number, unit=exp.var("DAY"))


def _extract(node: exp.Extract, context: Context) -> exp.Expression | None:
    """DATEPART: weekday counts from Sunday = 1, week from the week of 1 January; an int."""
    part = node.this.name.upper()
    if part in DATEPART_REWRITTEN:
        return context.template(
            context.semantics.datepart.get(part), f"DATEPART({part.lower()})", d=node.expression
        )
    if part in _DATEPART_PLAIN:
        if context.semantics.integer_extract:
            return None
        return exp.Cast(this=node.copy(), to=exp.DataType.build("INT"))
    context.flag("DM209", f"DATEPART({part.lower()}, ...) is not rewritten")
    return None


def _time_to_str(node: exp.TimeToStr, context: Context) -> exp.Expression | None:
    """DATENAME of a numeric part is the number as text, without zero padding ('5', not '05').

    sqlglot parses DATENAME(day, d) as a format of CAST(d AS datetime2) with '%d'; FORMAT's
    argument is not wrapped, which tells the two apart.
    """
    fmt = string_literal(node.args.get("format"))
    value = node.this
    is_datename = isinstance(value, exp.Cast) and value.to.this == T.DATETIME2
    if is_datename and fmt in DATENAME_NUMERIC:
        extract = exp.Extract(this=exp.var(DATENAME_NUMERIC[fmt]), expression=value.copy())
        number = _extract(extract, context) or extract
        return exp.Cast(this=number, to=exp.DataType.build(context.semantics.text_type))
    if fmt is None:
        return None
    culture = string_literal(node.args.get("culture"))
    if culture is not None and culture.lower() != "en-us":
        context.flag("DM203", f"FORMAT with culture '{culture}'")
        return None
    fmt = fmt.replace("tt", "%p")  # .NET's AM/PM designator, which sqlglot leaves as text
    if re.search(r"[A-Za-z]", re.sub(r"%-?[A-Za-z]", "", fmt)):
        context.flag("DM203", f"FORMAT pattern with parts that were not converted: '{fmt}'")
        return None
    node.set("format", exp.Literal.string(fmt))
    am_pm = context.semantics.am_pm_code
    if "%p" in fmt and am_pm is not None:
        # sqlglot's format mapping has no AM/PM code here: spell the format out and add it
        text = exp.TimeToStr(this=exp.column("__dm_arg_d"), format=exp.Literal.string(fmt)).sql(
            context.dialect
        )
        text = text.replace("%p", am_pm).replace("__dm_arg_d", "{d}")
        return fill(text, context.dialect, d=value)
    return None


def _current_timestamp(node: exp.CurrentTimestamp, context: Context) -> exp.Expression | None:
    """GETDATE/SYSDATETIME: local time without a time zone (CURRENT_TIMESTAMP has one)."""
    return context.template(context.semantics.local_now, "GETDATE")


def _getutcdate(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    """GETUTCDATE/SYSUTCDATETIME: UTC time without a time zone."""
    return context.template(context.semantics.utc_now, "GETUTCDATE")


def _date_from_parts(node: exp.DateFromParts, context: Context) -> exp.Expression | None:
    """DATEFROMPARTS -> make_date (sqlglot writes DATE_FROM_PARTS, which PostgreSQL lacks)."""
    return context.template(
        context.semantics.make_date,
        "DATEFROMPARTS",
        y=node.args["year"],
        m=node.args["month"],
        d=node.args["day"],
    )


HANDLERS: dict[type, Handler] = {
    exp.DateDiff: _date_diff,
    exp.DateAdd: _date_add,
    exp.Extract: _extract,
    exp.TimeToStr: _time_to_str,
    exp.CurrentTimestamp: _current_timestamp,
    exp.DateFromParts: _date_from_parts,
}
FUNCTIONS: dict[str, Handler] = {"GETUTCDATE": _getutcdate, "SYSUTCDATETIME": _getutcdate}
"""Functions sqlglot leaves anonymous, by upper-case name."""
