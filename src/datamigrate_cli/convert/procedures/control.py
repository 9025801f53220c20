"""The statements that steer a procedure body rather than load a table: IF, WHILE, DECLARE, SET,
BEGIN, RAISERROR/THROW, EXEC, CREATE, DROP. Variables are followed as the expressions they hold
(`assign`), so that the loads read them in place.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...tsql.blocks import Step
from ...tsql.lexer import words as tsql_words
from .recognition import BodyState, is_temp, load_target, parse_step, substitute


def on_if(state: BodyState, step: Step, steps: list[Step]) -> None:
    """IF: a condition that only assigns variables is kept for them; one that steers the load is flagged."""
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
            state.conditions[step.line] = substitute(tree, state.values)
            return
    if kinds & {"ROLLBACK", "COMMIT"} and state.transaction:
        state.flag("DM304", "IF decides whether the transaction is kept", step.line)
    elif kinds and kinds <= {"RAISERROR", "THROW"}:
        return  # each RAISERROR/THROW is flagged DM306 on its own line
    else:
        state.flag("DM315", "IF/ELSE chooses at run time which statements run", step.line)


def on_while(state: BodyState, step: Step, steps: list[Step]) -> None:
    """WHILE: a loop is flagged (a cursor's fetch loop at its cursor)."""
    if "@@FETCH_STATUS" not in step.text.upper():  # a cursor's loop: flagged at the cursor
        state.flag("DM302", "WHILE loop", step.line)


def on_declare(state: BodyState, step: Step, steps: list[Step]) -> None:
    """DECLARE: cursors and table variables are flagged; a variable holds its default."""
    words = tsql_words(step.text, numbers=True)
    if "CURSOR" in words[:6]:
        state.flag("DM301", f"cursor {words[1].lower()}", step.line)
        return
    if words[2:3] == ["TABLE"] or words[2:4] == ["AS", "TABLE"]:
        state.flag("DM310", f"table variable {words[1].lower()}", step.line)
        return
    tree = parse_step(state, step)
    if isinstance(tree, exp.Command):
        state.flag("DM311", "DECLARE statement could not be analysed", step.line)
    if not isinstance(tree, exp.Declare):
        return
    for item in tree.expressions:
        for name in item.this if isinstance(item.this, list) else [item.this]:
            default = item.args.get("default")
            value = default if isinstance(default, exp.Expression) else exp.null()
            assign(state, step, name.sql("tsql").lower(), value)


def on_set(state: BodyState, step: Step, steps: list[Step]) -> None:
    """SET: ROWCOUNT limits the result set; SET @x = ... assigns; other SETs are options."""
    words = tsql_words(step.text, numbers=True)
    if len(words) > 1 and words[1] == "ROWCOUNT":
        state.rowcount = int(words[2]) if len(words) > 2 and words[2].isdigit() else 0
        state.rowcount_line = step.line if len(words) > 2 and words[2].startswith("@") else None
        return
    if len(words) < 2 or not words[1].startswith("@") or words[1].startswith("@@"):
        return  # SET NOCOUNT ON, SET XACT_ABORT ON, SET TRANSACTION ISOLATION LEVEL ...: options
    tree = parse_step(state, step)
    if isinstance(tree, exp.Command):
        state.flag("DM311", "SET statement could not be analysed", step.line)
    if tree is None or isinstance(tree, exp.Command):
        return
    for item in tree.expressions:
        assignment = item.this if isinstance(item, exp.SetItem) else item
        if isinstance(assignment, exp.EQ):
            assign(state, step, assignment.this.sql("tsql").lower(), assignment.expression)


def assign(state: BodyState, step: Step, name: str, value: exp.Expr) -> None:
    """@name holds value (variables substituted) from this step on; under an IF it holds a CASE."""
    value = substitute(value.copy(), state.values)
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
        return assigns_only(sqlglot.parse_one(step.text, read="tsql"))
    except SqlglotError:
        return False


def assigns_only(tree: exp.Expr) -> bool:
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


def on_begin(state: BodyState, step: Step, steps: list[Step]) -> None:
    """BEGIN TRAN: remembered, so that an IF that rolls back is flagged."""
    state.transaction = True  # BEGIN TRAN: harmless unless an IF decides to roll back


def on_raise(state: BodyState, step: Step, steps: list[Step]) -> None:
    """RAISERROR / THROW: flagged, the load would stop on a condition."""
    state.flag("DM306", f"{step.kind} stops the load on a condition", step.line)


def on_exec(state: BodyState, step: Step, steps: list[Step]) -> None:
    """EXEC: dynamic SQL or a call of another procedure, flagged."""
    text = step.text.upper()
    called = re.match(r"(?is)EXEC(?:UTE)?\s*(?:@\w+\s*=\s*)?([^\s(;]*)", step.text)
    if re.match(r"(?is)EXEC(?:UTE)?\s*\(", step.text) or "SP_EXECUTESQL" in text:
        state.flag("DM303", "dynamic SQL", step.line)
    else:
        state.flag("DM309", f"calls {called.group(1) if called else 'another procedure'}", step.line)


def on_create(state: BodyState, step: Step, steps: list[Step]) -> None:
    """CREATE TABLE #t declares a temp table's columns; any other CREATE is flagged."""
    tree = parse_step(state, step)
    if tree is None:
        return
    table = tree.find(exp.Table)
    kind = str(tree.args.get("kind") or "").upper()
    if isinstance(tree, exp.Create) and table is not None and is_temp(table):
        if kind == "TABLE":
            target = load_target(state, table)
            target.columns = [
                (column.name, column.args["kind"].sql("tsql") if column.args.get("kind") else None)
                for column in tree.this.expressions
                if isinstance(column, exp.ColumnDef)
            ]
        return  # an index on a temp table: nothing to model
    state.flag("DM308", f"CREATE {kind or 'statement'} inside a procedure", step.line)


def on_drop(state: BodyState, step: Step, steps: list[Step]) -> None:
    """DROP of a temp table is harmless; of anything else, flagged."""
    if not re.search(r"(?i)\bTABLE\s+(IF\s+EXISTS\s+)?#", step.text):
        state.flag("DM308", "DROP of a permanent object", step.line)
