"""Conversions: CAST, CONVERT (with date styles), TRY_CAST/TRY_CONVERT, ISNULL's implicit one."""

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
    TEXT_TYPES,
    T,
    int_literal,
    is_text,
    separated_date,
    string_literal,
    text_length,
    type_of,
)

DEFAULT_TEXT_LENGTH = 30
"""CAST/CONVERT to varchar/char without a length: SQL Server uses 30."""
_TIME_ONLY_STYLES = {8, 108, 14, 114}
_TWO_DIGIT_YEAR_STYLES = {1, 2, 3, 4, 5, 10, 11, 12}


def cast(node: exp.Cast, context: Context) -> exp.Expression | None:
    """CAST to an integer truncates a decimal/float (2.7 -> 2); to char/varchar(n) truncates to n;
    CAST('19000101' AS date) is CAST('1900-01-01' AS date)."""
    to = node.to
    source = node.this
    separated = separated_date(string_literal(source)) if to.this in DATE_TYPES | DATETIME_TYPES else None
    if separated is not None:
        source.replace(exp.Literal.string(separated))
        return None
    if to.this in INTEGER_TYPES - {T.BIT} and type_of(source) in EXACT_TYPES | FLOAT_TYPES:
        node.set("this", exp.func("TRUNC", source.copy()))
        return None
    if to.this in TEXT_TYPES:
        return _truncated(node, to, source)
    if to.this == T.FLOAT and not text_length(to):
        node.set(
            "to", exp.DataType.build("DOUBLE")
        )  # float is float(53); sqlglot writes FLOAT as a 4-byte REAL
    return None


def _truncated(node: exp.Expression, to: exp.DataType, source: exp.Expression) -> exp.Expression | None:
    """LEFT(node, n) when a conversion to char/varchar(n) could cut the value (DuckDB ignores n)."""
    length = text_length(to)
    if length == -1 or to.this == T.TEXT:
        return None
    fits = length or DEFAULT_TEXT_LENGTH
    source_length = text_length(source.type) if is_text(source) else None
    literal = string_literal(source)
    if literal is not None and len(literal) <= fits:
        return None
    if source_length is not None and 0 < source_length <= fits:
        return None
    if length is None and not is_text(source):
        return None  # numbers and dates print in fewer than 30 characters
    inner = node.copy()
    if isinstance(inner, exp.Cast):
        inner.set("to", exp.DataType.build("TEXT"))
    return exp.Left(this=inner, expression=exp.Literal.number(fits))


def _convert(node: exp.Convert, context: Context) -> exp.Expression | None:
    """CONVERT/TRY_CONVERT: a style formats or reads dates by the target's `convert_styles`;
    without a style it is a CAST (and gets the CAST rules)."""
    to, value, style_node = node.this, node.expression, node.args.get("style")
    safe = bool(node.args.get("safe"))
    style = int_literal(style_node) if style_node is not None else None
    if style_node is not None and style is None:
        context.flag("DM202", "CONVERT with a style that is not a literal number")
        return None
    value_type = type_of(value)
    if style is not None and to.this in TEXT_TYPES and value_type in DATE_TYPES | DATETIME_TYPES:
        formatted = _format_style(value, style, value_type, context)
        if formatted is None:
            return None
        formatted.type = exp.DataType.build("VARCHAR")
        return _truncated(formatted, to, formatted) or formatted
    if style is not None and to.this in DATE_TYPES | DATETIME_TYPES and (value_type in TEXT_TYPES):
        return _parse_style(value, style, to, safe, context)
    converted = exp.TryCast(this=value, to=to) if safe else exp.Cast(this=value, to=to)
    if isinstance(converted, exp.TryCast):  # safe
        return _try_cast(converted, context) or converted
    return cast(converted, context) or converted


