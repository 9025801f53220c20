"""What each source object became: its status in the migration report, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .catalog import SourceRef
from .issues import Issue, Severity, worst


class Status(StrEnum):
    CONVERTED = "converted"
    CONVERTED_WITH_WARNINGS = "converted with warnings"
    NEEDS_REVIEW = "needs review"


_STATUS_BY_SEVERITY = {
    Severity.ERROR: Status.NEEDS_REVIEW,
    Severity.WARNING: Status.CONVERTED_WITH_WARNINGS,
    Severity.INFO: Status.CONVERTED,
    None: Status.CONVERTED,
}


def status_for(issues: tuple[Issue, ...] | list[Issue]) -> Status:
    """An object's status from its issues: an error needs review, a warning converts with warnings."""
    return _STATUS_BY_SEVERITY[worst(issues)]


@dataclass(frozen=True)
class ObjectResult:
    """One source object in the migration report: what it became and why."""

    kind: str
    name: str
    status: Status
    model: str | None = None
    path: str | None = None
    source: SourceRef | None = None
    reasons: tuple[Issue, ...] = ()
    paths: tuple[str, ...] = ()
    """Every model file of an object that yields several (a procedure); `path` is the first."""
