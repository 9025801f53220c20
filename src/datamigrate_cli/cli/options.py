"""The options that several commands share, declared once, and the checks that turn option values into
library arguments (with a usage error, exit code 2, for a bad one)."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

import typer

from ..generate.llm import DEFAULT_MODEL
from ..targets import TARGETS

if TYPE_CHECKING:
    from ..generate.llm import LLMClient
    from ..validate import Level

_DDL_HELP = "A .sql script, a folder of scripts, or an SSDT project folder. Repeatable."
DdlOption = Annotated[list[Path], typer.Option("--ddl", help=_DDL_HELP)]
"""The scripts to read, required (`migrate`)."""
DdlSource = Annotated[list[Path] | None, typer.Option("--ddl", help=_DDL_HELP)]
"""The scripts to read, when they are one source among others (`extract`, `assess`)."""

TargetOption = Annotated[
    str, typer.Option("--target", "-t", help=f"Warehouse the project is for: {', '.join(TARGETS)}.")
]
OutputFolder = Annotated[Path, typer.Option("--output", "-o", help="Folder of the dbt project.")]
ProjectNameOption = Annotated[str | None, typer.Option(help="dbt project name (default: the database's).")]

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

_SERVER = "Live server"


@dataclasses.dataclass(frozen=True)
class LiveServer:
    """The live-server options of `extract` and `assess`, as given on the command line (None: not given).

    A command takes them as one parameter of this type, declared with @live_server_options; each
    field's annotation is the option's declaration, so the options are defined here and only here.
    """

    server: Annotated[
        str | None,
        typer.Option(help="SQL Server to read: host, host,port or host\\instance.", rich_help_panel=_SERVER),
    ] = None
    database: Annotated[str | None, typer.Option(help="Database to read.", rich_help_panel=_SERVER)] = None
    user: Annotated[
        str | None,
        typer.Option(
            help="SQL Server login; the password comes from DATAMIGRATE_MSSQL_PASSWORD or a prompt.",
            rich_help_panel=_SERVER,
        ),
    ] = None
    trusted: Annotated[
        bool | None,
        typer.Option("--trusted/--no-trusted", help="Windows authentication.", rich_help_panel=_SERVER),
    ] = None
    odbc: Annotated[
        str | None,
        typer.Option(
            help="A raw ODBC connection string (Azure AD and anything else), without the password.",
            rich_help_panel=_SERVER,
        ),
    ] = None
    driver: Annotated[
        str | None,
        typer.Option(
            help="ODBC driver (default: ODBC Driver 18 for SQL Server, then 17, then FreeTDS).",
            rich_help_panel=_SERVER,
        ),
    ] = None
    encrypt: Annotated[
        bool | None,
        typer.Option(
            "--encrypt/--no-encrypt",
            help="Encrypt the connection (default: the driver's).",
            rich_help_panel=_SERVER,
        ),
    ] = None
    trust_server_certificate: Annotated[
        bool | None,
        typer.Option(
            "--trust-server-certificate/--no-trust-server-certificate",
            help="Accept the server's certificate without checking it.",
            rich_help_panel=_SERVER,
        ),
    ] = None
    timeout: Annotated[
        int | None, typer.Option(help="Login timeout in seconds (default 15).", rich_help_panel=_SERVER)
    ] = None
    include: Annotated[
        list[str] | None,
        typer.Option(
            help="Only objects matching this schema.object glob, e.g. 'sales.*'. Repeatable.",
            rich_help_panel=_SERVER,
        ),
    ] = None
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="Leave out objects matching this schema.object glob. Repeatable.", rich_help_panel=_SERVER
        ),
    ] = None
    config: Annotated[
        Path | None,
        typer.Option(
            help="Settings file (default: ./datamigrate.yml when it exists).", rich_help_panel=_SERVER
        ),
    ] = None

    @property
    def given(self) -> bool:
        """Whether a server was named on the command line (--server or --odbc)."""
        return bool(self.server or self.odbc)

    def command_line(self) -> dict[str, Any]:
        """The settings as `resolve_settings` takes them: every option but the settings file."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "config"
        }


NO_SERVER = LiveServer()
"""No live-server option given: the default of a LiveServer parameter (the options replace it)."""


Command = TypeVar("Command", bound=Callable[..., None])


def live_server_options(command: Command) -> Command:
    """Give `command` the live-server options in place of its one parameter of type LiveServer.

    Typer builds a command's options from its signature, so the wrapper shows Typer the fields of
    LiveServer where that parameter was (the options keep their place in --help) and hands the
    command the LiveServer they make.
    """
    hints = get_type_hints(command, include_extras=True)
    [grouped] = [name for name, hint in hints.items() if hint is LiveServer]
    server_hints = get_type_hints(LiveServer, include_extras=True)
    server_fields = [field.name for field in dataclasses.fields(LiveServer)]
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(command).parameters.values():
        if parameter.name == grouped:
            parameters += [_keyword(name, server_hints[name], None) for name in server_fields]
        else:
            parameters.append(_keyword(parameter.name, hints[parameter.name], parameter.default))

    @functools.wraps(command)
    def with_live_server(**options: Any) -> None:
        server = LiveServer(**{name: options.pop(name) for name in server_fields})
        command(**options, **{grouped: server})

    with_live_server.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    with_live_server.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return with_live_server  # type: ignore[return-value]


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def choice(value: str, allowed: list[str], option: str) -> str:
    """`value` in lower case when it is one of `allowed`; else a usage error that suggests the closest."""
    if value.lower() in allowed:
        return value.lower()
    close = difflib.get_close_matches(value.lower(), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise typer.BadParameter(
        f"'{value}' is not one of {', '.join(allowed)}; {hint}".rstrip("; "), param_hint=option
    )


def validation_level(value: str, sample_rows: int, keep: bool) -> Level:
    """The --level asked for; --sample-rows and --keep are usage errors below --level build."""
    from ..validate import Level

    level = Level(choice(value, [lv.value for lv in Level], "--level"))
    for option, given in (("--sample-rows", sample_rows), ("--keep", keep)):
        if given and level != Level.BUILD:
            raise typer.BadParameter(f"only applies to --level build, not {level.value}", param_hint=option)
    return level


def language_model(
    provider: str | None, model: str | None, max_repairs: int | None
) -> tuple[LLMClient | None, int]:
    """The language model client and the repairs it may make; the LLM options only with --llm.

    Raises InputError when the provider has no API key in the environment.
    """
    from ..generate.llm import PROVIDERS, llm_client

    if provider is None:
        for value, option in ((model, "--llm-model"), (max_repairs, "--max-repairs")):
            if value is not None:
                raise typer.BadParameter("only applies with --llm anthropic", param_hint=option)
        return None, 0
    client = llm_client(choice(provider, list(PROVIDERS), "--llm"), model, os.environ)
    return client, 2 if max_repairs is None else max_repairs
