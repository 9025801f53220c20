"""The procedure steps of the rule stages: recognise, name, convert procedures, and decide their models.

stages.py calls one function per stage; the rules themselves are in convert/procedures.py.
"""

from __future__ import annotations

from ..convert.naming import RESERVED
from ..convert.procedures import (
    ConvertedModel,
    ModelName,
    ProcedureConversion,
    ProcedurePlan,
    convert_procedure,
    order_plans,
    recognise,
    with_defaults,
)
from ..convert.query import Relation
from ..model.catalog import Catalog, Routine, RoutineKind
from ..model.issues import Severity
from ..model.results import ObjectResult, status_for
from ..project import templates
from ..project.files import (
    DbtVar,
    FileKind,
    ModelFile,
    Origin,
    ProcedureHeader,
    ProjectFile,
    TextFile,
    not_converted,
)
from ..targets import Target

LITERAL_MACRO = "macros/datamigrate_procedures.sql"
LITERAL_CALL = "datamigrate_literal("
"""How a model calls the macro of LITERAL_MACRO; the project ships the macro only when one does."""


def analyze_procedures(catalog: Catalog) -> list[ProcedurePlan]:
    """Each procedure of the Catalog, recognised."""
    return [recognise(r, catalog) for r in catalog.routines if r.kind == RoutineKind.PROCEDURE]


def convert_procedures(
    plans: list[ProcedurePlan],
    names: dict[tuple[str, int], ModelName],
    relations: dict[str, Relation],
    target: Target,
    macros: dict,
) -> tuple[dict[str, ProcedureConversion], dict[str, Relation]]:
    """Each procedure converted, those that load a table before those that read it; returns the
    conversions by procedure key and the relations with the procedure-loaded tables added."""
    relations = dict(relations)
    conversions = {}
    for plan in order_plans(plans):
        models, issues, published = convert_procedure(plan, names, relations, target, macros)
        relations.update(published)
        conversions[plan.routine.name.key] = ProcedureConversion(plan, tuple(models), (*plan.issues, *issues))
    return conversions, relations


def render_procedures(
    catalog: Catalog,
    conversions: dict[str, ProcedureConversion],
    names: dict[tuple[str, int], ModelName],
) -> tuple[dict[str, ProjectFile], list[ObjectResult], dict[str, list[dict]]]:
    """The model files, one report entry per procedure, and the YAML entries by folder."""
    files: dict[str, ProjectFile] = {}
    objects: list[ObjectResult] = []
    entries: dict[str, list[dict]] = {}
    for routine in catalog.routines:
        conversion = conversions.get(routine.name.key)
        if conversion is None:
            continue
        plan = conversion.plan
        origin = Origin("procedure", str(routine.name), routine.source)
        written: list[tuple[str, str]] = []
        if not plan.enabled:
            name = names[(routine.name.key, -1)]
            path = f"{name.folder}/{name.name}.sql"
            files[path] = not_converted(path, origin, conversion.issues, routine.definition)
            written.append((name.name, path))
        elif not conversion.models:
            pass  # DM312: nothing to model, so no file
        else:
            warnings = tuple(i for i in conversion.issues if i.severity == Severity.WARNING)
            for converted in conversion.models:
                path = f"{converted.name.folder}/{converted.name.name}.sql"
                if converted.sql is None:
                    files[path] = not_converted(path, origin, conversion.issues, routine.definition)
                else:
                    header = _header(routine, converted, plan)
                    sql = with_defaults(converted.sql, plan.variables)
                    files[path] = ModelFile(path, FileKind.MART_MODEL, origin, header, sql, warnings)
                    entries.setdefault(converted.name.folder, []).append(_entry(catalog, routine, converted))
                written.append((converted.name.name, path))
        objects.append(
            ObjectResult(
                "procedure",
                str(routine.name),
                status_for(conversion.issues),
                ", ".join(name for name, _ in written) or None,
                written[0][1] if written else None,
                routine.source,
                conversion.issues,
                paths=tuple(path for _, path in written),
            )
        )
    if any(isinstance(file, ModelFile) and LITERAL_CALL in file.sql for file in files.values()):
        files[LITERAL_MACRO] = TextFile(
            LITERAL_MACRO, FileKind.MACRO, templates.static("project/macros/datamigrate_procedures.sql")
        )
    return files, objects, entries


def _header(routine: Routine, converted: ConvertedModel, plan: ProcedurePlan) -> ProcedureHeader:
    model = converted.model
    procedure = str(routine.name)
    if model.table is not None:
        what = f"table {model.table}, as procedure {procedure} loads it"
    elif model.temp is not None:
        what = f"temp table {model.temp} of procedure {procedure}"
    else:
        what = f"the rows procedure {procedure} returns"
    assert converted.sql is not None  # a model is written only when it has SQL
    variables = tuple(
        DbtVar(var.name, var.default)
        for var in plan.variables.values()
        if f"var('{var.name}'" in converted.sql
    )
    return ProcedureHeader(what=what, lines=tuple(model.lines), config=converted.config, variables=variables)


def _entry(catalog: Catalog, routine: Routine, converted: ConvertedModel) -> dict:
    entry: dict = {"name": converted.name.name}
    table = catalog.table(converted.model.table) if converted.model.table is not None else None
    description = routine.description or (table.description if table is not None else None)
    if description:
        entry["description"] = description
    entry["config"] = {"meta": {"origin": str(routine.name)}}
    keys = {k.lower() for k in converted.model.unique_key} if len(converted.model.unique_key) == 1 else set()
    columns = []
    for original, new in converted.columns:
        item: dict = {"name": new}
        if new in RESERVED:
            item["quote"] = True  # the tests name it: `select group from ...` does not parse
        column = table.column(original) if table is not None else None
        if column is not None and column.description:
            item["description"] = column.description
        if original.lower() in keys:  # MERGE fails on a source row matching twice: the key is unique
            item["data_tests"] = ["unique", "not_null"]
        columns.append(item)
    entry["columns"] = columns
    return entry
