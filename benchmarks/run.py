"""The benchmark harness: how fast each stage is, against the parsers and dbt itself.

For each size N it writes the synthetic scripts (benchmarks/synth.py), then runs every stage in a
fresh Python process (so that peak memory is the stage's own), `--runs` times, and reports medians:

  extract         datamigrate: the SSMS-style schema script -> Catalog (snapshot written untimed)
  extract_data    datamigrate: the INSERT-heavy script -> Catalog (data statements counted, skipped)
  generate        datamigrate: snapshot -> dbt project on disk (LangGraph pipeline + writer)
  validate        datamigrate: `validate --level compile` (dbt compile in-process + our checks)
  dbt_compile     bare `dbt compile` of the same project, in-process through dbtRunner, same flags
  extract_common  datamigrate on the "common" script: the batches both parsers accept (see below)
  sqloxide_parse  sqloxide (sqlparser-rs) parse alone of the common batches
  sqlglot_parse   sqlglot (with sqlglotc when installed) parse alone of the common batches
  *_data          the same three on the INSERT-heavy script's batches sqloxide accepts

The common script: sqloxide rejects GO, storage clauses (`WITH (...) ON [PRIMARY]`), `WITH CHECK ADD`
and unparenthesised procedure parameters, so the generator also writes a portable variant of the same
schema without them; its GO batches are tried with sqloxide once (untimed) and the accepted ones are
the input all three parsers are timed on. sqloxide and sqlglot get one call per batch.

Times are of the stage's own call, after its imports (dbt's import is ~2 s and is excluded from both
validate and dbt_compile); dbt stages start cold (no target/ folder, so no partial parsing).

  python benchmarks/run.py --sizes 100 1000 --runs 3 --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

RESULTS_VERSION = 1
PSS_EVERY = 0.1
"""Seconds between two samples of a running stage's memory (PSS)."""
_GO = re.compile(r"^[ \t]*GO[ \t]*$", re.IGNORECASE | re.MULTILINE)
DBT_STAGES = ("validate", "dbt_compile")
PARSE_STAGES = ("extract_common", "sqloxide_parse", "sqlglot_parse")
DATA_STAGES = ("extract_data_common", "sqloxide_parse_data", "sqlglot_parse_data")


# ----------------------------------------------------------------------------- workers
class Clock:
    """Wall and CPU seconds of a block (CPU time shows how much of the wall time was waiting)."""

    def __enter__(self) -> Clock:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.times = {
            "seconds": time.perf_counter() - self.started,
            "cpu_seconds": time.process_time() - self.cpu_started,
        }


def batches(path: Path) -> list[str]:
    return [b.strip() for b in _GO.split(path.read_text(encoding="utf-8")) if b.strip()]


def work_extract(source: Path, snapshot: Path | None) -> dict:
    from datamigrate_cli.extract import extract_scripts
    from datamigrate_cli.model.catalog import write_snapshot

    with Clock() as clock:
        catalog, summary = extract_scripts([source], freeze=True)  # as the CLI reads
    if snapshot is not None:
        write_snapshot(catalog, snapshot)
    return {
        **clock.times,
        "statements": summary.statements,
        "tables": len(catalog.tables),
        "views": len(catalog.views),
        "procedures": len(catalog.routines),
        "foreign_keys": sum(len(t.foreign_keys) for t in catalog.tables),
        "unparsed": len(catalog.unparsed),
    }


def work_generate(snapshot: Path, project: Path) -> dict:
    from datamigrate_cli.generate import generate
    from datamigrate_cli.model.catalog import read_snapshot

    catalog = read_snapshot(snapshot)
    shutil.rmtree(project, ignore_errors=True)
    with Clock() as clock:
        result = generate(catalog, project, project_name="synth")
    return {**clock.times, "files": result.files, **result.summary}


def work_validate(project: Path) -> dict:
    import dbt.cli.main  # noqa: F401  imported before the clock, as in work_dbt_compile (~2 s)

    from datamigrate_cli.validate import Level, validate_project

    shutil.rmtree(project / "target", ignore_errors=True)
    with Clock() as clock:
        report = validate_project(project, Level.COMPILE)
    summary = report.summary()
    return {
        **clock.times,
        "ok": report.ok,
        "models": summary["model"]["total"],
        "tests": summary["test"]["total"],
    }


