"""Every target maps every SQL Server type to a type its own dialect accepts, and its semantics
templates are SQL of its dialect over the rewrites' arguments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlglot import exp

import datamigrate_cli
from datamigrate_cli.convert.semantics import fill
from datamigrate_cli.convert.semantics.dates import DATEDIFF_UNITS, DATEPART_REWRITTEN
from datamigrate_cli.model.catalog import Column
from datamigrate_cli.model.errors import InputError
from datamigrate_cli.targets import DEFAULT_TARGET, TARGETS, get_target, target_type

# Every system type of SQL Server 2022 (sys.types), as the Catalog names them.
SQLSERVER_TYPES = [
    "bigint", "int", "smallint", "tinyint", "bit", "decimal", "numeric", "money", "smallmoney", "float", "real",
    "date", "time", "datetime", "datetime2", "smalldatetime", "datetimeoffset", "char", "nchar", "varchar",
    "nvarchar", "text", "ntext", "binary", "varbinary", "image", "uniqueidentifier", "xml", "sql_variant",
    "hierarchyid", "geography", "geometry", "rowversion", "timestamp", "sysname",
]  # fmt: skip
# Types sqlglot itself cannot parse, though the target has them.
SQLGLOT_UNKNOWN = {("sqlserver", "hierarchyid")}


def test_six_targets() -> None:
    assert sorted(TARGETS) == ["bigquery", "databricks", "duckdb", "postgres", "snowflake", "sqlserver"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("data_type", SQLSERVER_TYPES)
def test_every_type_maps_to_a_type_of_the_target(target: str, data_type: str) -> None:
    assert data_type in TARGETS[target].types, f"{target} has no mapping for {data_type}"
    for length in (None, 20, -1):
        column = Column(name="c", data_type=data_type, max_length=length, precision=12, scale=3)
        mapped = target_type(TARGETS[target], column)
        assert mapped
        if (target, data_type) not in SQLGLOT_UNKNOWN:
            exp.DataType.build(mapped, dialect=TARGETS[target].dialect)


def test_max_lengths() -> None:
    column = Column(name="c", data_type="varbinary", max_length=-1)
    assert target_type(TARGETS["sqlserver"], column) == "varbinary(max)"
    assert target_type(TARGETS["duckdb"], Column(name="c", data_type="nvarchar", max_length=-1)) == "varchar"


def test_only_duckdb_and_postgres_adapters_come_with_datamigrate() -> None:
    assert {name for name, target in TARGETS.items() if target.extra is None} == {"duckdb", "postgres"}


@pytest.mark.parametrize("target", TARGETS)
def test_every_semantics_template_parses_in_the_target_dialect(target: str) -> None:
    semantics = TARGETS[target].semantics
    templates = [value for value in vars(semantics).values() if isinstance(value, str) and "{" in value] + [
        *semantics.datediff.values(),
        *semantics.datepart.values(),
        *semantics.number_formats.values(),
    ]
    for template in templates:
        names = set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", template))
        # text arguments (formats, sizes) are spliced into the SQL text; the rest are expressions
        texts = {name: "2" if name == "n" else "%Y" for name in names & {"f", "n", "point"}}
        texts["point"] = ".00" if "point" in names else ""
        fill(
            template,
            TARGETS[target].dialect,
            **{name: exp.column(name) for name in names - set(texts)},
            **texts,
        )


@pytest.mark.parametrize("target", TARGETS)
def test_semantics_name_only_parts_the_rewrites_know(target: str) -> None:
    semantics = TARGETS[target].semantics
    assert set(semantics.datediff) <= DATEDIFF_UNITS
    assert set(semantics.datepart) <= DATEPART_REWRITTEN
    assert set(semantics.number_formats) <= {"N", "F"}
    assert all(isinstance(style, int) for style in semantics.convert_styles)


def test_duckdb_and_postgres_rewrite_every_date_part() -> None:
    for target in ("duckdb", "postgres"):
        assert set(TARGETS[target].semantics.datediff) == DATEDIFF_UNITS
        assert set(TARGETS[target].semantics.datepart) == DATEPART_REWRITTEN


def test_only_sqlserver_runs_tsql_and_is_not_rewritten() -> None:
    assert [name for name, target in TARGETS.items() if target.tsql_native] == ["sqlserver"]


def test_targets_are_looked_up_by_name_with_a_suggestion() -> None:
    assert get_target("DuckDB") is TARGETS["duckdb"] and DEFAULT_TARGET in TARGETS
    with pytest.raises(InputError, match="did you mean 'postgres'"):
        get_target("postgre")


# Modules whose target-specific behaviour comes from Target attributes, never from its name.
NAME_BLIND = [
    "convert/semantics",
    "convert/query.py",
    "convert/casts.py",
    "validate/warehouse.py",
    "validate/semantic_check.py",
]
_NAME_TEST = re.compile(
    r"""(\.name|dialect)\s*(==|!=|\bin\b)\s*[("{\[]?\s*["'](duckdb|postgres|snowflake|bigquery|databricks|sqlserver|tsql)["']"""
)


def test_no_rewrite_or_check_tests_a_target_name() -> None:
    package = Path(datamigrate_cli.__file__).parent
    for entry in NAME_BLIND:
        for path in (
            sorted((package / entry).rglob("*.py")) if (package / entry).is_dir() else [package / entry]
        ):
            found = _NAME_TEST.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path.relative_to(package)} tests a target's name: {found.group(0)}"
