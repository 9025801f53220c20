"""The command line: parse options, call one library function, render what comes back."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..migrate import MigrateEvent, ProjectGenerated
from ..model.catalog import Catalog, CatalogFormatError, read_snapshot, write_snapshot
from ..model.errors import ExitCode, OutputError, SnapshotError
from ..project.place import check_output_folder, check_snapshot_path
from ..targets import DEFAULT_TARGET, get_target
from ..version import __version__
from . import console
from .console import err, out, working
from .options import (
    NO_SERVER,
    CheckOption,
    DdlOption,
    DdlSource,
    LevelOption,
    LiveServer,
    LlmModelOption,
    LlmOption,
    MaxRepairsOption,
    OutputFolder,
    ProjectNameOption,
    SampleRowsOption,
    TargetOption,
    choice,
    language_model,
    live_server_options,
    validation_level,
)
from .render import (
    GENERATING,
    READING_SCRIPTS,
    MigrateDisplay,
    print_assessment,
    print_cleanup,
    print_generate,
    print_scripts_extracted,
    print_server_extracted,
    publish_validation,
)

if TYPE_CHECKING:
    from ..extract import ExtractSummary

app = typer.Typer(
    name="datamigrate",
    help="Migrate Microsoft SQL Server databases to dbt projects, and prove they work by running dbt.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


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
    console.show_tracebacks(debug)


@app.command()
@live_server_options
def extract(
    ddl: DdlSource = None,
    live_server: LiveServer = NO_SERVER,
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
    if ddl and live_server.given:
        raise typer.BadParameter(
            "give one source: --ddl scripts or a server (--server / --odbc)", param_hint="--ddl"
        )
    check_snapshot_path(output)
    console.on_interrupt(f"{output} is as it was before this run")
    if ddl:
        catalog, summary = _read_scripts(ddl)
        _write_snapshot(catalog, output)
        print_scripts_extracted(catalog, summary, output)
        return
    catalog = _read_server(live_server)
    _write_snapshot(catalog, output)
    print_server_extracted(catalog, output)


def _write_snapshot(catalog: Catalog, output: Path) -> None:
    try:
        write_snapshot(catalog, output)
    except OSError as exc:
        raise OutputError(
            f"{output}: cannot write the snapshot ({exc.strerror}); choose another path"
        ) from None


@app.command()
def generate(
    snapshot: Annotated[Path, typer.Argument(help="The schema.json written by `extract`.")],
    output: OutputFolder,
    target: TargetOption = DEFAULT_TARGET,
    project_name: ProjectNameOption = None,
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

    client, max_repairs = language_model(llm, llm_model, max_repairs)
    if not dry_run:
        check_output_folder(output)  # the output folder's rules, and another run's lock, before any work
    console.on_interrupt(f"{output} is as it was before this run")
    catalog = _read_snapshot(snapshot)
    with working(f"{GENERATING}: {_sizes(catalog)}"):
        result = run_generate(
            catalog, output, target, project_name, dry_run,
            check=check, llm=client, max_repairs=max_repairs,
        )  # fmt: skip
    print_generate(result)


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
    cleanup: Annotated[
        bool,
        typer.Option(
            "--cleanup",
            help="Validate nothing: list this project's throwaway DuckDB files and PostgreSQL schemas "
            "(with --target postgres, or when it is the project's default) left by killed builds, and "
            "drop those whose run has ended.",
        ),
    ] = False,
) -> None:
    """Validate a dbt project with dbt-core, in-process. Exit 0 when clean, 1 when not.

    Example: [bold]datamigrate validate dbt_project/ --level build --sample-rows 50[/bold]

    Example: [bold]datamigrate validate dbt_project/ --cleanup --target postgres[/bold]
    """
    from ..validate import validate_project

    fmt = choice(output_format, ["text", "json"], "--format")
    if cleanup:
        from ..validate.cleanup import cleanup as run_cleanup

        console.on_interrupt(
            f"the project {project} is unchanged; what was dropped is listed by the next --cleanup"
        )
        print_cleanup(run_cleanup(project, target), fmt)
        return
    chosen = validation_level(level, sample_rows, keep)
    console.on_interrupt(
        f"the project {project} is unchanged; the throwaway warehouse of a build was removed"
    )
    with console.dbt_progress(chosen, shown=fmt != "json") as on_node:
        report = validate_project(
            project, chosen, output=target, sample_rows=sample_rows, keep=keep, on_node=on_node
        )
    publish_validation(report, fmt, junit_xml)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.PROBLEMS_FOUND)


@app.command()
def migrate(
    ddl: DdlOption,
    output: OutputFolder,
    target: TargetOption = DEFAULT_TARGET,
    project_name: ProjectNameOption = None,
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
    from ..migrate import migrate as run_migrate

    chosen = validation_level(level, sample_rows, keep=False)
    client, max_repairs = language_model(llm, llm_model, max_repairs)
    check_output_folder(output)  # the output folder's rules, and another run's lock, before any work
    console.on_interrupt(f"{output} is as it was before this run")

    def on_stage(event: MigrateEvent) -> None:
        if isinstance(event, ProjectGenerated):
            console.on_interrupt(f"{output} holds the new project, complete; its validation did not finish")
        display.on_stage(event)

    with MigrateDisplay(chosen) as display:
        result = run_migrate(
            ddl, output, target, project_name, chosen,
            sample_rows=sample_rows, check=check, llm=client, max_repairs=max_repairs, freeze=True,
            on_stage=on_stage, on_file=display.on_file,
            on_node=display.on_node if display.follows_nodes else None,
        )  # fmt: skip
    raise typer.Exit(ExitCode.OK if result.ok else ExitCode.PROBLEMS_FOUND)


@app.command()
@live_server_options
def assess(
    snapshot: Annotated[
        Path | None, typer.Argument(help="A schema.json written by `extract` (or give --ddl / a server).")
    ] = None,
    ddl: DdlSource = None,
    live_server: LiveServer = NO_SERVER,
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

    fmt = choice(output_format, ["text", "json"], "--format")
    console.on_interrupt("nothing was written")
    get_target(target)  # an unknown target fails before a server is asked
    sources = (("a snapshot", snapshot), ("--ddl", ddl), ("a server", live_server.given))
    given = [name for name, value in sources if value]
    if len(given) > 1:
        raise typer.BadParameter(f"give one source, not {' and '.join(given)}", param_hint="SNAPSHOT / --ddl")
    if snapshot is not None:
        catalog = _read_snapshot(snapshot)
    elif ddl:
        catalog, _ = _read_scripts(ddl)
    else:
        catalog = _read_server(live_server)
    with working("Assessing: running the generation pipeline, writing nothing"):
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
    print_assessment(assessment, out_dir)


def main() -> None:
    """Entry point of `datamigrate` and `python -m datamigrate_cli`: run the app, turning our errors
    into one line on stderr and an exit code."""
    console.run(app)


# ------------------------------------------------------------------------- reading the sources
def _read_scripts(ddl: list[Path]) -> tuple[Catalog, ExtractSummary]:
    from ..extract import extract_scripts

    with console.file_progress(READING_SCRIPTS) as on_file:
        return extract_scripts(ddl, on_file=on_file, freeze=True)


def _read_server(live_server: LiveServer) -> Catalog:
    """The catalog of the server the options, the environment and datamigrate.yml name; asks for the
    password on a terminal when the environment has none."""
    from ..extract import PASSWORD_VARIABLE, Secret, extract_server, password_from, resolve_settings

    settings = resolve_settings(live_server.command_line(), os.environ, live_server.config)
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


def _read_snapshot(path: Path) -> Catalog:
    if not path.is_file():
        raise SnapshotError(f"{path}: no such snapshot; run `datamigrate extract --ddl ... -o {path}` first")
    size = path.stat().st_size
    try:
        with working(
            f"Reading the snapshot ({size / 1_000_000:,.0f} MB)"
            if size > 10_000_000
            else "Reading the snapshot"
        ):
            return read_snapshot(path)
    except CatalogFormatError as exc:
        raise SnapshotError(str(exc)) from None


def _sizes(catalog: Catalog) -> str:
    return (
        f"{len(catalog.tables):,} tables, {len(catalog.views):,} views, "
        f"{len(catalog.routines):,} procedures and functions"
    )
