"""A T-SQL body (procedure, trigger, batch) read into statements and the blocks around them.

Our own small reader: sqlglot's tokenizer swallows the rest of a line after END, FETCH or EXEC.
The tokens come from the shared lexer (tsql/lexer.py) and each statement ends where the shared
splitter (tsql/statements.py) ends it; this module adds the blocks: IF / ELSE, WHILE, BEGIN ... END,
TRY / CATCH.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..model.catalog import Routine
from .lexer import Token, tokens
from .statements import statement_end

_TRANSACTION = {"TRAN", "TRANSACTION", "DISTRIBUTED"}


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


class BlockReader:
    """Reads a body into Steps: statements, and the IF / WHILE / TRY blocks around them."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first_line = first_line
        self.tokens = list(tokens(text))
        self.starts = [token.start for token in self.tokens]
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
        """Move past one statement's tokens (or an IF's condition, which ends at a start word),
        where the statement splitter (tsql/statements.py) ends it."""
        if self.pos >= len(self.tokens):
            return
        token = self.tokens[self.pos - 1] if first else self.tokens[self.pos]
        position = token.end if first else token.start
        piece = statement_end(self.text, position, first, condition=stop_at_start)
        self.pos = bisect.bisect_left(self.starts, piece.resume, self.pos)

    def header(self) -> tuple[int, dict[str, int]]:
        """The index of the body's first token (after the header's AS, the count of tokens when
        there is none), and the line each parameter is declared on."""
        params: dict[str, int] = {}
        depth = 0
        for index, token in enumerate(self.tokens):
            depth += {"open": 1, "close": -1}.get(token.kind, 0)
            if token.word.startswith("@") and token.word.lower() not in params:
                params[token.word.lower()] = self.line(token)
            previous = self.tokens[index - 1].word if index else ""
            if (
                depth == 0
                and token.word == "AS"
                and not previous.startswith("@")
                and previous not in {"EXEC", "EXECUTE"}
            ):
                return index + 1, params
        return len(self.tokens), params

    def read(self, start: int) -> list[Step]:
        """The Steps from the token at `start` to the end."""
        self.pos = start
        while self.pos < len(self.tokens):
            self.statement(())
        return self.steps

    def span(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return self.text[self.tokens[start].start : self.tokens[end - 1].end].strip().rstrip(";").strip()


def read_body(routine: Routine) -> tuple[list[Step], dict[str, int]]:
    """The body's statements in order, and the line each parameter is declared on."""
    first_line = routine.source.line if routine.source is not None else 1
    reader = BlockReader(routine.definition, first_line)
    body, params = reader.header()
    return reader.read(body), params


def body_steps(definition: str) -> list[Step]:
    """The statements of a module's body (after its header, `CREATE PROCEDURE p @a int AS`), in order;
    none when the text has no header."""
    reader = BlockReader(definition, 1)
    body, _ = reader.header()
    return reader.read(body)
