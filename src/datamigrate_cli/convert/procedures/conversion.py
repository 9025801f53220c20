"""Plans -> models in the target dialect: procedures in dependency order (order_plans), each model
converted with its temp tables and loaded tables resolved and its markers turned into Jinja
(convert_procedure), and the parameters' defaults put into the var() calls (with_defaults).
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlglot import exp

from ...model.issues import Issue
from ...targets import Target
from ..naming import NameSpace, snake_case
from ..query import Relation, convert_view
from .plan import (
    INCREMENTAL_FILTER,
    VAR_LITERAL,
    ConvertedModel,
    ModelName,
    ProcedureModel,
    ProcedurePlan,
    ProcedureVar,
)
from .recognition import is_temp, selects_of, shown_name, table_key

_TEMP_PREFIX = "dm_temp__"


def order_plans(plans: list[ProcedurePlan]) -> list[ProcedurePlan]:
    """Procedures each after those that load the tables it reads (a cycle keeps name order)."""
    import graphlib

    loaded_by: dict[str, set[str]] = {}
    for plan in plans:
        for model in plan.models:
            if model.table is not None:
                loaded_by.setdefault(model.table.key, set()).add(plan.routine.name.key)
    by_key = {plan.routine.name.key: plan for plan in plans}
    graph = {
        key: {loader for table in plan.reads for loader in loaded_by.get(table, ()) if loader != key}
        for key, plan in sorted(by_key.items())
    }
    try:
        return [by_key[key] for key in graphlib.TopologicalSorter(graph).static_order()]
    except graphlib.CycleError:
        return [by_key[key] for key in sorted(by_key)]


def convert_procedure(
    plan: ProcedurePlan,
    names: dict[tuple[str, int], ModelName],
    relations: dict[str, Relation],
    target: Target,
    macros: dict | None = None,
) -> tuple[list[ConvertedModel], list[Issue], dict[str, Relation]]:
    """Each model of the plan in the target dialect (temp tables and the loaded tables resolved);
    returns the models, the issues conversion raised (DM2xx, on the model's first line) and the
    relations other procedures may read (the permanent tables this one loads)."""
    key = plan.routine.name.key
    local = dict(relations)
    converted: list[ConvertedModel] = []
    issues: list[Issue] = []
    published: dict[str, Relation] = {}
    if not plan.enabled:
        return [], issues, published
    failed: set[str] = set()
    """Keys (dbo.t, #t) of the tables whose model could not be converted."""
    for index, model in enumerate(plan.models):
        name = names[(key, index)]
        query = _temp_names(model.query, key)
        self_key = model.table.key if model.table is not None else None
        own_key = self_key or model.temp
        lost = sorted({shown_name(t) for t in model.query.find_all(exp.Table) if table_key(t) in failed})
        if lost:  # it would read a model written disabled, and fail the whole project's compile
            issues.append(Issue("DM210", f"reads {', '.join(lost)}, which this procedure loads in a model "
                                "that could not be converted", model.lines[0]))  # fmt: skip
            if own_key:
                failed.add(own_key)
            converted.append(ConvertedModel(model, name, None))
            continue
        if self_key is not None:
            local[self_key] = _self_relation(model, name.name, relations.get(self_key))
        conversion = convert_view(query, local, target, macros, copy=False)  # _temp_names made the copy
        if conversion.sql is None:
            issues.extend(_named_temps(_at(issue, model.lines[0]), key) for issue in conversion.errors)
            converted.append(ConvertedModel(model, name, None))
            if own_key:
                failed.add(own_key)
            if self_key is not None:  # the table is no model's: later models are flagged above
                if self_key in relations:
                    local[self_key] = relations[self_key]
                else:
                    local.pop(self_key)
            continue
        sql = _jinja(conversion.sql, name.name)
        relation = Relation(
            model=name.name,
            columns={original.lower(): new for original, new in conversion.columns},
            types=conversion.types,
            originals={original.lower(): original for original, _ in conversion.columns},
        )
        if model.temp is not None:
            local[_temp_key(key, model.temp)] = relation
        elif self_key is not None and name.primary:
            published[self_key] = local[self_key] = relation
        issues.extend(
            _named_temps(_at(issue, model.lines[0]), key)
            for issue in conversion.warnings
            if INCREMENTAL_FILTER not in issue.message
        )
        converted.append(ConvertedModel(model, name, sql, tuple(conversion.columns)))
    return converted, issues, published


def _at(issue: Issue, line: int) -> Issue:
    """A conversion issue placed on the model's first statement line, when it has no line of its own."""
    return issue if issue.line is not None else replace(issue, line=line)


def _named_temps(issue: Issue, procedure: str) -> Issue:
    """The issue with the procedure's internal temp table names back as #name."""
    internal = re.compile(rf"(?i)(?:\bdbo\.)?{_TEMP_PREFIX}{re.escape(snake_case(procedure))}__(\w+)")
    return replace(issue, message=internal.sub(lambda m: "#" + m.group(1), issue.message))


def _self_relation(model: ProcedureModel, name: str, staged: Relation | None) -> Relation:
    """The loaded table as the model itself sees it (its filter reads {{ this }})."""
    columns = {}
    for select in selects_of(model.query):
        names = NameSpace()
        columns = {p.alias_or_name.lower(): names.claim(p.alias_or_name) for p in select.expressions}
        break
    types = dict(staged.types) if staged is not None else {}
    return Relation(model=name, columns=columns, types=types)


def _temp_key(procedure: str, temp: str) -> str:
    return f"dbo.{_TEMP_PREFIX}{snake_case(procedure)}__{temp.lstrip('#')}"


def _temp_names(query: exp.Query, procedure: str) -> exp.Query:
    """#temp -> a name no Catalog table has, so that each procedure's temp tables are its own."""

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and is_temp(node):
            renamed = exp.to_table(_temp_key(procedure, "#" + node.name.lstrip("#")).split(".", 1)[1])
            if node.alias:
                renamed.set("alias", node.args["alias"].copy())
            else:
                renamed.set("alias", exp.TableAlias(this=exp.to_identifier(node.name.lstrip("#"))))
            return renamed
        return node

    renamed = query.transform(rename)
    assert isinstance(renamed, exp.Query)  # only tables are renamed, and the root is the query
    return renamed


def _jinja(sql: str, model: str) -> str:
    """Var placeholders -> var() calls, the incremental filters -> is_incremental() blocks,
    the model's own table -> {{ this }}."""
    sql = sql.replace(f"{{{{ ref('{model}') }}}}", "{{ this }}")
    sql = VAR_LITERAL.sub(lambda m: f"{{{{ datamigrate_literal(var('{m.group(1)}', none)) }}}}", sql)
    while True:
        found = re.search(rf"(?i)\b{INCREMENTAL_FILTER}\(", sql)
        if found is None:
            return sql
        end = _closing(sql, found.end())
        inner = sql[found.end() : end - 1].strip()
        sql = (
            sql[: found.start()]
            + f"{{% if is_incremental() %}}({inner}){{% else %}}1 = 1{{% endif %}}"
            + sql[end:]
        )


_BRACKETS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\(|\)""")


def _closing(sql: str, start: int) -> int:
    """The index just past the `)` closing the bracket opened before start (strings skipped)."""
    depth = 1
    for found in _BRACKETS.finditer(sql, start):
        depth += {"(": 1, ")": -1}.get(found.group(), 0)
        if depth == 0:
            return found.end()
    raise ValueError("an incremental filter's bracket is not closed")


def with_defaults(sql: str, variables: dict[str, ProcedureVar]) -> str:
    """var('x', none) -> var('x', <the parameter's default>)."""
    for var in variables.values():
        sql = sql.replace(f"var('{var.name}', none)", f"var('{var.name}', {var.default})")
    return sql
