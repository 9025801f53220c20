"""Both paths of an incremental model: the first build runs its full load, and then its
`is_incremental()` branch runs too, on a second batch of sample rows, and is checked.

An incremental model is right when (full load, then an incremental run) leaves the same rows as a
full refresh on all the data. The full refresh is the model's SQL as the first build compiled it
(the branch without `is_incremental()`), run on the data after the second batch: no second table
and no third dbt run are needed. Then the incremental branch as dbt compiled it is evaluated once
more, in a transaction that empties the table first and is rolled back, so that a watermark's
fallback (`COALESCE(MAX(...), '19000101')`), which the target evaluates only when the table is
empty, is evaluated too. A difference is an error that
shows the row counts and a few differing rows; an incremental run that fails is an error with
dbt's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.catalog import Catalog
from .dbt import DbtRun, run_dbt
from .execute import execution_sql

if TYPE_CHECKING:
    from .warehouse import Warehouse

_SHOWN = 3
"""Differing rows shown in a message."""


@dataclass(frozen=True)
class IncrementalCheck:
    """What the incremental pass found: errors by unique_id, and how many models it ran."""

    errors: dict[str, str]
    checked: int
    rows_added: int


def incremental_models(manifest: dict, built: set[str]) -> dict[str, dict]:
    """Enabled incremental models dbt built, by unique_id."""
    return {
        unique_id: node
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("enabled", True)
        and node.get("config", {}).get("materialized") == "incremental"
        and unique_id in built
        and node.get("compiled_code")
    }


def check_incremental(
    warehouse: Warehouse,
    catalog: Catalog,
    sample_rows: int,
    models: dict[str, dict],
    run: Callable[[], DbtRun],
    manifest: Callable[[], dict],
    dialect: str,
) -> IncrementalCheck:
    """Add the second batch of rows, run the incremental models (`run`), and compare each with a full
    refresh. `models` are the incremental models of the first build, with the SQL it compiled."""
    rows_added = warehouse.load_more(catalog, sample_rows)
    second = run()
    if second.error is not None:
        return IncrementalCheck(
            dict.fromkeys(models, f"incremental run: {second.error}"), len(models), rows_added
        )
    statuses = {node.unique_id: node for node in second.nodes}
    compiled = manifest().get("nodes", {})
    errors: dict[str, str] = {}
    for unique_id, node in models.items():
        result = statuses.get(unique_id)
        if result is not None and result.status not in {"success", "pass"}:
            errors[unique_id] = (
                f"the incremental run (is_incremental() true) fails: {result.message or result.status}"
            )
            continue
        relation, full = node["relation_name"], node["compiled_code"]
        difference = _difference(warehouse, f"select * from {relation}", full, "after the incremental run")
        branch = compiled.get(unique_id, {}).get("compiled_code")
        if difference is None and branch and branch != full:
            difference = _onto_empty(warehouse, relation, branch, dialect)
        if difference:
            errors[unique_id] = difference
    return IncrementalCheck(errors, len(models), rows_added)


def _onto_empty(warehouse: Warehouse, relation: str, branch: str, dialect: str) -> str | None:
    """The incremental branch evaluated onto the emptied table (in a transaction rolled back): a
    watermark's fallback is evaluated only then. Only a failure counts: `x > (SELECT MAX(x) FROM
    this)`, dbt's own idiom, loads nothing onto an empty table, and that is the idiom's choice."""
    try:
        warehouse.query(["begin", f"delete from {relation}", execution_sql(branch, dialect), "rollback"])
    except Exception as exc:  # the database's own message
        return f"in an incremental run onto the empty table, the model fails: {_first_line(exc)}"
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _difference(warehouse: Warehouse, incremental_sql: str, full_sql: str, when: str) -> str | None:
    """Why the incremental rows differ from a full refresh (counts, a few rows), or None."""
    full = f"(\n{full_sql.strip().rstrip(';')}\n) as datamigrate_full"
    incremental = f"(\n{incremental_sql.strip().rstrip(';')}\n) as datamigrate_incremental"
    try:
        counts, only_incremental, only_full = warehouse.query(
            [
                f"select (select count(*) from {incremental}), (select count(*) from {full})",
                f"select * from (select * from {incremental} except all select * from {full}) as d limit {_SHOWN}",
                f"select * from (select * from {full} except all select * from {incremental}) as d limit {_SHOWN}",
            ]
        )
    except Exception as exc:  # the database's own message: a query fails on the new data
        return f"{when}, the model fails: {_first_line(exc)}"
    (incremental_rows, full_rows), *_ = counts
    if not only_incremental and not only_full:
        return None
    shown = [f"only in the incremental run: {_rows(only_incremental)}"] if only_incremental else []
    shown += [f"only in a full refresh: {_rows(only_full)}"] if only_full else []
    return (
        f"{when}, the model differs from a full refresh: {incremental_rows} rows against {full_rows}; "
        + "; ".join(shown)
    )


def _rows(rows: list[tuple]) -> str:
    return ", ".join("(" + ", ".join(str(value) for value in row) + ")" for row in rows)


def incremental_run(directory: Path, arguments: tuple[str, ...], env: dict[str, str]) -> Callable[[], DbtRun]:
    """The dbt run of the incremental pass: the incremental models only. Views they read see the new
    rows as they are; a table they read keeps the first batch, for this run and the full refresh it is
    compared with alike. (Running the views again would drop, on PostgreSQL, the views that read them.)"""
    return lambda: run_dbt(
        "run", directory, (*arguments, "--select", "config.materialized:incremental"), None, env=env
    )
