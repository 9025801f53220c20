"""PostgreSQL: its dbt adapter comes with datamigrate; `validate --level build` runs on a server."""

from __future__ import annotations

from .base import (
    COMMON_TYPES,
    MAKE_DATE,
    REPLACE_CI_BY_REGEX,
    REPLICATE_BY_REPEAT,
    STUFF_BY_SUBSTRING,
    Semantics,
    Target,
)

# DATEDIFF counts boundaries crossed: truncate both ends to the part, then take the difference.
_EPOCH_DIFF = "CAST((EXTRACT(EPOCH FROM DATE_TRUNC('{unit}', CAST({{b}} AS TIMESTAMP))) - EXTRACT(EPOCH FROM DATE_TRUNC('{unit}', CAST({{a}} AS TIMESTAMP)))) * {scale} AS BIGINT)"
_FIELD_DIFF = "CAST((EXTRACT(YEAR FROM CAST({{b}} AS TIMESTAMP)) * {n} + {field_b}) - (EXTRACT(YEAR FROM CAST({{a}} AS TIMESTAMP)) * {n} + {field_a}) AS BIGINT)"


def _field_diff(field: str, per_year: int) -> str:
    return _FIELD_DIFF.format(
        n=per_year,
        field_b=f"EXTRACT({field} FROM CAST({{b}} AS TIMESTAMP))",
        field_a=f"EXTRACT({field} FROM CAST({{a}} AS TIMESTAMP))",
    )


_STYLES = {
    1: "MM/DD/YY",
    101: "MM/DD/YYYY",
    2: "YY.MM.DD",
    102: "YYYY.MM.DD",
    3: "DD/MM/YY",
    103: "DD/MM/YYYY",
    4: "DD.MM.YY",
    104: "DD.MM.YYYY",
    5: "DD-MM-YY",
    105: "DD-MM-YYYY",
    8: "HH24:MI:SS",
    108: "HH24:MI:SS",
    10: "MM-DD-YY",
    110: "MM-DD-YYYY",
    11: "YY/MM/DD",
    111: "YYYY/MM/DD",
    12: "YYMMDD",
    112: "YYYYMMDD",
    14: "HH24:MI:SS:MS",
    114: "HH24:MI:SS:MS",
    20: "YYYY-MM-DD HH24:MI:SS",
    120: "YYYY-MM-DD HH24:MI:SS",
    21: "YYYY-MM-DD HH24:MI:SS.MS",
    121: "YYYY-MM-DD HH24:MI:SS.MS",
    126: 'YYYY-MM-DD"T"HH24:MI:SS.MS',
}
"""CONVERT style -> to_char/to_timestamp format."""

SEMANTICS = Semantics(
    local_now="LOCALTIMESTAMP",
    utc_now="CAST(timezone('UTC', now()) AS TIMESTAMP)",
    datediff={
        "YEAR": "CAST(EXTRACT(YEAR FROM CAST({b} AS TIMESTAMP)) - EXTRACT(YEAR FROM CAST({a} AS TIMESTAMP)) AS BIGINT)",
        "QUARTER": _field_diff("QUARTER", 4),
        "MONTH": _field_diff("MONTH", 12),
        # Weeks start on Sunday for DATEDIFF whatever DATEFIRST says: count Sundays crossed.
        # 1899-12-31 is a Sunday; floor division keeps dates before it right.
        "WEEK": "CAST(FLOOR((CAST({b} AS DATE) - DATE '1899-12-31') / 7.0) - FLOOR((CAST({a} AS DATE) - DATE '1899-12-31') / 7.0) AS BIGINT)",
        "DAY": "CAST(CAST({b} AS DATE) - CAST({a} AS DATE) AS BIGINT)",
        "HOUR": _EPOCH_DIFF.format(unit="hour", scale="1 / 3600"),
        "MINUTE": _EPOCH_DIFF.format(unit="minute", scale="1 / 60"),
        "SECOND": _EPOCH_DIFF.format(unit="second", scale="1"),
        "MILLISECOND": _EPOCH_DIFF.format(unit="milliseconds", scale="1000"),
        "MICROSECOND": _EPOCH_DIFF.format(unit="microseconds", scale="1000000"),
        "NANOSECOND": _EPOCH_DIFF.format(unit="microseconds", scale="1000000000"),
    },
    datepart={
        # SQL Server's default DATEFIRST is 7 (us_english): Sunday is day 1.
        "DAYOFWEEK": "CAST(EXTRACT(DOW FROM {d}) AS INT) + 1",
        # Week 1 holds 1 January; weeks start on Sunday (DATEFIRST 7).
        "WEEK": "CAST(FLOOR((EXTRACT(DOY FROM {d}) - 1 + EXTRACT(DOW FROM DATE_TRUNC('year', {d}))) / 7) AS INT) + 1",
        "WEEKISO": "CAST(EXTRACT(WEEK FROM {d}) AS INT)",
        "SECOND": "CAST(FLOOR(EXTRACT(SECOND FROM {d})) AS INT)",
        "DAYOFYEAR": "CAST(EXTRACT(DOY FROM {d}) AS INT)",
        "MICROSECOND": "CAST(EXTRACT(MICROSECONDS FROM {d}) AS INT) % 1000000",
        "NANOSECOND": "(CAST(EXTRACT(MICROSECONDS FROM {d}) AS INT) % 1000000) * 1000",
        "MILLISECOND": "CAST(FLOOR(EXTRACT(MICROSECONDS FROM {d}) / 1000) AS INT) % 1000",
    },
    convert_styles=_STYLES,
    convert_style_default="to_char({d}, 'Mon ') || lpad(to_char({d}, 'FMDD'), 2, ' ') || to_char({d}, ' YYYY ') || lpad(to_char({d}, 'FMHH12'), 2, ' ') || to_char({d}, ':MIAM')",
    convert_style_126_no_ms='YYYY-MM-DD"T"HH24:MI:SS',
    format_text="to_char({d}, '{f}')",
    parse_text="to_timestamp({s}, '{f}')",
    am_pm_code="AM",
    number_formats={
        "N": "to_char(ROUND(CAST({x} AS NUMERIC), {n}), 'FM999,999,999,999,999,990{point}')",
        "F": "to_char(ROUND(CAST({x} AS NUMERIC), {n}), 'FM999999999999999990{point}')",
    },
    rounded_text="CAST(ROUND(CAST({x} AS NUMERIC), {n}) AS TEXT)",
    pattern_position="regexp_instr({s}, {re}, 1, 1, 0, 'i')",
    like_regex="{s} ~* {re}",
    replace_ci=REPLACE_CI_BY_REGEX,
    make_date=MAKE_DATE,
    stuff=STUFF_BY_SUBSTRING,
    replicate=REPLICATE_BY_REPEAT,
    length_bytes="octet_length({s})",
    text_type="TEXT",
)

POSTGRES = Target(
    name="postgres",
    max_columns=1600,  # "columns per table: 1,600" (Appendix K, PostgreSQL Limits)
    dialect="postgres",
    adapter="postgres",
    types=COMMON_TYPES
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
    semantics=SEMANTICS,
    strict_number_literals=True,
)
