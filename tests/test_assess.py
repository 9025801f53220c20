"""`datamigrate assess`: the token scan (cases as data), the assessment of the real corpora through
the real CLI, and its outputs (terminal, --out files, --format json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from datamigrate_cli.assess import EFFORT_HOURS, Band, Complexity, assess, scan
from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.catalog import write_snapshot
from datamigrate_cli.model.issues import Severity

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "retail"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "complexity.yml").read_text(encoding="utf-8"))
SOURCES = {
    "retail": EXAMPLE,
    "pubs": Path("pubs/instpubs.sql"),
    "northwind": Path("northwind/instnwnd.sql"),
    "sakila": Path("sakila-sqlserver/sql-server-sakila-schema.sql"),
}
TOP_KEYS = ["assessment_version", "database", "origin", "target", "counts", "status", "routines", "needs_review",
            "effort"]  # fmt: skip
ROUTINE_KEYS = ["kind", "name", "source", *(f.name for f in fields(Complexity)), "score", "band", "status",
                "codes", "hours"]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_token_scan_counts_what_a_reader_counts(case: dict) -> None:
    expected = {f.name: case["expected"].get(f.name, 0) for f in fields(Complexity)}
    assert scan(case["sql"]) == Complexity(**expected)


def test_the_score_weighs_row_by_row_and_run_time_sql_most() -> None:
    assert Complexity(statements=3, lines=45).score == 3 + 2
    assert Complexity(statements=2, loops=1, cursors=1).score == 2 + 5 + 8
    assert Complexity(statements=9).band == Band.LOW and Complexity(statements=10).band == Band.MEDIUM
    assert Complexity(statements=29).band == Band.MEDIUM and Complexity(dynamic_sql=4).band == Band.HIGH


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}  # a wide terminal: the table's names are not folded
    return subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
        env=env,
    )  # fmt: skip


def _source(name: str, corpora: Path) -> Path:
    return SOURCES[name] if name == "retail" else corpora / SOURCES[name]


@pytest.mark.process
@pytest.mark.parametrize("name", SOURCES)
def test_assess_json_on_stdout_matches_the_catalog_and_generate(
    name: str, corpora: Path, tmp_path: Path
) -> None:
    source = _source(name, corpora)
    result = run("assess", "--ddl", str(source), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # stdout holds only the JSON
    assert list(document) == TOP_KEYS

    catalog, _ = extract_scripts([source])
    routines = [r.kind.value.replace("_", " ") for r in catalog.routines]
    assert document["counts"] == {
        "table": len(catalog.tables),
        "view": len(catalog.views),
        "procedure": routines.count("procedure"),
        "scalar function": routines.count("scalar function"),
        "inline table function": routines.count("inline table function"),
        "table function": routines.count("table function"),
        "trigger": len(catalog.triggers),
        "sequence": len(catalog.sequences),
        "synonym": len(catalog.synonyms),
        "user-defined type": len(catalog.user_types),
        "unparsed statement": len(catalog.unparsed),
    }
    assert sorted(r["name"] for r in document["routines"]) == sorted(
        str(o.name) for o in (*catalog.routines, *catalog.triggers)
    )
    for routine in document["routines"]:
        assert list(routine) == ROUTINE_KEYS

    generated = generate(catalog, tmp_path / "project", dry_run=True)  # what generate would report
    assert document["status"] == generated.summary
    assert sorted(o["name"] for o in document["needs_review"]) == sorted(
        o.name for o in generated.objects if o.status == "needs review"
    )


def test_the_effort_is_the_documented_table_applied(tmp_path: Path) -> None:
    catalog, _ = extract_scripts([EXAMPLE])
    assessment = assess(catalog)
    review = [r for r in assessment.routines if r.status == "needs review"]
    # the retail example: its three procedures convert; a trigger and a table function need review, both small
    assert sorted(r.kind for r in review) == ["inline table function", "trigger"]
    assert all(
        r.complexity.band == Band.LOW and r.hours == EFFORT_HOURS[("routine", Band.LOW)] for r in review
    )
    others = [o for o in assessment.objects if o.reasons and o.name not in {r.name for r in review}]
    severities = [
        Severity.ERROR if o.status == "needs review" else Severity.WARNING
        for o in others
        if o.status != "converted"
    ]
    expected = len(review) * EFFORT_HOURS[("routine", Band.LOW)] + sum(
        EFFORT_HOURS[("other", s)] for s in severities
    )
    assert assessment.hours == expected > 0


@pytest.mark.process
def test_assess_writes_markdown_and_json_and_prints_a_table(corpora: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "schema.json"
    catalog, _ = extract_scripts([corpora / SOURCES["pubs"]])
    write_snapshot(catalog, snapshot)
    result = run("assess", str(snapshot), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    # pubs: the trigger needs review (2 h); its four procedures convert with warnings (4 x 0.25 h)
    assert "Estimated manual effort: 3 hours" in result.stdout
    assert "estimate" in result.stdout.lower()
    markdown = (tmp_path / "out" / "assessment.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Migration assessment") and "| [dbo].[byroyalty] | procedure |" in markdown
    assert "An estimate, not a measurement" in markdown and "score = statements" in markdown
    document = json.loads((tmp_path / "out" / "assessment.json").read_text(encoding="utf-8"))
    assert document["counts"]["procedure"] == 4 and document["effort"]["estimate"] is True


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["assess", "nope.json"], ["nope.json", "no such snapshot"]),
        (["assess", "--ddl", "nope.sql"], ["nope.sql", "no such file"]),
        (["assess", "--ddl", str(EXAMPLE), "--target", "duckdbb"], ["duckdbb", "did you mean 'duckdb'"]),
    ],
)
def test_bad_input_is_one_line(args: list[str], words: list[str], tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert result.stdout == ""


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["assess", "--ddl", str(EXAMPLE), "--format", "xml"],
            ["--format", "'xml' is not one of text, json"],
        ),
        (["assess", "s.json", "--ddl", str(EXAMPLE)], ["give one source, not a snapshot and --ddl"]),
    ],
)
def test_bad_usage_is_a_usage_error(args: list[str], words: list[str], tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and all(word in errors[0] for word in words), result.stderr
    assert result.stdout == ""
