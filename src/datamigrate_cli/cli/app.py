"""The command line: parse options, call one library function, render what comes back."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from typer.exceptions import TyperException

from .. import __version__
from ..generate.llm import DEFAULT_MODEL
from ..model.catalog import CatalogFormatError, read_snapshot, write_snapshot
from ..model.errors import DatamigrateError, ExitCode, OutputError, SnapshotError
from ..targets import DEFAULT_TARGET, TARGETS, get_target

app = typer.Typer(
    name="datamigrate",
    help="Migrate Microsoft SQL Server databases to dbt projects, and prove they work by running dbt.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state = {"debug": False}

DdlOption = Annotated[
    list[Path],
    typer.Option("--ddl", help="A .sql script, a folder of scripts, or an SSDT project folder. Repeatable."),
]
TargetOption = Annotated[
    str, typer.Option("--target", "-t", help=f"Warehouse the project is for: {', '.join(TARGETS)}.")
]
_LOOP = "Check and language model"
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Before writing, run dbt compile and the semantic check on the project (seconds, not "
        "milliseconds); a model that fails is written disabled with the error (DM603). Off by default "
        "so generate stays fast; --llm turns it on.",
        rich_help_panel=_LOOP,
    ),
]
LlmOption = Annotated[
    str | None,
    typer.Option(
        "--llm",
        help="Let a language model write the models the rules cannot, and repair models that fail the "
        "check: 'anthropic' (API key from ANTHROPIC_API_KEY only). Sends SQL text and column names and "
        "types, never table data. Implies --check. Without it, generation is deterministic and offline.",
        rich_help_panel=_LOOP,
    ),
]
LlmModelOption = Annotated[
    str | None,
    typer.Option("--llm-model", help=f"The model to ask (default {DEFAULT_MODEL}).", rich_help_panel=_LOOP),
]
MaxRepairsOption = Annotated[
    int | None,
    typer.Option(
        "--max-repairs",
        min=0,
        help="With --llm: how many times one failing model is sent back to be repaired before it is "
        "written disabled (default 2).",
        rich_help_panel=_LOOP,
    ),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"datamigrate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["debug"] = debug


# The source options of `extract`, shared by `assess`.
DdlSource = Annotated[
    list[Path] | None,
    typer.Option("--ddl", help="A .sql script, a folder of scripts, or an SSDT project folder. Repeatable."),
]
ServerSource = Annotated[
    str | None,
    typer.Option(
        help="SQL Server to read: host, host,port or host\\instance.", rich_help_panel="Live server"
    ),
]
DatabaseSource = Annotated[str | None, typer.Option(help="Database to read.", rich_help_panel="Live server")]
UserSource = Annotated[
    str | None,
    typer.Option(
        help="SQL Server login; the password comes from DATAMIGRATE_MSSQL_PASSWORD or a prompt.",
        rich_help_panel="Live server",
    ),
]
TrustedSource = Annotated[
    bool | None,
    typer.Option("--trusted/--no-trusted", help="Windows authentication.", rich_help_panel="Live server"),
]
OdbcSource = Annotated[
    str | None,
    typer.Option(
        help="A raw ODBC connection string (Azure AD and anything else), without the password.",
        rich_help_panel="Live server",
    ),
]
DriverSource = Annotated[
    str | None,
    typer.Option(
        help="ODBC driver (default: ODBC Driver 18 for SQL Server, then 17, then FreeTDS).",
        rich_help_panel="Live server",
    ),
]
EncryptSource = Annotated[
    bool | None,
    typer.Option(
        "--encrypt/--no-encrypt",
        help="Encrypt the connection (default: the driver's).",
        rich_help_panel="Live server",
    ),
]
TrustServerCertificateSource = Annotated[
    bool | None,
    typer.Option(
        "--trust-server-certificate/--no-trust-server-certificate",
        help="Accept the server's certificate without checking it.",
        rich_help_panel="Live server",
    ),
]
TimeoutSource = Annotated[
    int | None, typer.Option(help="Login timeout in seconds (default 15).", rich_help_panel="Live server")
]
IncludeSource = Annotated[
    list[str] | None,
    typer.Option(
        help="Only objects matching this schema.object glob, e.g. 'sales.*'. Repeatable.",
        rich_help_panel="Live server",
    ),
]
ExcludeSource = Annotated[
    list[str] | None,
    typer.Option(
        help="Leave out objects matching this schema.object glob. Repeatable.",
        rich_help_panel="Live server",
    ),
]
ConfigSource = Annotated[
    Path | None,
    typer.Option(
        help="Settings file (default: ./datamigrate.yml when it exists).", rich_help_panel="Live server"
    ),
]


@app.command()
def extract(
    ddl: DdlSource = None,
    server: ServerSource = None,
    database: DatabaseSource = None,
    user: UserSource = None,
    trusted: TrustedSource = None,
    odbc: OdbcSource = None,
    driver: DriverSource = None,
    encrypt: EncryptSource = None,
    trust_server_certificate: TrustServerCertificateSource = None,
    timeout: TimeoutSource = None,
    include: IncludeSource = None,
    exclude: ExcludeSource = None,
    config: ConfigSource = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the snapshot.")] = Path(
        "schema.json"
    ),
) -> None:
    """Read T-SQL scripts, or a live SQL Server, into a schema snapshot (schema.json).

    Example: [bold]datamigrate extract --ddl db/ -o schema.json[/bold]

    Example: [bold]datamigrate extract --server db.example.com,1433 --database retail --user reader[/bold]

    Live-server settings: the command line first, then DATAMIGRATE_MSSQL_<SETTING> environment variables (DATAMIGRATE_MSSQL_SERVER, _DATABASE, _USER, _ODBC, _DRIVER, _TIMEOUT...), then the [bold]mssql:[/bold] section of datamigrate.yml, then the defaults.

    The password is read only from DATAMIGRATE_MSSQL_PASSWORD, or asked for: never from the command line.
    """
    if ddl and (server or odbc):
        raise typer.BadParameter(
            "give one source: --ddl scripts or a server (--server / --odbc)", param_hint="--ddl"
        )
    if ddl:
        _extract_scripts(ddl, output)
        return
    command_line = {
        "server": server, "database": database, "user": user, "trusted": trusted, "odbc": odbc,
        "driver": driver, "encrypt": encrypt, "trust_server_certificate": trust_server_certificate,
        "timeout": timeout, "include": include, "exclude": exclude,
    }  # fmt: skip
    _extract_server(command_line, config, output)


def _read_scripts(ddl: list[Path]):
    from ..extract import extract_scripts

    return _with_file_progress(
        "Reading scripts", lambda tick: extract_scripts(ddl, on_file=tick, freeze=True)
    )


def _extract_scripts(ddl: list[Path], output: Path) -> None:
    catalog, summary = _read_scripts(ddl)
    write_snapshot(catalog, output)
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


def _extract_server(command_line: dict, config: Path | None, output: Path) -> None:
    catalog = _read_server(command_line, config)
    write_snapshot(catalog, output)
    out.print(
        f"Extracted {len(catalog.tables)} tables, {len(catalog.views)} views, {len(catalog.routines)} "
        f"procedures/functions, {len(catalog.triggers)} triggers from {catalog.database} "
        f"({catalog.server_version}) -> [bold]{output}[/bold]",
        highlight=False,
    )
    encrypted = [str(o.name) for o in (*catalog.views, *catalog.routines, *catalog.triggers) if o.encrypted]
    if encrypted:
        out.print(
            f"[yellow]{len(encrypted)} encrypted module(s)[/yellow] kept without their text: {', '.join(encrypted)}"
        )


def _read_server(command_line: dict, config: Path | None):
    from ..extract import PASSWORD_VARIABLE, Secret, extract_server, password_from, resolve_settings

    settings = resolve_settings(command_line, os.environ, config)
    if not settings.server and not settings.odbc:
        raise typer.BadParameter(
            "give a source: --ddl scripts, or a server with --server (or --odbc, DATAMIGRATE_MSSQL_SERVER, "
            "datamigrate.yml)",
            param_hint="--ddl / --server",
        )
    if settings.odbc is None and not settings.trusted and not settings.user:
        raise typer.BadParameter("give --user (SQL Server login) or --trusted (Windows)", param_hint="--user")
    password = password_from(os.environ) if settings.needs_password else None
    if settings.needs_password and password is None:
        if not sys.stdin.isatty():
            raise typer.BadParameter(
                f"no password: set {PASSWORD_VARIABLE} (it is never taken from the command line)",
                param_hint="--user",
            )
        password = Secret(
            typer.prompt(f"Password for {settings.user or 'the login'}", hide_input=True, err=True)
        )

    connected = False

    def progress(name: str, rows: int, seconds: float) -> None:
        nonlocal connected
        if not connected:
            connected = True
            err.print(f"Reading the catalog of {escape(settings.where())}, one query per kind of object")
        err.print(f"  {name:<20} {rows:>7} rows  {seconds:6.2f}s", highlight=False)

    return extract_server(settings, password, on_query=progress)


@app.command()
def generate(
    snapshot: Annotated[Path, typer.Argument(help="The schema.json written by `extract`.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder of the dbt project.")],
    target: TargetOption = DEFAULT_TARGET,
    project_name: Annotated[
        str | None, typer.Option(help="dbt project name (default: the database's).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Plan the project and report, write nothing.")] = False,
    check: CheckOption = False,
    llm: LlmOption = None,
    llm_model: LlmModelOption = None,
    max_repairs: MaxRepairsOption = None,
) -> None:
    """Generate a dbt project from a schema snapshot.

    Example: [bold]datamigrate generate schema.json -o dbt_project/ --target duckdb[/bold]

    Example: [bold]datamigrate generate schema.json -o dbt_project/ --llm anthropic --max-repairs 2[/bold]
    """
    from ..generate import generate as run_generate

    client, max_repairs = _llm_client(llm, llm_model, max_repairs)
    catalog = _read_snapshot(snapshot)
    with _working("Generating the dbt project"):
        result = run_generate(
            catalog, output, target, project_name, dry_run,
            check=check, llm=client, max_repairs=max_repairs,
        )  # fmt: skip
    _print_generate(result)


LevelOption = Annotated[
    str,
    typer.Option(
        "--level",
        help="parse, compile, semantic (checks every column against the snapshot) or build "
        "(creates the source tables and runs dbt build: DuckDB, or PostgreSQL with --target postgres).",
    ),
]
SampleRowsOption = Annotated[
    int,
    typer.Option(
        "--sample-rows",
        min=0,
        help="With --level build: fill each source table with N generated rows that keep its keys, "
        "foreign keys, NOT NULL and CHECK constraints, so joins and tests see data.",
    ),
]


@app.command()
def validate(
    project: Annotated[Path, typer.Argument(help="The dbt project folder.")],
    level: LevelOption = "semantic",
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="The profiles.yml output to run on (default: the project's). postgres reads "
            "DATAMIGRATE_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE.",
        ),
    ] = None,
    sample_rows: SampleRowsOption = 0,
    keep: Annotated[
        bool, typer.Option(help="With --level build: keep the DuckDB file or PostgreSQL schema it built in.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="text or json (json: stdout holds only it).")
    ] = "text",
    junit_xml: Annotated[
        Path | None, typer.Option("--junit-xml", help="Also write a JUnit XML report here, for CI.")
    ] = None,
) -> None:
    """Validate a dbt project with dbt-core, in-process. Exit 0 when clean, 1 when not.

    Example: [bold]datamigrate validate dbt_project/ --level build --sample-rows 50[/bold]
    """

    chosen = _level(level, sample_rows, keep)
    fmt = _choice(output_format, ["text", "json"], "--format")
    report = _validate(project, chosen, target, sample_rows, keep, quiet=fmt == "json")
    _publish(report, fmt, junit_xml)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.PROBLEMS_FOUND)


@app.command()
def migrate(
    ddl: DdlOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder of the dbt project.")],
    target: TargetOption = DEFAULT_TARGET,
    project_name: Annotated[
        str | None, typer.Option(help="dbt project name (default: the database's).")
    ] = None,
    level: LevelOption = "semantic",
    sample_rows: SampleRowsOption = 0,
    check: CheckOption = False,
    llm: LlmOption = None,
    llm_model: LlmModelOption = None,
    max_repairs: MaxRepairsOption = None,
) -> None:
    """Extract, generate and validate in one go; the snapshot is kept in the project folder.

    Example: [bold]datamigrate migrate --ddl northwind.sql -o northwind_dbt/ --level build[/bold]
    """
    from ..generate import generate as run_generate

    chosen = _level(level, sample_rows, keep=False)
    client, max_repairs = _llm_client(llm, llm_model, max_repairs)
    catalog, summary = _read_scripts(ddl)
    out.print(
        f"[bold]extract[/bold]   {len(catalog.tables)} tables, {len(catalog.views)} views, "
        f"{len(catalog.routines)} procedures/functions from {summary.files} file(s); "
        f"{len(catalog.unparsed)} unparsed statement(s)"
    )
    with _working("Generating the dbt project"):
        result = run_generate(
            catalog, output, target, project_name, check=check, llm=client, max_repairs=max_repairs
        )
    _print_generate(result, heading="[bold]generate[/bold]  ")
    report = _validate(output, chosen, None, sample_rows, keep=False, quiet=False)
    _print_validation(report, heading="[bold]validate[/bold]  ", every_model=False)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.PROBLEMS_FOUND)


def _llm_client(provider: str | None, model: str | None, max_repairs: int | None):
    """The language model client and the repairs it may make; the LLM options only with --llm."""
    from ..generate.llm import PROVIDERS, llm_client

    if provider is None:
        for value, option in ((model, "--llm-model"), (max_repairs, "--max-repairs")):
            if value is not None:
                raise typer.BadParameter("only applies with --llm anthropic", param_hint=option)
        return None, 0
    client = llm_client(_choice(provider, list(PROVIDERS), "--llm"), model, os.environ)
    return client, 2 if max_repairs is None else max_repairs


@app.command()
def assess(
    snapshot: Annotated[
        Path | None, typer.Argument(help="A schema.json written by `extract` (or give --ddl / a server).")
    ] = None,
    ddl: DdlSource = None,
    server: ServerSource = None,
    database: DatabaseSource = None,
    user: UserSource = None,
    trusted: TrustedSource = None,
    odbc: OdbcSource = None,
    driver: DriverSource = None,
    encrypt: EncryptSource = None,
    trust_server_certificate: TrustServerCertificateSource = None,
    timeout: TimeoutSource = None,
    include: IncludeSource = None,
    exclude: ExcludeSource = None,
    config: ConfigSource = None,
    target: TargetOption = DEFAULT_TARGET,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also write assessment.md and assessment.json into this folder."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text (a table) or json (stdout holds only the JSON, for CI).")
    ] = "text",
) -> None:
    """Assess a database before migrating: objects by kind, the complexity of each procedure,
    function and trigger, what would convert automatically and what needs review, and an
    estimate of the manual effort in hours. Nothing is generated.

    The source is a snapshot, T-SQL scripts (--ddl) or a live server (the options of `extract`).
    What converts comes from running the real generation pipeline; the hours are an estimate
    from a fixed table, explained in the output.

    Example: [bold]datamigrate assess --ddl db/ --out assessment/[/bold]

    Example: [bold]datamigrate assess schema.json --format json > assessment.json[/bold]
    """
    from ..assess import assess as run_assess
    from ..assess import assessment_json, assessment_markdown

    fmt = _choice(output_format, ["text", "json"], "--format")
    get_target(target)  # an unknown target fails before a server is asked
    command_line = {
        "server": server, "database": database, "user": user, "trusted": trusted, "odbc": odbc,
        "driver": driver, "encrypt": encrypt, "trust_server_certificate": trust_server_certificate,
        "timeout": timeout, "include": include, "exclude": exclude,
    }  # fmt: skip
    given = [
        name
        for name, value in (("a snapshot", snapshot), ("--ddl", ddl), ("a server", server or odbc))
        if value
    ]
    if len(given) > 1:
        raise typer.BadParameter(f"give one source, not {' and '.join(given)}", param_hint="SNAPSHOT / --ddl")
    if snapshot is not None:
        catalog = _read_snapshot(snapshot)
    elif ddl:
        catalog, _ = _read_scripts(ddl)
    else:
        catalog = _read_server(command_line, config)
    with _working("Assessing: running the generation pipeline, writing nothing"):
        assessment = run_assess(catalog, target)
    document = assessment_json(assessment)
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "assessment.md").write_text(assessment_markdown(assessment), encoding="utf-8")
            (out_dir / "assessment.json").write_text(document, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot write the assessment ({exc.strerror})") from None
    if fmt == "json":
        sys.stdout.write(document)
        return
    _print_assessment(assessment, out_dir)


# ------------------------------------------------------------------------- rendering helpers
def _with_file_progress(label: str, work):
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task(label)
        return work(lambda path: progress.update(task, description=f"{label}: {path.name}"))


def _validate(project: Path, level, target: str | None, sample_rows: int, keep: bool, quiet: bool):
    from ..validate import validate_project

    options = {"output": target, "sample_rows": sample_rows, "keep": keep}
    if quiet or not err.is_terminal:
        return validate_project(project, level, **options)
    columns = (SpinnerColumn(), TextColumn("dbt {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(level.value, total=None)

        def finished(name: str, status: str) -> None:
            progress.update(task, advance=1, description=f"{level.value}: {name} {status}")

        return validate_project(project, level, on_node=finished, **options)


def _publish(report, fmt: str, junit_path: Path | None) -> None:
    """The report in the chosen format, plus the CI outputs: JUnit XML and GitHub annotations."""
    from ..validate import github_annotations, junit_xml

    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_validation(report)
    if junit_path is not None:
        try:
            junit_path.parent.mkdir(parents=True, exist_ok=True)
            junit_path.write_text(junit_xml(report), encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{junit_path}: cannot write the JUnit report ({exc.strerror})") from None
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(report):  # stderr: stdout may be holding JSON
            print(line, file=sys.stderr)


def _print_generate(result, heading: str = "") -> None:
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


def _print_assessment(assessment, out_dir: Path | None) -> None:
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


_BAND_STYLE = {"low": "green", "medium": "yellow", "high": "red"}
_SHORT = {
    "loops": "WHILE", "cursors": "cursor", "dynamic_sql": "dynamic SQL", "temp_tables": "#temp",
    "table_variables": "@table", "try_catch": "TRY/CATCH", "transactions": "BEGIN TRAN",
}  # fmt: skip
"""The constructs of the complexity scan, as the terminal table names them."""

_STYLE = {
    "ok": "green",
    "warn": "yellow",
    "error": "red",
    "fail": "red",
    "skipped": "yellow",
    "disabled": "dim",
}


def _print_validation(report, heading: str = "", every_model: bool = True) -> None:
    """A table of the models (or only of those with a problem) and of the tests that did not pass."""
    table = Table(title=f"dbt {report.level.value} on {report.target}: {report.project}", show_lines=False)
    for name in ("kind", "name", "status", "time", "where", "message"):
        table.add_column(name, overflow="fold" if name == "message" else None)
    for node in report.nodes:
        if node.verdict.value == "ok" and (node.kind == "test" or not every_model):
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
    out.print(
        f"{heading}{report.level.value} {verdict} on {report.target}: "
        f"models {models['ok']} ok, {models['warn']} warn, {models['error']} error, {models['skipped']} skipped, "
        f"{models['disabled']} disabled; tests {tests['ok']} ok, {tests['fail']} fail, {tests['error']} error"
        f"{rows} in {report.seconds:.1f}s"
    )
    if report.kept:
        out.print(f"Kept the build's warehouse: {report.kept}")


def _read_snapshot(path: Path):
    if not path.is_file():
        raise SnapshotError(f"{path}: no such snapshot; run `datamigrate extract --ddl ... -o {path}` first")
    try:
        return read_snapshot(path)
    except CatalogFormatError as exc:
        raise SnapshotError(str(exc)) from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{path}: not a text file; pass the schema.json written by `extract`") from None


def _level(value: str, sample_rows: int, keep: bool):
    from ..validate import Level

    level = Level(_choice(value, [lv.value for lv in Level], "--level"))
    for option, given in (("--sample-rows", sample_rows), ("--keep", keep)):
        if given and level != Level.BUILD:
            raise typer.BadParameter(f"only applies to --level build, not {level.value}", param_hint=option)
    return level


def _choice(value: str, allowed: list[str], option: str) -> str:
    import difflib

    if value.lower() in allowed:
        return value.lower()
    close = difflib.get_close_matches(value.lower(), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise typer.BadParameter(
        f"'{value}' is not one of {', '.join(allowed)}; {hint}".rstrip("; "), param_hint=option
    )


@contextmanager
def _working(message: str) -> Iterator[None]:
    """A status line on stderr while the generation pipeline runs, gone when it ends.

    Drawn once, not animated: rich animates with a thread, and while another thread runs,
    generation does not fork the second process that halves its time (see background.py).
    """
    with Live(f"{message}...", console=err, auto_refresh=False, transient=True):
        yield


def main() -> None:
    """Entry point: run the app, turning our errors into one line on stderr and an exit code."""
    try:
        code = app(standalone_mode=False)  # click returns a typer.Exit's code instead of raising it
    except DatamigrateError as exc:
        _fail(exc, f"error: {exc.message}", exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except TyperException as exc:  # bad usage: unknown option, missing argument
        exc.show(file=sys.stderr)
        sys.exit(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        _fail(exc, f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 70)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(exc: BaseException, message: str, code: int) -> None:
    if _state["debug"]:
        err.print_exception()
    err.print(message, markup=False, highlight=False)
    sys.exit(int(code))
