"""What every rewrite is handed: the target, the flags found so far, and template filling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from ...model.issues import Issue
from ...targets import Semantics, Target


@dataclass
class Context:
    target: Target
    flags: list[Issue]
    node: exp.Expr | None = None
    """The node being rewritten: a flag takes its line."""

    @property
    def dialect(self) -> str:
        return self.target.dialect

    @property
    def semantics(self) -> Semantics:
        return self.target.semantics

    def flag(self, code: str, message: str) -> None:
        """Record an issue once (the same code and message twice is one flag), at the node's line."""
        if all((f.code, f.message) != (code, message) for f in self.flags):
            self.flags.append(Issue(code, message, source_line(self.node) if self.node else None))

    def template(
        self, text: str | None, what: str, **args: exp.Expression | str | int
    ) -> exp.Expression | None:
        """The target's template `text` with the arguments put in; None (flagged DM208) when the
        target has no such template."""
        if text is None:
            self.flag("DM208", f"{what} has no rewrite for {self.dialect}")
            return None
        return fill(text, self.dialect, **args)


Handler = Callable[..., exp.Expression | None]
"""A rewrite: (node, Context) -> a replacement node, or None after editing the node in place."""


def source_line(node: exp.Expr) -> int | None:
    """The line `node` (or the first name inside it) was on in the parsed text, or None."""
    for candidate in (node, *node.find_all(exp.Identifier)):
        line = candidate.meta.get("line") if candidate._meta else None
        if line is not None:
            return line
    return None


@lru_cache(maxsize=512)
def _parse_template(text: str, dialect: str) -> exp.Expression:
    tree = sqlglot.parse_one(text, read=dialect)
    assert isinstance(tree, exp.Expression)  # every parsed node is; sqlglot types it as the Expr trait
    return tree


def fill(text: str, dialect: str, **args: exp.Expression | str | int) -> exp.Expression:
    """Parse a template written in `dialect`; `{name}` takes an expression (copied at each use)
    or a string/number spliced into the text (for format strings and sizes)."""
    nodes = {name: value for name, value in args.items() if isinstance(value, exp.Expression)}
    texts = {name: str(value) for name, value in args.items() if not isinstance(value, exp.Expression)}
    marked = text.format(**texts, **{name: f"__dm_arg_{name}" for name in nodes})
    tree = _parse_template(marked, dialect).copy()
    for column in list(tree.find_all(exp.Column)):
        if not column.table and column.name.startswith("__dm_arg_"):
            column.replace(nodes[column.name.removeprefix("__dm_arg_")].copy())
    return tree
