"""The fast path (extract/fast.py) reads what it reads exactly as the full grammar does.

Every script here is extracted twice, with and without the fast path, and the two snapshots must be
byte-identical. The cases (tests/cases/fast_path.yml) also say which batches the fast path must take
itself, so that a fast path that quietly declines everything cannot pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.extract.scripts.fast import read_batch
from datamigrate_cli.model.catalog import Column, ForeignKey, dumps
from datamigrate_cli.tsql import script as reader
from datamigrate_cli.tsql.script import ScriptNotes, read_script, split_batches

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "fast_path.yml").read_text(encoding="utf-8"))


def both_ways(paths: list[Path]) -> tuple[str, str]:
    """The snapshot text and statement count read with the fast path, and without it."""
    fast, fast_summary = extract_scripts(paths)
    full, full_summary = extract_scripts(paths, fast_path=False)
    return (
        dumps(fast) + f"statements: {fast_summary.statements}\n",
        dumps(full) + f"statements: {full_summary.statements}\n",
    )


def taken(path: Path) -> list[bool]:
    return [
        read_batch(batch.text) is not None for batch in split_batches(read_script(path), "", ScriptNotes())
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_reads_the_same_both_ways(case: dict, tmp_path: Path) -> None:
    script = tmp_path / "script.sql"
    script.write_text(case["sql"], encoding="utf-8")
    assert taken(script) == case["fast"]
    fast, full = both_ways([script])
    assert fast == full


def test_errors_keep_their_file_line_and_reason(tmp_path: Path) -> None:
    script = tmp_path / "errors.sql"
    script.write_text(next(c["sql"] for c in CASES if c["name"].startswith("errors")), encoding="utf-8")
    catalog, _ = extract_scripts([script])
    reasons = [(u.source.line, u.reason) for u in catalog.unparsed]
    assert reasons[:2] == [
        (1, "could not read ALTER TABLE: table [dbo].[nowhere] is not defined (earlier in these scripts)"),
        (5, "table [dbo].[E1] is already defined at errors.sql:3; this later definition was ignored"),
    ]
    assert (9, "could not read ALTER TABLE: constraint pk_e1 is already defined on [dbo].[e1]") in reasons
    assert (15, "could not read CREATE TABLE: the table has no columns") in reasons


def test_every_corpus_script_reads_the_same_both_ways(corpora: Path) -> None:
    scripts = sorted(corpora.rglob("*.sql"))
    assert len(scripts) >= 7
    different = [str(s.relative_to(corpora)) for s in scripts if len(set(both_ways([s]))) != 1]
    assert different == []


@pytest.mark.parametrize(
    "paths", [["examples/retail"], ["tests/fixtures/small.sql"], ["tests/fixtures/functions.sql"]], ids=str
)
def test_repository_scripts_read_the_same_both_ways(paths: list[str]) -> None:
    fast, full = both_ways([ROOT / p for p in paths])
    assert fast == full


@pytest.mark.parametrize("variant", ["schema", "schema_portable"])
def test_synthetic_schema_reads_the_same_both_ways(variant: str, tmp_path: Path) -> None:
    synth.write(40, tmp_path)
    script = tmp_path / f"{variant}.sql"
    fast, full = both_ways([script])
    assert fast == full
    # The shapes the fast path is for are all taken by it; modules and settings are not.
    batches = split_batches(read_script(script), "", ScriptNotes())
    for batch, was_taken in zip(batches, taken(script), strict=True):
        body = "\n".join(line for line in batch.text.splitlines() if not line.startswith("/*"))
        words = body.split(None, 2)[:2]
        expected = words[0] in {"ALTER", "EXEC"} or words == ["CREATE", "TABLE"]
        assert was_taken == expected, batch.text[:200]


EDGE_SCRIPTS = [
    "GO\nCREATE TABLE a (x int)\ngo 3\n\nGO -- done\nSELECT 1",
    "A\n\nGO\n  GO  \nB\n",
    "A\nGO",
    "A\nGO\n",
    "/* GO\nGO */\nX\n\tgo\t-- GO\nY\nGOX\nZ\n",
    "GO",
    "\n\nGO 2\n  \nGO\nx",
    "select 1\nGO\nGO\n\nselect 2",
]


def test_splitting_on_go_alone_gives_the_batches_of_the_line_by_line_reader(
    corpora: Path, tmp_path: Path
) -> None:
    synth.write(20, tmp_path)
    texts = [read_script(p) for p in [*sorted(corpora.rglob("*.sql")), tmp_path / "schema.sql"]]
    texts = [t for t in texts if ":setvar" not in t and "\n:" not in t] + EDGE_SCRIPTS
    assert len(texts) > 10
    for text in texts:
        assert reader._split_on_go(text) == reader._split_lines(text, "", ScriptNotes())


@pytest.mark.parametrize("first", [":setvar schema Sales", "  :on error exit", "SELECT 1"])
def test_scripts_with_sqlcmd_lines_keep_the_line_by_line_reader(first: str) -> None:
    text = f"{first}\nCREATE TABLE [$(schema)].t (a int)\nGO\n:r other.sql\nGO\nSELECT 2"
    for variant in (text, text.replace("\n:r other.sql", "")):
        notes, expected_notes = ScriptNotes(), ScriptNotes()
        assert split_batches(variant, "x.sql", notes) == reader._split_lines(variant, "x.sql", expected_notes)
        assert notes == expected_notes


def test_objects_built_without_validation_equal_validated_ones() -> None:
    # Extraction builds tables, columns, keys, names and sources with `trusted` (no validation).
    paths = [ROOT / "examples" / "retail", ROOT / "tests" / "fixtures" / "small.sql"]
    catalog, _ = extract_scripts(paths)
    objects = []
    for table in catalog.tables:
        keys = [table.primary_key, *table.foreign_keys]
        objects += [table, table.name, table.source, *table.columns, *keys]
        objects += [fk.referenced for fk in table.foreign_keys]
    assert len(objects) > 100 and any(isinstance(o, ForeignKey) for o in objects)
    for built in (o for o in objects if o is not None):
        model = type(built)
        validated = model.model_validate(built.model_dump())
        assert list(built.__dict__) == list(model.model_fields), model
        assert built == validated and built.model_dump_json() == validated.model_dump_json()
        assert built.model_fields_set == validated.model_fields_set
    # Instances share one fields-set: a copy with changes must not change it for the others.
    columns = catalog.tables[0].columns
    copied = columns[0].model_copy(update={"description": "changed"})
    assert copied.description == "changed" and columns[1].description != "changed"
    assert columns[1].model_fields_set == set(Column.model_fields)
