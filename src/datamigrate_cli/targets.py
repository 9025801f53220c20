"""One definition per target warehouse: sqlglot dialect, dbt adapter, profile, type map."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .catalog import Column
from .errors import InputError


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
    profile_output: dict[str, str] = field(default_factory=dict)


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
            return target.unbounded_text
        return template.format(n=column.max_length)
    if "{p}" in template:
        return template.format(p=column.precision or 18, s=column.scale or 0)
    return template
