"""The issue codes: one catalogue of everything a migration can report about an object.

Each code has a title, a severity, what it means and what a person should do. The report, the
generated models' header comments and `docs/issue-codes.md` all read this table; a test keeps
the docs and every code used in the source in step with it.

Ranges: DM1xx types, DM2xx expressions, DM3xx procedures, DM4xx functions, DM5xx objects with no
dbt equivalent, DM6xx the agent loop (the check and the language model), DM9xx what could not
be read at all.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
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

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.code} {self.message}{where}"


def _codes(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = _codes(
    # DM1xx types: what a staging model's cast changes
    Code("DM101", "type kept as text", W,
         "The column's SQL Server type (sql_variant, hierarchyid, geography, geometry, xml, time) has no "
         "equivalent on the target, so the staging model casts it to text: the values are its text form, and "
         "the type's own functions, ordering and comparisons are gone.",
         "If models use the values as more than text, parse them on the target (a JSON or spatial type, "
         "a path column for hierarchyid), or keep the column out of the models that compare it."),
    Code("DM102", "time zone offset dropped", W,
         "datetimeoffset becomes a type that keeps the instant but not the offset it was written with "
         "(PostgreSQL and DuckDB store timestamptz in UTC).",
         "If the local offset matters (opening hours, local reporting days), add a column with the offset "
         "(DATEPART(tz, ...) on SQL Server) before the migration."),
    Code("DM103", "type not in the target's type map", W,
         "The column's type (a CLR type, or an alias type the Catalog could not resolve) is not in the "
         "target's type map, so the staging model casts it to the target's unbounded text type.",
         "Add the type to the Catalog's user-defined types, or edit the cast in the staging model."),
    # DM2xx expressions: views (and function bodies) whose SQL means something else on the target
    Code("DM104", "column names collide on the target", E,
         "The table has columns whose names differ only in case ([Col] and [col]); the target resolves column "
         "names without regard to case, even quoted, so a table there cannot hold both, and a model reading "
         "one would read the other. The staging model is written disabled.",
         "Load one of the columns under another name, select it by that name in the staging model, then "
         "enable it."),
    Code("DM105", "more columns than the target allows", E,
         "The table has more columns than a table of the target may have (PostgreSQL: 1,600), so it cannot "
         "be loaded there as it is. The staging model is written disabled.",
         "Split the table (for example its sparse columns into a second table), load the parts, and select "
         "from them in the staging model."),
    Code("DM201", "TRY_CONVERT/TRY_CAST may raise", W,
         "TRY_CONVERT/TRY_CAST returns NULL on SQL Server for a value that does not convert; the target's "
         "cast raises an error instead.",
         "If bad values can reach this expression, filter them first or use the target's safe cast "
         "(TRY_CAST on DuckDB, a CASE with a regex test on PostgreSQL)."),
    Code("DM202", "CONVERT style not rewritten", E,
         "CONVERT with this style formats or reads dates and numbers in a way the target would not "
         "reproduce; the model would return different text or values.",
         "Write the formatting with the target's own function (strftime, to_char) and enable the model."),
    Code("DM203", "FORMAT pattern or culture not rewritten", E,
         "FORMAT uses .NET patterns and cultures; only common patterns in en-US are rewritten.",
         "Write the formatting with the target's own function, or move it to the BI layer."),
    Code("DM204", "TOP PERCENT or WITH TIES", W,
         "TOP PERCENT without ORDER BY returns whichever rows the plan reads first, on SQL Server as on "
         "the target; on a DISTINCT query it is not rewritten.",
         "Add an ORDER BY that decides which rows are kept, or drop the TOP."),
    Code("DM205", "SELECT ... INTO", W,
         "The view or body selects INTO a table; a model is the SELECT, and dbt creates the relation.",
         "Nothing, unless other code reads the INTO table by name: point it at the model."),
    Code("DM206", "DATALENGTH counts bytes differently", W,
         "DATALENGTH of varchar counts UTF-8 bytes on the target, equal to SQL Server's count for ASCII "
         "text only.",
         "If the text has accented or non-Latin characters, use the character length instead."),
    Code("DM207", "search pattern is not a literal", W,
         "A LIKE, PATINDEX or REPLACE pattern built at run time cannot be translated: SQL Server's "
         "case-insensitive matching, [...] classes and backslashes may behave differently.",
         "Check the patterns the data holds; lower-case both sides if matching must ignore case."),
    Code("DM208", "no rewrite on this target", E,
         "The construct (a function, APPLY, date arithmetic) has no rewrite for this target that keeps "
         "SQL Server's meaning.",
         "Rewrite the expression by hand for the target and enable the model."),
    Code("DM209", "date part not rewritten", E,
         "DATEDIFF or DATEPART with this unit counts differently on the target (boundaries, week start, "
         "ISO weeks).",
         "Rewrite the expression with the target's date functions, checking the week and boundary rules."),
    Code("DM210", "unknown table or view", E,
         "The view reads a table or view that is not in the Catalog, or a view that could not be converted "
         "itself.",
         "Extract the missing object too (another script or database), or convert the view it reads first."),
    Code("DM211", "column not resolved", E,
         "A column the view reads could not be matched to exactly one table of its FROM clause: it is "
         "missing from the Catalog, or more than one table has it.",
         "Check the column exists in the extracted tables; qualify it with its table alias."),
    Code("DM212", "recursive CTE", E,
         "The view's CTE reads itself; recursive CTEs are not converted by rules yet.",
         "Rewrite the CTE with the target's WITH RECURSIVE and enable the model."),
    Code("DM213", "column not in the table it reads", E,
         "The view names a column of a table that does not have it.",
         "Fix the column name (the view may be out of date with its table), then generate again."),
    Code("DM214", "converted SQL does not parse", E,
         "The SQL produced for the target does not parse in the target's dialect.",
         "Report it as a datamigrate bug, with the view; convert the view by hand meanwhile."),
    Code("DM215", "ROLLUP or CUBE", W,
         "GROUP BY ... WITH ROLLUP/CUBE adds subtotal rows; their NULL markers and order may differ on "
         "the target.",
         "Compare the subtotal rows with SQL Server's; use GROUPING() to tell them from real NULLs."),
    Code("DM216", "unknown function passed through", W,
         "A function sqlglot does not know was copied unchanged; the target may not have it, or it may mean "
         "something else there.",
         "Check the target has the function; if not, write a macro for it."),
    Code("DM217", "calls a function that was not converted", E,
         "The view calls a user-defined function that could not become a macro.",
         "Convert that function first (see its own entry in the report), or inline its logic."),
    Code("DM218", "text compared with a number", W,
         "SQL Server converts the text to the number's type before it compares, and so does the converted "
         "model: a value that is not a number (such as 'Y') fails the query on SQL Server and on the target "
         "alike. `validate --level build` fills text columns with text, so the model fails there when queried.",
         "If the column holds flags such as 'Y'/'N', compare it with text ('1' or 'Y'); otherwise make the "
         "column a number in the source, or check that every value converts."),
    Code("DM219", "function or construct the target does not have", E,
         "The compiled model calls a function the target does not have, or with a number of arguments no form "
         "of it takes (three-argument ROUND on DuckDB), or uses a SQL Server construct no target here has "
         "(FOR SYSTEM_TIME, FOR JSON, FOR XML, an XML or spatial method, a MAX length, a JSON function on "
         "text on PostgreSQL). The list of functions is the target's own: DuckDB's duckdb_functions(), "
         "PostgreSQL's pg_proc as shipped with datamigrate; for other targets it is sqlglot's list of the "
         "dialect's functions, and the message says so.",
         "Rewrite the call with the target's equivalent (or a macro in macros/ that writes it), then validate "
         "again."),
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
    Code("DM399", "routine kind not converted", E,
         "No rule turns this kind of routine (for example a CLR procedure or function) into a model.",
         "Rewrite its logic as a model by hand, or let `--llm anthropic` propose one."),
    # DM4xx functions
    Code("DM401", "table function parameter without default", E,
         "An inline table-valued function has a parameter with no default (or no RETURN (SELECT ...) "
         "could be found); a dbt model takes no arguments.",
         "Make the parameter a dbt var, or join the model to the values it was called with."),
    Code("DM402", "scalar function not a single expression", E,
         "The scalar function's body is more than one RETURN expression, reads tables or variables, or "
         "calls another function; rules turn only a single expression over its parameters into a macro.",
         "Write the macro by hand, or inline the function's logic in the models that call it."),
    Code("DM403", "multi-statement table function", E,
         "The function fills a table variable with statements; a model is one SELECT.",
         "Rewrite the statements as one SELECT (CTEs usually do it) and make it a model."),
    Code("DM404", "parameter fixed at its default", W,
         "An inline table-valued function became a model with each parameter fixed at its default value; "
         "callers that passed other values get other rows on SQL Server.",
         "If callers pass other values, make the parameter a dbt var or add it as a column to filter on."),
    Code("DM405", "scalar function became a macro", INFO,
         "The scalar function is a dbt macro; views that called it call the macro.",
         "Nothing; call the macro in new models as `{{ schema__function(...) }}`."),
    # DM5xx objects with no dbt equivalent
    Code("DM501", "trigger", E,
         "A trigger runs on writes to its table; dbt models have no equivalent.",
         "Move what the trigger derives into a model (an audit or history model), or keep it in the "
         "system that writes the rows."),
    Code("DM502", "sequence", W,
         "A sequence hands out numbers on insert; the values already used are in the tables, and dbt "
         "models do not insert.",
         "Nothing for existing rows; new keys in models come from a surrogate-key expression."),
    Code("DM503", "synonym", W,
         "A synonym is another name for an object; models read the object under its real name.",
         "Point code that used the synonym at the real object's model."),
    Code("DM504", "user-defined type resolved", INFO,
         "An alias type (CREATE TYPE ... FROM) was replaced by its base type in the columns that use it.",
         "Nothing; the columns carry the base type and its length."),
    # DM6xx the agent loop: language-model conversions and the check of every model
    Code("DM601", "written by a language model", W,
         "The rules could not convert the object (or their model failed the check); with `--llm` a language "
         "model wrote the SQL from the T-SQL and the schema, and it passed dbt compile and the semantic check.",
         "Review the model against the T-SQL before relying on it: the check proves it compiles and reads "
         "real columns, not that it means the same. Edit it freely; datamigrate keeps your edits."),
    Code("DM602", "language model gave no answer", INFO,
         "The language model was asked for this object and gave no usable answer (rate limit, server error, "
         "timeout, or a reply without SQL); the object stays as the rules left it.",
         "Run generate again later, or convert the object by hand."),
    Code("DM603", "failed the check", E,
         "The model failed dbt compile or the semantic check (after the repairs `--max-repairs` allows), so "
         "it is written disabled with the check's error in its header.",
         "Fix the SQL the error points at, remove the config(enabled=false) line, and run validate."),
    Code("DM604", "reads a disabled model", E,
         "The model reads another model that is disabled (it failed the check, DM603, or its table cannot be "
         "a table on the target, DM104 or DM105), so it is disabled too.",
         "Fix the model it reads (see its issue), then enable this one."),
    Code("DM605", "failed validation", E,
         "The model failed `datamigrate validate` at the level and on the target the report names (the "
         "message is dbt's, the semantic check's or the warehouse's), so the object is not converted.",
         "Fix the model at the line given, then run validate again: the report records the new outcome."),
    # DM9xx what could not be read
    Code("DM901", "statement not recognised", E,
         "The extract met a statement it does not model; it is kept in the snapshot, not converted.",
         "If it defines something the migration needs, convert it by hand; otherwise ignore it."),
    Code("DM902", "statement could not be read", E,
         "The statement's syntax could not be read, so whatever it defines is missing from the Catalog.",
         "Check the statement at the line given; fix or simplify the syntax and extract again."),
    Code("DM903", "defined twice", W,
         "An object is defined again later in the scripts; the first definition was used.",
         "Keep one definition in the scripts, the one the database really has."),
    Code("DM904", "extended property on an unknown object", W,
         "An MS_Description (or other) extended property names an object the scripts do not define.",
         "Extract the script that defines the object, or drop the property."),
    Code("DM905", "SQLCMD command not carried out", E,
         "A SQLCMD command (:r include, :connect, ...) was not carried out; what it brings in is missing.",
         "Pass the included scripts to extract directly, or expand the command by hand."),
    Code("DM906", "view does not parse", E,
         "The view's CREATE VIEW ... AS SELECT could not be parsed, so it could not be converted.",
         "Check the syntax at the line given; rewrite the construct sqlglot cannot read and extract again."),
    Code("DM908", "renamed to stay unique", INFO,
         "Two objects (or two columns of a table) have names that become the same snake_case name, or a name "
         "a file cannot have (CON, NUL, ...); the first keeps it and the next gets a number (`_2`, `_3`), in "
         "the order of the snapshot, so the same schema always gives the same names.",
         "Nothing, unless you prefer other names: rename the models or columns in the project by hand."),
    Code("DM907", "nested too deeply", E,
         "The object's SQL nests parentheses, CASE or BEGIN blocks deeper than datamigrate converts (256 "
         "levels; SQL Server refuses far less, error 191), so it was set aside: a view, function or procedure "
         "is not converted; a table keeps its columns but loses the DEFAULT, CHECK or computed expression.",
         "Rewrite the expression with fewer levels (a CTE or a helper view per level of logic), then extract "
         "again."),
)  # fmt: skip


RESERVED: frozenset[str] = frozenset()
"""Codes kept in the catalogue that no code raises yet (none today; the test allows them)."""

_SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)

DOCS_PATH = "docs/issue-codes.md"
"""Where the generated docs live, from the repository root (the report links to it)."""


def worst(issues: Iterable[Issue]) -> Severity | None:
    """The most severe severity among `issues`, or None when there are none."""
    found = {issue.severity for issue in issues}
    return next((severity for severity in _SEVERITY_ORDER if severity in found), None)


_UNPARSED_CODES = (
    (re.compile(r"^could not read "), "DM902"),
    (re.compile(r"is already defined at .*later definition was ignored"), "DM903"),
    (re.compile(r"^extended property "), "DM904"),
    (re.compile(r"^SQLCMD "), "DM905"),
)
"""The extract's reasons for an unparsed statement -> their code (anything else: DM901)."""


