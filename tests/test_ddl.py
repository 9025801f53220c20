"""DDL constructs -> Catalog facts, one data-driven case per construct (tests/cases/ddl.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.model.catalog import ObjectName, RoutineKind

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "ddl.yml").read_text(encoding="utf-8"))


def extract_text(tmp_path: Path, sql: str):
    script = tmp_path / "script.sql"
    script.write_text(sql, encoding="utf-8")
    catalog, _ = extract_scripts([script])
    return catalog


def _name(dotted: str) -> ObjectName:
    schema, _, name = dotted.partition(".")
    return ObjectName(schema=schema, name=name)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_ddl_construct(case: dict, tmp_path: Path) -> None:
    catalog = extract_text(tmp_path, case["sql"])
    assert catalog.unparsed == (), [u.reason for u in catalog.unparsed]
    table = catalog.table(_name(case["table"]))
    assert table is not None, f"{case['table']} not extracted"
    for column_name, facts in case.get("columns", {}).items():
        column = table.column(column_name)
        assert column is not None, column_name
        actual = column.model_dump(mode="json")
        for key, value in facts.items():
            assert actual[key] == value, f"{column_name}.{key}"
    if "primary_key" in case:
        assert table.primary_key is not None
        assert list(table.primary_key.columns) == case["primary_key"]
    if "unique" in case:
        assert [list(u.columns) for u in table.unique_constraints] == case["unique"]
    if "checks" in case:
        assert [c.expression for c in table.checks] == case["checks"]
    if "description" in case:
        assert table.description == case["description"]
    for expected, actual in zip(case.get("foreign_keys", []), table.foreign_keys, strict=True):
        assert list(actual.columns) == expected["columns"]
        assert actual.referenced == _name(expected["referenced"])
        assert list(actual.referenced_columns) == expected["referenced_columns"]
        assert actual.on_delete == expected.get("on_delete", "NO ACTION")
        assert actual.on_update == expected.get("on_update", "NO ACTION")
    for expected, actual in zip(case.get("indexes", []), table.indexes, strict=True):
        assert actual.name == expected["name"]
        assert list(actual.columns) == expected["columns"]
        assert actual.unique == expected.get("unique", False)
        assert actual.clustered == expected.get("clustered", False)
        assert list(actual.included) == expected.get("included", [])
        assert actual.filter == expected.get("filter")


def test_modules_keep_their_text_and_read_their_headers(tmp_path: Path) -> None:
    sql = (
        "CREATE PROCEDURE dbo.p @a int, @b nvarchar(10) = N'x' OUTPUT AS SELECT 1\nGO\n"
        "CREATE FUNCTION f (@x int) RETURNS TABLE AS RETURN (SELECT @x AS x)\nGO\n"
        "CREATE FUNCTION g (@x int) RETURNS int AS BEGIN RETURN @x END\nGO\n"
        "CREATE FUNCTION h () RETURNS @t TABLE (a int) AS BEGIN RETURN END\nGO\n"
        "CREATE TABLE t (a int)\nGO\nCREATE TRIGGER tr ON t AFTER INSERT, UPDATE AS SELECT 1\nGO\n"
        "CREATE OR ALTER VIEW v AS SELECT a FROM t\n"
    )
    catalog = extract_text(tmp_path, sql)
    kinds = {r.name.name: r.kind for r in catalog.routines}
    assert kinds == {
        "p": RoutineKind.PROCEDURE,
        "f": RoutineKind.INLINE_TABLE_FUNCTION,
        "g": RoutineKind.SCALAR_FUNCTION,
        "h": RoutineKind.TABLE_FUNCTION,
    }
    procedure = next(r for r in catalog.routines if r.name.name == "p")
    assert [(p.name, p.data_type, p.default, p.output) for p in procedure.parameters] == [
        ("@a", "int", None, False),
        ("@b", "nvarchar(10)", "N'x'", True),
    ]
    assert procedure.definition.startswith("CREATE PROCEDURE dbo.p") and procedure.source.line == 1
    assert catalog.triggers[0].events == ("INSERT", "UPDATE")
    assert catalog.triggers[0].table == ObjectName(schema="dbo", name="t")
    assert catalog.views[0].definition == "CREATE OR ALTER VIEW v AS SELECT a FROM t"
    assert catalog.views[0].source.line == 13


def test_unreadable_statement_is_kept_with_file_and_line(tmp_path: Path) -> None:
    catalog = extract_text(
        tmp_path, "CREATE TABLE ok (a int)\nGO\n\nCREATE TABLE bad (a int NOT NOT)\nGO\nFROBNICATE x\n"
    )
    assert [t.name.name for t in catalog.tables] == ["ok"]
    assert [(u.source.file, u.source.line) for u in catalog.unparsed] == [
        ("script.sql", 4),
        ("script.sql", 6),
    ]
    assert "CREATE TABLE" in catalog.unparsed[0].reason
    assert "not recognised" in catalog.unparsed[1].reason


def test_data_and_session_statements_are_counted_not_parsed(tmp_path: Path) -> None:
    sql = "SET NOCOUNT ON\nGO\nCREATE TABLE t (a int)\nINSERT t VALUES (1)\nINSERT INTO t SELECT 2\nGO\nPRINT 'x'\n"
    catalog = extract_text(tmp_path, sql)
    assert catalog.skipped == {"data": 2, "script output": 1, "session setting": 1}


def test_second_definition_of_an_object_is_reported(tmp_path: Path) -> None:
    catalog = extract_text(
        tmp_path, "CREATE VIEW v AS SELECT 1 AS a\nGO\nCREATE VIEW v AS SELECT 2 AS a\nGO\n"
    )
    assert len(catalog.views) == 1 and "SELECT 1" in catalog.views[0].definition
    assert "already defined at script.sql:1" in catalog.unparsed[0].reason


def test_a_property_set_twice_is_attached_and_a_missing_column_reported(tmp_path: Path) -> None:
    prop = "EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'{}', @level0type = N'SCHEMA', "
    prop += "@level0name = N'dbo', @level1type = N'TABLE', @level1name = N't', @level2type = N'COLUMN', "
    prop += "@level2name = N'{}'\nGO\n"
    sql = "CREATE TABLE t (Id int, [Name] nvarchar(9))\nGO\n" + prop.format("key", "ID") * 2
    sql += prop.format("x", "nowhere")
    catalog = extract_text(tmp_path, sql)
    assert [c.description for c in catalog.tables[0].columns] == ["key", None]  # names compare in any case
    assert [u.reason for u in catalog.unparsed] == [
        "extended property MS_Description is on dbo.t.nowhere, which is not a known schema, table, view or column"
    ]


def test_long_view_cut_inside_a_bracketed_name_still_reads_its_header(tmp_path: Path) -> None:
    columns = ",\n".join(f"    t.[Column{i:04d}] AS [Alias{i:04d}]" for i in range(200))
    script = tmp_path / "long.sql"
    script.write_text(
        f"CREATE VIEW [dbo].[Wide] AS\nSELECT\n{columns}\nFROM [dbo].[T] AS t\n", encoding="utf-8"
    )
    catalog, _ = extract_scripts([script])
    assert [str(v.name) for v in catalog.views] == ["[dbo].[Wide]"]


def test_unterminated_string_is_an_unparsed_statement_not_a_crash(tmp_path: Path) -> None:
    script = tmp_path / "broken.sql"
    script.write_text(
        "CREATE TABLE t (a int)\nGO\nCREATE TABLE u (b varchar(5) DEFAULT 'x)\n", encoding="utf-8"
    )
    catalog, _ = extract_scripts([script])
    assert [t.name.name for t in catalog.tables] == ["t"]
    assert catalog.unparsed and catalog.unparsed[0].source.line == 3
