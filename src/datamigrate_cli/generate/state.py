"""What flows through the generation graph: the typed state and the plans the nodes make."""

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
from ..project.writer import WriteResult
from ..targets import Target
from .candidates import Draft
from .llm import LLMClient


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


class GenerateState(TypedDict, total=False):
    catalog: Catalog
    options: GenerateOptions
    # analyze
    views: list[View]
    """The Catalog's views, and inline table-valued functions read as views."""
    view_notes: dict[str, list[Issue]]
    """View key -> what changed on the way (a function's parameters fixed at their defaults)."""
    macros: dict[str, Macro]
    """Lower-case schema.name of a scalar function -> the macro it became."""
    functions_not_converted: dict[str, Issue]
    """Lower-case schema.name of a function -> why it stays for review (a DM4xx issue, mostly)."""
    view_order: list[str]
    """View keys, each after the views it reads."""
    parsed_views: dict[str, exp.Query | Issue]
    """View key -> its SELECT as sqlglot parsed it, or why it could not."""
    procedures: list[ProcedurePlan]
    """What rules recognised in each stored procedure."""
    # plan
    staging: list[StagingPlan]
    relations: dict[str, Relation]
    view_models: dict[str, str]
    """View key -> model name."""
    procedure_names: dict[tuple[str, int], ModelName]
    """(procedure key, model index) -> the model's name; index -1 for a procedure with no model."""
    # convert
    conversions: dict[str, ViewConversion]
    procedure_conversions: dict[str, ProcedureConversion]
    staging_files: dict[str, str]
    """The staging models and their property files (rendered beside the conversion, see `convert`)."""
    staging_objects: list[ObjectResult]
    """What each table became."""
    # render
    files: dict[str, str]
    """Project-relative path -> content."""
    objects: list[ObjectResult]
    # llm_convert, check, repair, flag (generate.loop)
    drafts: dict[str, Draft]
    """Model path -> the SQL the loop is working on for a candidate object."""
    failures: dict[str, str]
    """Model path -> the error of the last check, for every model that failed it."""
    checks: int
    """How many times the check ran."""
    # write
    write: WriteResult | None


@dataclass
class ProjectPlan:
    """Everything `generate` decided: the files, and what each source object became."""

    files: dict[str, str]
    objects: list[ObjectResult] = field(default_factory=list)
    write: WriteResult | None = None
    """What the write node wrote; None for a dry run."""
