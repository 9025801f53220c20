"""The options several commands share are declared once: the live-server options of `extract` and
`assess` come from one dataclass, put in place of one parameter by @live_server_options."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from typer.main import get_command
from typer.testing import CliRunner

from datamigrate_cli.cli.app import app
from datamigrate_cli.cli.options import NO_SERVER, LiveServer, live_server_options
from datamigrate_cli.extract import resolve_settings

SERVER_OPTIONS = [field.name for field in dataclasses.fields(LiveServer)]


def parameters(command: str) -> list[str]:
    return [parameter.name for parameter in get_command(app).commands[command].params]


def test_extract_and_assess_have_the_live_server_options_in_place() -> None:
    assert parameters("extract") == ["ddl", *SERVER_OPTIONS, "output"]
    assert parameters("assess") == ["snapshot", "ddl", *SERVER_OPTIONS, "target", "out_dir", "output_format"]


def test_the_command_gets_one_live_server_and_its_other_parameters() -> None:
    received = {}
    demo = typer.Typer()

    @demo.command()
    @live_server_options
    def show(
        name: Annotated[str, typer.Argument()],
        live_server: LiveServer = NO_SERVER,
        count: Annotated[int, typer.Option()] = 1,
    ) -> None:
        """A command to try the options on."""
        received.update(name=name, live_server=live_server, count=count)

    arguments = ["Bob", "--server", "db,1433", "--no-trusted", "--include", "a.*", "--include", "b.*"]
    result = CliRunner().invoke(demo, [*arguments, "--config", "x.yml", "--count", "3"])
    assert result.exit_code == 0, result.output
    assert received == {
        "name": "Bob",
        "live_server": LiveServer(
            server="db,1433", trusted=False, include=["a.*", "b.*"], config=Path("x.yml")
        ),
        "count": 3,
    }
    assert show.__name__ == "show" and show.__doc__ == "A command to try the options on."


def test_the_command_line_settings_are_what_resolve_settings_reads(tmp_path: Path) -> None:
    (tmp_path / "datamigrate.yml").write_text("mssql:\n  database: retail\n  user: from_file\n")
    given = LiveServer(
        server="db", user="reader", timeout=30, exclude=["tmp.*"], config=tmp_path / "datamigrate.yml"
    )
    assert "config" not in given.command_line() and given.given and not NO_SERVER.given
    settings = resolve_settings(given.command_line(), {}, given.config)
    assert (settings.server, settings.database, settings.user) == ("db", "retail", "reader")
    assert (settings.timeout, settings.exclude) == (30, ("tmp.*",))
