"""String functions: LEN, DATALENGTH, CHARINDEX, PATINDEX, REPLACE, STUFF, REPLICATE, LEFT/RIGHT, N'...'."""

from __future__ import annotations

import re

from sqlglot import exp

from ...tsql.patterns import like_to_regex
from .collation import lowered, rtrim_spaces
from .context import Context, Handler
from .operands import TEXT_TYPES, T, int_literal, is_number, is_text, string_literal, type_of

DATALENGTH_FIXED: dict[exp.DType, int] = {
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


def _length(node: exp.Length, context: Context) -> exp.Expression | None:
    """LEN leaves out trailing spaces (not leading ones)."""
    return exp.Length(this=rtrim_spaces(node.this.copy()))


def _datalength(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    """DATALENGTH counts bytes: 2 per character for nchar/nvarchar (UTF-16), the storage size for
    fixed-size types, 1 per character for varchar (exact for ASCII; flagged: UTF-8 on the target)."""
    (value,) = node.expressions
    value_type = type_of(value)
    if value_type in (T.NCHAR, T.NVARCHAR):
        return exp.Mul(this=exp.Literal.number(2), expression=exp.Length(this=value.copy()))
    if isinstance(value, exp.Uuid):
        value_type = T.UUID
    if value_type in DATALENGTH_FIXED:
        size = exp.Literal.number(DATALENGTH_FIXED[value_type])
        return exp.case().when(exp.Is(this=value.copy(), expression=exp.null()), exp.null()).else_(size)
    if value_type in TEXT_TYPES:
        if (literal := string_literal(value)) is None or not literal.isascii():
            context.flag(
                "DM206", "DATALENGTH of varchar counts UTF-8 bytes on the target (exact for ASCII text)"
            )
        return context.template(context.semantics.length_bytes, "DATALENGTH", s=value)
    context.flag("DM208", f"DATALENGTH of {value_type or 'an expression of unknown type'} is not rewritten")
    return None


def _str_position(node: exp.StrPosition, context: Context) -> exp.Expression | None:
    """CHARINDEX compares case-insensitively; a start below 1 counts from 1."""
    node.set("this", lowered(node.this))
    node.set("substr", lowered(node.args["substr"]))
    position = node.args.get("position")
    if position is not None and (int_literal(position) or 0) < 1:
        if int_literal(position) is not None:
            node.set("position", None)
        else:
            node.set("position", exp.func("GREATEST", position.copy(), exp.Literal.number(1)))
    return None


def _patindex(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    """PATINDEX('%pat%', s): 1-based start of the first match of a LIKE pattern, 0 if none,
    case-insensitively. Rewritten for literal patterns: the LIKE pattern becomes a regex."""
    pattern, value = node.expressions
    literal = string_literal(pattern)
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
        context.semantics.pattern_position,
        "PATINDEX",
        s=value,
        p=pattern,
        re=exp.Literal.string(regex),
        re_prefix=exp.Literal.string(prefix),
    )


def _replace(node: exp.Replace, context: Context) -> exp.Expression | None:
    """REPLACE finds the search string case-insensitively: a regex replace for literal strings."""
    search, replacement = node.expression, node.args.get("replacement")
    literal = string_literal(search)
    to = string_literal(replacement)
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
        context.semantics.replace_ci,
        "REPLACE",
        s=node.this,
        re=exp.Literal.string(re.escape(literal)),
        to=exp.Literal.string(escaped_to),
    )


def _stuff(node: exp.Stuff, context: Context) -> exp.Expression | None:
    """STUFF: NULL for a start outside the string or a negative length; a NULL replacement deletes."""
    return context.template(
        context.semantics.stuff,
        "STUFF",
        s=node.this,
        start=node.args["start"],
        n=node.args["length"],
        r=node.expression,
    )


def _repeat(node: exp.Repeat, context: Context) -> exp.Expression | None:
    """REPLICATE with a negative count is NULL (PostgreSQL's repeat returns '')."""
    return context.template(context.semantics.replicate, "REPLICATE", s=node.this, n=node.args["times"])


def _left_right(node: exp.Left | exp.Right, context: Context) -> exp.Expression | None:
    """LEFT/RIGHT convert a number to text first (LEFT(12345, 2) = '12')."""
    value = node.this.this if isinstance(node.this, exp.Cast) else node.this
    if is_number(value) and not is_text(node.this):
        node.set("this", exp.Cast(this=value.copy(), to=exp.DataType.build(context.semantics.text_type)))
    return None


def _national(node: exp.National, context: Context) -> exp.Expression | None:
    """N'...' is an ordinary string on the targets (PostgreSQL would make it a blank-padded char)."""
    literal = exp.Literal.string(node.this)
    literal.type = exp.DataType.build("NVARCHAR")
    return literal


HANDLERS: dict[type, Handler] = {
    exp.Length: _length,
    exp.StrPosition: _str_position,
    exp.Replace: _replace,
    exp.Stuff: _stuff,
    exp.Repeat: _repeat,
    exp.Left: _left_right,
    exp.Right: _left_right,
    exp.National: _national,
}
FUNCTIONS: dict[str, Handler] = {"DATALENGTH": _datalength, "PATINDEX": _patindex}
"""Functions sqlglot leaves anonymous, by upper-case name."""
