"""semantics.rewrite inside view conversion: flags become warnings or errors of the view."""

from __future__ import annotations

import sqlglot

from datamigrate_cli.convert.query import Relation, convert_view
from datamigrate_cli.targets import TARGETS

ORDERS = Relation(
    model="stg_shop__orders",
    columns={"id": "id", "code": "code", "placed": "placed_at", "shipped": "shipped"},
    types={"id": "int", "code": "varchar(10)", "placed": "datetime", "shipped": "bit"},
)


def convert(select: str, target: str = "duckdb"):
    query = sqlglot.parse_one(f"CREATE VIEW v AS {select}", read="tsql").expression
    return convert_view(query, {"dbo.orders": ORDERS}, TARGETS[target])


def test_cross_apply_joins_lateral_on_true() -> None:
    result = convert("SELECT o.id, x.n FROM dbo.orders AS o CROSS APPLY (SELECT o.id * 2 AS n) AS x")
    assert not result.errors and "JOIN LATERAL" in result.sql and "ON TRUE" in result.sql


def test_text_columns_compare_case_insensitively_and_concatenate_with_pipes() -> None:
    result = convert("SELECT o.code + '-' + o.code AS label FROM dbo.orders AS o WHERE o.code = 'ABC'")
    assert "LOWER(RTRIM(o.code, ' ')) = 'abc'" in result.sql and "o.code || '-' || o.code" in result.sql


def test_a_flag_that_changes_no_value_is_a_warning() -> None:
    result = convert("SELECT TRY_CONVERT(int, o.code) AS n FROM dbo.orders AS o", target="postgres")
    assert result.sql is not None and [w for w in result.warnings if w.code == "DM201"]


def test_a_flag_that_would_change_values_is_an_error() -> None:
    result = convert("SELECT FORMAT(o.placed, 'C', 'de-DE') AS f FROM dbo.orders AS o")
    assert result.sql is None and [e for e in result.errors if e.code == "DM203"]


def test_output_types_are_kept_for_views_that_read_this_one() -> None:
    result = convert("SELECT o.code AS c, o.id + 1 AS n, o.placed AS p FROM dbo.orders AS o")
    assert result.types == {"c": "VARCHAR(10)", "n": "INTEGER", "p": "DATETIME"}


def test_a_recursive_cte_is_a_reason_to_review_not_a_crash() -> None:
    result = convert(
        "WITH c AS (SELECT o.id FROM dbo.orders AS o UNION ALL SELECT c.id + 1 FROM c JOIN dbo.orders AS o "
        "ON o.id = c.id) SELECT id FROM c"
    )
    assert result.sql is None and [e.code for e in result.errors] == ["DM212"]


def test_text_against_a_number_converts_the_text_and_bit_against_0_compares_a_boolean() -> None:
    result = convert("SELECT o.id FROM dbo.orders AS o WHERE o.code = 1 AND o.shipped = 0", target="postgres")
    assert "CAST(o.code AS INT) = 1" in result.sql and "o.shipped = FALSE" in result.sql
    assert (
        "o.code = 1" in convert("SELECT o.id FROM dbo.orders AS o WHERE o.code = 1", target="sqlserver").sql
    )


def test_order_by_an_output_alias_follows_the_renamed_column() -> None:
    result = convert("SELECT o.placed AS PlacedOn FROM dbo.orders AS o ORDER BY PlacedOn")
    assert "AS placed_on" in result.sql and "ORDER BY\n  placed_on" in result.sql


def test_with_rollup_is_written_the_way_the_target_reads_it() -> None:
    result = convert("SELECT o.code, COUNT(*) AS n FROM dbo.orders AS o GROUP BY o.code WITH ROLLUP")
    assert "ROLLUP (" in result.sql and "WITH ROLLUP" not in result.sql
    assert (
        "WITH ROLLUP"
        in convert(
            "SELECT o.code, COUNT(*) AS n FROM dbo.orders AS o GROUP BY o.code WITH ROLLUP",
            target="sqlserver",
        ).sql
    )
