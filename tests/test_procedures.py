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

from datamigrate_cli.convert.procedures import recognise
from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.catalog import ObjectName, Routine, RoutineKind, SourceRef
from datamigrate_cli.targets import TARGETS
from datamigrate_cli.tsql.blocks import read_body
from datamigrate_cli.validate.dbt import run_dbt
from datamigrate_cli.validate.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse

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
def projects(catalog, tmp_path_factory: pytest.TempPathFactory):
    """target -> (project directory, procedure name -> its report entry), generated once each."""
    made = {}

    def make(target: str):
        if target not in made:
            directory = tmp_path_factory.mktemp(f"procedures_{target}") / "project"
            result = generate(catalog, directory, target=target, project_name="procedures")
            made[target] = directory, {o.name: o for o in result.objects if o.kind == "procedure"}
        return made[target]

    return make


@pytest.fixture(scope="module")
def project(projects):
    return projects("duckdb")


def test_every_procedure_of_the_fixture_has_a_case(catalog) -> None:
    names = {r.name.name for r in catalog.routines if r.kind == RoutineKind.PROCEDURE}
    assert names == set(PROCEDURES)


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_plan(procedure: str, catalog, project) -> None:
    case = PROCEDURES[procedure]
    routine = next(r for r in catalog.routines if r.name.name == procedure)
    plan = recognise(routine, catalog)
    directory, objects = project
    result = objects[str(ObjectName(schema="dbo", name=procedure))]
    # the plan's issues and those converting its models raised (DM2xx)
    assert sorted((i.code, i.line) for i in result.reasons) == sorted(
        tuple(i) for i in case.get("issues", [])
    )
    assert set(plan.issues) <= set(result.reasons)
    assert all("dm_temp__" not in issue.message for issue in result.reasons)  # temp tables are #name

    assert result.status == case["status"]
    expected = [f"models/marts/dbo/{model['name']}.sql" for model in case.get("models", [])]
    if case["status"] == "needs review":
        assert list(result.paths) == (expected or [f"models/marts/dbo/{_snake(procedure)}.sql"])
        for path in result.paths:
            assert "{{ config(enabled=false) }}" in (directory / path).read_text(encoding="utf-8")
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


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_built_models_hold_the_rows_the_procedures_write(target: str, catalog, projects, request) -> None:
    """Build, compare; add source rows, build again (incremental models run incrementally), compare."""
    directory, _ = projects(target)
    if target == "postgres":
        request.getfixturevalue("postgres")  # points the environment at the test server
        warehouse = PostgresWarehouse(TARGETS[target], keep=False)
    else:
        warehouse = DuckDBWarehouse(directory, TARGETS[target], keep=False)
    arguments = ("--target", target, "--vars", json.dumps(CASES["vars"] | warehouse.vars))
    try:
        warehouse.load(catalog, 0)
        _insert(warehouse, catalog, CASES["rows"])
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


def _insert(warehouse: Warehouse, catalog, tables: dict) -> None:
    marker = "?" if isinstance(warehouse, DuckDBWarehouse) else "%s"
    connection = warehouse.connect()
    try:
        cursor = connection.cursor()
        for name, data in tables.items():
            schema, table = name.split(".")
            relation = warehouse.relation(catalog.table(ObjectName(schema=schema, name=table)))
            columns = ", ".join(f'"{c}"' for c in data["columns"])
            marks = ", ".join(marker for _ in data["columns"])
            cursor.executemany(f"insert into {relation} ({columns}) values ({marks})", data["rows"])
    finally:
        connection.close()


def _rows(warehouse: Warehouse) -> dict[str, list[tuple]]:
    schema = "main" if isinstance(warehouse, DuckDBWarehouse) else warehouse.schema
    connection = warehouse.connect()
    try:
        cursor = connection.cursor()
        rows = {}
        for _, model in BUILT:
            cursor.execute(f'select * from "{schema}"."{model["name"]}"')
            rows[model["name"]] = _normal(cursor.fetchall())
        return rows
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


# Per corpus: each procedure's status and the codes of its reasons, read from the procedures themselves
# (a parameter without default is DM313; WITH ROLLUP is a DM215 note; the rest are plain SELECTs).
CORPUS_PROCEDURES = {
    "northwind/instnwnd.sql": {
        "CustOrderHist": ("converted with warnings", ["DM313"]),
        "CustOrdersDetail": ("converted with warnings", ["DM313"]),
        "CustOrdersOrders": ("converted with warnings", ["DM313"]),
        "Employee Sales by Country": ("converted with warnings", ["DM313", "DM313"]),
        "Sales by Year": ("converted with warnings", ["DM313", "DM313"]),
        "SalesByCategory": (
            "converted with warnings",
            ["DM313", "DM908"],
        ),  # @OrdYear has a default; its model is sales_by_category_2 (the view Sales by Category has the name)
        "Ten Most Expensive Products": ("converted", []),
    },
    "pubs/instpubs.sql": {
        "byroyalty": ("converted with warnings", ["DM313"]),
        "reptq1": ("converted with warnings", ["DM215"]),
        "reptq2": ("converted with warnings", ["DM215"]),
        "reptq3": ("converted with warnings", ["DM313", "DM313", "DM313", "DM215"]),
    },
    "sakila-sqlserver/sql-server-sakila-schema.sql": {},  # its procedures are only in the drop script
}
RETAIL = {
    "usp_LoadDailySales": ("converted", []),
    "usp_MergeCustomerSummary": ("converted", []),
    "usp_AppendDailySales": ("converted", []),
}


