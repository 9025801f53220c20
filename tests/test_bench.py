"""A tiny run of the benchmark harness: it runs, and its results say what the generator wrote."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402

STAGES = ["extract", "extract_data", "generate", "extract_common", "sqloxide_parse"]


@pytest.mark.process
def test_harness_smoke_run(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "5", "--runs", "1",
               "--dbt-max", "0", "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"),
               "--stages", *STAGES]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)

    document = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert {
        "results_version",
        "created",
        "machine",
        "versions",
        "runs",
        "results",
        "goals",
    } <= document.keys()
    (entry,) = document["results"]
    assert entry["tables"] == 5
    written = entry["input"]["generator"]["schema"]
    assert written == vars(synth.schema_script(5)[1])
    stages = entry["stages"]
    expected = STAGES if importlib.util.find_spec("sqloxide") else STAGES[:3]
    assert sorted(stages) == sorted(expected)
    for result in stages.values():
        assert result["seconds"] > 0 and result["cpu_seconds"] >= 0 and result["peak_rss_mb"] > 0
    extract = stages["extract"]
    assert (extract["tables"], extract["foreign_keys"], extract["unparsed"]) == (
        written["tables"],
        written["foreign_keys"],
        0,
    )
    assert stages["extract_data"]["statements"] > entry["input"]["generator"]["data"]["inserts"]
    assert stages["generate"]["files"] > written["tables"]
    if "sqloxide_parse" in stages:
        assert stages["sqloxide_parse"]["statements"] == stages["extract_common"]["statements"]
        assert entry["ratios"]["extract_vs_sqloxide_throughput"] > 0
    markdown = (tmp_path / "out" / "results.md").read_text(encoding="utf-8")
    assert "| 5 | extract |" in markdown and "## Goals" in markdown


def test_generator_is_deterministic() -> None:
    assert synth.schema_script(30) == synth.schema_script(30)
    assert synth.schema_script(30)[0] != synth.schema_script(30, seed=8)[0]


@pytest.mark.process
def test_harness_runs_the_dbt_stages(tmp_path: Path) -> None:
    """validate and bare dbt compile, on a project small enough to compile in seconds."""
    stages = ["extract", "generate", "validate", "dbt_compile"]
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "3", "--runs", "1",
               "--dbt-max", "3", "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"),
               "--stages", *stages]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (entry,) = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["results"]
    validate, compiled = entry["stages"]["validate"], entry["stages"]["dbt_compile"]
    assert validate["ok"] is True and validate["models"] >= 3 and validate["tests"] > 3
    assert compiled["ok"] is True and compiled["nodes"] >= validate["models"] + validate["tests"]
    assert entry["ratios"]["validate_vs_dbt_compile_time"] > 0
