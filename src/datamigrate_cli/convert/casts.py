"""What a staging model's casts change: DM1xx issues of a table's columns on a target.

A staging model casts every column to the target type of its target's type map (`targets/`). Most casts keep the
values' meaning; the ones below do not, and the report says so on the table.
"""

from __future__ import annotations

from ..model.catalog import Table
from ..model.issues import Issue
from ..targets import Target, target_type

KEPT_AS_TEXT = frozenset({"sql_variant", "hierarchyid", "geography", "geometry", "xml", "time"})
"""SQL Server types that are not text, but become text where the target has no such type (DM101)."""
TEXT_TYPES = frozenset({"varchar", "nvarchar", "char", "text", "string"})
"""Target type names (without a length) that hold text."""


def type_issues(table: Table, target: Target) -> list[Issue]:
    """The DM1xx issues of `table`'s columns on `target`, in column order (empty when none)."""
    issues = []
    for column in table.columns:
        if column.data_type == "computed":
            continue
        becomes = target_type(target, column)
        base = (becomes or "").split("(", 1)[0].strip().lower()
        if column.data_type not in target.types:
            issues.append(
                Issue(
                    "DM103",
                    f"column {column.name}: type {column.data_type} is not in the {target.name} type map; "
                    f"cast to {becomes}",
                )
            )
        elif column.data_type in KEPT_AS_TEXT and base in TEXT_TYPES:
            issues.append(Issue("DM101", f"column {column.name}: {column.data_type} becomes {becomes}"))
        elif column.data_type == "datetimeoffset" and base not in target.offset_types:
            issues.append(
                Issue(
                    "DM102",
                    f"column {column.name}: datetimeoffset becomes {becomes} (the offset is not kept)",
                )
            )
    return issues


def table_issues(table: Table, target: Target) -> list[Issue]:
    """The DM104 and DM105 issues of `table` on `target`: what keeps it from being a table there as it
    is (its staging model is written disabled)."""
    issues = []
    if target.column_names_ignore_case:
        first: dict[str, str] = {}
        for column in table.columns:
            seen = first.setdefault(column.name.casefold(), column.name)
            if seen != column.name:
                issues.append(
                    Issue("DM104", f"columns {seen} and {column.name} are one column on {target.name} "
                          "(it ignores the case of column names, even quoted)")
                )  # fmt: skip
    if target.max_columns is not None and len(table.columns) > target.max_columns:
        issues.append(
            Issue(
                "DM105",
                f"{len(table.columns)} columns: a {target.name} table holds at most {target.max_columns}",
            )
        )
    return issues
