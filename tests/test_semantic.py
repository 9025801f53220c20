"""The semantic check and the sample rows, without dbt: a hand-written manifest, real DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.targets import TARGETS
from datamigrate_cli.validate.sample import sample_rows
from datamigrate_cli.validate.semantic_check import check_models

FIXTURES = Path(__file__).parent / "fixtures"

DUCKDB = TARGETS["duckdb"]
CATALOG, _ = extract_scripts([FIXTURES / "small.sql"])
SOURCES = {
    "source.p.shop.customer": {"schema": "shop", "identifier": "Customer"},
    "source.p.shop.visit": {"schema": "shop", "identifier": "Visit"},
}
STAGING = (
    'select cast("CustomerID" as integer) as customer_id, cast("Name" as varchar) as name, '
    'cast("Tier" as varchar) as tier from "db"."shop"."Customer"'
)


def manifest(mart_sql: str) -> dict:
    return {
        "sources": SOURCES,
        "nodes": {
            "model.p.stg": {"resource_type": "model", "name": "stg", "schema": "main", "compiled_code": STAGING,
                            "depends_on": {"nodes": ["source.p.shop.customer"]}},
            "model.p.mart": {"resource_type": "model", "name": "mart", "schema": "main", "compiled_code": mart_sql,
                             "depends_on": {"nodes": ["model.p.stg"]}},
        },
    }  # fmt: skip


CASES = {
    "reads known columns": ("select c.name, count(*) as n from db.main.stg as c group by c.name", None),
    "unknown column": ("select c.nickname from db.main.stg as c", "column nickname does not exist"),
    "unqualified unknown column": ("select nickname from db.main.stg", "column nickname is in none"),
    "ambiguous column": ("select name from db.main.stg as a, db.main.stg as b", "more than one"),
    "unknown table": ("select * from db.main.no_such_model", "reads main.no_such_model"),
    "source column the staging model drops": ('select "Order" from db.main.stg', "Order"),
    "text compared with a number": ("select * from db.main.stg where name = customer_id", "type clash"),
    "text in arithmetic": ("select name * customer_id as x from db.main.stg", "type clash"),
    "literal compared with text is fine": ("select * from db.main.stg where name = 'x'", None),
    "date arithmetic is fine": ("select current_date - customer_id as d from db.main.stg", None),
    "syntax error": ("select (name from db.main.stg", "does not parse"),
}


@pytest.mark.parametrize("name", CASES)
def test_semantic_check(name: str) -> None:
    sql, expected = CASES[name]
    findings = check_models(manifest(sql), CATALOG, DUCKDB)
    assert "model.p.stg" not in findings
    if expected is None:
        assert findings == {}
    else:
        assert expected.lower() in findings["model.p.mart"].message.lower()


@pytest.mark.parametrize("condition", ["(tier = 'A') = 1", "tier = 1"])
def test_postgres_refuses_a_boolean_or_text_compared_with_a_number(condition: str) -> None:
    sql = f"select * from db.main.stg where {condition}"
    assert check_models(manifest(sql), CATALOG, DUCKDB) == {}
    assert "type clash" in check_models(manifest(sql), CATALOG, TARGETS["postgres"])["model.p.mart"].message
    assert check_models(manifest(sql.replace("1", "'1'")), CATALOG, TARGETS["postgres"]) == {}


# ------------------------------------------------------------------ sample rows keep CHECKs
CHECKS = {
    # CHECK as written in T-SQL (pubs and AdventureWorks shapes), the same condition in DuckDB SQL
    "zip LIKE '[0-9][0-9][0-9][0-9][0-9]'": "regexp_full_match(zip, '[0-9]{5}')",
    "au_id LIKE '[0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9]'": "regexp_full_match(au_id, '\\d{3}-\\d{2}-\\d{4}')",
    "pub_id IN ('1389', '0736', '0877') OR pub_id LIKE '99[0-9][0-9]'": "pub_id in ('1389', '0736', '0877') or regexp_full_match(pub_id, '99\\d\\d')",
    "emp_id LIKE '[A-Z][A-Z][A-Z][1-9][0-9][0-9][0-9][0-9][FM]' OR emp_id LIKE '[A-Z]-[A-Z][1-9][0-9][0-9][0-9][0-9][FM]'":
        "regexp_full_match(emp_id, '[A-Z]{3}[1-9]\\d{4}[FM]') or regexp_full_match(emp_id, '[A-Z]-[A-Z][1-9]\\d{4}[FM]')",
    "min_lvl >= 10": "min_lvl >= 10",
    "max_lvl <= 250": "max_lvl <= 250 and max_lvl >= 0",
    "qty BETWEEN 1 AND 100": "qty between 1 and 100",
    "discount > 0 AND discount < 100": "discount > 0 and discount < 100",
    "([Tier] IN ('A', 'B', 'C'))": "tier in ('A', 'B', 'C')",
    "([Status]='A' OR [Status]='B')": "status in ('A', 'B')",
    "([Qty]>=(10))": "qty >= 10",
    "Rate > 0 AND Rate < 1": "rate > 0 and rate < 1",
    "Pct >= 0": "pct >= 0 and pct <= 99.99",
}  # fmt: skip
COLUMNS = {"zip": "char(5)", "au_id": "varchar(11)", "pub_id": "char(4)", "emp_id": "char(9)", "min_lvl": "tinyint",
           "max_lvl": "tinyint", "qty": "smallint", "discount": "decimal(4,2)", "tier": "char(1)", "status": "char(1)",
           "rate": "decimal(4,2)", "pct": "decimal(4,2)"}  # fmt: skip


@pytest.mark.parametrize("check", CHECKS)
def test_sample_rows_meet_check_constraints(check: str, tmp_path) -> None:
    column = next(name for name in COLUMNS if name in check.lower())
    script = tmp_path / "t.sql"
    script.write_text(
        f"CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, {column} {COLUMNS[column]} NOT NULL "
        f"UNIQUE CHECK ({check}))\n",
        encoding="utf-8",
    )
    catalog, _ = extract_scripts([script])
    (sample,) = sample_rows(catalog, 150)  # more rows than decimal(4,2) has whole numbers
    values = [row[1] for row in sample.rows]
    assert len(values) > 1 and len(set(values)) == len(values)  # a unique column gets distinct values
    connection = duckdb.connect()
    connection.execute(f"create table t ({column} varchar)" if "(" in COLUMNS[column] and "char" in COLUMNS[column]
                       else f"create table t ({column} double)")  # fmt: skip
    connection.executemany(
        "insert into t values (?)", [(str(v) if isinstance(v, str) else float(v),) for v in values]
    )
    (broken,) = connection.execute(f"select count(*) from t where not ({CHECKS[check]})").fetchone()
    assert broken == 0


def test_sample_rows_keep_foreign_keys_and_keys() -> None:
    (customer, visit) = sample_rows(CATALOG, 30)
    customer_ids = {row[0] for row in customer.rows}
    assert len(customer_ids) == len(customer.rows) == 30
    assert all(row[0] in customer_ids for row in visit.rows)
    keys = [(row[0], row[1]) for row in visit.rows]
    assert len(set(keys)) == len(keys)
    assert sample_rows(CATALOG, 30) == [customer, visit]  # deterministic


def test_the_warehouse_removes_rows_that_break_a_check_and_says_when_none_are_left(tmp_path) -> None:
    from datamigrate_cli.validate.warehouse import DuckDBWarehouse

    script = tmp_path / "t.sql"
    script.write_text(
        "CREATE TABLE dbo.z (id int NOT NULL PRIMARY KEY, code varchar(10) NOT NULL CHECK (code NOT LIKE 'c%'),\n"
        "  zip char(5) NOT NULL CHECK (zip NOT LIKE '%[^0-9]%'))\n"
        "GO\nCREATE TABLE dbo.child (id int NOT NULL PRIMARY KEY, z_id int NOT NULL REFERENCES dbo.z (id))\n",
        encoding="utf-8",
    )
    catalog, _ = extract_scripts([script])
    warehouse = DuckDBWarehouse(tmp_path, DUCKDB, keep=True)
    loaded = warehouse.load(catalog, 12)
    connection = duckdb.connect(str(warehouse.path))
    kept = connection.execute("select code, zip from dbo.z").fetchall()
    orphans = connection.execute(
        "select count(*) from dbo.child where z_id not in (select id from dbo.z)"
    ).fetchone()
    connection.close()
    # A NOT LIKE gives the generator no values to build; every generated code starts with "code_".
    assert kept == [] and loaded.rows == {"[dbo].[z]": 0, "[dbo].[child]": 0} and orphans == (0,)
    assert any("[dbo].[z]: no sample row" in warning for warning in loaded.warnings)
