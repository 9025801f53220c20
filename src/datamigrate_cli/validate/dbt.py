"""The one gateway to dbt-core: runs it in-process and turns its results into our own types.

dbt is imported here and nowhere else. It gets `--project-dir` and `--profiles-dir` (never a
chdir), and two invocations never run at once in one process.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dbt is imported when it runs: it is slow to import
    from dbt.artifacts.schemas.results import NodeResult as DbtNodeResult
    from dbt_common.events.base_types import EventMsg

DUCKDB_FILE = "datamigrate.duckdb"
_LOCK = threading.Lock()
# dbt exceptions that mean "dbt could not run this project at all", not "the project has errors".
_CANNOT_RUN = {"DbtProjectError", "DbtProfileError", "DbtRuntimeError", "DbtInternalError"}


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    name: str
    resource_type: str
    status: str
    """dbt's status: success, error, fail, pass, warn, skipped."""
    message: str | None
    path: str | None
    compiled_sql: str | None
    seconds: float = 0.0


@dataclass(frozen=True)
class DbtRun:
    command: str
    success: bool
    nodes: tuple[NodeResult, ...]
    error: str | None = None
    """dbt's exception text, when it stopped before running the nodes (a parse error, say)."""
    could_not_run: bool = False
    """True when dbt itself could not run (bad profile or project file), as opposed to project errors."""


def run_dbt(
    command: str,
    project_dir: Path,
    arguments: tuple[str, ...] = (),
    on_node: Callable[[str, str], None] | None = None,
    env: dict[str, str] | None = None,
) -> DbtRun:
    """Run `dbt <command>` on a project. `on_node(name, status)` is called as nodes finish.

    `env` sets environment variables (the profile reads its connection from them) for this run only.
    Raises KeyboardInterrupt when the run was interrupted (dbt itself returns it as the run's exception).
    """
    from dbt.cli.main import dbtRunner

    callbacks = [_node_callback(on_node)] if on_node is not None else []
    args = [
        "--log-level", "none", "--no-use-colors", command,
        "--project-dir", str(project_dir), "--profiles-dir", str(project_dir), *arguments,
    ]  # fmt: skip
    with _LOCK, _environment(project_dir, env or {}):
        outcome = dbtRunner(callbacks=callbacks).invoke(args)
    if isinstance(outcome.exception, KeyboardInterrupt):
        raise outcome.exception  # dbt returns Ctrl-C as a result; the caller must stop (and clean up)
    nodes = tuple(_node_result(result) for result in getattr(outcome.result, "results", None) or ())
    error = None
    could_not_run = False
    if outcome.exception is not None:
        error = _one_paragraph(str(outcome.exception))
        could_not_run = type(outcome.exception).__name__ in _CANNOT_RUN
    return DbtRun(command, bool(outcome.success), nodes, error, could_not_run)


@contextmanager
def _environment(project_dir: Path, env: dict[str, str]) -> Iterator[None]:
    wanted = {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DATAMIGRATE_DUCKDB_PATH": os.environ.get(
            "DATAMIGRATE_DUCKDB_PATH", str((project_dir / DUCKDB_FILE).resolve())
        ),
    } | env
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _node_callback(on_node: Callable[[str, str], None]) -> Callable[[EventMsg], None]:
    def callback(event: EventMsg) -> None:
        if event.info.name == "NodeFinished":
            node_info = event.data.node_info
            on_node(node_info.node_name, node_info.node_status)

    return callback


def _node_result(result: DbtNodeResult) -> NodeResult:
    node = result.node
    return NodeResult(
        unique_id=node.unique_id,
        name=node.name,
        resource_type=str(node.resource_type),
        status=str(result.status),
        message=_one_paragraph(result.message) if result.message else None,
        path=getattr(node, "original_file_path", None),
        compiled_sql=getattr(node, "compiled_code", None),
        seconds=float(getattr(result, "execution_time", 0.0) or 0.0),
    )


def load_manifest(project_dir: Path) -> dict:
    """dbt's manifest from the last run (nodes, sources, compiled SQL), or {} when there is none."""
    try:
        return json.loads((project_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _one_paragraph(text: str) -> str:
    return " ".join(line.strip() for line in str(text).strip().splitlines() if line.strip())
