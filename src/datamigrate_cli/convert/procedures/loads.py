"""The statements that load tables: TRUNCATE, DELETE, UPDATE, SELECT [INTO], INSERT ... SELECT and
MERGE; each load becomes a Load of its table's LoadTarget, its SELECT lined up to the table's columns.
"""

from __future__ import annotations

import re

from sqlglot import exp

from ...tsql.blocks import Step
from .control import assign, assigns_only
from .incremental import (
    anti_joins_as_not_exists,
    check_update,
    incremental_filters,
    inserted_values,
    normalised,
    with_filters,
)
from .recognition import (
    BodyState,
    Load,
    aligned,
    column_types,
    default_columns,
    is_temp,
    load_target,
    parse_step,
    reads_table,
    shown_name,
    substitute,
    table_key,
)


def on_truncate(state: BodyState, step: Step, steps: list[Step]) -> None:
    """TRUNCATE TABLE: the table is emptied, so its loads rebuild it."""
    tree = parse_step(state, step)
    for table in tree.expressions if isinstance(tree, exp.TruncateTable) else []:
        target = load_target(state, table)
        target.truncated = True
        target.emptied = target.emptied or step.line


def on_delete(state: BodyState, step: Step, steps: list[Step]) -> None:
    """DELETE without WHERE before any load empties the table; any other DELETE is flagged."""
    tree = parse_step(state, step)
    if not isinstance(tree, exp.Delete):
        return
    table = tree.this if isinstance(tree.this, exp.Table) else tree.find(exp.Table)
    if not tree.args.get("where") and not tree.args.get("using") and table is not None:
        target = load_target(state, table)
        target.truncated = not target.loads  # a delete after loads empties the table: not a shape
        if target.truncated:
            target.emptied = target.emptied or step.line
            return
    state.flag("DM308", "DELETE of some rows", step.line)


def on_update(state: BodyState, step: Step, steps: list[Step]) -> None:
    """UPDATE of a permanent table: kept waiting for the INSERT that makes it an upsert."""
    tree = parse_step(state, step)
    if not isinstance(tree, exp.Update):
        return
    table = _updated_table(tree)
    if table is None or is_temp(table):
        state.flag("DM308", "UPDATE of a temp table", step.line)
        return
    aliases = {tree.this.alias_or_name.lower(), table.alias_or_name.lower(), table.name.lower()}
    columns = {
        eq.this.name: normalised(eq.expression, aliases) for eq in tree.expressions if isinstance(eq, exp.EQ)
    }
    state.updates[table_key(table)] = (step.line, columns)


def _updated_table(tree: exp.Update) -> exp.Table | None:
    """The table an UPDATE writes: `UPDATE alias SET ... FROM table AS alias` names it by alias."""
    written = tree.this if isinstance(tree.this, exp.Table) else None
    if written is None:
        return None
    for table in tree.find_all(exp.Table):
        if table is not written and not written.db and table.alias_or_name.lower() == written.name.lower():
            return table
    return written


def on_select(state: BodyState, step: Step, steps: list[Step]) -> None:
    """SELECT or WITH: an assignment, a SELECT INTO, a result set, or a CTE's INSERT / MERGE."""
    tree = parse_step(state, step)
    if tree is None:
        return
    if step.kind == "SELECT" and assigns_only(tree):
        for projection in tree.expressions:
            assign(state, step, projection.this.sql("tsql").lower(), projection.expression)
        return
    if isinstance(tree, exp.Insert):
        _on_insert_tree(state, step, tree)
        return
    if isinstance(tree, exp.Merge):
        _on_merge_tree(state, step, tree)
        return
    if not isinstance(tree, exp.Query):
        state.flag("DM308", f"{step.kind} statement is not a set-based load", step.line)
        return
    if isinstance(tree, exp.Select) and any(isinstance(p, exp.EQ) and isinstance(p.this, exp.Parameter)
                                            for p in tree.expressions):  # fmt: skip
        _on_assignment_query(state, step, tree)
        return
    into = tree.args.get("into") if isinstance(tree, exp.Select) else None
    query = substitute(tree.copy(), state.values)
    if into is not None:
        query.set("into", None)
        target = load_target(state, into.this)
        target.truncated = target.table is not None
        target.loads.append(Load("select_into", query, step.line))
        return
    if state.rowcount_line is not None:
        state.flag("DM308", "SET ROWCOUNT with a variable limits the rows the SELECT returns",
                   state.rowcount_line)  # fmt: skip
    if state.rowcount and isinstance(query, exp.Select) and not query.args.get("limit"):
        query = query.limit(state.rowcount)
    state.results.append((query, step.line))


def _on_assignment_query(state: BodyState, step: Step, tree: exp.Select) -> None:
    """SELECT @x = MAX(d) FROM t: @x holds the scalar subquery from then on."""
    for projection in tree.expressions:
        if isinstance(projection, exp.EQ):
            scalar = tree.copy()
            scalar.set("expressions", [projection.expression.copy()])
            assign(state, step, projection.this.sql("tsql").lower(), exp.Subquery(this=scalar))


