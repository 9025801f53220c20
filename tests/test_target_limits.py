"""Tables a target cannot hold as they are: flagged at generate, a warning at validate, never a crash.

DuckDB resolves column names without regard to case, even quoted (its documentation, "Keywords and
Identifiers"), so [Col] and [col] are one column there; PostgreSQL keeps quoted names apart but holds at
most 1,600 columns in a table (its documentation, Appendix K "PostgreSQL Limits").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.validate import validate_project
from datamigrate_cli.validate.verdicts import Level

CASES = """
CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, [Col] int, [col] int);
GO
CREATE TABLE dbo.u (id int NOT NULL PRIMARY KEY);
GO
CREATE VIEW dbo.v AS SELECT id, [Col] FROM dbo.t;
GO
CREATE VIEW dbo.w AS SELECT id FROM dbo.v;
GO
CREATE VIEW dbo.x AS SELECT id FROM dbo.u;
GO
"""


def _generate(tmp_path: Path, script: str, target: str) -> tuple[Path, dict[str, list[str]]]:
    path = tmp_path / "s.sql"
    path.write_text(script)
    catalog, _ = extract_scripts([path])
    project = tmp_path / target
    result = generate(catalog, project, target=target, project_name="limits")
    return project, {o.name: [i.code for i in o.reasons] for o in result.objects}


def test_columns_that_differ_in_case_disable_the_table_and_what_reads_it_on_duckdb(tmp_path: Path) -> None:
    project, codes = _generate(tmp_path, CASES, "duckdb")
    assert codes["[dbo].[t]"] == ["DM104", "DM908"]  # DM908: col is staged as col_2
    assert codes["[dbo].[v]"] == ["DM604"] and codes["[dbo].[w]"] == ["DM604"]  # w reads v, which reads t
    assert codes["[dbo].[x]"] == [] and codes["[dbo].[u]"] == []
    staging = (project / "models/staging/dbo/stg_dbo__t.sql").read_text()
    assert staging.startswith("{{ config(enabled=false) }}") and "DM104 columns Col and col" in staging
    view = (project / "models/marts/dbo/v.sql").read_text()
    assert "DM604 reads stg_dbo__t, which cannot be built on duckdb (DM104) and is disabled" in view


def test_postgres_keeps_columns_that_differ_in_case_apart(tmp_path: Path) -> None:
    _, codes = _generate(tmp_path, CASES, "postgres")
    assert codes["[dbo].[t]"] == ["DM908"] and codes["[dbo].[v]"] == []  # DM908: col is staged as col_2


def test_more_columns_than_postgres_allows(tmp_path: Path) -> None:
    columns = ", ".join(f"c{i} int" for i in range(1600))  # with id: 1,601
    _, codes = _generate(tmp_path, f"CREATE TABLE dbo.wide (id int NOT NULL, {columns});\n", "postgres")
    assert codes["[dbo].[wide]"] == ["DM105"]
    _, codes = _generate(tmp_path, f"CREATE TABLE dbo.wide (id int NOT NULL, {columns});\n", "duckdb")
    assert codes["[dbo].[wide]"] == []


@pytest.mark.dbt
def test_a_table_duckdb_cannot_create_is_a_warning_and_the_rest_builds(tmp_path: Path) -> None:
    """Before: validate ended with 'Column with name "col" already exists!' (exit 70)."""
    project, _ = _generate(tmp_path, CASES, "duckdb")
    report = validate_project(project, Level.BUILD, sample_rows=3)
    assert report.ok, [(n.name, n.message) for n in report.nodes if n.message]
    assert any("[dbo].[t]: its source table cannot be created on duckdb" in w for w in report.warnings)
    assert report.sample_rows.get("[dbo].[u]") == 3


@pytest.mark.dbt
def test_names_sqlglot_cannot_qualify_skip_the_semantic_check_with_a_warning(tmp_path: Path) -> None:
    """Before: a table named [a;drop] ended `validate --level semantic` with a TypeError (exit 70)."""
    script = "CREATE TABLE [../etc].[a;drop] (id int NOT NULL PRIMARY KEY, [b;c] int);\n"
    project, _ = _generate(tmp_path, script, "duckdb")
    report = validate_project(project, Level.SEMANTIC)
    assert report.parsed and not report.errors
    [node] = [n for n in report.nodes if n.kind == "model"]
    assert node.verdict == "warn" and "semantic check skipped" in (node.message or "")


@pytest.mark.dbt
@pytest.mark.postgres
def test_a_table_postgres_cannot_create_is_a_warning(tmp_path: Path, postgres: dict[str, str]) -> None:
    """Before: 'tables can have at most 1600 columns' ended validate (exit 70)."""
    columns = ", ".join(f"c{i} int" for i in range(1600))
    script = (
        f"CREATE TABLE dbo.wide (id int NOT NULL, {columns});\nGO\nCREATE TABLE dbo.u (id int NOT NULL);\n"
    )
    project, _ = _generate(tmp_path, script, "postgres")
    report = validate_project(project, Level.BUILD, sample_rows=2)
    assert report.ok, [(n.name, n.message) for n in report.nodes if n.message]
    assert any("[dbo].[wide]: its source table cannot be created on postgres" in w for w in report.warnings)


def test_a_view_reading_a_table_named_with_a_semicolon_converts(tmp_path: Path) -> None:
    """Before: sqlglot read the name [a;drop] as SQL while typing the view, and generate ended with a
    TypeError (exit 70); found by the hostile-schema generator."""
    script = (
        "CREATE TABLE [../etc].[a;drop] (id int NOT NULL PRIMARY KEY, [b;c] int);\nGO\n"
        "CREATE VIEW dbo.v AS SELECT id, [b;c] + 1 AS n FROM [../etc].[a;drop];\nGO\n"
    )
    project, codes = _generate(tmp_path, script, "duckdb")
    assert codes["[dbo].[v]"] == []
    assert "ref('stg_etc__a_drop')" in (project / "models/marts/dbo/v.sql").read_text()


def test_a_table_alias_is_never_a_reserved_word(tmp_path: Path) -> None:
    """A view reading [Group] without an alias got the alias `group`, unquoted: PostgreSQL refused
    `group.id` (found by the hostile-schema generator)."""
    script = "CREATE TABLE dbo.[Group] (id int NOT NULL PRIMARY KEY);\nGO\nCREATE VIEW dbo.v AS SELECT id FROM dbo.[Group];\nGO\n"
    project, codes = _generate(tmp_path, script, "postgres")
    sql = (project / "models/marts/dbo/v.sql").read_text()
    assert codes["[dbo].[v]"] == [] and "AS group_2" in sql and "group.id" not in sql


def test_a_view_joining_tables_that_differ_only_in_case_is_not_converted(tmp_path: Path) -> None:
    """[Sales].[A] and [Sales].[a] are two tables only in a case-sensitive database; the second is
    kept out with DM903, and a view that joins both reads a column only the second has: never
    "converted" (it was, before the names were resolved against the Catalog)."""
    script = (
        "CREATE TABLE Sales.A (id int);\nGO\nCREATE TABLE Sales.a (id int, x int);\nGO\n"
        "CREATE VIEW Sales.v AS SELECT A.id, b.x FROM Sales.A A JOIN Sales.a b ON A.id = b.id;\nGO\n"
    )
    _, codes = _generate(tmp_path, script, "duckdb")
    assert codes["[Sales].[v]"] == ["DM211"]
    assert "DM903" in [code for name, found in codes.items() for code in found]
