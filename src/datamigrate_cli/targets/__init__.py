"""The warehouses a project can be generated for, one file each; looked up by name.

A target is data (see `base.Target`): its sqlglot dialect, dbt adapter and pip extra, the map
of SQL Server types onto its own, and in `base.Semantics` the templates and flags with which
`convert/semantics/` makes a view mean on it what it meant on SQL Server. No code tests a
target's name.

To add a target:
1. write `targets/<name>.py` building one `Target`: `name`, `dialect` (a sqlglot dialect),
   `adapter` (the dbt adapter type) and `extra` (the pip extra installing it), `types` (every
   SQL Server type: tests/test_targets.py checks each maps to a type the dialect accepts),
   `unbounded_text`, and the capabilities that differ from the defaults (`offset_types`,
   `strict_number_literals`, `tsql_native`);
2. give it a `Semantics` with the templates it has (start from `duckdb.py` or `postgres.py`);
   each one left out is flagged DM208/DM202 in the views that need it, never passed through;
3. register it in `TARGETS` below (the order is the order `--help` lists them in);
4. add its output to the `profiles.yml` template (`templates/project/profiles.yml.j2`) and its
   adapter as an extra in `pyproject.toml`; add its expected SQL to `tests/cases/conversion.yml`.
"""

from __future__ import annotations

import difflib

from ..model.catalog import Column
from ..model.errors import InputError
from .base import Semantics, Target
from .bigquery import BIGQUERY
from .databricks import DATABRICKS
from .duckdb import DUCKDB
from .postgres import POSTGRES
from .snowflake import SNOWFLAKE
from .sqlserver import SQLSERVER

__all__ = ["DEFAULT_TARGET", "TARGETS", "Semantics", "Target", "get_target", "target_type"]

TARGETS: dict[str, Target] = {
    target.name: target for target in (DUCKDB, POSTGRES, SNOWFLAKE, BIGQUERY, DATABRICKS, SQLSERVER)
}
DEFAULT_TARGET = "duckdb"


def get_target(name: str) -> Target:
    """The target called `name`. Raises InputError with a suggestion for an unknown name."""
    target = TARGETS.get(name.lower())
    if target is None:
        close = difflib.get_close_matches(name.lower(), TARGETS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(f"unknown target '{name}': {hint}choose one of {', '.join(TARGETS)}")
    return target


def target_type(target: Target, column: Column) -> str | None:
    """The target type for a column, or None when it has no declared type (computed columns)."""
    template = target.types.get(column.data_type)
    if template is None:
        return None if column.data_type == "computed" else target.unbounded_text
    if "{n}" in template:
        if column.max_length is None or column.max_length < 0:
            return template.format(n=target.max_length) if target.max_length else target.unbounded_text
        return template.format(n=column.max_length)
    if "{p}" in template:
        return template.format(p=column.precision or 18, s=column.scale or 0)
    return template
