"""Objects nested too deeply to convert, set aside before conversion (DM907) instead of ending the run.

A view, function or procedure nested deeper than `tsql.nesting.MAX_NESTING` is not converted; a
table keeps its columns and loses only the DEFAULT, CHECK or computed expression that is too deep,
so that no later stage (staging tests, sample rows, the semantic check) has to read it.
"""

from __future__ import annotations

from ..model.catalog import Catalog, Column, SourceRef, Table
from ..model.issues import Issue
from ..tsql.nesting import MAX_NESTING, too_deep


def nested_too_deeply(text: str, source: SourceRef | None) -> Issue | None:
    """DM907 when `text` nests deeper than MAX_NESTING, else None."""
    depth = too_deep(text)
    if depth is None:
        return None
    line = source.line if source is not None else None
    return Issue(
        "DM907", f"nested {depth} levels deep, more than the {MAX_NESTING} datamigrate converts", line
    )


def without_deep_expressions(catalog: Catalog) -> tuple[Catalog, dict[str, tuple[Issue, ...]]]:
    """The catalog with each too-deep column or CHECK expression taken out of its table, and the
    DM907 issues of each table changed (by table key). The same catalog when nothing is too deep."""
    changed: dict[str, tuple[Table, tuple[Issue, ...]]] = {}
    for table in catalog.tables:
        screened = _screened(table)
        if screened is not None:
            changed[table.name.key] = screened
    if not changed:
        return catalog, {}
    tables = tuple(changed[t.name.key][0] if t.name.key in changed else t for t in catalog.tables)
    return catalog.model_copy(update={"tables": tables}), {
        key: issues for key, (_, issues) in changed.items()
    }


def _screened(table: Table) -> tuple[Table, tuple[Issue, ...]] | None:
    line = table.source.line if table.source is not None else None
    issues: list[Issue] = []

    def flag(what: str, depth: int) -> None:
        issues.append(
            Issue("DM907", f"{what} is nested {depth} levels deep (more than {MAX_NESTING}): left out", line)
        )

    columns: list[Column] = []
    for column in table.columns:
        update: dict[str, None] = {}
        for field in ("default", "computed"):
            depth = too_deep(getattr(column, field))
            if depth is not None:
                flag(f"the {field} expression of column {column.name}", depth)
                update[field] = None
        columns.append(column.model_copy(update=update) if update else column)
    checks = []
    for check in table.checks:
        depth = too_deep(check.expression)
        if depth is not None:
            flag(f"CHECK {check.name}" if check.name else "a CHECK constraint", depth)
        else:
            checks.append(check)
    if not issues:
        return None
    return table.model_copy(update={"columns": tuple(columns), "checks": tuple(checks)}), tuple(issues)
