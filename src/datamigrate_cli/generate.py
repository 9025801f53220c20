"""`generate`: a Catalog -> a dbt project on disk, with its migration report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .catalog import Catalog, write_snapshot
from .convert.naming import snake_case
from .dbt.project import SNAPSHOT, WriteResult, write_project
from .errors import OutputError
from .pipeline.graph import run_pipeline
from .pipeline.state import GenerateOptions, ObjectResult
from .report import report_json, report_markdown, summary
from .targets import get_target


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
) -> GenerateResult:
    """Plan the dbt project for `catalog` and write it into `directory` (unless `dry_run`).

    Raises InputError for an unknown target, OutputError when the folder cannot be written.
    """
    chosen = get_target(target)
    name = snake_case(project_name or catalog.database or directory.resolve().name)
    plan = run_pipeline(catalog, GenerateOptions(chosen, name, __version__))
    files = dict(plan.files)
    files["migration_report.md"] = report_markdown(catalog, plan.objects, chosen.name)
    files["migration_report.json"] = report_json(catalog, plan.objects, chosen.name)
    written = None
    if not dry_run:
        written = write_project(directory, files, f"datamigrate {__version__}")
        try:
            write_snapshot(catalog, directory / SNAPSHOT)  # what `validate --level semantic` checks against
        except OSError as exc:
            raise OutputError(f"{directory / SNAPSHOT}: cannot write ({exc.strerror})") from None
    return GenerateResult(directory, plan.objects, len(files), written)
