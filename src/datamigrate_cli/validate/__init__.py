"""`validate`: prove a generated dbt project works, at one of four levels, each including the last.

parse     dbt-core parses the project (Jinja, refs, sources, YAML);
compile   dbt-core compiles every model offline, and the SQL parses in the target's dialect;
semantic  every compiled model is resolved against the Catalog and the models it reads;
build     the source tables are created (and filled with --sample-rows) in a throwaway
          DuckDB file or PostgreSQL schema, and `dbt build` runs the models and tests for real.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from ..model.catalog import Catalog, CatalogFormatError, read_snapshot
from ..model.errors import DbtError, InputError
from ..project.files import is_disabled_model
from ..project.report import record_validation
from ..project.writer import SNAPSHOT
from ..targets import TARGETS, Target
from .dbt import DbtRun, NodeResult, load_manifest, run_dbt
from .execute import Executed
from .incremental import check_incremental, incremental_models, incremental_run
from .locate import TestPlaces, line_in, needle_in
from .semantic_check import Finding, check_models, parse_compiled
from .verdicts import (
    PROBLEMS,
    Level,
    NodeVerdict,
    Origin,
    ValidationReport,
    Verdict,
    github_annotations,
    junit_xml,
)
from .warehouse import Warehouse, open_warehouse

__all__ = ["Level", "ValidationReport", "Verdict", "github_annotations", "junit_xml", "validate_project"]

_STATUS = {
    "success": Verdict.OK,
    "pass": Verdict.OK,
    "warn": Verdict.WARN,
    "fail": Verdict.FAIL,
    "error": Verdict.ERROR,
    "runtime error": Verdict.ERROR,
    "skipped": Verdict.SKIPPED,
}


def validate_project(
    directory: Path,
    level: Level = Level.SEMANTIC,
    *,
    output: str | None = None,
    sample_rows: int = 0,
    keep: bool = False,
    on_node: Callable[[str, str], None] | None = None,
) -> ValidationReport:
    """Validate the dbt project in `directory` on the profile's `output` (its default target if None).

    Raises InputError (not a generated dbt project, unknown output) or DbtError (dbt cannot run,
    or the warehouse for a build cannot be reached).
    """
    if not (directory / "dbt_project.yml").is_file():
        raise InputError(
            f"{directory}: not a dbt project (no dbt_project.yml); pass the folder `generate` wrote"
        )
    started = time.perf_counter()
    output, target = _profile_output(directory, output)
    _check_generated_for(directory, target)
    report = ValidationReport(project=str(directory), level=level, target=target.name)
    if not target.adapter_installed:
        if level == Level.BUILD:
            raise InputError(
                f"--level build runs on duckdb or postgres, not {target.name}; use --level semantic"
            )
        output, report.checked_by = "duckdb", "sqlglot"  # dbt only renders the Jinja; sqlglot checks the SQL
        report.warnings.append(
            f"dbt-{target.adapter} is not installed (pip install 'datamigrate[{target.extra}]'): the models "
            f"were compiled with the duckdb adapter and checked with sqlglot in the {target.dialect} dialect; "
            "this is not a dbt run on " + target.name
        )
    catalog = _catalog(directory, level) if level in {Level.SEMANTIC, Level.BUILD} else None
    arguments = ("--target", output)
    validate_schema = None
    executed = Executed()
    if level == Level.PARSE:
        run = run_dbt("parse", directory, arguments, on_node)
    elif level in {Level.COMPILE, Level.SEMANTIC}:
        offline = ("--no-populate-cache", "--vars", json.dumps({"datamigrate_offline": True}))
        run = run_dbt("compile", directory, arguments + offline, on_node)
    else:
        assert catalog is not None  # read above for SEMANTIC and BUILD, the only level left
        warehouse = open_warehouse(directory, target, keep)
        run, executed = _build(directory, warehouse, catalog, sample_rows, arguments, on_node, report)
        validate_schema = warehouse.vars.get("datamigrate_validate_schema")
    if run.could_not_run:
        raise DbtError(f"dbt could not run the project in {directory}: {run.error}")

    origins = _origins(directory)
    report.parsed = run.error is None or bool(run.nodes)
    if run.error is not None:
        _parse_failure(directory, run.error, report, origins)
    manifest = load_manifest(directory) if run.error is None or run.nodes else {}
    findings = check_models(manifest, catalog, target, validate_schema) if catalog and manifest else {}
    nodes = run.nodes if level != Level.PARSE else _parsed_nodes(manifest)
    places = TestPlaces(directory, manifest, origins)
    nodes = [*nodes, *_ephemeral_nodes(manifest, executed, {node.unique_id for node in nodes})]
    for node in nodes:
        verdict = _verdict(directory, node, manifest, findings, level, target, origins, places)
        report.nodes.append(_executed(directory, verdict, node.unique_id, executed))
    report.queried = len(executed.queried)
    report.incremental = executed.incremental_checked
    report.nodes.extend(_disabled_models(directory, {node.path for node in report.nodes}, origins))
    report.nodes.sort(key=lambda node: (node.kind, node.name))
    _record(directory, report, catalog)
    report.seconds = time.perf_counter() - started
    return report


def _record(directory: Path, report: ValidationReport, catalog: Catalog | None) -> None:
    """The outcome of each model, written into the project's migration report ("converted" is earned)."""
    models = [(node.path, node) for node in report.nodes if node.kind == "model" and node.path]
    failed = {path: node.message or node.verdict.value for path, node in models if node.verdict in PROBLEMS}
    passed = {path for path, node in models if node.verdict in (Verdict.OK, Verdict.WARN)}
    record_validation(
        directory, report.level.value, report.target, date.today().isoformat(), failed, passed, catalog
    )


