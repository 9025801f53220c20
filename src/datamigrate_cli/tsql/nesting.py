"""How deeply a T-SQL text nests: parentheses, CASE ... END and BEGIN ... END.

The readers behind conversion (sqlglot's parser and generator, the block reader of procedure
bodies) recurse at least once per level, so a text nested some hundreds of levels deep ends them
in a RecursionError. Such a text is set aside before it reaches them: the one object is flagged
(DM907) and the run goes on. SQL Server itself refuses deep nesting (error 191, "Some part of your
SQL statement is nested too deeply"; CASE only to 10 levels), so real code stays far below it.
"""

from __future__ import annotations

from .lexer import tokens

MAX_NESTING = 256
"""The deepest nesting converted: every stage, dbt and the targets were tried with it."""

_NOT_BLOCKS = frozenset({"TRAN", "TRANSACTION", "DISTRIBUTED", "DIALOG", "CONVERSATION"})
"""BEGIN followed by one of these opens no block that an END closes."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of parentheses, CASE ... END and BEGIN ... END blocks in `text`
    (strings, quoted names and comments do not count). Reads the text once, without recursion."""
    depth = deepest = 0
    previous = ""
    for token in tokens(text):
        word = token.word if token.kind == "word" else ""
        if previous == "BEGIN" and word not in _NOT_BLOCKS:
            depth += 1  # the block BEGIN opened, known one word later: BEGIN TRAN opens none
            deepest = max(deepest, depth)
        if token.kind == "open" or word == "CASE":
            depth += 1
        elif token.kind == "close" or word == "END":
            depth = max(depth - 1, 0)
        deepest = max(deepest, depth)
        previous = word
    return deepest


def too_deep(text: str | None) -> int | None:
    """The text's nesting depth when it is deeper than MAX_NESTING, else None."""
    if not text:
        return None
    upper = text.upper()
    if text.count("(") + upper.count("CASE") + upper.count("BEGIN") <= MAX_NESTING:
        return None  # cannot nest deeper than it has openings: most texts stop here, unread
    depth = nesting_depth(text)
    return depth if depth > MAX_NESTING else None
