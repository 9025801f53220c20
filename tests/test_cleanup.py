"""`validate --cleanup`: the throwaway warehouses of killed builds are found and dropped, and nothing
else is: not a build still running, not another project's, not another host's (docs/security.md)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.errors import InputError
from datamigrate_cli.validate.cleanup import COMMENT, cleanup

SMALL = Path(__file__).parent / "fixtures" / "small.sql"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    catalog, _ = extract_scripts([SMALL])
    generate(catalog, tmp_path / "project", project_name="small")
    return tmp_path / "project"


def ended_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def datamigrate(*arguments: str | Path, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "datamigrate_cli", *map(str, arguments)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_duckdb_files_of_ended_runs_are_dropped_and_the_others_kept(project: Path) -> None:
    target = project / "target"
    target.mkdir()
    dead, alive = ended_pid(), os.getpid()
    names = {
        "dead": f"datamigrate_validate_{dead}_0a1b2c3d.duckdb",
        "alive": f"datamigrate_validate_{alive}_0a1b2c3e.duckdb",
        "older": "datamigrate_validate_0a1b2c3f.duckdb",  # before pids were in the name
        "other": "warehouse.duckdb",
    }
    for name in names.values():
        (target / name).write_bytes(b"x")
    (target / (names["dead"] + ".wal")).write_bytes(b"x")

    report = cleanup(project)

    assert sorted(os.listdir(target)) == sorted([names["alive"], names["other"]])
    found = {leftover.name: leftover for leftover in report.leftovers}
    assert set(found) == {f"target/{names[k]}" for k in ("dead", "alive", "older")}
    assert found[f"target/{names['dead']}"].reason == f"its run (pid {dead}) has ended"
    assert found[f"target/{names['alive']}"].reason == f"in use: its run (pid {alive}) is still going"
    assert not found[f"target/{names['alive']}"].dropped and report.dropped == 2


def test_cleanup_of_a_folder_that_is_not_a_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a dbt project"):
        cleanup(tmp_path)


@pytest.mark.process
@pytest.mark.postgres
def test_a_killed_postgres_build_leaves_a_schema_that_cleanup_drops(
    project: Path, postgres: dict[str, str], validate_schemas
) -> None:
    import psycopg2

    connection = psycopg2.connect(
        host=postgres["DATAMIGRATE_PG_HOST"], port=postgres["DATAMIGRATE_PG_PORT"],
        user=postgres["DATAMIGRATE_PG_USER"], dbname=postgres["DATAMIGRATE_PG_DATABASE"],
    )  # fmt: skip
    connection.autocommit = True
    cursor = connection.cursor()
    before = set(validate_schemas())  # other runs' (or left by a killed run of this test)
    others = {
        "datamigrate_validate_f0000001": {"project": str(project.resolve()), "host": socket.gethostname(), "pid": os.getpid()},
        "datamigrate_validate_f0000002": {"project": "/elsewhere/other", "host": socket.gethostname(), "pid": ended_pid()},
        "datamigrate_validate_f0000003": {"project": str(project.resolve()), "host": "another-host", "pid": 1},
        "datamigrate_validate_f0000004": None,
    }  # fmt: skip
    try:
        for schema, owner in others.items():
            cursor.execute(f'drop schema if exists "{schema}" cascade; create schema "{schema}"')
            if owner is not None:
                cursor.execute(f'comment on schema "{schema}" is %s', (COMMENT + json.dumps(owner),))

        # a build killed outright: its schema stays, with its tables
        build = datamigrate("validate", project, "--level", "build", "--target", "postgres")
        killed = _wait_for_a_new_schema(validate_schemas, before | set(others))
        build.send_signal(signal.SIGKILL)
        build.communicate()
        assert killed in validate_schemas()

        # SIGTERM is a Ctrl-C: the build drops its schema and says so in one line
        build = datamigrate("validate", project, "--level", "build", "--target", "postgres")
        terminated = _wait_for_a_new_schema(validate_schemas, before | set(others) | {killed})
        build.send_signal(signal.SIGTERM)
        _, stderr = build.communicate(timeout=120)
        # 130; now and then the process ends killed by SIGINT after printing its line, which a shell
        # reports as 130 too (128 + 2): seen only here, after dbt caught the interrupt; not understood yet
        assert build.returncode in (130, -signal.SIGINT), (build.returncode, stderr)
        assert stderr.strip().splitlines()[-1] == (
            f"interrupted: the project {project} is unchanged; the throwaway warehouse of a build was removed"
        )
        assert terminated not in validate_schemas()

        done = subprocess.run(
            [sys.executable, "-m", "datamigrate_cli", "validate", str(project), "--cleanup", "--target", "postgres",
             "--format", "json"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        found = {leftover["name"]: leftover for leftover in document["leftovers"]}
        assert found[killed]["dropped"] and found[killed]["reason"].endswith("has ended")
        assert not found["datamigrate_validate_f0000001"]["dropped"]  # its run is this test: going
        assert "datamigrate_validate_f0000002" not in found  # another project's
        assert (
            found["datamigrate_validate_f0000003"]["reason"]
            == "made on host another-host; run --cleanup there"
        )
        assert found["datamigrate_validate_f0000004"]["reason"] == "no owner recorded (older datamigrate)"
        assert document["dropped"] == 1
        remaining = set(validate_schemas())  # (other runs on the server may add and drop their own)
        assert killed not in remaining and set(others) <= remaining
    finally:
        for schema in others:
            cursor.execute(f'drop schema if exists "{schema}" cascade')
        connection.close()


def _wait_for_a_new_schema(validate_schemas, known: set[str]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = set(validate_schemas()) - known
        if new:
            time.sleep(0.5)  # into the build
            return new.pop()
        time.sleep(0.1)
    pytest.fail("validate --level build made no schema within two minutes")
