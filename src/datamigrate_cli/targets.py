"""One definition per target warehouse: sqlglot dialect, dbt adapter, profile, type map."""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass

from .model.catalog import Column
from .model.errors import InputError


@dataclass(frozen=True)
class Target:
    name: str
    dialect: str
    """sqlglot dialect name."""
    adapter: str
    """dbt adapter type, as in profiles.yml."""
    types: dict[str, str]
    """SQL Server base type -> target type; `{n}`, `{p}`, `{s}` are length, precision, scale."""
    unbounded_text: str
    """The target's text type without a length (for MAX and for types it cannot bound)."""
    extra: str | None = None
    """The pip extra that installs its dbt adapter (None: installed with datamigrate)."""
    max_length: str | None = None
    """How a MAX length is written, when the target has one (SQL Server: max)."""

    @property
    def adapter_installed(self) -> bool:
        return importlib.util.find_spec(f"dbt.adapters.{self.adapter}") is not None


_COMMON = {
    "bigint": "bigint",
    "int": "integer",
    "smallint": "smallint",
    "tinyint": "smallint",  # SQL Server's tinyint is 0..255: it does not fit a signed byte
    "bit": "boolean",
    "decimal": "decimal({p},{s})",
    "numeric": "decimal({p},{s})",
    "money": "decimal(19,4)",
    "smallmoney": "decimal(10,4)",
    "float": "double precision",
    "real": "real",
    "date": "date",
    "time": "time",
    "datetime": "timestamp",
    "datetime2": "timestamp",
    "smalldatetime": "timestamp",
    "datetimeoffset": "timestamp with time zone",
    "char": "char({n})",
    "nchar": "char({n})",
    "varchar": "varchar({n})",
    "nvarchar": "varchar({n})",
    "sysname": "varchar(128)",
    "uniqueidentifier": "uuid",
}

TARGETS: dict[str, Target] = {
    "duckdb": Target(
        name="duckdb",
        dialect="duckdb",
        adapter="duckdb",
        types=_COMMON
        | {
            "float": "double",
            "char": "varchar",
            "nchar": "varchar",
            "varchar": "varchar",
            "nvarchar": "varchar",
            "sysname": "varchar",
            "text": "varchar",
            "ntext": "varchar",
            "xml": "varchar",
            "binary": "blob",
            "varbinary": "blob",
            "image": "blob",
            "rowversion": "blob",
            "timestamp": "blob",  # SQL Server's timestamp is rowversion, not a point in time
            "sql_variant": "varchar",
            "hierarchyid": "varchar",
            "geography": "varchar",
            "geometry": "varchar",
        },
        unbounded_text="varchar",
    ),
    "postgres": Target(
        name="postgres",
        dialect="postgres",
        adapter="postgres",
        types=_COMMON
        | {
            "text": "text",
            "ntext": "text",
            "xml": "xml",
            "binary": "bytea",
            "varbinary": "bytea",
            "image": "bytea",
            "rowversion": "bytea",
            "timestamp": "bytea",
            "sql_variant": "text",
            "hierarchyid": "text",
            "geography": "text",
            "geometry": "text",
        },
        unbounded_text="text",
    ),
}
_TEXT_EVERYWHERE = dict.fromkeys(
    ["char", "nchar", "varchar", "nvarchar", "sysname", "text", "ntext", "xml", "sql_variant", "hierarchyid",
     "uniqueidentifier"],
    "{text}",
)  # fmt: skip


def _with_text(types: dict[str, str], text: str) -> dict[str, str]:
    return {name: template.replace("{text}", text) for name, template in types.items()}