def work_dbt_compile(project: Path) -> dict:
    from dbt.cli.main import dbtRunner

    shutil.rmtree(project / "target", ignore_errors=True)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["DATAMIGRATE_DUCKDB_PATH"] = str(project / "synth.duckdb")
    args = ["--log-level", "none", "--no-use-colors", "compile", "--project-dir", str(project),
            "--profiles-dir", str(project)]  # fmt: skip
    with Clock() as clock:
        result = dbtRunner().invoke(args)
    nodes = len(getattr(result.result, "results", None) or ())
    return {**clock.times, "ok": bool(result.success), "nodes": nodes}


def work_sqloxide(source: Path) -> dict:
    import sqloxide

    texts = batches(source)
    with Clock() as clock:
        statements = sum(len(sqloxide.parse_sql(text, dialect="mssql")) for text in texts)
    return {**clock.times, "statements": statements, "batches": len(texts)}


def work_sqlglot(source: Path) -> dict:
    import sqlglot
    from sqlglot.errors import SqlglotError

    texts = batches(source)
    statements = errors = 0
    with Clock() as clock:
        for text in texts:
            try:
                statements += len(sqlglot.parse(text, read="tsql"))
            except SqlglotError:
                errors += 1
    return {**clock.times, "statements": statements, "errors": errors}


def peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries the parent's peak across fork and exec."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def worker(stage: str, paths: list[Path], result_file: Path) -> None:
    functions = {
        "extract": lambda: work_extract(paths[0], paths[1]),
        "extract_data": lambda: work_extract(paths[0], None),
        "extract_common": lambda: work_extract(paths[0], None),
        "extract_data_common": lambda: work_extract(paths[0], None),
        "generate": lambda: work_generate(paths[0], paths[1]),
        "validate": lambda: work_validate(paths[0]),
        "dbt_compile": lambda: work_dbt_compile(paths[0]),
        "sqloxide_parse": lambda: work_sqloxide(paths[0]),
        "sqloxide_parse_data": lambda: work_sqloxide(paths[0]),
        "sqlglot_parse": lambda: work_sqlglot(paths[0]),
        "sqlglot_parse_data": lambda: work_sqlglot(paths[0]),
    }
    result = functions[stage]()
    result["peak_rss_mb"] = peak_rss_mb()
    result_file.write_text(json.dumps(result), encoding="utf-8")


# ----------------------------------------------------------------------------- harness
def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def common_batches(source: Path, destination: Path) -> dict:
    """Write the GO batches of `source` that sqloxide accepts to `destination`; count them."""
    import sqloxide

    accepted = []
    total = 0
    for text in batches(source):
        total += 1
        try:
            sqloxide.parse_sql(text, dialect="mssql")
        except Exception:  # sqloxide raises a bare ValueError-like error for any syntax it rejects
            continue
        accepted.append(text)
    destination.write_text("".join(f"{text}\nGO\n" for text in accepted), encoding="utf-8")
    return {"batches": total, "accepted": len(accepted), "bytes": destination.stat().st_size}


def run_stage(stage: str, paths: list[Path], scratch: Path, timeout: float) -> dict:
    result_file = scratch / f"{stage}.result.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", stage, str(result_file),
               *map(str, paths)]  # fmt: skip
    started = time.perf_counter()
    peak_pss = 0.0
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=errors, text=True, start_new_session=True
        )
        while process.poll() is None:  # meanwhile, the memory of the worker and its forked children
            peak_pss = max(peak_pss, pss_mb(process.pid))
            if time.perf_counter() - started > timeout:
                os.killpg(process.pid, signal.SIGKILL)  # the worker and its children
                process.wait()
                raise RuntimeError(f"stage {stage} took more than {timeout:.0f} s (--timeout)")
            time.sleep(PSS_EVERY)
        errors.seek(0)
        if process.returncode != 0 or not result_file.is_file():
            raise RuntimeError(f"stage {stage} failed ({process.returncode}):\n{errors.read()[-3000:]}")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result["process_seconds"] = time.perf_counter() - started
    result["peak_pss_mb"] = peak_pss
    return result


