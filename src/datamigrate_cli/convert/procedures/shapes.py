"""recognise: a procedure body's statements, each through its handler, to the models it yields.

The handlers table maps a statement's first word to its handler (control.py, loads.py); what they
collected becomes one model per loaded table, temp table or result set, in load order.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...model.catalog import Catalog, Routine
from ...model.issues import Issue
from ...tsql.blocks import Step, read_body
from ..naming import snake_case
from ..nesting import nested_too_deeply
from ..query import error_line
from .control import on_begin, on_create, on_declare, on_drop, on_exec, on_if, on_raise, on_set, on_while
from .loads import on_delete, on_insert, on_merge, on_select, on_truncate, on_update
from .plan import VAR_NAME, VAR_PLACEHOLDER, Materialization, ProcedureModel, ProcedurePlan, ProcedureVar
from .recognition import BodyState, LoadTarget, catalog_table, column_types, default_columns, selects_of

# A statement's first word -> its handler: handler(state, step, every step of the body).
_HANDLERS = {
    "IF": on_if,
    "WHILE": on_while,
    "DECLARE": on_declare,
    "SET": on_set,
    "BEGIN": on_begin,
    "RAISERROR": on_raise,
    "THROW": on_raise,
    "EXEC": on_exec,
    "EXECUTE": on_exec,
    "CREATE": on_create,
    "DROP": on_drop,
    "TRUNCATE": on_truncate,
    "DELETE": on_delete,
    "UPDATE": on_update,
    "SELECT": on_select,
    "WITH": on_select,
    "INSERT": on_insert,
    "MERGE": on_merge,
}

# Statements with no handler that need no flag.
_HARMLESS = {
    "RETURN",
    "PRINT",
    "COMMIT",
    "ROLLBACK",
    "OPEN",
    "FETCH",
    "CLOSE",
    "DEALLOCATE",
    "BREAK",
    "CONTINUE",
}
_CATCH_ALLOWED = {"ROLLBACK", "THROW", "RAISERROR", "PRINT", "RETURN", "IF", "COMMIT", "DECLARE", "SET"}


def recognise(routine: Routine, catalog: Catalog) -> ProcedurePlan:
    """The models a procedure yields and its issues (DM3xx, with absolute lines)."""
    line = routine.source.line if routine.source is not None else None
    if routine.encrypted:
        issue = Issue("DM314", "the procedure was created WITH ENCRYPTION: its body cannot be read", line)
        return ProcedurePlan(routine, (), (issue,))
    if not routine.definition.strip():
        return ProcedurePlan(routine, (), (Issue("DM311", "the procedure's body is empty", line),))
    deep = nested_too_deeply(routine.definition, routine.source)
    if deep is not None:
        return ProcedurePlan(routine, (), (deep,))
    steps, params = read_body(routine)
    state = BodyState(routine, catalog, params)
    for parameter in routine.parameters:
        name = parameter.name.lower()
        state.values[name] = exp.cast(
            exp.Literal.string(VAR_PLACEHOLDER.format(snake_case(parameter.name.lstrip("@")))),
            _parameter_type(parameter.data_type),
        )
    for step in steps:
        try:
            _step(state, step, steps)
        except SqlglotError as exc:
            # sqlglot could not build or render a tree the rules made: reported, never a traceback
            state.flag("DM311", f"{step.kind} statement could not be analysed: {error_line(exc)}", step.line)
    for key, (update_line, _) in state.updates.items():
        state.flag("DM308", f"UPDATE of {key} is not followed by the INSERT that would make it an upsert",
                   update_line)  # fmt: skip
    models = _models(state)
    if not models and not state.issues:
        state.flag("DM312", "the procedure neither loads a table nor returns rows", line)
    plan_vars = _vars(routine, models, state)
    return ProcedurePlan(routine, tuple(models), tuple(state.issues), plan_vars)


_ALIASES = {"sysname": "nvarchar(128)"}


def _parameter_type(data_type: str) -> exp.DataType:
    """The parameter's type as sqlglot reads it; SYSNAME and types sqlglot lacks as text."""
    try:
        return exp.DataType.build(_ALIASES.get(data_type.lower(), data_type), dialect="tsql")
    except SqlglotError:
        return exp.DataType.build("nvarchar(max)", dialect="tsql")


def _step(state: BodyState, step: Step, steps: list[Step]) -> None:
    if step.inside("WHILE"):
        return  # the loop is flagged once, at its WHILE
    if step.inside("CATCH"):
        catch_line = next(line for kind, line in reversed(step.context) if kind == "CATCH")
        if step.kind not in _CATCH_ALLOWED and catch_line not in state.flagged_catch:
            state.flagged_catch.add(catch_line)
            state.flag(
                "DM305", f"the CATCH block does more than roll back or re-raise ({step.kind})", step.line
            )
        return
    handler = _HANDLERS.get(step.kind)
    if handler is None:
        if step.kind not in _HARMLESS:
            state.flag("DM308", f"{step.kind} statement is not a set-based load", step.line)
        return
    handler(state, step, steps)


