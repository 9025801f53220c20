"""The library API: six functions importable from `datamigrate_cli`, loaded on first use, and `migrate`,
which chains extract, generate and validate and tells its caller how it goes instead of printing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import datamigrate_cli
from datamigrate_cli.migrate import ProjectGenerated, ProjectValidated, ScriptsRead, Stage, StageStarted

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "retail"
API = ["extract_scripts", "extract_server", "generate", "validate_project", "assess", "migrate"]
HEAVY = ["dbt", "langgraph", "sqlglot", "typer", "rich", "yaml", "jinja2", "pyodbc", "anthropic"]


def in_fresh_interpreter(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.process
def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, datamigrate_cli\n"
        "roots = {name.split('.')[0] for name in sys.modules}\n"
        f"assert not roots & set({HEAVY!r}), roots & set({HEAVY!r})\n"
        "ours = [name for name in sys.modules if name.startswith('datamigrate_cli.') and name != 'datamigrate_cli.version']\n"
        "assert not ours, ours\n"
    )
    result = in_fresh_interpreter(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.process
@pytest.mark.parametrize("name", API)
@pytest.mark.parametrize("module_first", [False, True], ids=["function first", "module first"])
def test_each_name_is_the_function(name: str, module_first: bool) -> None:
    # `generate`, `assess` and `migrate` are also module names: the function wins, whatever is imported first.
    modules = "import datamigrate_cli.generate, datamigrate_cli.assess, datamigrate_cli.migrate\n"
    code = (
        f"{modules if module_first else ''}"
        "import inspect, datamigrate_cli\n"
        f"from datamigrate_cli import {name}\n"
        f"assert inspect.isfunction({name}) and {name}.__name__ == {name!r}, {name}\n"
        f"assert datamigrate_cli.{name} is {name}\n"
        f"{modules}"
        f"assert datamigrate_cli.{name} is {name}\n"
    )
    result = in_fresh_interpreter(code)
    assert result.returncode == 0, result.stderr


def test_the_api_is_listed() -> None:
    assert set(API) <= set(datamigrate_cli.__all__) and set(API) <= set(dir(datamigrate_cli))
    with pytest.raises(AttributeError, match="no_such_function"):
        datamigrate_cli.no_such_function  # noqa: B018


@pytest.mark.process
def test_the_library_api_does_not_import_the_cli() -> None:
    code = (
        "import sys, datamigrate_cli\n"
        f"[getattr(datamigrate_cli, name) for name in {API!r}]\n"
        "loaded = {'typer', 'datamigrate_cli.cli'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    result = in_fresh_interpreter(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.dbt
def test_migrate_tells_each_stage_and_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    events, files = [], []
    result = datamigrate_cli.migrate(
        [EXAMPLE], tmp_path / "p", level="parse", on_stage=events.append, on_file=files.append
    )
    assert [type(event) for event in events] == [
        StageStarted, ScriptsRead, StageStarted, ProjectGenerated, StageStarted, ProjectValidated,
    ]  # fmt: skip
    assert [event.stage for event in events if isinstance(event, StageStarted)] == list(Stage)
    assert sorted(path.name for path in files) == sorted(path.name for path in EXAMPLE.glob("*.sql"))
    assert events[1] == ScriptsRead(result.catalog, result.summary)
    assert events[3] == ProjectGenerated(result.generated) and events[5] == ProjectValidated(result.report)
    assert result.ok and result.report.level.value == "parse"
    assert result.generated.summary == {"converted": 16, "converted with warnings": 1, "needs review": 2}
    assert (tmp_path / "p" / "dbt_project.yml").is_file()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_migrate_raises_what_extract_raises(tmp_path: Path) -> None:
    from datamigrate_cli.model.errors import InputError

    events: list = []
    with pytest.raises(InputError, match=r"nope\.sql"):
        datamigrate_cli.migrate([tmp_path / "nope.sql"], tmp_path / "p", on_stage=events.append)
    assert events == [StageStarted(Stage.EXTRACT)] and not (tmp_path / "p").exists()
