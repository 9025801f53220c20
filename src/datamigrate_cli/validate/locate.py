"""Pointing at the line a problem is about, from dbt's and the databases' messages."""

from __future__ import annotations

import re
from pathlib import Path

from .verdicts import Origin


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


class TestPlaces:
    """Where data tests are declared: a YAML file, under its model and column.

    Each file is read and indexed once per validation (a large project declares thousands of tests
    in a few files; reading a file again for each test made validation quadratic).
    """

    __test__ = False  # a class named Test*, but not one for pytest to collect

    def __init__(self, directory: Path, manifest: dict, origins: dict[str, Origin]) -> None:
        self.directory = directory
        self.nodes = manifest.get("nodes", {})
        self.origins = origins
        self._names: dict[str, dict[str, list[int]] | None] = {}

    def place(self, test: dict) -> tuple[str | None, int | None, Origin | None]:
        """The test's YAML file, the line of its column (else of its model), and its model's origin."""
        path = test.get("original_file_path")
        model = self.nodes.get(test.get("attached_node") or "", {})
        origin = self.origins.get(model.get("original_file_path", ""))
        names = self._index(path) if path and model else None
        if names is None:
            return path, None, origin
        model_lines = names.get(model["name"])
        if not model_lines:
            return path, None, origin
        line = model_lines[0]
        column = test.get("column_name")
        after = [number for number in names.get(column, ()) if number > line] if column else []
        return path, after[0] if after else line, origin

    def _index(self, path: str) -> dict[str, list[int]] | None:
        """The file's `- name: x` lines: x -> their line numbers, in order (None: unreadable)."""
        if path not in self._names:
            try:
                lines = (self.directory / path).read_text(encoding="utf-8").splitlines()
            except OSError:
                self._names[path] = None
                return None
            names: dict[str, list[int]] = {}
            for number, text in enumerate(lines, start=1):
                stripped = text.strip()
                if stripped.startswith("- name: "):
                    names.setdefault(stripped[8:], []).append(number)
            self._names[path] = names
        return self._names[path]
