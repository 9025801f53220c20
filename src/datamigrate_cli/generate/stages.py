"""The rule stages, as plain calls: analyze -> plan -> convert -> render, chained by `run_rules`.

Each stage takes the typed results it needs and returns a frozen one (`generate.state`); none
reaches the network or dbt, so the same Catalog always gives the same files.
"""

from __future__ import annotations

import graphlib
from dataclasses import replace
from functools import partial
from pathlib import PurePosixPath

from sqlglot import exp

from ..convert.functions import function_as_macro, function_as_view
from ..convert.naming import DEVICE_NAMES, NameSpace, schema_folder, snake_case
from ..convert.nesting import nested_too_deeply, without_deep_expressions
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
from ..model.results import ObjectResult, Status, status_for
from ..project import templates
from ..project.files import (
    ConfigFile,
    ConvertedHeader,
    FileKind,
    ModelFile,
    Origin,
    ProjectFile,
    TextFile,
    not_converted,
    properties_file,
)
from ..runtime import second_process
from ..targets import Target, target_type
from . import procedure_stages
from .cascade import disable_readers
from .staging import staging_files
from .state import (
    Analysis,
    ColumnPlan,
    Conversion,
    GenerateOptions,
    Plan,
    Rules,
    RulesProject,
    StagingPlan,
)


def run_rules(catalog: Catalog, options: GenerateOptions) -> Rules:
    """Every rule stage in turn: what the rules alone make of `catalog`.

    The staging models need no conversion: a second process renders them while the views and
    procedures convert (`runtime.second_process`; in this process where it cannot fork).
    """
    target = options.target
    catalog, set_aside = without_deep_expressions(catalog)
    analysis = analyze(catalog, target)
    planned = plan(catalog, analysis, target)
    work = partial(staging_files, catalog, planned.staging, target, origin_of(catalog), set_aside)
    with second_process.start(work) as staging:
        conversion = convert(analysis, planned, target)
        staged = staging.result()
    project = render(catalog, options, analysis, planned, conversion, staged)
    return Rules(catalog, analysis, planned, conversion, project)


# ------------------------------------------------------------------------- analyze
def analyze(catalog: Catalog, target: Target) -> Analysis:
    """Parse each view once, and order them so that each comes after the views it reads; sort the
    functions into views, macros and the rest; recognise the procedures."""
    views, notes = list(catalog.views), {}
    macros, functions_not_converted = {}, {}
    for routine in catalog.routines:
        if routine.kind != RoutineKind.PROCEDURE and (
            deep := nested_too_deeply(routine.definition, routine.source)
        ):
            functions_not_converted[routine.name.key] = deep
        elif routine.kind in {RoutineKind.INLINE_TABLE_FUNCTION, RoutineKind.TABLE_FUNCTION}:
            view, reason, fixed = function_as_view(routine)
            if view is None:
                assert reason is not None  # function_as_view says why when it gives no view
                functions_not_converted[routine.name.key] = reason
            else:
                views.append(view)
                notes[view.name.key] = fixed
        elif routine.kind == RoutineKind.SCALAR_FUNCTION:
            macro = function_as_macro(routine, target)
            if isinstance(macro, Issue):
                functions_not_converted[routine.name.key] = macro
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
    return Analysis(
        views=tuple(views),
        view_notes=notes,
        macros=macros,
        functions_not_converted=functions_not_converted,
        view_order=tuple(order),
        parsed_views=parsed,
        procedures=tuple(procedure_stages.analyze_procedures(catalog)),
    )


def _parse(view: View) -> exp.Query | Issue:
    if view.encrypted:
        line = view.source.line if view.source else None
        return Issue("DM314", "the view was created WITH ENCRYPTION: its SELECT cannot be read", line)
    return nested_too_deeply(view.definition, view.source) or parse_view(view)


