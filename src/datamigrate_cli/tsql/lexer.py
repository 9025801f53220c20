"""The T-SQL lexer: one token pattern for every reader of T-SQL text in datamigrate.

Comments are skipped, and a block comment ends where T-SQL ends it: `/* a /* b */ c */` is one
comment (block comments nest). Strings, quoted names and comments are read whole, so a keyword in
them is never a word. The script splitter and the block reader both scan with TOKEN; the script
splitter also skips a parenthesised run in one match of TO_NEXT_PAREN, which keeps a 1 MB script of
INSERTs cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# Kinds of token, the names of TOKEN's groups.
STRING, QUOTED, COMMENT, WORD, NUMBER, OPEN, CLOSE, SEMI, OTHER = (
    "string",
    "quoted",
    "comment",
    "word",
    "number",
    "open",
    "close",
    "semi",
    "other",
)

TOKEN = re.compile(
    r"""
      (?P<string>N?'(?:[^']|'')*+'?)
    | (?P<quoted>"(?:[^"]|"")*+"?|\[(?:[^\]]|\]\])*+\]?)
    | (?P<comment>--[^\n]*+|/\*.*?(?:\*/|\Z))
    | (?P<word>[^\W\d][\w@#$]*+|[@#][\w@#$]*+)
    | (?P<number>\d[\w.]*+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<semi>;)
    | (?P<other>[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)
"""One token: a string (N'..'), a quoted name ("..", [..]), a comment, a word (a keyword, a name,
an @variable, @@function or #temp table: T-SQL's regular identifiers), a number, a parenthesis, a
semicolon or any other mark. An unterminated string, name or comment runs to the end of the text.
A block comment's match stops at its first `*/`: comment_end finds where a nested one ends."""

# Inside parentheses only the depth matters: one match runs to the next parenthesis or block comment
# that counts, over strings, quoted names and line comments whole. Possessive: no backtracking.
TO_NEXT_PAREN = re.compile(
    r"""(?:[^()'"\[\-/]++|'(?:[^']|'')*+'?|"(?:[^"]|"")*+"?|\[(?:[^\]]|\]\])*+\]?|--[^\n]*+|-|/(?!\*))*+
        (?P<mark>[()]|/\*)""",
    re.VERBOSE,
)
_COMMENT_MARK = re.compile(r"/\*|\*/")


class Token(NamedTuple):  # a NamedTuple: a body makes one per token
    kind: str
    word: str
    """Upper-cased text for words, the text otherwise."""
    start: int
    end: int


def comment_end(text: str, start: int) -> int:
    """Where the block comment opened at `start` ends, counting the comments opened inside it
    (the end of the text for one never closed)."""
    depth = 0
    for mark in _COMMENT_MARK.finditer(text, start):
        depth += 1 if mark.group() == "/*" else -1
        if depth == 0:
            return mark.end()
    return len(text)


def skip_comment(text: str, found: re.Match[str]) -> int:
    """Where the comment TOKEN found ends: its match's end, or for a block comment with another
    opened inside it, the end of the outermost one."""
    comment = found.group()
    if comment.startswith("/*") and "/*" in comment[2:]:
        return comment_end(text, found.start())
    return found.end()


def tokens(text: str) -> Iterator[Token]:
    """The text's tokens in order, comments left out."""
    position = 0
    search = TOKEN.search
    while True:
        found = search(text, position)
        if found is None:
            return
        kind = found.lastgroup or OTHER
        if kind == COMMENT:
            position = skip_comment(text, found)
            continue
        position = found.end()
        value = found.group()
        yield Token(kind, value.upper() if kind == WORD else value, found.start(), position)


def words(text: str, limit: int | None = None, *, numbers: bool = False) -> list[str]:
    """The text's words upper-cased (and its numbers, with numbers=True), outside strings, quoted
    names and comments; at most `limit` of them."""
    found: list[str] = []
    for token in tokens(text):
        if token.kind == WORD or (numbers and token.kind == NUMBER):
            found.append(token.word)
            if limit is not None and len(found) >= limit:
                break
    return found
