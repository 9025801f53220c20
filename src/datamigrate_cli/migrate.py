"""`migrate`: extract, generate and validate in one go, T-SQL scripts -> a dbt project proven by dbt.

The stages are imported when they run, not with this module: a caller (the command line) imports
the events below before anything runs, and must not pay for dbt and LangGraph to do so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from .targets import DEFAULT_TARGET

if TYPE_CHECKING:
    from .extract import ExtractSummary
    from .generate import GenerateResult
    from .generate.llm import LLMClient
    from .model.catalog import Catalog
    from .validate import Level, ValidationReport


class Stage(StrEnum):
    EXTRACT = "extract"
    GENERATE = "generate"
    VALIDATE = "validate"


@dataclass(frozen=True)
class StageStarted:
    stage: Stage


@dataclass(frozen=True)
class ScriptsRead:
    """The extract stage has ended."""

    catalog: Catalog
    summary: ExtractSummary


@dataclass(frozen=True)
class ProjectGenerated:
    """The generate stage has ended."""

    result: GenerateResult


@dataclass(frozen=True)
class ProjectValidated:
    """The validate stage has ended."""

    report: ValidationReport


MigrateEvent = StageStarted | ScriptsRead | ProjectGenerated | ProjectValidated
"""What `on_stage` is told: a stage starts, or a stage ends with what it produced."""


@dataclass(frozen=True)
class MigrateResult:
    catalog: Catalog
    summary: ExtractSummary
    generated: GenerateResult
    report: ValidationReport

    @property
    def ok(self) -> bool:
        """Whether the generated project passed validation."""
        return self.report.ok


def migrate(
    scripts: Iterable[Path],
    directory: Path,
    target: str = DEFAULT_TARGET,
    project_name: str | None = None,
    level: Level | str = "semantic",
    *,
    sample_rows: int = 0,
    check: bool = False,
    llm: LLMClient | None = None,
    max_repairs: int = 2,
    freeze: bool = False,
    on_stage: Callable[[MigrateEvent], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    on_node: Callable[[str, str], None] | None = None,
) -> MigrateResult:
    """Read the T-SQL `scripts`, write the dbt project into `directory`, and validate it at `level`.

    The arguments are those of `extract_scripts`, `generate` and `validate_project` (the project is
    validated on its default output). `on_stage` is told when each stage starts and ends, `on_file`
    names each script as it is read, `on_node(name, status)` follows dbt as nodes finish. A project
    that fails validation is a result (`MigrateResult.ok` is False), not an error. Raises what the
    stages raise: InputError (bad scripts, unknown target), OutputError, DbtError.
    """
    notify = on_stage or _ignore
    notify(StageStarted(Stage.EXTRACT))
    from .extract import extract_scripts

    catalog, summary = extract_scripts(scripts, on_file=on_file, freeze=freeze)
    notify(ScriptsRead(catalog, summary))

    notify(StageStarted(Stage.GENERATE))
    from .generate import generate

    generated = generate(
        catalog, directory, target, project_name, check=check, llm=llm, max_repairs=max_repairs
    )
    notify(ProjectGenerated(generated))

    notify(StageStarted(Stage.VALIDATE))
    from .validate import Level, validate_project

    report = validate_project(directory, Level(level), sample_rows=sample_rows, on_node=on_node)
    notify(ProjectValidated(report))
    return MigrateResult(catalog, summary, generated, report)


def _ignore(event: MigrateEvent) -> None:
    pass
