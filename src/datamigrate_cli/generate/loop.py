"""The agent loop's nodes and routers: llm_convert, check, repair, flag, write.

The loop starts from what the rules made (`LoopState.rules`, and their project in `files` and
`objects`). Nodes are plain functions, state in, partial state out; routers are pure functions
that return the label of the next node. Files are typed (`project.files`): a draft becomes a
model file, a model that fails is disabled with `replace(model, enabled=False, reasons=...)`.
Without `--llm` and `--check` the loop goes straight to write and never calls dbt nor the network.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..model.catalog import write_snapshot
from ..model.errors import DbtError
from ..model.issues import Issue
from ..model.results import ObjectResult, Status
from ..project.files import (
    FileKind,
    LanguageModelHeader,
    ModelFile,
    NotConvertedHeader,
    Origin,
    ProjectFile,
    TextFile,
    texts,
)
from ..project.report import report_json, report_markdown
from ..project.writer import SNAPSHOT, write_project
from .candidates import SYSTEM, Author, Candidate, Draft, candidates, convert_prompt, repair_prompt
from .cascade import disable_readers, mart_model
from .llm import LLMError, sql_from_reply
from .state import GenerateOptions, LoopState, Rules

if TYPE_CHECKING:
    from ..validate.verdicts import ValidationReport

PROJECT_WIDE = ""
"""The failures key of a check error no model can be blamed for."""


def initial_state(rules: Rules, options: GenerateOptions) -> LoopState:
    """The loop's state before its first node: the rules' project, no drafts yet."""
    return {
        "rules": rules,
        "options": options,
        "files": dict(rules.project.files),
        "objects": list(rules.project.objects),
    }


# ------------------------------------------------------------------------- routers
def first_step(state: LoopState) -> Literal["llm_convert", "check", "write"]:
    """Ask the language model for what the rules could not convert, when there is one (its models are
    then always checked); else check when asked to; else write the rules' project as it is."""
    options = state["options"]
    if options.llm is not None:
        return "llm_convert"
    return "check" if options.check else "write"


def after_check(state: LoopState) -> Literal["repair", "flag", "write"]:
    """write when every model passed; repair while a failing model has repairs left and rounds
    remain (a model may fail for the first time in a late round: `max_repairs` bounds the rounds
    too, see `generate.graph.recursion_limit`); else flag."""
    options = state["options"]
    drafts = state.get("drafts", {})
    if not state.get("failures"):
        return "write"
    if state.get("checks", 1) > options.max_repairs:
        return "flag"
    failing = [draft for draft in drafts.values() if draft.error is not None and draft.flag is None]
    repairable = [d for d in failing if d.repairs < options.max_repairs and d.llm_failure is None]
    return "repair" if options.llm is not None and repairable else "flag"


# ------------------------------------------------------------------------- llm_convert
def llm_convert(state: LoopState) -> LoopState:
    """Ask the language model for a model of each object the rules could not convert, and lay the
    drafts over the rules' project."""
    options = state["options"]
    assert options.llm is not None  # first_step comes here only with a language model
    drafts = dict(state.get("drafts", {}))
    for path, candidate in sorted(candidates(state["rules"]).items()):
        if candidate.converted:
            continue
        try:
            reply = options.llm.complete(SYSTEM, convert_prompt(candidate, options.target.dialect))
            drafts[path] = Draft(candidate, sql_from_reply(reply), Author.LLM)
        except LLMError as exc:
            drafts[path] = Draft(candidate, "", Author.RULES, llm_failure=str(exc))
    return {"drafts": drafts, **_apply(state, drafts)}


# ------------------------------------------------------------------------- check
def check(state: LoopState) -> LoopState:
    """Validate the planned project (dbt compile offline + the semantic check) in a temporary
    folder; record each failing model's error on its draft. Raises DbtError when dbt cannot run."""
    from ..validate import Level, validate_project
    from ..validate.verdicts import PROBLEMS

    options = state["options"]
    with tempfile.TemporaryDirectory(prefix="datamigrate-check-") as folder:
        project = Path(folder) / options.project_name
        write_project(project, texts(state["files"]), f"datamigrate {options.version} check")
        write_snapshot(state["rules"].catalog, project / SNAPSHOT)
        try:
            report = validate_project(project, Level.SEMANTIC)
        except DbtError as exc:
            report = _stopped_at_one_model(exc, str(project))

    def said(message: str) -> str:  # the temporary folder means nothing to the reader
        return message.replace(f"{project}/", "").replace(str(project), "the project")

    failures = {
        node.path: said(node.message or node.verdict.value)
        for node in report.nodes
        if node.kind == "model" and node.verdict in PROBLEMS and node.path
    }
    drafts = dict(state.get("drafts", {}))
    if report.errors:
        # dbt could not say which model; the language model's are the suspects, when there are any
        written = [path for path, d in drafts.items() if d.author == Author.LLM and d.flag is None]
        failures |= dict.fromkeys(written or [PROJECT_WIDE], said("; ".join(report.errors)))
    known = None
    for path, draft in drafts.items():
        if draft.error is not None and path not in failures:
            drafts[path] = replace(draft, error=None)
    for path, message in failures.items():
        if path in drafts:
            drafts[path] = replace(drafts[path], error=message)
            continue
        known = known if known is not None else candidates(state["rules"])
        if path in known:  # a model of the rules' that failed: the loop may repair it
            drafts[path] = Draft(known[path], state["files"][path].text, Author.RULES, error=message)
    return {"drafts": drafts, "failures": failures, "checks": state.get("checks", 0) + 1}


