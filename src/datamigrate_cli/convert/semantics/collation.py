"""Comparisons as SQL Server's default collation makes them: case and trailing spaces do not count.

`=`, `<>`, `<`, ..., IN, BETWEEN, `CASE x WHEN` and NULLIF between text compare
`LOWER(RTRIM(x, ' '))` of both sides; LIKE becomes ILIKE (or a case-insensitive regex for
`[...]` classes). Text against a number converts the text; a bit against 0 or 1 compares with a
boolean. A date against a string in SQL Server's unseparated ISO form ('19970101') gets the
string in the separated form ('1997-01-01') every target reads.
"""

from __future__ import annotations

from sqlglot import exp

from ...tsql.patterns import like_to_regex
from .context import Context, Handler
from .operands import DATE_TYPES, DATETIME_TYPES, T, is_null, is_text, separated_date, string_literal, type_of


def _comparison(node: exp.Binary, context: Context) -> exp.Expression | None:
    """Text comparisons ignore case and trailing spaces in SQL Server's default collation.
    Text against a number converts the text (int ranks above char); PostgreSQL would refuse
    the comparison. A bit against 0 or 1 compares with FALSE or TRUE: staging models make bit
    a boolean, which PostgreSQL will not compare with an integer."""
    left, right = node.this, node.expression
    _separate_dates(left, (right,))
    _separate_dates(right, (left,))
    if is_text(left) and is_text(right):
        node.set("this", collated(left))
        node.set("expression", collated(right))
        return None
    for side, other in ((left, right), (right, left)):
        if not (isinstance(other, exp.Literal) and other.is_number) or isinstance(side, exp.Literal):
            continue
        if type_of(side) == T.BIT and isinstance(node, (exp.EQ, exp.NEQ)):
            other.replace(exp.Boolean(this=float(other.this) != 0))
        elif is_text(side):
            number = "INT" if other.is_int else "DECIMAL(38, 10)"
            context.flag(
                "DM218",
                f"{side.sql('tsql')} is text compared with the number {other.sql('tsql')}: "
                "a value that is not a number fails the query, as on SQL Server",
            )
            side.replace(exp.cast(side.copy(), exp.DataType.build(number)))
        break
    return None


def _like(node: exp.Like, context: Context) -> exp.Expression | None:
    """LIKE is case-insensitive in SQL Server's default collation: ILIKE. A pattern with a
    `[a-z]` class (which the targets' LIKE does not have) or a backslash (PostgreSQL's LIKE
    escape, a plain character in T-SQL) becomes a regex match."""
    pattern = string_literal(node.expression)
    if pattern is None:
        context.flag(
            "DM207", "LIKE with a pattern that is not a literal: [...] classes and backslashes differ"
        )
    elif ("[" in pattern or "\\" in pattern) and node.args.get("escape") is None:
        regex = "^" + like_to_regex(pattern) + "$"
        matched = context.template(
            context.semantics.like_regex, "LIKE with [...]", s=node.this, re=exp.Literal.string(regex)
        )
        if matched is None:
            return None
        return exp.Not(this=exp.Paren(this=matched)) if node.args.get("negate") else matched
    return exp.ILike(**{key: value for key, value in node.args.items() if value is not None})


def _in(node: exp.In, context: Context) -> exp.Expression | None:
    """`x IN ('a', 'b')` on text compares case-insensitively."""
    if is_text(node.this) and node.expressions and all(is_text(e) for e in node.expressions):
        node.set("this", collated(node.this))
        node.set("expressions", [collated(e) for e in node.expressions])
    return None


def _case(node: exp.Case, context: Context) -> exp.Expression | None:
    """`CASE text WHEN 'A' ...` compares case-insensitively too."""
    subject = node.args.get("this")
    if subject is None or not is_text(subject):
        return None
    ifs = node.args.get("ifs") or []
    if all(is_text(branch.this) or is_null(branch.this) for branch in ifs):
        node.set("this", collated(subject))
        for branch in ifs:
            branch.set("this", collated(branch.this))
    return None


def _between(node: exp.Between, context: Context) -> exp.Expression | None:
    """`text BETWEEN 'a' AND 'c'` compares case-insensitively."""
    parts = (node.this, node.args["low"], node.args["high"])
    _separate_dates(parts[0], parts[1:])
    if all(is_text(part) for part in parts):
        node.set("this", collated(parts[0]))
        node.set("low", collated(parts[1]))
        node.set("high", collated(parts[2]))
    return None


def _nullif(node: exp.Nullif, context: Context) -> exp.Expression | None:
    """NULLIF('A', 'a') is NULL: the comparison is case-insensitive, the value returned is not."""
    first, second = node.this, node.expression
    if not (is_text(first) and is_text(second)):
        return None
    same = exp.EQ(this=collated(first), expression=collated(second))
    return exp.case().when(same, exp.null()).else_(first.copy())


def _separate_dates(side: exp.Expression, others: tuple[exp.Expression, ...]) -> None:
    """'yyyymmdd' compared with a date: SQL Server reads it as a date in any language setting
    (the ISO 8601 unseparated format); DuckDB cannot cast it, so it is written 'yyyy-mm-dd'."""
    if type_of(side) not in DATE_TYPES | DATETIME_TYPES:
        return
    for other in others:
        separated = separated_date(string_literal(other))
        if separated is not None:
            other.replace(exp.Literal.string(separated))


def collated(node: exp.Expression) -> exp.Expression:
    """A text operand as the default collation compares it: case and trailing spaces do not count
    ('abc' = 'ABC  ' is true on SQL Server)."""
    literal = string_literal(node)
    if literal is not None:
        return exp.Literal.string(literal.rstrip(" ").lower())
    if isinstance(node, exp.Lower):
        return node
    return exp.Lower(this=rtrim_spaces(node.copy()))


def rtrim_spaces(node: exp.Expression) -> exp.Expression:
    """`node` without its trailing spaces (only spaces, as SQL Server's comparisons and LEN ignore)."""
    return exp.Trim(this=node, expression=exp.Literal.string(" "), position="TRAILING")


def lowered(node: exp.Expression) -> exp.Expression:
    """`node` in lower case (a literal lower-cased in place)."""
    literal = string_literal(node)
    if literal is not None:
        return exp.Literal.string(literal.lower())
    if isinstance(node, exp.Lower):
        return node
    return exp.Lower(this=node.copy())


HANDLERS: dict[type, Handler] = {
    exp.EQ: _comparison,
    exp.NEQ: _comparison,
    exp.GT: _comparison,
    exp.GTE: _comparison,
    exp.LT: _comparison,
    exp.LTE: _comparison,
    exp.Like: _like,
    exp.In: _in,
    exp.Case: _case,
    exp.Between: _between,
    exp.Nullif: _nullif,
}