TARGETS["snowflake"] = Target(
    name="snowflake",
    dialect="snowflake",
    adapter="snowflake",
    types=_COMMON
    | {
        "decimal": "number({p},{s})",
        "numeric": "number({p},{s})",
        "money": "number(19,4)",
        "smallmoney": "number(10,4)",
        "float": "float",
        "real": "float",
        "datetime": "timestamp_ntz",
        "datetime2": "timestamp_ntz",
        "smalldatetime": "timestamp_ntz",
        "datetimeoffset": "timestamp_tz",
        "char": "varchar({n})",
        "nchar": "varchar({n})",
        "uniqueidentifier": "varchar(36)",
        "text": "varchar",
        "ntext": "varchar",
        "xml": "varchar",
        "sql_variant": "variant",
        "hierarchyid": "varchar",
        "binary": "binary",
        "varbinary": "binary",
        "image": "binary",
        "rowversion": "binary(8)",
        "timestamp": "binary(8)",
        "geography": "geography",
        "geometry": "geometry",
    },
    unbounded_text="varchar",
    extra="snowflake",
)
TARGETS["bigquery"] = Target(
    name="bigquery",
    dialect="bigquery",
    adapter="bigquery",
    types=_with_text(_TEXT_EVERYWHERE, "string")
    | {
        "bigint": "int64",
        "int": "int64",
        "smallint": "int64",
        "tinyint": "int64",
        "bit": "bool",
        "decimal": "bignumeric({p},{s})",  # NUMERIC holds only 29 digits before the point
        "numeric": "bignumeric({p},{s})",
        "money": "numeric(19,4)",
        "smallmoney": "numeric(10,4)",
        "float": "float64",
        "real": "float64",
        "date": "date",
        "time": "time",
        "datetime": "datetime",
        "datetime2": "datetime",
        "smalldatetime": "datetime",
        "datetimeoffset": "timestamp",
        "binary": "bytes",
        "varbinary": "bytes",
        "image": "bytes",
        "rowversion": "bytes",
        "timestamp": "bytes",
        "geography": "geography",
        "geometry": "string",
    },
    unbounded_text="string",
    extra="bigquery",
)
TARGETS["databricks"] = Target(
    name="databricks",
    dialect="databricks",
    adapter="databricks",
    types=_COMMON
    | _with_text(_TEXT_EVERYWHERE, "string")
    | {
        "float": "double",
        "real": "float",
        "time": "string",  # Databricks has no time-of-day type
        "datetime": "timestamp_ntz",
        "datetime2": "timestamp_ntz",
        "smalldatetime": "timestamp_ntz",
        "datetimeoffset": "timestamp",
        "binary": "binary",
        "varbinary": "binary",
        "image": "binary",
        "rowversion": "binary",
        "timestamp": "binary",
        "geography": "string",
        "geometry": "string",
    },
    unbounded_text="string",
    extra="databricks",
)
_SQLSERVER_NATIVE = [
    "bigint", "int", "smallint", "tinyint", "bit", "money", "smallmoney", "float", "real", "date", "datetime",
    "smalldatetime", "uniqueidentifier", "text", "ntext", "xml", "image", "sql_variant", "hierarchyid",
    "geography", "geometry",
]  # fmt: skip
TARGETS["sqlserver"] = Target(
    name="sqlserver",
    dialect="tsql",
    adapter="sqlserver",
    types={name: name for name in _SQLSERVER_NATIVE}
    | {
        "decimal": "decimal({p},{s})",
        "numeric": "numeric({p},{s})",
        "time": "time",
        "datetime2": "datetime2",
        "datetimeoffset": "datetimeoffset",
        "char": "char({n})",
        "nchar": "nchar({n})",
        "varchar": "varchar({n})",
        "nvarchar": "nvarchar({n})",
        "binary": "binary({n})",
        "varbinary": "varbinary({n})",
        "rowversion": "binary(8)",  # a copy of a rowversion is a plain 8-byte value
        "timestamp": "binary(8)",
        "sysname": "nvarchar(128)",
    },
    unbounded_text="nvarchar(max)",
    extra="sqlserver",
    max_length="max",
)
DEFAULT_TARGET = "duckdb"


def get_target(name: str) -> Target:
    """The target called `name`. Raises InputError with a suggestion for an unknown name."""
    target = TARGETS.get(name.lower())
    if target is None:
        close = difflib.get_close_matches(name.lower(), TARGETS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(f"unknown target '{name}': {hint}choose one of {', '.join(TARGETS)}")
    return target


def target_type(target: Target, column: Column) -> str | None:
    """The target type for a column, or None when it has no declared type (computed columns)."""
    template = target.types.get(column.data_type)
    if template is None:
        return None if column.data_type == "computed" else target.unbounded_text
    if "{n}" in template:
        if column.max_length is None or column.max_length < 0:
            return template.format(n=target.max_length) if target.max_length else target.unbounded_text
        return template.format(n=column.max_length)
    if "{p}" in template:
        return template.format(p=column.precision or 18, s=column.scale or 0)
    return template