def _models(state: BodyState) -> list[ProcedureModel]:
    models: list[ProcedureModel] = []
    unread = any(issue.code == "DM311" for issue in state.issues)  # the reload may be what failed
    for target in state.targets.values():
        if not target.loads and target.table is not None and target.emptied is not None and not unread:
            state.flag("DM308", f"the procedure empties {target.table}, a table it does not reload",
                       target.emptied)  # fmt: skip
    # in load order: a model reads the models loaded before it, whatever was truncated first
    for target in sorted(
        state.targets.values(), key=lambda t: min((load.line for load in t.loads), default=0)
    ):
        if not target.loads:
            continue
        lines = tuple(load.line for load in target.loads)
        queries = _lined_up(state, target)
        query = queries[0]
        for other in queries[1:]:
            query = exp.union(query, other, distinct=False)
        kinds = {load.kind for load in target.loads}
        unique_key = next((load.unique_key for load in target.loads if load.unique_key), ())
        if kinds & {"merge", "upsert"} and len(target.loads) > 1:
            state.flag("DM308", "a MERGE or upsert together with other loads of the same table", lines[1])
        if target.temp is not None:
            materialization = Materialization.EPHEMERAL
        elif target.truncated and not unique_key:
            materialization = Materialization.TABLE
        else:
            materialization = Materialization.INCREMENTAL
        models.append(ProcedureModel(materialization, query, lines, target.table, target.temp, unique_key))
    for query, line in state.results:
        models.append(ProcedureModel(Materialization.VIEW, query, (line,)))
    return sorted(models, key=lambda model: model.lines[0])


def _lined_up(state: BodyState, target: LoadTarget) -> list[exp.Query]:
    """Each load's SELECT; when the loads fill different column lists, each lined up to the table's
    columns in table order, the columns a load does not fill as typed NULLs (DM308 when a column it
    leaves out has a default, or fills one the table lacks)."""
    queries = [load.query for load in target.loads]
    lists = [tuple(p.alias_or_name.lower() for p in s.expressions) for q in queries for s in selects_of(q)]
    if len(set(lists)) <= 1:
        return queries
    table = catalog_table(state, target)
    full = default_columns(state, target)
    types = column_types(state, target)
    defaults = (
        {c.name.lower() for c in table.columns if c.default is not None} if table is not None else set()
    )
    line = target.loads[1].line
    known = {name.lower() for name in full}
    if not full or any(set(columns) - known for columns in lists):
        state.flag("DM308", "loads of the same table fill columns the table does not have", line)
        return queries
    left_out = sorted({name for name in known & defaults if any(name not in columns for columns in lists)})
    if left_out:
        state.flag("DM308", f"a load leaves out {', '.join(left_out)}, which has a default", line)
    lined = []
    for query in queries:
        query = query.copy()
        for select in selects_of(query):
            given = {p.alias_or_name.lower(): p for p in select.expressions}
            select.set("expressions", [given.get(name.lower()) or _null(name, types) for name in full])
        lined.append(query)
    return lined


def _null(name: str, types: dict[str, str]) -> exp.Expr:
    """`CAST(NULL AS <the column's type>) AS [name]`: a column a load does not fill."""
    kind = exp.DataType.build(types.get(name.lower(), "nvarchar(max)"), dialect="tsql")
    return exp.alias_(exp.cast(exp.null(), kind), exp.to_identifier(name, quoted=True))


def _vars(routine: Routine, models: list[ProcedureModel], state: BodyState) -> dict[str, ProcedureVar]:
    used = {
        matched.group(1)
        for model in models
        for literal in model.query.find_all(exp.Literal)
        if literal.is_string and (matched := VAR_NAME.fullmatch(literal.this))
    }  # the placeholders' literals, found in the tree: generating the SQL to search it cost more
    found: dict[str, ProcedureVar] = {}
    for parameter in routine.parameters:
        name = snake_case(parameter.name.lstrip("@"))
        if name not in used:
            continue
        found[name] = ProcedureVar(name, _jinja_default(parameter.default))
        if parameter.default is None:
            state.flag("DM313", f"parameter {parameter.name} has no default: var('{name}') is null unless set",
                       state.params.get(parameter.name.lower()))  # fmt: skip
    return found


def _jinja_default(default: str | None) -> str:
    if default is None or default.strip().upper() == "NULL":
        return "none"
    text = default.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    if re.fullmatch(r"N?'(?:[^']|'')*'", text):
        value = text.lstrip("N")[1:-1].replace("''", "'")
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "none"