def _verdict(
    directory: Path,
    node: NodeResult,
    manifest: dict,
    findings: dict[str, Finding],
    level: Level,
    target: Target,
    origins: dict[str, Origin],
    places: TestPlaces,
) -> NodeVerdict:
    verdict = _STATUS.get(node.status, Verdict.ERROR)
    message = _short(node.message) if verdict != Verdict.OK else None
    kind = "model" if node.resource_type == "model" else "test"
    if kind == "test":
        test = manifest.get("nodes", {}).get(node.unique_id, {})
        path, line, origin = places.place(test)
        if level != Level.BUILD and verdict == Verdict.OK:
            verdict, message = (
                Verdict.NOT_RUN,
                f"not run: --level {level.value} parses and compiles tests, only build runs them",
            )
        elif verdict in {Verdict.FAIL, Verdict.WARN} and message:
            message = f"{_test_subject(test, manifest)}: {message}"
        elif verdict == Verdict.SKIPPED:
            message = "not run: the model it tests failed"
        return NodeVerdict(kind, node.name, path or node.path, verdict, message, line, origin, node.seconds)

    needle, compiled_line = needle_in(message or ""), None
    finding = findings.get(node.unique_id)
    if level == Level.COMPILE and verdict == Verdict.OK:
        parsed = parse_compiled(node.compiled_sql or "", target.dialect)
        finding = parsed if isinstance(parsed, Finding) else None
    if finding is not None and not finding.warning and verdict in {Verdict.OK, Verdict.ERROR}:
        verdict = Verdict.ERROR  # the semantic message names the column and line; the database's may not
        message, needle, compiled_line = finding.message, finding.needle, finding.compiled_line
    elif finding is not None and verdict == Verdict.OK:
        verdict, message = Verdict.WARN, finding.message
    if verdict == Verdict.SKIPPED:
        message = "not run: something it depends on failed"
    line = compiled_line or line_in(directory, node.path, needle)
    origin = origins.get(node.path or "")
    return NodeVerdict(kind, node.name, node.path, verdict, message, line, origin, node.seconds)


