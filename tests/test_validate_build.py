"""`validate --level build` executes every model: views and ephemeral models are queried after the
build, so that a model which fails only when someone selects from it is an error, not a pass.

Fixtures are projects generated from tests/fixtures/small.sql with one model added or changed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.validate import Level, Verdict, validate_project
from datamigrate_cli.validate.execute import execution_sql

SMALL = Path(__file__).parent / "fixtures" / "small.sql"
MARTS = Path("models") / "marts" / "shop"

# Each column fails only when its value is computed: DuckDB casts '19970101' to a date when it
# plans the comparison (the date literal must be 'YYYY-MM-DD'), and no name is an integer.
FAILING_VIEW = (
    "select c.customer_id, c.name,\n"
    "  c.tier = 'A' and current_date > '19970101' as late\n"
    "from {{ ref('stg_shop__customer') }} as c\n"
)
FAILING_EPHEMERAL = (
    "{{ config(materialized='ephemeral') }}\n"
    "select c.customer_id,\n"
    "  cast(c.name as integer) as name_number\n"
    "from {{ ref('stg_shop__customer') }} as c\n"
)


@pytest.fixture(scope="module")
def catalog():
    return extract_scripts([SMALL])[0]


def project_with(catalog, tmp_path: Path, models: dict[str, str], target: str = "duckdb") -> Path:
    project = tmp_path / "project"
    generate(catalog, project, target=target)
    for name, sql in models.items():
        (project / MARTS / f"{name}.sql").write_text(sql, encoding="utf-8")
    return project


def model(report, name: str):
    return next(node for node in report.nodes if node.kind == "model" and node.name == name)


def test_the_execution_query_evaluates_every_column_that_count_star_skips() -> None:
    connection = duckdb.connect()
    connection.execute("create table t as select 'x' as name from range(3)")
    connection.execute("create view v as select 1 as id, cast(name as integer) as broken from t")
    assert connection.execute("select count(*) from v").fetchall() == [(3,)]  # the cast is never run
    with pytest.raises(duckdb.ConversionException, match="Could not convert string 'x' to INT32"):
        connection.execute(execution_sql("select * from v", "duckdb")).fetchall()
    # and an empty model is not an error
    connection.execute("create view e as select 1 as id where false")
    assert connection.execute(execution_sql("select * from e", "duckdb")).fetchall() == [(0, None)]


@pytest.mark.postgres
def test_the_execution_query_evaluates_every_column_on_postgres(postgres: dict[str, str]) -> None:
    import psycopg2

    connection = psycopg2.connect(
        host=postgres["DATAMIGRATE_PG_HOST"], port=postgres["DATAMIGRATE_PG_PORT"],
        user=postgres["DATAMIGRATE_PG_USER"], dbname=postgres["DATAMIGRATE_PG_DATABASE"],
    )  # fmt: skip
    try:
        cursor = connection.cursor()
        cursor.execute("create temporary view v as select 1 as id, cast(name as integer) as broken "
                       "from (values ('x'), ('y')) as t(name)")  # fmt: skip
        cursor.execute("select count(*) from v")
        assert cursor.fetchall() == [(2,)]  # PostgreSQL drops the unread column too
        with pytest.raises(psycopg2.errors.InvalidTextRepresentation, match="invalid input syntax"):
            cursor.execute(execution_sql("select * from v", "postgres"))
    finally:
        connection.close()


@pytest.mark.dbt
def test_a_view_that_fails_when_queried_is_an_error_on_duckdb(catalog, tmp_path: Path) -> None:
    project = project_with(catalog, tmp_path, {"late_customers": FAILING_VIEW})
    report = validate_project(project, Level.BUILD, sample_rows=5)
    node = model(report, "late_customers")
    assert not report.ok
    assert node.verdict == Verdict.ERROR
    assert node.message.startswith(
        'fails when queried: Conversion Error: invalid date field format: "19970101"'
    )
    assert (node.path, node.line) == ((MARTS / "late_customers.sql").as_posix(), 2)
    assert report.queried == 4  # the two staging views, the mart and the new view
    assert model(report, "shop__customer_spend").verdict == Verdict.OK


@pytest.mark.dbt
def test_an_ephemeral_model_is_queried_and_reported(catalog, tmp_path: Path) -> None:
    """dbt never reports an ephemeral model; one that nothing reads was never run at all."""
    reader = "select customer_id, name_number from {{ ref('name_numbers') }}\n"
    project = project_with(
        catalog, tmp_path, {"name_numbers": FAILING_EPHEMERAL, "reads_name_numbers": reader}
    )
    report = validate_project(project, Level.BUILD, sample_rows=5)
    node = model(report, "name_numbers")
    assert node.verdict == Verdict.ERROR
    assert "Could not convert string 'Name_0' to INT32" in node.message
    assert node.line == 3
    assert model(report, "reads_name_numbers").verdict == Verdict.SKIPPED


@pytest.mark.dbt
@pytest.mark.postgres
def test_a_view_that_fails_when_queried_is_an_error_on_postgres(
    catalog, tmp_path: Path, postgres: dict[str, str]
) -> None:
    view = (
        "select c.customer_id,\n"
        "  c.tier,\n"
        "  cast(c.name as integer) as name_number\n"
        "from {{ ref('stg_shop__customer') }} as c\n"
    )
    project = project_with(catalog, tmp_path, {"name_numbers": view}, target="postgres")
    report = validate_project(project, Level.BUILD, sample_rows=5)
    node = model(report, "name_numbers")
    assert node.verdict == Verdict.ERROR
    assert "column name_number: " in node.message and "invalid input syntax for type integer" in node.message
    assert node.line == 3


# Incremental models: the is_incremental() branch runs on a second batch of sample rows, and the
# table after (full load, incremental run) must equal a full refresh.
INCREMENTAL = (
    "{{{{ config(materialized='incremental') }}}}\n"
    "select customer_id, visit_date, spend\n"
    "from {{{{ ref('stg_shop__visit') }}}}\n"
    "{{% if is_incremental() %}}\n"
    "where {condition}\n"
    "{{% endif %}}\n"
)
RIGHT = "visit_date > coalesce((select max(visit_date) from {{ this }}), cast('1900-01-01' as date))"
# >= loads the rows of the last day again: duplicates a full refresh does not have
DUPLICATES = "visit_date >= (select max(visit_date) from {{ this }})"
# the fallback is evaluated only when the table is empty; DuckDB cannot cast '19000101'
FALLBACK = "visit_date > coalesce((select max(visit_date) from {{ this }}), cast('19000101' as date))"
FAILS = "visit_date > (select max(no_such_column) from {{ this }})"


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (RIGHT, None),
        (DUPLICATES, "after the incremental run, the model differs from a full refresh: "),
        (FAILS, "the incremental run (is_incremental() true) fails: "),
    ],
    ids=["right", "duplicates", "fails"],
)
def test_the_incremental_branch_runs_and_equals_a_full_refresh(
    catalog, tmp_path: Path, request: pytest.FixtureRequest, target: str, condition: str, message: str | None
) -> None:
    if target == "postgres":
        request.getfixturevalue("postgres")
    project = project_with(catalog, tmp_path, {"visits": INCREMENTAL.format(condition=condition)}, target)
    report = validate_project(project, Level.BUILD, sample_rows=5)
    node = model(report, "visits")
    if message is None:
        assert node.verdict == Verdict.OK and report.ok, node.message
        return
    assert node.verdict == Verdict.ERROR and node.message.startswith(message), node.message
    assert node.line == 4  # the is_incremental() line
    if condition == DUPLICATES:
        assert "10 rows against 10" not in node.message and "only in the incremental run: (" in node.message


@pytest.mark.dbt
def test_the_watermark_fallback_runs_on_an_empty_table(catalog, tmp_path: Path) -> None:
    project = project_with(catalog, tmp_path, {"visits": INCREMENTAL.format(condition=FALLBACK)})
    node = model(validate_project(project, Level.BUILD, sample_rows=5), "visits")
    assert node.verdict == Verdict.ERROR
    assert node.message.startswith(
        'in an incremental run onto the empty table, the model fails: Conversion Error: invalid date field format: "19000101"'
    )


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_model_of_the_kept_warehouse_can_be_selected_from(
    tmp_path: Path, request: pytest.FixtureRequest, target: str
) -> None:
    """The independent check: after validation (both incremental paths included), every enabled model
    of examples/retail is still there and answers a `select *`."""
    import json

    if target == "postgres":
        request.getfixturevalue("postgres")
    project = tmp_path / "project"
    generate(extract_scripts([Path(__file__).parents[1] / "examples" / "retail"])[0], project, target=target)
    report = validate_project(project, Level.BUILD, sample_rows=5, keep=True)
    assert report.ok and report.incremental == 2
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    relations = [
        node["relation_name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("enabled", True)
    ]
    assert len(relations) == 15
    if target == "duckdb":
        connection = duckdb.connect(report.kept)
    else:
        import psycopg2

        settings = request.getfixturevalue("postgres")
        connection = psycopg2.connect(
            host=settings["DATAMIGRATE_PG_HOST"], port=settings["DATAMIGRATE_PG_PORT"],
            user=settings["DATAMIGRATE_PG_USER"], dbname=settings["DATAMIGRATE_PG_DATABASE"],
        )  # fmt: skip
        connection.autocommit = True
    try:
        cursor = connection.cursor()
        failed = []
        for relation in relations:
            try:
                cursor.execute(f"select * from {relation}")
                cursor.fetchall()
            except Exception as exc:
                failed.append((relation, str(exc).splitlines()[0]))
        assert failed == []
    finally:
        if target == "duckdb":
            connection.close()
            Path(report.kept).unlink()
        else:
            connection.cursor().execute(f'drop schema "{report.kept.removeprefix("schema ")}" cascade')
            connection.close()


def test_the_report_records_what_validation_proved(catalog, tmp_path: Path) -> None:
    """ "Converted" is earned: a view converted by the rules that fails when queried becomes "needs
    review" with DM605 in migration_report.json and .md; what passed says so; a regeneration replaces
    the reports (they are never a person's edit) and keeps the edited view."""
    import json

    project = tmp_path / "project"
    generate(catalog, project)
    view = project / MARTS / "shop__customer_spend.sql"
    view.write_text(FAILING_VIEW, encoding="utf-8")
    report = validate_project(project, Level.BUILD, sample_rows=3)
    assert not report.ok
    document = json.loads((project / "migration_report.json").read_text())
    objects = {o["name"]: o for o in document["objects"]}
    spend = objects["[shop].[CustomerSpend]"]
    assert (spend["status"], spend["validation"]) == ("needs review", "failed")
    assert spend["issues"][-1]["code"] == "DM605" and "19970101" in spend["issues"][-1]["message"]
    assert objects["[shop].[Customer]"]["validation"] == "passed"
    assert objects["[shop].[Broken]"]["validation"] == "not validated"  # disabled: no model ran
    assert document["validation"] == {
        "level": "build", "target": "duckdb", "day": document["validation"]["day"],
        "passed": 2, "failed": 1, "not validated": 1,
    }  # fmt: skip
    markdown = (project / "migration_report.md").read_text()
    assert "Validated at level build on duckdb" in markdown and "2 objects passed, 1 failed" in markdown
    assert "| [shop].[CustomerSpend] | view | needs review | failed |" in markdown
    rows = [
        line for line in markdown.split("## Issues by object")[1].split("##")[0].splitlines() if "[DM" in line
    ]
    severities = [row.split(" | ")[3] for row in rows]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)  # errors first
    generate(catalog, project)
    assert not (project / "migration_report.md.new").exists()
    assert (project / MARTS / "shop__customer_spend.sql.new").exists()  # the edited view is kept
    assert "Validated at level" not in (project / "migration_report.md").read_text()