def on_insert(state: BodyState, step: Step, steps: list[Step]) -> None:
    """INSERT ... SELECT: a load of its table (plain, filtered incremental or upsert)."""
    tree = parse_step(state, step)
    if isinstance(tree, exp.Insert):
        _on_insert_tree(state, step, tree)
    elif tree is not None:
        state.flag("DM308", "INSERT statement of an unknown form", step.line)


def _on_insert_tree(state: BodyState, step: Step, tree: exp.Insert) -> None:
    if re.match(r"(?is)(WITH\b.*?\)\s*)?INSERT\s+(INTO\s+)?@", step.text):
        return  # filling a table variable: flagged DM310 where it is declared
    destination = tree.this
    columns = [c.name for c in destination.expressions] if isinstance(destination, exp.Schema) else []
    table = destination.this if isinstance(destination, exp.Schema) else destination
    source = tree.expression
    if not isinstance(source, exp.Query):
        what = (
            "VALUES"
            if isinstance(source, exp.Values)
            else "EXEC"
            if source is None
            else type(source).__name__
        )
        state.flag("DM309" if what == "EXEC" else "DM308", f"INSERT ... {what} is not a set-based load",
                   step.line)  # fmt: skip
        return
    query: exp.Query | None  # aligned() below may say None
    query = source.copy()
    if tree.args.get("with_") is not None and isinstance(query, (exp.Select, exp.SetOperation)):
        query.set("with_", tree.args["with_"].copy())
    query = substitute(query, state.values)
    target = load_target(state, table)
    names = columns or default_columns(state, target)
    typed = column_types(state, target)
    query = aligned(query, names, typed)
    if query is None:
        state.flag("DM308", "INSERT ... SELECT * or a column count that does not match the table", step.line)
        return
    key = table_key(table)
    unique_key: tuple[str, ...] = ()
    kind = "insert"
    query, filters, keys = incremental_filters(anti_joins_as_not_exists(query, key), key)
    if reads_table(query, key):
        state.flag("DM308", f"the INSERT reads {target.table}, the table it loads, outside a WHERE filter",
                   step.line)  # fmt: skip
    if key in state.updates and keys:
        update_line, updated = state.updates.pop(key)
        check_update(state, updated, inserted_values(query, names), keys, update_line)
        kind, unique_key = "upsert", keys
    elif filters:
        query = with_filters(query, filters)
    target.loads.append(Load(kind, query, step.line, unique_key))


def on_merge(state: BodyState, step: Step, steps: list[Step]) -> None:
    """MERGE: an incremental load keyed on the ON clause's equalities."""
    tree = parse_step(state, step)
    if isinstance(tree, exp.Merge):
        _on_merge_tree(state, step, tree)


def _on_merge_tree(state: BodyState, step: Step, tree: exp.Merge) -> None:
    table = tree.this
    target_alias = table.alias_or_name.lower()
    insert = None
    updated: dict[str, str] = {}
    for when in tree.args["whens"].expressions:
        then = when.args.get("then")
        deletes = isinstance(then, exp.Var) and then.name.upper() == "DELETE"
        if when.args.get("condition") is not None:
            state.flag("DM308", "a MERGE branch with an AND condition: the model would apply it to "
                       "every row", step.line)  # fmt: skip
        if isinstance(then, exp.Update):
            updated = {
                eq.this.name: normalised(eq.expression, {target_alias})
                for eq in then.expressions
                if isinstance(eq, exp.EQ)
            }
        if deletes and when.args.get("source"):
            state.flag("DM307", "WHEN NOT MATCHED BY SOURCE THEN DELETE", step.line)
        elif deletes:
            state.flag("DM308", "MERGE deletes matched rows: an incremental model cannot", step.line)
        elif not when.args.get("matched") and isinstance(then, exp.Insert):
            insert = then
    using = tree.args["using"]
    keys = tuple(
        side.name
        for eq in tree.args["on"].find_all(exp.EQ)
        for side in (eq.this, eq.expression)
        if isinstance(side, exp.Column) and side.table.lower() == target_alias
    )
    if insert is None or not keys:
        state.flag("DM308", "MERGE without an INSERT branch or an equality key", step.line)
        return
    columns = [c.name for c in insert.this.expressions]
    values = insert.expression.expressions if isinstance(insert.expression, exp.Tuple) else []
    if len(columns) != len(values):
        state.flag("DM308", "MERGE INSERT columns and values do not match", step.line)
        return
    inserted = {c: normalised(v, {target_alias}) for c, v in zip(columns, values, strict=True)}
    check_update(state, updated, inserted, keys, step.line)
    if any(table_key(t) == table_key(table) for t in using.find_all(exp.Table)):
        state.flag(
            "DM308", f"the MERGE reads {shown_name(table)}, the table it loads, in its source", step.line
        )
    source = using.copy()
    if not source.alias:
        source.set("alias", exp.TableAlias(this=exp.to_identifier("source")))
    query: exp.Query | None  # aligned() below may say None
    query = exp.select(*(value.copy() for value in values)).from_(source)
    if tree.args.get("with_") is not None:  # WITH cte AS (...) MERGE ... USING cte
        query.set("with_", tree.args["with_"].copy())
    query = substitute(query, state.values)
    target = load_target(state, table)
    query = aligned(query, columns, column_types(state, target))
    assert query is not None  # one SELECT of the VALUES, as many as the columns (checked above)
    target.loads.append(Load("merge", query, step.line, keys))