def _stopped_at_one_model(error: DbtError, folder: str) -> ValidationReport:
    """dbt stops the whole compile at an undefined macro: the model it names is the one failing.
    Raises the error again when it names no model."""
    from ..validate.verdicts import Level, NodeVerdict, ValidationReport, Verdict

    found = re.search(r"\((models/[^)]+\.sql)\)", error.message)
    if found is None:
        raise error
    message = error.message.split(f"{folder}: ", 1)[-1]  # from dbt's words on
    report = ValidationReport(project=folder, level=Level.SEMANTIC, target="", parsed=True)
    report.nodes.append(
        NodeVerdict("model", Path(found.group(1)).stem, found.group(1), Verdict.ERROR, message)
    )
    return report


# ------------------------------------------------------------------------- repair
def repair(state: LoopState) -> LoopState:
    """Send each failing model with repairs left, its T-SQL, columns and error back to the model."""
    options = state["options"]
    assert options.llm is not None  # after_check comes here only with a language model
    drafts = dict(state["drafts"])
    for path, draft in sorted(drafts.items()):
        if draft.error is None or draft.flag is not None or draft.llm_failure is not None:
            continue
        if draft.repairs >= options.max_repairs:
            continue
        prompt = repair_prompt(draft.candidate, draft.sql, draft.error, options.target.dialect)
        try:
            sql = sql_from_reply(options.llm.complete(SYSTEM, prompt))
        except LLMError as exc:
            drafts[path] = replace(draft, llm_failure=str(exc))
            continue
        drafts[path] = replace(draft, sql=sql, author=Author.LLM, repairs=draft.repairs + 1)
    return {"drafts": drafts, **_apply(state, drafts)}


# ------------------------------------------------------------------------- flag
def flag(state: LoopState) -> LoopState:
    """Disable every model that still fails the check, and the models that read one of them."""
    drafts = dict(state.get("drafts", {}))
    disabled: set[str] = set()
    for path, draft in drafts.items():
        if draft.error is not None and draft.flag is None:
            tries = f" (after {draft.repairs} repair(s))" if draft.repairs else ""
            drafts[path] = replace(draft, flag=Issue("DM603", f"failed the check{tries}: {draft.error}"))
            disabled.add(draft.candidate.model)
    known = candidates(state["rules"]) if disabled else {}
    while disabled:
        newly = set()
        for path, candidate in sorted(known.items()):
            if path in drafts and drafts[path].flag is not None:
                continue
            read = sorted(m for m in disabled if _reads(state["files"].get(path), m))
            if read:
                draft = drafts.get(path) or Draft(candidate, state["files"][path].text, Author.RULES)
                message = f"reads {read[0]}, which failed the check and is disabled"
                drafts[path] = replace(draft, flag=Issue("DM604", message))
                newly.add(candidate.model)
        disabled = newly
    update = _apply(state, drafts)
    others = {p: e for p, e in state.get("failures", {}).items() if p not in drafts}
    disabled = {d.candidate.model for d in drafts.values() if d.flag is not None}
    files, objects = _disable_the_rest(update["files"], update["objects"], others, disabled)
    staging = {p: e for p, e in others.items() if not mart_model(files.get(p))}
    objects = [_note_failure(o, staging[o.path]) if o.path in staging else o for o in objects]
    if PROJECT_WIDE in others:
        objects.append(
            ObjectResult("project", state["options"].project_name, Status.NEEDS_REVIEW,
                         reasons=(Issue("DM603", f"the project failed the check: {others[PROJECT_WIDE]}"),))
        )  # fmt: skip
    return {"drafts": drafts, "files": files, "objects": objects}


