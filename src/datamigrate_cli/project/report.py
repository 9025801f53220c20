"""The migration report: every source object, the model it became, its status and its issues,
listed by object and by issue code (Markdown for people, JSON for tools)."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from ..model.catalog import Catalog, CatalogFormatError, SourceRef, read_snapshot
from ..model.issues import CATALOGUE, DOCS_PATH, Issue, Severity, anchor
from ..model.results import ObjectResult, Status, status_for

REPORT_VERSION = 2
"""2: `reasons` (text) became `issues` (code, severity, title, message, where); `codes` was added."""


@dataclass(frozen=True)
class Validation:
    """What `validate` proved of each object: the level, the target, the day, and per object
    `passed`, `failed` or `not validated` (no enabled model, or a model the level did not reach)."""

    level: str
    target: str
    day: str
    outcomes: dict[str, str] = field(default_factory=dict)
    """Object name -> passed / failed / not validated."""

    def counts(self) -> dict[str, int]:
        found = Counter(self.outcomes.values())
        return {outcome: found.get(outcome, 0) for outcome in ("passed", "failed", "not validated")}


@dataclass(frozen=True)
class Finding:
    """One issue of one object, with where it is in the source."""

    result: ObjectResult
    issue: Issue

    @property
    def where(self) -> str | None:
        """`file:line` of the issue (the object's line when the issue has none), or None."""
        source = self.result.source
        if source is None:
            return None
        return f"{source.file}:{self.issue.line if self.issue.line is not None else source.line}"


def findings_by_code(objects: list[ObjectResult]) -> dict[str, list[Finding]]:
    """Code -> its findings in report order, codes sorted."""
    found: dict[str, list[Finding]] = {}
    for result in objects:
        for issue in result.reasons:
            found.setdefault(issue.code, []).append(Finding(result, issue))
    return dict(sorted(found.items()))


def report_json(
    catalog: Catalog, objects: list[ObjectResult], target: str, validation: Validation | None = None
) -> str:
    document = {
        "report_version": REPORT_VERSION,
        "database": catalog.database,
        "target": target,
        "summary": summary(objects),
        **({"validation": _validation_json(validation)} if validation else {}),
        "skipped_statements": catalog.skipped,
        "objects": [
            {
                "kind": o.kind,
                "name": o.name,
                "status": o.status.value,
                "model": o.model,
                "path": o.path,
                "source": str(o.source) if o.source else None,
                "issues": [_issue_json(Finding(o, issue)) for issue in o.reasons],
                **({"paths": list(o.paths)} if o.paths else {}),
                **({"validation": validation.outcomes.get(o.name, "not validated")} if validation else {}),
            }
            for o in objects
        ],
        "codes": [
            {
                "code": code,
                "title": CATALOGUE[code].title,
                "severity": CATALOGUE[code].severity.value,
                "docs": f"{DOCS_PATH}#{anchor(code)}",
                "objects": len({id(f.result) for f in findings}),
                "where": [
                    {"object": f.result.name, "kind": f.result.kind, "where": f.where} for f in findings
                ],
            }
            for code, findings in findings_by_code(objects).items()
        ],
    }
    try:  # the same text as json.dumps(indent=2, ensure_ascii=False), faster
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
    except orjson.JSONEncodeError:  # a lone surrogate in a name, say
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _validation_json(validation: Validation) -> dict:
    return {
        "level": validation.level,
        "target": validation.target,
        "day": validation.day,
        **validation.counts(),
    }


def _issue_json(finding: Finding) -> dict:
    issue = finding.issue
    return {
        "code": issue.code,
        "severity": issue.severity.value,
        "title": issue.title,
        "message": issue.message,
        "where": finding.where,
    }


def summary(objects: list[ObjectResult]) -> dict[str, int]:
    counts = Counter(o.status.value for o in objects)
    return {status.value: counts.get(status.value, 0) for status in Status}


def report_markdown(
    catalog: Catalog, objects: list[ObjectResult], target: str, validation: Validation | None = None
) -> str:
    counts = summary(objects)
    by_kind = Counter(o.kind for o in objects)
    lines = [
        "# Migration report",
        "",
        f"Source: {_cell(catalog.database or 'SQL Server scripts')} ({catalog.origin}); target: {target}.",
        "",
        *(_validation_lines(validation) if validation else ()),
        "| status | objects |",
        "|---|---|",
        *(f"| {status} | {count} |" for status, count in counts.items()),
        "",
        "Objects by kind: " + ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind.items())) + ".",
        "",
    ]
    if catalog.skipped:
        lines += [
            "Statements understood and not modelled: "
            + ", ".join(f"{kind} {count}" for kind, count in catalog.skipped.items())
            + ".",
            "",
        ]
    with_issues = [o for o in objects if o.reasons]
    if with_issues:
        lines += [
            "## Issues by object",
            "",
            "| object | status | code | severity | title | message | where |",
            "|---|---|---|---|---|---|---|",
        ]
        rows = sorted(
            ((o, i) for o in with_issues for i in o.reasons), key=lambda row: _RANK[row[1].severity]
        )
        lines += [
            f"| {_cell(o.name)} | {o.status} | [{i.code}](#{anchor(i.code)}) | {i.severity} | {_cell(i.title)} "
            f"| {_cell(i.message)} | {_cell(Finding(o, i).where or '')} |"
            for o, i in rows
        ]
        lines.append("")
        lines += _by_code(findings_by_code(objects))
    if validation is None:
        lines += [
            "## All objects",
            "",
            "| object | kind | status | source | model |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(o.name)} | {o.kind} | {o.status} | {_cell(_source(o))} | {o.model or ''} |"
            for o in objects
        ]
    else:
        lines += [
            "## All objects",
            "",
            "| object | kind | status | validated | source | model |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(o.name)} | {o.kind} | {o.status} | {validation.outcomes.get(o.name, 'not validated')} "
            f"| {_cell(_source(o))} | {o.model or ''} |"
            for o in objects
        ]
    lines += _next_steps(objects, validation)
    return "\n".join(lines) + "\n"


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_VAR = re.compile(r"var\('([^']+)'\)")