def pss_mb(pid: int) -> float:
    """The proportional set size of `pid` and its descendants, in MiB (0 where /proc cannot say).

    Unlike RSS, PSS counts a page shared by processes (a fork's copy-on-write pages) once in all:
    the memory a stage that forks really needs. Linux only.
    """
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text(encoding="utf-8")
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += map(int, (task / "children").read_text(encoding="utf-8").split())
        except (OSError, AttributeError, ValueError):
            continue  # ended meanwhile, or no /proc
    return total / 1024


def _dbt_swapped(plan: list[tuple[str, list[Path]]]) -> list[tuple[str, list[Path]]]:
    stages = [stage for stage, _ in plan]
    if not set(DBT_STAGES) <= set(stages):
        return plan
    swapped = list(plan)
    first, second = stages.index(DBT_STAGES[0]), stages.index(DBT_STAGES[1])
    swapped[first], swapped[second] = plan[second], plan[first]
    return swapped


def median_of(runs: list[dict]) -> dict:
    """Medians of the numbers over the runs; the other fields as the last run had them."""
    merged = dict(runs[-1])
    for key, value in runs[-1].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
    merged["seconds_all"] = [round(run["seconds"], 4) for run in runs]
    merged["cpu_seconds_all"] = [round(run["cpu_seconds"], 4) for run in runs]
    return merged


def bench_size(n: int, args: argparse.Namespace, scratch: Path) -> dict:
    folder = scratch / str(n)
    written = synth.write(n, folder, seed=args.seed)
    files = {name: folder / f"{name}.sql" for name in ("schema", "schema_portable", "data", "data_portable")}
    entry: dict = {
        "tables": n,
        "input": {
            "generator": written,
            "schema_bytes": files["schema"].stat().st_size,
            "data_bytes": files["data"].stat().st_size,
        },
        "stages": {},
    }
    plan: list[tuple[str, list[Path]]] = [
        ("extract", [files["schema"], folder / "catalog.json"]),
        ("extract_data", [files["data"]]),
        ("generate", [folder / "catalog.json", folder / "project"]),
    ]
    if n <= args.dbt_max:
        plan += [("validate", [folder / "project"]), ("dbt_compile", [folder / "project"])]
    if have("sqloxide"):
        common, common_data = folder / "common.sql", folder / "common_data.sql"
        entry["input"]["common"] = common_batches(files["schema_portable"], common)
        entry["input"]["common_data"] = common_batches(files["data_portable"], common_data)
        entry["input"]["ssms_batches_sqloxide_accepts"] = common_batches(files["schema"], folder / "x.sql")
        plan += [(stage, [common]) for stage in PARSE_STAGES]
        plan += [(stage, [common_data]) for stage in DATA_STAGES]
        if n > args.sqlglot_max:
            plan = [(stage, paths) for stage, paths in plan if not stage.startswith("sqlglot")]
    else:
        entry["skipped"] = "sqloxide is not installed (pip install -e '.[bench]'): no parser baselines"
    if args.stages:
        plan = [(stage, paths) for stage, paths in plan if stage in args.stages]
    runs: dict[str, list[dict]] = {}
    for run in range(args.runs):
        order = plan if run % 2 == 0 else _dbt_swapped(plan)  # neither dbt stage always runs first
        for stage, paths in order:
            log(f"  N={n} run {run + 1}/{args.runs}: {stage}")
            runs.setdefault(stage, []).append(run_stage(stage, paths, folder, args.timeout))
    entry["stages"] = {stage: median_of(results) for stage, results in runs.items()}
    entry["ratios"] = ratios(entry)
    return entry


