"""Stored procedures -> dbt models: the shapes of tests/fixtures/procedures, planned and built.

cases.yml says, per procedure of procedures.sql, the models it must become (name, materialization,
unique key) or the issue codes and source lines it must raise, and the rows each model must hold
after a real dbt build on DuckDB: the procedure's documented effect, worked out by hand.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from datamigrate_cli.catalog import ObjectName, Routine, RoutineKind, SourceRef
from datamigrate_cli.convert.procedures import recognise
from datamigrate_cli.dbt.runner import run_dbt
from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.targets import TARGETS
from datamigrate_cli.validate.warehouse import DuckDBWarehouse

FIXTURES = Path(__file__).parent / "fixtures" / "procedures"
CASES = yaml.safe_load((FIXTURES / "cases.yml").read_text(encoding="utf-8"))
PROCEDURES = CASES["procedures"]
BUILT = [
    (procedure, model)
    for procedure, case in PROCEDURES.items()
    for model in case.get("models", [])
    if "rows" in model
]


@pytest.fixture(scope="module")
def catalog():
    found, _ = extract_scripts([FIXTURES / CASES["source"]])
    return found


@pytest.fixture(scope="module")
def project(catalog, tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("procedures") / "project"
    result = generate(catalog, directory, project_name="procedures")
    return directory, {o.name: o for o in result.objects if o.kind == "procedure"}


def test_every_procedure_of_the_fixture_has_a_case(catalog) -> None:
    names = {r.name.name for r in catalog.routines if r.kind == RoutineKind.PROCEDURE}
    assert names == set(PROCEDURES)


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_plan(procedure: str, catalog, project) -> None:
    case = PROCEDURES[procedure]
    routine = next(r for r in catalog.routines if r.name.name == procedure)
    plan = recognise(routine, catalog)
    assert sorted((i.code, i.line) for i in plan.issues) == sorted(tuple(i) for i in case.get("issues", []))

    directory, objects = project
    result = objects[str(ObjectName(schema="dbo", name=procedure))]
    assert result.status == case["status"]
    expected = [f"models/marts/dbo/{model['name']}.sql" for model in case.get("models", [])]
    if case["status"] == "needs review":
        assert list(result.paths) == [f"models/marts/dbo/{_snake(procedure)}.sql"]
        assert "{{ config(enabled=false) }}" in (directory / result.paths[0]).read_text(encoding="utf-8")
        return
    assert list(result.paths) == expected
    for model, path in zip(case.get("models", []), expected, strict=True):
        text = (directory / path).read_text(encoding="utf-8")
        assert f"materialized='{model['materialized']}'" in text
        assert text.startswith("-- Model of ") and f"procedure {result.name}" in text.splitlines()[0]
        if "unique_key" in model:
            assert f"unique_key='{model['unique_key']}'" in text
        else:
            assert "unique_key" not in text


def test_an_encrypted_procedure_is_flagged_with_its_line(catalog) -> None:
    routine = Routine(name=ObjectName(schema="dbo", name="p"), kind=RoutineKind.PROCEDURE, definition="",
                      source=SourceRef(file="x.sql", line=7), encrypted=True)  # fmt: skip
    plan = recognise(routine, catalog)
    assert [(i.code, i.line) for i in plan.issues] == [("DM314", 7)] and not plan.models


def test_built_models_hold_the_rows_the_procedures_write(catalog, project) -> None:
    """Build on DuckDB, compare; add source rows, build again (incremental runs), compare again."""
    directory, _ = project
    warehouse = DuckDBWarehouse(directory, TARGETS["duckdb"], keep=False)
    try:
        warehouse.load(catalog, 0)
        _insert(warehouse, catalog, CASES["rows"])
        arguments = ("--vars", json.dumps(CASES["vars"]))
        first = run_dbt("build", directory, arguments, env=warehouse.env)
        assert first.success, [
            (n.name, n.message) for n in first.nodes if n.status not in {"success", "pass"}
        ]
        assert _rows(warehouse) == {model["name"]: _normal(model["rows"]) for _, model in BUILT}

        _insert(warehouse, catalog, CASES["more_rows"])
        second = run_dbt("build", directory, arguments, env=warehouse.env)
        assert second.success, [
            (n.name, n.message) for n in second.nodes if n.status not in {"success", "pass"}
        ]
        assert _rows(warehouse) == {model["name"]: _normal(model["rows_after"]) for _, model in BUILT}
    finally:
        warehouse.drop()


def _insert(warehouse: DuckDBWarehouse, catalog, tables: dict) -> None:
    connection = warehouse.connect()
    try:
        for name, data in tables.items():
            schema, table = name.split(".")
            relation = warehouse.relation(catalog.table(ObjectName(schema=schema, name=table)))
            columns = ", ".join(f'"{c}"' for c in data["columns"])
            marks = ", ".join("?" for _ in data["columns"])
            connection.executemany(f"insert into {relation} ({columns}) values ({marks})", data["rows"])
    finally:
        connection.close()


def _rows(warehouse: DuckDBWarehouse) -> dict[str, list[tuple]]:
    connection = warehouse.connect()
    try:
        return {
            model["name"]: _normal(connection.execute(f'select * from main."{model["name"]}"').fetchall())
            for _, model in BUILT
        }
    finally:
        connection.close()


def _normal(rows) -> list[tuple]:
    """Rows as sorted tuples of comparable values: numbers as floats, dates as ISO text."""

    def value(item):
        if isinstance(item, (Decimal, int, float)) and not isinstance(item, bool):
            return round(float(item), 4)
        if isinstance(item, (datetime.date, datetime.datetime)):
            return item.isoformat()[:10]
        return item

    return sorted(tuple(value(v) for v in row) for row in rows)


def _snake(name: str) -> str:
    from datamigrate_cli.convert.naming import snake_case

    return snake_case(name)
