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