def _validation_lines(validation: Validation) -> list[str]:
    counts = validation.counts()
    return [
        f"Validated at level {validation.level} on {validation.target}, {validation.day}: "
        f"{counts['passed']} objects passed, {counts['failed']} failed, {counts['not validated']} not validated "
        "(no enabled model, or one the level does not run). Only what passed is proven.",
        "",
    ]


def _next_steps(objects: list[ObjectResult], validation: Validation | None) -> list[str]:
    """What a person does next: where the data goes, which vars to set, which models to finish."""
    steps = [
        "Load the source tables into the warehouse where the sources point (`models/staging/*/_*__sources.yml`: "
        "each source's schema and identifiers), then run `dbt build` in the project.",
    ]
    variables = sorted(
        {
            found
            for o in objects
            for issue in o.reasons
            if issue.code == "DM313"
            for found in _VAR.findall(issue.message)
        }
    )
    if variables:
        steps.append(
            "Set the vars of procedure parameters that have no default (`dbt build --vars '{...}'`): "
            + "; ".join(_cell(v) for v in variables)
            + "."
        )
    review = [o for o in objects if o.status == Status.NEEDS_REVIEW and (o.path or o.paths)]
    if review:
        shown = ", ".join(f"`{path}`" for o in review[:20] for path in (o.paths or (o.path,)) if path)
        more = f" and {len(review) - 20} more objects" if len(review) > 20 else ""
        steps.append(
            f"Finish the {len(review)} {'object that needs' if len(review) == 1 else 'objects that need'} review "
            "(their models are disabled or failed; the issues "
            f"above say why, with the line): {shown}{more}."
        )
    if validation is None:
        steps.append("Prove the project: `datamigrate validate <project> --level build --sample-rows 20`.")
    elif validation.counts()["failed"]:
        steps.append("Fix what failed validation (DM605 above), then run `datamigrate validate` again.")
    return ["## Next steps", "", *(f"{n}. {step}" for n, step in enumerate(steps, 1)), ""]


