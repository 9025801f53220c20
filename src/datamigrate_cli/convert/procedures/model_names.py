"""name_models: a unique dbt model name, and its folder, for each model of every procedure."""

from __future__ import annotations

from ..naming import NameSpace, schema_folder, snake_case
from .plan import Materialization, ModelName, ProcedurePlan


def name_models(plans: list[ProcedurePlan], names: NameSpace) -> dict[tuple[str, int], ModelName]:
    """A unique model name per (procedure key, model index).

    A table loaded by one procedure gets the table's name (`<schema>__<table>`, no prefix for dbo);
    when several procedures load it, the one that rebuilds it fully (enabled procedures first, then
    table before incremental, then by procedure name) gets that name and the others
    `<table name>__<procedure>`. Temp tables are `<procedure>__<temp>`, result sets `<procedure>`;
    a disabled procedure gets one model, `<procedure>` (index -1), for its stub.
    """
    loaders: dict[str, list[tuple[tuple, str, int]]] = {}
    for plan in plans:
        for index, model in enumerate(plan.models if plan.enabled else ()):
            if model.table is not None:
                rank = (model.materialization != Materialization.TABLE, plan.routine.name.key)
                loaders.setdefault(model.table.key, []).append((rank, plan.routine.name.key, index))
    primaries = {(min(entries)[1], min(entries)[2]) for entries in loaders.values()}
    result: dict[tuple[str, int], ModelName] = {}
    for plan in sorted(plans, key=lambda p: p.routine.name.key):
        routine = plan.routine.name
        prefix = _schema_prefix(routine.schema_)
        folder = f"models/marts/{schema_folder(routine.schema_)}"
        procedure = snake_case(routine.name)
        for index, model in enumerate(plan.models if plan.enabled else ()):
            if model.table is not None:
                table = _schema_prefix(model.table.schema_) + snake_case(model.table.name)
                is_primary = (routine.key, index) in primaries
                if is_primary:
                    name = names.claim(model.table.name, prefix=_schema_prefix(model.table.schema_))
                else:
                    name = names.claim(routine.name, prefix=f"{table}__")
                folder_of = f"models/marts/{schema_folder(model.table.schema_)}"
            elif model.temp is not None:
                name = names.claim(model.temp.lstrip("#"), prefix=f"{prefix}{procedure}__")
                folder_of = folder
            else:
                name = names.claim(routine.name, prefix=prefix)
                folder_of = folder
            primary = model.table is None or (routine.key, index) in primaries
            result[(routine.key, index)] = ModelName(name, folder_of, primary)
        if not plan.enabled:  # an enabled plan without models (DM312) writes no file: no name
            result[(routine.key, -1)] = ModelName(names.claim(routine.name, prefix=prefix), folder)
    return result


def _schema_prefix(schema: str) -> str:
    return "" if schema.lower() == "dbo" else f"{snake_case(schema)}__"
