"""What the agent loop may hand to a language model: one `Candidate` per object that becomes a
model from T-SQL, and the prompts built from it.

A prompt holds SQL text and schema metadata (model and column names, SQL Server types): never
table data. Each kind of object has one function in `CANDIDATE_SOURCES`; a new kind plugs in
with one line there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ..convert.naming import NameSpace, schema_folder, snake_case
from ..convert.query import Relation
from ..model.catalog import RoutineKind, SourceRef
from ..model.issues import Issue

if TYPE_CHECKING:
    from ..model.catalog import Table, View
    from .state import Rules


@dataclass(frozen=True)
class ReadableModel:
    """A model the SQL may ref(), with its columns: (name in the source, model column, SQL Server type)."""

    source: str
    model: str
    columns: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Candidate:
    """One object that becomes a model from T-SQL: what a language model needs to write or repair it."""

    kind: str
    """As the migration report names it: view, inline table function, table function, procedure."""
    name: str
    """[schema].[name]."""
    tsql: str
    issues: tuple[Issue, ...]
    """What the rules found (why they could not convert it, or their warnings)."""
    readable: tuple[ReadableModel, ...]
    """The models of the tables and views its T-SQL names, with their columns."""
    model: str
    path: str
    source: SourceRef | None
    converted: bool
    """True when the rules wrote a model for it (the loop only repairs it if it fails the check)."""


class Author(StrEnum):
    RULES = "rules"
    LLM = "llm"


@dataclass(frozen=True)
class Draft:
    """The SQL the loop holds for one candidate's model, who wrote it, and how it fared."""

    candidate: Candidate
    sql: str
    author: Author
    repairs: int = 0
    """How many times the LLM repaired it."""
    error: str | None = None
    """The last check's error; None when it passed (or was not checked yet)."""
    llm_failure: str | None = None
    """Why the last call to the LLM gave nothing usable; the loop stops asking for this model."""
    flag: Issue | None = None
    """Why the model is written disabled (a DM603/DM604 reason); None while it is not."""


_WORD = re.compile(r"[A-Za-z_@#][\w@#$]*")


def readable_models(
    tsql: str, relations: dict[str, Relation], names: dict[str, str], own: str
) -> tuple[ReadableModel, ...]:
    """The relations whose table or view name appears in `tsql` as a word, sorted by key, except
    the object's own (key `own`). `names` maps a relation key to its source spelling ([schema].[name]).
    """
    words = {word.lower() for word in _WORD.findall(tsql)}
    found = []
    for key in sorted(relations):
        if key == own or key.rsplit(".", 1)[-1] not in words:
            continue
        relation = relations[key]
        columns = tuple(
            (relation.originals.get(original, original), model_column, relation.types.get(original, ""))
            for original, model_column in relation.columns.items()
        )  # fmt: skip
        found.append(ReadableModel(names.get(key, key), relation.model, columns))
    return tuple(found)


def _source_names(rules: Rules) -> dict[str, str]:
    named: list[Table | View] = [*rules.catalog.tables, *rules.analysis.views]
    return {obj.name.key: str(obj.name) for obj in named}


def view_candidates(rules: Rules) -> list[Candidate]:
    """Views, and inline table functions read as views, whether the rules converted them or not."""
    catalog_views = {view.name.key for view in rules.catalog.views}
    names = _source_names(rules)
    found = []
    for view in rules.analysis.views:
        key = view.name.key
        conversion = rules.conversion.views[key]
        model = rules.plan.view_models[key]
        found.append(
            Candidate(
                kind="view" if key in catalog_views else "inline table function",
                name=str(view.name),
                tsql=view.definition,
                issues=tuple(conversion.errors or conversion.warnings),
                readable=readable_models(view.definition, rules.conversion.relations, names, key),
                model=model,
                path=f"models/marts/{schema_folder(view.name.schema_)}/{model}.sql",
                source=view.source,
                converted=conversion.sql is not None,
            )
        )
    return found