def record_validation(
    directory: Path,
    level: str,
    target: str,
    day: str,
    failed: dict[str, str],
    passed: set[str],
    catalog: Catalog | None = None,
) -> bool:
    """Write what validation proved into the project's migration report (JSON and Markdown): each
    object whose model file (by path) `failed` gets DM605 with the message and needs review; each
    whose every model `passed` is recorded as passed. Returns False, writing nothing, when the project
    has no report or snapshot of its own to rewrite (a project not generated by datamigrate).
    `catalog` is the project's snapshot when the caller has read it already (a large one takes seconds)."""
    report_file, snapshot = directory / "migration_report.json", directory / ".datamigrate" / "schema.json"
    try:
        document = json.loads(report_file.read_text(encoding="utf-8"))
        catalog = catalog or read_snapshot(snapshot)
        objects = [_object_from_json(entry) for entry in document["objects"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CatalogFormatError):
        return False
    if any(issue.code not in CATALOGUE for obj in objects for issue in obj.reasons):
        return False  # not a report this version of datamigrate wrote
    outcomes: dict[str, str] = {}
    recorded = []
    for obj in objects:
        paths = [p for p in (obj.paths or (obj.path,)) if p]
        failures = [failed[p] for p in paths if p in failed]
        if failures:
            reasons = (*obj.reasons, Issue("DM605", f"failed at level {level} on {target}: {failures[0]}"))
            obj = replace(obj, reasons=reasons, status=status_for(reasons))
            outcomes[obj.name] = "failed"
        elif paths and all(p in passed for p in paths):
            outcomes[obj.name] = "passed"
        else:
            outcomes[obj.name] = "not validated"
        recorded.append(obj)
    validation = Validation(level, target, day, outcomes)
    generated_for = str(document.get("target", target))
    _replace(report_file, report_json(catalog, recorded, generated_for, validation))
    _replace(directory / "migration_report.md", report_markdown(catalog, recorded, generated_for, validation))
    return True


def _replace(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a run stopped halfway leaves the previous report."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _object_from_json(entry: dict) -> ObjectResult:
    """An object of migration_report.json, as the report was made from it."""
    source = None
    if entry.get("source"):
        file, _, line = entry["source"].rpartition(":")
        source = SourceRef(file=file, line=int(line))
    issues = []
    for issue in entry["issues"]:
        where = issue.get("where")
        line = int(where.rpartition(":")[2]) if where else None
        issues.append(Issue(issue["code"], issue["message"], line))
    return ObjectResult(
        entry["kind"], entry["name"], Status(entry["status"]), entry.get("model"), entry.get("path"), source,
        tuple(issues), tuple(entry.get("paths", ())),
    )  # fmt: skip


def _by_code(by_code: dict[str, list[Finding]]) -> list[str]:
    lines = [
        "## Issues by code",
        "",
        f"Each code is explained in datamigrate's `{DOCS_PATH}`; the entries below repeat what it means "
        "and what to do.",
        "",
        "| code | title | severity | objects |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [{code}](#{anchor(code)}) | {_cell(CATALOGUE[code].title)} | {CATALOGUE[code].severity} "
        f"| {len({id(f.result) for f in findings})} |"
        for code, findings in by_code.items()
    ]
    lines.append("")
    for code, findings in by_code.items():
        entry = CATALOGUE[code]
        lines += [
            f"### {code}",
            "",
            f"**{entry.title}** ({entry.severity}). {entry.meaning} What to do: {entry.action}",
            "",
        ]
        lines += [
            f"- {_cell(f.result.name)} ({f.result.kind}) at {_cell(f.where or 'the source database')}: {_cell(f.issue.message)}"
            for f in findings
        ]
        lines.append("")
    return lines


def _source(o: ObjectResult) -> str:
    return str(o.source) if o.source else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
