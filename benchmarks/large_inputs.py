"""Large and hostile inputs: each finishes or stops with one line, in memory proportional to its size.

Each input is written to a scratch folder, then `datamigrate extract` (and `generate` on its snapshot)
runs in a child process; the table gives wall time, peak memory (the child's maximum resident set) and
the exit code. The inputs are the ones the untrusted-input issues name:

  inserts_100mb   a 100 MB script of single-row INSERTs after one CREATE TABLE (one batch)
  one_line_20mb   a 20 MB script on one line: a CREATE TABLE, then INSERTs separated by spaces
  nested_2000     a view whose expression is nested 2,000 parentheses deep (flagged DM907)
  columns_3000    a table with 3,000 columns (built on DuckDB: `migrate --level build`)
  tables_10000    10,000 tables of 41 columns: a 170 MB snapshot for `generate`

  python benchmarks/large_inputs.py [--only NAME ...] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATAMIGRATE = [sys.executable, "-m", "datamigrate_cli"]


def write_inserts(path: Path, megabytes: int) -> None:
    with path.open("w") as out:
        out.write(
            "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, name nvarchar(50), d datetime, amount money);\nGO\n"
        )
        row = 0
        while out.tell() < megabytes * 1_000_000:
            out.writelines(
                f"INSERT INTO dbo.t (id, name, d, amount) VALUES ({i}, N'name {i}', '2020-01-01T00:00:00', {i}.25)\n"
                for i in range(row, row + 10_000)
            )
            row += 10_000


def write_one_line(path: Path, megabytes: int) -> None:
    with path.open("w") as out:
        out.write("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, name nvarchar(50));")
        row = 0
        while out.tell() < megabytes * 1_000_000:
            out.write(
                "".join(
                    f" INSERT INTO dbo.t (id, name) VALUES ({i}, N'n{i}');" for i in range(row, row + 10_000)
                )
            )
            row += 10_000
        out.write("\n")


def write_nested(path: Path, depth: int) -> None:
    expression = "(" * depth + "a" + " + 1)" * depth
    path.write_text(
        "CREATE TABLE dbo.t (a int);\nGO\n"
        f"CREATE VIEW dbo.deep AS SELECT {expression} AS x FROM dbo.t;\nGO\n"
        "CREATE VIEW dbo.plain AS SELECT a FROM dbo.t;\nGO\n"
    )


def write_columns(path: Path, count: int) -> None:
    columns = ",\n  ".join(f"c{i} int NULL" for i in range(count))
    path.write_text(f"CREATE TABLE dbo.wide (id int NOT NULL PRIMARY KEY,\n  {columns});\nGO\n")


def write_tables(path: Path, count: int) -> None:
    with path.open("w") as out:
        for table in range(count):
            columns = ",\n  ".join(f"c{c} nvarchar(100) NULL" for c in range(40))
            out.write(f"CREATE TABLE dbo.t{table} (id int NOT NULL PRIMARY KEY,\n  {columns});\nGO\n")


def run(args: list[str], cwd: Path) -> dict:
    """Run datamigrate in a child; its wall time, peak memory (MB) and exit code."""
    start = time.perf_counter()
    process = subprocess.Popen([*DATAMIGRATE, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
    return {
        "seconds": round(seconds, 1),
        "peak_mb": round(usage.ru_maxrss / 1024),
        "exit": os.waitstatus_to_exitcode(status),
        "error": stderr.splitlines()[-1] if stderr and os.waitstatus_to_exitcode(status) else "",
    }


CASES = {
    "inserts_100mb": (lambda p: write_inserts(p, 100), ["extract"]),
    "one_line_20mb": (lambda p: write_one_line(p, 20), ["extract"]),
    "nested_2000": (lambda p: write_nested(p, 2000), ["extract", "generate"]),
    "columns_3000": (lambda p: write_columns(p, 3000), ["extract", "migrate"]),
    "tables_10000": (lambda p: write_tables(p, 10_000), ["extract", "generate"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="run these inputs only")
    parser.add_argument("--out", type=Path, help="also write large_inputs.md into this folder")
    options = parser.parse_args()
    lines = [
        "| input | size | command | seconds | peak MB | exit |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="datamigrate-large-") as scratch:
        folder = Path(scratch)
        for name in options.only or CASES:
            write, commands = CASES[name]
            script = folder / f"{name}.sql"
            write(script)
            size = f"{script.stat().st_size / 1_000_000:.0f} MB"
            snapshot = folder / f"{name}.json"
            for command in commands:
                args = {
                    "extract": ["extract", "--ddl", str(script), "-o", str(snapshot)],
                    "generate": ["generate", str(snapshot), "-o", str(folder / f"{name}_project")],
                    "migrate": ["migrate", "--ddl", str(script), "-o", str(folder / f"{name}_built"),
                                "--level", "build", "--sample-rows", "3"],
                }[command]  # fmt: skip
                result = run(args, folder)
                if command == "extract" and snapshot.exists():
                    size += f" (snapshot {snapshot.stat().st_size / 1_000_000:.0f} MB)"
                lines.append(
                    f"| {name} | {size} | {command} | {result['seconds']} | {result['peak_mb']} | "
                    f"{result['exit']} {result['error']} |"
                )
                print(lines[-1], flush=True)
    if options.out:
        options.out.mkdir(parents=True, exist_ok=True)
        (options.out / "large_inputs.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
