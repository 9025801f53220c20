"""The executed fidelity suite: each T-SQL case in cases/tsql_semantics.yml is converted the way
views are (qualify + annotate with T-SQL types, then `semantics.rewrite`), run for real on
DuckDB and on the PostgreSQL server, and compared with what SQL Server returns (per Microsoft's
documentation, cited in each case). A case with `flag` asserts the flag instead of a value on
the targets it names (and the value too when the case says the result is `still_exact`)."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import uuid
from pathlib import Path

import pytest
import sqlglot
import yaml

from datamigrate_cli.convert import semantics
from datamigrate_cli.convert.query import annotate
from datamigrate_cli.model.issues import CATALOGUE, Issue, Severity

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "tsql_semantics.yml").read_text(encoding="utf-8"))
TARGETS = ("duckdb", "postgres")
NOW = "<now>"
"""`expected` for GETDATE-like cases: a timestamp without time zone within a minute of now."""


def convert(tsql: str, dialect: str) -> tuple[str, list[Issue]]:
    """An expression (or a SELECT) in T-SQL -> the SQL to run on `dialect`, and the flags."""
    text = tsql if tsql.lstrip().upper().startswith(("SELECT", "WITH")) else f"SELECT {tsql} AS v"
    query = annotate(sqlglot.parse_one(text, read="tsql"), schema={})
    flags = semantics.rewrite(query, dialect)
    return query.sql(dialect=dialect), flags


def normalise(value: object) -> object:
    """Values as the YAML file writes them: dates and times as ISO text, numbers by value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _params() -> list:
    params = []
    for index, case in enumerate(CASES):
        for target in TARGETS:
            marks = [pytest.mark.postgres] if target == "postgres" else []
            name = f"{index:03d}-{case['construct']}-{target}"
            params.append(pytest.param(case, target, id=name, marks=marks))
    return params


@pytest.fixture(scope="module")
def duckdb_connection():
    import duckdb

    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def postgres_connection(postgres_server: dict[str, str]):
    import psycopg2

    connection = psycopg2.connect(
        host=postgres_server["DATAMIGRATE_PG_HOST"],
        port=postgres_server["DATAMIGRATE_PG_PORT"],
        user=postgres_server["DATAMIGRATE_PG_USER"],
        dbname=postgres_server["DATAMIGRATE_PG_DATABASE"],
        password=os.environ.get("DATAMIGRATE_PG_PASSWORD", ""),
        connect_timeout=5,
    )
    connection.autocommit = True
    yield connection
    connection.close()


def run(request: pytest.FixtureRequest, target: str, sql: str) -> list[tuple]:
    if target == "duckdb":
        return request.getfixturevalue("duckdb_connection").execute(sql).fetchall()
    with request.getfixturevalue("postgres_connection").cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.parametrize(("case", "target"), _params())
def test_converted_expression_returns_what_sql_server_returns(case: dict, target: str, request) -> None:
    sql, flags = convert(case["tsql"], target)
    expected_flag = case.get("flag")
    if isinstance(expected_flag, dict):
        expected_flag = expected_flag.get(target)
    if expected_flag:
        assert expected_flag in [flag.code for flag in flags], f"{sql}\nflags: {flags}"
        if not case.get("still_exact"):
            return
    else:
        assert not [f for f in flags if f.severity == "error"], f"{sql}\nflags: {flags}"
    rows = run(request, target, sql)
    if "rows" in case:
        got = [[normalise(value) for value in row] for row in rows]
        assert got == case["rows"], f"{case['tsql']}\n-> {sql}"
        return
    assert len(rows) == 1 and len(rows[0]) == 1, f"{sql} returned {rows}"
    value = rows[0][0]
    if case["expected"] == NOW:
        assert isinstance(value, dt.datetime) and value.tzinfo is None, f"{sql} -> {value!r}"
        assert abs(value - dt.datetime.now()) < dt.timedelta(minutes=1) or abs(
            value - dt.datetime.utcnow()
        ) < dt.timedelta(minutes=1)
        return
    expected = case["expected"]
    got = normalise(value)
    if isinstance(expected, float) or isinstance(got, float):
        assert got == pytest.approx(expected), f"{case['tsql']}\n-> {sql}"
    else:
        assert got == expected, f"{case['tsql']}\n-> {sql}\ngot {got!r}"


def test_every_case_cites_microsoft_documentation() -> None:
    for case in CASES:
        assert case.get("source", "").startswith("https://learn.microsoft.com/"), case["tsql"]
        assert {"tsql", "construct", "source"} <= case.keys() and (
            "expected" in case or "rows" in case or "flag" in case
        )


def test_there_are_at_least_150_cases() -> None:
    assert len(CASES) >= 150


def test_every_flag_a_case_expects_is_an_expression_code_of_the_catalogue() -> None:
    for case in CASES:
        flag = case.get("flag")
        for code in flag.values() if isinstance(flag, dict) else [flag] if flag else []:
            assert code.startswith("DM2") and CATALOGUE[code].severity in {Severity.ERROR, Severity.WARNING}
