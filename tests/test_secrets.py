"""No command ever writes a secret: with distinct canary values in every secret variable, run each
command (ok and failing, with and without --debug) on input that asks for those variables, and look
for the canaries in stdout, stderr, the project, dbt's target/ and logs/, and the reports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CANARIES = {
    "DATAMIGRATE_MSSQL_PASSWORD": "canary-mssql-5f1e9a",
    "DATAMIGRATE_PG_PASSWORD": "canary-pg-7c2d44",
    "ANTHROPIC_API_KEY": "canary-anthropic-93b0e1",
}
# A script whose names, descriptions and defaults ask dbt for every secret variable.
ASKING = "\n".join(
    [
        "CREATE TABLE [dbo].[T{{ env_var('DATAMIGRATE_PG_PASSWORD') }}] (",
        "    [id] int NOT NULL PRIMARY KEY,",
        "    [c{{ env_var('ANTHROPIC_API_KEY') }}] nvarchar(80) NULL"
        " DEFAULT (N'{{ env_var(''DATAMIGRATE_MSSQL_PASSWORD'') }}'),",
        "    [k] varchar(60) NULL CHECK ([k] IN ('{{ env_var(''DATAMIGRATE_PG_PASSWORD'') }}', 'b'))",
        ")",
        "GO",
        "CREATE VIEW [dbo].[v] AS SELECT [id], N'{{ env_var(''ANTHROPIC_API_KEY'') }}' AS [x] -- {{ env_var('X') }}",
        "FROM [dbo].[T{{ env_var('DATAMIGRATE_PG_PASSWORD') }}]",
        "GO",
        "EXEC sp_addextendedproperty N'MS_Description', N'desc {{ env_var(''DATAMIGRATE_PG_PASSWORD'') }} end',",
        "    N'SCHEMA', N'dbo', N'TABLE', N'T{{ env_var(''DATAMIGRATE_PG_PASSWORD'') }}'",
        "GO",
        "EXEC sp_addextendedproperty N'MS_Description', N'{{ env_var(''ANTHROPIC_API_KEY'') }}',",
        "    N'SCHEMA', N'dbo', N'VIEW', N'v'",
        "GO",
        "",
    ]
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends


def _run(*args: str, cwd: Path, extra: dict[str, str] | None = None) -> str:
    environment = os.environ | CANARIES | (extra or {})
    result = subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=600,
    )
    return result.stdout + result.stderr


def _leaks(text: str) -> list[str]:
    return [name for name, value in CANARIES.items() if value in text]


def _leaks_in_files(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            leaks = _leaks(path.read_bytes().decode("utf-8", "replace"))
            if leaks:
                found[str(path.relative_to(folder))] = leaks
    return found


@pytest.mark.process
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_command_writes_a_secret(tmp_path: Path, debug: bool) -> None:
    flags = ["--debug"] if debug else []
    (tmp_path / "asking.sql").write_text(ASKING, encoding="utf-8")
    outputs = {
        "extract": _run(*flags, "extract", "--ddl", "asking.sql", "-o", "schema.json", cwd=tmp_path),
        "extract from an unreachable server": _run(
            *flags,
            "extract",
            "--server",
            f"127.0.0.1,{_closed_port()}",
            "--database",
            "db",
            "--user",
            "sa",
            "-o",
            "server.json",
            cwd=tmp_path,
        ),
        "generate": _run(*flags, "generate", "schema.json", "-o", "project", cwd=tmp_path),
        "validate": _run(
            *flags, "validate", "project", "--level", "build", "--sample-rows", "5", cwd=tmp_path
        ),
        "validate on an unreachable postgres": _run(
            *flags,
            "validate",
            "project",
            "--level",
            "build",
            "--target",
            "postgres",
            cwd=tmp_path,
            extra={"DATAMIGRATE_PG_HOST": "127.0.0.1", "DATAMIGRATE_PG_PORT": str(_closed_port())},
        ),
        "migrate with an unreachable language model": _run(
            *flags,
            "migrate",
            "--ddl",
            "asking.sql",
            "-o",
            "migrated",
            "--llm",
            "anthropic",
            "--max-repairs",
            "1",
            cwd=tmp_path,
            extra={"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{_closed_port()}"},
        ),
        "assess": _run(*flags, "assess", "--ddl", "asking.sql", "--out", "assessment", cwd=tmp_path),
    }
    assert (tmp_path / "project" / "dbt_project.yml").is_file(), outputs["generate"]
    assert (tmp_path / "project" / "target").is_dir(), outputs["validate"]
    assert {command: _leaks(text) for command, text in outputs.items() if _leaks(text)} == {}
    assert _leaks_in_files(tmp_path) == {}