def _build(
    directory: Path,
    warehouse: Warehouse,
    catalog: Catalog,
    sample_rows: int,
    arguments: tuple[str, ...],
    on_node: Callable[[str, str], None] | None,
    report: ValidationReport,
) -> tuple[DbtRun, Executed]:
    """Load the sources, `dbt build`, query what dbt did not evaluate, run the incremental branch;
    the warehouse is removed afterwards whatever happens (unless kept)."""
    executed = Executed()
    try:
        loaded = warehouse.load(catalog, sample_rows)
        report.warnings.extend(loaded.warnings)
        report.sample_rows = loaded.rows if sample_rows else {}
        arguments += ("--vars", json.dumps(warehouse.vars)) if warehouse.vars else ()
        run = run_dbt("build", directory, arguments, on_node, env=warehouse.env)
        if run.error is None:
            built = {node.unique_id for node in run.nodes if _STATUS.get(node.status) == Verdict.OK}
            manifest_file = directory / "target" / "manifest.json"
            saved = manifest_file.read_bytes() if manifest_file.is_file() else None
            manifest = json.loads(saved) if saved else {}
            executed = warehouse.execute(manifest, built)
            incremental = incremental_models(manifest, built)
            if incremental:
                checked = check_incremental(
                    warehouse, catalog, sample_rows, incremental,
                    incremental_run(directory, arguments, warehouse.env), lambda: load_manifest(directory),
                    warehouse.target.dialect,
                )  # fmt: skip
                executed.incremental.update(checked.errors)
                executed.incremental_checked = checked.checked
                if saved is not None:
                    manifest_file.write_bytes(saved)  # the report is about the first build's manifest
    finally:
        warehouse.remove()
    report.warehouse = warehouse.where
    report.kept = warehouse.where if warehouse.keep else None
    return run, executed


def _executed(directory: Path, verdict: NodeVerdict, unique_id: str, executed: Executed) -> NodeVerdict:
    """A model dbt built, as querying it found it: an error with the database's message and line."""
    if verdict.verdict != Verdict.OK:
        return verdict
    if unique_id in executed.incremental:
        line = line_in(directory, verdict.path, "is_incremental()")
        return replace(verdict, verdict=Verdict.ERROR, message=executed.incremental[unique_id], line=line)
    failure = executed.failures.get(unique_id)
    if failure is not None:
        message = f"fails when queried: {failure.message}"
        line = next(
            (found for needle in failure.needles if (found := line_in(directory, verdict.path, needle))), None
        )
        return replace(verdict, verdict=Verdict.ERROR, message=message, line=line)
    if unique_id in executed.skipped:
        return replace(verdict, verdict=Verdict.SKIPPED, message="not run: something it depends on failed")
    return verdict


def _ephemeral_nodes(manifest: dict, executed: Executed, reported: set[str]) -> list[NodeResult]:
    """Ephemeral models that were queried: dbt never reports them, the validation must."""
    nodes = manifest.get("nodes", {})
    return [
        NodeResult(
            unique_id,
            nodes[unique_id]["name"],
            "model",
            "success",
            None,
            nodes[unique_id].get("original_file_path"),
            nodes[unique_id].get("compiled_code"),
        )
        for unique_id in (*executed.queried, *executed.skipped)
        if unique_id not in reported and unique_id in nodes
    ]


def _parsed_nodes(manifest: dict) -> list[NodeResult]:
    """`dbt parse` reports no nodes: every model and test in the manifest parsed."""
    return [
        NodeResult(
            unique_id,
            node["name"],
            node["resource_type"],
            "success",
            None,
            node.get("original_file_path"),
            None,
        )
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") in {"model", "test"}
    ]


def _short(message: str | None) -> str | None:
    """dbt's message without the database's list of candidate functions."""
    return re.sub(r"\s*Candidate functions:.*?(?=LINE \d+:|$)", " ", message).strip() if message else message


