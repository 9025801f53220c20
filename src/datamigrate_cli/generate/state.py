"""What flows through generation: the options, each rule stage's typed result, and the agent
loop's state.

The rule stages (`generate.stages`) are plain calls, each returning a frozen result the next one
reads: `Analysis` -> `Plan` -> `Conversion` -> `RulesProject`, gathered in `Rules`. The agent loop
(`generate.loop`, run by `generate.graph`) starts from `Rules` and works on `LoopState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from sqlglot import exp

from ..convert.functions import Macro
from ..convert.procedures import ModelName, ProcedureConversion, ProcedurePlan
from ..convert.query import Relation, ViewConversion
from ..model.catalog import Catalog, ObjectName, View
from ..model.issues import Issue
from ..model.results import ObjectResult
from ..project.files import ProjectFile
from ..project.writer import WriteResult
from ..targets import Target
from .candidates import Draft
from .llm import LLMClient


@dataclass(frozen=True)
class GenerateOptions:
    target: Target
    project_name: str
    version: str
    check: bool = False
    """Run dbt compile + the semantic check on the planned project before writing it."""
    llm: LLMClient | None = field(default=None, compare=False)
    """Writes models the rules cannot, and repairs failing ones; None: deterministic and offline."""
    max_repairs: int = 2
    """How many times the LLM may repair one model that fails the check before it is flagged."""
    output: Path | None = None
    """Where the write node writes the project; None plans only (a dry run)."""


# ------------------------------------------------------------------------- analyze
@dataclass(frozen=True)
class Analysis:
    """What the Catalog holds that becomes models, read once: views parsed and ordered, functions
    sorted into views, macros and the rest, procedures recognised."""

    views: tuple[View, ...]
    """The Catalog's views, and inline table-valued functions read as views."""
    view_notes: dict[str, list[Issue]]
    """View key -> what changed on the way (a function's parameters fixed at their defaults)."""
    macros: dict[str, Macro]
    """Lower-case schema.name of a scalar function -> the macro it became."""
    functions_not_converted: dict[str, Issue]
    """Lower-case schema.name of a function -> why it stays for review (a DM4xx issue, mostly)."""
    view_order: tuple[str, ...]
    """View keys, each after the views it reads."""
    parsed_views: dict[str, exp.Query | Issue]
    """View key -> its SELECT as sqlglot parsed it, or why it could not. Converting consumes the trees."""
    procedures: tuple[ProcedurePlan, ...]
    """What rules recognised in each stored procedure."""


# ------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class ColumnPlan:
    original: str
    name: str
    target_type: str | None
    description: str | None = None


@dataclass(frozen=True)
class StagingPlan:
    """One staging model: a source table renamed and cast."""

    table: ObjectName
    source_name: str
    source_table: str
    model: str
    path: str
    columns: tuple[ColumnPlan, ...]


@dataclass(frozen=True)
class Plan:
    """Every model decided: names, paths, columns."""

    staging: tuple[StagingPlan, ...]
    relations: dict[str, Relation]
    """Table key -> its staging model, as converted SQL reads it."""
    view_models: dict[str, str]
    """View key -> model name."""
    procedure_names: dict[tuple[str, int], ModelName]
    """(procedure key, model index) -> the model's name; index -1 for a procedure with no model."""
    renamed: dict[str, tuple[Issue, ...]] = field(default_factory=dict)
    """Model name, or table name as the report shows it -> the DM908 issues of names that got a number."""


# ------------------------------------------------------------------------- convert
@dataclass(frozen=True)
class Conversion:
    """Views and procedures converted to the target's SQL."""

    views: dict[str, ViewConversion]
    """View key -> its conversion."""
    procedures: dict[str, ProcedureConversion]
    """Procedure key -> its conversion."""
    relations: dict[str, Relation]
    """Every relation converted SQL may read: the tables', the converted views' and the tables the
    procedures' models load."""


# ------------------------------------------------------------------------- render
@dataclass(frozen=True)
class RulesProject:
    """Every file of the project as the rules decide it, and what each source object became."""

    files: dict[str, ProjectFile]
    """Project-relative path -> file."""
    objects: tuple[ObjectResult, ...]


@dataclass(frozen=True)
class Rules:
    """What the rules made of a Catalog: each stage's result, and the project they decide."""

    catalog: Catalog
    analysis: Analysis
    plan: Plan
    conversion: Conversion
    project: RulesProject


# ------------------------------------------------------------------------- the agent loop
class LoopState(TypedDict, total=False):
    """The agent loop's state: the rules' result, the project as the loop changes it, and the loop's own work."""

    rules: Rules
    options: GenerateOptions
    files: dict[str, ProjectFile]
    """Project-relative path -> file: the rules' project with the loop's drafts laid over it."""
    objects: list[ObjectResult]
    drafts: dict[str, Draft]
    """Model path -> the SQL the loop is working on for a candidate object."""
    failures: dict[str, str]
    """Model path -> the error of the last check, for every model that failed it."""
    checks: int
    """How many times the check ran."""
    write: WriteResult | None
    """What the write node wrote; None for a dry run."""


@dataclass
class ProjectPlan:
    """Everything `generate` decided: the files, and what each source object became."""

    files: dict[str, ProjectFile]
    objects: list[ObjectResult] = field(default_factory=list)
    write: WriteResult | None = None
    """What the write node wrote; None for a dry run."""
