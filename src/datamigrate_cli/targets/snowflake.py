"""Snowflake: needs `pip install 'datamigrate[snowflake]'` for dbt; no T-SQL rewrites yet (flagged)."""

from __future__ import annotations

from .base import COMMON_TYPES, Target

SNOWFLAKE = Target(
    name="snowflake",
    dialect="snowflake",
    adapter="snowflake",
    types=COMMON_TYPES
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
    offset_types=frozenset({"timestamp_tz"}),
)
