"""Pointing at the line a problem is about, from dbt's and the databases' messages."""

from __future__ import annotations

import re
from pathlib import Path

from .report import Origin


def needle_in(message: str) -> str | None:
    """What to look for in a model file to find the line a dbt or database message is about."""
    patterns = (
        r"LINE \d+:\s*(.+?)\s*\^",  # DuckDB and PostgreSQL quote the offending line
        r"node named '([^']+)'",
        r"source named '[^.']+\.([^']+)'",
    )
    for pattern in patterns:
        found = re.search(pattern, message)
        if found:
            return re.split(r"/\*|--|\.\.\.", found.group(1))[0].strip() or None
    return None


def line_in(directory: Path, path: str | None, needle: str | None) -> int | None:
    """The first line of the file that holds `needle` (exactly, else as a word in any case)."""
    if not path or not needle:
        return None
    try:
        lines = (directory / path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, start=1):
        if needle in text:
            return number
    lowered = needle.lower()
    word = re.compile(rf"(?<![\w]){re.escape(lowered)}(?![\w])")
    for number, text in enumerate(lines, start=1):
        if not text.lstrip().startswith("--") and word.search(text.lower()):
            return number
    return None


def test_place(
    directory: Path, test: dict, manifest: dict, origins: dict[str, Origin]
) -> tuple[str | None, int | None, Origin | None]:
    """A data test is declared in a YAML file, under its model and column."""
    path = test.get("original_file_path")
    model = manifest.get("nodes", {}).get(test.get("attached_node") or "", {})
    origin = origins.get(model.get("original_file_path", ""))
    if not path or not model:
        return path, None, origin
    try:
        lines = (directory / path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return path, None, origin
    line = None
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if line is None and stripped == f"- name: {model['name']}":
            line = number
        elif line is not None and test.get("column_name") and stripped == f"- name: {test['column_name']}":
            return path, number, origin
    return path, line, origin
