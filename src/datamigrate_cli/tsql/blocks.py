"""A T-SQL body (procedure, trigger, batch) read into statements and the blocks around them.

Our own small reader: sqlglot's tokenizer swallows the rest of a line after END, FETCH or EXEC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..model.catalog import Routine

TOKEN = re.compile(
    r"""
      (?P<string>N?'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|\[(?:[^\]]|\]\])*\]?)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<word>@@?[\w$#@]+|\#{1,2}[\w$#@]+|[\w$]+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<semi>;)
    | (?P<other>[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)
# Words that begin a statement; words a statement begun with the key word keeps inside it.
_STARTS = frozenset(
    """SELECT INSERT UPDATE DELETE MERGE TRUNCATE DECLARE SET EXEC EXECUTE IF WHILE BEGIN END ELSE RETURN
    PRINT RAISERROR THROW COMMIT ROLLBACK SAVE OPEN FETCH CLOSE DEALLOCATE CREATE DROP ALTER GOTO BREAK
    CONTINUE WAITFOR USE""".split()  # noqa: SIM905
)
_ABSORBS = {
    "INSERT": {"SELECT", "EXEC", "EXECUTE"},
    "UPDATE": {"SET"},
    "MERGE": {"INSERT", "UPDATE", "DELETE", "SET", "SELECT"},
    "CURSOR FOR": {"SELECT"},  # DECLARE c CURSOR FOR SELECT ...
    "WITH": {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"},
}
# (what the statement is so far, a word reached) -> what it is from there on: decides what it absorbs.
_SWITCHES = {
    ("DECLARE", "CURSOR"): "CURSOR",
    ("CURSOR", "FOR"): "CURSOR FOR",
    ("INSERT", "VALUES"): "VALUES",  # INSERT ... VALUES (...) absorbs no SELECT after it
}
_KEEPS_ABSORBING = {"MERGE"}  # MERGE ... UPDATE SET ... INSERT ...: every branch is the MERGE's
_CONTINUES_AFTER = {
    "SELECT": {"UNION", "ALL", "EXCEPT", "INTERSECT", "DISTINCT"},
    "FETCH": {"ROWS", "ROW"},  # OFFSET n ROWS FETCH NEXT m ROWS ONLY
    "UPDATE": {"FOR"},  # DECLARE c CURSOR FOR SELECT ... FOR UPDATE
}
_TRANSACTION = {"TRAN", "TRANSACTION", "DISTRIBUTED"}


@dataclass(frozen=True)
class Token:
    kind: str
    word: str
    """Upper-cased text for words, the character otherwise."""
    start: int
    end: int


@dataclass(frozen=True)
class Step:
    """One statement of a body (for IF and WHILE: the condition), with the blocks around it."""

    kind: str
    text: str
    line: int
    context: tuple[tuple[str, int], ...] = ()
    """Enclosing blocks, outermost first: (IF / ELSE / WHILE / TRY / CATCH, the block's line)."""

    def inside(self, *kinds: str) -> bool:
        return any(kind in kinds for kind, _ in self.context)


def tokens(text: str) -> Iterator[Token]:
    """The text's tokens, comments left out; block comments nest, as in T-SQL."""
    position = 0
    while True:
        found = TOKEN.search(text, position)
        if found is None:
            return
        if found.group().startswith("/*"):
            position = _comment_end(text, found.start())
            continue
        position = found.end()
        if found.lastgroup != "comment":
            word = found.group().upper() if found.lastgroup == "word" else found.group()
            yield Token(found.lastgroup, word, found.start(), found.end())


def _comment_end(text: str, start: int) -> int:
    """Where the block comment opened at start ends, counting the comments opened inside it."""
    depth, position = 0, start
    for mark in re.finditer(r"/\*|\*/", text[start:]):
        depth += 1 if mark.group() == "/*" else -1
        position = start + mark.end()
        if depth == 0:
            return position
    return len(text)


class BlockReader:
    """Reads a body into Steps: statements, and the IF / WHILE / TRY blocks around them."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first_line = first_line
        self.tokens = list(tokens(text))
        self.pos = 0
        self.steps: list[Step] = []

    def word(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        if index >= len(self.tokens) or self.tokens[index].kind != "word":
            return ""
        return self.tokens[index].word

    def line(self, token: Token) -> int:
        return self.first_line + self.text.count("\n", 0, token.start)

    def block(self, context: tuple) -> None:
        """Statements up to the END closing the block (not consumed) or the end of the body."""
        while self.pos < len(self.tokens) and self.word() != "END":
            self.statement(context)

    def statement(self, context: tuple) -> None:
        token = self.tokens[self.pos]
        word = self.word()
        if token.kind == "semi" or word == "ELSE":  # a stray ELSE has lost its IF: skip it
            self.pos += 1
        elif word == "BEGIN" and self.word(1) in {"TRY", "CATCH"}:
            kind = self.word(1)
            self.pos += 2
            self.block((*context, (kind, self.line(token))))
            self.pos += 2  # END TRY / END CATCH
        elif word == "BEGIN" and self.word(1) not in _TRANSACTION:
            self.pos += 1
            self.block(context)
            self.pos += 1
        elif word in {"IF", "WHILE"}:
            self.pos += 1
            start = self.pos
            self.skip(stop_at_start=True)
            line = self.line(token)
            self.steps.append(Step(word, self.span(start, self.pos), line, context))
            if self.pos < len(self.tokens):
                self.statement((*context, (word, line)))
            if word == "IF" and self.word() == "ELSE":
                self.pos += 1
                if self.pos < len(self.tokens):
                    self.statement((*context, ("ELSE", line)))
        elif word == "END":  # an END without its BEGIN: skip it rather than loop
            self.pos += 1
        else:
            start = self.pos
            self.pos += 1
            self.skip(stop_at_start=False, first=word)
            self.steps.append(Step(word or token.word, self.span(start, self.pos), self.line(token), context))

    def skip(self, stop_at_start: bool, first: str = "") -> None:
        """Move past one statement's tokens (or an IF's condition, which ends at a start word)."""
        depth = cases = 0
        previous = first
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            word = self.word()
            if token.kind == "open":
                depth += 1
            elif token.kind == "close":
                depth = max(depth - 1, 0)
            elif depth == 0 and token.kind == "semi":
                if not stop_at_start:
                    self.pos += 1
                return
            elif depth == 0 and word == "CASE":
                cases += 1
            elif depth == 0 and word == "END" and cases:
                cases -= 1
            elif depth == 0 and not cases and (first, word) in _SWITCHES:
                first = _SWITCHES[(first, word)]
            elif depth == 0 and not cases and word in _STARTS:
                if stop_at_start or word in {"END", "ELSE", "BEGIN"}:
                    return
                if previous in _CONTINUES_AFTER.get(word, ()):
                    pass
                elif word in _ABSORBS.get(first, ()):
                    # INSERT ... SELECT absorbs one SELECT: a later SELECT starts a statement
                    first = first if first in _KEEPS_ABSORBING else word
                else:
                    return
            previous = word
            self.pos += 1

    def span(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return self.text[self.tokens[start].start : self.tokens[end - 1].end].strip().rstrip(";").strip()


def read_body(routine: Routine) -> tuple[list[Step], dict[str, int]]:
    """The body's statements in order, and the line each parameter is declared on."""
    definition = routine.definition
    first_line = routine.source.line if routine.source is not None else 1
    reader = BlockReader(definition, first_line)
    params: dict[str, int] = {}
    depth = 0
    body = len(reader.tokens)
    for index, token in enumerate(reader.tokens):
        depth += {"open": 1, "close": -1}.get(token.kind, 0)
        if token.word.startswith("@") and token.word.lower() not in params:
            params[token.word.lower()] = reader.line(token)
        previous = reader.tokens[index - 1].word if index else ""
        if (
            depth == 0
            and token.word == "AS"
            and not previous.startswith("@")
            and previous not in {"EXEC", "EXECUTE"}
        ):
            body = index + 1
            break
    reader.pos = body
    while reader.pos < len(reader.tokens):
        reader.statement(())
    return reader.steps, params
