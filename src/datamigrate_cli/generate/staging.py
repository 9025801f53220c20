"""The staging layer: one model per source table (renamed, cast), and per source schema its
sources YAML and its models' YAML (tests from the constraints, docs from the descriptions).

`staging_files` needs no conversion, so `generate.stages.run_rules` runs it in a second process
while the views convert; it renders the files' text there, so that this process does not.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..convert.casts import table_issues, type_issues
from ..convert.naming import RESERVED, snake_case
from ..model.catalog import Catalog, Table
from ..model.issues import Issue
from ..model.results import ObjectResult, status_for
from ..project.escape import Sql, inert, quoted_inside
from ..project.files import (
    FileKind,
    ModelFile,
    Origin,
    ProjectFile,
    StagingColumn,
    StagingHeader,
    properties_file,
    staging_sql,
)
from ..targets import Target
from .state import ColumnPlan, StagingPlan


def staging_files(
    catalog: Catalog,
    staging: tuple[StagingPlan, ...],
    target: Target,
    origin: str,
    set_aside: dict[str, tuple[Issue, ...]],
) -> tuple[dict[str, ProjectFile], list[ObjectResult]]:
    """The staging models and their property files, rendered, with what each table became;
    `set_aside` holds the issues of the expressions taken out of tables (by table key)."""
    files: dict[str, ProjectFile] = {}
    objects: list[ObjectResult] = []
    staging_by_table = {plan.table.key: plan for plan in staging}
    tables_by_source: dict[str, list[tuple[Table, StagingPlan]]] = {}
    header = StagingHeader(target.name)
    for table in catalog.tables:
        plan = staging_by_table[table.name.key]
        tables_by_source.setdefault(plan.source_name, []).append((table, plan))
        blockers = tuple(table_issues(table, target))
        issues = (*blockers, *set_aside.get(table.name.key, ()), *type_issues(table, target))
        name = str(table.name)  # one string for both: pickled once on the way back from a second process
        columns = tuple(_staging_column(column, target) for column in plan.columns)
        model = ModelFile(
            plan.path,
            FileKind.STAGING_MODEL,
            Origin("table", name, table.source),
            header,
            staging_sql(plan.source_name, plan.source_table, columns),
            () if blockers else issues,
            enabled=not blockers,
            reasons=issues if blockers else (),
        )
        model.text  # noqa: B018  rendered here: this may be the second process, working for the first
        files[plan.path] = model
        objects.append(
            ObjectResult("table", name, status_for(issues), plan.model, plan.path, table.source, issues)
        )
    for source_name, entries in tables_by_source.items():
        folder = f"models/staging/{source_name}"
        schema_description = _schema_description(catalog, entries[0][0].name.schema_)
        path = f"{folder}/_{source_name}__sources.yml"
        files[path] = properties_file(
            path,
            FileKind.SOURCES,
            origin,
            {"version": 2, "sources": [_source_entry(source_name, entries, schema_description, target)]},
        )
        path = f"{folder}/_{source_name}__models.yml"
        files[path] = properties_file(
            path,
            FileKind.PROPERTIES,
            origin,
            {"version": 2, "models": [_model_entry(t, s, staging_by_table, target) for t, s in entries]},
        )
    return files, objects  # the property files' text is their YAML under one comment: rendered when written


def _staging_column(column: ColumnPlan, target: Target) -> StagingColumn:
    quoted = _column_sql(column.original, target.dialect)
    expression = f"cast({quoted} as {column.target_type})" if column.target_type else quoted
    return StagingColumn(Sql(inert(expression)), Sql(inert(_identifier_sql(column.name, target.dialect))))


@cache
def _column_sql(name: str, dialect: str) -> str:
    """A quoted column reference as the dialect writes it (cached: schemas repeat column names)."""
    return exp.column(name, quoted=True).sql(dialect=dialect)


@cache
def _identifier_sql(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=name in RESERVED).sql(dialect=dialect)


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _source_entry(
    source_name: str, entries: list[tuple[Table, StagingPlan]], description: str | None, target: Target
) -> dict:
    """A source: one SQL Server schema. dbt quotes its names without escaping them, so a name that
    holds the target's quote character is given with that character already escaped."""
    tables = []
    for table, staging in entries:
        entry: dict = {"name": staging.source_table}
        if staging.source_table != table.name.name:
            entry["identifier"] = quoted_inside(table.name.name, target.dialect)
        if table.description:
            entry["description"] = table.description
        entry["columns"] = [
            {"name": column.name, **({"description": column.description} if column.description else {})}
            for column in table.columns
        ]
        tables.append(entry)
    schema = entries[0][0].name.schema_
    plain = _PLAIN_NAME.fullmatch(schema) is not None  # written as it is, unquoted, as dbt users expect
    source: dict = {"name": source_name, "schema": schema if plain else quoted_inside(schema, target.dialect)}
    if description:
        source["description"] = description
    source["quoting"] = {"database": False, "schema": not plain, "identifier": True}
    source["tables"] = tables
    return source


