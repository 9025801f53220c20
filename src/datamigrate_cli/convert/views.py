"""A SQL Server view -> the SELECT of a dbt model in the target dialect.

sqlglot parses the T-SQL and qualifies every column against the Catalog; then our own rewrites
turn table references into `ref()` calls, column names into the staging models' snake_case
names, and string `+` into `||`. What cannot be converted is returned as reasons, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

from ..catalog import Column, ObjectName, View
from ..targets import Target
from .naming import RESERVED, NameSpace

_PLACEHOLDER = "__datamigrate_ref_{}__"
_SQLSERVER_ONLY_TYPES = {"money", "smallmoney", "uniqueidentifier", "smalldatetime", "tinyint", "bit"}
_TEXT_TYPES = {
    exp.DType.CHAR,
    exp.DType.NCHAR,
    exp.DType.VARCHAR,
    exp.DType.NVARCHAR,
    exp.DType.TEXT,
}


@dataclass(frozen=True)
class Relation:
    """A table or view a converted query may read: the model to ref() and its column names."""

    model: str
    columns: dict[str, str]
    """Original column name, lower-cased -> the model's column name."""
    types: dict[str, str] = field(default_factory=dict)
    """Original column name, lower-cased -> SQL Server type, for type-aware rewrites."""
    originals: dict[str, str] = field(default_factory=dict)
    """Original column name, lower-cased -> as spelled in the source."""


@dataclass
class ViewConversion:
    sql: str | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)
    """(original output name, model column name) in order."""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sqlserver_type(column: Column) -> str:
    """The column's type as T-SQL spells it, for sqlglot's type annotation."""
    if column.data_type == "computed":
        return "UNKNOWN"
    if column.max_length is not None:
        return f"{column.data_type}({'max' if column.max_length < 0 else column.max_length})"
    if column.precision is not None and column.data_type in {"decimal", "numeric"}:
        return f"{column.data_type}({column.precision},{column.scale or 0})"
    return column.data_type


def parse_view(view: View) -> exp.Query | str:
    """The SELECT of a CREATE VIEW statement, or why sqlglot could not read it."""
    try:
        statement = sqlglot.parse_one(view.definition, read="tsql")
    except SqlglotError as exc:
        return f"sqlglot could not parse the view: {_first_line(exc)}"
    query = statement.expression if isinstance(statement, exp.Create) else None
    if not isinstance(query, exp.Query):
        return "sqlglot could not parse the view: the statement is not CREATE VIEW ... AS SELECT"
    return query


def referenced_names(query: exp.Query) -> set[str]:
    """Keys (schema.name, lower case) of the tables and views a query reads."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    names = set()
    for table in query.find_all(exp.Table):
        if not table.name or (not table.db and table.name.lower() in ctes):
            continue
        names.add(ObjectName(schema=table.db or "dbo", name=table.name).key)
    return names


def convert_view(query: exp.Query | str, relations: dict[str, Relation], target: Target) -> ViewConversion:
    """Convert one view, given what `parse_view` returned for it (the tree is not modified).

    Problems are returned in `errors` (the model must stay disabled).
    """
    result = ViewConversion()
    if isinstance(query, str):
        result.errors.append(query)
        return result
    reads = referenced_names(query)
    missing = {key for key in reads if key not in relations}  # not `reads - keys()`: that walks every key
    unknown = sorted(
        {
            f"{table.db or 'dbo'}.{table.name}"
            for table in query.find_all(exp.Table)
            if ObjectName(schema=table.db or "dbo", name=table.name).key in missing
        }
    )
    if unknown:
        result.errors.append(
            "reads " + ", ".join(unknown) + ", which is neither a table nor a convertible view of the Catalog"
        )
        return result

    schema = MappingSchema(_sqlglot_schema(relations, reads), dialect="tsql")  # built once, used twice
    try:
        qualified = qualify(
            query.copy(),
            schema=schema,
            db="dbo",
            dialect="tsql",
            quote_identifiers=False,
            validate_qualify_columns=True,
        )
        annotate_types(qualified, schema=schema, dialect="tsql")
    except (OptimizeError, SqlglotError) as exc:
        result.errors.append(f"a column could not be resolved against the Catalog: {_first_line(exc)}")
        return result

    spelling = _original_spelling(query, relations, reads)
    output_names = _output_names(qualified)
    _flag_unsupported(query, result)
    if result.errors:
        return result
    _concatenation_to_pipes(qualified)
    _target_types(qualified, target)
    placeholders = _rewrite_relations(qualified, relations, result)
    if result.errors:
        return result
    result.columns = _alias_outputs(qualified, output_names, spelling)

    sql = qualified.sql(dialect=target.dialect, pretty=True)
    try:
        sqlglot.parse_one(sql, read=target.dialect)
    except SqlglotError as exc:
        result.errors.append(f"the converted SQL does not parse as {target.dialect}: {_first_line(exc)}")
        return result
    for placeholder, model in placeholders.items():
        sql = sql.replace(f'"{placeholder}"', placeholder).replace(placeholder, f"{{{{ ref('{model}') }}}}")
    result.sql = sql
    return result


def _sqlglot_schema(relations: dict[str, Relation], keys: set[str]) -> dict:
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for key in keys:
        owner, _, name = key.partition(".")
        relation = relations[key]
        schema.setdefault(owner, {})[name] = {
            column: relation.types.get(column, "UNKNOWN") for column in relation.columns
        }
    return schema


def _original_spelling(query: exp.Query, relations: dict[str, Relation], keys: set[str]) -> dict[str, str]:
    """Lower-cased name -> as its author spelled it (sqlglot folds T-SQL names to lower case)."""
    spelling: dict[str, str] = {}
    for identifier in query.find_all(exp.Identifier):
        spelling.setdefault(identifier.name.lower(), identifier.name)
    for key in keys:
        for lower, original in relations[key].originals.items():
            spelling.setdefault(lower, original)
    return spelling


def _first_select(query: exp.Expression) -> exp.Select | None:
    """The SELECT whose projections name a query's output columns (the left-most of a UNION)."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def _output_names(query: exp.Query) -> list[str]:
    first = _first_select(query)
    return list(first.named_selects) if first is not None else []


