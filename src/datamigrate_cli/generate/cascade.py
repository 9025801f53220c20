"""A disabled model disables every mart model that reads it (DM604), and those the ones that read them.

The agent loop disables what failed the check; the rule stages disable the staging model of a table
the target cannot hold (DM104, DM105). Staging models themselves are never disabled this way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeGuard

from ..model.issues import Issue
from ..model.results import ObjectResult, Status
from ..project.files import FileKind, ModelFile, ProjectFile


def disable_readers(
    files: dict[str, ProjectFile],
    objects: list[ObjectResult],
    found: dict[str, Issue],
    disabled: set[str],
    why: dict[str, str] | None = None,
) -> tuple[dict[str, ProjectFile], list[ObjectResult]]:
    """`files` with the models of `found` disabled for their issue, then every mart model that reads a
    disabled one (`disabled` and those just disabled), until none is left; their objects need review.
    `why` says, by model name, why a model of `disabled` is disabled (default: it failed the check)."""
    files, objects, why = dict(files), list(objects), why or {}
    disabled = set(disabled)
    owner = {path: i for i, o in enumerate(objects) for path in (o.paths or (o.path,)) if path}
    while True:
        for path, issue in sorted(found.items()):
            model = files[path]
            assert isinstance(model, ModelFile)
            files[path] = replace(model, enabled=False, reasons=(issue,))
            disabled.add(model.name)
            if path in owner:
                obj = objects[owner[path]]
                objects[owner[path]] = replace(obj, status=Status.NEEDS_REVIEW, reasons=(*obj.reasons, issue))
        found = {}
        for path, file in sorted(files.items()):
            if not mart_model(file) or not file.enabled:
                continue
            read = sorted(model for model in disabled if file.reads(model))
            if read:
                reason = why.get(read[0], "failed the check")
                found[path] = Issue("DM604", f"reads {read[0]}, which {reason} and is disabled")
        if not found:
            break
    return files, objects


def mart_model(file: ProjectFile | None) -> TypeGuard[ModelFile]:
    return isinstance(file, ModelFile) and file.kind == FileKind.MART_MODEL
