"""What rules make of a procedure: its plan (the models it yields), their names, the converted models.

shapes.recognise makes a ProcedurePlan, model_names.name_models a ModelName per model, and
conversion.convert_procedure a ConvertedModel per model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlglot import exp

from ...model.catalog import ObjectName, Routine
from ...model.issues import Issue, Severity
from ..naming import snake_case
from ..query import referenced_names

# The markers a plan's T-SQL queries carry until conversion turns them into Jinja: a parameter is
# a string literal holding its dbt var's name, an incremental filter a call of this function.
VAR_PLACEHOLDER = "__dm_var_{}__"
VAR_LITERAL = re.compile(r"'__dm_var_(\w+?)__'")
VAR_NAME = re.compile(r"__dm_var_(\w+?)__")
INCREMENTAL_FILTER = "DM_INCREMENTAL_FILTER"


class Materialization(StrEnum):
    """How dbt builds a procedure's model."""

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
    """A dbt var a procedure's models read: one per parameter they use."""

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


@dataclass(frozen=True)
class ModelName:
    """A procedure model's dbt name and folder."""

    name: str
    folder: str
    """models/marts/<schema>."""
    primary: bool = True
    """False for a second procedure's model of a table another procedure's model is named for."""


@dataclass(frozen=True)
class ConvertedModel:
    """One model of a procedure in the target dialect, ready to be written."""

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
    """A procedure's plan with its converted models."""

    plan: ProcedurePlan
    models: tuple[ConvertedModel, ...]
    issues: tuple[Issue, ...]
    """Every issue: the plan's and those conversion raised."""