def _flag_unsupported(tree: exp.Expression, result: ViewConversion) -> None:
    """Problems found in the view as written (so messages name things as its author did)."""
    for function in tree.find_all(exp.Anonymous):
        if isinstance(function.parent, exp.Dot):
            name = f"{function.parent.this.name}.{function.name}"
            problem = (
                f"calls the user-defined function {name}(); scalar functions are not converted yet: "
                "convert it by hand or inline it"
            )
            if problem not in result.errors:
                result.errors.append(problem)
        else:
            warning = f"function {function.name}() has no known equivalent and was passed through unchanged"
            if warning not in result.warnings:
                result.warnings.append(warning)
    for group in tree.find_all(exp.Group):
        if group.args.get("rollup") or group.args.get("cube"):
            result.warnings.append("GROUP BY ... WITH ROLLUP/CUBE: check the subtotal rows on the target")
            break


def _concatenation_to_pipes(tree: exp.Expression) -> None:
    """T-SQL `'a' + b` on strings is concatenation; on every target that is `||` (NULL-propagating too)."""
    for add in list(tree.find_all(exp.Add)):
        if _is_text(add.this) or _is_text(add.expression):
            add.replace(exp.DPipe(this=add.this, expression=add.expression))


def _target_types(tree: exp.Expression, target: Target) -> None:
    """SQL Server-only type names in casts (MONEY, SMALLMONEY, ...) -> the target's own types."""
    for data_type in list(tree.find_all(exp.DataType)):
        name = data_type.sql("tsql").lower()
        mapped = target.types.get(name)
        if name in _SQLSERVER_ONLY_TYPES and mapped is not None:
            data_type.replace(exp.DataType.build(mapped, dialect=target.dialect))


def _is_text(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal) and node.is_string:
        return True
    if isinstance(node, (exp.DPipe, exp.Concat)):
        return True
    if isinstance(node, exp.Paren):
        return _is_text(node.this)
    return node.type is not None and node.type.this in _TEXT_TYPES


def _rewrite_relations(
    tree: exp.Expression, relations: dict[str, Relation], result: ViewConversion
) -> dict[str, str]:
    """Tables -> ref() placeholders, columns -> model column names, aliases -> snake_case."""
    placeholders: dict[str, str] = {}
    rewritten: dict[int, tuple[Relation, str]] = {}
    """id(table node) -> (relation, new alias): an outer table is a source of inner scopes too."""
    renamed_columns: set[int] = set()
    for scope in traverse_scope(tree):
        alias_names = NameSpace()
        models: dict[str, tuple[Relation, str]] = {}
        for alias, source in scope.sources.items():
            if not isinstance(source, exp.Table):
                continue
            if id(source) not in rewritten:
                relation = relations[ObjectName(schema=source.db or "dbo", name=source.name).key]
                new_alias = alias_names.claim(alias)
                placeholder = _PLACEHOLDER.format(len(placeholders))
                placeholders[placeholder] = relation.model
                source.set("this", exp.to_identifier(placeholder))
                source.set("db", None)
                source.set("catalog", None)
                source.set("alias", exp.TableAlias(this=exp.to_identifier(new_alias)))
                rewritten[id(source)] = (relation, new_alias)
            models[alias] = rewritten[id(source)]
        for column in scope.columns:
            if column.table not in models or id(column) in renamed_columns:
                continue
            renamed_columns.add(id(column))
            relation, new_alias = models[column.table]
            new_name = relation.columns.get(column.name.lower())
            if new_name is None:
                result.errors.append(f"column {column.table}.{column.name} is not in the table it reads")
                continue
            column.set("this", _identifier(new_name))
            column.set("table", exp.to_identifier(new_alias))
    return placeholders


def _alias_outputs(
    tree: exp.Expression, output_names: list[str], spelling: dict[str, str]
) -> list[tuple[str, str]]:
    """Give every output column of the view an explicit snake_case alias; return (original, new)."""
    names = NameSpace()
    mapping: list[tuple[str, str]] = []
    first = _first_select(tree)
    if first is None:
        return mapping
    for position, projection in enumerate(first.expressions):
        original = output_names[position] if position < len(output_names) else projection.alias_or_name
        original = spelling.get(original.lower(), original)
        new_name = names.claim(original)
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        projection.replace(exp.alias_(inner, _identifier(new_name)))
        mapping.append((original, new_name))
    return mapping


def _identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=name in RESERVED)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