@pytest.mark.parametrize("script", [*CORPUS_PROCEDURES, "retail"])
def test_every_corpus_procedure_is_converted_or_flagged(script: str, corpora: Path, tmp_path: Path) -> None:
    if script == "retail":
        path, expected = Path(__file__).parents[1] / "examples" / "retail", RETAIL
    else:
        path, expected = corpora / script, CORPUS_PROCEDURES[script]
    found, _ = extract_scripts([path])
    result = generate(found, tmp_path / "project", dry_run=True)
    procedures = {o.name: o for o in result.objects if o.kind == "procedure"}
    names = [str(r.name) for r in found.routines if r.kind == RoutineKind.PROCEDURE]
    assert sorted(procedures) == sorted(names)  # none missing, none twice
    got = {
        name.split("].[", 1)[1][:-1]: (
            o.status.value,
            sorted(str(reason).split(" ", 1)[0] for reason in o.reasons),
        )
        for name, o in procedures.items()
    }
    assert got == {name: (status, sorted(codes)) for name, (status, codes) in expected.items()}


BODIES = {
    "CASE ... END stays in its statement; statements need no semicolon": (
        "CREATE PROCEDURE dbo.p AS\nBEGIN\n  SELECT CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END AS x\n"
        "  UPDATE dbo.t SET a = 1\nEND",
        [("SELECT", 12, ()), ("UPDATE", 13, ())],
    ),
    "IF / ELSE without BEGIN, then a statement after both branches": (
        "CREATE PROC dbo.p @a int = 1 AS\nIF @a = 1\n  SELECT 1\nELSE\n  SELECT 2\nSELECT 3",
        [("IF", 11, ()), ("SELECT", 12, (("IF", 11),)), ("SELECT", 14, (("ELSE", 11),)), ("SELECT", 15, ())],
    ),
    "INSERT ... SELECT and UNION ALL SELECT are one statement": (
        "CREATE PROCEDURE dbo.p WITH RECOMPILE AS\nINSERT INTO dbo.t (a)\nSELECT 1\nUNION ALL\nSELECT 2;",
        [("INSERT", 11, ())],
    ),
    "TRY and CATCH blocks are context, BEGIN TRAN a statement": (
        "CREATE PROCEDURE dbo.p AS\nBEGIN TRY\n BEGIN TRAN\n COMMIT\nEND TRY\nBEGIN CATCH\n THROW;\nEND CATCH",
        [("BEGIN", 12, (("TRY", 11),)), ("COMMIT", 13, (("TRY", 11),)), ("THROW", 16, (("CATCH", 15),))],
    ),
    "without semicolons DECLARE keeps no SELECT, INSERT ... SELECT keeps one": (
        "CREATE PROCEDURE dbo.p AS\nDECLARE @a int\nSELECT @a = MAX(x) FROM dbo.t\nINSERT INTO dbo.t (x)\n"
        "SELECT 1\nSELECT @a = @@ROWCOUNT",
        [("DECLARE", 11, ()), ("SELECT", 12, ()), ("INSERT", 13, ()), ("SELECT", 15, ())],
    ),
    "a cursor's DECLARE keeps its SELECT ... FOR UPDATE; a cursor variable's keeps none": (
        "CREATE PROCEDURE dbo.p AS\nDECLARE c CURSOR FOR\nSELECT x FROM dbo.t FOR UPDATE\nOPEN c\n"
        "DECLARE @c CURSOR\nSELECT 1",
        [("DECLARE", 11, ()), ("OPEN", 13, ()), ("DECLARE", 14, ()), ("SELECT", 15, ())],
    ),
    "INSERT ... VALUES keeps no SELECT after it": (
        "CREATE PROCEDURE dbo.p AS\nINSERT INTO dbo.t (x) VALUES (1)\nSELECT x FROM dbo.t",
        [("INSERT", 11, ()), ("SELECT", 12, ())],
    ),
    "OFFSET ... ROWS FETCH NEXT stays in its SELECT; a cursor's FETCH does not": (
        "CREATE PROCEDURE dbo.p AS\nSELECT x FROM dbo.t ORDER BY x OFFSET 0 ROWS\nFETCH NEXT 5 ROWS ONLY\n"
        "FETCH NEXT FROM c",
        [("SELECT", 11, ()), ("FETCH", 13, ())],
    ),
    "block comments nest": (
        "CREATE PROCEDURE dbo.p AS\n/* a /* b */ WHILE 1 = 1 SELECT 0 */\nSELECT 1",
        [("SELECT", 12, ())],
    ),
    "WITH EXEC AS OWNER comes before the body": (
        "CREATE PROCEDURE dbo.p WITH EXEC AS OWNER AS\nSELECT 1",
        [("SELECT", 11, ())],
    ),
}


@pytest.mark.parametrize("case", BODIES)
def test_the_body_reader_splits_statements_with_their_lines(case: str) -> None:
    definition, expected = BODIES[case]
    routine = Routine(name=ObjectName(schema="dbo", name="p"), kind=RoutineKind.PROCEDURE,
                      definition=definition, source=SourceRef(file="x.sql", line=10))  # fmt: skip
    steps, _ = read_body(routine)
    assert [(s.kind, s.line, s.context) for s in steps] == expected


@pytest.mark.parametrize(
    "statement", ["DECLARE @a int = (SELECT 1) OPTION (RECOMPILE)", "SET @a = 1 OPTION (RECOMPILE)"]
)
def test_an_assignment_sqlglot_reads_only_as_a_command_is_flagged(statement: str, catalog) -> None:
    routine = Routine(name=ObjectName(schema="dbo", name="p"), kind=RoutineKind.PROCEDURE,
                      definition=f"CREATE PROCEDURE dbo.p AS\n{statement}\nSELECT 1 AS a",
                      source=SourceRef(file="x.sql", line=10))  # fmt: skip
    plan = recognise(routine, catalog)
    assert [(i.code, i.line) for i in plan.issues] == [("DM311", 11)]
