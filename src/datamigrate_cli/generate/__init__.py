"""`generate`: a Catalog -> a dbt project on disk, with its migration report."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..convert.naming import snake_case
from ..model.catalog import Catalog
from ..model.results import ObjectResult
from ..project.report import summary
from ..project.writer import WriteResult, output_held
from ..runtime.cycle_collector import collector_paused
from ..targets import get_target
from ..version import __version__
from .graph import run_pipeline
from .llm import LLMClient
from .state import GenerateOptions


@dataclass(frozen=True)
class GenerateResult:
    directory: Path
    objects: list[ObjectResult]
    files: int
    write: WriteResult | None
    """None for a dry run."""

    @property
    def summary(self) -> dict[str, int]:
        return summary(self.objects)


def generate(
    catalog: Catalog,
    directory: Path,
    target: str = "duckdb",
    project_name: str | None = None,
    dry_run: bool = False,
    *,
    check: bool = False,
    llm: LLMClient | None = None,
    max_repairs: int = 2,
) -> GenerateResult:
    """Plan the dbt project for `catalog` and write it into `directory` (unless `dry_run`).

    `check` runs dbt compile and the semantic check before writing (an `llm` implies it): models
    that fail are repaired by the `llm` up to `max_repairs` times, then written disabled.
    Raises InputError for an unknown target, OutputError when the folder cannot be written (or
    another run is writing it), DbtError when the check cannot run dbt.
    """
    chosen = get_target(target)
    name = snake_case(project_name or catalog.database or directory.resolve().name)
    options = GenerateOptions(
        chosen,
        name,
        __version__,
        check=check or llm is not None,
        llm=llm,
        max_repairs=max_repairs,
        output=None if dry_run else directory,
    )
    # One run at a time into one folder, and what a killed run left is finished first.
    with contextlib.nullcontext() if dry_run else output_held(directory):
        if options.check:  # dbt runs inside: leave its memory to the collector
            plan = run_pipeline(catalog, options)
        else:
            with collector_paused():
                plan = run_pipeline(catalog, options)
    return GenerateResult(directory, plan.objects, len(plan.files), plan.write)
