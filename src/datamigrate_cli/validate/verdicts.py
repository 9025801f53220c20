"""The validation report, and its renderings for CI: JSON, JUnit XML, GitHub annotations."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from xml.etree import ElementTree

REPORT_VERSION = 2


class Level(StrEnum):
    PARSE = "parse"
    COMPILE = "compile"
    SEMANTIC = "semantic"
    BUILD = "build"


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"
    FAIL = "fail"
    """A data test that ran and found rows it should not have."""
    SKIPPED = "skipped"
    """Not run because something it depends on failed."""
    DISABLED = "disabled"
    NOT_RUN = "not run"
    """A data test below the build level: dbt parsed or compiled it, nothing ran it."""


PROBLEMS = {Verdict.ERROR, Verdict.FAIL}
_NOT_RUN = {Verdict.SKIPPED, Verdict.DISABLED, Verdict.NOT_RUN}
"""Verdicts JUnit records as <skipped/>."""


@dataclass(frozen=True)
class Origin:
    """The SQL Server object a generated file came from."""

    name: str
    source: str | None = None
    """file:line of its definition, when it came from a script."""

    def __str__(self) -> str:
        return f"{self.name} ({self.source})" if self.source else self.name


@dataclass(frozen=True)
class NodeVerdict:
    kind: str
    """model or test."""
    name: str
    path: str | None
    verdict: Verdict
    message: str | None = None
    line: int | None = None
    origin: Origin | None = None
    seconds: float = 0.0


@dataclass
class ValidationReport:
    project: str
    level: Level
    target: str
    checked_by: str = "dbt"
    parsed: bool = False
    nodes: list[NodeVerdict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Problems not tied to one model or test."""
    warnings: list[str] = field(default_factory=list)
    sample_rows: dict[str, int] = field(default_factory=dict)
    warehouse: str | None = None
    """Where a build ran: the DuckDB file or the PostgreSQL schema (removed afterwards unless kept)."""
    kept: str | None = None
    """With --keep: the DuckDB file or PostgreSQL schema the build ran in."""
    queried: int = 0
    """At build level: how many views and ephemeral models were queried after the build."""
    incremental: int = 0
    """At build level: how many incremental models also ran their is_incremental() branch."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.parsed and not self.errors and all(node.verdict not in PROBLEMS for node in self.nodes)

    def count(self, kind: str, verdict: Verdict) -> int:
        return sum(node.kind == kind and node.verdict == verdict for node in self.nodes)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {verdict.value: self.count(kind, verdict) for verdict in Verdict}
            | {"total": sum(node.kind == kind for node in self.nodes)}
            for kind in ("model", "test")
        }

    def to_json(self) -> dict:
        """The `--format json` document; its schema is described in docs/validation-report.md."""
        return {
            "report_version": REPORT_VERSION,
            "project": self.project,
            "level": self.level.value,
            "target": self.target,
            "checked_by": self.checked_by,
            "ok": self.ok,
            "parsed": self.parsed,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
            "errors": self.errors,
            "warnings": self.warnings,
            "sample_rows": self.sample_rows,
            "warehouse": self.warehouse,
            "kept": self.kept,
            "queried": self.queried,
            "incremental": self.incremental,
            "nodes": [
                {
                    "kind": node.kind,
                    "name": node.name,
                    "path": node.path,
                    "line": node.line,
                    "verdict": node.verdict.value,
                    "message": node.message,
                    "origin": None
                    if node.origin is None
                    else {"name": node.origin.name, "source": node.origin.source},
                    "seconds": round(node.seconds, 3),
                }
                for node in self.nodes
            ],
        }


def junit_xml(report: ValidationReport) -> str:
    """JUnit XML: one test case per model and per data test, one for project-level errors."""
    suite = ElementTree.Element(
        "testsuite",
        name=f"datamigrate validate --level {report.level.value} ({report.target})",
        tests=str(len(report.nodes) + bool(report.errors)),
        failures=str(sum(node.verdict == Verdict.FAIL for node in report.nodes)),
        errors=str(sum(node.verdict == Verdict.ERROR for node in report.nodes) + bool(report.errors)),
        skipped=str(sum(node.verdict in _NOT_RUN for node in report.nodes)),
        time=f"{report.seconds:.3f}",
    )
    for node in report.nodes:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"{node.kind}.{node.path or node.name}",
            name=node.name,
            time=f"{node.seconds:.3f}",
        )
        if node.path:
            case.set("file", node.path)
        if node.line:
            case.set("line", str(node.line))
        text = _where(node)
        if node.verdict == Verdict.FAIL:
            ElementTree.SubElement(case, "failure", message=node.message or "failed").text = text
        elif node.verdict == Verdict.ERROR:
            ElementTree.SubElement(case, "error", message=node.message or "error").text = text
        elif node.verdict in _NOT_RUN:
            ElementTree.SubElement(case, "skipped", message=node.message or node.verdict.value)
    if report.errors:
        case = ElementTree.SubElement(suite, "testcase", classname="project", name="dbt project")
        for problem in report.errors:
            ElementTree.SubElement(case, "error", message=problem)
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
    )


def github_annotations(report: ValidationReport) -> list[str]:
    """`::error` workflow commands: one at the generated file (its path from the working directory),
    one at the SQL Server object's file as the snapshot records it (relative to the --ddl path)."""
    lines = []
    for node in report.nodes:
        if node.verdict not in PROBLEMS:
            continue
        title = f"datamigrate {node.kind} {node.name} {node.verdict.value}"
        message = node.message or node.verdict.value
        if node.path:
            lines.append(_command(_from_here(report.project, node.path), node.line, title, message))
        if node.origin and node.origin.source:
            file, _, line = node.origin.source.rpartition(":")
            lines.append(
                _command(
                    file, int(line) if line.isdigit() else None, title, f"{node.path or node.name}: {message}"
                )
            )
    for problem in report.errors:
        lines.append(f"::error title=datamigrate validate::{_escape(problem)}")
    return lines


def _from_here(project: str, path: str) -> str:
    """A project file's path from the working directory (the repository root, in a workflow)."""
    full = Path(project) / path
    if full.is_absolute() and full.is_relative_to(Path.cwd()):
        full = full.relative_to(Path.cwd())
    return full.as_posix()


def _command(file: str, line: int | None, title: str, message: str) -> str:
    where = f"file={_escape_property(file)}" + (f",line={line}" if line else "")
    return f"::error {where},title={_escape_property(title)}::{_escape(message)}"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def _where(node: NodeVerdict) -> str:
    place = f"{node.path}:{node.line}" if node.path and node.line else node.path or node.name
    origin = f"\nfrom {node.origin}" if node.origin else ""
    return f"{place}: {node.message or node.verdict.value}{origin}"
