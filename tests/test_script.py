"""Reading scripts: encodings, GO batches, SQLCMD, statement boundaries."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from datamigrate_cli.model.errors import InputError
from datamigrate_cli.tsql.script import Batch, ScriptNotes, read_script, split_batches, split_statements


@pytest.mark.parametrize(
    "raw",
    [
        b"CREATE TABLE t (a int)\nGO\n",
        codecs.BOM_UTF8 + b"CREATE TABLE t (a int)\r\nGO\r\n",
        codecs.BOM_UTF16_LE + "CREATE TABLE t (a int)\r\nGO\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "CREATE TABLE t (a int)\r\nGO\r\n".encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom-crlf", "utf16le-bom-crlf", "utf16be-bom-crlf"],
)
def test_encodings_and_line_ends(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes(raw)
    assert read_script(path) == "CREATE TABLE t (a int)\nGO\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes("CREATE TABLE [Café] (a nvarchar(10))\r\nGO\r\n".encode(encoding))
    assert read_script(path) == "CREATE TABLE [Café] (a nvarchar(10))\nGO\n"


def test_zero_bytes_that_are_not_utf16_are_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes(bytes(range(256)) * 8)  # zeros every 256 bytes: not every second one
    with pytest.raises(InputError, match="binary file"):
        read_script(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"  \n\n", "empty"), (b"\x00\x01\x02binary\x00", "binary")],
)
def test_unreadable_files(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_script(path)


def test_go_lines_split_batches_with_counts_and_comments() -> None:
    text = "select 1\nGO\nselect 2\n  go 5  \nselect 3\nGO -- done\nselect 4\nGOTO x\n"
    batches = split_batches(text, "f.sql", ScriptNotes())
    assert [(b.text.strip(), b.line) for b in batches] == [
        ("select 1", 1),
        ("select 2", 3),
        ("select 3", 5),
        ("select 4\nGOTO x", 7),
    ]


def test_sqlcmd_setvar_is_substituted_and_include_reported() -> None:
    notes = ScriptNotes()
    text = (
        ':setvar DatabaseName "Sales DW"\n:on error exit\nCREATE DATABASE [$(DatabaseName)]\n:r other.sql\n'
    )
    batches = split_batches(text, "f.sql", notes)
    assert "CREATE DATABASE [Sales DW]" in batches[0].text
    assert [(line, reason.split(":")[0]) for _, line, reason, _ in notes.unsupported] == [(4, "SQLCMD ")]


@pytest.mark.parametrize(
    ("batch", "firsts"),
    [
        ("CREATE TABLE a (x int) CREATE TABLE b (y int)", ["CREATE", "CREATE"]),
        ("CREATE TABLE a (x int)\nInsert Into a Values (1)\nInsert Into a Values (2)", ["CREATE", "INSERT", "INSERT"]),
        ("ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES b (x) ON DELETE SET NULL ON UPDATE CASCADE",
         ["ALTER"]),
        ("UPDATE t SET a = 1 WHERE b = 2; SET NOCOUNT ON", ["UPDATE", "SET"]),
        ("INSERT INTO t (a) SELECT a FROM u UNION SELECT b FROM v", ["INSERT"]),
        ("ALTER TABLE t ALTER COLUMN a int NOT NULL", ["ALTER"]),
        ("IF EXISTS (SELECT * FROM sysobjects) DROP TABLE t", ["IF", "DROP"]),
        ("SET ANSI_NULLS ON\nCREATE VIEW v AS SELECT 1 AS a; SELECT 2", ["SET", "CREATE"]),
        ("CREATE PROCEDURE p AS BEGIN INSERT INTO t SELECT 1; UPDATE t SET a = 2; END", ["CREATE"]),
        ("PRINT 'CREATE TABLE inside a string' /* CREATE TABLE in a comment */ -- CREATE TABLE", ["PRINT"]),
    ],
)  # fmt: skip
def test_statement_boundaries(batch: str, firsts: list[str]) -> None:
    statements = split_statements(Batch(batch, 1), "f.sql")
    assert [s.first_word for s in statements] == firsts


def test_statement_lines_count_from_the_script() -> None:
    statements = split_statements(Batch("\n\nCREATE TABLE a (x int)\n\nINSERT a VALUES (1)", 10), "f.sql")
    assert [s.line for s in statements] == [12, 14]
