"""What the rewrites ask of an operand: its SQL Server type, whether it is a literal, its length.

The types are the ones `annotate_types(..., dialect="tsql")` put on the tree from the Catalog.
"""

from __future__ import annotations

import re

from sqlglot import exp

T = exp.DataType.Type

TEXT_TYPES = {T.CHAR, T.NCHAR, T.VARCHAR, T.NVARCHAR, T.TEXT}
INTEGER_TYPES = {T.TINYINT, T.UTINYINT, T.SMALLINT, T.INT, T.BIGINT, T.BIT}
EXACT_TYPES = {T.DECIMAL, T.MONEY, T.SMALLMONEY}
FLOAT_TYPES = {T.FLOAT, T.DOUBLE}
DATE_TYPES = {T.DATE}
DATETIME_ARITHMETIC = {T.DATETIME, T.SMALLDATETIME}
"""Types SQL Server lets you add a number of days to with `+` (not date, not datetime2)."""
DATETIME_TYPES = {T.DATETIME, T.DATETIME2, T.SMALLDATETIME, T.TIMESTAMP, T.TIMESTAMPTZ}

# Functions that always return text, which sqlglot's annotation may leave untyped.
_TEXT_FUNCTIONS = (exp.Left, exp.Right, exp.Substring, exp.Upper, exp.Lower, exp.Trim, exp.Replace, exp.Stuff)


def type_of(node: exp.Expression) -> exp.DType | None:
    """The SQL Server type of `node`, or None when unknown."""
    if isinstance(node, exp.Cast):
        return node.to.this
    if node.type is not None and node.type.this not in (T.UNKNOWN, T.NULL):
        return node.type.this
    if isinstance(node, exp.Literal):
        return T.VARCHAR if node.is_string else (T.INT if node.is_int else T.DECIMAL)
    if isinstance(node, exp.Paren):
        return type_of(node.this)
    if isinstance(node, (exp.DPipe, exp.Concat, *_TEXT_FUNCTIONS)):
        return T.VARCHAR
    return None


def is_text(node: exp.Expression) -> bool:
    return type_of(node) in TEXT_TYPES


def is_number(node: exp.Expression) -> bool:
    return type_of(node) in INTEGER_TYPES | EXACT_TYPES | FLOAT_TYPES


def is_null(node: exp.Expression) -> bool:
    return isinstance(node, exp.Null)


def int_literal(node: exp.Expression | None) -> int | None:
    """The value of an integer literal (negative ones too), or None."""
    if isinstance(node, exp.Neg) and int_literal(node.this) is not None:
        return -int_literal(node.this)  # type: ignore[operator]
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.this)
    return None


def string_literal(node: exp.Expression | None) -> str | None:
    """The text of a string literal, or None."""
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


_UNSEPARATED = re.compile(r"(\d{4})(\d{2})(\d{2})(\s+\d{1,2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?")


def separated_date(text: str | None) -> str | None:
    """'19970101' (SQL Server's ISO 8601 unseparated date, read the same in any language setting)
    as '1997-01-01', which every target reads (DuckDB cannot cast the first); None for other text."""
    found = _UNSEPARATED.fullmatch(text or "")
    if not found:
        return None
    time = f" {found.group(4).strip()}" if found.group(4) else ""
    return f"{found[1]}-{found[2]}-{found[3]}{time}"


def text_length(data_type: exp.DataType | None) -> int | None:
    """The declared length of a char/varchar type; -1 for MAX; None when not given."""
    if data_type is None or not data_type.expressions:
        return None
    size = data_type.expressions[0]
    value = size.this if isinstance(size, exp.DataTypeParam) else size
    if isinstance(value, exp.Var) and value.name.upper() == "MAX":
        return -1
    return int(value.name) if isinstance(value, exp.Literal) and value.is_int else None
