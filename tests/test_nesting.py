"""Deep nesting: an object nested deeper than datamigrate converts is flagged (DM907), never a RecursionError.

The depths are counted by hand from the texts below; 2,000 levels is what ended `migrate` before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.tsql.nesting import MAX_NESTING, nesting_depth, too_deep
from datamigrate_cli.validate import validate_project
from datamigrate_cli.validate.verdicts import Level


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("SELECT 1", 0),
        ("SELECT (1)", 1),
        ("SELECT ((1) + (2))", 2),
        ("SELECT '((((' AS a, [b(((] FROM t -- ((((", 0),
        ("SELECT 1 /* ( /* nested ( */ ( */", 0),
        ("CASE WHEN (a = 1) THEN CASE WHEN b = 2 THEN 1 END END", 2),
        ("BEGIN TRAN; UPDATE t SET a = 1; COMMIT", 0),
        ("BEGIN BEGIN SELECT (1) END END", 3),
        ("BEGIN TRY SELECT 1 END TRY BEGIN CATCH SELECT (2) END CATCH", 2),
        ("SELECT ))) ((", 2),  # unbalanced: never below zero
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_too_deep_only_beyond_the_limit() -> None:
    at_limit = "SELECT " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING
    beyond = "SELECT " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    assert too_deep(at_limit) is None
    assert too_deep(beyond) == MAX_NESTING + 1
    assert too_deep("SELECT '" + "(" * 1000 + "'") is None  # in a string: not nesting


def _parens(depth: int) -> str:
    return "(" * depth + "a" + " + 1)" * depth


def _cases(depth: int) -> str:
    return "CASE WHEN a = 1 THEN " * depth + "0" + " END" * depth


def _script(depth: int) -> str:
    """A view, an inline function, a scalar function, a procedure and a table's DEFAULT, computed column
    and CHECK, each nested `depth` levels (the functions and the procedure one more: their own
    parentheses or BEGIN block)."""
    return f"""
CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, a int);
GO
CREATE TABLE dbo.deep (id int NOT NULL PRIMARY KEY, a int DEFAULT {_parens(depth).replace("a", "1")},
  b AS {_parens(depth)}, c int, CONSTRAINT ck_c CHECK (c > {_parens(depth).replace("a", "1")}));
GO
CREATE TABLE dbo.loaded (id int NOT NULL PRIMARY KEY, a int);
GO
CREATE VIEW dbo.v_parens AS SELECT id, {_parens(depth)} AS x FROM dbo.t;
GO
CREATE VIEW dbo.v_cases AS SELECT id, {_cases(depth)} AS x FROM dbo.t;
GO
CREATE FUNCTION dbo.f_inline (@n int) RETURNS TABLE AS RETURN (SELECT id, {_parens(depth - 1)} AS x FROM dbo.t);
GO
CREATE FUNCTION dbo.f_scalar (@n int) RETURNS int AS BEGIN RETURN {_parens(depth - 1).replace("a", "@n")}; END
GO
CREATE PROCEDURE dbo.p_load AS
BEGIN
  TRUNCATE TABLE dbo.loaded;
  INSERT INTO dbo.loaded (id, a) SELECT id, {_parens(depth - 1)} FROM dbo.t;
END
GO
"""


def _results(tmp_path: Path, depth: int) -> tuple[Path, dict[str, list[str]]]:
    script = tmp_path / "deep.sql"
    script.write_text(_script(depth))
    catalog, _ = extract_scripts([script])
    result = generate(catalog, tmp_path / "project", target="duckdb", project_name="deep")
    return tmp_path / "project", {obj.name: [issue.code for issue in obj.reasons] for obj in result.objects}


def test_two_thousand_levels_flag_each_object_and_the_run_goes_on(tmp_path: Path) -> None:
    project, codes = _results(tmp_path, 2000)
    for name in (
        "[dbo].[v_parens]",
        "[dbo].[v_cases]",
        "[dbo].[f_inline]",
        "[dbo].[f_scalar]",
        "[dbo].[p_load]",
    ):
        assert codes[name] == ["DM907"], name
    # the table keeps its columns; the three expressions are left out, each said
    assert codes["[dbo].[deep]"] == ["DM907", "DM907", "DM907"]
    assert "DM907" not in codes["[dbo].[t]"]
    assert (project / "models/staging/dbo/stg_dbo__deep.sql").is_file()
    report = (project / "migration_report.md").read_text()
    assert "the default expression of column a is nested 2000 levels deep" in report
    assert "CHECK ck_c is nested 2000 levels deep" in report


def test_at_the_limit_everything_converts(tmp_path: Path) -> None:
    _, codes = _results(tmp_path, MAX_NESTING)
    assert not [name for name, found in codes.items() if "DM907" in found]


@pytest.mark.dbt
def test_at_the_limit_the_project_builds_on_duckdb(tmp_path: Path) -> None:
    """dbt, DuckDB's parser (limit 1000 levels) and the semantic check all take MAX_NESTING levels."""
    project, _ = _results(tmp_path, MAX_NESTING)
    report = validate_project(project, Level.BUILD, sample_rows=3)
    assert report.ok, [(r.name, r.message) for r in report.nodes if r.message]