def ratios(entry: dict) -> dict:
    stages = entry["stages"]
    out: dict = {}

    def seconds(stage: str) -> float | None:
        return stages[stage]["seconds"] if stage in stages else None

    def cpu(stage: str) -> float | None:
        return stages[stage]["cpu_seconds"] if stage in stages else None

    if seconds("extract_common") and seconds("sqloxide_parse"):
        out["extract_vs_sqloxide_throughput"] = seconds("sqloxide_parse") / seconds("extract_common")
    if cpu("extract_common") and cpu("sqloxide_parse"):
        # On a shared machine wall seconds include waiting for a core; CPU seconds do not.
        out["extract_vs_sqloxide_throughput_cpu"] = cpu("sqloxide_parse") / cpu("extract_common")
    if seconds("extract_data_common") and seconds("sqloxide_parse_data"):
        out["extract_data_vs_sqloxide_throughput"] = seconds("sqloxide_parse_data") / seconds(
            "extract_data_common"
        )
    if seconds("validate") and seconds("dbt_compile"):
        out["validate_vs_dbt_compile_time"] = seconds("validate") / seconds("dbt_compile")
    return out


def goals(results: list[dict]) -> list[dict]:
    by_n = {entry["tables"]: entry for entry in results}
    found: list[dict] = []

    def add(goal: str, value: float | None, target: str, met: bool | None) -> None:
        found.append({"goal": goal, "value": value, "target": target, "met": met})

    for n, entry in sorted(by_n.items()):
        ratio = entry["ratios"].get("extract_vs_sqloxide_throughput")
        if ratio is not None:
            add(f"extract throughput / sqloxide parse, N={n}", round(ratio, 2), ">= 1.0", ratio >= 1.0)
        ratio = entry["ratios"].get("validate_vs_dbt_compile_time")
        if ratio is not None:
            add(f"validate time / bare dbt compile, N={n}", round(ratio, 2), "<= 1.1", ratio <= 1.1)
    if 10000 in by_n and "generate" in by_n[10000]["stages"]:  # absent with --stages
        generate = by_n[10000]["stages"]["generate"]
        add(
            "generate 10,000 tables: seconds", round(generate["seconds"], 2), "< 10", generate["seconds"] < 10
        )
        add("generate 10,000 tables: peak RSS MiB of its main process", round(generate["peak_rss_mb"]),
            "< 1024", generate["peak_rss_mb"] < 1024)  # fmt: skip
        if generate.get("peak_pss_mb"):  # a second process renders and writes: count both
            add("generate 10,000 tables: peak PSS MiB of all its processes", round(generate["peak_pss_mb"]),
                "< 1024", generate["peak_pss_mb"] < 1024)  # fmt: skip
    if 1000 in by_n and 10000 in by_n:
        for stage in ("extract", "generate", "validate"):
            small, large = by_n[1000]["stages"].get(stage), by_n[10000]["stages"].get(stage)
            if small and large:
                growth = (large["seconds"] / 10000) / (small["seconds"] / 1000)
                add(
                    f"{stage}: cost per table at 10,000 / at 1,000", round(growth, 2), "<= 1.5", growth <= 1.5
                )
    return found


