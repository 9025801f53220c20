"""A SQL Server view -> the SELECT of a dbt model in the target dialect.

sqlglot parses the T-SQL and qualifies every column against the Catalog; then our own rewrites
turn table references into `ref()` calls, column names into the staging models' snake_case
names; `semantics.rewrite` makes the expressions mean on the target what they meant on SQL
Server. What cannot be converted is returned as issues (DM2xx codes), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema, normalize_name

from ..model.catalog import Column, ObjectName, View
from ..model.issues import Issue, Severity
from ..project.escape import inert, jinja_string
from ..targets import Target
from . import semantics
from .naming import RESERVED, NameSpace

if TYPE_CHECKING:
    from .functions import Macro

_TSQL = Dialect.get_or_raise("tsql")
_PLACEHOLDER = "__datamigrate_ref_{}__"
_SQLSERVER_ONLY_TYPES = {"money", "smallmoney", "uniqueidentifier", "smalldatetime", "tinyint", "bit"}


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
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    """Original output name, lower-cased -> SQL Server type, so views reading this one are typed too."""


def sqlserver_type(column: Column) -> str:
    """The column's type as T-SQL spells it, for sqlglot's type annotation."""
    if column.data_type == "computed":
        return "UNKNOWN"
    if column.max_length is not None:
        return f"{column.data_type}({'max' if column.max_length < 0 else column.max_length})"
    if column.precision is not None and column.data_type in {"decimal", "numeric"}:
        return f"{column.data_type}({column.precision},{column.scale or 0})"
    return column.data_type


def parse_view(view: View) -> exp.Query | Issue:
    """The SELECT of a CREATE VIEW statement, or why sqlglot could not read it (a DM906 issue)."""
    first_line = view.source.line if view.source else None
    try:
        statement = sqlglot.parse_one(view.definition, read="tsql")
    except SqlglotError as exc:
        errors = getattr(exc, "errors", None) or [{}]
        line = _absolute(errors[0].get("line"), first_line)
        message = error_line(exc) if line is None else re.sub(r"\s*Line \d+, Col: \d+\.", "", error_line(exc))
        return Issue("DM906", f"sqlglot could not parse the view: {message}", line)
    query = statement.expression if isinstance(statement, exp.Create) else None
    if not isinstance(query, exp.Query):
        return Issue(
            "DM906",
            "sqlglot could not parse the view: the statement is not CREATE VIEW ... AS SELECT",
            first_line,
        )
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


def convert_view(
    query: exp.Query | Issue,
    relations: dict[str, Relation],
    target: Target,
    macros: dict[str, Macro] | None = None,
    first_line: int | None = None,
    copy: bool = True,
) -> ViewConversion:
    """Convert one view, given what `parse_view` returned for it (the tree is not modified, unless
    `copy=False` says no one reads it afterwards: converting a large schema, a copy costs).

    `macros` are the scalar functions converted to macros, by lower-case schema.name: calls to them
    become macro calls. Problems are returned in `errors` (the model must stay disabled). With
    `first_line` (the source line the view's statement starts on), issues carry absolute lines.
    """
    result = ViewConversion()
    if isinstance(query, Issue):
        result.errors.append(query)
        return result
    reads = referenced_names(query)
    missing = {key for key in reads if key not in relations}  # not `reads - keys()`: that walks every key
    unknown_tables = [
        table
        for table in query.find_all(exp.Table)
        if ObjectName(schema=table.db or "dbo", name=table.name).key in missing
    ]
    if unknown_tables:
        unknown = sorted({f"{table.db or 'dbo'}.{table.name}" for table in unknown_tables})
        result.errors.append(
            Issue(
                "DM210",
                "reads "
                + ", ".join(unknown)
                + ", which is neither a table nor a convertible view of the Catalog",
                _line(unknown_tables[0], first_line),
            )
        )
        return result

    if copy:
        query = query.copy()
    calls = _macro_placeholders(query, macros or {})
    # Read the view as written before qualify renames its nodes in place.
    spelling = _original_spelling(query, relations, reads)
    flagged = ViewConversion()
    _flag_unsupported(query, flagged, calls, first_line)
    if not target.tsql_native:
        _flag_dropped(query, flagged, first_line)
    # built once, used twice; its names are normalized already (see _sqlglot_schema)
    parts = {  # schema and name apart: a key cannot be split back, as a name may hold a dot
        ObjectName(schema=table.db or "dbo", name=table.name).key: (table.db or "dbo", table.name)
        for table in query.find_all(exp.Table)
        if table.name
    }
    reads_parts = {key: parts[key] for key in reads if key in parts}
    schema = MappingSchema(_sqlglot_schema(relations, reads_parts), dialect=_TSQL, normalize=False)
    try:
        qualified = annotate(query, schema, copy=False)
    except (OptimizeError, SqlglotError) as exc:
        result.errors.append(
            Issue("DM211", f"a column could not be resolved against the Catalog: {error_line(exc)}")
        )
        return result

    output_names = _output_names(qualified)
    for node in qualified.find_all(exp.Anonymous):
        if node.name.lower() in calls:
            node.type = exp.DataType.build(calls[node.name.lower()].return_type, dialect="tsql")
    result.types = _output_types(qualified, output_names)
    result.errors, result.warnings = flagged.errors, flagged.warnings
    if result.errors:
        return result
    for issue in semantics.rewrite(qualified, target):
        issue = Issue(issue.code, issue.message, _absolute(issue.line, first_line))
        (result.errors if issue.severity == Severity.ERROR else result.warnings).append(issue)
    if result.errors:
        return result
    _target_types(qualified, target)
    _rollup_syntax(qualified, target)
    placeholders = _rewrite_relations(qualified, relations, result, first_line)
    if result.errors:
        return result
    result.columns = _alias_outputs(qualified, output_names, spelling)

    markers = _macro_calls(qualified, calls, target.dialect)
    sql = qualified.sql(dialect=target.dialect, pretty=True, copy=False)  # the tree is ours, read no more
    try:
        sqlglot.parse_one(sql, read=target.dialect)
    except SqlglotError as exc:
        result.errors.append(
            Issue("DM214", f"the converted SQL does not parse as {target.dialect}: {error_line(exc)}")
        )
        return result
    sql = inert(sql)
    for placeholder, model in placeholders.items():
        sql = sql.replace(f'"{placeholder}"', placeholder).replace(placeholder, f"{{{{ ref('{model}') }}}}")
    for marker, call in markers.items():
        sql = re.sub(rf'"?\b{marker}\b"?', lambda _, call=call: f"{{{{ {call} }}}}", sql)  # type: ignore[misc]  # mypy cannot infer a lambda with a default
    result.sql = sql
    return result


def annotate(query: exp.Query, schema: dict | MappingSchema, copy: bool = True) -> exp.Query:
    """A qualified copy of `query` with SQL Server types on every node (what the rewrites read);
    with `copy=False`, `query` itself, qualified.

    Raises OptimizeError or SqlglotError when a column cannot be resolved.
    """
    query = query.copy() if copy else query
    for table in query.find_all(exp.Table):
        if table.name and not table.alias and not _parses_as_identifier(table.name):
            # qualify would alias the table by its name and parse that name as SQL (`a;b`): alias it first
            table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
    qualified = qualify(
        query,
        schema=schema,
        db="dbo",
        dialect="tsql",
        quote_identifiers=False,
        validate_qualify_columns=True,
    )
    annotate_types(qualified, schema=schema, dialect="tsql")
    return qualified


@lru_cache(maxsize=1 << 16)
def _parses_as_identifier(name: str) -> bool:
    """Whether sqlglot reads `name`, as text, back as one identifier (`a;b` it reads as two statements)."""
    try:
        return isinstance(exp.parse_identifier(name, dialect=_TSQL), exp.Identifier)
    except (SqlglotError, TypeError):  # TypeError: what sqlglot raises when the text is no identifier
        return False


def _sqlglot_schema(relations: dict[str, Relation], reads: dict[str, tuple[str, str]]) -> dict:
    """The relations the view reads (key -> its schema and name) as a sqlglot schema, its names
    already normalized as MappingSchema would (cached: views read the same relations), so each
    view's MappingSchema need not redo it."""
    schema: dict[str, dict[str, dict[str, exp.DataType]]] = {}
    for key, (owner, name) in reads.items():
        relation = relations[key]
        schema.setdefault(_normalized(owner, True), {})[_normalized(name, True)] = {
            _normalized(column, False): _data_type(relation.types.get(column, "UNKNOWN"))
            for column in relation.columns
        }
    return schema


@cache
def _data_type(text: str) -> exp.DataType:
    """What MappingSchema makes of a type string, made once for all views (the trees share it as
    they share it within one view: a node's type is read, never changed in place)."""
    data_type = exp.DataType.from_str(text, dialect=_TSQL, udt=_TSQL.SUPPORTS_USER_DEFINED_TYPES)
    return data_type.transform(_TSQL.normalize_identifier, copy=False)


@lru_cache(maxsize=1 << 16)  # the names of the relations views read, more than a large schema has
def _normalized(name: str, is_table: bool) -> str:
    """A name as MappingSchema normalizes it (T-SQL: lower case). Given as an identifier, never as text
    to parse: a name such as `a;b` is no identifier to sqlglot's parser."""
    return normalize_name(exp.to_identifier(name), dialect=_TSQL, is_table=is_table).name


def _original_spelling(query: exp.Query, relations: dict[str, Relation], keys: set[str]) -> dict[str, str]:
    """Lower-cased name -> as its author spelled it (sqlglot folds T-SQL names to lower case)."""
    spelling: dict[str, str] = {}
    for identifier in query.find_all(exp.Identifier):
        spelling.setdefault(identifier.name.lower(), identifier.name)
    for key in keys:
        for lower, original in relations[key].originals.items():
            spelling.setdefault(lower, original)
    return spelling


def _first_select(query: exp.Expr) -> exp.Select | None:
    """The SELECT whose projections name a query's output columns (the left-most of a UNION)."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def _output_names(query: exp.Query) -> list[str]:
    first = _first_select(query)
    return list(first.named_selects) if first is not None else []


def _macro_placeholders(query: exp.Query, macros: dict[str, Macro]) -> dict[str, Macro]:
    """Calls of functions converted to macros -> placeholder functions `dm_macro_<n>(args)`, in
    `query` itself, innermost first, so a call inside another's arguments is found too."""
    calls: dict[str, Macro] = {}

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
            macro = macros.get(f"{node.this.name}.{node.expression.name}".lower())
            if macro is not None:
                placeholder = f"dm_macro_{len(calls)}"
                calls[placeholder] = macro
                return exp.Anonymous(this=placeholder, expressions=node.expression.expressions)
        return node

    if not macros:
        return calls
    for node in sorted(query.find_all(exp.Dot), key=lambda node: -node.depth):  # the deepest first
        replaced = replace(node)
        if replaced is not node:
            node.replace(replaced)
    return calls


def _macro_calls(tree: exp.Expr, calls: dict[str, Macro], dialect: str) -> dict[str, str]:
    """Each macro placeholder in the converted tree -> a one-word marker; returns marker -> the
    Jinja call `{{ schema__function('arg sql', ...) }}`, its arguments rendered in the target's
    dialect (a nested call becomes a nested macro call)."""
    markers: dict[str, str] = {}
    placeholders = [node for node in tree.find_all(exp.Anonymous) if node.name.lower() in calls]
    for node in sorted(placeholders, key=lambda node: -node.depth):
        arguments = [_jinja_text(argument.sql(dialect=dialect), markers) for argument in node.expressions]
        marker = f"dm_call_{len(markers)}"
        markers[marker] = f"{calls[node.name.lower()].name}({', '.join(arguments)})"
        node.replace(exp.column(marker))
    return markers


def _jinja_text(sql: str, markers: dict[str, str]) -> str:
    """SQL text as a Jinja expression: string literals, joined with `~` to nested macro calls."""
    parts = re.split(r'"?\b(dm_call_\d+)\b"?', sql)
    pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(markers[part])
        elif part or len(parts) == 1:
            pieces.append(jinja_string(part))
    return " ~ ".join(pieces)


def _output_types(query: exp.Query, names: list[str]) -> dict[str, str]:
    """The SQL Server type of each output column sqlglot could infer (before any rewrite)."""
    first = _first_select(query)
    if first is None:
        return {}
    types = {}
    for name, projection in zip(names, first.expressions, strict=False):
        data_type = projection.type
        if data_type is not None and data_type.this not in (exp.DType.UNKNOWN, exp.DType.NULL):
            types[name.lower()] = data_type.sql("tsql")
    return types


def _flag_dropped(tree: exp.Expr, result: ViewConversion, first_line: int | None) -> None:
    """What sqlglot reads and then leaves out of the target's SQL without a word, so that the model
    would compute something else: FOR JSON / FOR XML (one document becomes rows), ROUND's third
    argument (truncating becomes rounding). Errors: the model stays disabled (DM219)."""
    for clause in tree.find_all(exp.ForClause):
        kind = str(clause.args.get("kind") or "").upper() or "FOR"
        result.errors.append(
            Issue("DM219", f"FOR {kind} builds one document from the rows; no rewrite here, and the target "
                  "would return the rows instead", _line(clause, first_line))
        )  # fmt: skip
    for rounded in tree.find_all(exp.Round):
        truncate = rounded.args.get("truncate")
        if truncate is not None and not (isinstance(truncate, exp.Literal) and truncate.name in {"0", "0.0"}):
            result.errors.append(
                Issue("DM219", "ROUND(x, n, f) with f other than 0 truncates; no rewrite here, and the target "
                      "would round", _line(rounded, first_line))
            )  # fmt: skip


def _flag_unsupported(
    tree: exp.Expr, result: ViewConversion, calls: dict[str, Macro], first_line: int | None
) -> None:
    """Problems found in the view as written (so messages name things as its author did)."""
    for function in tree.find_all(exp.Anonymous):
        if function.name.lower() in calls:
            continue
        if isinstance(function.parent, exp.Dot):
            name = f"{function.parent.this.name}.{function.name}"
            message = (
                f"calls the user-defined function {name}(), which could not become a macro "
                "(see its entry in the report): convert it by hand or inline it"
            )
            found, code = result.errors, "DM217"
        else:
            message = f"function {function.name}() has no known equivalent and was passed through unchanged"
            found, code = result.warnings, "DM216"
        if all(issue.message != message for issue in found):
            found.append(Issue(code, message, _line(function, first_line)))
    for group in tree.find_all(exp.Group):
        if group.args.get("rollup") or group.args.get("cube"):
            result.warnings.append(
                Issue(
                    "DM215",
                    "GROUP BY ... WITH ROLLUP/CUBE: check the subtotal rows on the target",
                    _line(group, first_line),
                )
            )
            break


def _target_types(tree: exp.Expr, target: Target) -> None:
    """SQL Server-only type names in casts (MONEY, SMALLMONEY, ...) -> the target's own types."""
    for data_type in list(tree.find_all(exp.DataType)):
        name = data_type.sql("tsql").lower()
        mapped = target.types.get(name)
        if name in _SQLSERVER_ONLY_TYPES and mapped is not None:
            data_type.replace(exp.DataType.build(mapped, dialect=target.dialect))


def _rollup_syntax(tree: exp.Expr, target: Target) -> None:
    """`GROUP BY a, b WITH ROLLUP` (T-SQL only) -> `GROUP BY ROLLUP (a, b)` (also CUBE)."""
    if target.tsql_native:
        return
    for group in tree.find_all(exp.Group):
        for kind, node in (("rollup", exp.Rollup), ("cube", exp.Cube)):
            marker = group.args.get(kind)
            if marker and all(not m.expressions for m in marker) and group.expressions:
                group.set(kind, None)
                group.set("expressions", [node(expressions=[e.copy() for e in group.expressions])])


def _rewrite_relations(
    tree: exp.Expr, relations: dict[str, Relation], result: ViewConversion, first_line: int | None
) -> dict[str, str]:
    """Tables -> ref() placeholders, columns -> model column names, aliases -> snake_case."""
    placeholders: dict[str, str] = {}
    rewritten: dict[int, tuple[Relation, str]] = {}
    """id(table node) -> (relation, new alias): an outer table is a source of inner scopes too."""
    renamed_columns: set[int] = set()
    for scope in traverse_scope(tree):
        alias_names = NameSpace(RESERVED)  # an alias `group` would need quotes: `group_2`
        models: dict[str, tuple[Relation, str]] = {}
        for alias, source in scope.sources.items():
            if not isinstance(source, exp.Table):
                continue
            if id(source) not in rewritten:
                relation = relations.get(ObjectName(schema=source.db or "dbo", name=source.name).key)
                if relation is None:  # a recursive CTE reading itself, say
                    result.errors.append(
                        Issue(
                            "DM212",
                            f"reads {source.name}, which could not be resolved (a recursive CTE?)",
                            _line(source, first_line),
                        )
                    )
                    return placeholders
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
                result.errors.append(
                    Issue(
                        "DM213",
                        f"column {column.table}.{column.name} is not in the table it reads",
                        _line(column, first_line),
                    )
                )
                continue
            column.set("this", _identifier(new_name))
            column.set("table", exp.to_identifier(new_alias))
    return placeholders


def _alias_outputs(
    tree: exp.Expr, output_names: list[str], spelling: dict[str, str]
) -> list[tuple[str, str]]:
    """Give every output column of the view an explicit snake_case alias; return (original, new)."""
    names = NameSpace()
    mapping: list[tuple[str, str]] = []
    first = _first_select(tree)
    if first is None:
        return mapping
    aliased = []
    for position, projection in enumerate(first.expressions):
        original = output_names[position] if position < len(output_names) else projection.alias_or_name
        original = spelling.get(original.lower(), original)
        new_name = names.claim(original)
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        aliased.append(exp.alias_(inner, _identifier(new_name), copy=False))
        mapping.append((original, new_name))
    first.set("expressions", aliased)  # the projections move into their aliases: nothing is copied
    # ORDER BY may name an output by its alias (a procedure's result set does): follow the rename.
    renamed = {original.lower(): new for original, new in mapping}
    order = tree.args.get("order")
    for column in order.find_all(exp.Column) if order is not None else ():
        if not column.table and column.name.lower() in renamed:
            column.set("this", _identifier(renamed[column.name.lower()]))
    return mapping


def _identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=name in RESERVED)


def _line(node: exp.Expression, first_line: int | None) -> int | None:
    """The source line of `node` (or of the first name inside it), given where the view starts."""
    return _absolute(semantics.source_line(node), first_line)


def _absolute(line: int | None, first_line: int | None) -> int | None:
    return None if line is None or first_line is None else first_line + line - 1


def error_line(exc: Exception) -> str:
    """An exception's first line, for an issue message (its type when it says nothing)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