def _format_style(
    value: exp.Expression, style: int, value_type: exp.DType | None, context: Context
) -> exp.Expression | None:
    semantics = context.semantics
    if value_type in DATE_TYPES and (style in _TIME_ONLY_STYLES or style in {0, 100, 20, 120, 21, 121, 126}):
        context.flag("DM202", f"CONVERT style {style} of a date (no time part) is not rewritten")
        return None
    if style in (0, 100):
        return context.template(semantics.convert_style_default, f"CONVERT style {style}", d=value)
    style_format = semantics.convert_styles.get(style)
    if style_format is None:
        context.flag("DM202", f"CONVERT style {style} has no rewrite for {context.dialect}")
        return None
    fmt = context.template(semantics.format_text, f"CONVERT style {style}", d=value, f=style_format)
    if style == 126 and fmt is not None:  # milliseconds are left out when they are zero
        if semantics.convert_style_126_no_ms is None:
            context.flag("DM202", f"CONVERT style 126 has no rewrite for {context.dialect}")
            return None
        assert semantics.format_text is not None  # fmt was made from it
        plain = fill(semantics.format_text, context.dialect, d=value, f=semantics.convert_style_126_no_ms)
        millisecond = fill(semantics.datepart["MILLISECOND"], context.dialect, d=value)
        return exp.case().when(exp.EQ(this=millisecond, expression=exp.Literal.number(0)), plain).else_(fmt)
    return fmt


def _parse_style(
    value: exp.Expression, style: int, to: exp.DataType, safe: bool, context: Context
) -> exp.Expression | None:
    semantics = context.semantics
    style_format = semantics.convert_styles.get(style)
    if style_format is None or style in _TWO_DIGIT_YEAR_STYLES:
        context.flag("DM202", f"CONVERT of text with style {style} is not rewritten")
        return None
    template = semantics.try_parse_text if safe else semantics.parse_text
    if template is None:
        context.flag(
            "DM201", f"TRY_CONVERT(..., {style}) raises on {context.dialect} for text that is not a date"
        )
        return None
    for written, read in semantics.parse_format_codes.items():
        style_format = style_format.replace(written, read)
    parsed = fill(template, context.dialect, s=value, f=style_format)
    target = exp.DataType.build("DATE") if to.this in DATE_TYPES else exp.DataType.build("TIMESTAMP")
    return exp.Cast(this=parsed, to=target)


def _try_cast(node: exp.TryCast, context: Context) -> exp.Expression | None:
    """TRY_CAST/TRY_CONVERT: DuckDB has TRY_CAST; PostgreSQL (before 16) has no non-raising cast."""
    if context.semantics.non_raising_cast:
        source = node.this
        if node.to.this in INTEGER_TYPES - {T.BIT} and type_of(source) in EXACT_TYPES | FLOAT_TYPES:
            node.set("this", exp.func("TRUNC", source.copy()))
        return None
    if string_literal(node.this) is None or not _cast_literal_succeeds(node):
        context.flag("DM201", f"TRY_CAST/TRY_CONVERT to {node.to.sql('tsql')} raises on {context.dialect}")
    converted = exp.Cast(this=node.this, to=node.to)
    return cast(converted, context) or converted


def _cast_literal_succeeds(node: exp.TryCast) -> bool:
    """A literal whose conversion is known to succeed does not need a flag."""
    text = string_literal(node.this) or ""
    if node.to.this in INTEGER_TYPES - {T.BIT}:
        return re.fullmatch(r"\s*[-+]?\d+\s*", text) is not None
    return False


def _coalesce(node: exp.Coalesce, context: Context) -> exp.Expression | None:
    """ISNULL(a, b) has a's type: b is converted to it (truncated to a's length, an int truncates a decimal)."""
    if not node.args.get("is_null"):
        return None
    first = node.this
    (replacement,) = node.expressions
    target = first.type if first.type is not None and first.type.this not in (T.UNKNOWN, T.NULL) else None
    if isinstance(first, exp.Cast):
        target = first.to
    if target is None or (type_of(replacement) == target.this and not text_length(target)):
        return None
    converted = exp.Cast(this=replacement.copy(), to=target.copy())
    return exp.Coalesce(this=first, expressions=[cast(converted, context) or converted])


HANDLERS: dict[type, Handler] = {
    exp.Cast: cast,
    exp.Convert: _convert,
    exp.TryCast: _try_cast,
    exp.Coalesce: _coalesce,
}
