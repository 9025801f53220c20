"""The semantic check: every compiled model read by sqlglot and resolved against what it reads.

Source tables get their columns and types from the Catalog; each model, checked in dependency
order, adds its own output columns for the models downstream. An unknown table, an unknown or
ambiguous column, a comparison or arithmetic between incompatible types, and a call of a function
the target does not have (`functions.py`) are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..model.catalog import Catalog, Column, Table
from ..project.escape import unquoted_inside
from ..targets import Target, target_type
from .functions import CallFinding, json_on_text, unsupported_calls
from .names import validation_table
from .signatures import wrong_argument_types

Columns = dict[str, str]
"""Lower-case column name -> type (SQL in the target dialect; "" when unknown)."""


@dataclass(frozen=True)
class Finding:
    message: str
    needle: str | None = None
    """Text to look for in the model file to point at the line."""
    compiled_line: int | None = None
    warning: bool = False
    """True when the check could not analyse the model, as opposed to finding a problem in it."""


def check_models(
    manifest: dict, catalog: Catalog, target: Target, validate_schema: str | None = None
) -> dict[str, Finding]:
    """Check every compiled model of a dbt manifest. Returns unique_id -> finding, for models with one."""
    relations: dict[tuple[str, str], Columns] = {}
    for source in manifest.get("sources", {}).values():
        # dbt keeps a source's names as the project gives them: escaped for its quotes, when quoted
        schema, identifier = (
            unquoted_inside(source[part], target.dialect)
            if source.get("quoting", {}).get(part)
            else source[part]
            for part in ("schema", "identifier")
        )
        table = catalog.tables_by_key.get(f"{schema}.{identifier}".lower())
        if table is None:
            continue
        columns = {column.name.lower(): _type_name(table, column, target) for column in table.columns}
        relations[_key(schema, identifier)] = columns
        if validate_schema:
            relations[_key(validate_schema, validation_table(schema, identifier, target.dialect))] = columns

    models = {
        unique_id: node
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model" and node.get("config", {}).get("enabled", True)
    }
    findings: dict[str, Finding] = {}
    for unique_id in _dependency_order(models):
        node = models[unique_id]
        sql = node.get("compiled_code")
        if not sql:
            continue
        finding, columns = _check(sql, relations, target)
        # a call or construct the target does not have says more than "does not parse" (FOR JSON)
        finding = _call_finding(unsupported_calls(sql, target)) or finding
        if finding is not None:
            findings[unique_id] = finding
        relations[_key(node["schema"], node.get("alias") or node["name"])] = columns
    return findings


def _check(
    sql: str, relations: dict[tuple[str, str], Columns], target: Target
) -> tuple[Finding | None, Columns]:
    dialect = target.dialect
    tree = parse_compiled(sql, dialect)
    if isinstance(tree, Finding):
        return tree, {}
    if not isinstance(tree, exp.Query):
        return Finding(f"compiled SQL is not a query but a {type(tree).__name__}", warning=True), {}
    tree = _lowercased(tree)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables: dict[str, dict[str, Columns]] = {}
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        columns = relations.get((table.db, table.name))
        if columns is None:
            shown = f"{table.db}.{table.name}" if table.db else table.name
            return Finding(
                f"reads {shown}, which is neither a source table nor a model", needle=table.name
            ), {}
        tables.setdefault(table.db, {})[table.name] = columns
    outputs = {select.alias_or_name: "" for select in tree.selects if select.alias_or_name != "*"}
    # names are lower case already; sqlglot types the mapping as an invariant dict[str, object]
    schema = MappingSchema(tables, dialect=dialect, normalize=False)  # type: ignore[arg-type]
    try:
        qualified = qualify(tree, schema=schema, dialect=dialect, validate_qualify_columns=True)
    except OptimizeError as exc:
        return _column_finding(str(exc)), outputs
    except SqlglotError as exc:  # a construct sqlglot cannot resolve is not the model's fault
        return Finding(f"semantic check skipped: {str(exc).splitlines()[0]}", warning=True), outputs
    except TypeError:  # sqlglot re-parses a table's alias, and a name such as `a;b` is no identifier to it
        return Finding(
            "semantic check skipped: sqlglot cannot qualify a relation name it reads", warning=True
        ), outputs
    typed = annotate_types(qualified, schema=schema, dialect=dialect)
    outputs = {select.alias_or_name: _type_sql(select.type, dialect) for select in typed.selects}
    called = json_on_text(typed, target) or wrong_argument_types(typed, target)
    return _type_clash(typed, target) or _call_finding(called), outputs


def _call_finding(found: CallFinding | None) -> Finding | None:
    return Finding(found.message, compiled_line=found.line) if found is not None else None


def parse_compiled(sql: str, dialect: str) -> exp.Expr | Finding:
    """The compiled SQL's tree, or a finding saying where it does not parse."""
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except SqlglotError as exc:
        errors = getattr(exc, "errors", None) or [{}]
        message = f"compiled SQL does not parse as {dialect}: {str(exc).splitlines()[0]}"
        return Finding(message, compiled_line=errors[0].get("line"))


