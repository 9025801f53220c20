"""Live extraction up to the wire, with the real FreeTDS driver: no SQL Server needed.

A closed port and a listener that never answers must each give exit code 3 and one line saying
what to do, quickly, and the password must appear nowhere: not in stdout, stderr (--debug
tracebacks included) or any file written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SECRET = "Pa55-wire-test-7f3c9e"


@pytest.fixture(autouse=True)
def _freetds_installed() -> None:
    pyodbc = pytest.importorskip("pyodbc")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.fail("the FreeTDS ODBC driver is missing: apt-get install unixodbc tdsodbc (make test does)")


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def extract(port: int, cwd: Path, *options: str, debug: bool = False):
    """Run `datamigrate extract` against 127.0.0.1:port; (result, seconds it took)."""
    env = {**os.environ, "DATAMIGRATE_MSSQL_PASSWORD": SECRET, "COLUMNS": "200"}
    command = [sys.executable, "-m", "datamigrate_cli", *(["--debug"] if debug else []), "extract"]
    command += ["--server", f"127.0.0.1,{port}", "--database", "retail", "--user", "sa", *options]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    return result, time.monotonic() - started


def assert_secret_nowhere(result: subprocess.CompletedProcess, folder: Path) -> None:
    assert SECRET not in result.stdout and SECRET not in result.stderr
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def assert_one_error_line(result: subprocess.CompletedProcess, debug: bool, start: str, *words: str) -> None:
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(start), lines[-1]
    for word in words:
        assert word in lines[-1]
    if debug:
        assert "Traceback" in result.stderr
    else:
        assert len(lines) == 1, result.stderr


@pytest.mark.process
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_closed_port_is_unreachable_at_once(closed_port: int, tmp_path: Path, debug: bool) -> None:
    result, seconds = extract(closed_port, tmp_path, debug=debug)
    assert_one_error_line(result, debug, "error: cannot reach SQL Server at 127.0.0.1,", "--server host,port")
    assert seconds < 10
    assert not (tmp_path / "schema.json").exists()
    assert_secret_nowhere(result, tmp_path)


@pytest.mark.process
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_silent_listener_times_out_within_the_login_timeout(
    silent_port: int, tmp_path: Path, debug: bool
) -> None:
    result, seconds = extract(silent_port, tmp_path, "--timeout", "2", debug=debug)
    assert_one_error_line(result, debug, "error: no answer from 127.0.0.1,", "2 s login timeout", "--timeout")
    assert 2 <= seconds < 10, seconds
    assert not (tmp_path / "schema.json").exists()
    assert_secret_nowhere(result, tmp_path)
