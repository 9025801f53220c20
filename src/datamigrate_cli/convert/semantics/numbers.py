"""Operators and numbers: `+` (concatenation, addition, days added to a datetime), `-`, `/`
(integer division), CHOOSE, STR, FORMAT of a number."""

from __future__ import annotations

import re

from sqlglot import exp

from .context import Context, Handler, fill
from .dates import add_days
from .operands import (
    DATETIME_ARITHMETIC,
    EXACT_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    int_literal,
    is_null,
    is_number,
    is_text,
    string_literal,
    type_of,
)

_NUMBER_PATTERNS = {
    "#,##0": ("N", 0),
    "#,##0.00": ("N", 2),
    "#,0.00": ("N", 2),
    "0.00": ("F", 2),
    "0": ("F", 0),
}
"""Custom FORMAT patterns that mean a standard specifier (N: grouped, F: fixed) and decimals."""


def _add(node: exp.Add, context: Context) -> exp.Expression | None:
    """`+` on two strings concatenates (NULL if either is NULL: `||` does the same). A string
    and a number add: the string converts to the number's type (int ranks above varchar).
    A datetime plus a number adds days."""
    left, right = node.this, node.expression
    for moment, number in ((left, right), (right, left)):
        if type_of(moment) in DATETIME_ARITHMETIC and is_number(number):
            return add_days(moment, number, context)
    if (is_text(left) and (is_text(right) or is_null(right))) or (is_null(left) and is_text(right)):
        return exp.DPipe(this=left, expression=right, safe=False)
    for text, number in ((left, right), (right, left)):
        if is_text(text) and is_number(number):
            number_type = type_of(number)
            assert number_type is not None  # is_number(number) says it has one
            target = number.type.copy() if number.type is not None else exp.DataType.build(number_type)
            text.replace(exp.Cast(this=text.copy(), to=target))
            return None
    return None


def _sub(node: exp.Sub, context: Context) -> exp.Expression | None:
    """A datetime minus a number subtracts days."""
    if type_of(node.this) in DATETIME_ARITHMETIC and is_number(node.expression):
        return add_days(node.this, node.expression, context, negate=True)
    return None


def _div(node: exp.Div, context: Context) -> exp.Expression | None:
    """Integer / integer is integer division truncating toward zero (7 / 2 = 3, -7 / 2 = -3):
    PostgreSQL's `/` on integers does that; DuckDB's `/` is float division, its `//` truncates."""
    both_integers = type_of(node.this) in INTEGER_TYPES and type_of(node.expression) in INTEGER_TYPES
    if both_integers and context.semantics.float_slash:
        return exp.IntDiv(this=node.this, expression=node.expression)
    return None


def _choose(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    """CHOOSE(i, a, b, ...) is the i-th value (1-based), NULL when i is out of range."""
    index, *values = node.expressions
    if type_of(index) in EXACT_TYPES | FLOAT_TYPES:
        index = exp.Cast(this=exp.func("TRUNC", index.copy()), to=exp.DataType.build("INT"))
    case = exp.Case(this=index.copy())
    for position, value in enumerate(values, start=1):
        case = case.when(exp.Literal.number(position), value.copy())
    return case


def _str(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    """STR(x [, length [, decimals]]): x rounded, right-aligned in `length` characters. When it
    does not fit, as many decimals as fit are kept; when even the integer part does not fit,
    `length` asterisks."""
    value, *rest = node.expressions
    length = int_literal(rest[0]) if rest else 10
    decimals = int_literal(rest[1]) if len(rest) > 1 else 0
    if length is None or decimals is None:
        context.flag("DM208", "STR with a length or decimals that is not a literal number")
        return None
    rounded_text = context.semantics.rounded_text
    if rounded_text is None:
        context.flag("DM208", f"STR has no rewrite for {context.dialect}")
        return None
    width = exp.Literal.number(length)
    case = exp.case()
    for kept in range(min(decimals, 16), -1, -1):
        text = fill(rounded_text, context.dialect, x=value, n=kept)
        fits = exp.LTE(this=exp.Length(this=text), expression=width)
        case = case.when(fits, exp.func("LPAD", text.copy(), width, exp.Literal.string(" ")))
    return case.else_(exp.func("REPEAT", exp.Literal.string("*"), width))


def _number_to_str(node: exp.NumberToStr, context: Context) -> exp.Expression | None:
    """FORMAT(number, 'N2' | 'F3' | '#,##0.00' | ...) in en-US (the us_english session default)."""
    fmt = string_literal(node.args.get("format"))
    culture = string_literal(node.args.get("culture"))
    if culture is not None and culture.lower() != "en-us":
        context.flag("DM203", f"FORMAT with culture '{culture}'")
        return None
    spec = _number_spec(fmt or "")
    if spec is None:
        context.flag("DM203", f"FORMAT pattern '{fmt}' is not rewritten")
        return None
    kind, decimals = spec
    point = "." + "0" * decimals if decimals else ""
    return context.template(
        context.semantics.number_formats.get(kind), f"FORMAT '{fmt}'", x=node.this, n=decimals, point=point
    )


def _number_spec(fmt: str) -> tuple[str, int] | None:
    if fmt in _NUMBER_PATTERNS:
        return _NUMBER_PATTERNS[fmt]
    match = re.fullmatch(r"([NnFf])(\d{0,2})", fmt)
    if match is None:
        return None
    kind = match.group(1).upper()
    return kind, int(match.group(2)) if match.group(2) else 2


HANDLERS: dict[type, Handler] = {
    exp.Add: _add,
    exp.Sub: _sub,
    exp.Div: _div,
    exp.NumberToStr: _number_to_str,
}
FUNCTIONS: dict[str, Handler] = {"CHOOSE": _choose, "STR": _str}
"""Functions sqlglot leaves anonymous, by upper-case name."""
