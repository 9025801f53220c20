"""T-SQL semantics on other warehouses: rewrites of a qualified, type-annotated T-SQL tree.

sqlglot transpiles T-SQL syntax well but not always its meaning: `'a' + 'b'` stays `+`, LEN
counts trailing spaces, DATEDIFF counts elapsed time instead of boundaries crossed, CONVERT
ignores the target length, comparisons become case-sensitive. `rewrite` walks the tree once,
children before parents, and replaces each such node by an expression that means on the
target what it meant on SQL Server. The rewrites are split by subject (`numbers`, `strings`,
`dates`, `casts`, `collation`, `queries`); the target-specific SQL they write is data of the
target (`targets.Semantics`: templates written in the target dialect, `{x}` marking where an
argument goes, and flags), so no rewrite tests a target's name. What cannot be made exact is
returned as an `Issue` (a DM2xx code of the catalogue in `model/issues.py`), never approximated.

The tree must come from `qualify` + `annotate_types(..., dialect="tsql")`: the rewrites read
the SQL Server types (`node.type`) that the Catalog gave the columns.
"""

from __future__ import annotations

from .context import fill, source_line
from .driver import rewrite

__all__ = ["fill", "rewrite", "source_line"]
