"""BigQuery: needs `pip install 'datamigrate[bigquery]'` for dbt; no T-SQL rewrites yet (flagged)."""

from __future__ import annotations

from .base import Target, text_everywhere

BIGQUERY = Target(
    name="bigquery",
    column_names_ignore_case=True,  # "Duplicate column names are not allowed even if the case differs"
    dialect="bigquery",
    adapter="bigquery",
    types=text_everywhere("string")
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
