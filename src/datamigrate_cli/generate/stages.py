"""The graph's nodes: plain functions, state in, partial state out. Each is testable alone."""

from __future__ import annotations

import graphlib
from functools import cache, lru_cache, partial
from typing import NamedTuple

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..convert.casts import type_issues
from ..convert.functions import function_as_macro, function_as_view
from ..convert.naming import RESERVED, NameSpace, snake_case
from ..convert.procedures import name_models
from ..convert.query import (
    Relation,
    ViewConversion,
    convert_view,
    parse_view,
    referenced_names,
    sqlserver_type,
)
from ..model.catalog import Catalog, RoutineKind, SourceRef, Table, View
from ..model.issues import Issue, unparsed_issue
from ..model.results import ObjectResult, status_for
from ..project import templates, yaml_text
from ..runtime import second_process
from ..targets import Target, target_type
from . import procedure_stages
from .state import ColumnPlan, GenerateState, StagingPlan


# ------------------------------------------------------------------------- analyze
def analyze(state: GenerateState) -> GenerateState:
    """Parse each view once, and order them so that each comes after the views it reads."""
    catalog = state["catalog"]
    target = state["options"].target
    views, notes = list(catalog.views), {}
    macros, not_converted = {}, {}
    for routine in catalog.routines:
        if routine.kind in {RoutineKind.INLINE_TABLE_FUNCTION, RoutineKind.TABLE_FUNCTION}:
            view, reason, fixed = function_as_view(routine)
            if view is None:
                not_converted[routine.name.key] = reason
            else:
                views.append(view)
                notes[view.name.key] = fixed
        elif routine.kind == RoutineKind.SCALAR_FUNCTION:
            macro = function_as_macro(routine, target)
            if isinstance(macro, Issue):
                not_converted[routine.name.key] = macro
            else:
                macros[routine.name.key] = macro
    parsed = {view.name.key: _parse(view) for view in views}
    graph = {
        key: set() if isinstance(query, Issue) else referenced_names(query) & parsed.keys()
        for key, query in parsed.items()
    }
    sorter = graphlib.TopologicalSorter(graph)
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError:
        order = sorted(graph)  # a cycle cannot convert; each view will say what it could not read
    return {
        "views": views,
        "view_notes": notes,
        "macros": macros,
        "functions_not_converted": not_converted,
        "view_order": order,
        "parsed_views": parsed,
        "procedures": procedure_stages.analyze_procedures(catalog),
    }


def _parse(view: View) -> exp.Query | Issue:
    if view.encrypted:
        line = view.source.line if view.source else None
        return Issue("DM314", "the view was created WITH ENCRYPTION: its SELECT cannot be read", line)
    return parse_view(view)


# ------------------------------------------------------------------------- plan
def plan(state: GenerateState) -> GenerateState:
    """Decide every model: names, paths, columns; the relations converted SQL may read."""
    catalog = state["catalog"]
    target = state["options"].target
    models = NameSpace()
    staging: list[StagingPlan] = []
    relations: dict[str, Relation] = {}
    for table in catalog.tables:
        source_name = snake_case(table.name.schema_)
        model = models.claim(table.name.name, prefix=f"stg_{source_name}__")
        columns = _column_plans(table, target)
        staging.append(
            StagingPlan(
                table=table.name,
                source_name=source_name,
                source_table=snake_case(table.name.name),
                model=model,
                path=f"models/staging/{source_name}/{model}.sql",
                columns=columns,
            )
        )
        relations[table.name.key] = Relation(
            model=model,
            columns={c.original.lower(): c.name for c in columns},
            types={c.name.lower(): sqlserver_type(c) for c in table.columns},
            originals={c.original.lower(): c.original for c in columns},
        )
    view_models = {}
    for view in state["views"]:
        prefix = "" if view.name.schema_.lower() == "dbo" else f"{snake_case(view.name.schema_)}__"
        view_models[view.name.key] = models.claim(view.name.name, prefix=prefix)
    procedure_names = name_models(state["procedures"], models)
    return {"staging": staging, "relations": relations, "view_models": view_models,
            "procedure_names": procedure_names}  # fmt: skip


def _column_plans(table: Table, target: Target) -> tuple[ColumnPlan, ...]:
    names = NameSpace()
    return tuple(
        ColumnPlan(
            original=column.name,
            name=names.claim(column.name),
            target_type=target_type(target, column),
            description=column.description,
        )
        for column in table.columns
    )


