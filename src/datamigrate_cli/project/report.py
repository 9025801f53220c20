"""The migration report: every source object, the model it became, its status and its issues,
listed by object and by issue code (Markdown for people, JSON for tools)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import orjson

from ..model.catalog import Catalog
from ..model.issues import CATALOGUE, DOCS_PATH, Issue, anchor
from ..model.results import ObjectResult, Status

REPORT_VERSION = 2
"""2: `reasons` (text) became `issues` (code, severity, title, message, where); `codes` was added."""


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


def report_json(catalog: Catalog, objects: list[ObjectResult], target: str) -> str:
    document = {
        "report_version": REPORT_VERSION,
        "database": catalog.database,
        "target": target,
        "summary": summary(objects),
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


def report_markdown(catalog: Catalog, objects: list[ObjectResult], target: str) -> str:
    counts = summary(objects)
    by_kind = Counter(o.kind for o in objects)
    lines = [
        "# Migration report",
        "",
        f"Source: {_cell(catalog.database or 'SQL Server scripts')} ({catalog.origin}); target: {target}.",
        "",
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
        lines += [
            f"| {_cell(o.name)} | {o.status} | [{i.code}](#{anchor(i.code)}) | {i.severity} | {_cell(i.title)} "
            f"| {_cell(i.message)} | {_cell(Finding(o, i).where or '')} |"
            for o in with_issues
            for i in o.reasons
        ]
        lines.append("")
        lines += _by_code(findings_by_code(objects))
    lines += ["## All objects", "", "| object | kind | status | source | model |", "|---|---|---|---|---|"]
    lines += [
        f"| {_cell(o.name)} | {o.kind} | {o.status} | {_cell(_source(o))} | {o.model or ''} |"
        for o in objects
    ]
    return "\n".join(lines) + "\n"


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
