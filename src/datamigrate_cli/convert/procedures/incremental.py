"""Incremental loads: the WHERE conditions of an INSERT that read the table it loads (a watermark,
NOT EXISTS, an anti-join) become filters run under is_incremental(), and an UPDATE + INSERT or a
MERGE is checked to be what delete+insert on its key does.
"""

from __future__ import annotations

from sqlglot import exp

from .plan import INCREMENTAL_FILTER
from .recognition import BodyState, reads_table, table_key


def normalised(value: exp.Expr, target_aliases: set[str]) -> str:
    """The value's SQL with the target's columns marked and other qualifiers dropped, so an UPDATE's
    SET and an INSERT's SELECT (each with its own aliases) compare."""

    def strip(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table:
            marked = node.table.lower() in target_aliases
            return exp.column(node.name, table="__target__" if marked else None)
        return node

    return value.copy().transform(strip).sql("tsql").lower()


def inserted_values(query: exp.Query, names: list[str]) -> dict[str, str]:
    """Column -> the value the INSERT's SELECT gives it, normalised (casts left out); the SELECT no
    longer reads the loaded table (its filters are taken out), so no column is the target's."""
    select = query if isinstance(query, exp.Select) else None
    if select is None:
        return {}
    values = {}
    for name, projection in zip(names, select.expressions, strict=False):
        inner = projection.unalias() if isinstance(projection, exp.Alias) else projection
        inner = inner.this if isinstance(inner, exp.Cast) else inner
        values[name] = normalised(inner, set())
    return values


def check_update(
    state: BodyState, updated: dict[str, str], inserted: dict[str, str], keys: tuple[str, ...], line: int
) -> None:
    """One DM308 when delete+insert, which rewrites matched rows whole from the INSERT's values,
    would change them otherwise than the UPDATE does."""
    key_names = {k.lower() for k in keys}
    filled = {c.lower() for c in inserted}
    not_filled = sorted(c for c in updated if c.lower() not in filled)
    set_to = {c.lower(): value for c, value in updated.items()}
    unchanged = [c for c in inserted if c.lower() not in set_to and c.lower() not in key_names]
    other = [c for c, v in inserted.items() if c.lower() in set_to and set_to[c.lower()] != v]
    found = [
        text
        for text, columns in (
            (f"sets {', '.join(not_filled)}, which the INSERT does not fill", not_filled),
            (f"leaves {', '.join(unchanged)} unchanged", unchanged),
            (f"sets {', '.join(other)} to other values than the INSERT", other),
        )
        if columns
    ]
    if found:
        state.flag("DM308", f"the UPDATE {'; '.join(found)}: the model rewrites matched rows whole", line)


def incremental_filters(query: exp.Query, key: str) -> tuple[exp.Query, list[exp.Expr], tuple[str, ...]]:
    """WHERE conjuncts that read the loaded table itself: removed from the query and returned,
    with the loaded table's key columns a NOT EXISTS compares on (for an upsert)."""
    if not isinstance(query, exp.Select) or query.args.get("where") is None:
        return query, [], ()
    conjuncts = (
        list(query.args["where"].this.flatten())
        if isinstance(query.args["where"].this, exp.And)
        else [query.args["where"].this]
    )
    kept = [c for c in conjuncts if not reads_table(c, key)]
    filters = [c for c in conjuncts if reads_table(c, key)]
    if not filters:
        return query, [], ()
    keys: list[str] = []
    for condition in filters:
        exists = condition.this if isinstance(condition, exp.Not) else None
        if not isinstance(exists, exp.Exists):
            continue
        inner = exists.this
        tables = {t.alias_or_name.lower() for t in inner.find_all(exp.Table) if table_key(t) == key}
        for eq in inner.find_all(exp.EQ):
            for side in (eq.this, eq.expression):
                if isinstance(side, exp.Column) and side.table.lower() in tables and side.name not in keys:
                    keys.append(side.name)
    query = query.copy()
    query.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    return query, filters, tuple(keys)


def anti_joins_as_not_exists(query: exp.Query, key: str) -> exp.Query:
    """`LEFT JOIN t AS a ON a.k = s.k ... WHERE a.k IS NULL` (t the loaded table, a read nowhere else)
    as `WHERE NOT EXISTS (SELECT 1 FROM t AS a WHERE a.k = s.k ...)`: the same rows, since a row
    that matched has a.k equal to a value, so not NULL; returns the query unchanged otherwise."""
    if not isinstance(query, exp.Select) or query.args.get("where") is None:
        return query
    for join in query.args.get("joins") or []:
        table, on = join.this, join.args.get("on")
        if (
            join.side != "LEFT"
            or join.kind
            or not isinstance(table, exp.Table)
            or table_key(table) != key
            or on is None
        ):
            continue
        alias = table.alias_or_name.lower()
        compared = {  # columns an equality ANDed into ON compares: not NULL on a matched row
            side.name.lower()
            for eq in (on.flatten() if isinstance(on, exp.And) else [on])
            if isinstance(eq, exp.EQ)
            for side in (eq.this, eq.expression)
            if isinstance(side, exp.Column) and side.table.lower() == alias
        }
        where = query.args["where"].this
        conjuncts = list(where.flatten()) if isinstance(where, exp.And) else [where]
        absent = next(
            (
                c
                for c in conjuncts
                if isinstance(c, exp.Is)
                and isinstance(c.expression, exp.Null)
                and isinstance(c.this, exp.Column)
                and c.this.table.lower() == alias
                and c.this.name.lower() in compared
            ),
            None,
        )
        others = [c for c in conjuncts if c is not absent]
        clauses = [query.args.get(name) for name in ("group", "having", "order", "qualify")]
        parts = [*query.expressions, *others, *(j for j in query.args["joins"] if j is not join), *clauses]
        elsewhere = [
            column
            for part in parts
            if part is not None
            for column in part.find_all(exp.Column)
            if column.table.lower() == alias
        ]
        if absent is None or elsewhere:
            continue
        rewritten = query.copy()
        rewritten.set("joins", [j.copy() for j in query.args["joins"] if j is not join] or None)
        inner = exp.select("1").from_(table.copy()).where(on.copy())
        rewritten.set(
            "where", exp.Where(this=exp.and_(*(c.copy() for c in others), exp.not_(exp.Exists(this=inner))))
        )
        return anti_joins_as_not_exists(rewritten, key)
    return query


def with_filters(query: exp.Query, filters: list[exp.Expr]) -> exp.Query:
    """The query with each filter ANDed to its WHERE, wrapped in the INCREMENTAL_FILTER marker."""
    wrapped = [exp.Anonymous(this=INCREMENTAL_FILTER, expressions=[f.copy()]) for f in filters]
    return query.where(*wrapped, copy=True)
