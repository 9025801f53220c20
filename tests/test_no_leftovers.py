"""No leftovers: the DuckDB file or PostgreSQL schema of a build is removed on success, on failure,
on Ctrl-C and when dbt crashes; `--keep` is the only way to keep one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.errors import DbtError
from datamigrate_cli.validate import Level, validate_project
from datamigrate_cli.validate.warehouse import Warehouse

SMALL = Path(__file__).parent / "fixtures" / "small.sql"
MART = Path("models") / "marts" / "shop" / "shop__customer_spend.sql"
TARGETS = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def leftovers(request: pytest.FixtureRequest, tmp_path: Path):
    """(project, a function listing what builds left behind) for the target parametrised."""
    target = request.getfixturevalue("target")
    project = tmp_path / "project"
    generate(extract_scripts([SMALL])[0], project, target=target)
    if target == "postgres":
        schemas = request.getfixturevalue("validate_schemas")
        before = set(schemas())
        return project, lambda: sorted(set(schemas()) - before)
    # (the write-ahead log of a DuckDB file the process still has open counts with its file)
    return project, lambda: sorted(
        {p.name.removesuffix(".wal") for p in (project / "target").glob("datamigrate_validate_*")}
    )


def _interrupted(*_args, **_kwargs):
    """What dbt's runner returns when Ctrl-C comes during a run: the interrupt as its exception."""
    from dbt.cli.main import dbtRunnerResult

    return dbtRunnerResult(success=False, exception=KeyboardInterrupt())


def _crashed(*_args, **_kwargs):
    raise RuntimeError("dbt crashed")


def _could_not_run(*_args, **_kwargs):
    from dbt.cli.main import dbtRunnerResult
    from dbt_common.exceptions import DbtInternalError

    return dbtRunnerResult(success=False, exception=DbtInternalError("internal error"))


@pytest.mark.dbt
@pytest.mark.parametrize("target", TARGETS)
def test_nothing_is_left_on_success_or_failure(target: str, leftovers) -> None:
    project, left = leftovers
    assert validate_project(project, Level.BUILD, sample_rows=3).ok
    mart = project / MART
    mart.write_text(mart.read_text(encoding="utf-8").replace("SUM(v.spend)", "SUM(UPPER(v.spend))"))
    assert not validate_project(project, Level.BUILD, sample_rows=3).ok
    assert left() == []
    kept = validate_project(project, Level.BUILD, keep=True).kept
    assert kept is not None and len(left()) == 1 and left()[0] in kept  # only --keep keeps one
    if target == "duckdb":
        Path(kept).unlink()
        Path(kept + ".wal").unlink(missing_ok=True)
    else:
        _drop(kept.removeprefix("schema "))


@pytest.mark.dbt
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "dbt", [_interrupted, _crashed, _could_not_run], ids=["ctrl-c", "crash", "dbt error"]
)
def test_nothing_is_left_when_dbt_is_interrupted_or_crashes(
    target: str, dbt, leftovers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbt.cli.main import dbtRunner

    project, left = leftovers
    monkeypatch.setattr(dbtRunner, "invoke", dbt)
    expected = {_interrupted: KeyboardInterrupt, _crashed: RuntimeError, _could_not_run: DbtError}[dbt]
    with pytest.raises(expected):
        validate_project(project, Level.BUILD, sample_rows=3)
    assert left() == []


def test_ctrl_c_while_the_warehouse_is_removed_still_removes_it() -> None:
    class Flaky(Warehouse):
        def __init__(self) -> None:
            self.calls = 0

        def connect(self): ...
        def relation(self, table): ...
        def prepare(self, cursor, catalog): ...

        def drop(self) -> None:
            self.calls += 1
            if self.calls == 1:
                raise KeyboardInterrupt

    warehouse = Flaky()
    with pytest.raises(KeyboardInterrupt):
        warehouse.remove()
    assert warehouse.calls == 2


@pytest.mark.process
@pytest.mark.postgres
def test_ctrl_c_during_a_postgres_build_leaves_no_schema(tmp_path: Path, validate_schemas) -> None:
    """The real thing: SIGINT to `datamigrate validate` while dbt is inside a model's query."""
    project = tmp_path / "project"
    generate(extract_scripts([SMALL])[0], project, target="postgres")
    (project / "models" / "marts" / "shop" / "slow.sql").write_text(
        "{{ config(materialized='table') }}\nselect 1 as slept from pg_sleep(60)\n", encoding="utf-8"
    )
    before = set(validate_schemas())
    process = subprocess.Popen(
        [sys.executable, "-m", "datamigrate_cli", "validate", str(project), "--level", "build"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ | {"COLUMNS": "200"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not _sleeping() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert _sleeping(), f"the slow model never started: {process.poll()}"
        assert set(validate_schemas()) - before, "the build's schema was not created"
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert set(validate_schemas()) - before == set()


def _connection():
    import psycopg2

    connection = psycopg2.connect(
        host=os.environ["DATAMIGRATE_PG_HOST"], port=os.environ["DATAMIGRATE_PG_PORT"],
        user=os.environ["DATAMIGRATE_PG_USER"], dbname=os.environ["DATAMIGRATE_PG_DATABASE"],
        password=os.environ.get("DATAMIGRATE_PG_PASSWORD", ""),
    )  # fmt: skip
    connection.autocommit = True
    return connection


def _sleeping() -> bool:
    connection = _connection()
    try:
        cursor = connection.cursor()
        cursor.execute("select count(*) from pg_stat_activity where query like '%pg_sleep(60)%' "
                       "and pid <> pg_backend_pid()")  # fmt: skip
        return cursor.fetchone()[0] > 0
    finally:
        connection.close()


def _drop(schema: str) -> None:
    connection = _connection()
    try:
        connection.cursor().execute(f'drop schema "{schema}" cascade')
    finally:
        connection.close()
