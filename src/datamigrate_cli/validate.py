"""Validation of a generated dbt project, collected into one typed report.

Levels, each including the ones before it:
  parse    dbt-core parses the project (Jinja, refs, sources, YAML);
  compile  dbt-core compiles every model, and the compiled SQL parses in the target's dialect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import sqlglot
import yaml
from sqlglot.errors import SqlglotError

from .dbt.runner import DbtRun, run_dbt
from .errors import DbtError, InputError

REPORT_VERSION = 1
_DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake", "bigquery": "bigquery",
             "databricks": "databricks", "sqlserver": "tsql", "fabric": "tsql"}  # fmt: skip


class Level(StrEnum):
    PARSE = "parse"
    COMPILE = "compile"


class Verdict(StrEnum):
    OK = "ok"
    ERROR = "error"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ModelVerdict:
    name: str
    path: str | None
    verdict: Verdict
    message: str | None = None


@dataclass
class ValidationReport:
    project: str
    level: Level
    target: str
    parsed: bool
    models: list[ModelVerdict] = field(default_factory=list)
    tests_compiled: int = 0
    errors: list[str] = field(default_factory=list)
    """Problems not tied to one model (a parse error names its file in the message)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.parsed and not self.errors and all(m.verdict != Verdict.ERROR for m in self.models)

    def to_json(self) -> dict:
        return {
            "report_version": REPORT_VERSION,
            "project": self.project,
            "level": self.level.value,
            "target": self.target,
            "ok": self.ok,
            "parsed": self.parsed,
            "seconds": round(self.seconds, 3),
            "summary": {
                "models": len(self.models),
                "ok": sum(m.verdict == Verdict.OK for m in self.models),
                "errors": sum(m.verdict == Verdict.ERROR for m in self.models),
                "disabled": sum(m.verdict == Verdict.DISABLED for m in self.models),
                "tests_compiled": self.tests_compiled,
            },
            "errors": self.errors,
            "models": [
                {"name": m.name, "path": m.path, "verdict": m.verdict.value, "message": m.message}
                for m in self.models
            ],
        }


def validate_project(
    directory: Path, level: Level = Level.COMPILE, on_node: Callable[[str, str], None] | None = None
) -> ValidationReport:
    """Validate a dbt project. Raises InputError (not a dbt project) or DbtError (dbt cannot run)."""
    if not (directory / "dbt_project.yml").is_file():
        raise InputError(
            f"{directory}: not a dbt project (no dbt_project.yml); pass the folder `generate` wrote"
        )
    started = time.perf_counter()
    target = _default_target(directory)
    report = ValidationReport(project=str(directory), level=level, target=target, parsed=False)
    run = run_dbt(level.value, directory, on_node=on_node)
    if run.could_not_run:
        raise DbtError(f"dbt could not run the project in {directory}: {run.error}")
    report.parsed = run.error is None or bool(run.nodes)
    if run.error is not None:
        report.errors.append(run.error)
    if level == Level.COMPILE:
        _collect_compiled(run, report, _DIALECTS.get(target, target))
    report.models.extend(_disabled_models(directory, {m.path for m in report.models}))
    report.models.sort(key=lambda m: m.name)
    report.seconds = time.perf_counter() - started
    return report


def _collect_compiled(run: DbtRun, report: ValidationReport, dialect: str) -> None:
    for node in run.nodes:
        if node.resource_type != "model":
            report.tests_compiled += node.resource_type == "test" and node.status == "success"
            if node.status not in {"success", "pass"}:
                report.errors.append(f"{node.name}: {node.message}")
            continue
        if node.status != "success":
            report.models.append(ModelVerdict(node.name, node.path, Verdict.ERROR, node.message))
            continue
        problem = _sql_problem(node.compiled_sql or "", dialect)
        verdict = Verdict.ERROR if problem else Verdict.OK
        report.models.append(ModelVerdict(node.name, node.path, verdict, problem))


def _sql_problem(sql: str, dialect: str) -> str | None:
    try:
        sqlglot.parse_one(sql, read=dialect)
    except SqlglotError as exc:
        return f"compiled SQL does not parse as {dialect}: {str(exc).splitlines()[0]}"
    return None


def _disabled_models(directory: Path, seen: set[str | None]) -> list[ModelVerdict]:
    """Models switched off with config(enabled=false): dbt skips them, the report must not."""
    verdicts = []
    for path in sorted((directory / "models").rglob("*.sql")):
        relative = path.relative_to(directory).as_posix()
        if relative in seen:
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:200]
        if "enabled=false" in head.replace(" ", ""):
            verdicts.append(
                ModelVerdict(path.stem, relative, Verdict.DISABLED, "disabled: see the comment in the file")
            )
    return verdicts


def _default_target(directory: Path) -> str:
    """The adapter type of the profile's default output ('duckdb' when it cannot be read)."""
    try:
        profiles = yaml.safe_load((directory / "profiles.yml").read_text(encoding="utf-8"))
        profile = next(iter(profiles.values()))
        return str(profile["outputs"][profile["target"]]["type"])
    except (OSError, yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError):
        return "duckdb"
