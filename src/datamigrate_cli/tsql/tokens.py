"""A cursor over sqlglot's T-SQL tokens, for the small DDL grammars datamigrate reads itself.

sqlglot's tree for CREATE TABLE loses or rejects real SQL Server syntax (column CHECK before
CONSTRAINT, `PRIMARY KEY NONCLUSTERED (...)`, ROWGUIDCOL, trailing commas), so table DDL is read
from sqlglot's tokens with a grammar of our own; expressions are kept as source text.
"""

from __future__ import annotations

import re

from sqlglot import Token, TokenType
from sqlglot.dialects.tsql import TSQL
from sqlglot.errors import TokenError

_TOKENIZER = TSQL().tokenizer_class()
_NAME_TYPES = {TokenType.IDENTIFIER, TokenType.VAR}
_WORD = re.compile(r"\S+")
_LITERALS = {TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.NUMBER, TokenType.HEX_STRING}


def _split_compound(tokens: list[Token], text: str) -> list[Token]:
    """sqlglot joins some keywords ('PRIMARY KEY', 'NONCLUSTERED INDEX'): give each word its token."""
    result = []
    for token in tokens:
        if " " not in token.text or token.token_type in _LITERALS or token.token_type == TokenType.IDENTIFIER:
            result.append(token)
            continue
        source = text[token.start : token.end + 1]
        for match in _WORD.finditer(source):
            start = token.start + match.start()
            result.append(
                Token(
                    TokenType.VAR, match.group(), token.line, token.col, start, start + len(match.group()) - 1
                )
            )
    return result


class SyntaxProblem(ValueError):
    """The statement does not follow the grammar; the message says what was expected where."""


class Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.tokens: list[Token] = _split_compound(_TOKENIZER.tokenize(text), text)
        except TokenError as exc:  # an unterminated string, quoted name or comment
            raise SyntaxProblem(str(exc).splitlines()[0]) from None
        self.pos = 0
        # Looked up for every token the grammar tries: computed once (the grammar is the hot loop).
        self.types = [token.token_type for token in self.tokens]
        self.words = [
            None if kind in _LITERALS or kind == TokenType.IDENTIFIER else token.text.upper()
            for token, kind in zip(self.tokens, self.types, strict=True)
        ]
        """Each token's text upper-cased, or None for a literal or quoted name (never a keyword)."""
        self.count = len(self.tokens)

    # -- looking
    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < self.count else None

    def at_end(self) -> bool:
        return self.pos >= self.count

    def is_word(self, *words: str, ahead: int = 0) -> bool:
        index = self.pos + ahead
        return index < self.count and self.words[index] in words

    def is_type(self, *types: TokenType, ahead: int = 0) -> bool:
        index = self.pos + ahead
        return index < self.count and self.types[index] in types

    # -- consuming
    def next(self) -> Token:
        if self.pos >= self.count:
            raise SyntaxProblem("unexpected end of statement")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def accept(self, *words: str) -> bool:
        if self.pos < self.count and self.words[self.pos] in words:
            self.pos += 1
            return True
        return False

    def accept_type(self, token_type: TokenType) -> bool:
        if self.pos < self.count and self.types[self.pos] == token_type:
            self.pos += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        if not self.is_word(*words):
            raise SyntaxProblem(f"expected {' or '.join(words)} {self.where()}")
        return self.next().text.upper()

    def expect_type(self, token_type: TokenType, what: str) -> Token:
        if not self.is_type(token_type):
            raise SyntaxProblem(f"expected {what} {self.where()}")
        return self.next()

    def where(self) -> str:
        token = self.peek()
        if token is None:
            return "at the end of the statement"
        return f"at {token.text!r} (line {token.line} of the statement)"

    # -- compound pieces
    def name(self) -> str:
        """One identifier, bracketed, quoted or bare (a bare keyword is accepted as a name)."""
        token = self.peek()
        if (
            token is None
            or token.token_type in _LITERALS
            or token.token_type
            in {
                TokenType.L_PAREN,
                TokenType.R_PAREN,
                TokenType.COMMA,
                TokenType.DOT,
                TokenType.SEMICOLON,
            }
        ):
            raise SyntaxProblem(f"expected a name {self.where()}")
        self.pos += 1
        if token.token_type == TokenType.PARAMETER:  # @name
            return "@" + self.next().text
        if token.token_type == TokenType.HASH:  # #temp
            return "#" + self.next().text
        return token.text

    def dotted_name(self) -> list[str]:
        """`a.b.c` (and `db..name`) as its parts; an empty part stands for the default schema."""
        parts = [self.name()]
        while self.accept_type(TokenType.DOT):
            if self.is_type(TokenType.DOT):
                parts.append("")
                continue
            parts.append(self.name())
        return parts

    def skip_parens(self) -> tuple[int, int]:
        """Consume a balanced `( ... )`; return the text offsets of its inside."""
        opening = self.expect_type(TokenType.L_PAREN, "(")
        depth = 1
        while depth:
            token = self.next()
            if token.token_type == TokenType.L_PAREN:
                depth += 1
            elif token.token_type == TokenType.R_PAREN:
                depth -= 1
        closing = self.tokens[self.pos - 1]
        return opening.end + 1, closing.start

    def text_between(self, start: int, end: int) -> str:
        return self.text[start:end].strip()

    def name_list(self) -> list[str]:
        """`(a [ASC|DESC], b ...)` as the names."""
        self.expect_type(TokenType.L_PAREN, "(")
        names = []
        while True:
            names.append(self.name())
            self.accept("ASC", "DESC")
            if self.accept_type(TokenType.COMMA):
                continue
            self.expect_type(TokenType.R_PAREN, ")")
            return names

    def number(self) -> int:
        sign = -1 if self.accept_type(TokenType.DASH) else 1
        token = self.expect_type(TokenType.NUMBER, "a number")
        return sign * int(float(token.text))

    def expression_until(self, stop_words: set[str]) -> str:
        """Source text of an expression ending at a top-level comma, `)` or one of stop_words."""
        depth = 0
        start = None
        end = None
        while not self.at_end():
            token = self.peek()
            assert token is not None
            if (
                depth == 0
                and start is not None
                and (
                    token.token_type in {TokenType.COMMA, TokenType.R_PAREN, TokenType.SEMICOLON}
                    or (token.token_type not in _LITERALS and token.text.upper() in stop_words)
                )
            ):
                break
            if token.token_type == TokenType.L_PAREN:
                depth += 1
            elif token.token_type == TokenType.R_PAREN:
                depth -= 1
            start = token.start if start is None else start
            end = token.end
            self.pos += 1
        if start is None or end is None:
            raise SyntaxProblem(f"expected an expression {self.where()}")
        return self.text[start : end + 1].strip()
