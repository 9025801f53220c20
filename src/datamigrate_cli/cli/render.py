"""What the commands show: the extraction lines, the generate summary, the assessment, the validation
report (with its CI outputs), and `migrate` as it goes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from ..migrate import ProjectGenerated, ProjectValidated, ScriptsRead, Stage, StageStarted
from ..model.errors import OutputError
from .console import dbt_progress, err, file_progress, out, working

if TYPE_CHECKING:
    from ..assess import Assessment
    from ..extract import ExtractSummary
    from ..generate import GenerateResult
    from ..migrate import MigrateEvent
    from ..model.catalog import Catalog, Routine, Trigger, View
    from ..validate import Level, ValidationReport
    from ..validate.cleanup import CleanupReport

READING_SCRIPTS = "Reading scripts"
GENERATING = "Generating the dbt project"


def print_scripts_extracted(catalog: Catalog, summary: ExtractSummary, output: Path) -> None:
    """What `extract --ddl` read, and what it could not."""
    out.print(
        f"Extracted {len(catalog.tables)} tables, {len(catalog.views)} views, {len(catalog.routines)} "
        f"procedures/functions, {len(catalog.triggers)} triggers from {summary.files} file(s), "
        f"{summary.statements} statements -> [bold]{output}[/bold]"
    )
    if catalog.unparsed:
        out.print(
            f"[yellow]{len(catalog.unparsed)} statement(s) could not be read[/yellow]: "
            f"listed under 'unparsed' in {output} and in the migration report."
        )
    if summary.empty_files:
        out.print(
            f"[yellow]{len(summary.empty_files)} empty file(s) skipped[/yellow]: {', '.join(summary.empty_files[:5])}"
            + (" ..." if len(summary.empty_files) > 5 else ""),
            highlight=False,
        )
    if not summary.statements:
        out.print(
            "[yellow]warning: no statements[/yellow]: the scripts hold only comments, GO lines or nothing; "
            "the snapshot is empty. Pass the scripts that create the tables and views.",
            highlight=False,
        )


def print_server_extracted(catalog: Catalog, output: Path) -> None:
    """What `extract --server` read, and the modules whose text the server keeps encrypted."""
    out.print(
        f"Extracted {len(catalog.tables)} tables, {len(catalog.views)} views, {len(catalog.routines)} "
        f"procedures/functions, {len(catalog.triggers)} triggers from {catalog.database} "
        f"({catalog.server_version}) -> [bold]{output}[/bold]",
        highlight=False,
    )
    modules: tuple[View | Routine | Trigger, ...] = (*catalog.views, *catalog.routines, *catalog.triggers)
    encrypted = [str(o.name) for o in modules if o.encrypted]
    if encrypted:
        out.print(
            f"[yellow]{len(encrypted)} encrypted module(s)[/yellow] kept without their text: {', '.join(encrypted)}"
        )


def print_generate(result: GenerateResult, heading: str = "") -> None:
    """The generate summary: files written (or planned) and the objects by status."""
    counts = result.summary
    action = "Planned" if result.write is None else "Wrote"
    out.print(
        f"{heading}{action} {result.files} files in [bold]{result.directory}[/bold]: "
        f"{counts['converted']} converted, {counts['converted with warnings']} with warnings, "
        f"{counts['needs review']} need review (see migration_report.md)"
    )
    if result.write and result.write.kept_edited:
        out.print(
            f"[yellow]Kept {len(result.write.kept_edited)} file(s) you edited[/yellow]; "
            "the new versions are beside them as <file>.new"
        )


_BAND_STYLE = {"low": "green", "medium": "yellow", "high": "red"}
_SHORT = {
    "loops": "WHILE", "cursors": "cursor", "dynamic_sql": "dynamic SQL", "temp_tables": "#temp",
    "table_variables": "@table", "try_catch": "TRY/CATCH", "transactions": "BEGIN TRAN",
}  # fmt: skip
"""The constructs of the complexity scan, as the terminal table names them."""


def print_assessment(assessment: Assessment, out_dir: Path | None) -> None:
    """The assessment as text: objects, what would convert, the routines by complexity, the hours."""
    from ..assess import EFFORT_METHOD, SCORE_METHOD

    counts = ", ".join(f"{kind} {count}" for kind, count in assessment.counts.items() if count)
    out.print(f"[bold]Objects[/bold]: {counts or 'none'}", highlight=False)
    status = assessment.status_counts()
    out.print(
        f"[bold]Would convert[/bold]: {status['converted']} converted, {status['converted with warnings']} with "
        f"warnings, {status['needs review']} need review (by the rules of `generate`)",
        highlight=False,
    )
    if assessment.routines:
        table = Table(title="Procedures, functions and triggers by complexity")
        for name in ("routine", "kind", "stmts", "lines", "constructs", "score", "band", "status", "hours"):
            table.add_column(name, overflow="fold")
        for r in assessment.routines:
            found = ", ".join(
                f"{_SHORT[c]} {getattr(r.complexity, c)}" for c in _SHORT if getattr(r.complexity, c)
            )
            table.add_row(
                escape(r.name), r.kind, str(r.complexity.statements), str(r.complexity.lines), found,
                str(r.complexity.score), f"[{_BAND_STYLE[r.complexity.band]}]{r.complexity.band}[/]", r.status.value,
                f"{r.hours:g}",
            )  # fmt: skip
        out.print(table)
        out.print(f"[dim]{SCORE_METHOD}[/dim]", highlight=False)
    out.print(f"[bold]Estimated manual effort: {assessment.hours:g} hours[/bold]", highlight=False)
    for line in assessment.effort:
        out.print(
            f"  {line.rule}: {line.objects} x {line.hours_each:g} h = {line.hours:g} h", highlight=False
        )
    out.print(f"[dim]{EFFORT_METHOD}[/dim]", highlight=False)
    if out_dir is not None:
        out.print(f"Wrote {out_dir / 'assessment.md'} and {out_dir / 'assessment.json'}", highlight=False)


_STYLE = {
    "ok": "green",
    "warn": "yellow",
    "error": "red",
    "fail": "red",
    "skipped": "yellow",
    "disabled": "dim",
    "not run": "dim",
}


def print_validation(report: ValidationReport, heading: str = "", every_model: bool = True) -> None:
    """A table of the models (or only of those with a problem) and of the tests that did not pass."""
    table = Table(title=f"dbt {report.level.value} on {report.target}: {report.project}", show_lines=False)
    for name in ("kind", "name", "status", "time", "where", "message"):
        # None: the cell's own overflow (rich's Column takes it, though add_column's annotation has no None)
        table.add_column(name, overflow="fold" if name == "message" else None)  # type: ignore[arg-type]
    for node in report.nodes:
        if node.verdict.value in {"ok", "not run"} and (node.kind == "test" or not every_model):
            continue  # counted in the summary line
        verdict = node.verdict.value
        where = f"{node.path}:{node.line}" if node.path and node.line else node.path or ""
        origin = f" (from {node.origin})" if node.origin and node.message else ""
        table.add_row(
            node.kind, escape(node.name), f"[{_STYLE[verdict]}]{verdict}[/]", f"{node.seconds:.2f}s",
            escape(where), escape((node.message or "") + origin),
        )  # fmt: skip
    if table.row_count:
        out.print(table)
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    counts = report.summary()
    models, tests = counts["model"], counts["test"]
    verdict = "[green]passed[/green]" if report.ok else "[red]failed[/red]"
    if report.checked_by != "dbt":
        verdict += f" ({report.checked_by} only, not dbt)"
    rows = f", {sum(report.sample_rows.values())} sample rows" if report.sample_rows else ""
    built = report.level.value == "build"
    queried = f" ({report.queried} queried)" if built else ""
    if built and report.incremental:
        queried = f" ({report.queried} queried, {report.incremental} incremental run twice)"
    ran = (
        f"tests {tests['ok']} ok, {tests['fail']} fail, {tests['error']} error"
        if built
        else f"tests {tests['not run']} not run (only build runs them), {tests['error']} error"
    )
    out.print(
        f"{heading}{report.level.value} {verdict} on {report.target}: "
        f"models {models['ok']} ok{queried}, {models['warn']} warn, {models['error']} error, {models['skipped']} skipped, "
        f"{models['disabled']} disabled; {ran}{rows} in {report.seconds:.1f}s"
    )
    if report.kept:
        out.print(f"Kept the build's warehouse: {report.kept}")


def publish_validation(report: ValidationReport, fmt: str, junit_path: Path | None) -> None:
    """The report in the chosen format, plus the CI outputs: JUnit XML and GitHub annotations."""
    from ..validate import github_annotations, junit_xml

    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        print_validation(report)
    if junit_path is not None:
        try:
            junit_path.parent.mkdir(parents=True, exist_ok=True)
            junit_path.write_text(junit_xml(report), encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{junit_path}: cannot write the JUnit report ({exc.strerror})") from None
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(report):  # stderr: stdout may be holding JSON
            print(line, file=sys.stderr)


class MigrateDisplay:
    """`migrate` as it goes: each stage's progress on stderr while it runs, its line on stdout when it ends.

    Use it as a context manager around the run, so that an error mid-stage also takes its progress down.
    """

    def __init__(self, level: Level) -> None:
        self._level = level
        self._running = ExitStack()
        self._on_file: Callable[[Path], None] | None = None
        self._on_node: Callable[[str, str], None] | None = None

    def __enter__(self) -> MigrateDisplay:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._end_stage()

    def _end_stage(self) -> None:
        self._running.close()
        self._on_file = self._on_node = None

    @property
    def follows_nodes(self) -> bool:
        """Whether the validate stage has a progress bar to follow (stderr is a terminal)."""
        return err.is_terminal

    def on_stage(self, event: MigrateEvent) -> None:
        """Start the progress of a stage that starts; end it, and print the stage's line, when it ends."""
        match event:
            case StageStarted(stage=Stage.EXTRACT):
                self._on_file = self._running.enter_context(file_progress(READING_SCRIPTS))
            case StageStarted(stage=Stage.GENERATE):
                self._running.enter_context(working(GENERATING))
            case StageStarted(stage=Stage.VALIDATE):
                self._on_node = self._running.enter_context(dbt_progress(self._level, shown=True))
            case ScriptsRead(catalog=catalog, summary=summary):
                self._end_stage()
                out.print(
                    f"[bold]extract[/bold]   {len(catalog.tables)} tables, {len(catalog.views)} views, "
                    f"{len(catalog.routines)} procedures/functions from {summary.files} file(s); "
                    f"{len(catalog.unparsed)} unparsed statement(s)"
                )
            case ProjectGenerated(result=result):
                self._end_stage()
                print_generate(result, heading="[bold]generate[/bold]  ")
            case ProjectValidated(report=report):
                self._end_stage()
                print_validation(report, heading="[bold]validate[/bold]  ", every_model=False)

    def on_file(self, path: Path) -> None:
        """Name the script being read."""
        if self._on_file is not None:
            self._on_file(path)

    def on_node(self, name: str, status: str) -> None:
        """Advance the bar by a dbt node that finished."""
        if self._on_node is not None:
            self._on_node(name, status)


def print_cleanup(report: CleanupReport, fmt: str) -> None:
    """What `validate --cleanup` found and dropped: JSON on stdout, or one line each."""
    if fmt == "json":
        sys.stdout.write(report.to_json())
        return
    for leftover in report.leftovers:
        done = "dropped" if leftover.dropped else "kept"
        out.print(f"{done} {leftover.kind} {leftover.name}: {leftover.reason}", markup=False, highlight=False)
    kept = len(report.leftovers) - report.dropped
    out.print(
        f"Dropped {report.dropped} stale validation warehouse(s) of {report.project}; kept {kept}.",
        markup=False,
        highlight=False,
    )
