"""`validate --cleanup`: find and drop the throwaway warehouses of builds that were killed.

A build removes its warehouse when it ends, even on SIGINT or SIGTERM; a run killed outright
(SIGKILL, a machine that stopped) cannot. Each throwaway warehouse says whose it is:

- a DuckDB file is `<project>/target/datamigrate_validate_<pid>_<token>.duckdb`: the pid of the run
  that made it (a file from before pids were in the name counts as stale);
- a PostgreSQL schema `datamigrate_validate_<token>` carries a comment (`owner_comment`) naming the
  project folder, the host and the pid of the run.

A leftover is stale when its run has ended: the pid is not running on this host. Schemas made on
another host, or by another project, are never touched; a schema without the comment (made by an
older datamigrate) is not this project's to drop either, and is listed as unknown.
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..model.errors import InputError
from ..targets import TARGETS

PREFIX = "datamigrate_validate_"
COMMENT = "datamigrate validate "
_FILE = re.compile(rf"^{PREFIX}(?:(?P<pid>\d+)_)?[0-9a-f]+\.duckdb$")


@dataclass(frozen=True)
class Leftover:
    """One throwaway warehouse found: a DuckDB file or a PostgreSQL schema."""

    kind: str
    """"duckdb file" or "postgres schema"."""
    name: str
    pid: int | None
    stale: bool
    reason: str
    dropped: bool = False


@dataclass
class CleanupReport:
    project: str
    leftovers: list[Leftover] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return sum(leftover.dropped for leftover in self.leftovers)

    def to_json(self) -> str:
        document = {
            "project": self.project,
            "dropped": self.dropped,
            "leftovers": [asdict(leftover) for leftover in self.leftovers],
            "warnings": self.warnings,
        }
        return json.dumps(document, indent=2) + "\n"


def owner_comment(project: Path) -> str:
    """The comment a build puts on its PostgreSQL schema: whose it is."""
    owner = {"project": str(project.resolve()), "host": socket.gethostname(), "pid": os.getpid()}
    return COMMENT + json.dumps(owner, sort_keys=True)


def duckdb_file_name(token: str) -> str:
    """The name of a build's DuckDB file under the project's target/: it names the run's pid."""
    return f"{PREFIX}{os.getpid()}_{token}.duckdb"


def cleanup(project: Path, output: str | None = None) -> CleanupReport:
    """Drop this project's stale throwaway warehouses: its DuckDB files, and its PostgreSQL schemas
    (on the server DATAMIGRATE_PG_* point at) when the profile `output` (default: the project's) is
    postgres; returns every one found, dropped or not. Raises InputError (not a dbt project),
    DbtError (PostgreSQL cannot be reached)."""
    if not (project / "dbt_project.yml").is_file():
        raise InputError(
            f"{project}: not a dbt project (no dbt_project.yml); pass the folder `generate` wrote"
        )
    report = CleanupReport(str(project))
    report.leftovers.extend(_duckdb_files(project))
    if (output or _default_output(project)) == "postgres":
        report.leftovers.extend(_postgres_schemas(project))
    return report


def _default_output(project: Path) -> str | None:
    try:
        profiles = yaml.safe_load((project / "profiles.yml").read_text(encoding="utf-8"))
        return str(next(iter(profiles.values()))["target"])
    except (OSError, yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError):
        return None


def _duckdb_files(project: Path) -> list[Leftover]:
    found = []
    target = project / "target"
    names = sorted(os.listdir(target)) if target.is_dir() else []
    for name in names:
        matched = _FILE.match(name)
        if matched is None:
            continue
        pid = int(matched["pid"]) if matched["pid"] else None
        stale, reason = _stale(pid, socket.gethostname())
        dropped = False
        if stale:
            for path in (target / name, target / (name + ".wal")):
                path.unlink(missing_ok=True)
            dropped = True
        found.append(Leftover("duckdb file", f"target/{name}", pid, stale, reason, dropped))
    return found


def _postgres_schemas(project: Path) -> list[Leftover]:
    from .warehouse import PostgresWarehouse  # it imports this module for the names above

    warehouse = PostgresWarehouse(TARGETS["postgres"], keep=True)
    connection = warehouse.connect()  # raises DbtError with one line when the server is not there
    mine = str(project.resolve())
    found = []
    try:
        cursor = connection.cursor()
        cursor.execute(
            "select nspname, obj_description(oid, 'pg_namespace') from pg_namespace "
            "where nspname like %s order by nspname",
            (PREFIX.replace("_", r"\_") + "%",),
        )
        for schema, comment in cursor.fetchall():
            owner = _owner(comment)
            if owner is None:
                found.append(
                    Leftover("postgres schema", schema, None, False, "no owner recorded (older datamigrate)")
                )
                continue
            if owner.get("project") != mine:
                continue  # another project's
            pid = owner.get("pid") if isinstance(owner.get("pid"), int) else None
            stale, reason = _stale(pid, owner.get("host"))
            if stale:
                cursor.execute(f'drop schema if exists "{schema}" cascade')
            found.append(Leftover("postgres schema", schema, pid, stale, reason, dropped=stale))
    finally:
        connection.close()
    return found


def _owner(comment: str | None) -> dict | None:
    if not comment or not comment.startswith(COMMENT):
        return None
    try:
        owner = json.loads(comment[len(COMMENT) :])
    except ValueError:
        return None
    return owner if isinstance(owner, dict) else None


def _stale(pid: int | None, host: str | None) -> tuple[bool, str]:
    """Whether the run that made a leftover has ended, and why we think so."""
    if host != socket.gethostname():
        return False, f"made on host {host}; run --cleanup there"
    if pid is None:
        return True, "made by an older datamigrate, which records no run"
    if pid == os.getpid() or _running(pid):
        return False, f"in use: its run (pid {pid}) is still going"
    return True, f"its run (pid {pid}) has ended"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    try:  # a zombie has ended; only its parent has not looked yet
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
