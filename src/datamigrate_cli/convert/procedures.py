"""Stored procedures -> dbt models, by rules: the set-based ETL shapes a procedure is made of.

A procedure body is split into statements (our own small block reader: sqlglot's tokenizer
swallows the rest of a line after END, FETCH or EXEC), each statement is parsed by sqlglot, and
the sequence is matched against a table of shapes:

  TRUNCATE/DELETE t + INSERT INTO t SELECT      -> a table model for t
  INSERT INTO t SELECT ... (reading t to filter) -> an incremental model, the filter under
                                                    is_incremental() with t as {{ this }}
  MERGE t USING (...) ON key / UPDATE + INSERT   -> an incremental model with unique_key
  SELECT ... INTO #t / INSERT INTO #t            -> an ephemeral model per temp table
  a bare SELECT                                  -> a view named for the procedure

Procedural code is flagged with a DM3xx code and its absolute source line; a procedure with
an error-severity issue gets its models written disabled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..model.catalog import Catalog, ObjectName, Routine, Table
from ..model.issues import Issue, Severity
from ..targets import Target
from ..tsql.blocks import TOKEN, Step, read_body
from .naming import NameSpace, snake_case
from .query import Relation, convert_view, error_line, referenced_names, sqlserver_type

_VAR = "__dm_var_{}__"
_VAR_LITERAL = re.compile(r"'__dm_var_(\w+?)__'")
_VAR_NAME = re.compile(r"__dm_var_(\w+?)__")
_FILTER = "DM_INCREMENTAL_FILTER"
_TEMP_PREFIX = "dm_temp__"


class Materialization(StrEnum):
    TABLE = "table"
    INCREMENTAL = "incremental"
    EPHEMERAL = "ephemeral"
    VIEW = "view"


@dataclass(frozen=True)
class ProcedureModel:
    """One model a procedure yields: what it stands for, its T-SQL SELECT and how it is built."""

    materialization: Materialization
    query: exp.Query
    """The SELECT in T-SQL: outputs named as the loaded table's columns, parameters as var
    placeholders, incremental filters wrapped in DM_INCREMENTAL_FILTER(...)."""
    lines: tuple[int, ...]
    """Absolute source lines of the statements the model came from."""
    table: ObjectName | None = None
    """The permanent table it loads (None for a temp table or a result set)."""
    temp: str | None = None
    """The temp table (#name) it stands for."""
    unique_key: tuple[str, ...] = ()
    """Original column names of the loaded table that identify a row (MERGE / upsert)."""


@dataclass(frozen=True)
class ProcedureVar:
    name: str
    """The dbt var's name (the parameter's snake_case name)."""
    default: str
    """The default as a Jinja expression: none, a quoted string or a number."""


@dataclass(frozen=True)
class ProcedurePlan:
    """What rules made of one procedure: the models it yields and what they could not convert."""

    routine: Routine
    models: tuple[ProcedureModel, ...]
    issues: tuple[Issue, ...]
    variables: dict[str, ProcedureVar] = field(default_factory=dict)
    """The dbt vars its models read, by name (one per parameter used)."""

    @property
    def enabled(self) -> bool:
        return not any(issue.severity == Severity.ERROR for issue in self.issues)

    @property
    def reads(self) -> set[str]:
        """Keys of the permanent tables the models read."""
        return {key for model in self.models for key in referenced_names(model.query)}


# ------------------------------------------------------------------------- recognising shapes
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


@dataclass
class _Load:
    kind: str
    """insert, select_into, merge, upsert."""
    query: exp.Query
    line: int
    unique_key: tuple[str, ...] = ()


@dataclass
class _Target:
    table: ObjectName | None
    temp: str | None
    loads: list[_Load] = field(default_factory=list)
    truncated: bool = False
    emptied: int | None = None
    """The line of the TRUNCATE / DELETE that empties the table."""
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    """For a temp table declared with CREATE TABLE: (column, T-SQL type)."""


@dataclass
class _State:
    routine: Routine
    catalog: Catalog
    params: dict[str, int]
    issues: list[Issue] = field(default_factory=list)
    values: dict[str, exp.Expression] = field(default_factory=dict)
    """@variable (lower case) -> the expression it holds at this point of the body."""
    targets: dict[str, _Target] = field(default_factory=dict)
    results: list[tuple[exp.Query, int]] = field(default_factory=list)
    updates: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    """Table key -> (line, column -> the value it is set to, normalised) of an UPDATE waiting for the
    INSERT that makes it an upsert."""
    conditions: dict[int, exp.Expression] = field(default_factory=dict)
    """IF line -> its condition (variables substituted), for assignments under it."""
    rowcount: int = 0
    rowcount_line: int | None = None
    transaction: bool = False
    flagged_catch: set[int] = field(default_factory=set)

    def flag(self, code: str, message: str, line: int) -> None:
        issue = Issue(code, message, line)
        if issue not in self.issues:
            self.issues.append(issue)


def recognise(routine: Routine, catalog: Catalog) -> ProcedurePlan:
    """The models a procedure yields and its issues (DM3xx, with absolute lines)."""
    line = routine.source.line if routine.source is not None else None
    if routine.encrypted:
        issue = Issue("DM314", "the procedure was created WITH ENCRYPTION: its body cannot be read", line)
        return ProcedurePlan(routine, (), (issue,))
    if not routine.definition.strip():
        return ProcedurePlan(routine, (), (Issue("DM311", "the procedure's body is empty", line),))
    steps, params = read_body(routine)
    state = _State(routine, catalog, params)
    for parameter in routine.parameters:
        name = parameter.name.lower()
        state.values[name] = exp.cast(
            exp.Literal.string(_VAR.format(snake_case(parameter.name.lstrip("@")))),
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


def _step(state: _State, step: Step, steps: list[Step]) -> None:
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


def _parse(state: _State, step: Step) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(step.text, read="tsql")
    except SqlglotError as exc:
        state.flag("DM311", f"{step.kind} statement does not parse: {error_line(exc)}", step.line)
        return None


def _on_if(state: _State, step: Step, steps: list[Step]) -> None:
    inner = [s for s in steps if ("IF", step.line) in s.context or ("ELSE", step.line) in s.context]
    kinds = {s.kind for s in inner}
    condition = step.text.upper()
    if "OBJECT_ID" in condition and kinds <= {"DROP"}:
        return  # dropping a leftover temp table
    if "@@TRANCOUNT" in condition or "XACT_STATE" in condition:
        if kinds <= {"ROLLBACK", "COMMIT"} and not step.inside("CATCH"):
            state.flag("DM304", "IF decides whether the transaction is kept", step.line)
        return
    if kinds and all(_is_assignment(s) for s in inner):
        tree = _parse_condition(step.text)
        if tree is not None:
            state.conditions[step.line] = _substitute(tree, state.values)
            return
    if kinds & {"ROLLBACK", "COMMIT"} and state.transaction:
        state.flag("DM304", "IF decides whether the transaction is kept", step.line)
    elif kinds and kinds <= {"RAISERROR", "THROW"}:
        return  # each RAISERROR/THROW is flagged DM306 on its own line
    else:
        state.flag("DM315", "IF/ELSE chooses at run time which statements run", step.line)


def _on_while(state: _State, step: Step, steps: list[Step]) -> None:
    if "@@FETCH_STATUS" not in step.text.upper():  # a cursor's loop: flagged at the cursor
        state.flag("DM302", "WHILE loop", step.line)


def _on_declare(state: _State, step: Step, steps: list[Step]) -> None:
    words = [m.group().upper() for m in TOKEN.finditer(step.text) if m.lastgroup == "word"]
    if "CURSOR" in words[:6]:
        state.flag("DM301", f"cursor {words[1].lower()}", step.line)
        return
    if words[2:3] == ["TABLE"] or words[2:4] == ["AS", "TABLE"]:
        state.flag("DM310", f"table variable {words[1].lower()}", step.line)
        return
    tree = _parse(state, step)
    if isinstance(tree, exp.Command):
        state.flag("DM311", "DECLARE statement could not be analysed", step.line)
    if not isinstance(tree, exp.Declare):
        return
    for item in tree.expressions:
        for name in item.this if isinstance(item.this, list) else [item.this]:
            default = item.args.get("default")
            value = default if isinstance(default, exp.Expression) else exp.null()
            _assign(state, step, name.sql("tsql").lower(), value)


def _on_set(state: _State, step: Step, steps: list[Step]) -> None:
    words = [m.group().upper() for m in TOKEN.finditer(step.text) if m.lastgroup == "word"]
    if len(words) > 1 and words[1] == "ROWCOUNT":
        state.rowcount = int(words[2]) if len(words) > 2 and words[2].isdigit() else 0
        state.rowcount_line = step.line if len(words) > 2 and words[2].startswith("@") else None
        return
    if len(words) < 2 or not words[1].startswith("@") or words[1].startswith("@@"):
        return  # SET NOCOUNT ON, SET XACT_ABORT ON, SET TRANSACTION ISOLATION LEVEL ...: options
    tree = _parse(state, step)
    if isinstance(tree, exp.Command):
        state.flag("DM311", "SET statement could not be analysed", step.line)
    if tree is None or isinstance(tree, exp.Command):
        return
    for item in tree.expressions:
        assignment = item.this if isinstance(item, exp.SetItem) else item
        if isinstance(assignment, exp.EQ):
            _assign(state, step, assignment.this.sql("tsql").lower(), assignment.expression)


def _assign(state: _State, step: Step, name: str, value: exp.Expression) -> None:
    value = _substitute(value.copy(), state.values)
    branch = next(((kind, line) for kind, line in reversed(step.context) if kind in {"IF", "ELSE"}), None)
    if branch is not None:
        condition = state.conditions.get(branch[1])
        previous = state.values.get(name, exp.null())
        if condition is None:
            return
        then, otherwise = (value, previous) if branch[0] == "IF" else (previous, value)
        value = exp.Case(ifs=[exp.If(this=condition.copy(), true=then)], default=otherwise)
    state.values[name] = value


def _is_assignment(step: Step) -> bool:
    """Whether the step only assigns variables: SET @x = ..., or SELECT @x = ... with no FROM."""
    if step.kind == "SET":
        return bool(re.match(r"(?is)SET\s+@\w+\s*=", step.text.lstrip()))
    if step.kind != "SELECT":
        return False
    try:
        return _assigns_only(sqlglot.parse_one(step.text, read="tsql"))
    except SqlglotError:
        return False


def _assigns_only(tree: exp.Expression) -> bool:
    """SELECT @x = ..., @y = ... with no FROM."""
    return (
        isinstance(tree, exp.Select)
        and not tree.args.get("from_")
        and all(isinstance(p, exp.EQ) and isinstance(p.this, exp.Parameter) for p in tree.expressions)
    )


def _parse_condition(text: str) -> exp.Expression | None:
    try:
        select = sqlglot.parse_one(f"SELECT CASE WHEN {text} THEN 1 END", read="tsql")
    except SqlglotError:
        return None
    case = select.selects[0] if isinstance(select, exp.Select) else None
    return case.args["ifs"][0].this if isinstance(case, exp.Case) else None


def _on_begin(state: _State, step: Step, steps: list[Step]) -> None:
    state.transaction = True  # BEGIN TRAN: harmless unless an IF decides to roll back


def _on_raise(state: _State, step: Step, steps: list[Step]) -> None:
    state.flag("DM306", f"{step.kind} stops the load on a condition", step.line)


def _on_exec(state: _State, step: Step, steps: list[Step]) -> None:
    text = step.text.upper()
    called = re.match(r"(?is)EXEC(?:UTE)?\s*(?:@\w+\s*=\s*)?([^\s(;]*)", step.text)
    if re.match(r"(?is)EXEC(?:UTE)?\s*\(", step.text) or "SP_EXECUTESQL" in text:
        state.flag("DM303", "dynamic SQL", step.line)
    else:
        state.flag("DM309", f"calls {called.group(1) if called else 'another procedure'}", step.line)


def _on_create(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if tree is None:
        return
    table = tree.find(exp.Table)
    kind = str(tree.args.get("kind") or "").upper()
    if isinstance(tree, exp.Create) and table is not None and _is_temp(table):
        if kind == "TABLE":
            target = _target(state, table)
            target.columns = [
                (column.name, column.args["kind"].sql("tsql") if column.args.get("kind") else None)
                for column in tree.this.expressions
                if isinstance(column, exp.ColumnDef)
            ]
        return  # an index on a temp table: nothing to model
    state.flag("DM308", f"CREATE {kind or 'statement'} inside a procedure", step.line)


def _on_drop(state: _State, step: Step, steps: list[Step]) -> None:
    if not re.search(r"(?i)\bTABLE\s+(IF\s+EXISTS\s+)?#", step.text):
        state.flag("DM308", "DROP of a permanent object", step.line)


def _on_truncate(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    for table in tree.expressions if isinstance(tree, exp.TruncateTable) else []:
        target = _target(state, table)
        target.truncated = True
        target.emptied = target.emptied or step.line


def _on_delete(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if not isinstance(tree, exp.Delete):
        return
    table = tree.this if isinstance(tree.this, exp.Table) else tree.find(exp.Table)
    if not tree.args.get("where") and not tree.args.get("using") and table is not None:
        target = _target(state, table)
        target.truncated = not target.loads  # a delete after loads empties the table: not a shape
        if target.truncated:
            target.emptied = target.emptied or step.line
            return
    state.flag("DM308", "DELETE of some rows", step.line)


def _on_update(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if not isinstance(tree, exp.Update):
        return
    table = _updated_table(tree)
    if table is None or _is_temp(table):
        state.flag("DM308", "UPDATE of a temp table", step.line)
        return
    aliases = {tree.this.alias_or_name.lower(), table.alias_or_name.lower(), table.name.lower()}
    columns = {
        eq.this.name: _normalised(eq.expression, aliases) for eq in tree.expressions if isinstance(eq, exp.EQ)
    }
    state.updates[_key(table)] = (step.line, columns)


def _updated_table(tree: exp.Update) -> exp.Table | None:
    """The table an UPDATE writes: `UPDATE alias SET ... FROM table AS alias` names it by alias."""
    written = tree.this if isinstance(tree.this, exp.Table) else None
    if written is None:
        return None
    for table in tree.find_all(exp.Table):
        if table is not written and not written.db and table.alias_or_name.lower() == written.name.lower():
            return table
    return written


def _on_select(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if tree is None:
        return
    if step.kind == "SELECT" and _assigns_only(tree):
        for projection in tree.expressions:
            _assign(state, step, projection.this.sql("tsql").lower(), projection.expression)
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
    query = _substitute(tree.copy(), state.values)
    if into is not None:
        query.set("into", None)
        target = _target(state, into.this)
        target.truncated = target.table is not None
        target.loads.append(_Load("select_into", query, step.line))
        return
    if state.rowcount_line is not None:
        state.flag("DM308", "SET ROWCOUNT with a variable limits the rows the SELECT returns",
                   state.rowcount_line)  # fmt: skip
    if state.rowcount and isinstance(query, exp.Select) and not query.args.get("limit"):
        query = query.limit(state.rowcount)
    state.results.append((query, step.line))


def _on_assignment_query(state: _State, step: Step, tree: exp.Select) -> None:
    """SELECT @x = MAX(d) FROM t: @x holds the scalar subquery from then on."""
    for projection in tree.expressions:
        if isinstance(projection, exp.EQ):
            scalar = tree.copy()
            scalar.set("expressions", [projection.expression.copy()])
            _assign(state, step, projection.this.sql("tsql").lower(), exp.Subquery(this=scalar))


def _on_insert(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if isinstance(tree, exp.Insert):
        _on_insert_tree(state, step, tree)
    elif tree is not None:
        state.flag("DM308", "INSERT statement of an unknown form", step.line)


def _on_insert_tree(state: _State, step: Step, tree: exp.Insert) -> None:
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
    query = source.copy()
    if tree.args.get("with_") is not None and isinstance(query, (exp.Select, exp.SetOperation)):
        query.set("with_", tree.args["with_"].copy())
    query = _substitute(query, state.values)
    target = _target(state, table)
    names = columns or _default_columns(state, target)
    typed = _column_types(state, target)
    query = _aligned(query, names, typed)
    if query is None:
        state.flag("DM308", "INSERT ... SELECT * or a column count that does not match the table", step.line)
        return
    key = _key(table)
    unique_key: tuple[str, ...] = ()
    kind = "insert"
    query, filters, keys = _incremental_filters(_anti_joins_as_not_exists(query, key), key)
    if _reads(query, key):
        state.flag("DM308", f"the INSERT reads {target.table}, the table it loads, outside a WHERE filter",
                   step.line)  # fmt: skip
    if key in state.updates and keys:
        update_line, updated = state.updates.pop(key)
        _check_update(state, updated, _inserted_values(query, names), keys, update_line)
        kind, unique_key = "upsert", keys
    elif filters:
        query = _with_filters(query, filters)
    target.loads.append(_Load(kind, query, step.line, unique_key))


def _normalised(value: exp.Expression, target_aliases: set[str]) -> str:
    """The value's SQL with the target's columns marked and other qualifiers dropped, so an UPDATE's
    SET and an INSERT's SELECT (each with its own aliases) compare."""

    def strip(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table:
            marked = node.table.lower() in target_aliases
            return exp.column(node.name, table="__target__" if marked else None)
        return node

    return value.copy().transform(strip).sql("tsql").lower()


def _inserted_values(query: exp.Query, names: list[str]) -> dict[str, str]:
    """Column -> the value the INSERT's SELECT gives it, normalised (casts left out); the SELECT no
    longer reads the loaded table (its filters are taken out), so no column is the target's."""
    select = query if isinstance(query, exp.Select) else None
    if select is None:
        return {}
    values = {}
    for name, projection in zip(names, select.expressions, strict=False):
        inner = projection.unalias() if isinstance(projection, exp.Alias) else projection
        inner = inner.this if isinstance(inner, exp.Cast) else inner
        values[name] = _normalised(inner, set())
    return values


def _check_update(
    state: _State, updated: dict[str, str], inserted: dict[str, str], keys: tuple[str, ...], line: int
) -> None:
    """One DM308 when delete+insert, which rewrites matched rows whole from the INSERT's values,
    would change them otherwise than the UPDATE does."""
    key_names = {k.lower() for k in keys}
    filled = {c.lower() for c in inserted}
    not_filled = sorted(c for c in updated if c.lower() not in filled)
    set_to = {c.lower(): value for c, value in updated.items()}
    unchanged = [c for c in inserted if c.lower() not in set_to and c.lower() not in key_names]
    other = [c for c, v in inserted.items() if c.lower() in set_to and set_to[c.lower()] != v]
    found = [
        text
        for text, columns in (
            (f"sets {', '.join(not_filled)}, which the INSERT does not fill", not_filled),
            (f"leaves {', '.join(unchanged)} unchanged", unchanged),
            (f"sets {', '.join(other)} to other values than the INSERT", other),
        )
        if columns
    ]
    if found:
        state.flag("DM308", f"the UPDATE {'; '.join(found)}: the model rewrites matched rows whole", line)


def _on_merge(state: _State, step: Step, steps: list[Step]) -> None:
    tree = _parse(state, step)
    if isinstance(tree, exp.Merge):
        _on_merge_tree(state, step, tree)


def _on_merge_tree(state: _State, step: Step, tree: exp.Merge) -> None:
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
                eq.this.name: _normalised(eq.expression, {target_alias})
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
    inserted = {c: _normalised(v, {target_alias}) for c, v in zip(columns, values, strict=True)}
    _check_update(state, updated, inserted, keys, step.line)
    if any(_key(t) == _key(table) for t in using.find_all(exp.Table)):
        state.flag("DM308", f"the MERGE reads {_shown(table)}, the table it loads, in its source", step.line)
    source = using.copy()
    if not source.alias:
        source.set("alias", exp.TableAlias(this=exp.to_identifier("source")))
    query = exp.select(*(value.copy() for value in values)).from_(source)
    if tree.args.get("with_") is not None:  # WITH cte AS (...) MERGE ... USING cte
        query.set("with_", tree.args["with_"].copy())
    query = _substitute(query, state.values)
    target = _target(state, table)
    query = _aligned(query, columns, _column_types(state, target))
    target.loads.append(_Load("merge", query, step.line, keys))


_HANDLERS = {
    "IF": _on_if,
    "WHILE": _on_while,
    "DECLARE": _on_declare,
    "SET": _on_set,
    "BEGIN": _on_begin,
    "RAISERROR": _on_raise,
    "THROW": _on_raise,
    "EXEC": _on_exec,
    "EXECUTE": _on_exec,
    "CREATE": _on_create,
    "DROP": _on_drop,
    "TRUNCATE": _on_truncate,
    "DELETE": _on_delete,
    "UPDATE": _on_update,
    "SELECT": _on_select,
    "WITH": _on_select,
    "INSERT": _on_insert,
    "MERGE": _on_merge,
}


# ------------------------------------------------------------------------- helpers of the shapes
def _is_temp(table: exp.Table) -> bool:
    return bool(table.this.args.get("temporary")) or table.name.startswith("#")


def _key(table: exp.Table) -> str:
    if _is_temp(table):
        return "#" + table.name.lstrip("#").lower()
    return ObjectName(schema=table.db or "dbo", name=table.name).key


def _target(state: _State, table: exp.Table) -> _Target:
    key = _key(table)
    if key not in state.targets:
        if _is_temp(table):
            state.targets[key] = _Target(None, key)
        else:
            found = state.catalog.table(ObjectName(schema=table.db or "dbo", name=table.name))
            name = found.name if found is not None else ObjectName(schema=table.db or "dbo", name=table.name)
            state.targets[key] = _Target(name, None)
    return state.targets[key]


def _catalog_table(state: _State, target: _Target) -> Table | None:
    return state.catalog.table(target.table) if target.table is not None else None


def _default_columns(state: _State, target: _Target) -> list[str]:
    """The columns an INSERT without a column list fills: all but identity and computed ones."""
    if target.columns:
        return [name for name, _ in target.columns]
    table = _catalog_table(state, target)
    if table is None:
        return []
    return [c.name for c in table.columns if c.identity is None and c.computed is None]


def _column_types(state: _State, target: _Target) -> dict[str, str]:
    if target.columns:
        return {name.lower(): kind for name, kind in target.columns if kind}
    table = _catalog_table(state, target)
    if table is None:
        return {}
    return {c.name.lower(): sqlserver_type(c) for c in table.columns if c.data_type != "computed"}


def _aligned(query: exp.Query, names: list[str], types: dict[str, str]) -> exp.Query | None:
    """The SELECT with each output named (and cast, as INSERT converts) as the column it fills."""
    selects = [query] if isinstance(query, exp.Select) else list(_selects(query))
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


def _selects(query: exp.Expression):
    if isinstance(query, exp.SetOperation):
        yield from _selects(query.this)
        yield from _selects(query.expression)
    elif isinstance(query, exp.Select):
        yield query


def _substitute(tree: exp.Expression, values: dict[str, exp.Expression]) -> exp.Expression:
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


def _reads(node: exp.Expression, key: str) -> bool:
    return any(_key(table) == key for table in node.find_all(exp.Table))


def _incremental_filters(
    query: exp.Query, key: str
) -> tuple[exp.Query, list[exp.Expression], tuple[str, ...]]:
    """WHERE conjuncts that read the loaded table itself: removed from the query and returned,
    with the loaded table's key columns a NOT EXISTS compares on (for an upsert)."""
    if not isinstance(query, exp.Select) or query.args.get("where") is None:
        return query, [], ()
    conjuncts = (
        list(query.args["where"].this.flatten())
        if isinstance(query.args["where"].this, exp.And)
        else [query.args["where"].this]
    )
    kept = [c for c in conjuncts if not _reads(c, key)]
    filters = [c for c in conjuncts if _reads(c, key)]
    if not filters:
        return query, [], ()
    keys: list[str] = []
    for condition in filters:
        exists = condition.this if isinstance(condition, exp.Not) else None
        if not isinstance(exists, exp.Exists):
            continue
        inner = exists.this
        tables = {t.alias_or_name.lower() for t in inner.find_all(exp.Table) if _key(t) == key}
        for eq in inner.find_all(exp.EQ):
            for side in (eq.this, eq.expression):
                if isinstance(side, exp.Column) and side.table.lower() in tables and side.name not in keys:
                    keys.append(side.name)
    query = query.copy()
    query.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    return query, filters, tuple(keys)


def _anti_joins_as_not_exists(query: exp.Query, key: str) -> exp.Query:
    """`LEFT JOIN t AS a ON a.k = s.k ... WHERE a.k IS NULL` (t the loaded table, a read nowhere else)
    as `WHERE NOT EXISTS (SELECT 1 FROM t AS a WHERE a.k = s.k ...)`: the same rows, since a row
    that matched has a.k equal to a value, so not NULL; returns the query unchanged otherwise."""
    if not isinstance(query, exp.Select) or query.args.get("where") is None:
        return query
    for join in query.args.get("joins") or []:
        table, on = join.this, join.args.get("on")
        if (
            join.side != "LEFT"
            or join.kind
            or not isinstance(table, exp.Table)
            or _key(table) != key
            or on is None
        ):
            continue
        alias = table.alias_or_name.lower()
        compared = {  # columns an equality ANDed into ON compares: not NULL on a matched row
            side.name.lower()
            for eq in (on.flatten() if isinstance(on, exp.And) else [on])
            if isinstance(eq, exp.EQ)
            for side in (eq.this, eq.expression)
            if isinstance(side, exp.Column) and side.table.lower() == alias
        }
        where = query.args["where"].this
        conjuncts = list(where.flatten()) if isinstance(where, exp.And) else [where]
        absent = next(
            (
                c
                for c in conjuncts
                if isinstance(c, exp.Is)
                and isinstance(c.expression, exp.Null)
                and isinstance(c.this, exp.Column)
                and c.this.table.lower() == alias
                and c.this.name.lower() in compared
            ),
            None,
        )
        others = [c for c in conjuncts if c is not absent]
        clauses = [query.args.get(name) for name in ("group", "having", "order", "qualify")]
        parts = [*query.expressions, *others, *(j for j in query.args["joins"] if j is not join), *clauses]
        elsewhere = [
            column
            for part in parts
            if part is not None
            for column in part.find_all(exp.Column)
            if column.table.lower() == alias
        ]
        if absent is None or elsewhere:
            continue
        rewritten = query.copy()
        rewritten.set("joins", [j.copy() for j in query.args["joins"] if j is not join] or None)
        inner = exp.select("1").from_(table.copy()).where(on.copy())
        rewritten.set(
            "where", exp.Where(this=exp.and_(*(c.copy() for c in others), exp.not_(exp.Exists(this=inner))))
        )
        return _anti_joins_as_not_exists(rewritten, key)
    return query


def _with_filters(query: exp.Query, filters: list[exp.Expression]) -> exp.Query:
    wrapped = [exp.Anonymous(this=_FILTER, expressions=[f.copy()]) for f in filters]
    return query.where(*wrapped, copy=True)


def _models(state: _State) -> list[ProcedureModel]:
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


def _lined_up(state: _State, target: _Target) -> list[exp.Query]:
    """Each load's SELECT; when the loads fill different column lists, each lined up to the table's
    columns in table order, the columns a load does not fill as typed NULLs (DM308 when a column it
    leaves out has a default, or fills one the table lacks)."""
    queries = [load.query for load in target.loads]
    lists = [tuple(p.alias_or_name.lower() for p in s.expressions) for q in queries for s in _selects(q)]
    if len(set(lists)) <= 1:
        return queries
    table = _catalog_table(state, target)
    full = _default_columns(state, target)
    types = _column_types(state, target)
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
        for select in _selects(query):
            given = {p.alias_or_name.lower(): p for p in select.expressions}
            select.set("expressions", [given.get(name.lower()) or _null(name, types) for name in full])
        lined.append(query)
    return lined


def _null(name: str, types: dict[str, str]) -> exp.Expression:
    """`CAST(NULL AS <the column's type>) AS [name]`: a column a load does not fill."""
    kind = exp.DataType.build(types.get(name.lower(), "nvarchar(max)"), dialect="tsql")
    return exp.alias_(exp.cast(exp.null(), kind), exp.to_identifier(name, quoted=True))


def _vars(routine: Routine, models: list[ProcedureModel], state: _State) -> dict[str, ProcedureVar]:
    used = {
        found.group(1)
        for model in models
        for literal in model.query.find_all(exp.Literal)
        if literal.is_string and (found := _VAR_NAME.fullmatch(literal.this))
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


# ------------------------------------------------------------------------- naming
@dataclass(frozen=True)
class ModelName:
    name: str
    folder: str
    """models/marts/<schema>."""
    primary: bool = True
    """False for a second procedure's model of a table another procedure's model is named for."""


def name_models(plans: list[ProcedurePlan], names: NameSpace) -> dict[tuple[str, int], ModelName]:
    """A unique model name per (procedure key, model index).

    A table loaded by one procedure gets the table's name (`<schema>__<table>`, no prefix for dbo);
    when several procedures load it, the one that rebuilds it fully (enabled procedures first, then
    table before incremental, then by procedure name) gets that name and the others
    `<table name>__<procedure>`. Temp tables are `<procedure>__<temp>`, result sets `<procedure>`;
    a disabled procedure gets one model, `<procedure>` (index -1), for its stub.
    """
    loaders: dict[str, list[tuple[tuple, str, int]]] = {}
    for plan in plans:
        for index, model in enumerate(plan.models if plan.enabled else ()):
            if model.table is not None:
                rank = (model.materialization != Materialization.TABLE, plan.routine.name.key)
                loaders.setdefault(model.table.key, []).append((rank, plan.routine.name.key, index))
    primaries = {(min(entries)[1], min(entries)[2]) for entries in loaders.values()}
    result: dict[tuple[str, int], ModelName] = {}
    for plan in sorted(plans, key=lambda p: p.routine.name.key):
        routine = plan.routine.name
        prefix = _schema_prefix(routine.schema_)
        folder = f"models/marts/{snake_case(routine.schema_)}"
        procedure = snake_case(routine.name)
        for index, model in enumerate(plan.models if plan.enabled else ()):
            if model.table is not None:
                table = _schema_prefix(model.table.schema_) + snake_case(model.table.name)
                is_primary = (routine.key, index) in primaries
                if is_primary:
                    name = names.claim(model.table.name, prefix=_schema_prefix(model.table.schema_))
                else:
                    name = names.claim(routine.name, prefix=f"{table}__")
                folder_of = f"models/marts/{snake_case(model.table.schema_)}"
            elif model.temp is not None:
                name = names.claim(model.temp.lstrip("#"), prefix=f"{prefix}{procedure}__")
                folder_of = folder
            else:
                name = names.claim(routine.name, prefix=prefix)
                folder_of = folder
            primary = model.table is None or (routine.key, index) in primaries
            result[(routine.key, index)] = ModelName(name, folder_of, primary)
        if not plan.enabled:  # an enabled plan without models (DM312) writes no file: no name
            result[(routine.key, -1)] = ModelName(names.claim(routine.name, prefix=prefix), folder)
    return result


def _schema_prefix(schema: str) -> str:
    return "" if schema.lower() == "dbo" else f"{snake_case(schema)}__"


# ------------------------------------------------------------------------- converting
@dataclass(frozen=True)
class ConvertedModel:
    model: ProcedureModel
    name: ModelName
    sql: str | None
    """The model's SELECT in the target dialect with its Jinja, or None when it could not convert."""
    columns: tuple[tuple[str, str], ...] = ()

    @property
    def config(self) -> str:
        """The model's `config(...)` call."""
        options = [f"materialized='{self.model.materialization}'"]
        if self.model.unique_key:
            names = dict((original.lower(), new) for original, new in self.columns)
            keys = [names.get(k.lower(), snake_case(k)) for k in self.model.unique_key]
            options.append(f"unique_key={keys if len(keys) > 1 else repr(keys[0])}")
            # delete+insert: the strategy both dbt-duckdb and dbt-postgres (before 15) support
            options.append("incremental_strategy='delete+insert'")
        return "config(" + ", ".join(options) + ")"


@dataclass(frozen=True)
class ProcedureConversion:
    plan: ProcedurePlan
    models: tuple[ConvertedModel, ...]
    issues: tuple[Issue, ...]
    """Every issue: the plan's and those conversion raised."""


def order_plans(plans: list[ProcedurePlan]) -> list[ProcedurePlan]:
    """Procedures each after those that load the tables it reads (a cycle keeps name order)."""
    import graphlib

    loaded_by = {}
    for plan in plans:
        for model in plan.models:
            if model.table is not None:
                loaded_by.setdefault(model.table.key, set()).add(plan.routine.name.key)
    by_key = {plan.routine.name.key: plan for plan in plans}
    graph = {
        key: {loader for table in plan.reads for loader in loaded_by.get(table, ()) if loader != key}
        for key, plan in sorted(by_key.items())
    }
    try:
        return [by_key[key] for key in graphlib.TopologicalSorter(graph).static_order()]
    except graphlib.CycleError:
        return [by_key[key] for key in sorted(by_key)]


def convert_procedure(
    plan: ProcedurePlan,
    names: dict[tuple[str, int], ModelName],
    relations: dict[str, Relation],
    target: Target,
    macros: dict | None = None,
) -> tuple[list[ConvertedModel], list[Issue], dict[str, Relation]]:
    """Each model of the plan in the target dialect (temp tables and the loaded tables resolved);
    returns the models, the issues conversion raised (DM2xx, on the model's first line) and the relations other procedures
    may read (the permanent tables this one loads)."""
    key = plan.routine.name.key
    local = dict(relations)
    converted: list[ConvertedModel] = []
    issues: list[Issue] = []
    published: dict[str, Relation] = {}
    if not plan.enabled:
        return [], issues, published
    failed: set[str] = set()
    """Keys (dbo.t, #t) of the tables whose model could not be converted."""
    for index, model in enumerate(plan.models):
        name = names[(key, index)]
        query = _temp_names(model.query, key)
        self_key = model.table.key if model.table is not None else None
        own_key = self_key or model.temp
        lost = sorted({_shown(t) for t in model.query.find_all(exp.Table) if _key(t) in failed})
        if lost:  # it would read a model written disabled, and fail the whole project's compile
            issues.append(Issue("DM210", f"reads {', '.join(lost)}, which this procedure loads in a model "
                                "that could not be converted", model.lines[0]))  # fmt: skip
            if own_key:
                failed.add(own_key)
            converted.append(ConvertedModel(model, name, None))
            continue
        if self_key is not None:
            local[self_key] = _self_relation(model, name.name, relations.get(self_key))
        conversion = convert_view(query, local, target, macros, copy=False)  # _temp_names made the copy
        if conversion.sql is None:
            issues.extend(_named_temps(_at(issue, model.lines[0]), key) for issue in conversion.errors)
            converted.append(ConvertedModel(model, name, None))
            if own_key:
                failed.add(own_key)
            if self_key is not None:  # the table is no model's: later models are flagged above
                if self_key in relations:
                    local[self_key] = relations[self_key]
                else:
                    local.pop(self_key)
            continue
        sql = _jinja(conversion.sql, name.name)
        relation = Relation(
            model=name.name,
            columns={original.lower(): new for original, new in conversion.columns},
            types=conversion.types,
            originals={original.lower(): original for original, _ in conversion.columns},
        )
        if model.temp is not None:
            local[_temp_key(key, model.temp)] = relation
        elif self_key is not None and name.primary:
            published[self_key] = local[self_key] = relation
        issues.extend(
            _named_temps(_at(issue, model.lines[0]), key)
            for issue in conversion.warnings
            if _FILTER not in issue.message
        )
        converted.append(ConvertedModel(model, name, sql, tuple(conversion.columns)))
    return converted, issues, published


def _at(issue: Issue, line: int) -> Issue:
    """A conversion issue placed on the model's first statement line, when it has no line of its own."""
    return issue if issue.line is not None else replace(issue, line=line)


def _shown(table: exp.Table) -> str:
    """The table as a message names it: #name or [schema].[name]."""
    return _key(table) if _is_temp(table) else str(ObjectName(schema=table.db or "dbo", name=table.name))


def _named_temps(issue: Issue, procedure: str) -> Issue:
    """The issue with the procedure's internal temp table names back as #name."""
    internal = re.compile(rf"(?i)(?:\bdbo\.)?{_TEMP_PREFIX}{re.escape(snake_case(procedure))}__(\w+)")
    return replace(issue, message=internal.sub(lambda m: "#" + m.group(1), issue.message))


def _self_relation(model: ProcedureModel, name: str, staged: Relation | None) -> Relation:
    """The loaded table as the model itself sees it (its filter reads {{ this }})."""
    columns = {}
    for select in _selects(model.query):
        names = NameSpace()
        columns = {p.alias_or_name.lower(): names.claim(p.alias_or_name) for p in select.expressions}
        break
    types = dict(staged.types) if staged is not None else {}
    return Relation(model=name, columns=columns, types=types)


def _temp_key(procedure: str, temp: str) -> str:
    return f"dbo.{_TEMP_PREFIX}{snake_case(procedure)}__{temp.lstrip('#')}"


def _temp_names(query: exp.Query, procedure: str) -> exp.Query:
    """#temp -> a name no Catalog table has, so that each procedure's temp tables are its own."""

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and _is_temp(node):
            renamed = exp.to_table(_temp_key(procedure, "#" + node.name.lstrip("#")).split(".", 1)[1])
            if node.alias:
                renamed.set("alias", node.args["alias"].copy())
            else:
                renamed.set("alias", exp.TableAlias(this=exp.to_identifier(node.name.lstrip("#"))))
            return renamed
        return node

    return query.transform(rename)


def _jinja(sql: str, model: str) -> str:
    """Var placeholders -> var() calls, the incremental filters -> is_incremental() blocks,
    the model's own table -> {{ this }}."""
    sql = sql.replace(f"{{{{ ref('{model}') }}}}", "{{ this }}")
    sql = _VAR_LITERAL.sub(lambda m: f"{{{{ datamigrate_literal(var('{m.group(1)}', none)) }}}}", sql)
    while True:
        found = re.search(rf"(?i)\b{_FILTER}\(", sql)
        if found is None:
            return sql
        end = _closing(sql, found.end())
        inner = sql[found.end() : end - 1].strip()
        sql = (
            sql[: found.start()]
            + f"{{% if is_incremental() %}}({inner}){{% else %}}1 = 1{{% endif %}}"
            + sql[end:]
        )


_BRACKETS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\(|\)""")


def _closing(sql: str, start: int) -> int:
    """The index just past the `)` closing the bracket opened before start (strings skipped)."""
    depth = 1
    for found in _BRACKETS.finditer(sql, start):
        depth += {"(": 1, ")": -1}.get(found.group(), 0)
        if depth == 0:
            return found.end()
    raise ValueError("an incremental filter's bracket is not closed")


def with_defaults(sql: str, variables: dict[str, ProcedureVar]) -> str:
    """var('x', none) -> var('x', <the parameter's default>)."""
    for var in variables.values():
        sql = sql.replace(f"var('{var.name}', none)", f"var('{var.name}', {var.default})")
    return sql
