"""DuckDB: the default target, embedded in datamigrate (its dbt adapter comes with it)."""

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


def _diff(part: str) -> str:
    """DuckDB's date_diff counts boundaries crossed, as DATEDIFF does (except weeks)."""
    return f"date_diff('{part}', CAST({{a}} AS TIMESTAMP), CAST({{b}} AS TIMESTAMP))"


_STYLES = {
    1: "%m/%d/%y",
    101: "%m/%d/%Y",
    2: "%y.%m.%d",
    102: "%Y.%m.%d",
    3: "%d/%m/%y",
    103: "%d/%m/%Y",
    4: "%d.%m.%y",
    104: "%d.%m.%Y",
    5: "%d-%m-%y",
    105: "%d-%m-%Y",
    8: "%H:%M:%S",
    108: "%H:%M:%S",
    10: "%m-%d-%y",
    110: "%m-%d-%Y",
    11: "%y/%m/%d",
    111: "%Y/%m/%d",
    12: "%y%m%d",
    112: "%Y%m%d",
    14: "%H:%M:%S:%g",
    114: "%H:%M:%S:%g",
    20: "%Y-%m-%d %H:%M:%S",
    120: "%Y-%m-%d %H:%M:%S",
    21: "%Y-%m-%d %H:%M:%S.%g",
    121: "%Y-%m-%d %H:%M:%S.%g",
    126: "%Y-%m-%dT%H:%M:%S.%g",
}
"""CONVERT style -> strftime/strptime format."""

SEMANTICS = Semantics(
    local_now="CAST(current_localtimestamp() AS TIMESTAMP)",
    utc_now="CAST(timezone('UTC', current_timestamp) AS TIMESTAMP)",
    datediff={
        "YEAR": _diff("year"),
        "QUARTER": _diff("quarter"),
        "MONTH": _diff("month"),
        # Weeks start on Sunday for DATEDIFF whatever DATEFIRST says: count Sundays crossed.
        # 1899-12-31 is a Sunday; floor division keeps dates before it right.
        "WEEK": "CAST(FLOOR(date_diff('day', DATE '1899-12-31', CAST({b} AS DATE)) / 7) - FLOOR(date_diff('day', DATE '1899-12-31', CAST({a} AS DATE)) / 7) AS BIGINT)",
        "DAY": _diff("day"),
        "HOUR": _diff("hour"),
        "MINUTE": _diff("minute"),
        "SECOND": _diff("second"),
        "MILLISECOND": _diff("millisecond"),
        "MICROSECOND": _diff("microsecond"),
        "NANOSECOND": _diff("microsecond") + " * 1000",
    },
    datepart={
        # SQL Server's default DATEFIRST is 7 (us_english): Sunday is day 1.
        "DAYOFWEEK": "CAST(EXTRACT(DOW FROM {d}) AS INT) + 1",
        # Week 1 holds 1 January; weeks start on Sunday (DATEFIRST 7).
        "WEEK": "CAST((EXTRACT(DOY FROM {d}) - 1 + EXTRACT(DOW FROM DATE_TRUNC('year', {d}))) // 7 AS INT) + 1",
        "WEEKISO": "CAST(EXTRACT(WEEK FROM {d}) AS INT)",
        "SECOND": "CAST(EXTRACT(SECOND FROM {d}) AS INT)",
        "DAYOFYEAR": "CAST(EXTRACT(DOY FROM {d}) AS INT)",
        "MICROSECOND": "CAST(EXTRACT(MICROSECONDS FROM {d}) % 1000000 AS INT)",
        "NANOSECOND": "CAST(EXTRACT(MICROSECONDS FROM {d}) % 1000000 AS INT) * 1000",
        "MILLISECOND": "CAST(EXTRACT(MICROSECONDS FROM {d}) // 1000 % 1000 AS INT)",
    },
    integer_extract=True,
    convert_styles=_STYLES,
    convert_style_default="strftime({d}, '%b ') || lpad(strftime({d}, '%-d'), 2, ' ') || strftime({d}, ' %Y ') || lpad(strftime({d}, '%-I'), 2, ' ') || strftime({d}, ':%M%p')",
    convert_style_126_no_ms="%Y-%m-%dT%H:%M:%S",
    format_text="strftime({d}, '{f}')",
    parse_text="strptime({s}, '{f}')",
    try_parse_text="try_strptime({s}, '{f}')",
    parse_format_codes={"%g": "%f"},  # strptime has no %g (milliseconds): %f reads them
    number_formats={
        "N": "format('{{:,.{n}f}}', ROUND(CAST({x} AS DECIMAL(38, 10)), {n}))",
        "F": "format('{{:.{n}f}}', ROUND(CAST({x} AS DECIMAL(38, 10)), {n}))",
    },
    rounded_text="CAST(ROUND(CAST({x} AS DECIMAL(38, {n})), {n}) AS VARCHAR)",
    pattern_position="CASE WHEN {s} IS NULL OR {p} IS NULL THEN NULL WHEN regexp_matches({s}, {re}, 'is') THEN length(regexp_extract({s}, {re_prefix}, 1, 'is')) + 1 ELSE 0 END",
    like_regex="regexp_full_match({s}, {re}, 'is')",
    replace_ci=REPLACE_CI_BY_REGEX,
    make_date=MAKE_DATE,
    stuff=STUFF_BY_SUBSTRING,
    replicate=REPLICATE_BY_REPEAT,
    length_bytes="strlen({s})",
    text_type="VARCHAR",
    float_slash=True,
    non_raising_cast=True,
)

DUCKDB = Target(
    name="duckdb",
    column_names_ignore_case=True,  # "case-insensitive (when unquoted, and also when quoted)"
    dialect="duckdb",
    adapter="duckdb",
    types=COMMON_TYPES
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
    semantics=SEMANTICS,
)
