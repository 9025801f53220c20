"""Catalog rows -> Catalog, driven through a fake DB-API connection: no SQL Server needed.

The fake answers each catalog query (src/datamigrate_cli/extract/server/queries/*.sql) with the result
set stored under its name in tests/fixtures/server/rows.yml, and describes its columns from the
query's own SELECT list, so rows and queries cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from datamigrate_cli.extract import ServerSettings, extract_scripts, extract_server
from datamigrate_cli.extract.server.connect import READ_UNCOMMITTED
from datamigrate_cli.extract.server.rows import QUERIES, ObjectFilter, load_query
from datamigrate_cli.model.catalog import Dependency, ObjectName, dumps, loads, origin_independent
from datamigrate_cli.model.errors import InputError, SourceUnreachableError

FIXTURE = Path(__file__).parent / "fixtures" / "server"
ROWS = yaml.safe_load((FIXTURE / "rows.yml").read_text(encoding="utf-8"))
SETTINGS = ServerSettings(server="fake", database="shopfloor", user="reader")


class FakeCursor:
    """A DB-API cursor over canned result sets, keyed by the name of the query executed."""

    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.description: list[tuple] | None = None
        self._rows: list[tuple] = []

    def execute(self, sql: str, params: Any = ()) -> FakeCursor:
        self.connection.executed.append((sql, list(params)))
        if sql == READ_UNCOMMITTED:
            self.description, self._rows = None, []
            return self
        name = re.match(r"-- (\w+):", sql).group(1)
        if name in self.connection.errors:
            raise self.connection.errors[name]
        columns = sqlglot.parse_one(sql, read="tsql").named_selects
        rows = self.connection.result_sets.get(name, [])
        for row in rows:
            assert list(row) == columns, f"{name}: fake row {row} does not have the columns {columns}"
        self.description = [(column, None, None, None, None, None, None) for column in columns]
        self._rows = [tuple(row.values()) for row in rows]
        return self

    def fetchall(self) -> list[tuple]:
        return self._rows


class FakeConnection:
    """A DB-API connection that records what was executed and answers from `result_sets`."""

    def __init__(
        self, result_sets: dict[str, list[dict]], errors: dict[str, Exception] | None = None
    ) -> None:
        self.result_sets = result_sets
        self.errors = errors or {}
        self.executed: list[tuple[str, list]] = []
        self.closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True


def extract_fake(connection: FakeConnection, settings: ServerSettings = SETTINGS, **kwargs: Any):
    return extract_server(settings, connect=lambda _settings, _password: connection, **kwargs)


@pytest.fixture
def rows() -> dict[str, list[dict]]:
    return copy.deepcopy(ROWS)


def test_server_catalog_equals_the_catalog_of_the_same_scripts(rows: dict) -> None:
    from_server = extract_fake(FakeConnection(rows))
    from_scripts, _ = extract_scripts([FIXTURE / "shopfloor.sql"])
    assert from_scripts.unparsed == ()
    assert dumps(origin_independent(from_server)) == dumps(origin_independent(from_scripts))


def test_what_only_the_server_knows(rows: dict) -> None:
    catalog = extract_fake(FakeConnection(rows))
    assert (catalog.origin, catalog.database) == ("server", "shopfloor")
    assert catalog.server_version == "SQL Server 16.0.4135.4 (Developer Edition (64-bit))"
    assert {str(t.name): t.row_count for t in catalog.tables} == {
        "[inventory].[Product]": 0,
        "[sales].[Customer]": 3,
        "[sales].[Order]": 12,
    }
    assert (
        Dependency(
            referencing=ObjectName(schema="sales", name="vCustomerOrders"),
            referenced=ObjectName(schema="sales", name="Customer"),
        )
        in catalog.dependencies
    )
    assert len(catalog.dependencies) == 4
    assert all(obj.source is None for obj in (*catalog.tables, *catalog.views, *catalog.routines))
    assert loads(dumps(catalog)) == catalog


def test_every_query_runs_once_under_read_uncommitted_and_only_reads(rows: dict) -> None:
    connection = FakeConnection(rows)
    seen: list[tuple[str, int]] = []
    extract_fake(connection, on_query=lambda name, count, seconds: seen.append((name, count)))
    assert connection.executed[0] == (READ_UNCOMMITTED, [])
    assert [name for name, _ in seen] == list(QUERIES)
    assert dict(seen)["columns"] == len(rows["columns"])
    assert connection.closed


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_file_is_one_select_with_the_declared_columns(name: str) -> None:
    sql, params = ObjectFilter(("sales.*",), ("*.tmp?",)).render(load_query(name))
    statements = sqlglot.parse(sql, read="tsql")
    assert len(statements) == 1
    assert isinstance(statements[0], sqlglot.exp.Query), "catalog queries only read"
    assert tuple(statements[0].named_selects) == QUERIES[name]
    assert sql.count("?") == len(params)


def test_include_and_exclude_become_like_parameters(rows: dict) -> None:
    connection = FakeConnection(rows)
    settings = ServerSettings(server="fake", user="u", include=("sales.*", "dbo.fn?et"), exclude=("*.tmp_*",))
    extract_fake(connection, settings)
    tables_sql, params = next((sql, p) for sql, p in connection.executed if sql.startswith("-- tables:"))
    assert params == ["sales", "%", "dbo", "fn_et", "%", "tmp[_]%"]
    assert "{filter" not in tables_sql and "(s.name LIKE ? AND o.name LIKE ?)" in tables_sql
    schemas_params = next(p for sql, p in connection.executed if sql.startswith("-- schemas:"))
    assert schemas_params == ["sales"]  # only a whole-schema pattern lists a schema by itself


def test_a_pattern_without_a_schema_matches_any_schema() -> None:
    _, params = ObjectFilter(("Customer",)).render("{filter(s.name, o.name)}")
    assert params == ["%", "Customer"]
    with pytest.raises(InputError, match=r"schema\.object pattern"):
        ObjectFilter(("sales.",))


def test_encrypted_modules_keep_their_names_parameters_and_events(rows: dict) -> None:
    rows["sql_modules"] = [m for m in rows["sql_modules"] if m["object_id"] != 1101]
    for module in rows["sql_modules"]:
        if module["object_id"] in (1201, 1301):
            module["definition"] = None
    catalog = extract_fake(FakeConnection(rows))
    view, trigger = catalog.views[0], catalog.triggers[0]
    procedure = next(r for r in catalog.routines if r.name.name == "usp_CountOrders")
    assert (view.encrypted, view.definition, view.description) == (True, "", "One row per customer.")
    assert procedure.encrypted and procedure.definition == ""
    assert [(p.name, p.data_type, p.output) for p in procedure.parameters] == [
        ("@CustomerID", "int", False),
        ("@Since", "date", False),
        ("@Count", "int", True),
    ]
    assert trigger.encrypted and trigger.events == ("INSERT", "UPDATE")
    assert '"encrypted": true' in dumps(catalog)


def test_snapshots_without_encrypted_modules_or_dependencies_do_not_mention_them() -> None:
    catalog, _ = extract_scripts([FIXTURE / "shopfloor.sql"])
    assert '"encrypted"' not in dumps(catalog) and '"dependencies"' not in dumps(catalog)


def test_clr_routines_are_counted_not_modelled(rows: dict) -> None:
    rows["routines"].append({"object_id": 1299, "schema_name": "dbo", "name": "RegexMatch", "type": "FS"})
    catalog = extract_fake(FakeConnection(rows))
    assert catalog.skipped == {"CLR procedure or function": 1}
    assert "RegexMatch" not in {r.name.name for r in catalog.routines}


def test_a_login_without_view_definition_is_stopped_with_what_to_ask_for(rows: dict) -> None:
    rows["server_info"][0]["has_view_definition"] = 0
    connection = FakeConnection(rows)
    with pytest.raises(SourceUnreachableError, match=r"GRANT VIEW DEFINITION TO \[reader\]"):
        extract_fake(connection)
    assert connection.closed


def test_a_permission_error_while_reading_names_the_permission(rows: dict) -> None:
    pyodbc = pytest.importorskip("pyodbc")
    denied = pyodbc.ProgrammingError(
        "42000",
        "[42000] [FreeTDS][SQL Server]The SELECT permission was denied on the object 'sql_modules', "
        "database 'mssqlsystemresource', schema 'sys'. (229) (SQLExecDirectW)",
    )
    with pytest.raises(SourceUnreachableError, match="VIEW DEFINITION") as caught:
        extract_fake(FakeConnection(rows, errors={"sql_modules": denied}))
    assert caught.value.exit_code == 3


def test_extract_command_writes_the_snapshot_and_shows_each_query(
    rows: dict, tmp_path: Path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from datamigrate_cli.cli.app import app
    from datamigrate_cli.extract.server import connect as server

    monkeypatch.setattr(server, "open_connection", lambda _settings, _password: FakeConnection(rows))
    monkeypatch.setenv("DATAMIGRATE_MSSQL_PASSWORD", "Fake-pw-31337")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        ["extract", "--server", "fake,1433", "--database", "shopfloor", "--user", "reader", "-o", "s.json"],
    )
    assert result.exit_code == 0, result.output
    assert "Reading the catalog of fake,1433 / shopfloor" in result.stderr
    assert "columns" in result.stderr and f"{len(rows['columns'])} rows" in result.stderr
    assert "Extracted 3 tables, 1 views, 3 procedures/functions, 1 triggers from shopfloor" in result.stdout
    snapshot = (tmp_path / "s.json").read_text()
    assert loads(snapshot).origin == "server" and "Fake-pw-31337" not in snapshot + result.output
