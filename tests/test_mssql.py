"""Live extraction against a real SQL Server holding examples/retail as the database `retail`.

Run with `pytest -m mssql` and DATAMIGRATE_TEST_MSSQL_ODBC set to an ODBC connection string for that
database (docker-compose.yml starts one; .github/workflows/mssql.yml runs these in CI). Without it
these tests are reported as skipped, never as passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from datamigrate_cli.extract import ServerSettings, extract_scripts, extract_server
from datamigrate_cli.extract.server.settings import odbc_pairs
from datamigrate_cli.model.catalog import Catalog, origin_independent, read_snapshot
from datamigrate_cli.model.errors import SourceUnreachableError

ODBC = os.environ.get("DATAMIGRATE_TEST_MSSQL_ODBC", "")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "retail"

pytestmark = [
    pytest.mark.mssql,
    pytest.mark.skipif(
        not ODBC,
        reason="needs a SQL Server with examples/retail loaded: set DATAMIGRATE_TEST_MSSQL_ODBC "
        "(see 'Extract from a live server' in the README)",
    ),
]


@pytest.fixture(scope="module")
def from_server() -> Catalog:
    return extract_server(ServerSettings(odbc=ODBC, timeout=30))


def _with(**changes: str) -> str:
    """The test connection string with some keys replaced."""
    pairs = {**odbc_pairs(ODBC), **{key.lower(): value for key, value in changes.items()}}
    return ";".join(
        f"{key}={{{value}}}" if ";" in value else f"{key}={value}" for key, value in pairs.items()
    )


def _server_normal_form(catalog: Catalog) -> Catalog:
    """Blank what SQL Server rewrites, or decides, when it stores a definition.

    The server keeps `CHECK (x IN ('a','b'))` as `([x]='b' OR [x]='a')`, adds brackets and
    parentheses to defaults and computed columns, may record a one-column table-level CHECK as a
    column-level one, and works out the nullability of a computed column itself; examples/retail is
    hand-written, not scripted from a server. Everything else must be equal.
    """
    tables = []
    for table in catalog.tables:
        columns = tuple(
            c.model_copy(update={"default": c.default and "<expr>", "computed": "<expr>", "nullable": True})
            if c.computed
            else c.model_copy(update={"default": c.default and "<expr>"})
            for c in table.columns
        )
        checks = tuple(c.model_copy(update={"expression": "<expr>", "column": None}) for c in table.checks)
        tables.append(table.model_copy(update={"columns": columns, "checks": checks}))
    return catalog.model_copy(update={"tables": tuple(tables)})


def test_server_catalog_equals_the_scripts_catalog(from_server: Catalog) -> None:
    from_scripts, _ = extract_scripts([EXAMPLE])
    server = _server_normal_form(origin_independent(from_server))
    scripts = _server_normal_form(origin_independent(from_scripts))
    for kind in ("schemas", "tables", "views", "routines", "triggers", "user_types", "sequences", "synonyms"):
        assert getattr(server, kind) == getattr(scripts, kind), kind
    assert server == scripts


def test_what_only_the_server_knows(from_server: Catalog) -> None:
    assert from_server.origin == "server" and from_server.database == "retail"
    assert from_server.server_version and from_server.server_version.startswith("SQL Server 1")
    assert all(table.row_count is not None for table in from_server.tables)
    referenced = {(d.referencing.name, d.referenced.name) for d in from_server.dependencies}
    assert ("vOrderLineRevenue", "OrderLine") in referenced


def test_include_and_exclude_are_applied_on_the_server() -> None:
    catalog = extract_server(ServerSettings(odbc=ODBC, include=("sales.*",), exclude=("*.vLatest*",)))
    assert {t.name.schema_ for t in catalog.tables} == {"sales"}
    assert "vLatestOrder" not in {v.name.name for v in catalog.views}
    assert catalog.views and catalog.routines


def test_wrong_password_is_a_login_failure() -> None:
    with pytest.raises(SourceUnreachableError, match="login failed") as caught:
        extract_server(ServerSettings(odbc=_with(PWD="not-the-password-0")))
    assert "not-the-password-0" not in caught.value.message


def test_missing_database_is_named() -> None:
    with pytest.raises(SourceUnreachableError, match="cannot open database 'no_such_db'"):
        extract_server(ServerSettings(odbc=_with(Database="no_such_db")))


def test_command_line_writes_the_snapshot_and_shows_progress(tmp_path: Path) -> None:
    password = odbc_pairs(ODBC).get("pwd", "")
    result = subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", "extract", "-o", str(tmp_path / "schema.json")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DATAMIGRATE_MSSQL_ODBC": ODBC},
    )
    assert result.returncode == 0, result.stderr
    assert "columns" in result.stderr and "rows" in result.stderr
    assert read_snapshot(tmp_path / "schema.json").origin == "server"
    if password:
        assert password not in result.stdout + result.stderr + (tmp_path / "schema.json").read_text()