def function_candidates(rules: Rules) -> list[Candidate]:
    """Table-valued functions the rules did not convert (scalar functions become macros, not models)."""
    taken = {plan.model for plan in rules.plan.staging} | set(rules.plan.view_models.values())
    taken |= {name.name for name in rules.plan.procedure_names.values()}
    models = NameSpace(taken)
    names = _source_names(rules)
    found = []
    for routine in rules.catalog.routines:
        reason = rules.analysis.functions_not_converted.get(routine.name.key)
        if reason is None or routine.kind == RoutineKind.SCALAR_FUNCTION:
            continue
        schema = routine.name.schema_
        prefix = "" if schema.lower() == "dbo" else f"{snake_case(schema)}__"
        model = models.claim(routine.name.name, prefix=prefix)
        found.append(
            Candidate(
                kind=routine.kind.value.replace("_", " "),
                name=str(routine.name),
                tsql=routine.definition,
                issues=(reason,),
                readable=readable_models(
                    routine.definition, rules.conversion.relations, names, routine.name.key
                ),
                model=model,
                path=f"models/marts/{schema_folder(schema)}/{model}.sql",
                source=routine.source,
                converted=False,
            )
        )
    return found


def procedure_candidates(rules: Rules) -> list[Candidate]:
    """Procedures the rules flagged (cursors, loops, dynamic SQL, ...): their disabled stub's model."""
    names = _source_names(rules)
    found = []
    for key, conversion in rules.conversion.procedures.items():
        if conversion.plan.enabled:
            continue
        routine = conversion.plan.routine
        stub = rules.plan.procedure_names[(key, -1)]
        found.append(
            Candidate(
                kind="procedure",
                name=str(routine.name),
                tsql=routine.definition,
                issues=conversion.issues,
                readable=readable_models(routine.definition, rules.conversion.relations, names, key),
                model=stub.name,
                path=f"{stub.folder}/{stub.name}.sql",
                source=routine.source,
                converted=False,
            )
        )
    return found


CANDIDATE_SOURCES: tuple[Callable[[Rules], list[Candidate]], ...] = (
    view_candidates,
    function_candidates,
    procedure_candidates,
)


def candidates(rules: Rules) -> dict[str, Candidate]:
    """Every candidate of the project, by the path of its model."""
    return {c.path: c for source in CANDIDATE_SOURCES for c in source(rules)}


# ------------------------------------------------------------------------- prompts
SYSTEM = (
    "You convert Microsoft SQL Server T-SQL into dbt models. A dbt model is one SELECT statement "
    "(CTEs allowed) in the target warehouse's SQL dialect. Read tables and views only through "
    "{{ ref('model_name') }} of the models you are given, with their column names exactly as listed; "
    "never invent a model or a column. Keep the T-SQL's output columns, named in snake_case. "
    "A procedure or function parameter becomes {{ var('parameter_name') }}. "
    "Reply with the SQL in one ```sql fenced block and nothing after it."
)


def convert_prompt(candidate: Candidate, dialect: str) -> str:
    """The request to write a model the rules could not."""
    return "\n".join(
        [
            f"Write the dbt model `{candidate.model}` for SQL Server {candidate.kind} {candidate.name}, "
            f"in the {dialect} dialect.",
            "",
            *_issues(candidate),
            *_readable(candidate),
            "The T-SQL:",
            _fenced(candidate.tsql),
        ]
    )


def repair_prompt(candidate: Candidate, sql: str, error: str, dialect: str) -> str:
    """The request to fix a model that failed dbt compile or the semantic check."""
    return "\n".join(
        [
            f"The dbt model `{candidate.model}` for SQL Server {candidate.kind} {candidate.name} "
            f"({dialect} dialect) failed the check (dbt compile, then every column resolved against the "
            "schema). Fix it.",
            "",
            "The error:",
            error,
            "",
            "The model:",
            _fenced(sql),
            *_readable(candidate),
            "The T-SQL it was converted from:",
            _fenced(candidate.tsql),
        ]
    )


def _issues(candidate: Candidate) -> list[str]:
    if not candidate.issues:
        return []
    return ["What the conversion rules found:", *(f"- {issue}" for issue in candidate.issues), ""]


def _readable(candidate: Candidate) -> list[str]:
    if not candidate.readable:
        return ["No model matches a table the T-SQL names.", ""]
    lines = ["Models you can ref(), with their columns (source column -> model column, SQL Server type):"]
    for readable in candidate.readable:
        columns = ", ".join(
            f"{original} -> {column} {kind}".rstrip() for original, column, kind in readable.columns
        )
        lines.append(f"- {readable.model} (from {readable.source}): {columns}")
    return [*lines, ""]


def _fenced(text: str) -> str:
    return f"```sql\n{text.strip()}\n```"
