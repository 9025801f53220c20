"""PostgreSQL: the argument types of a call or an operator, against the forms `pg_proc` and
`pg_operator` have (`round(double precision, integer)` and `integer + boolean` do not exist).

Only types the check is sure of are compared: a CAST's, a number literal's, and a column's when it
is text, boolean or a date or time (sqlglot's number types for computed columns, AVG's for one, are
not PostgreSQL's). Any other argument matches every form, so a finding is never a guess.
"""

from __future__ import annotations

from sqlglot import exp

from ..targets import Target
from .functions import CODE, CallFinding, postgres_data

_NAMES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint", "decimal": "numeric",
    "float": "double precision", "float8": "double precision", "float4": "real", "varchar": "character varying",
    "char": "character", "bpchar": "character", "bool": "boolean", "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone", "time": "time without time zone",
}  # fmt: skip
"""sqlglot's PostgreSQL type names -> PostgreSQL's own (format_type)."""

_SURE_COLUMN_TYPES = exp.DataType.TEXT_TYPES | exp.DataType.TEMPORAL_TYPES | {exp.DataType.Type.BOOLEAN}
_ANY = frozenset({"anyelement", "anycompatible", "anynonarray", "anycompatiblenonarray", '"any"'})
_OPERATORS: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}


def wrong_argument_types(typed: exp.Expr, target: Target) -> CallFinding | None:
    """The first call or arithmetic operator whose argument types no PostgreSQL form takes."""
    if target.name != "postgres":
        return None
    data = postgres_data()
    casts: dict[str, list[str]] = data["implicit_casts"]
    for node in typed.find_all(exp.Round, exp.Anonymous, *_OPERATORS):
        if isinstance(node, exp.Anonymous):
            name, arguments = node.name.lower(), list(node.expressions)
            forms = [types for least, most, types in data["functions"].get(name, ()) if least == most]
        elif isinstance(node, exp.Round):
            name, arguments = "round", [a for a in (node.this, node.args.get("decimals")) if a is not None]
            forms = [types for least, most, types in data["functions"]["round"] if least == most]
        else:
            assert isinstance(node, exp.Binary)  # the only other kind found
            name, arguments = _OPERATORS[type(node)], [node.left, node.right]
            forms = [form for form in data["operators"].get(name, []) if form[0] is not None]  # binary
        types = [_sure_type(argument) for argument in arguments]
        if all(t is None for t in types):
            continue
        same_count = [form for form in forms if len(form) == len(types)]
        if not same_count or any(_takes(form, types, casts) for form in same_count):
            continue
        shown = ", ".join(t or "?" for t in types)
        call = (
            f"{types[0] or '?'} {name} {types[1] or '?'}"
            if name in _OPERATORS.values()
            else f"{name}({shown})"
        )
        return CallFinding(
            f"{CODE} {call} does not exist on postgres (pg_proc and pg_operator have no such form, even with "
            f"implicit casts): cast the argument to a type it takes, as in {_example(name, same_count, types)}",
            _line(node),
        )
    return None


def _sure_type(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Cast):
        data_type = node.to
    elif isinstance(node, exp.Literal) and node.is_number:
        return "numeric" if any(c in node.name for c in ".eE") else "integer"
    elif isinstance(node, exp.Boolean):
        return "boolean"
    elif isinstance(node, exp.Column) and node.type is not None and node.type.this in _SURE_COLUMN_TYPES:
        data_type = node.type
    else:
        return None
    if data_type.this in {exp.DataType.Type.UNKNOWN, exp.DataType.Type.USERDEFINED}:
        return None
    name = exp.DataType.build(data_type.this).sql("postgres").lower()
    return _NAMES.get(name, name)


def _takes(form: list[str | None], types: list[str | None], casts: dict[str, list[str]]) -> bool:
    return all(
        given is None or wanted is None or wanted == given or wanted in casts.get(given, ())
        or _polymorphic(wanted, given)
        for wanted, given in zip(form, types, strict=True)
    )  # fmt: skip


def _polymorphic(wanted: str, given: str) -> bool:
    """PostgreSQL's pseudo-types: anyelement takes every type, anyarray only arrays, anyrange ranges."""
    if wanted in _ANY:
        return True
    if wanted.startswith("any") and wanted.endswith("array"):
        return given.endswith("[]")
    if wanted.startswith("any") and "range" in wanted:
        return "range" in given
    return False


def _example(name: str, forms: list[list[str | None]], types: list[str | None]) -> str:
    """A form to cast to: the one keeping the most of the given types, one type throughout if it can."""
    form = max(forms, key=lambda f: (sum(w == g for w, g in zip(f, types, strict=True)), len(set(f)) == 1))
    if name in _OPERATORS.values():
        return f"{form[0]} {name} {form[1]}"
    return f"{name}({', '.join(t or '?' for t in form)})"


def _line(node: exp.Expr) -> int | None:
    column = next(node.find_all(exp.Column), None)
    return column.this.meta.get("line") if column is not None else None