# ------------------------------------------------------------------------- convert
def convert(state: GenerateState) -> GenerateState:
    """Convert each view, in dependency order; a converted view becomes readable by the next.
    Meanwhile a second process renders the staging models, which need no conversion."""
    with second_process.start(partial(render_staging, state)) as staging:
        update = _convert(state)
        update["staging_files"], update["staging_objects"] = staging.result()
    return update


def _convert(state: GenerateState) -> GenerateState:
    target = state["options"].target
    relations = dict(state["relations"])
    conversions: dict[str, ViewConversion] = {}
    first_lines = {view.name.key: view.source.line if view.source else None for view in state["views"]}
    for key in state["view_order"]:
        conversion = convert_view(  # the parsed view is read by nothing else: no copy
            state["parsed_views"][key],
            relations,
            target,
            state["macros"],
            first_line=first_lines[key],
            copy=False,
        )
        conversions[key] = conversion
        if conversion.sql is not None:
            relations[key] = Relation(
                model=state["view_models"][key],
                columns={original.lower(): new for original, new in conversion.columns},
                types=conversion.types,
                originals={original.lower(): original for original, _ in conversion.columns},
            )
    procedure_conversions, relations = procedure_stages.convert_procedures(
        state["procedures"], state["procedure_names"], relations, target, state["macros"]
    )
    return {
        "conversions": conversions,
        "relations": relations,
        "procedure_conversions": procedure_conversions,
    }


# ------------------------------------------------------------------------- render
def render(state: GenerateState) -> GenerateState:
    """Every file of the project, as text, with what each source object became."""
    catalog = state["catalog"]
    options = state["options"]
    target = options.target
    origin = _origin(catalog)
    files: dict[str, str] = {}
    objects: list[ObjectResult] = []
    context = {"project_name": options.project_name, "version": options.version, "origin": origin}

    files["dbt_project.yml"] = templates.render("project/dbt_project.yml.j2", **context)
    files["profiles.yml"] = templates.render("project/profiles.yml.j2", default_output=target.name, **context)
    for macro in ("datamigrate_tests.sql", "datamigrate_validate.sql"):
        files[f"macros/{macro}"] = templates.static(f"project/macros/{macro}")
    files.update(state["staging_files"])
    objects.extend(state["staging_objects"])

    marts: dict[str, list[dict]] = {}
    catalog_views = {view.name.key for view in catalog.views}
    for view in state["views"]:
        kind = "view" if view.name.key in catalog_views else "inline table function"
        model = state["view_models"][view.name.key]
        folder = f"models/marts/{snake_case(view.name.schema_)}"
        path = f"{folder}/{model}.sql"
        conversion = state["conversions"][view.name.key]
        if conversion.sql is None:
            files[path] = templates.disabled_model(
                kind, str(view.name), view.source, conversion.errors, view.definition
            )
            objects.append(
                ObjectResult(kind, str(view.name), status_for(conversion.errors), model, path, view.source,
                             tuple(conversion.errors))
            )  # fmt: skip
            continue
        warnings = [*state["view_notes"].get(view.name.key, []), *conversion.warnings]
        files[path] = templates.render(
            "project/view_model.sql.j2",
            kind=kind,
            view=str(view.name),
            source_ref=templates.where(view.source),
            warnings=warnings,
            sql=conversion.sql,
        )
        objects.append(ObjectResult(kind, str(view.name), status_for(warnings), model, path, view.source,
                                    tuple(warnings)))  # fmt: skip
        marts.setdefault(folder, []).append(_view_entry(model, view, conversion))
    procedure_files, procedure_objects, procedure_entries = procedure_stages.render_procedures(
        catalog, state["procedure_conversions"], state["procedure_names"]
    )
    files.update(procedure_files)
    objects.extend(procedure_objects)
    for folder, entries in procedure_entries.items():
        marts.setdefault(folder, []).extend(entries)
    for folder, entries in marts.items():
        schema = folder.rsplit("/", 1)[-1]
        files[f"{folder}/_{schema}__models.yml"] = _yaml_file(origin, {"version": 2, "models": entries})

    for macro in state["macros"].values():
        path = f"macros/functions/{macro.name}.sql"
        files[path] = macro.render()
        issues = (Issue("DM405", f"a macro: {{{{ {macro.name}(...) }}}}"),)
        objects.append(ObjectResult("scalar function", str(macro.function.name), status_for(issues), macro.name,
                                    path, macro.function.source, issues))  # fmt: skip
    objects.extend(_not_converted(catalog, state))
    return {"files": files, "objects": objects}


