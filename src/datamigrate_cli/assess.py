"""`assess`: before migrating, what a database holds, how complex its routines are, what would
convert automatically and what needs a person, and an estimate of the hours that person needs.

What converts is not guessed: the real generation pipeline runs (nothing is written), so every
object is assessed by the same rules that convert it. Routine complexity comes from a small
token scan of each procedure's, function's and trigger's text, weighed by the WEIGHTS, LINES_PER_POINT
and BANDS tables below (SCORE_METHOD says it in words, and every output prints it). The effort is an
estimate from the EFFORT_HOURS table, not a measurement.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from .generate.graph import run_pipeline
from .generate.state import GenerateOptions
from .model.catalog import Catalog, SourceRef
from .model.issues import Severity, worst
from .model.results import ObjectResult, Status
from .targets import get_target
from .tsql.blocks import body_steps
from .tsql.lexer import tokens as tsql_tokens
from .tsql.lexer import words as tsql_words
from .version import __version__

ASSESSMENT_VERSION = 1


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Complexity:
    """What a token scan of one routine's text found."""

    statements: int = 0
    lines: int = 0
    loops: int = 0
    """WHILE loops."""
    cursors: int = 0
    """Cursors declared (DECLARE c CURSOR, @c CURSOR)."""
    dynamic_sql: int = 0
    """EXEC(...), EXEC @variable and sp_executesql calls."""
    temp_tables: int = 0
    """Distinct #temp table names."""
    table_variables: int = 0
    """DECLARE @t TABLE (and a multi-statement function's RETURNS @t TABLE)."""
    try_catch: int = 0
    """BEGIN TRY blocks."""
    transactions: int = 0
    """BEGIN TRAN / BEGIN TRANSACTION."""

    @property
    def score(self) -> int:
        return self.lines // LINES_PER_POINT + sum(
            getattr(self, name) * weight for name, weight in WEIGHTS.items()
        )

    @property
    def band(self) -> Band:
        return next(band for band, below in BANDS if self.score < below)


WEIGHTS = {
    "statements": 1,
    "loops": 5,
    "cursors": 8,
    "dynamic_sql": 8,
    "temp_tables": 2,
    "table_variables": 3,
    "try_catch": 3,
    "transactions": 3,
}
"""Points per construct: row-by-row and run-time SQL cost the most to turn into set-based models."""
LINES_PER_POINT = 20
BANDS = ((Band.LOW, 10), (Band.MEDIUM, 30), (Band.HIGH, float("inf")))
"""A band and the score it starts below."""

EFFORT_HOURS = {
    ("routine", Band.LOW): 2.0,
    ("routine", Band.MEDIUM): 6.0,
    ("routine", Band.HIGH): 16.0,
    ("other", Severity.ERROR): 1.0,
    ("other", Severity.WARNING): 0.25,
}
"""Hours of a person per object: a procedure, function or trigger that needs review, by complexity
band; any other object by its worst issue (an error to fix by hand, a warning to check). Objects
that convert cleanly, or with information only, take none."""


