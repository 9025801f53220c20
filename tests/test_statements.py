"""Statement boundaries, one case per construct (tests/cases/statements.yml): the script splitter
(extract) and the block reader (convert, assess) find the same statements."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from datamigrate_cli.assess import scan
from datamigrate_cli.tsql.blocks import body_steps
from datamigrate_cli.tsql.keywords import KEYWORDS, SWITCHES
from datamigrate_cli.tsql.lexer import tokens
from datamigrate_cli.tsql.script import Batch, split_statements

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "statements.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_script_splitter_finds_the_statements(case: dict) -> None:
    statements = split_statements(Batch(case["sql"], 1), "f.sql")
    assert [[s.first_word, s.line] for s in statements] == case["statements"]


@pytest.mark.parametrize("case", [c for c in CASES if c.get("body") != "skip"], ids=lambda c: c["name"])
def test_the_block_reader_finds_the_same_statements_in_a_body(case: dict) -> None:
    expected = case.get("body") or [[word, line + 1] for word, line in case["statements"]]
    definition = "CREATE PROCEDURE p AS\n" + case["sql"]
    assert [[step.kind, step.line] for step in body_steps(definition)] == expected
    assert scan(definition).statements == len(expected)  # assess counts what the reader reads


def test_every_keyword_has_a_reason_and_every_switch_a_known_mode() -> None:
    assert all(keyword.reason for keyword in KEYWORDS.values())
    assert all(mode in KEYWORDS for mode in SWITCHES.values())


def test_the_lexer_reads_nested_comments_variables_and_temp_tables_whole() -> None:
    text = "/* a /* b */ c */ SELECT @@ROWCOUNT, @x, #t, ##g, N'it''s', [a]]b], 1.5 -- done"
    assert [(t.kind, t.word) for t in tokens(text)] == [
        ("word", "SELECT"),
        ("word", "@@ROWCOUNT"),
        ("other", ","),
        ("word", "@X"),
        ("other", ","),
        ("word", "#T"),
        ("other", ","),
        ("word", "##G"),
        ("other", ","),
        ("string", "N'it''s'"),
        ("other", ","),
        ("quoted", "[a]]b]"),
        ("other", ","),
        ("number", "1.5"),
    ]
