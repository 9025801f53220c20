"""Sample rows true to the schema: computed columns hold their expression's value, a key naming a
column the table does not have is a warning (never a crash), and every generated test quotes the
column names the target reserves. Fixtures: tests/fixtures/true_to_schema.sql, defined_twice/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.targets import TARGETS
from datamigrate_cli.validate import Level, Verdict, validate_project
from datamigrate_cli.validate.sample import key_problems, sample_rows
from datamigrate_cli.validate.warehouse import computed_sql

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = FIXTURES / "true_to_schema.sql"
TWICE = FIXTURES / "defined_twice"


@pytest.fixture(scope="module")
def catalog():
    return extract_scripts([SCHEMA])[0]


def table(catalog, name: str):
    return next(t for t in catalog.tables if t.name.name == name)


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_computed_column_becomes_the_targets_expression(catalog, target: str) -> None:
    line = table(catalog, "Line")
    total, full_name = line.column("Total"), line.column("FullName")
    assert computed_sql(line, total, TARGETS[target]) == '("Qty" * "Price")'
    # + of two nvarchar concatenates in T-SQL (string-concatenation-transact-sql)
    assert computed_sql(line, full_name, TARGETS[target]) == """("FirstName" || ' ' || "LastName")"""


def test_a_key_naming_a_missing_column_is_a_warning_not_a_crash() -> None:
    catalog, _ = extract_scripts([TWICE])
    (item,) = catalog.tables
    assert [c.name for c in item.columns] == ["ItemID", "Name"]  # the first definition is kept
    problems = key_problems(item)
    assert len(problems) == 2 and all("names Code, which the table does not have" in p for p in problems)
    (sample,) = sample_rows(catalog, 5)
    assert len(sample.rows) == 5 and len({row[0] for row in sample.rows}) == 5


@pytest.mark.dbt
def test_a_table_defined_twice_builds_with_a_warning(tmp_path: Path) -> None:
    catalog, _ = extract_scripts([TWICE])
    project = tmp_path / "project"
    generate(catalog, project)
    report = validate_project(project, Level.BUILD, sample_rows=5)
    assert report.ok, [(n.name, n.message) for n in report.nodes if n.verdict != Verdict.OK]
    assert any("unique index UX_Item_Code names Code" in warning for warning in report.warnings)
    assert report.sample_rows == {"[dbo].[Item]": 5}


def _build(catalog, tmp_path: Path, target: str):
    project = tmp_path / target
    generate(catalog, project, target=target)
    report = validate_project(project, Level.BUILD, sample_rows=6, keep=True)
    assert report.ok, [(n.name, n.verdict, n.message) for n in report.nodes if n.verdict != Verdict.OK]
    assert not [w for w in report.warnings if "computed column" in w]
    tests = {n.name for n in report.nodes if n.kind == "test"}
    # the generated tests that name the reserved words all ran (and passed, above)
    assert {"not_null_stg_dbo__line_total", "not_null_stg_dbo__line__by_", "unique_stg_dbo__line__by_",
            "not_null_stg_dbo__line__at_", "not_null_stg_dbo__line__show_", "not_null_stg_dbo__line__group_",
            "accepted_values_stg_dbo__line__show___False__0__1", "unique_stg_dbo__line_unit_name",
            "datamigrate_unique_combination_stg_dbo__line__group____primary_",
            "datamigrate_relationships_stg_dbo__child__group____primary____group____primary___ref_stg_dbo__line_",
            "relationships_stg_dbo__child__by____by___ref_stg_dbo__line_"} <= tests  # fmt: skip
    return report


@pytest.mark.dbt
def test_computed_columns_and_reserved_words_build_on_duckdb(catalog, tmp_path: Path) -> None:
    report = _build(catalog, tmp_path, "duckdb")
    connection = duckdb.connect(report.kept)
    try:
        rows = connection.execute('select "Qty", "Price", "Total", "FirstName", "LastName", "FullName" '
                                  'from "dbo"."Line"').fetchall()  # fmt: skip
    finally:
        connection.close()
        Path(report.kept).unlink()
    assert rows and all(Decimal(total) == qty * price for qty, price, total, *_ in rows)
    assert all(full == f"{first} {last}" for *_, first, last, full in rows)


@pytest.mark.dbt
@pytest.mark.postgres
def test_computed_columns_and_reserved_words_build_on_postgres(
    catalog, tmp_path: Path, postgres: dict[str, str]
) -> None:
    import psycopg2

    report = _build(catalog, tmp_path, "postgres")
    schema = report.kept.removeprefix("schema ")
    connection = psycopg2.connect(
        host=postgres["DATAMIGRATE_PG_HOST"], port=postgres["DATAMIGRATE_PG_PORT"],
        user=postgres["DATAMIGRATE_PG_USER"], dbname=postgres["DATAMIGRATE_PG_DATABASE"],
    )  # fmt: skip
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        cursor.execute(f'select "Qty", "Price", "Total" from "{schema}"."dbo__Line"')
        rows = cursor.fetchall()
        assert rows and all(Decimal(total) == qty * price for qty, price, total in rows)
    finally:
        connection.cursor().execute(f'drop schema "{schema}" cascade')
        connection.close()