def _parse_failure(directory: Path, error: str, report: ValidationReport, origins: dict[str, Origin]) -> None:
    """A project dbt cannot parse: point at the model the message names, when it names one."""
    found = re.search(r"\((models/[^)]+\.sql)\)", error)
    if not found:
        report.errors.append(error)
        return
    path = found.group(1)
    jinja_line = re.search(r"\bline (\d+)\b", error)
    line = int(jinja_line.group(1)) if jinja_line else line_in(directory, path, needle_in(error))
    name = Path(path).stem
    report.nodes.append(NodeVerdict("model", name, path, Verdict.ERROR, error, line, origins.get(path)))


def _test_subject(test: dict, manifest: dict) -> str:
    """'unique test on stg_shop__customer.tier', from the test's metadata."""
    model = manifest.get("nodes", {}).get(test.get("attached_node") or "", {}).get("name", "?")
    column = f".{test['column_name']}" if test.get("column_name") else ""
    kind = (test.get("test_metadata") or {}).get("name", "data")
    return f"{kind} test on {model}{column}"


def _disabled_models(directory: Path, seen: set[str | None], origins: dict[str, Origin]) -> list[NodeVerdict]:
    """Models switched off with config(enabled=false): dbt skips them, the report must not."""
    verdicts = []
    for path in sorted((directory / "models").rglob("*.sql")):
        relative = path.relative_to(directory).as_posix()
        if relative in seen:
            continue
        if is_disabled_model(path.read_text(encoding="utf-8", errors="replace")):
            message = "disabled: see the comment in the file"
            verdicts.append(
                NodeVerdict(
                    "model", path.stem, relative, Verdict.DISABLED, message, None, origins.get(relative)
                )
            )
    return verdicts


def _origins(directory: Path) -> dict[str, Origin]:
    """Generated file -> the SQL Server object it came from, read from the migration report."""
    try:
        report = json.loads((directory / "migration_report.json").read_text(encoding="utf-8"))
        return {
            item["path"]: Origin(item["name"], item.get("source"))
            for item in report["objects"]
            if item.get("path")
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _catalog(directory: Path, level: Level) -> Catalog:
    path = directory / SNAPSHOT
    if not path.is_file():
        raise InputError(
            f"{path}: missing; --level {level.value} checks the project against the schema snapshot "
            "that `datamigrate generate` keeps there (regenerate, or use --level compile)"
        )
    try:
        return read_snapshot(path)
    except CatalogFormatError as exc:
        raise InputError(str(exc)) from None


def _check_generated_for(directory: Path, target: Target) -> None:
    """A project runs on the target it was generated for: its models hold that target's SQL and types.

    Raises InputError naming that target and the command that regenerates the project."""
    try:
        report = json.loads((directory / "migration_report.json").read_text(encoding="utf-8"))
        generated_for = report["target"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # not written by datamigrate (or by an older version): dbt will say what it finds
    if not isinstance(generated_for, str) or generated_for == target.name or generated_for not in TARGETS:
        return
    raise InputError(
        f"{directory} was generated for {generated_for}, not {target.name}: validate it with --target "
        f"{generated_for}, or regenerate it for {target.name} with `datamigrate generate "
        f"{directory / SNAPSHOT} -o {directory} --target {target.name}`"
    )


def _profile_output(directory: Path, wanted: str | None) -> tuple[str, Target]:
    """The profile output to run on (its name and target), from the project's profiles.yml."""
    try:
        profiles = yaml.safe_load((directory / "profiles.yml").read_text(encoding="utf-8"))
        profile = next(iter(profiles.values()))
        outputs = profile["outputs"]
        name = wanted or profile["target"]
    except (OSError, yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError):
        return wanted or "duckdb", TARGETS.get(wanted or "duckdb", TARGETS["duckdb"])
    if name not in outputs:
        raise InputError(
            f"{directory}/profiles.yml has no output '{name}'; choose one of {', '.join(outputs)}"
        )
    adapter = str(outputs[name].get("type", name))
    target = next((t for t in TARGETS.values() if t.adapter == adapter), None)
    if target is None:
        raise InputError(
            f"output '{name}' uses the {adapter} adapter; datamigrate validates {', '.join(TARGETS)}"
        )
    return name, target