def render_staging(state: GenerateState) -> tuple[dict[str, str], list[ObjectResult]]:
    """The staging models and their property files, with what each table became."""
    catalog = state["catalog"]
    target = state["options"].target
    origin = _origin(catalog)
    files: dict[str, str] = {}
    objects: list[ObjectResult] = []
    staging_by_table = {plan.table.key: plan for plan in state["staging"]}
    tables_by_source: dict[str, list[tuple[Table, StagingPlan]]] = {}
    for table in catalog.tables:
        staging = staging_by_table[table.name.key]
        tables_by_source.setdefault(staging.source_name, []).append((table, staging))
        issues = tuple(type_issues(table, target))
        files[staging.path] = templates.render(
            "project/staging_model.sql.j2",
            table=str(table.name),
            warnings=issues,
            source_ref=templates.where(table.source),
            target=target.name,
            source_name=staging.source_name,
            source_table=staging.source_table,
            columns=[_staging_column(column, target) for column in staging.columns],
        )
        objects.append(ObjectResult("table", str(table.name), status_for(issues), staging.model, staging.path,
                                    table.source, issues))  # fmt: skip
    for source_name, entries in tables_by_source.items():
        folder = f"models/staging/{source_name}"
        schema_description = _schema_description(catalog, entries[0][0].name.schema_)
        files[f"{folder}/_{source_name}__sources.yml"] = _yaml_file(
            origin, {"version": 2, "sources": [_source_entry(source_name, entries, schema_description)]}
        )
        files[f"{folder}/_{source_name}__models.yml"] = _yaml_file(
            origin, {"version": 2, "models": [_model_entry(t, s, staging_by_table) for t, s in entries]}
        )
    return files, objects


class _StagingColumn(NamedTuple):
    """A staging model's select item (a tuple: the template reads its fields faster than a dict's keys)."""

    expression: str
    name: str


def _staging_column(column: ColumnPlan, target: Target) -> _StagingColumn:
    quoted = _column_sql(column.original, target.dialect)
    expression = f"cast({quoted} as {column.target_type})" if column.target_type else quoted
    return _StagingColumn(expression, _identifier_sql(column.name, target.dialect))


@cache
def _column_sql(name: str, dialect: str) -> str:
    """A quoted column reference as the dialect writes it (cached: schemas repeat column names)."""
    return exp.column(name, quoted=True).sql(dialect=dialect)


@cache
def _identifier_sql(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=name in RESERVED).sql(dialect=dialect)


def _source_entry(
    source_name: str, entries: list[tuple[Table, StagingPlan]], description: str | None
) -> dict:
    tables = []
    for table, staging in entries:
        entry: dict = {"name": staging.source_table}
        if staging.source_table != table.name.name:
            entry["identifier"] = table.name.name
        if table.description:
            entry["description"] = table.description
        entry["columns"] = [
            {"name": column.name, **({"description": column.description} if column.description else {})}
            for column in table.columns
        ]
        tables.append(entry)
    source: dict = {"name": source_name, "schema": entries[0][0].name.schema_}
    if description:
        source["description"] = description
    source["quoting"] = {"database": False, "schema": False, "identifier": True}
    source["tables"] = tables
    return source


