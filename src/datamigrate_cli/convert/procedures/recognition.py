"""What recognising a procedure body collects, statement by statement, and the helpers on its
tables and trees that the statement handlers (control.py, loads.py, incremental.py) and the
conversion share.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import overload

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...model.catalog import Catalog, ObjectName, Routine, Table
from ...model.issues import Issue
from ...tsql.blocks import Step
from ..query import error_line, sqlserver_type


@dataclass
class Load:
    """One statement that fills a table: its SELECT, in T-SQL, lined up to the table's columns."""

    kind: str
    """insert, select_into, merge, upsert."""
    query: exp.Query
    line: int
    unique_key: tuple[str, ...] = ()


@dataclass
class LoadTarget:
    """A table (permanent or #temp) the body loads, and how."""

    table: ObjectName | None
    temp: str | None
    loads: list[Load] = field(default_factory=list)
    truncated: bool = False
    emptied: int | None = None
    """The line of the TRUNCATE / DELETE that empties the table."""
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    """For a temp table declared with CREATE TABLE: (column, T-SQL type)."""


@dataclass
class BodyState:
    """What the statements of one body established so far: variables, loads, result sets, issues."""

    routine: Routine
    catalog: Catalog
    params: dict[str, int]
    issues: list[Issue] = field(default_factory=list)
    values: dict[str, exp.Expr] = field(default_factory=dict)
    """@variable (lower case) -> the expression it holds at this point of the body."""
    targets: dict[str, LoadTarget] = field(default_factory=dict)
    results: list[tuple[exp.Query, int]] = field(default_factory=list)
    updates: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    """Table key -> (line, column -> the value it is set to, normalised) of an UPDATE waiting for the
    INSERT that makes it an upsert."""
    conditions: dict[int, exp.Expr] = field(default_factory=dict)
    """IF line -> its condition (variables substituted), for assignments under it."""
    rowcount: int = 0
    rowcount_line: int | None = None
    transaction: bool = False
    flagged_catch: set[int] = field(default_factory=set)

    def flag(self, code: str, message: str, line: int | None) -> None:
        """Record an issue once (the same code, message and line twice is one issue)."""
        issue = Issue(code, message, line)
        if issue not in self.issues:
            self.issues.append(issue)


def parse_step(state: BodyState, step: Step) -> exp.Expr | None:
    """The step's sqlglot tree, or None after flagging DM311 when it does not parse."""
    try:
        return sqlglot.parse_one(step.text, read="tsql")
    except SqlglotError as exc:
        state.flag("DM311", f"{step.kind} statement does not parse: {error_line(exc)}", step.line)
        return None


def is_temp(table: exp.Table) -> bool:
    """Whether the table is a #temp table."""
    return bool(table.this.args.get("temporary")) or table.name.startswith("#")


def table_key(table: exp.Table) -> str:
    """#name for a temp table, else the ObjectName key (dbo when the schema is left out)."""
    if is_temp(table):
        return "#" + table.name.lstrip("#").lower()
    return ObjectName(schema=table.db or "dbo", name=table.name).key


def shown_name(table: exp.Table) -> str:
    """The table as a message names it: #name or [schema].[name]."""
    return table_key(table) if is_temp(table) else str(ObjectName(schema=table.db or "dbo", name=table.name))


def load_target(state: BodyState, table: exp.Table) -> LoadTarget:
    """The table's LoadTarget, made on first use (named as the Catalog spells it)."""
    key = table_key(table)
    if key not in state.targets:
        if is_temp(table):
            state.targets[key] = LoadTarget(None, key)
        else:
            found = state.catalog.table(ObjectName(schema=table.db or "dbo", name=table.name))
            name = found.name if found is not None else ObjectName(schema=table.db or "dbo", name=table.name)
            state.targets[key] = LoadTarget(name, None)
    return state.targets[key]


def catalog_table(state: BodyState, target: LoadTarget) -> Table | None:
    """The Catalog's table the target loads (None for a temp table or an unknown one)."""
    return state.catalog.table(target.table) if target.table is not None else None


def default_columns(state: BodyState, target: LoadTarget) -> list[str]:
    """The columns an INSERT without a column list fills: all but identity and computed ones."""
    if target.columns:
        return [name for name, _ in target.columns]
    table = catalog_table(state, target)
    if table is None:
        return []
    return [c.name for c in table.columns if c.identity is None and c.computed is None]


def column_types(state: BodyState, target: LoadTarget) -> dict[str, str]:
    """Lower-cased column name -> its T-SQL type, from CREATE TABLE #t or the Catalog."""
    if target.columns:
        return {name.lower(): kind for name, kind in target.columns if kind}
    table = catalog_table(state, target)
    if table is None:
        return {}
    return {c.name.lower(): sqlserver_type(c) for c in table.columns if c.data_type != "computed"}


def aligned(query: exp.Query, names: list[str], types: dict[str, str]) -> exp.Query | None:
    """The SELECT with each output named (and cast, as INSERT converts) as the column it fills."""
    selects = [query] if isinstance(query, exp.Select) else list(selects_of(query))
    if not names or not selects:
        return None
    for select in selects:
        if len(select.expressions) != len(names) or any(isinstance(p, exp.Star) for p in select.expressions):
            return None
        projections = []
        for name, projection in zip(names, select.expressions, strict=True):
            inner = projection.unalias() if isinstance(projection, exp.Alias) else projection
            kind = types.get(name.lower())
            if kind is not None and kind.upper() != "UNKNOWN":
                inner = exp.cast(inner, exp.DataType.build(kind, dialect="tsql"))
            projections.append(exp.alias_(inner, exp.to_identifier(name, quoted=True)))
        select.set("expressions", projections)
    return query


def selects_of(query: exp.Expr) -> Iterator[exp.Select]:
    """The SELECTs of a query: itself, or each branch of a UNION / EXCEPT / INTERSECT."""
    if isinstance(query, exp.SetOperation):
        yield from selects_of(query.this)
        yield from selects_of(query.expression)
    elif isinstance(query, exp.Select):
        yield query


@overload
def substitute(tree: exp.Query, values: dict[str, exp.Expr]) -> exp.Query: ...
@overload
def substitute(tree: exp.Expr, values: dict[str, exp.Expr]) -> exp.Expr: ...
def substitute(tree: exp.Expr, values: dict[str, exp.Expr]) -> exp.Expr:
    """Variables and parameters replaced by what they hold (an unassigned variable is NULL)."""

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Var):
            name = node.sql("tsql").lower()
            if name in values:
                value = values[name].copy()
                return (
                    value
                    if isinstance(value, (exp.Literal, exp.Null, exp.Cast, exp.Subquery))
                    else exp.paren(value)
                )
        return node

    return tree.transform(swap)


def reads_table(node: exp.Expr, key: str) -> bool:
    """Whether the tree reads the table of this key anywhere."""
    return any(table_key(table) == key for table in node.find_all(exp.Table))