def _model_entry(
    table: Table, staging: StagingPlan, staging_by_table: dict[str, StagingPlan], target: Target
) -> dict:
    """A staging model's YAML entry: its docs, and the data tests its table's constraints imply.

    A column named with a reserved word (`order`, `group`) is quoted wherever a test names it: `quote:
    true` for dbt's own column tests, the quoted identifier in the arguments of the others."""
    names = {c.original.lower(): c.name for c in staging.columns}
    quoted = {c.name: _quoted(c.name, target.dialect) for c in staging.columns}
    column_tests: dict[str, list] = {c.name: [] for c in staging.columns}
    model_tests: list[dict] = []

    def add_key_test(columns: tuple[str, ...]) -> None:
        staged = [names[c.lower()] for c in columns if c.lower() in names]
        if len(staged) != len(columns):
            return
        if len(staged) == 1:
            _add_once(column_tests[staged[0]], "unique")
        else:
            combination = [quoted[name] for name in staged]
            model_tests.append(
                {"datamigrate_unique_combination": {"arguments": {"combination_of_columns": combination}}}
            )

    if table.primary_key:
        add_key_test(table.primary_key.columns)
        for key_column in table.primary_key.columns:
            if key_column.lower() in names:
                _add_once(column_tests[names[key_column.lower()]], "not_null")
    for unique in table.unique_constraints:
        add_key_test(unique.columns)
    for index in table.indexes:
        if index.unique and index.filter is None and index.columns:
            add_key_test(index.columns)
    for column in table.columns:
        if not column.nullable:
            _add_once(column_tests[names[column.name.lower()]], "not_null")
    for fk in table.foreign_keys:
        parent = staging_by_table.get(fk.referenced.key)
        if parent is None or len(fk.columns) != len(fk.referenced_columns):
            continue
        parent_names = {c.original.lower(): _quoted(c.name, target.dialect) for c in parent.columns}
        child = [names[c.lower()] for c in fk.columns if c.lower() in names]
        fields = [parent_names.get(c.lower()) for c in fk.referenced_columns]
        if len(child) != len(fk.columns) or None in fields:
            continue
        to = f"ref('{parent.model}')"
        if len(child) == 1:
            _add_once(
                column_tests[child[0]], {"relationships": {"arguments": {"to": to, "field": fields[0]}}}
            )
        else:
            child_columns = [quoted[name] for name in child]
            _add_once(
                model_tests,
                {
                    "datamigrate_relationships": {
                        "arguments": {"columns": child_columns, "to": to, "fields": fields}
                    }
                },
            )
    for check in table.checks:
        accepted = _accepted_values(check.expression, table)
        if accepted is not None:
            column_name, values, quote = accepted
            arguments: dict = {"values": values}
            if not quote:
                arguments["quote"] = False
            column_tests[names[column_name.lower()]].append({"accepted_values": {"arguments": arguments}})

    entry: dict = {"name": staging.model}
    if table.description:
        entry["description"] = table.description
    entry["config"] = {
        "meta": {"origin": str(table.name)}
    }  # the whole name: a model's is snake_case, at most 63 long
    if model_tests:
        entry["data_tests"] = model_tests
    columns = []
    for plan_column in staging.columns:
        item: dict = {"name": plan_column.name}
        if plan_column.name in RESERVED:
            item["quote"] = True
        if plan_column.description:
            item["description"] = plan_column.description
        if plan_column.name != snake_case(plan_column.original):  # numbered or shortened (DM908)
            item["config"] = {"meta": {"original": plan_column.original}}
        if column_tests[plan_column.name]:
            item["data_tests"] = column_tests[plan_column.name]
        columns.append(item)
    entry["columns"] = columns
    return entry


@cache
def _quoted(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect) if name in RESERVED else name


def _add_once(tests: list, test: str | dict) -> None:
    if test not in tests:
        tests.append(test)


def _accepted_values(expression: str, table: Table) -> tuple[str, list, bool] | None:
    """`col IN ('a', 'b')` -> (column, values, quote); anything else -> None."""
    tree = _parse_check(expression)
    if tree is None:
        return None
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if not isinstance(tree, exp.In) or not isinstance(tree.this, exp.Column) or tree.args.get("query"):
        return None
    column = table.column(tree.this.name)
    literals = tree.expressions
    if column is None or not literals or not all(isinstance(v, exp.Literal) for v in literals):
        return None
    strings = all(v.is_string for v in literals)
    values = [v.this if strings else _number(v.this) for v in literals]
    return column.name, values, strings


@lru_cache(maxsize=4096)
def _parse_check(expression: str) -> exp.Expr | None:
    """A CHECK expression's tree (cached: schemas repeat their checks; the tree is only read)."""
    try:
        return sqlglot.parse_one(expression, read="tsql")
    except SqlglotError:
        return None


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _schema_description(catalog: Catalog, schema: str) -> str | None:
    return next((s.description for s in catalog.schemas if s.name.lower() == schema.lower()), None)
