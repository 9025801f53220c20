"""`validate` on projects broken on purpose: one failure class each, in every output format.

Each case breaks one file of a project generated from tests/fixtures/small.sql, and names the
lowest level that must catch it. The expected line is where the test put the break, found by
the test in the file it wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.validate.locate import TestPlaces

SMALL = Path(__file__).parent / "fixtures" / "small.sql"
MART = "models/marts/shop/shop__customer_spend.sql"
VISIT = "models/staging/shop/stg_shop__visit.sql"
STAGING_YML = "models/staging/shop/_shop__models.yml"


@dataclass(frozen=True)
class Case:
    file: str
    old: str
    new: str
    level: str
    """The lowest level that catches it; the level below it passes (parse has none below)."""
    node: str
    verdict: str
    message: str
    line_of: str
    """Text on the line the report must point at (in `file`), after the break."""
    after: str | None = None
    """For YAML: the line is the first `line_of` after this text."""


CASES = {
    "jinja error": Case(MART, "{{ ref('stg_shop__visit') }}", "{{ ref('stg_shop__visit') }", "parse",
                        "shop__customer_spend", "error", "unexpected '}'", "ref('stg_shop__visit') }"),
    "missing ref": Case(MART, "ref('stg_shop__visit')", "ref('stg_shop__visits')", "parse",
                        "shop__customer_spend", "error", "stg_shop__visits", "stg_shop__visits"),
    "missing source": Case(VISIT, "source('shop', 'visit')", "source('shop', 'visits')", "parse",
                           "stg_shop__visit", "error", "shop.visits", "'visits'"),
    "SQL syntax error": Case(MART, "SUM(v.spend) AS", "SUM(v.spend AS", "compile",
                             "shop__customer_spend", "error", "does not parse", "SUM(v.spend AS"),
    "missing column": Case(MART, "SUM(v.spend)", "SUM(v.spent)", "semantic",
                           "shop__customer_spend", "error", "spent", "v.spent"),
    "type clash": Case(MART, "SUM(v.spend)", "SUM(c.name - v.spend)", "semantic",
                       "shop__customer_spend", "error", "type clash", "c.name - v.spend"),
    "runtime type error": Case(MART, "SUM(v.spend)", "SUM(UPPER(v.spend))", "build",
                               "shop__customer_spend", "error", "upper(DECIMAL(19,4))", "UPPER(v.spend)"),
    # DuckDB creates the view without evaluating it; only a query that reads every row fails.
    "fails only when queried": Case(MART, "SUM(v.spend)", "SUM(CASE WHEN v.visit_date > '19970101' THEN v.spend END)",
                                    "build", "shop__customer_spend", "error",
                                    'fails when queried: Conversion Error: invalid date field format: "19970101"',
                                    "'19970101'"),
    "failing unique test": Case(STAGING_YML, "      - name: tier\n        data_tests:\n",
                                "      - name: tier\n        data_tests:\n          - unique\n", "build",
                                "unique_stg_shop__customer_tier", "fail", "unique test on stg_shop__customer.tier",
                                "- name: tier", after="- name: stg_shop__customer"),
    "failing relationships test": Case(VISIT, 'cast("CustomerID" as integer) as customer_id',
                                       'cast("CustomerID" as integer) + 1000 as customer_id', "build",
                                       "relationships_stg_shop__visit_customer_id__customer_id__ref_stg_shop__customer_",
                                       "fail", "relationships test on stg_shop__visit.customer_id",
                                       "- name: customer_id", after="- name: stg_shop__visit"),
}  # fmt: skip
LEVELS = ["parse", "compile", "semantic", "build"]


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("small") / "project"
    catalog, _ = extract_scripts([SMALL])
    generate(catalog, project)
    return project


@pytest.fixture(scope="module")
def small_postgres_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("small_postgres") / "project"
    catalog, _ = extract_scripts([SMALL])
    generate(catalog, project, target="postgres")
    return project


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    return subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", "validate", str(project), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment | {"COLUMNS": "250"} | env,
    )


def break_project(source: Path, into: Path, case: Case) -> int:
    """Copy the project with one break; returns the line number the report must point at."""
    shutil.copytree(source, into)
    path = into / case.file
    text = path.read_text(encoding="utf-8")
    assert case.old in text, f"the case no longer matches {case.file}"
    path.write_text(text.replace(case.old, case.new, 1), encoding="utf-8")
    lines = (into / (STAGING_YML if case.after else case.file)).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if case.after in line) if case.after else 0
    return next(i for i, line in enumerate(lines) if i >= start and case.line_of in line) + 1


@pytest.mark.process
def test_the_unbroken_project_passes_every_level(small_project: Path) -> None:
    for level in LEVELS:
        sample = ["--sample-rows", "10"] if level == "build" else []
        result = run(small_project, "--level", level, *sample, "--format", "json")
        assert result.returncode == 0, (level, result.stdout, result.stderr)
        report = json.loads(result.stdout)
        assert report["ok"] and report["level"] == level and report["report_version"] == 2
        assert report["summary"]["model"]["ok"] == 3 and report["summary"]["model"]["disabled"] == 1


@pytest.mark.process
@pytest.mark.parametrize("name", CASES)
def test_a_broken_project_is_reported_in_every_format(name: str, small_project: Path, tmp_path: Path) -> None:
    case = CASES[name]
    project = tmp_path / "project"
    line = break_project(small_project, project, case)
    sample = ["--sample-rows", "10"] if case.level == "build" else []
    junit = tmp_path / "junit.xml"

    result = run(project, "--level", case.level, *sample, "--format", "json", "--junit-xml", str(junit),
                 GITHUB_ACTIONS="true")  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert not report["ok"]
    flagged = [node for node in report["nodes"] if node["verdict"] in {"error", "fail"}]
    assert [node["name"] for node in flagged] == [case.node]
    node = flagged[0]
    assert node["verdict"] == case.verdict
    assert case.message in node["message"]
    assert node["path"] == (STAGING_YML if case.after else case.file)
    assert node["line"] == line
    assert node["origin"]["source"].startswith("small.sql:")

    suite = ElementTree.parse(junit).getroot().find("testsuite")
    (testcase,) = [tc for tc in suite.iter("testcase") if tc.get("name") == case.node]
    assert testcase.get("file") == node["path"] and testcase.get("line") == str(line)
    problem = testcase.find("failure" if case.verdict == "fail" else "error")
    assert problem is not None and case.message in problem.get("message")

    annotations = [line for line in result.stderr.splitlines() if line.startswith("::error ")]
    assert f"::error file={project.as_posix()}/{node['path']},line={line}," in "\n".join(annotations)
    origin_file, origin_line = node["origin"]["source"].rsplit(":", 1)
    assert f"::error file={origin_file},line={origin_line}," in "\n".join(annotations)

    result = run(project, "--level", case.level, *sample)
    assert result.returncode == 1
    assert case.node in result.stdout and f"{node['path']}:{line}" in result.stdout
    assert "failed" in result.stdout.splitlines()[-1]

    below = LEVELS.index(case.level) - 1
    if below >= 0:
        result = run(project, "--level", LEVELS[below], "--format", "json")
        assert result.returncode == 0, f"{LEVELS[below]} should not catch a {name}: {result.stdout}"


@pytest.mark.process
def test_json_output_is_the_only_thing_on_stdout(small_project: Path) -> None:
    result = run(small_project, "--level", "compile", "--format", "json", GITHUB_ACTIONS="true")
    assert result.returncode == 0
    json.loads(result.stdout)  # would raise on anything else


@pytest.mark.process
def test_semantic_needs_the_snapshot(small_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(small_project, project)
    (project / ".datamigrate" / "schema.json").unlink()
    result = run(project, "--level", "semantic")
    assert result.returncode == 2
    assert (
        result.stderr.count("\n") == 1
        and "schema.json" in result.stderr
        and "--level compile" in result.stderr
    )


@pytest.mark.process
def test_sample_rows_need_the_build_level(small_project: Path) -> None:
    result = run(small_project, "--level", "semantic", "--sample-rows", "5")
    assert result.returncode == 2 and "only applies to --level build" in result.stderr


@pytest.mark.process
def test_an_unknown_profile_output_is_bad_input(small_project: Path) -> None:
    result = run(small_project, "--target", "redshift")
    assert result.returncode == 2 and "no output 'redshift'" in result.stderr


@pytest.mark.process
@pytest.mark.parametrize("level", ["parse", "build"])
def test_a_project_on_a_target_it_was_not_generated_for_is_named(level: str, small_project: Path) -> None:
    """DuckDB's SQL on PostgreSQL fails with raw errors (`type modifier is not allowed for type "text"`):
    before anything runs, one line names the target and the command that regenerates the project."""
    result = run(small_project, "--level", level, "--target", "postgres")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{small_project} was generated for duckdb, not postgres" in result.stderr
    assert (
        f"`datamigrate generate {small_project / '.datamigrate' / 'schema.json'} -o {small_project} --target postgres`"
        in result.stderr
    )
    assert not list((small_project / "target").glob("datamigrate_validate_*"))


@pytest.mark.process
def test_keep_leaves_the_duckdb_file(small_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(small_project, project)
    result = run(project, "--level", "build", "--keep", "--format", "json")
    kept = Path(json.loads(result.stdout)["kept"])
    assert kept.is_file() and kept.parent == (project / "target").resolve()
    run(project, "--level", "build")
    assert list((project / "target").glob("datamigrate_validate_*.duckdb")) == [kept]


@pytest.mark.process
@pytest.mark.postgres
def test_postgres_build_keeps_its_schema_only_when_asked(
    small_postgres_project: Path, tmp_path: Path, validate_schemas
) -> None:
    import psycopg2

    project = tmp_path / "project"
    shutil.copytree(small_postgres_project, project)
    result = run(
        project, "--level", "build", "--target", "postgres", "--sample-rows", "5", "--format", "json"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["target"] == "postgres" and report["kept"] is None
    assert report["warehouse"].removeprefix("schema ") not in validate_schemas()

    result = run(project, "--level", "build", "--target", "postgres", "--keep", "--format", "json")
    kept = json.loads(result.stdout)["kept"].removeprefix("schema ")
    assert kept in validate_schemas()
    connection = psycopg2.connect(
        host=os.environ["DATAMIGRATE_PG_HOST"], port=os.environ["DATAMIGRATE_PG_PORT"],
        user=os.environ["DATAMIGRATE_PG_USER"], dbname=os.environ["DATAMIGRATE_PG_DATABASE"],
    )  # fmt: skip
    connection.autocommit = True
    connection.cursor().execute(f'drop schema "{kept}" cascade')
    connection.close()


@pytest.mark.process
def test_an_unreachable_postgres_is_one_line_without_the_password(small_postgres_project: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends
    secret = "s3cret-Pa55word"
    environment = os.environ | {
        "DATAMIGRATE_PG_HOST": "127.0.0.1", "DATAMIGRATE_PG_PORT": str(port), "DATAMIGRATE_PG_PASSWORD": secret,
    }  # fmt: skip
    command = ["--debug", "validate", str(small_postgres_project), "--level", "build", "--target", "postgres"]
    result = subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", *command], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 4
    assert "cannot connect to PostgreSQL" in result.stderr and "DATAMIGRATE_PG_HOST" in result.stderr
    assert secret not in result.stdout + result.stderr


@pytest.mark.process
def test_compile_needs_no_warehouse_even_for_incremental_models(tmp_path: Path) -> None:
    import socket

    catalog, _ = extract_scripts([SMALL])
    project = tmp_path / "project"
    generate(catalog, project, target="postgres")
    (project / "models" / "marts" / "shop" / "visits_incremental.sql").write_text(
        "{{ config(materialized='incremental', unique_key='customer_id') }}\n"
        "select customer_id, visit_date from {{ ref('stg_shop__visit') }}\n"
        "{% if is_incremental() %} where visit_date > (select max(visit_date) from {{ this }}) {% endif %}\n",
        encoding="utf-8",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the block ends
    for level in ("compile", "semantic"):
        result = run(project, "--level", level, "--format", "json", DATAMIGRATE_PG_HOST="127.0.0.1",
                     DATAMIGRATE_PG_PORT=str(port))  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["target"] == "postgres"
        assert {"visits_incremental", "shop__customer_spend"} <= {
            n["name"] for n in report["nodes"] if n["verdict"] == "ok"
        }


def test_a_data_test_is_placed_on_its_column_under_its_model(tmp_path: Path) -> None:
    (tmp_path / "m.yml").write_text(
        "models:\n  - name: a\n    columns:\n      - name: id\n  - name: b\n    columns:\n"
        "      - name: x\n      - name: id\n",
        encoding="utf-8",
    )
    nodes = {"model.p.a": {"name": "a", "original_file_path": "a.sql"}, "model.p.b": {"name": "b"}}
    places = TestPlaces(tmp_path, {"nodes": nodes}, {})

    def line(model: str, column: str | None = None, path: str = "m.yml") -> int | None:
        test = {"original_file_path": path, "attached_node": f"model.p.{model}", "column_name": column}
        return places.place(test)[1]

    assert (line("a", "id"), line("b", "id"), line("b", "x"), line("b")) == (4, 8, 7, 5)
    assert line("b", "missing") == 5  # the model's line
    assert line("a", path="gone.yml") is None and line("c") is None


@pytest.mark.process
@pytest.mark.parametrize("level", ["parse", "compile", "semantic"])
def test_below_build_tests_are_not_run_never_passed(level: str, small_project: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = run(small_project, "--level", level, "--format", "json", "--junit-xml", str(junit))
    report = json.loads(result.stdout)
    tests = report["summary"]["test"]
    assert tests["total"] == 9 and tests["not run"] == 9 and tests["ok"] == 0
    assert {node["verdict"] for node in report["nodes"] if node["kind"] == "test"} == {"not run"}
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    cases = [case for case in suite.iter("testcase") if case.get("classname").startswith("test.")]
    assert len(cases) == 9 and all(case.find("skipped") is not None for case in cases)
    assert suite.get("skipped") == "10"  # the nine tests and the disabled model

    text = run(small_project, "--level", level).stdout.splitlines()[-1]
    assert "tests 9 not run" in text and " ok, 0 fail" not in text.split("tests")[1]
