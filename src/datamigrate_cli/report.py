"""The migration report: every source object, the model it became, its status and reasons."""

from __future__ import annotations

import json
from collections import Counter

from .catalog import Catalog
from .pipeline.state import ObjectResult, Status

REPORT_VERSION = 1


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
                "reasons": list(o.reasons),
                **({"paths": list(o.paths)} if o.paths else {}),
            }
            for o in objects
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def summary(objects: list[ObjectResult]) -> dict[str, int]:
    counts = Counter(o.status.value for o in objects)
    return {status.value: counts.get(status.value, 0) for status in Status}


def report_markdown(catalog: Catalog, objects: list[ObjectResult], target: str) -> str:
    counts = summary(objects)
    by_kind = Counter(o.kind for o in objects)
    lines = [
        "# Migration report",
        "",
        f"Source: {catalog.database or 'SQL Server scripts'} ({catalog.origin}); target: {target}.",
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
    review = [o for o in objects if o.status != Status.CONVERTED]
    if review:
        lines += [
            "## Needs a look",
            "",
            "| object | kind | status | source | model | why |",
            "|---|---|---|---|---|---|",
        ]
        lines += [_row(o) for o in review]
        lines.append("")
    lines += ["## All objects", "", "| object | kind | status | source | model |", "|---|---|---|---|---|"]
    lines += [
        f"| {_cell(o.name)} | {o.kind} | {o.status} | {_source(o)} | {o.model or ''} |" for o in objects
    ]
    return "\n".join(lines) + "\n"


def _row(o: ObjectResult) -> str:
    why = "; ".join(o.reasons)
    return f"| {_cell(o.name)} | {o.kind} | {o.status} | {_source(o)} | {o.model or ''} | {_cell(why)} |"


def _source(o: ObjectResult) -> str:
    return str(o.source) if o.source else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