def _disable_the_rest(
    files: dict[str, ProjectFile], objects: list[ObjectResult], failures: dict[str, str], disabled: set[str]
) -> tuple[dict[str, ProjectFile], list[ObjectResult]]:
    """The rules' models outside the loop's drafts (a procedure's models): disabled when they failed
    the check (DM603) or read a disabled model (DM604), until none is left. Staging models stay
    enabled: every model reads them (see `_note_failure`)."""
    found = {
        p: Issue("DM603", f"failed the check: {e}") for p, e in failures.items() if mart_model(files.get(p))
    }
    return disable_readers(files, objects, found, disabled)


def _reads(file: ProjectFile | None, model: str) -> bool:
    return isinstance(file, ModelFile) and file.reads(model)


def _note_failure(obj: ObjectResult, error: str) -> ObjectResult:
    """A model the loop cannot disable (a staging model): it stays, and the report says it failed."""
    return replace(
        obj,
        status=Status.NEEDS_REVIEW,
        reasons=(*obj.reasons, Issue("DM603", f"failed the check: {error}")),
    )


# ------------------------------------------------------------------------- write
def write(state: LoopState) -> LoopState:
    """Add the migration report; write the project and its snapshot unless this is a dry run.
    Raises OutputError."""
    options = state["options"]
    catalog = state["rules"].catalog
    files = dict(state["files"])
    for path, report in (("migration_report.md", report_markdown), ("migration_report.json", report_json)):
        files[path] = TextFile(path, FileKind.REPORT, report(catalog, state["objects"], options.target.name))
    if options.output is None:
        return {"files": files, "write": None}
    written = write_project(
        options.output,
        texts(files),
        f"datamigrate {options.version}",
        extra=lambda tree: write_snapshot(catalog, tree / SNAPSHOT),  # what `validate --level semantic` reads
    )
    return {"files": files, "write": written}


# ------------------------------------------------------------------------- drafts -> files and report
def _apply(state: LoopState, drafts: dict[str, Draft]) -> LoopState:
    """The model files and report entries of the drafts, laid over the project in `state`."""
    files = dict(state["files"])
    objects = list(state["objects"])
    position = {(o.kind, o.name): i for i, o in enumerate(objects)}
    llm = state["options"].llm
    author = llm.name if llm is not None else "a language model"
    for path, draft in sorted(drafts.items()):
        candidate = draft.candidate
        at = position.get((candidate.kind, candidate.name))
        before = (
            ObjectResult(candidate.kind, candidate.name, Status.NEEDS_REVIEW) if at is None else objects[at]
        )
        model, after = _overlay(draft, before, files.get(path), author)
        if model is not None:
            files[path] = model
        if at is None:
            objects.append(after)
        else:
            objects[at] = after
    return {"files": files, "objects": objects}


def _overlay(
    draft: Draft, before: ObjectResult, current: ProjectFile | None, author: str
) -> tuple[ModelFile | None, ObjectResult]:
    """One draft's model file (None: keep the `current` one, the rules') and its report entry."""
    candidate = draft.candidate
    failure = () if draft.llm_failure is None else (Issue("DM602", f"no answer: {draft.llm_failure}"),)
    placed: dict[str, Any] = {"model": candidate.model, "path": candidate.path}
    if draft.flag is not None:
        reasons = (draft.flag, *candidate.issues, *failure)
        after = replace(before, status=Status.NEEDS_REVIEW, reasons=reasons, **placed)
        model = current if isinstance(current, ModelFile) else _model(candidate, NotConvertedHeader(), "")
        return replace(model, enabled=False, reasons=reasons), after
    if draft.author == Author.LLM:
        model = _model(candidate, LanguageModelHeader(author, draft.repairs), draft.sql)
        repaired = f", repaired {draft.repairs} time(s) after failing the check" if draft.repairs else ""
        reason = Issue("DM601", f"written by {author}{repaired}; review it")
        return model, replace(before, status=Status.CONVERTED_WITH_WARNINGS, reasons=(reason,), **placed)
    new = tuple(r for r in failure if r not in before.reasons)  # idempotent: _apply runs after each node
    return None, replace(before, reasons=(*before.reasons, *new))


def _model(candidate: Candidate, header: LanguageModelHeader | NotConvertedHeader, sql: str) -> ModelFile:
    """A model file of the candidate's: disabled, it shows the candidate's T-SQL."""
    origin = Origin(candidate.kind, candidate.name, candidate.source)
    return ModelFile(candidate.path, FileKind.MART_MODEL, origin, header, sql, original=candidate.tsql)