def versions() -> dict:
    names = ("datamigrate", "sqlglot", "sqlglotc", "sqloxide", "dbt-core", "dbt-duckdb", "langgraph")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def markdown(document: dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"{document['created']}, {document['machine']['cpus']} cores ({document['machine']['platform']}), "
        f"Python {document['machine']['python']}; medians of {document['runs']} run(s), each stage in a fresh "
        "process. Seconds are the stage's own call after its imports; peak RSS is the stage's main process's; "
        f"peak PSS, sampled every {PSS_EVERY} s (so at least that), is of all its processes (generate forks "
        "one), shared pages counted once.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in document["versions"].items() if v) + ".",
        "",
        "| N tables | stage | median s | runs (s) | CPU s | peak RSS MiB | peak PSS MiB | ms per table | notes |",
        "|---:|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for entry in document["results"]:
        n = entry["tables"]
        for stage, result in entry["stages"].items():
            note = _note(stage, result, entry)
            runs = ", ".join(f"{s:.2f}" for s in result["seconds_all"])
            lines.append(
                f"| {n:,} | {stage} | {result['seconds']:.2f} | {runs} | {result['cpu_seconds']:.2f} | "
                f"{result['peak_rss_mb']:.0f} | {_pss(result)} | "
                f"{1000 * result['seconds'] / n:.2f} | {note} |"
            )
    lines += ["", "## Ratios", "", "| N tables | ratio | value |", "|---:|---|---:|"]
    for entry in document["results"]:
        for name, value in entry["ratios"].items():
            lines.append(f"| {entry['tables']:,} | {name} | {value:.2f} |")
    lines += ["", "## Goals", "", "| goal | value | target | met |", "|---|---:|---|---|"]
    for goal in document["goals"]:
        lines.append(
            f"| {goal['goal']} | {goal['value']} | {goal['target']} | {'yes' if goal['met'] else 'no'} |"
        )
    lines += ["", "## Inputs", ""]
    for entry in document["results"]:
        inputs = entry["input"]
        text = (
            f"- N={entry['tables']:,}: schema script {inputs['schema_bytes'] / 1e6:.1f} MB "
            f"({_counts(inputs['generator']['schema'])}); INSERT script {inputs['data_bytes'] / 1e6:.1f} MB "
            f"({inputs['generator']['data']['inserts']:,} INSERTs)"
        )
        if "common" in inputs:
            common, data, ssms = (
                inputs["common"],
                inputs["common_data"],
                inputs["ssms_batches_sqloxide_accepts"],
            )
            text += (
                f"; common input: {common['accepted']:,} of {common['batches']:,} portable batches "
                f"({common['bytes'] / 1e6:.1f} MB), {data['accepted']:,} of {data['batches']:,} INSERT batches; "
                f"sqloxide accepts {ssms['accepted']:,} of the SSMS script's {ssms['batches']:,} batches"
            )
        lines.append(text)
        if "skipped" in entry:
            lines.append(f"  ({entry['skipped']})")
    return "\n".join(lines) + "\n"


def _pss(result: dict) -> str:
    """The sampled peak PSS; a dash when the stage ended before the first sample could see it."""
    return f"{result['peak_pss_mb']:.0f}" if result.get("peak_pss_mb", 0) >= 1 else "-"


def _counts(counts: dict) -> str:
    return ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items() if value)


def _note(stage: str, result: dict, entry: dict) -> str:
    if stage.startswith("extract"):
        mb = (entry["input"]["schema_bytes"] if stage == "extract" else 0) / 1e6
        rate = f"{result['statements'] / result['seconds']:,.0f} statements/s"
        found = (
            f"{result['tables']:,} tables, {result['statements']:,} statements, {result['unparsed']} unparsed"
        )
        return f"{found}; {rate}" + (f", {mb / result['seconds']:.1f} MB/s" if mb else "")
    if stage.startswith(("sqloxide", "sqlglot")):
        errors = f", {result['errors']} batches failed" if result.get("errors") else ""
        return f"{result['statements']:,} statements; {result['statements'] / result['seconds']:,.0f} statements/s{errors}"
    if stage == "generate":
        return f"{result['files']:,} files"
    if stage == "validate":
        return f"{result['models']:,} models, {result['tests']:,} tests, ok={result['ok']}"
    if stage == "dbt_compile":
        return f"{result['nodes']:,} nodes, success={result['ok']}"
    return ""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], [Path(p) for p in sys.argv[4:]], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description="Time each datamigrate stage against sqloxide, sqlglot and dbt."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dbt-max", type=int, default=1000, help="largest N for validate and dbt compile")
    parser.add_argument("--sqlglot-max", type=int, default=10000, help="largest N for the sqlglot baseline")
    parser.add_argument(
        "--stages",
        nargs="+",
        help="only these stages (default: all); generate needs extract, dbt stages generate",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one stage may take")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed)")
    args = parser.parse_args()
    scratch = args.work or Path(tempfile.mkdtemp(prefix="datamigrate-bench-"))
    try:
        results = []
        for n in args.sizes:
            log(f"N={n}")
            results.append(bench_size(n, args, scratch))
    finally:
        if args.work is None:
            shutil.rmtree(scratch, ignore_errors=True)
    document = {
        "results_version": RESULTS_VERSION,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
        },
        "versions": versions(),
        "runs": args.runs,
        "sizes": args.sizes,
        "dbt_max": args.dbt_max,
        "results": results,
        "goals": goals(results),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(markdown(document), encoding="utf-8")
    log(f"wrote {args.out / 'results.md'} and results.json")


if __name__ == "__main__":
    main()
