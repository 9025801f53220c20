"""User-defined functions: inline table-valued ones become models, single-RETURN scalar ones macros.

An inline table-valued function is a parameterised view: with no parameters, or with a default
for each, it is converted as a view whose parameters are fixed at their defaults (the report says
so). A scalar function whose body is one RETURN expression becomes a dbt macro taking the
arguments as SQL text; views that call it call the macro. Everything else is an issue of the
catalogue (`issues.py`): DM401 a table function parameter without a default, DM402 a scalar function
that is not one RETURN expression, DM403 a multi-statement table-valued function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from ..model.catalog import Column, Routine, RoutineKind, View
from ..model.issues import Issue, Severity
from ..project.escape import inert
from ..targets import Target, target_type
from . import semantics
from .naming import snake_case

_INLINE_BODY = re.compile(r"\bRETURNS\s+TABLE\b.*?\bAS\s+RETURN\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SCALAR_BODY = re.compile(
    r"\bRETURNS\b\s+(?P<type>[\w\s(),]+?)\s+(?:WITH\s+\w+(?:\s*,\s*\w+)*\s+)?AS\s+BEGIN\s+RETURN\b\s*"
    r"(?P<expression>.*?)\s*;?\s*END\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Macro:
    """A scalar function as a dbt macro: `{{ name(arg, ...) }}` expands to `sql`."""

    name: str
    function: Routine
    parameters: tuple[str, ...]
    sql: str
    return_type: str

    def render(self) -> str:
        signature = ", ".join(self.parameters)
        return (
            f"{{#- Scalar function {self.function.name}, converted by datamigrate. "
            f"Arguments are SQL expressions. -#}}\n"
            f"{{% macro {self.name}({signature}) -%}}\n({self.sql})\n{{%- endmacro %}}\n"
        )


def function_as_view(routine: Routine) -> tuple[View | None, Issue | None, list[Issue]]:
    """An inline table-valued function as a view: (view, None, DM404 notes) or (None, why not, [])."""
    if routine.kind == RoutineKind.TABLE_FUNCTION:
        return (
            None,
            Issue(
                "DM403",
                "a multi-statement table-valued function fills a table variable: rewrite it as a model",
            ),
            [],
        )
    missing = [p.name for p in routine.parameters if p.default is None]
    if missing:
        message = (
            f"parameter {', '.join(missing)} has no default and a dbt model takes no arguments: "
            "make it a dbt var, or join the model to the values it was called with"
        )
        return None, Issue("DM401", message), []
    found = _INLINE_BODY.search(routine.definition)
    if not found:
        return None, Issue("DM401", "the RETURN (SELECT ...) of this function could not be found"), []
    body = _unwrap(found.group(1).strip().rstrip(";"))
    lines_before = routine.definition[: found.start(1) + found.group(1).find(body)].count("\n")
    notes = []
    for parameter in routine.parameters:
        body = re.sub(
            rf"{re.escape(parameter.name)}\b",
            lambda _, d=parameter.default: d,  # type: ignore[misc]  # mypy cannot infer a lambda with a default
            body,
            flags=re.IGNORECASE,
        )
        notes.append(Issue("DM404", f"parameter {parameter.name} fixed at its default, {parameter.default}"))
    name = routine.name
    # the body stays on its own lines, so issues found in the view point into the function
    definition = f"CREATE VIEW [{name.schema_}].[{name.name}] AS" + ("\n" * lines_before or " ") + body
    view = View(name=name, definition=definition, description=routine.description, source=routine.source)
    return view, None, notes


def function_as_macro(routine: Routine, target: Target) -> Macro | Issue:
    """A single-RETURN scalar function as a macro, or why not (a DM402 issue, or the DM2xx one that
    stopped its expression)."""
    found = _SCALAR_BODY.search(routine.definition)
    if routine.kind != RoutineKind.SCALAR_FUNCTION or not found:
        return Issue(
            "DM402", "the body is more than one RETURN expression: rules cannot turn it into a macro"
        )
    names = {p.name.lower(): snake_case(p.name.lstrip("@")) for p in routine.parameters}
    try:
        expression = sqlglot.parse_one(found.group("expression"), read="tsql")
    except SqlglotError as exc:
        return Issue("DM402", f"the RETURN expression does not parse: {str(exc).splitlines()[0]}")
    if any(
        isinstance(node, (exp.Select, exp.Subquery)) for node in expression.walk()
    ) or not _only_parameters(expression, names):
        return Issue(
            "DM402", "the RETURN expression reads tables or variables: rules cannot turn it into a macro"
        )
    if any(isinstance(node.expression, exp.Anonymous) for node in expression.find_all(exp.Dot)):
        return Issue(
            "DM402", "the RETURN expression calls another user-defined function: convert that one first"
        )

    def to_column(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Parameter) and node.sql("tsql").lower() in names:
            return exp.column(f"dm_arg_{names[node.sql('tsql').lower()]}", table="p")
        return node

    select = exp.select(expression.transform(to_column).as_("v")).from_("p")
    schema: dict = {"p": {f"dm_arg_{names[p.name.lower()]}": p.data_type for p in routine.parameters}}
    try:
        typed = annotate_types(qualify(select, schema=schema, dialect="tsql"), schema=schema, dialect="tsql")
    except (OptimizeError, SqlglotError) as exc:
        return Issue("DM402", f"the RETURN expression cannot be typed: {str(exc).splitlines()[0]}")
    if target.dialect != "tsql":
        errors = [
            issue for issue in semantics.rewrite(typed, target.dialect) if issue.severity == Severity.ERROR
        ]
        if errors:  # its line is in the RETURN expression, not the script: dropped
            return Issue(errors[0].code, errors[0].message)
    returned = exp.cast(typed.selects[0].unalias(), _returned_type(found.group("type"), target))
    sql = inert(returned.sql(dialect=target.dialect))  # converted to the declared type, as SQL Server does
    for parameter in names.values():
        sql = re.sub(rf'"?p"?\."?dm_arg_{parameter}(?!\w)"?', f"({{{{ {parameter} }}}})", sql)
    name = f"{snake_case(routine.name.schema_)}__{snake_case(routine.name.name)}"
    return Macro(name, routine, tuple(names.values()), sql, found.group("type").strip())


def _returned_type(declared: str, target: Target) -> exp.DataType:
    found = re.match(r"\s*(\w+)\s*(?:\(\s*(\w+)\s*(?:,\s*(\d+))?\s*\))?", declared)
    assert found is not None, declared  # _SCALAR_BODY's type: a name, then (length[, scale])
    base, first, scale = found.group(1).lower(), found.group(2), found.group(3)
    length = -1 if first and first.lower() == "max" else int(first) if first and first.isdigit() else None
    column = Column(name="value", data_type=base, max_length=length if base not in {"decimal", "numeric"} else None,
                    precision=length if base in {"decimal", "numeric"} else None,
                    scale=int(scale) if scale else None)  # fmt: skip
    return exp.DataType.build(target_type(target, column) or target.unbounded_text, dialect=target.dialect)


def _only_parameters(expression: exp.Expr, names: dict[str, str]) -> bool:
    variables = {node.sql("tsql").lower() for node in expression.find_all(exp.Parameter)}
    return not list(expression.find_all(exp.Column)) and variables <= names.keys()


def _unwrap(body: str) -> str:
    """`(SELECT ...)` -> `SELECT ...` when the parentheses hold the whole body."""
    if not (body.startswith("(") and body.endswith(")")):
        return body
    depth = 0
    for index, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(body) - 1:
            return body
    return body[1:-1].strip()
