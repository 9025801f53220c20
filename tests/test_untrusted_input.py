"""Hostile schemas, generated from seeds, through the whole pipeline to `validate --level build`.

Names, comments, descriptions, defaults and CHECK values are drawn from what breaks Jinja, YAML, SQL and
file paths (tests/hostile.py). Whatever the seed, nothing outside the project and the throwaway warehouse
changes, no secret reaches a file, every object is in the report, every file parses, and the names dbt
reads back from the project are the names the script declared. `make test` runs a few seeds; `make fuzz`
runs many more (DATAMIGRATE_FUZZ_SEEDS).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.project.escape import unquoted_inside
from datamigrate_cli.validate import validate_project
from datamigrate_cli.validate.verdicts import Level
from hostile import CANARY_TABLE, Generator

SEEDS = range(int(os.environ.get("DATAMIGRATE_FUZZ_SEEDS", "2")))
SECRETS = {"DATAMIGRATE_PG_PASSWORD": "canary-pg-0e5b71", "ANTHROPIC_API_KEY": "canary-anthropic-d41c07"}


def _project(tmp_path: Path, seed: int, target: str) -> tuple[Path, Path, list]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("untouched\n")
    schema = Generator(seed, str(outside / "pwned.csv")).schema(tables=24, views=12)
    script = tmp_path / "hostile.sql"
    script.write_text(schema.script, encoding="utf-8")
    catalog, _ = extract_scripts([script])
    project = tmp_path / "project"
    generate(catalog, project, target=target, project_name="hostile")
    return project, outside, schema.objects


def _check_files(project: Path) -> None:
    for path in project.rglob("*"):
        assert path.resolve().is_relative_to(project.resolve()), path
        if path.is_file() and path.suffix in {".yml", ".yaml"}:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert not [name for name, value in SECRETS.items() if value in text], path


def _check_round_trip(project: Path, objects: list, target: str) -> None:
    """The names and descriptions dbt read from the project are the ones the script declared."""
    report = json.loads((project / "migration_report.json").read_text())
    reported = {(o["kind"], o["name"]) for o in report["objects"]}
    declared = {(kind, f"[{schema}].[{name}]") for kind, schema, name in objects}
    assert declared <= reported, declared - reported
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    tables = {f"[{schema}].[{name}]" for kind, schema, name in objects if kind == "table"}
    read_back = set()
    for source in manifest["sources"].values():
        quoting = source.get("quoting", {})
        schema = unquoted_inside(source["schema"], target) if quoting.get("schema") else source["schema"]
        identifier = unquoted_inside(source["identifier"], target)
        read_back.add(f"[{schema}].[{identifier}]")
    assert read_back == tables
    # every table's staging model names it whole in its meta, as dbt read it (enabled or not)
    nodes = [
        *manifest["nodes"].values(),
        *(n for found in manifest.get("disabled", {}).values() for n in found),
    ]
    origins = {n["config"].get("meta", {}).get("origin") for n in nodes if n["resource_type"] == "model"}
    assert tables <= origins, tables - origins


@pytest.mark.dbt
@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_schema_builds_on_duckdb_and_changes_nothing_outside(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    project, outside, objects = _project(tmp_path, seed, "duckdb")
    report = validate_project(project, Level.BUILD, sample_rows=3, keep=True)
    assert [n for n in report.nodes if n.verdict.value == "error"] == [], report.nodes
    assert sorted(p.name for p in outside.iterdir()) == ["canary.txt"]
    assert (outside / "canary.txt").read_text() == "untouched\n"
    import duckdb

    (kept,) = (project / "target").glob("datamigrate_validate_*.duckdb")
    with duckdb.connect(str(kept)) as connection:
        tables = {row[0] for row in connection.execute("select table_name from duckdb_tables()").fetchall()}
    assert CANARY_TABLE not in tables
    _check_files(project)
    _check_round_trip(project, objects, "duckdb")


@pytest.mark.dbt
@pytest.mark.postgres
@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_schema_builds_on_postgres_and_changes_nothing_outside(
    tmp_path: Path, seed: int, postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    def query(sql: str) -> list[tuple]:
        connection = psycopg2.connect(
            host=postgres["DATAMIGRATE_PG_HOST"], port=postgres["DATAMIGRATE_PG_PORT"],
            user=postgres["DATAMIGRATE_PG_USER"], dbname=postgres["DATAMIGRATE_PG_DATABASE"],
        )  # fmt: skip
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    query("create schema if not exists dm_canary; create table if not exists dm_canary.keep (x int)")
    query("truncate dm_canary.keep; insert into dm_canary.keep values (42)")
    ours = "select nspname from pg_namespace where nspname not like 'datamigrate_validate_%' order by 1"
    schemas_before = query(ours)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)  # trust authentication: the server never asks for it
    project, outside, objects = _project(tmp_path, seed, "postgres")
    report = validate_project(project, Level.BUILD, sample_rows=3)
    assert [n for n in report.nodes if n.verdict.value == "error"] == [], report.nodes
    assert query("select x from dm_canary.keep") == [(42,)]
    assert query(f"select schemaname from pg_tables where tablename = '{CANARY_TABLE}'") == []
    assert (
        query(ours) == schemas_before
    )  # other runs may share the server: their validation schemas come and go
    assert sorted(p.name for p in outside.iterdir()) == ["canary.txt"]
    _check_files(project)
    _check_round_trip(project, objects, "postgres")


def _second_list_project(tmp_path: Path, target: str) -> Path:
    """The injection paths of the second attack review (issue "Faults and hostile input, second list"):
    a script file name, a procedure parameter default, a schema named like a path or like SQL, a
    balanced quote in a table name; then a snapshot whose `database` and `source.file` carry a YAML
    key and Jinja. Each payload creates the canary table if it ever runs."""
    from datamigrate_cli.model.catalog import dumps, loads

    run = f"{{% do run_query('create table {CANARY_TABLE} as select 1 as x') %}}"
    in_string = run.replace("'", "''")  # as a T-SQL string literal holds it
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / f"t{run}.sql").write_text(
        "CREATE SCHEMA [../etc]\nGO\n"
        f"CREATE SCHEMA [x; create table {CANARY_TABLE} (i int); --]\nGO\n"
        "CREATE TABLE [../etc].[t] (id int NOT NULL PRIMARY KEY);\nGO\n"
        f"CREATE TABLE [x; create table {CANARY_TABLE} (i int); --].[u] (id int NOT NULL PRIMARY KEY);\nGO\n"
        f'CREATE TABLE dbo.[T") select 1 as id); create table {CANARY_TABLE} as (select 1] '
        "(id int NOT NULL PRIMARY KEY, a int);\nGO\n"
        "CREATE TABLE dbo.loaded (id int NOT NULL PRIMARY KEY, a int);\nGO\n"
        f"CREATE PROCEDURE dbo.p @since varchar(200) = '{in_string}\n#' AS\n"
        "SELECT id, a FROM dbo.loaded WHERE CAST(a AS varchar(200)) <> @since;\nGO\n",
        encoding="utf-8",
    )
    catalog, _ = extract_scripts([folder])
    text = dumps(catalog).replace(
        '"database": null',
        json.dumps({"database": f'shop\non-run-start: ["create table {CANARY_TABLE} (i int)"]\n#'})[1:-1],
    )
    document = json.loads(text)
    for table in document["tables"]:
        table["source"]["file"] = f"{run}\n-- {{{{ env_var('DATAMIGRATE_PG_PASSWORD') }}}}.sql"
    catalog = loads(json.dumps(document))
    project = tmp_path / "project"
    generate(catalog, project, target=target, project_name="second")
    return project


@pytest.mark.dbt
def test_the_second_list_of_injection_paths_builds_inert_on_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    project = _second_list_project(tmp_path, "duckdb")
    first_line = (project / "dbt_project.yml").read_text().splitlines()[0]
    assert first_line.startswith("# ") and "on-run-start" not in yaml.safe_load(
        (project / "dbt_project.yml").read_text()
    )
    report = validate_project(project, Level.BUILD, sample_rows=3, keep=True)
    assert [n for n in report.nodes if n.verdict.value == "error"] == [], report.nodes
    import duckdb

    (kept,) = (project / "target").glob("datamigrate_validate_*.duckdb")
    with duckdb.connect(str(kept)) as connection:
        tables = {row[0] for row in connection.execute("select table_name from duckdb_tables()").fetchall()}
    assert CANARY_TABLE not in tables
    assert len([t for t in tables if "select 1 as id" in t]) == 1  # the quoted name is one table, whole
    _check_files(project)


@pytest.mark.dbt
@pytest.mark.postgres
def test_the_second_list_of_injection_paths_builds_inert_on_postgres(
    tmp_path: Path, postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    project = _second_list_project(tmp_path, "postgres")
    report = validate_project(project, Level.BUILD, sample_rows=3)
    assert [n for n in report.nodes if n.verdict.value == "error"] == [], report.nodes
    connection = psycopg2.connect(
        host=postgres["DATAMIGRATE_PG_HOST"], port=postgres["DATAMIGRATE_PG_PORT"],
        user=postgres["DATAMIGRATE_PG_USER"], dbname=postgres["DATAMIGRATE_PG_DATABASE"],
    )  # fmt: skip
    try:
        with connection.cursor() as cursor:
            cursor.execute("select schemaname from pg_tables where tablename = %s", (CANARY_TABLE,))
            assert cursor.fetchall() == []
    finally:
        connection.close()
    _check_files(project)
