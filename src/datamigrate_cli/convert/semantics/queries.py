"""Query shapes: CROSS/OUTER APPLY, SELECT ... INTO, TOP (n) PERCENT and TOP ... WITH TIES."""

from __future__ import annotations

from sqlglot import exp

from .context import Context, Handler


def _join(node: exp.Join, context: Context) -> exp.Expression | None:
    """CROSS APPLY -> JOIN LATERAL ... ON TRUE; OUTER APPLY -> LEFT JOIN LATERAL ... ON TRUE
    (sqlglot leaves out the ON TRUE, which DuckDB requires)."""
    lateral = node.this
    if not isinstance(lateral, exp.Lateral) or lateral.args.get("cross_apply") is None:
        return None
    if not context.semantics.lateral_join:
        context.flag("DM208", f"CROSS/OUTER APPLY: {context.dialect} has no LATERAL join")
        return None
    outer = lateral.args["cross_apply"] is False
    lateral.set("cross_apply", None)
    return exp.Join(this=lateral, side="LEFT" if outer else None, on=exp.true())


def _select(node: exp.Select, context: Context) -> exp.Expression | None:
    """SELECT ... INTO: the model is the SELECT (flagged); TOP PERCENT / WITH TIES by a window."""
    if node.args.get("into") is not None:
        context.flag("DM205", "SELECT ... INTO: the INTO table is dropped; the model is the SELECT")
        node.set("into", None)
    limit = node.args.get("limit")
    options = limit.args.get("limit_options") if isinstance(limit, exp.Limit) else None
    if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
        assert isinstance(limit, exp.Limit)  # options come from a Limit only
        return _top_by_window(node, limit, options, context)
    return None


def _top_by_window(
    node: exp.Select, limit: exp.Limit, options: exp.Expression, context: Context
) -> exp.Expression | None:
    """TOP (n) PERCENT keeps ceil(rows * n / 100) rows; WITH TIES keeps rows tied with the last
    one. Neither exists on the targets: number the rows in a window and filter outside."""
    order = node.args.get("order")
    if node.args.get("distinct"):
        context.flag("DM204", "TOP PERCENT/WITH TIES on a DISTINCT query is not rewritten")
        return None
    if order is None:
        context.flag("DM204", "TOP PERCENT without ORDER BY: which rows is up to the plan, as on SQL Server")
    inner = node.copy()
    inner.set("limit", None)
    inner.set("order", None)
    names = list(inner.named_selects)
    over = exp.Window(
        this=exp.RowNumber() if not options.args.get("with_ties") else exp.Rank(),
        order=order.copy() if order is not None else None,
    )
    inner.select(exp.alias_(over, "__dm_rank"), copy=False)
    count = limit.expression.copy()
    if options.args.get("percent"):
        total = exp.Window(this=exp.Count(this=exp.Star()))
        inner.select(exp.alias_(total, "__dm_rows"), copy=False)
        count = exp.func(
            "CEIL",
            exp.Div(
                this=exp.Mul(
                    this=exp.column("__dm_rows"),
                    expression=exp.Cast(this=count, to=exp.DataType.build("DOUBLE")),
                ),
                expression=exp.Literal.number(100),
            ),
        )
    outer = (
        exp.select(*[exp.column(name, table="__dm_top") for name in names])
        .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("__dm_top"))))
        .where(exp.LTE(this=exp.column("__dm_rank", table="__dm_top"), expression=count))
        .order_by(exp.column("__dm_rank", table="__dm_top"))
    )
    return outer


HANDLERS: dict[type, Handler] = {exp.Join: _join, exp.Select: _select}
