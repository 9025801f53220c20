"""The issue catalogue: its docs, the codes the source uses, and the issues generate reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from datamigrate_cli.convert.casts import type_issues
from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model import issues
from datamigrate_cli.model.catalog import Column, ObjectName, Table
from datamigrate_cli.model.issues import CATALOGUE, RESERVED, Issue, Severity
from datamigrate_cli.model.results import Status, status_for
from datamigrate_cli.targets import TARGETS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = ROOT / "src" / "datamigrate_cli"
TYPE_CASES = yaml.safe_load((Path(__file__).parent / "cases" / "type_issues.yml").read_text(encoding="utf-8"))


def _codes_in_source() -> set[str]:
    """Codes the source uses: every DM code outside the catalogue's own definitions."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "issues.py":  # the Code(...) entries and RESERVED define codes, not use them
            text = re.sub(r"Code\(\"DM\d{3}\"|RESERVED = frozenset\(.*?\)\n", "", text, flags=re.DOTALL)
        found |= set(re.findall(r"\bDM\d{3}\b", text))
    return found


def test_the_committed_docs_are_generated_from_the_catalogue() -> None:
    committed = (ROOT / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    assert committed == issues.markdown(), "docs/issue-codes.md is stale: regenerate it with `make docs`"


def test_every_code_the_source_uses_is_in_the_catalogue() -> None:
    assert _codes_in_source() - CATALOGUE.keys() == set()


def test_every_catalogue_code_is_used_or_deliberately_reserved() -> None:
    assert CATALOGUE.keys() - _codes_in_source() - RESERVED == set()
    assert CATALOGUE.keys() >= RESERVED


def test_every_code_says_what_it_means_and_what_to_do() -> None:
    ranges = {"DM1", "DM2", "DM3", "DM4", "DM5", "DM6", "DM9"}
    for key, entry in CATALOGUE.items():
        assert key == entry.code and re.fullmatch(r"DM\d{3}", key) and key[:3] in ranges
        assert entry.title and entry.meaning.endswith(".") and entry.action.endswith(".")
        assert f"### {key}\n" in issues.markdown()


@pytest.mark.parametrize(
    ("severities", "status"),
    [
        ([], Status.CONVERTED),
        ([Severity.INFO], Status.CONVERTED),
        ([Severity.INFO, Severity.WARNING], Status.CONVERTED_WITH_WARNINGS),
        ([Severity.WARNING, Severity.ERROR, Severity.INFO], Status.NEEDS_REVIEW),
    ],
)
def test_the_status_follows_from_the_worst_severity(severities: list[Severity], status: Status) -> None:
    example = {Severity.ERROR: "DM210", Severity.WARNING: "DM215", Severity.INFO: "DM405"}
    assert status_for([Issue(example[s], "x") for s in severities]) == status


@pytest.mark.parametrize("case", TYPE_CASES, ids=lambda c: f"{c['type']}-{c['target']}")
def test_a_column_type_the_target_changes_is_a_dm1xx_issue(case: dict) -> None:
    table = Table(
        name=ObjectName(schema="dbo", name="t"),
        columns=(Column(name="id", data_type="int"), Column(name="c", data_type=case["type"])),
    )
    found = type_issues(table, TARGETS[case["target"]])
    assert [issue.code for issue in found] == ([case["code"]] if case["code"] else [])
    assert all(issue.message.startswith("column c: ") for issue in found)


def test_unparsed_statements_get_the_code_of_their_reason() -> None:
    catalog, _ = extract_scripts([FIXTURES / "unparsed.sql"])
    by_line = {s.source.line: issues.unparsed_issue(s.reason).code for s in catalog.unparsed}
    assert by_line == {4: "DM903", 8: "DM901", 10: "DM904", 12: "DM905", 14: "DM905", 16: "DM902"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("issues") / "project"
    catalog, _ = extract_scripts([FIXTURES / "issues.sql"])
    generate(catalog, project, project_name="issues")
    return project


# (object, code, what the issue's line of issues.sql holds; None: the issue is on the object's line)
EXPECTED = [
    ("[dbo].[Event]", "DM101", None),
    ("[dbo].[Event]", "DM102", None),
    ("[dbo].[Event]", "DM101", None),
    ("[dbo].[Missing]", "DM210", "JOIN dbo.NotThere"),
    ("[dbo].[Odd]", "DM216", "SOUNDEX_PLUS("),
    ("[dbo].[OddRows]", "DM216", "SOUNDEX_PLUS("),  # an inline function's body keeps its lines
    ("[dbo].[OddRows]", "DM404", None),
    ("[dbo].[Totals]", "DM215", "WITH ROLLUP"),
    ("[dbo].[Broken]", "DM906", "WHERE"),
    ("[dbo].[Formatted]", "DM203", "FORMAT(p.Amount"),
    ("[dbo].[EventNumbers]", "DM502", None),
    ("[dbo].[Happenings]", "DM503", None),
    ("[dbo].[EventStamp]", "DM501", None),
    ("[dbo].[LoadEvents]", "DM301", "CURSOR FOR"),
    ("[dbo].[Name]", "DM504", None),
]


def test_generate_reports_each_issue_with_its_code_and_line(generated: Path) -> None:
    report = json.loads((generated / "migration_report.json").read_text(encoding="utf-8"))
    assert report["report_version"] == 2
    objects = {item["name"]: item for item in report["objects"]}
    lines = (FIXTURES / "issues.sql").read_text(encoding="utf-8").splitlines()
    for name, code, text in EXPECTED:
        found = [issue for issue in objects[name]["issues"] if issue["code"] == code]
        assert found, (name, code, objects[name]["issues"])
        own_line = int(objects[name]["source"].rsplit(":", 1)[1])
        line = int(found[0]["where"].rsplit(":", 1)[1])
        assert found[0]["where"].startswith("issues.sql:") and line >= own_line
        assert text in lines[line - 1] if text else line == own_line, (name, code, lines[line - 1])
        assert found[0]["severity"] == CATALOGUE[code].severity and found[0]["title"] == CATALOGUE[code].title
    assert not objects["[dbo].[Plain]"]["issues"] and objects["[dbo].[Plain]"]["status"] == "converted"


def test_every_status_follows_from_the_issues(generated: Path) -> None:
    report = json.loads((generated / "migration_report.json").read_text(encoding="utf-8"))
    expected = {"error": "needs review", "warning": "converted with warnings", "info": "converted"}
    for item in report["objects"]:
        severities = {issue["severity"] for issue in item["issues"]}
        worst = next((s for s in ("error", "warning", "info") if s in severities), "info")
        assert item["status"] == expected[worst], item


def test_the_report_groups_issues_by_code(generated: Path) -> None:
    report = json.loads((generated / "migration_report.json").read_text(encoding="utf-8"))
    codes = {entry["code"]: entry for entry in report["codes"]}
    assert list(codes) == sorted(codes) == sorted({code for _, code, _ in EXPECTED})
    assert codes["DM101"]["objects"] == 1 and len(codes["DM101"]["where"]) == 2  # two columns, one table
    assert codes["DM210"]["where"] == [
        {"object": "[dbo].[Missing]", "kind": "view", "where": "issues.sql:17"}
    ]
    assert codes["DM210"]["docs"] == "docs/issue-codes.md#dm210"
    markdown = (generated / "migration_report.md").read_text(encoding="utf-8")
    assert "| [DM210](#dm210) | unknown table or view | error | 1 |" in markdown
    assert (
        "### DM210\n" in markdown
        and "- [dbo].[Missing] (view) at issues.sql:17: reads dbo.NotThere" in markdown
    )


def test_a_disabled_model_names_the_code_and_line(generated: Path) -> None:
    disabled = (generated / "models" / "marts" / "dbo" / "missing.sql").read_text(encoding="utf-8")
    assert "--   DM210 reads dbo.NotThere, which is neither a table nor a convertible view" in disabled
    assert "(line 17)" in disabled


def test_a_staging_model_names_the_casts_that_change_meaning(generated: Path) -> None:
    header = (generated / "models" / "staging" / "dbo" / "stg_dbo__event.sql").read_text(encoding="utf-8")
    assert "-- warning: DM101 column Payload: xml becomes varchar\n" in header
    assert "-- warning: DM102 column HappenedAt: datetimeoffset becomes timestamp with time zone" in header
    plain = (generated / "models" / "staging" / "dbo" / "stg_dbo__plain.sql").read_text(encoding="utf-8")
    assert "warning" not in plain


def test_dm102_is_real_on_duckdb_the_offset_cannot_be_read_back() -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    written, other = connection.execute(
        "select cast('2024-01-01 10:00:00+02:00' as timestamp with time zone)::varchar, "
        "cast('2024-01-01 10:00:00+02:00' as timestamp with time zone) "
        "= cast('2024-01-01 08:00:00+00:00' as timestamp with time zone)"
    ).fetchone()
    connection.close()
    assert written == "2024-01-01 08:00:00+00" and other  # the instant is kept; the +02:00 is gone
    assert TARGETS["duckdb"].types["datetimeoffset"] == "timestamp with time zone"
