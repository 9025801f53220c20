"""Where a T-SQL statement ends: the one splitter, driven by the keyword table (tsql/keywords.py).

A statement ends at a semicolon at its top level, or before a word that begins the next one. The
script reader (tsql/script.py) splits whole batches with it; the block reader (tsql/blocks.py)
finds each statement of a body with it, so `convert` and `assess` read statements as `extract` does.
Inside parentheses only the depth matters: a parenthesised run is skipped in one regular-expression
match, which keeps a script of a million INSERTs cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .keywords import (
    ABSORBS,
    CONTINUES_AFTER,
    FOREIGN_KEY_ACTIONS,
    KEEPS_ABSORBING,
    MODULE_KINDS,
    NAME_MARKS,
    NEEDS_NEXT,
    NOT_BEFORE,
    STARTS,
    SWITCHES,
)
from .lexer import COMMENT, OPEN, OTHER, QUOTED, SEMI, TO_NEXT_PAREN, TOKEN, WORD, comment_end, skip_comment

_SWITCH_WORDS = frozenset(word for _, word in SWITCHES)
# Words the scan looks at more closely; every other word only becomes the previous word.
_NOTABLE = STARTS | _SWITCH_WORDS | MODULE_KINDS | {"CASE", "END"}
_MODULE_STARTS = frozenset({"CREATE", "ALTER"})
_MODULE_AFTER = frozenset({"OR", "ALTER"})  # CREATE OR ALTER VIEW


class Piece(NamedTuple):
    start: int
    end: int
    """Where the statement's text ends: at its semicolon, at the next statement's first word, or at
    the end of the text."""
    first: str
    """Its first word, upper-cased ("" when it begins with another token)."""
    resume: int
    """Where the next statement is looked for: after the semicolon, or at the next statement's word."""
    module: bool
    """It creates a view, procedure, function or trigger, which takes the rest of the text."""


def split(text: str, *, modules: bool = False) -> Iterator[tuple[int, int, str, int, bool]]:
    """The statements of the text in order, as the fields of a Piece (plain tuples: a script of a
    million INSERTs makes a million); empty ones (a lone semicolon) left out.

    With `modules`, CREATE [OR ALTER] VIEW / PROCEDURE / FUNCTION / TRIGGER takes the rest of the text,
    as it takes the rest of a batch.
    """
    return _scan(text, 0, None, modules=modules, condition=False)


def statement_end(text: str, position: int, first: str, *, condition: bool = False) -> Piece:
    """The statement whose first word `first` ends just before `position` ("" when the statement
    does not begin with a word: then `position` is at its first token).

    With `condition`, the text is an IF or WHILE condition: it ends before the first word that
    begins a statement, and before (not after) a semicolon.
    """
    return Piece(*next(_scan(text, position, first, modules=False, condition=condition)))


def _scan(
    text: str, position: int, first: str | None, *, modules: bool, condition: bool
) -> Iterator[tuple[int, int, str, int, bool]]:
    # One loop for every statement of the text: a script of a million INSERTs makes a million
    # statements, so the loop is written for speed (locals, one dictionary look-up per word).
    length = len(text)
    search = TOKEN.search
    to_paren = TO_NEXT_PAREN.match
    switches = SWITCHES.get
    start = position
    before = ""
    while True:
        while first is None:  # between statements: the next token that is not a comment begins one
            found = search(text, position)
            if found is None:
                return
            kind = found.lastgroup
            position = found.end()
            if kind == COMMENT:
                position = skip_comment(text, found)
            elif kind == WORD:
                start, first = found.start(), found.group().upper()
            elif kind != SEMI:
                start, first = found.start(), ""
                position = start  # read the token itself below (an opening parenthesis counts)
        mode = previous = first
        depth = cases = 0
        while True:
            if depth:  # no word inside parentheses begins a statement: skip to the next parenthesis
                run = to_paren(text, position)
                if run is None:
                    yield start, length, first, length, False
                    return
                mark = run.group("mark")
                if mark == "/*":
                    position = comment_end(text, run.start("mark"))
                    continue
                position = run.end()
                depth += 1 if mark == "(" else -1
                before, previous = previous, ")"
                continue
            found = search(text, position)
            if found is None:
                yield start, length, first, length, False
                return
            kind = found.lastgroup
            position = found.end()
            if kind == WORD:
                word = found.group().upper()
                if word in _NOTABLE:
                    if word == "CASE":
                        cases += 1
                    elif cases:
                        if word == "END":
                            cases -= 1
                    elif (switched := switches((mode, word))) is not None:
                        mode = switched
                    elif word in STARTS and previous not in NAME_MARKS and _begins(word, text, position):
                        if not condition and _continues(word, previous, before, text, position):
                            pass
                        elif not condition and word in ABSORBS.get(mode, ()):
                            mode = mode if mode in KEEPS_ABSORBING else word
                        else:
                            yield start, found.start(), first, found.start(), False
                            start, first, mode = found.start(), word, word
                    elif (
                        modules
                        and word in MODULE_KINDS
                        and first in _MODULE_STARTS
                        and (previous == first or previous in _MODULE_AFTER)
                    ):
                        yield start, length, first, length, True
                        return
                before, previous = previous, word
            elif kind == SEMI:
                yield start, found.start(), first, found.start() if condition else position, False
                first = None
                break
            elif kind == OPEN:
                depth = 1
                before, previous = previous, "("
            elif kind == COMMENT:
                position = skip_comment(text, found)
            else:  # a mark is kept as itself (NAME_MARKS), any other token as its kind: never a keyword
                before, previous = previous, found.group() if kind == OTHER else kind or ""


