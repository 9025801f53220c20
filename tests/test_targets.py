"""Every target maps every SQL Server type to a type its own dialect accepts."""

from __future__ import annotations

import pytest
from sqlglot import exp

from datamigrate_cli.model.catalog import Column
from datamigrate_cli.targets import TARGETS, target_type

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
