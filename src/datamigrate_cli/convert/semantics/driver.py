"""The walk: every node of the tree, children before parents, through the rewrite for its type.

Each subject module (numbers, strings, dates, casts, collation, queries) lists its rewrites in
`HANDLERS` (by node type) and `FUNCTIONS` (functions sqlglot leaves anonymous, by name).
"""

from __future__ import annotations

from sqlglot import exp

from ...model.issues import Issue
from ...targets import TARGETS, Target, get_target
from . import casts, collation, dates, numbers, queries, strings
from .context import Context, Handler
from .operands import T

_FUNCTIONS: dict[str, Handler] = numbers.FUNCTIONS | strings.FUNCTIONS | dates.FUNCTIONS


def _anonymous(node: exp.Anonymous, context: Context) -> exp.Expression | None:
    handler = _FUNCTIONS.get(node.name.upper())
    return handler(node, context) if handler else None


_HANDLERS: dict[type, Handler] = {
    **numbers.HANDLERS,
    **collation.HANDLERS,
    **casts.HANDLERS,
    **strings.HANDLERS,
    **dates.HANDLERS,
    **queries.HANDLERS,
    exp.Anonymous: _anonymous,
}
"""Node type -> its rewrite; each returns a replacement node, or None after editing in place."""


def rewrite(tree: exp.Expr, target: Target | str) -> list[Issue]:
    """Rewrite `tree` in place so that `tree.sql(dialect=target.dialect)` means what the T-SQL meant.

    `target` is a Target, or the name or sqlglot dialect of one. Returns what could not be made
    exact, in the order found, each with the line (in the text the tree was parsed from) of the
    node it is about, when known. The tree must be qualified and annotated with T-SQL types (see
    the package docstring). Raises InputError for an unknown target name.
    """
    context = Context(target=_resolve(target), flags=[])
    if context.target.tsql_native:
        return context.flags  # SQL Server (or Fabric) as the target: the T-SQL means what it says
    nodes = list(tree.walk(bfs=False))
    for node in reversed(nodes):  # children before parents: a parent sees rewritten arguments
        handler = _HANDLERS.get(type(node))
        if handler is None:
            continue
        context.node = node
        replacement = handler(node, context)
        if replacement is not None and replacement is not node:
            if replacement.type is None or replacement.type.this == T.UNKNOWN:
                replacement.type = node.type
            if node is tree:
                _become(node, replacement)
            else:
                node.replace(replacement)
    return context.flags


def _resolve(target: Target | str) -> Target:
    if isinstance(target, Target):
        return target
    by_dialect = next((t for t in TARGETS.values() if t.dialect == target), None)
    return by_dialect or get_target(target)


def _become(node: exp.Expr, replacement: exp.Expression) -> None:
    """Turn the root node into its replacement (the caller holds the root, so it cannot be swapped)."""
    for key in list(node.args):
        node.set(key, None)
    for key, value in replacement.args.items():
        node.set(key, value)