def _continues(word: str, previous: str, before: str, text: str, position: int) -> bool:
    after = CONTINUES_AFTER.get(word)
    if after is None or not (previous in after or f"{before} {previous}" in after):
        return False
    if previous == "ON" and word in {"DELETE", "UPDATE"}:  # not SET NOCOUNT ON, then UPDATE t
        return _next_word(text, position) in FOREIGN_KEY_ACTIONS
    if word == "IF":  # DROP <kind> IF EXISTS name: a name follows, never IF EXISTS (SELECT ...)
        exists = _next_token(text, position)
        if exists is None or exists.group().upper() != "EXISTS":
            return False
        name = _next_token(text, exists.end())
        return name is not None and name.lastgroup != OPEN
    return True


def _begins(word: str, text: str, position: int) -> bool:
    """The words a start word needs after it (ENABLE TRIGGER, WITH name AS (...)), looked up only
    for the few start words that have such a rule."""
    if word == "WITH":
        return begins_cte(text, position)
    needs = NEEDS_NEXT.get(word)
    if needs is not None:
        return _next_word(text, position) in needs
    not_before = NOT_BEFORE.get(word)
    return not_before is None or _next_word(text, position) not in not_before


def _next_token(text: str, position: int) -> re.Match[str] | None:
    while True:
        found = TOKEN.search(text, position)
        if found is None or found.lastgroup != COMMENT:
            return found
        position = skip_comment(text, found)


def _next_word(text: str, position: int) -> str:
    found = _next_token(text, position)
    return found.group().upper() if found is not None and found.lastgroup == WORD else ""


def begins_cte(text: str, position: int) -> bool:
    """WITH (ending just before `position`) begins a common table expression: `WITH name AS (`,
    `WITH name (columns) AS (`, or WITH XMLNAMESPACES / CHANGE_TRACKING_CONTEXT (...); not a table
    hint, WITH CHECK, WITH ROLLUP, WITH TIES or an option list."""
    name = _next_token(text, position)
    if name is None or name.lastgroup not in {WORD, QUOTED}:
        return False
    if name.group().upper() in {"XMLNAMESPACES", "CHANGE_TRACKING_CONTEXT"}:
        return True
    after = _next_token(text, name.end())
    if after is not None and after.lastgroup == OPEN:  # the column list, then AS
        after = _next_token(text, _paren_end(text, after.end()))
    if after is None or after.group().upper() != "AS":
        return False
    opening = _next_token(text, after.end())
    return opening is not None and opening.lastgroup == OPEN


def _paren_end(text: str, position: int) -> int:
    """Just after the parenthesis closing the one opened before `position` (or the text's end)."""
    depth = 1
    while depth:
        run = TO_NEXT_PAREN.match(text, position)
        if run is None:
            return len(text)
        mark = run.group("mark")
        if mark == "/*":
            position = comment_end(text, run.start("mark"))
            continue
        position = run.end()
        depth += 1 if mark == "(" else -1
    return position
