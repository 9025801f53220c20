"""The wheel carries the templates, and the installed package renders from them (not the checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    return next(out.glob("datamigrate-*.whl"))


@pytest.mark.process
def test_wheel_contains_every_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = [p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()]
    assert templates
    for template in templates:
        assert f"datamigrate_cli/{template}" in names


def run_installed(wheel: Path, tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    """Run `code` against the wheel unpacked in `tmp_path/site` ({site} in `code` is its path)."""
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = code.replace("{site}", repr(str(target)))
    # -I: isolated mode, so neither the checkout nor the editable install is on the path
    return subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.process
def test_installed_package_loads_templates_from_itself(wheel: Path, tmp_path: Path) -> None:
    result = run_installed(
        wheel,
        tmp_path,
        "from datamigrate_cli.project import templates; "
        "root = str(templates.templates_root()); "
        "assert root.startswith({site}), root; "
        "print(templates.render('project/dbt_project.yml.j2', project_name='p', version='v', origin='o'))",
    )
    assert result.returncode == 0, result.stderr
    assert "name: p" in result.stdout


@pytest.mark.process
def test_library_does_not_import_the_cli() -> None:
    # typer only: rich is imported by langgraph's dependencies whatever we do.
    code = (
        "import sys, datamigrate_cli.generate, datamigrate_cli.validate, datamigrate_cli.extract; "
        "loaded = {'typer', 'datamigrate_cli.cli', 'datamigrate_cli.cli.app'} & set(sys.modules); assert not loaded, loaded"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_wheel_contains_every_catalog_query(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    queries = sorted((ROOT / "src" / "datamigrate_cli" / "extract" / "server" / "queries").glob("*.sql"))
    assert queries
    for query in queries:
        assert f"datamigrate_cli/extract/server/queries/{query.name}" in names


@pytest.mark.process
def test_installed_package_loads_catalog_queries_from_itself(wheel: Path, tmp_path: Path) -> None:
    result = run_installed(
        wheel,
        tmp_path,
        "import datamigrate_cli.extract.server.rows as c; "
        "assert c.__file__.startswith({site}), c.__file__; "
        "print(all(c.load_query(name).startswith('-- ' + name + ':') for name in c.QUERIES))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_wheel_contains_the_postgres_function_catalogue(wheel: Path) -> None:
    # the semantic check reads it offline (validate/functions.py); `make pg-catalogue` refreshes it
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "datamigrate_cli/targets/data/postgres_functions.json" in names
