"""T-SQL scripts -> Catalog: the entry point, extract_scripts, and read_module for the live extractor.

Each GO batch goes to the fast path (fast.py) first; a batch it does not read whole is split into
statements, each read by the grammar (grammar.py). The builder (builder.py) collects both and makes
the Catalog.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ...model.catalog import Catalog, Routine, SourceRef, Trigger, UnparsedStatement, View
from ...model.errors import InputError
from ...runtime.cycle_collector import collector_paused
from ...tsql.lexer import words
from ...tsql.script import (
    EmptyScript,
    ScriptNotes,
    Statement,
    find_sql_files,
    read_script,
    split_batches,
    split_statements,
)
from . import fast
from .builder import CatalogBuilder
from .grammar import read_statement


@dataclass
class ExtractSummary:
    """How much extract_scripts read: files, and statements (fast path and grammar together)."""

    files: int = 0
    statements: int = 0
    empty_files: tuple[str, ...] = ()
    """Empty files found in the folders given (SSDT projects hold some): skipped."""


def extract_scripts(
    paths: Iterable[Path],
    on_file: Callable[[Path], None] | None = None,
    *,
    fast_path: bool = True,
    freeze: bool = False,
) -> tuple[Catalog, ExtractSummary]:
    """Read every script under `paths` into a Catalog.

    `fast_path=False` reads every statement with the full grammar (the reference the fast path is
    tested against); the Catalog is the same either way. `freeze=True` moves what exists at the end
    into the cycle collector's permanent generation (`gc.freeze`), so it is never walked again: for
    a short-lived process such as the CLI; a long-lived one should leave it off, since cyclic garbage
    frozen then is never collected. Raises InputError for missing, empty or non-SQL input.
    Statements it cannot read are kept in `Catalog.unparsed`, never raised.
    """
    paths = list(paths)
    files = find_sql_files(paths)
    named = {path.resolve() for path in paths if path.is_file()}
    builder = CatalogBuilder()
    notes = ScriptNotes()
    summary = ExtractSummary(files=len(files))
    common = _common_parent(files)
    with collector_paused(freeze):
        for path in files:
            if on_file is not None:
                on_file(path)
            display = path.resolve().relative_to(common).as_posix()
            try:
                text = read_script(path)
            except EmptyScript:
                if path.resolve() in named:
                    raise  # named on the command line: likely the wrong file
                summary.empty_files += (display,)
                continue
            for batch in split_batches(text, display, notes):
                read = fast.read_batch(batch.text) if fast_path else None
                if read is not None:
                    line = batch.line + batch.text.count("\n", 0, read.start)
                    summary.statements += 1
                    builder.add_fast(Statement(read.text, display, line, read.first_word), read.read)
                    continue
                for statement in split_statements(batch, display):
                    summary.statements += 1
                    read_statement(builder, statement)
        for file, line, reason, text in notes.unsupported:
            builder.unparsed.append(
                UnparsedStatement(source=SourceRef(file=file, line=line), reason=reason, text=text)
            )
        catalog = builder.catalog()
    _require_sql(catalog, files, summary)
    return catalog, summary


def _common_parent(files: list[Path]) -> Path:
    """The folder shared by all files, so that snapshots name files relative to it."""
    return Path(os.path.commonpath([p.resolve().parent for p in files]))


def _require_sql(catalog: Catalog, files: list[Path], summary: ExtractSummary) -> None:
    """Scripts with statements of which none is T-SQL are refused; scripts with no statement at all
    (only comments, GO lines, empty files in a folder) make an empty Catalog: the CLI warns."""
    understood = catalog.tables or catalog.views or catalog.routines or catalog.user_types or catalog.skipped
    if not understood and summary.statements:
        names = ", ".join(str(f) for f in files[:3])
        raise InputError(
            f"{names}: no T-SQL statement was recognised in {summary.statements} statement(s); "
            "is this a SQL Server script?"
        )


def read_module(text: str) -> View | Routine | Trigger | None:
    """One module's CREATE text read as a script's would be: its kind, parameters, trigger events.

    The live extractor uses this on `sys.sql_modules` text, so that both sources read module headers
    the same way. Returns None when the text is not one view, routine or trigger this reader understands.
    """
    builder = CatalogBuilder()
    first = words(text, 1)
    statement = Statement(text=text, file="", line=1, first_word=first[0] if first else "")
    read_statement(builder, statement)
    found: list[View | Routine | Trigger] = [
        *builder.views.values(),
        *builder.routines.values(),
        *builder.triggers.values(),
    ]
    if builder.unparsed or len(found) != 1:
        return None
    return found[0].model_copy(update={"source": None})
