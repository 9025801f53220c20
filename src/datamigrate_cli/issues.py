"""The issue codes: one catalogue of everything a migration can report about an object.

Each code has a title, a severity, what it means and what a person should do. The report, the
generated models' header comments and `docs/issue-codes.md` all read this table; a test keeps
the docs and every code used in the source in step with it.

Ranges: DM1xx types, DM2xx expressions, DM3xx procedures, DM4xx functions, DM5xx objects with no
dbt equivalent, DM9xx what could not be read at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    """The object is not converted (its model is disabled) until a person acts."""
    WARNING = "warning"
    """The object is converted; its meaning may differ in the way the message says."""
    INFO = "info"
    """Something a reviewer should know; nothing to fix."""


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    severity: Severity
    meaning: str
    action: str


@dataclass(frozen=True)
class Issue:
    """One finding about one object: a catalogue code, what exactly, and the source line if known."""

    code: str
    message: str
    line: int | None = None
    """Line in the source file (absolute, as the object's SourceRef counts), when it is known."""

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.code} {self.message}{where}"


def _codes(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = _codes(
    # DM3xx procedures
    Code("DM301", "cursor", E,
         "The procedure walks rows one at a time with a cursor; rules turn only set-based statements into models.",
         "Rewrite the loop as one set-based SELECT (a window function or a join usually does it), "
         "or let `--llm anthropic` propose a model and review it."),
    Code("DM302", "WHILE loop", E,
         "A WHILE loop repeats statements; a dbt model is one SELECT.",
         "Express the loop's result as one query (a recursive CTE or a numbers table), then enable the model."),
    Code("DM303", "dynamic SQL", E,
         "EXEC(@sql) or sp_executesql runs SQL text built at run time, which cannot be read before it runs.",
         "Write out the statements the procedure builds for the cases you use, one model each."),
    Code("DM304", "transaction with branching", E,
         "BEGIN TRANSACTION with IF/ROLLBACK decides at run time which changes to keep.",
         "dbt builds each model atomically; move the condition into a test or a WHERE clause."),
    Code("DM305", "TRY/CATCH with logic", E,
         "The CATCH block does more than re-raise or roll back: it is business logic on failure.",
         "Decide what the failure path means in dbt (a test, an audit model) and write it by hand."),
    Code("DM306", "RAISERROR/THROW flow", E,
         "The procedure raises errors to stop or steer the load on a condition.",
         "Turn the condition into a dbt test (it fails the build the way the error stopped the load)."),
    Code("DM307", "MERGE delete branch", W,
         "WHEN NOT MATCHED BY SOURCE THEN DELETE removes target rows; an incremental model only inserts and updates.",
         "If rows must disappear, make the model a full table (materialized='table') or add a delete step."),
    Code("DM308", "statement not set-based", E,
         "A statement does not match a shape the rules turn into a model (for example an UPDATE of some rows).",
         "Fold the statement into the SELECT of the model it changes, then enable the model."),
    Code("DM309", "calls another procedure", E,
         "EXEC of another procedure: its effect is whatever that procedure does.",
         "Convert the called procedure; its models are what this one's models should ref()."),
    Code("DM310", "table variable", E,
         "DECLARE @t TABLE holds rows between statements; rules convert temp tables (#t), not table variables.",
         "Rewrite the table variable as a #temp table or a CTE, then run generate again."),
    Code("DM311", "body does not parse", E,
         "The procedure's statements could not be parsed, so no shape could be recognised.",
         "Check the statement named in the message; SQL Server syntax sqlglot cannot read needs a hand rewrite."),
    Code("DM312", "nothing to model", INFO,
         "The procedure neither loads a table nor returns rows (maintenance, permissions, logging only).",
         "Nothing to migrate to dbt; schedule its work elsewhere if it is still needed."),
    Code("DM313", "parameter without default", W,
         "A parameter used as a filter has no default; it became a dbt var with no value.",
         "Pass it on the command line (`dbt build --vars '{name: value}'`) or set it in dbt_project.yml."),
    Code("DM314", "encrypted", E,
         "The object was created WITH ENCRYPTION: its body cannot be read.",
         "Get the source from version control or its author and extract again."),
    Code("DM315", "conditional statements", E,
         "IF/ELSE chooses at run time which loads run.",
         "Split the branches into separate models, or move the condition into each model's WHERE clause."),
    Code("DM316", "load not converted", E,
         "The procedure's shape was recognised, but the SELECT of one of its loads could not be converted "
         "(the message says why: a column not found, an expression with no equivalent).",
         "Fix the SELECT in the disabled model by hand, then enable it."),
    Code("DM317", "load converted with a note", W,
         "A load's SELECT was converted, with a difference on the target the message describes.",
         "Check the model's results for the case the message names."),
)  # fmt: skip


def code(code: str) -> Code:
    """The catalogue entry for `code`. Raises KeyError for a code the catalogue lacks."""
    return CATALOGUE[code]