def _model_entry(table: Table, staging: StagingPlan, staging_by_table: dict[str, StagingPlan]) -> dict:
    names = {c.original.lower(): c.name for c in staging.columns}
    column_tests: dict[str, list] = {c.name: [] for c in staging.columns}
    model_tests: list[dict] = []

    def add_key_test(columns: tuple[str, ...]) -> None:
        staged = [names[c.lower()] for c in columns if c.lower() in names]
        if len(staged) != len(columns):
            return
        if len(staged) == 1:
            _add_once(column_tests[staged[0]], "unique")
        else:
            model_tests.append(
                {"datamigrate_unique_combination": {"arguments": {"combination_of_columns": staged}}}
            )

    if table.primary_key:
        add_key_test(table.primary_key.columns)
        for column in table.primary_key.columns:
            if column.lower() in names:
                _add_once(column_tests[names[column.lower()]], "not_null")
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
        parent_names = {c.original.lower(): c.name for c in parent.columns}
        child = [names.get(c.lower()) for c in fk.columns]
        fields = [parent_names.get(c.lower()) for c in fk.referenced_columns]
        if None in child or None in fields:
            continue
        to = f"ref('{parent.model}')"
        if len(child) == 1:
            _add_once(
                column_tests[child[0]], {"relationships": {"arguments": {"to": to, "field": fields[0]}}}
            )
        else:
            _add_once(
                model_tests,
                {"datamigrate_relationships": {"arguments": {"columns": child, "to": to, "fields": fields}}},
            )
    for check in table.checks:
        accepted = _accepted_values(check.expression, table)
        if accepted is not None:
            column, values, quote = accepted
            arguments: dict = {"values": values}
            if not quote:
                arguments["quote"] = False
            column_tests[names[column.lower()]].append({"accepted_values": {"arguments": arguments}})

    entry: dict = {"name": staging.model}
    if table.description:
        entry["description"] = table.description
    if model_tests:
        entry["data_tests"] = model_tests
    columns = []
    for plan_column in staging.columns:
        item: dict = {"name": plan_column.name}
        if plan_column.description:
            item["description"] = plan_column.description
        if column_tests[plan_column.name]:
            item["data_tests"] = column_tests[plan_column.name]
        columns.append(item)
    entry["columns"] = columns
    return entry


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
def _parse_check(expression: str) -> exp.Expression | None:
    """A CHECK expression's tree (cached: schemas repeat their checks; the tree is only read)."""
    try:
        return sqlglot.parse_one(expression, read="tsql")
    except SqlglotError:
        return None


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _view_entry(model: str, view: View, conversion: ViewConversion) -> dict:
    entry: dict = {"name": model}
    if view.description:
        entry["description"] = view.description
    entry["columns"] = [{"name": new} for _, new in conversion.columns]
    return entry


def _not_converted(catalog: Catalog, state: GenerateState) -> list[ObjectResult]:
    later = Issue("DM399", "not converted: no rule turns this kind of routine into a model")
    converted = (
        {view.name.key for view in state["views"]}
        | state["macros"].keys()
        | state["procedure_conversions"].keys()
    )
    found: list[tuple[str, str, SourceRef | None, Issue]] = [
        (routine.kind.value.replace("_", " "), str(routine.name), routine.source,
         state["functions_not_converted"].get(routine.name.key, later))
        for routine in catalog.routines
        if routine.name.key not in converted
    ]  # fmt: skip
    found += [
        ("trigger", str(trigger.name), trigger.source,
         Issue("DM501", "triggers run on writes; dbt models have no equivalent: move the logic into models"))
        for trigger in catalog.triggers
    ]  # fmt: skip
    found += [
        ("user-defined type", str(t.name), t.source,
         Issue("DM504", f"resolved to {t.base_type} in the columns that use it"))
        for t in catalog.user_types
    ]  # fmt: skip
    found += [
        (kind, str(obj.name), obj.source, Issue(code, f"a {kind} has no dbt equivalent"))
        for kind, code, items in (("sequence", "DM502", catalog.sequences), ("synonym", "DM503", catalog.synonyms))
        for obj in items
    ]  # fmt: skip
    found += [
        ("unparsed statement", statement.text.split("\n", 1)[0][:80], statement.source,
         unparsed_issue(statement.reason, statement.source.line))
        for statement in catalog.unparsed
    ]  # fmt: skip
    return [
        ObjectResult(kind, name, status_for((issue,)), source=source, reasons=(issue,))
        for kind, name, source, issue in found
    ]


def _schema_description(catalog: Catalog, schema: str) -> str | None:
    return next((s.description for s in catalog.schemas if s.name.lower() == schema.lower()), None)


def _origin(catalog: Catalog) -> str:
    if catalog.origin == "server":
        return f"SQL Server database {catalog.database or ''}".strip()
    return "T-SQL scripts" + (f" of database {catalog.database}" if catalog.database else "")


def _yaml_file(origin: str, document: dict) -> str:
    body = yaml_text.dump(document)
    return templates.render("project/properties.yml.j2", origin=origin, body=body.rstrip())