# ------------------------------------------------------------------------- plan
def plan(catalog: Catalog, analysis: Analysis, target: Target) -> Plan:
    """Decide every model: names, paths, columns; the relations converted SQL may read."""
    models = NameSpace(DEVICE_NAMES)  # a model's name is its file's name
    sources, source_names = {}, NameSpace(DEVICE_NAMES)  # a source's name is its folder's name
    source_tables: dict[str, NameSpace] = {}
    staging: list[StagingPlan] = []
    relations: dict[str, Relation] = {}
    renamed: dict[str, tuple[Issue, ...]] = {}
    for table in catalog.tables:
        if table.name.schema_ not in sources:
            sources[table.name.schema_] = source_names.claim(table.name.schema_)
        source_name = sources[table.name.schema_]
        model = models.claim(table.name.name, prefix=f"stg_{source_name}__")
        columns, column_names = _column_plans(table, target)
        if column_names.renamed:
            renamed[str(table.name)] = tuple(
                _renamed(f"column {column.original} is {column.name}", *column_names.renamed[column.name])
                for column in columns
                if column.name in column_names.renamed
            )
        staging.append(
            StagingPlan(
                table=table.name,
                source_name=source_name,
                source_table=source_tables.setdefault(source_name, NameSpace()).claim(table.name.name),
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
    for view in analysis.views:
        prefix = "" if view.name.schema_.lower() == "dbo" else f"{snake_case(view.name.schema_)}__"
        view_models[view.name.key] = models.claim(view.name.name, prefix=prefix)
    procedure_names = name_models(list(analysis.procedures), models)
    for model, (base, owner) in models.renamed.items():
        renamed[model] = (_renamed(f"the model is {model}", base, owner),)
    return Plan(tuple(staging), relations, view_models, procedure_names, renamed)


def _column_plans(table: Table, target: Target) -> tuple[tuple[ColumnPlan, ...], NameSpace]:
    names = NameSpace()
    plans = tuple(
        ColumnPlan(
            original=column.name,
            name=names.claim(column.name),
            target_type=target_type(target, column),
            description=column.description,
        )
        for column in table.columns
    )
    return plans, names


def _renamed(what: str, base: str, owner: str) -> Issue:
    held = f"{base} was taken by {owner}" if owner != base else f"{base} is a name a file cannot have"
    return Issue("DM908", f"{what}, as {held}")


# ------------------------------------------------------------------------- convert
def convert(analysis: Analysis, planned: Plan, target: Target) -> Conversion:
    """Convert each view, in dependency order (a converted view becomes readable by the next), then
    the procedures. Consumes `analysis.parsed_views`: converting rewrites the trees in place."""
    relations = dict(planned.relations)
    conversions: dict[str, ViewConversion] = {}
    first_lines = {view.name.key: view.source.line if view.source else None for view in analysis.views}
    for key in analysis.view_order:
        conversion = convert_view(  # the parsed view is read by nothing else: no copy
            analysis.parsed_views[key],
            relations,
            target,
            analysis.macros,
            first_line=first_lines[key],
            copy=False,
        )
        conversions[key] = conversion
        if conversion.sql is not None:
            relations[key] = Relation(
                model=planned.view_models[key],
                columns={original.lower(): new for original, new in conversion.columns},
                types=conversion.types,
                originals={original.lower(): original for original, _ in conversion.columns},
            )
    procedure_conversions, relations = procedure_stages.convert_procedures(
        list(analysis.procedures), planned.procedure_names, relations, target, analysis.macros
    )
    return Conversion(views=conversions, procedures=procedure_conversions, relations=relations)


# ------------------------------------------------------------------------- render
def render(
    catalog: Catalog,
    options: GenerateOptions,
    analysis: Analysis,
    planned: Plan,
    conversion: Conversion,
    staged: tuple[dict[str, ProjectFile], list[ObjectResult]],
) -> RulesProject:
    """Every file of the project, with what each source object became; `staged` holds the staging
    models and their property files (`generate.staging`)."""
    origin = origin_of(catalog)
    files: dict[str, ProjectFile] = {}
    objects: list[ObjectResult] = []
    settings = {"project_name": options.project_name, "version": options.version, "origin": origin}
    files["dbt_project.yml"] = ConfigFile("dbt_project.yml", FileKind.PROJECT_CONFIG, **settings)
    files["profiles.yml"] = ConfigFile(
        "profiles.yml", FileKind.PROFILES, **settings, default_output=options.target.name
    )
    for file_name in ("datamigrate_tests.sql", "datamigrate_validate.sql"):
        path = f"macros/{file_name}"
        files[path] = TextFile(path, FileKind.MACRO, templates.static(f"project/macros/{file_name}"))
    staged_files, staged_objects = staged
    files.update(staged_files)
    objects.extend(staged_objects)

    marts: dict[str, list[dict]] = {}
    catalog_views = {view.name.key for view in catalog.views}
    for view in analysis.views:
        origin_object = Origin(
            "view" if view.name.key in catalog_views else "inline table function", str(view.name), view.source
        )
        model = planned.view_models[view.name.key]
        folder = f"models/marts/{schema_folder(view.name.schema_)}"
        path = f"{folder}/{model}.sql"
        converted = conversion.views[view.name.key]
        if converted.sql is None:
            reasons = tuple(converted.errors)
            files[path] = not_converted(path, origin_object, reasons, view.definition)
            objects.append(_object(origin_object, status_for(reasons), model, path, reasons))
            continue
        warnings = (*analysis.view_notes.get(view.name.key, []), *converted.warnings)
        files[path] = ModelFile(path, FileKind.MART_MODEL, origin_object, ConvertedHeader(), converted.sql,
                                warnings, original=view.definition)  # fmt: skip
        objects.append(_object(origin_object, status_for(warnings), model, path, warnings))
        marts.setdefault(folder, []).append(_view_entry(model, view, converted))
    procedure_files, procedure_objects, procedure_entries = procedure_stages.render_procedures(
        catalog, conversion.procedures, planned.procedure_names
    )
    files.update(procedure_files)
    objects.extend(procedure_objects)
    for folder, entries in procedure_entries.items():
        marts.setdefault(folder, []).extend(entries)
    for folder, entries in marts.items():
        schema = folder.rsplit("/", 1)[-1]
        path = f"{folder}/_{schema}__models.yml"
        files[path] = properties_file(path, FileKind.PROPERTIES, origin, {"version": 2, "models": entries})

    for macro in analysis.macros.values():
        path = f"macros/functions/{macro.name}.sql"
        files[path] = TextFile(path, FileKind.MACRO, macro.render())
        issues = (Issue("DM405", f"a macro: {{{{ {macro.name}(...) }}}}"),)
        objects.append(ObjectResult("scalar function", str(macro.function.name), status_for(issues), macro.name,
                                    path, macro.function.source, issues))  # fmt: skip
    objects.extend(_not_converted(catalog, analysis, conversion))
    blocked = {
        file.name: f"cannot be built on {options.target.name} ({file.reasons[0].code})"
        for file in staged_files.values()
        if isinstance(file, ModelFile) and not file.enabled
    }
    if blocked:  # the tables the target cannot hold (DM104, DM105): what reads them is disabled too
        files, objects = disable_readers(files, objects, {}, set(blocked), blocked)
    if planned.renamed:
        objects = [_with_renames(obj, planned.renamed) for obj in objects]
    return RulesProject(files, tuple(objects))


def _with_renames(obj: ObjectResult, renamed: dict[str, tuple[Issue, ...]]) -> ObjectResult:
    """The object with the DM908 issues of its columns' and its models' names."""
    models = [PurePosixPath(path).stem for path in (obj.paths or (obj.path,)) if path]
    issues = [
        *(renamed.get(obj.name, ()) if obj.kind == "table" else ()),
        *(i for m in models for i in renamed.get(m, ())),
    ]
    if not issues:
        return obj
    reasons = (*obj.reasons, *issues)
    return replace(obj, reasons=reasons, status=status_for(reasons))


def _object(
    origin: Origin, status: Status, model: str, path: str, reasons: tuple[Issue, ...]
) -> ObjectResult:
    return ObjectResult(origin.kind, origin.name, status, model, path, origin.source, reasons)


def _view_entry(model: str, view: View, conversion: ViewConversion) -> dict:
    entry: dict = {"name": model}
    if view.description:
        entry["description"] = view.description
    entry["config"] = {"meta": {"origin": str(view.name)}}
    entry["columns"] = [{"name": new} for _, new in conversion.columns]
    return entry


def _not_converted(catalog: Catalog, analysis: Analysis, conversion: Conversion) -> list[ObjectResult]:
    """Report entries of the objects that became no model: routines no rule converts, triggers,
    user-defined types, sequences, synonyms and statements that could not be read."""
    later = Issue("DM399", "not converted: no rule turns this kind of routine into a model")
    converted = (
        {view.name.key for view in analysis.views} | analysis.macros.keys() | conversion.procedures.keys()
    )
    found: list[tuple[str, str, SourceRef | None, Issue]] = [
        (routine.kind.value.replace("_", " "), str(routine.name), routine.source,
         analysis.functions_not_converted.get(routine.name.key, later))
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


def origin_of(catalog: Catalog) -> str:
    """Where the schema came from, as the generated files' headers say it."""
    if catalog.origin == "server":
        return f"SQL Server database {catalog.database or ''}".strip()
    return "T-SQL scripts" + (f" of database {catalog.database}" if catalog.database else "")
