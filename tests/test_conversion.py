"""Conversion per target, as data: each case in cases/conversion.yml is a T-SQL expression,
predicate or query over one typed table, and beside it the SQL every target gets (and the flags
it raises). The expression is converted as views are: qualified and annotated with the T-SQL
types of `dbo.t`, then `semantics.rewrite` for the target. Like sqlglot's `validate_all`, the
file reads as the specification; a change of output is a reviewed diff of it.

Which of these results SQL Server agrees with is proved by running them: DuckDB and PostgreSQL
in test_semantics_fidelity.py. The notes in the YAML file say where a target is not exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from datamigrate_cli.convert import semantics
from datamigrate_cli.convert.query import annotate
from datamigrate_cli.model.issues import CATALOGUE
from datamigrate_cli.targets import TARGETS

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "conversion.yml").read_text(encoding="utf-8"))
TABLE = {
    "name": "varchar(20)",
    "memo": "varchar(100)",
    "nname": "nvarchar(20)",
    "code": "char(5)",
    "qty": "int",
    "price": "decimal(10,2)",
    "ratio": "float",
    "born": "date",
    "placed": "datetime",
    "flag": "bit",
}
"""The columns of dbo.t, the table every case reads (as `t`), with their SQL Server types."""
SUBJECTS = {"strings", "numbers", "dates", "casts", "collation", "queries"}
KINDS = ("expression", "predicate", "query")


def convert(case: dict, target: str) -> tuple[str, list[str]]:
    """The case's T-SQL as the target gets it (only the expression or predicate, when the case
    is one), and the codes of the flags raised."""
    if "query" in case:
        text = case["query"]
    elif "predicate" in case:
        text = f"SELECT 1 AS v FROM dbo.t AS t WHERE {case['predicate']}"
    else:
        text = f"SELECT {case['expression']} AS v FROM dbo.t AS t"
    tree = annotate(sqlglot.parse_one(text, read="tsql"), schema={"dbo": {"t": TABLE}})
    flags = semantics.rewrite(tree, TARGETS[target])
    dialect = TARGETS[target].dialect
    if "query" in case:
        shown = tree
    elif "predicate" in case:
        shown = tree.args["where"].this
    else:
        shown = tree.selects[0].unalias()
    return shown.sql(dialect=dialect), [flag.code for flag in flags]


def _params() -> list:
    return [
        pytest.param(case, target, id=f"{index:03d}-{case['construct']}-{target}")
        for index, case in enumerate(CASES)
        for target in TARGETS
    ]


@pytest.mark.parametrize(("case", "target"), _params())
def test_conversion(case: dict, target: str) -> None:
    sql, flags = convert(case, target)
    assert sql == case["expected"][target]
    assert flags == (case.get("flags") or {}).get(target, [])


def test_every_case_names_its_subject_and_documentation_and_every_target() -> None:
    for case in CASES:
        assert case["subject"] in SUBJECTS, case
        assert sum(kind in case for kind in KINDS) == 1, case
        assert case["docs"].startswith("https://learn.microsoft.com/"), case
        assert set(case["expected"]) == set(TARGETS), case
        assert set(case.get("flags") or {}) <= set(TARGETS), case


def test_every_flag_is_an_expression_code_of_the_catalogue() -> None:
    for case in CASES:
        for codes in (case.get("flags") or {}).values():
            assert codes and all(code.startswith("DM2") and code in CATALOGUE for code in codes), case


def test_at_least_40_cases_across_the_subjects() -> None:
    assert len(CASES) >= 40
    assert {case["subject"] for case in CASES} >= SUBJECTS - {"queries"}


def test_the_table_is_what_the_cases_read() -> None:
    tree = annotate(sqlglot.parse_one("SELECT * FROM dbo.t AS t", read="tsql"), schema={"dbo": {"t": TABLE}})
    assert [column.name for column in tree.find_all(exp.Column)] == list(TABLE)