def _column_finding(message: str) -> Finding:
    first = message.splitlines()[0]
    line = re.search(r"Line: (\d+)", first)
    unknown = re.search(r"Unknown column: \"?(\w+)", first)
    unresolved = re.search(r"Column '\"?([^'\"]+)\"?' could not be resolved", first)
    if unknown:
        needle, text = (
            unknown.group(1),
            f"column {unknown.group(1)} does not exist in the table it is read from",
        )
    elif unresolved:
        needle = unresolved.group(1)
        text = f"column {needle} is in none of the tables the model reads, or in more than one (ambiguous)"
    else:
        needle, text = None, re.sub(r"\s*Line: \d+, Col: \d+\.?", "", first).rstrip(".")
    return Finding(text, needle, int(line.group(1)) if line else None)


_CLASSES = {
    "text": exp.DataType.TEXT_TYPES,
    "number": exp.DataType.REAL_TYPES | exp.DataType.INTEGER_TYPES,
    "temporal": exp.DataType.TEMPORAL_TYPES,
    "boolean": {exp.DataType.Type.BOOLEAN},
}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_ARITHMETIC = (exp.Mul, exp.Div, exp.Mod)


def _type_clash(tree: exp.Expr, target: Target) -> Finding | None:
    """Comparisons and arithmetic between types no target converts implicitly (text vs number...)."""
    dialect = target.dialect
    for node in tree.find_all(*_COMPARISONS, *_ARITHMETIC, exp.Add, exp.Sub):
        left, right = node.left, node.right
        classes = (_class(left.type), _class(right.type))
        if any(isinstance(side, (exp.Literal, exp.Null, exp.Placeholder)) for side in (left, right)):
            number_literal = any(isinstance(side, exp.Literal) and side.is_number for side in (left, right))
            if not (target.strict_number_literals and number_literal and {"boolean", "text"} & set(classes)):
                continue  # a literal converts implicitly, except a number where the target is strict
        if None in classes or classes[0] == classes[1]:
            continue
        if isinstance(node, (exp.Add, exp.Sub)) and "temporal" in classes and "number" in classes:
            continue  # date arithmetic
        if not isinstance(node, _COMPARISONS) and "text" not in classes:
            continue
        column = next(node.find_all(exp.Column), None)
        return Finding(
            f"type clash: {node.sql(dialect, comments=False)} {'compares' if isinstance(node, _COMPARISONS) else 'combines'} "
            f"{_type_sql(left.type, dialect)} with {_type_sql(right.type, dialect)}; add an explicit cast",
            compiled_line=column.this.meta.get("line") if column is not None else None,
        )
    return None


def _class(data_type: exp.DataType | None) -> str | None:
    if data_type is None:
        return None
    return next((name for name, types in _CLASSES.items() if data_type.this in types), None)


def _type_sql(data_type: exp.DataType | None, dialect: str) -> str:
    if data_type is None or data_type.this == exp.DataType.Type.UNKNOWN:
        return ""
    return data_type.sql(dialect)


def source_type(table: Table, column: Column, target: Target) -> str:
    """The target type of a source column: its mapped type, or a computed column's inferred one."""
    declared = target_type(target, column)
    return declared if declared is not None else computed_type(table, column, target)


def _type_name(table: Table, column: Column, target: Target) -> str:
    declared = source_type(table, column, target)
    try:
        exp.DataType.build(declared, dialect=target.dialect)
    except (SqlglotError, ValueError):
        return ""  # a type sqlglot does not know (hierarchyid): its columns are checked without a type
    return declared


def computed_type(table: Table, column: Column, target: Target) -> str:
    """The target type of a computed column, inferred from its expression (text when unknown)."""
    schema = {}
    for other in table.columns:
        declared = target_type(target, other)
        if declared is not None:
            schema[other.name.lower()] = declared
    try:
        expression = sqlglot.parse_one(column.computed or "", read="tsql")
        for identifier in expression.find_all(exp.Identifier):
            identifier.set("this", identifier.name.lower())
        select = exp.select(expression.as_("value")).from_("t")
        typed = annotate_types(select, schema={"t": schema}, dialect=target.dialect)
        found = _type_sql(typed.selects[0].type, target.dialect)
    except (SqlglotError, ValueError):
        found = ""
    return found or target.unbounded_text


def _lowercased(tree: exp.Query) -> exp.Query:
    """Identifiers compared without case, as SQL Server's default collation does."""

    def lower(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Identifier):
            lowered = exp.to_identifier(node.name.lower(), quoted=True)
            lowered.meta.update(node.meta)  # the line, for the report
            return lowered
        if isinstance(node, exp.Table):
            node.set("catalog", None)
        return node

    lowered_tree = tree.transform(lower)
    assert isinstance(lowered_tree, exp.Query)  # only its identifiers and tables change
    return lowered_tree


def _key(schema: str, name: str) -> tuple[str, str]:
    return schema.lower(), name.lower()


def _dependency_order(models: dict[str, dict]) -> list[str]:
    graph = {
        unique_id: [parent for parent in node.get("depends_on", {}).get("nodes", []) if parent in models]
        for unique_id, node in models.items()
    }
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return sorted(models)