def unparsed_issue(reason: str, line: int | None = None) -> Issue:
    """The issue for a statement the extract kept unparsed, from its `UnparsedStatement.reason`."""
    found = next((code for pattern, code in _UNPARSED_CODES if pattern.search(reason)), "DM901")
    return Issue(found, reason, line)


_RANGES = (
    ("DM1", "Types"),
    ("DM2", "Expressions"),
    ("DM3", "Procedures"),
    ("DM4", "Functions"),
    ("DM5", "Objects with no dbt equivalent"),
    ("DM6", "The agent loop: the check and the language model"),
    ("DM9", "What could not be read"),
)


def anchor(code: str) -> str:
    """The fragment of `code`'s entry in the generated docs (`dm201`)."""
    return code.lower()


def markdown() -> str:
    """`docs/issue-codes.md`: every code of the catalogue, by range, as Markdown."""
    lines = [
        "# Issue codes",
        "",
        "<!-- Generated from src/datamigrate_cli/model/issues.py: do not edit. Regenerate with",
        "     `make docs` (python -m datamigrate_cli.model.issues > docs/issue-codes.md). -->",
        "",
        "Every object in `migration_report.md` carries the codes below. The severity decides its status:",
        "",
        "| severity | status of the object | meaning |",
        "|---|---|---|",
        "| error | needs review | The object is not converted (its model is disabled) until a person acts. |",
        "| warning | converted with warnings | The object is converted; its meaning may differ as the "
        "message says. |",
        "| info | converted | Something a reviewer should know; nothing to fix. |",
        "",
    ]
    for prefix, heading in _RANGES:
        codes = [c for c in CATALOGUE.values() if c.code.startswith(prefix)]
        lines += [f"## {prefix}xx {heading}", "", "| code | title | severity |", "|---|---|---|"]
        lines += [f"| [{c.code}](#{anchor(c.code)}) | {c.title} | {c.severity} |" for c in codes]
        lines.append("")
        for c in codes:
            lines += [
                f"### {c.code}",
                "",
                f"**{c.title}** ({c.severity})",
                "",
                f"What it means: {c.meaning}",
                "",
                f"What to do: {c.action}",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
