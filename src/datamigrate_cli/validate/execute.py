"""Every model is executed in a build: the views and ephemeral models dbt only creates are queried.

`dbt build` builds tables and incremental models, which evaluates them, but it only creates a view
(DuckDB does not even plan its body) and it inlines an ephemeral model into the models that read it.
A view whose body fails when selected from (a string the target cannot cast, a function that fails
on the data) passed. Here each one is queried so that every column of every row is evaluated on the
target: the row, as one value, is cast to text and measured, which no optimiser can skip the way it
skips the columns a `count(*)` does not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

QUERIED = frozenset({"view", "ephemeral"})
"""The materializations `dbt build` does not evaluate on its own."""
_ROW = "datamigrate_row"
_TEXT_TYPE = {"duckdb": "varchar", "postgres": "text"}


@dataclass
class Executed:
    """What querying the models found: how many were queried, and the failures by unique_id."""

    queried: list[str] = field(default_factory=list)
    failures: dict[str, QueryFailure] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Models not queried because a model they read failed."""
    incremental: dict[str, str] = field(default_factory=dict)
    """Incremental models whose is_incremental() branch failed or differs from a full refresh."""
    incremental_checked: int = 0


@dataclass(frozen=True)
class QueryFailure:
    message: str
    needles: tuple[str, ...] = ()
    """Text to look for in the model file to point at the line, the best first."""
    quoted_line: bool = False
    """True when the database quoted the model's line."""


def execution_sql(compiled_sql: str, dialect: str) -> str:
    """A query that evaluates every column of every row of `compiled_sql` (the model's SELECT on lines
    of its own, so that a line the database quotes is one of the model's)."""
    text = _TEXT_TYPE.get(dialect, "varchar")
    return (
        f"select count(*), sum(length(cast({_ROW} as {text}))) from (\n"
        f"{compiled_sql.strip().rstrip(';')}\n) as {_ROW}"
    )


def execute_models(
    manifest: dict, built: Iterable[str], run_query: Callable[[str], list[str]], dialect: str
) -> Executed:
    """Query every enabled view and ephemeral model of `manifest` that dbt built (its unique_id in
    `built`; an ephemeral model is never in dbt's results, so it is always queried), in dependency
    order. `run_query(sql)` runs one statement, returns the names of its result's columns and
    raises on an error."""
    built = set(built)
    nodes = manifest.get("nodes", {})
    models = {
        unique_id: node
        for unique_id, node in nodes.items()
        if node.get("resource_type") == "model" and node.get("config", {}).get("enabled", True)
    }
    executed = Executed()
    broken: set[str] = set()
    for unique_id in _dependency_order(models):
        node = models[unique_id]
        materialized = node.get("config", {}).get("materialized")
        upstream = [parent for parent in node.get("depends_on", {}).get("nodes", ()) if parent in broken]
        if materialized not in QUERIED or (materialized != "ephemeral" and unique_id not in built):
            if unique_id not in built:
                broken.add(unique_id)  # dbt failed or skipped it: what reads it is not blamed for it
            continue
        if upstream:
            executed.skipped.append(unique_id)
            broken.add(unique_id)
            continue
        sql = node.get("compiled_code")
        if not sql and materialized == "ephemeral":
            continue  # dbt compiles an ephemeral model only where a model reads it
        if not sql:
            sql = f"select * from {node['relation_name']}"
        executed.queried.append(unique_id)
        try:
            run_query(execution_sql(sql, dialect))
        except Exception as exc:  # the database's own error: the verdict's message
            failure = _failure(str(exc))
            column = _failing_column(sql, run_query, dialect) if not failure.quoted_line else None
            if column is not None:
                failure = QueryFailure(
                    f"column {column}: {failure.message}", (*failure.needles, f"as {column}", column)
                )
            executed.failures[unique_id] = failure
            broken.add(unique_id)
    return executed


def _failing_column(sql: str, run_query: Callable[[str], list[str]], dialect: str) -> str | None:
    """The first output column that fails on its own (its name finds the line in the model), when the
    database's message does not say where: a value the data holds that the expression cannot take."""
    try:
        columns = run_query(f"select * from (\n{sql.strip().rstrip(';')}\n) as {_ROW} limit 0")
    except Exception:
        return None
    text = _TEXT_TYPE.get(dialect, "varchar")
    for column in columns:
        quoted = '"' + column.replace('"', '""') + '"'
        try:
            run_query(
                f"select count(*), sum(length(cast({_ROW}.{quoted} as {text}))) from (\n"
                f"{sql.strip().rstrip(';')}\n) as {_ROW}"
            )
        except Exception:
            return column
    return None


def _failure(error: str) -> QueryFailure:
    """The database's message without the echo of our wrapper query, and where it points."""
    message = " ".join(line.strip() for line in error.strip().splitlines() if line.strip())
    quoted = re.search(r"LINE (\d+):\s*(.+?)\s*\^", message)
    if quoted and int(quoted.group(1)) > 1:  # the database quotes the model's line (ours is line 1)
        needle = re.split(r"/\*|--|\.\.\.", quoted.group(2))[0].strip()
        return QueryFailure(re.sub(r"\s*LINE \d+:.*$", "", message), (needle,) if needle else (), True)
    message = re.sub(r"\s*LINE \d+:.*$", "", message)
    value = re.search(r"""(?:format|string|value|syntax for type \w+):? ["']([^"'\n]+)["']""", message)
    # a literal the target cannot convert is in the model's text; a value from the data is not
    return QueryFailure(message, (value.group(1),) if value else ())


def _dependency_order(models: dict[str, dict]) -> list[str]:
    graph = {
        unique_id: [parent for parent in node.get("depends_on", {}).get("nodes", ()) if parent in models]
        for unique_id, node in models.items()
    }
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return sorted(models)