# ------------------------------------------------------------------------- token scan
def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each token outside comments, read by the shared lexer (tsql/lexer.py);
    words lower-cased, quoted names unquoted (a quoted name is never a keyword, a temp table or a
    variable), every other mark `punct`."""
    for token in tsql_tokens(text):
        if token.kind == "word":
            yield "word", token.word.lower()
        elif token.kind == "quoted":
            yield "name", text[token.start + 1 : token.end - 1].replace("]]", "]").replace('""', '"').lower()
        elif token.kind == "string":
            yield "string", token.word
        else:
            yield "punct", token.word


def scan(text: str) -> Complexity:
    """Count the constructs of one routine's text (its whole CREATE statement). Statements are
    the body's statements as the procedure converter reads them (tsql/blocks.py), an IF's or a
    WHILE's condition counted as one; the other constructs are counted everywhere (RETURNS @t TABLE
    is in the header)."""
    steps = body_steps(text)
    tokens = list(_tokens(text))
    counts: Counter[str] = Counter(
        statements=len(steps),
        cursors=sum(1 for step in steps if step.kind == "DECLARE" and "CURSOR" in tsql_words(step.text)),
    )
    temp_tables: set[str] = set()
    for index, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        previous = tokens[index - 1][1] if index else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if value.startswith("#"):
            temp_tables.add(value)
        if value == "while":
            counts["loops"] += 1
        elif value in {"exec", "execute"} and _dynamic(following, tokens[index + 2 : index + 5]):
            counts["dynamic_sql"] += 1
        elif value == "table" and (previous.startswith("@") or _declared_as(tokens, index)):
            counts["table_variables"] += 1
        elif value == "begin" and following[1] == "try":
            counts["try_catch"] += 1
        elif value == "begin" and following[1] in {"tran", "transaction", "distributed"}:
            counts["transactions"] += 1
    lines = sum(1 for line in text.splitlines() if line.strip())
    return Complexity(lines=lines, temp_tables=len(temp_tables), **{k: v for k, v in counts.items() if v})


def _dynamic(following: tuple[str, str], after: list[tuple[str, str]]) -> bool:
    """EXEC('...'), EXEC(@sql), EXEC @sql (not EXEC @rc = proc), EXEC [sys.]sp_executesql."""
    kind, value = following
    if value == "(" or (kind == "word" and value.startswith("@") and (not after or after[0][1] != "=")):
        return True
    names = [following[1], *(v for k, v in after if k in {"word", "name"})]
    return "sp_executesql" in names[:3]


def _declared_as(tokens: list[tuple[str, str]], index: int) -> bool:
    """`@t AS TABLE`: the word before TABLE is AS and the one before that a variable."""
    return index >= 2 and tokens[index - 1][1] == "as" and tokens[index - 2][1].startswith("@")


# ------------------------------------------------------------------------- the assessment
@dataclass(frozen=True)
class RoutineAssessment:
    kind: str
    name: str
    source: SourceRef | None
    complexity: Complexity
    status: Status
    codes: tuple[str, ...]
    hours: float


@dataclass(frozen=True)
class EffortLine:
    rule: str
    """Which row of EFFORT_HOURS: `routine, high` or `other, error`."""
    objects: int
    hours_each: float

    @property
    def hours(self) -> float:
        return self.objects * self.hours_each


@dataclass(frozen=True)
class Assessment:
    database: str | None
    origin: str
    target: str
    counts: dict[str, int]
    """Objects of the Catalog by kind."""
    objects: tuple[ObjectResult, ...]
    """Every object as `generate` would report it: status and issues."""
    routines: tuple[RoutineAssessment, ...]
    effort: tuple[EffortLine, ...]

    @property
    def hours(self) -> float:
        return sum((line.hours for line in self.effort), 0.0)

    def status_counts(self) -> dict[str, int]:
        counts = Counter(o.status.value for o in self.objects)
        return {status.value: counts.get(status.value, 0) for status in Status}


ROUTINE_KINDS = ("procedure", "scalar function", "inline table function", "table function", "trigger")


def catalog_counts(catalog: Catalog) -> dict[str, int]:
    """How many objects of each kind the Catalog holds (every kind, zero included)."""
    routines = Counter(routine.kind.value.replace("_", " ") for routine in catalog.routines)
    return {
        "table": len(catalog.tables),
        "view": len(catalog.views),
        **{kind: routines.get(kind, 0) for kind in ROUTINE_KINDS[:-1]},
        "trigger": len(catalog.triggers),
        "sequence": len(catalog.sequences),
        "synonym": len(catalog.synonyms),
        "user-defined type": len(catalog.user_types),
        "unparsed statement": len(catalog.unparsed),
    }


def assess(catalog: Catalog, target: str = "duckdb") -> Assessment:
    """Assess `catalog` for migration to `target`. Raises InputError for an unknown target."""
    chosen = get_target(target)
    plan = run_pipeline(catalog, GenerateOptions(chosen, "assessment", __version__))
    results = {(o.kind, o.name): o for o in plan.objects}
    texts = [(r.kind.value.replace("_", " "), r.name, r.source, r.definition) for r in catalog.routines]
    texts += [("trigger", t.name, t.source, t.definition) for t in catalog.triggers]
    routines = []
    for kind, name, source, text in texts:
        result = results.get((kind, str(name)))
        complexity = scan(text)
        status = result.status if result else Status.NEEDS_REVIEW
        reasons = result.reasons if result else ()
        if status == Status.NEEDS_REVIEW:
            hours = EFFORT_HOURS[("routine", complexity.band)]
        else:
            severity = worst(reasons) if reasons else None
            hours = EFFORT_HOURS.get(("other", severity), 0.0) if severity is not None else 0.0
        codes = tuple(dict.fromkeys(issue.code for issue in reasons))
        routines.append(RoutineAssessment(kind, str(name), source, complexity, status, codes, hours))
    routines.sort(key=lambda r: (-r.complexity.score, r.name))
    in_review = {(r.kind, r.name) for r in routines if r.status == Status.NEEDS_REVIEW}
    others = Counter(
        worst(o.reasons) for o in plan.objects if (o.kind, o.name) not in in_review and o.reasons
    )
    bands = Counter(r.complexity.band for r in routines if r.status == Status.NEEDS_REVIEW)
    tallies: dict[str, Counter[Any]] = {"routine": bands, "other": others}
    effort = [
        EffortLine(f"{group}, {key}", count, hours)
        for (group, key), hours in EFFORT_HOURS.items()
        if (count := tallies[group][key])
    ]
    return Assessment(
        catalog.database, catalog.origin, chosen.name, catalog_counts(catalog), tuple(plan.objects),
        tuple(routines), tuple(effort),
    )  # fmt: skip


# ------------------------------------------------------------------------- rendering
def assessment_json(assessment: Assessment) -> str:
    """The assessment as JSON: stable keys, sorted lists, for CI and diffs."""
    document = {
        "assessment_version": ASSESSMENT_VERSION,
        "database": assessment.database,
        "origin": assessment.origin,
        "target": assessment.target,
        "counts": assessment.counts,
        "status": assessment.status_counts(),
        "routines": [
            {
                "kind": r.kind,
                "name": r.name,
                "source": str(r.source) if r.source else None,
                **asdict(r.complexity),
                "score": r.complexity.score,
                "band": r.complexity.band.value,
                "status": r.status.value,
                "codes": list(r.codes),
                "hours": r.hours,
            }
            for r in assessment.routines
        ],
        "needs_review": [
            {"kind": o.kind, "name": o.name, "codes": sorted({i.code for i in o.reasons})}
            for o in assessment.objects
            if o.status == Status.NEEDS_REVIEW
        ],
        "effort": {
            "estimate": True,
            "method": EFFORT_METHOD,
            "hours": assessment.hours,
            "lines": [
                {
                    "rule": line.rule,
                    "objects": line.objects,
                    "hours_each": line.hours_each,
                    "hours": line.hours,
                }
                for line in assessment.effort
            ],
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _effort_method() -> str:
    band = {key: hours for (group, key), hours in EFFORT_HOURS.items() if group == "routine"}
    other = {key: hours for (group, key), hours in EFFORT_HOURS.items() if group == "other"}
    return (
        "An estimate, not a measurement: each procedure, function or trigger that needs review counts "
        + ", ".join(f"{hours:g} h ({key} complexity)" for key, hours in band.items())
        + "; any other object, and a routine that converts with warnings, counts "
        + ", ".join(f"{hours:g} h per object with {key}s at worst" for key, hours in other.items())
        + "; objects that convert cleanly count 0 h."
    )


def _score_method() -> str:
    terms = ["statements", f"lines // {LINES_PER_POINT}"]
    terms += [f"{weight} x {_LABELS[name]}" for name, weight in WEIGHTS.items() if name != "statements"]
    bands = [f"{band} below {below:g}" for band, below in BANDS[:-1]]
    return f"score = {' + '.join(terms)}; " + ", ".join(bands) + f", {BANDS[-1][0]} from {BANDS[-2][1]:g}."


_LABELS = {
    "loops": "WHILE loops",
    "cursors": "cursors",
    "dynamic_sql": "dynamic SQL",
    "temp_tables": "temp tables",
    "table_variables": "table variables",
    "try_catch": "TRY/CATCH",
    "transactions": "transactions",
}
EFFORT_METHOD = _effort_method()
SCORE_METHOD = _score_method()
COMPLEXITY_COLUMNS = tuple(field.name for field in fields(Complexity))


def assessment_markdown(assessment: Assessment) -> str:
    """The assessment as Markdown (`assessment.md`)."""
    source = assessment.database or "SQL Server scripts"
    lines = [
        "# Migration assessment",
        "",
        f"Source: {source} ({assessment.origin}); target: {assessment.target}.",
        "",
        "## Objects",
        "",
        "| kind | objects |",
        "|---|---|",
        *(f"| {kind} | {count} |" for kind, count in assessment.counts.items()),
        "",
        "## What converts",
        "",
        "By the same rules `datamigrate generate` applies (the pipeline ran; nothing was written):",
        "",
        "| status | objects |",
        "|---|---|",
        *(f"| {status} | {count} |" for status, count in assessment.status_counts().items()),
        "",
    ]
    if assessment.routines:
        header = " | ".join(name.replace("_", " ") for name in COMPLEXITY_COLUMNS)
        lines += [
            "## Routines by complexity",
            "",
            SCORE_METHOD,
            "",
            f"| routine | kind | {header} | score | band | status | codes |",
            "|---|---|" + "---|" * len(COMPLEXITY_COLUMNS) + "---|---|---|---|",
        ]
        for r in assessment.routines:
            counts = " | ".join(str(getattr(r.complexity, name)) for name in COMPLEXITY_COLUMNS)
            lines.append(
                f"| {r.name} | {r.kind} | {counts} | {r.complexity.score} | {r.complexity.band} | {r.status} "
                f"| {', '.join(r.codes)} |"
            )
        lines.append("")
    lines += [
        "## Estimated manual effort",
        "",
        EFFORT_METHOD,
        "",
        "| rule | objects | hours each | hours |",
        "|---|---|---|---|",
        *(f"| {e.rule} | {e.objects} | {e.hours_each:g} | {e.hours:g} |" for e in assessment.effort),
        f"| total | | | {assessment.hours:g} |",
        "",
    ]
    return "\n".join(lines)
