"""Databricks: needs `pip install 'datamigrate[databricks]'` for dbt; no T-SQL rewrites yet (flagged)."""

from __future__ import annotations

from .base import COMMON_TYPES, Target, text_everywhere

DATABRICKS = Target(
    name="databricks",
    column_names_ignore_case=True,  # spark.sql.caseSensitive is false by default
    dialect="databricks",
    adapter="databricks",
    types=COMMON_TYPES
    | text_everywhere("string")
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
