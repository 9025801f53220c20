"""A fast path for the statement shapes that make up most of a schema script.

SSMS and SSDT write tables, keys, indexes and descriptions in a few fixed shapes: CREATE TABLE with
plain columns, ALTER TABLE ... ADD CONSTRAINT, CREATE INDEX, EXEC sp_addextendedproperty. A batch
made of exactly one such statement is read here with compiled regular expressions, without sqlglot's
tokenizer or the token grammar. Anything these patterns do not recognise whole (comments inside the
statement, quoted names with `]]`, computed columns, unusual options, a second statement) returns
None and goes through the full path (`tsql/script.split_statements` + the grammar in `grammar.py`), which
stays the reference: a test reads every corpus both ways and compares the snapshots.

This module only reads; `ddl._Builder` applies what it returns, with the same code as the grammar.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from ...tsql.keywords import STARTS
from ...tsql.types import BASE_TYPES, TYPE_ALIASES, column_values, sizes

# A name as sqlglot's T-SQL tokenizer gives it: [bracketed] (no `]]` escape: too rare to handle
# here) or bare. Bare words are possessive so that a regex never splits one word into two.
_NAME = r"(?:\[[^\[\]]++\]|[A-Za-z_][A-Za-z0-9_]*+)"
_DOTTED = rf"{_NAME}(?:\s*+\.\s*+{_NAME}){{0,2}}"
# Names these patterns skip without reading them: never a bare word that begins a statement, where
# the statement splitter would cut (`... TEXTIMAGE_ON select`). Names that are read go through _name.
_SAFE_NAME = rf"(?:\[[^\[\]]++\]|(?!(?:{'|'.join(sorted(STARTS))})\b)[A-Za-z_][A-Za-z0-9_]*+)"
_STRING = r"N?'[^']*+(?:''[^']*+)*+'"  # unrolled: no alternation per character
# Balanced parentheses, three levels deep, over strings and bracketed names. No comments, no
# double quotes: those go to the full path.
_ATOM = r"""[^()'\[\]"\-/]++|-(?!-)|/(?!\*)|\[[^\[\]]*+\]|'[^']*+(?:''[^']*+)*+'"""
_BAL1 = rf"\((?:{_ATOM})*+\)"
_BAL2 = rf"\((?:{_ATOM}|{_BAL1})*+\)"
_BAL = rf"\((?:{_ATOM}|{_BAL2})*+\)"
_NUMBER = r"-?\d++(?![\w.])"
# A DEFAULT expression the grammar reads as exactly this text: one parenthesised group, a string,
# a number, NULL, or a function call.
_EXPRESSION = rf"(?:{_BAL}|{_STRING}|-?\d++(?:\.\d++)?(?![\w.])|NULL\b|{_SAFE_NAME}\s*+{_BAL})"
_NAME_LIST = rf"\(\s*+{_NAME}(?:\s++(?:ASC|DESC)\b)?(?:\s*+,\s*+{_NAME}(?:\s++(?:ASC|DESC)\b)?)*+\s*+\)"
_ACTION = r"ON\s++(?P<event>DELETE|UPDATE)\s++(?P<action>NO\s++ACTION|CASCADE|SET\s++NULL|SET\s++DEFAULT)\b"
# After an action, none of the words the grammar would add to it.
_ACTIONS = rf"(?:\s*+{_ACTION}(?!\s*+(?:NO|ACTION|CASCADE|SET|NULL|DEFAULT)\b))*+"
_REFERENCES = rf"REFERENCES\s*+(?P<ref>{_DOTTED})(?:\s*+(?P<refcols>{_NAME_LIST}))?(?P<actions>{_ACTIONS})"
_INDEX_OPTIONS = rf"(?:\s*+(?:WITH\s*+{_BAL}|WITH\s++FILLFACTOR\s*+=?\s*+\d++(?![\w.])|ON\s++(?!(?:DELETE|UPDATE)\b){_SAFE_NAME}(?:\s*+{_BAL})?))*+"

_FLAGS = re.IGNORECASE | re.DOTALL
# Names read are cached: more entries than a large schema has tables, or an LRU cache over names seen
# in table order (tables, then the keys that reference them) would miss every time.
NAMES_CACHED = 1 << 16
# Leading whitespace and comments, skipped as the statement splitter skips them.
_LEAD = re.compile(r"(?:\s++|--[^\n]*+|/\*.*?\*/)*+", re.DOTALL)
_CREATE_TABLE = re.compile(rf"CREATE\s++TABLE\s*+(?P<name>{_DOTTED})\s*+\(", _FLAGS)
_CREATE_INDEX = re.compile(
    rf"CREATE(?P<unique>\s++UNIQUE)?(?:\s++(?P<clustering>CLUSTERED|NONCLUSTERED))?\s++INDEX\s*+(?P<index>{_NAME})"
    rf"\s*+ON\s*+(?P<table>{_DOTTED})\s*+(?P<columns>{_NAME_LIST})(?:\s*+INCLUDE\s*+(?P<included>{_NAME_LIST}))?"
    rf"(?:\s*+(?:WITH\s*+{_BAL}|ON\s++{_SAFE_NAME}(?:\s*+{_BAL})?))*+\s*+",
    _FLAGS,
)
_ALTER_TABLE = re.compile(
    rf"ALTER\s++TABLE\s*+(?P<name>{_DOTTED})(?:\s++WITH\s++(?:CHECK|NOCHECK)\b)?\s*+"
    rf"(?:(?P<state>(?:CHECK|NOCHECK)\s++CONSTRAINT\s*+{_SAFE_NAME}\s*+)|ADD\b)",
    _FLAGS,
)
_PROPERTY = re.compile(r"EXEC(?:UTE)?\s++(?:sys\s*+\.\s*+)?sp_addextendedproperty\b", _FLAGS)
# `@name = 'value'`, all named, all strings, as SSMS writes them: checked whole, then read.
_ANY_ARGUMENT = rf"@[A-Za-z_][A-Za-z0-9_]*+\s*+=\s*+{_STRING}"
_ARGUMENTS = re.compile(rf"\s*+{_ANY_ARGUMENT}(?:\s*+,\s*+{_ANY_ARGUMENT})*+\s*+", _FLAGS)
_ARGUMENT = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*+)\s*+=\s*+N?'([^']*+(?:''[^']*+)*+)'", _FLAGS)

_COLUMN = re.compile(
    rf"\s*+(?P<name>{_NAME})\s*+(?P<type>{_NAME})"
    rf"(?:\s*+\(\s*+(?:(?P<max>MAX)|(?P<first>{_NUMBER})(?:\s*+,\s*+(?P<second>{_NUMBER}))?)\s*+\))?",
    _FLAGS,
)
# One column option per match; the outer group of each alternative names it (`lastgroup`).
_COLUMN_OPTION = re.compile(
    rf"""\s*+(?:
      (?P<end>[,)])
    | (?P<constraint>CONSTRAINT\s*+(?P<constraint_name>{_NAME}))
    | (?P<not_null>NOT\s++NULL\b)
    | (?P<null>NULL\b)
    | (?P<identity>IDENTITY\b(?:\s*+\(\s*+(?P<seed>{_NUMBER})\s*+,\s*+(?P<increment>{_NUMBER})\s*+\))?)
    | (?P<default>DEFAULT\s*+(?P<expression>{_EXPRESSION}))
    | (?P<check>CHECK\s*+(?P<condition>{_BAL}))
    | (?P<primary>PRIMARY\s++KEY\b(?:\s++(?P<pk_clustering>CLUSTERED|NONCLUSTERED)\b)?)
    | (?P<unique>UNIQUE\b(?:\s++(?:CLUSTERED|NONCLUSTERED)\b)?)
    | (?P<collate>COLLATE\s++(?P<collation>{_NAME}))
    | (?P<rowguid>ROWGUIDCOL\b)
    | (?P<foreign>FOREIGN\s++KEY\b)
    | (?P<references>{_REFERENCES})
    )""",
    _FLAGS | re.VERBOSE,
)
# The column shape most scripts use, read in one match: name, type, IDENTITY, NULL / NOT NULL, a
# DEFAULT (named or not), and the comma or parenthesis after it. Any other column goes through the
# option loop.
_PLAIN_COLUMN = re.compile(
    rf"""\s*+(?!(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|INDEX|PERIOD)\b)
    (?P<name>{_NAME})\s*+(?P<type>{_NAME})
    (?:\s*+\(\s*+(?:(?P<max>MAX)|(?P<first>{_NUMBER})(?:\s*+,\s*+(?P<second>{_NUMBER}))?)\s*+\))?
    (?:\s*+(?P<identity>IDENTITY\b)(?:\s*+\(\s*+(?P<seed>{_NUMBER})\s*+,\s*+(?P<increment>{_NUMBER})\s*+\))?)?
    (?:\s*+(?:(?P<not_null>NOT\s++NULL)|(?P<null>NULL))\b)?
    (?:\s*+(?:CONSTRAINT\s*+(?P<default_name>{_NAME})\s*+)?DEFAULT\s*+(?P<default>{_EXPRESSION}))?
    \s*+(?P<end>[,)])""",
    _FLAGS | re.VERBOSE,
)
_CONSTRAINT_START = re.compile(r"\s*+(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|INDEX|PERIOD)\b", _FLAGS)
_TABLE_CONSTRAINT = re.compile(
    rf"""\s*+(?:CONSTRAINT\s*+(?P<name>{_NAME})\s*+)?(?:
      PRIMARY\s++KEY(?:\s++(?P<pk_clustering>CLUSTERED|NONCLUSTERED)\b)?\s*+(?P<primary>{_NAME_LIST}){_INDEX_OPTIONS}
    | UNIQUE(?:\s++(?:CLUSTERED|NONCLUSTERED)\b)?\s*+(?P<unique>{_NAME_LIST}){_INDEX_OPTIONS}
    | FOREIGN\s++KEY\s*+(?P<foreign>{_NAME_LIST})\s*+{_REFERENCES}
    | CHECK\s*+(?P<check>{_BAL})
    | DEFAULT\s*+(?P<default>{_EXPRESSION})\s*+FOR\s*+(?P<for>{_NAME})(?:\s++WITH\s++VALUES\b)?
    )""",
    _FLAGS | re.VERBOSE,
)
_BODY_END = re.compile(r"\s*+(?P<end>[,)])?", _FLAGS)
_TABLE_TAIL = re.compile(
    rf"(?:\s*+(?:(?:ON|TEXTIMAGE_ON|FILESTREAM_ON)\s++{_SAFE_NAME}(?:\s*+{_BAL})?|WITH\s*+{_BAL}))*+\s*+",
    _FLAGS,
)
_NAME_IN_LIST = re.compile(_NAME)
_NAME_ITEM = re.compile(rf"({_NAME})(?:\s++(?:ASC|DESC)\b)?", _FLAGS)
_ADD_ITEM = re.compile(r"\s*+(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|DEFAULT)\b", _FLAGS)
_COMMA = re.compile(r"\s*+,")
_ACTION_RE = re.compile(_ACTION, _FLAGS)
# Bare names the statement splitter or the grammar could take for keywords.
_RESERVED = STARTS | {"AS", "ON", "WITH", "FOR", "ASC", "DESC", "MAX"}


class Decline(Exception):
    """The statement is not one of the shapes read here: the full path reads it."""


# What a statement says, in the grammar's terms; ddl._Builder applies these in order.
class ColumnRead(NamedTuple):
    values: dict
    """Every field of the catalog's Column, types resolved as the grammar resolves them;
    `identity` is a (seed, increment) pair or None."""
    nullability_from_type: bool
    """Declared without NULL / NOT NULL, of a type that is not a built-in one: the type decides."""
    constraints: tuple[tuple | ForeignRead, ...]
    """Inline constraints in order: ("primary", name, columns, clustered) ("unique", name, columns)
    ("check", name, expression) ForeignRead."""


class ForeignRead(NamedTuple):
    name: str | None
    columns: tuple[str, ...]
    referenced: tuple[str, ...]
    referenced_columns: tuple[str, ...]
    on_delete: str
    on_update: str


class TableRead(NamedTuple):
    name: tuple[str, ...]
    items: tuple[dict | ColumnRead | tuple, ...]
    """Columns and table constraints, in order. A column is a ColumnRead, or only its field dict
    when it has nothing else to apply. Constraints: ("primary", name, columns, clustered)
    ("unique", name, columns) ("check", name, expression) ("default", name, expression, column)
    ForeignRead."""


class AlterRead(NamedTuple):
    name: tuple[str, ...]
    state_only: bool
    """ALTER TABLE ... CHECK|NOCHECK CONSTRAINT: counted, not modelled."""
    items: tuple[tuple | ForeignRead, ...]
    """The constraints ADD adds, as in TableRead.items."""


class IndexRead(NamedTuple):
    name: str
    table: tuple[str, ...]
    columns: tuple[str, ...]
    unique: bool
    clustered: bool
    included: tuple[str, ...]


class PropertyRead(NamedTuple):
    arguments: dict[str, str]
    """Parameter name in lower case -> value, as `EXEC` passed them."""


Read = TableRead | AlterRead | IndexRead | PropertyRead


class FastStatement(NamedTuple):
    start: int
    """Where the statement starts in the batch text (after leading whitespace and comments)."""
    text: str
    """The statement, without trailing blanks and semicolons."""
    first_word: str
    read: Read


def read_batch(batch: str) -> FastStatement | None:
    """The one statement of a batch read whole by the fast path, or None for the full path."""
    lead = _LEAD.match(batch)
    start = lead.end() if lead else 0
    text = batch[start:].rstrip().rstrip(";").rstrip()
    if not text:
        return None
    first = text[:7].upper()
    try:
        if first.startswith("CREATE"):
            match = _CREATE_TABLE.match(text)
            if match:
                return FastStatement(start, text, "CREATE", _table(text, match))
            return FastStatement(start, text, "CREATE", _index(text))
        if first.startswith("ALTER"):
            return FastStatement(start, text, "ALTER", _alter(text))
        if first.startswith("EXEC"):
            word = "EXECUTE" if first == "EXECUTE" else "EXEC"
            return FastStatement(start, text, word, _property(text))
    except Decline:
        return None
    return None


def _name(raw: str) -> str:
    if raw[0] == "[":
        return raw[1:-1]
    if raw.upper() in _RESERVED:
        raise Decline
    return raw


@lru_cache(maxsize=NAMES_CACHED)  # a table's name comes back in its keys and the keys that reference it
def _dotted(raw: str) -> tuple[str, ...]:
    return tuple(map(_name, _NAME_IN_LIST.findall(raw)))


def _names(raw: str) -> tuple[str, ...]:
    """The names of a `(a ASC, b)` list, without ASC/DESC."""
    return tuple(map(_name, _NAME_ITEM.findall(raw)))


def _foreign(match: re.Match, name: str | None, columns: tuple[str, ...]) -> ForeignRead:
    ref, refcols, written = match.group("ref", "refcols", "actions")
    actions = {"DELETE": "NO ACTION", "UPDATE": "NO ACTION"}
    if written:
        for action in _ACTION_RE.finditer(written):
            actions[action.group("event").upper()] = " ".join(action.group("action").upper().split())
    referenced_columns = _names(refcols) if refcols else ()
    return ForeignRead(name, columns, _dotted(ref), referenced_columns, actions["DELETE"], actions["UPDATE"])


def _table(text: str, match: re.Match) -> TableRead:
    name = _dotted(match.group("name"))
    if name[-1].startswith("#"):
        raise Decline
    position = match.end()
    items: list = []
    while True:
        plain = _PLAIN_COLUMN.match(text, position)
        if plain is not None:  # most columns: read with the comma or parenthesis after them
            items.append(_plain_column(plain.groups()))
            position = plain.end()
            if text[position - 1] == ")":  # the match ends with its comma or parenthesis
                break
            continue
        end = _BODY_END.match(text, position)
        assert end is not None  # all of it is optional: it always matches
        if end.group("end") == ")":
            position = end.end()
            break
        if end.group("end") == ",":
            position = end.end()
            continue
        if _CONSTRAINT_START.match(text, position):
            item, position = _table_constraint(text, position)
        else:
            item, position = _column(text, position)
        items.append(item)
    tail = _TABLE_TAIL.match(text, position)
    assert tail is not None  # all of it is optional: it always matches
    if tail.end() != len(text):
        raise Decline
    return TableRead(name, tuple(items))


def _column(text: str, position: int) -> tuple[ColumnRead, int]:
    match = _COLUMN.match(text, position)
    if match is None:
        raise Decline
    name = _name(match.group("name"))
    fields: dict = {}
    constraints: list = []
    constraint: str | None = None
    position = match.end()
    while True:
        option = _COLUMN_OPTION.match(text, position)
        if option is None:
            raise Decline
        kind = option.lastgroup
        if kind == "end":
            return _column_read(match, name, fields, tuple(constraints)), option.start("end")
        position = option.end()
        if kind == "constraint":
            constraint = _name(option.group("constraint_name"))
            continue
        if kind == "foreign":
            continue  # FOREIGN KEY before REFERENCES keeps the constraint's name
        if kind == "references":
            constraints.append(_foreign(option, constraint, (name,)))
        elif kind == "not_null":
            fields["nullable"] = False
        elif kind == "null":
            fields["nullable"] = True
        elif kind == "identity":
            seed, increment = option.group("seed"), option.group("increment")
            fields["identity"] = (int(seed) if seed else 1, int(increment) if increment else 1)
        elif kind == "default":
            fields["default"] = option.group("expression").strip()
        elif kind == "check":
            constraints.append(("check", constraint, option.group("condition")[1:-1].strip()))
        elif kind == "primary":
            constraints.append(("primary", constraint, (name,), _clustered(option.group("pk_clustering"))))
        elif kind == "unique":
            constraints.append(("unique", constraint, (name,)))
        elif kind == "collate":
            fields["collation"] = _name(option.group("collation"))
        constraint = None  # ROWGUIDCOL: nothing to keep


def _plain_column(groups: tuple[str | None, ...]) -> ColumnRead | dict:
    """`_column_read` for the one-match shape, from its groups (the hottest function). A column with
    nothing for the builder to do (no IDENTITY, nullability known) is its field dict alone."""
    name, data_type, is_max, first, second, identity, seed, increment, not_null, null, named, default, _ = (
        groups
    )
    if named is not None:
        _name(named)  # a reserved word here is not read as the grammar reads it
    assert name is not None  # a group the pattern requires
    base, length, precision, scale, built_in = _column_type(data_type, first, second, is_max)
    values: dict[str, Any] = {
        "name": _name(name),
        "data_type": base,
        "user_type": None,
        "max_length": length,
        "precision": precision,
        "scale": scale,
        "nullable": not_null is None,
        "identity": None
        if identity is None
        else (int(seed) if seed else 1, int(increment) if increment else 1),
        "default": None if default is None else default.strip(),
        "computed": None,
        "persisted": False,
        "collation": None,
        "description": None,
        "properties": {},
    }
    nullability_from_type = not_null is None and null is None and not built_in
    if identity is None and not nullability_from_type:
        return values
    return ColumnRead(values, nullability_from_type, ())


def _column_read(match: re.Match, name: str, fields: dict, constraints: tuple) -> ColumnRead:
    """The column as `ddl._column` builds it from the same name, type, size and options."""
    base, length, precision, scale, built_in = _column_type(*match.group("type", "first", "second", "max"))
    values = column_values(name, base, (length, precision, scale), fields)
    return ColumnRead(values, "nullable" not in fields and not built_in, constraints)


@lru_cache(maxsize=4096)  # a schema uses a few dozen distinct types, each thousands of times
def _column_type(
    data_type: str, first: str | None, second: str | None, is_max: str | None
) -> tuple[str, int | None, int | None, int | None, bool]:
    """(base type, max_length, precision, scale, is a built-in type) as `ddl._data_type` reads them.

    Raises Decline for AS: `name AS expression` is a computed column, for the full path.
    """
    if data_type.upper() == "AS":
        raise Decline
    base = (data_type[1:-1] if data_type[0] == "[" else data_type).lower()
    base = TYPE_ALIASES.get(base, base)
    length, precision, scale = sizes(
        base,
        int(first) if first is not None else None,
        int(second) if second is not None else None,
        is_max is not None,
    )
    return base, length, precision, scale, base in BASE_TYPES


def _clustered(word: str | None) -> bool | None:
    return None if word is None else word.upper() == "CLUSTERED"


def _table_constraint(text: str, position: int) -> tuple[tuple | ForeignRead, int]:
    match = _TABLE_CONSTRAINT.match(text, position)
    if match is None:
        raise Decline
    name, primary, unique, foreign, check = match.group("name", "primary", "unique", "foreign", "check")
    name = _name(name) if name else None
    if foreign is not None:
        item: tuple = _foreign(match, name, _names(foreign))
    elif primary is not None:
        item = ("primary", name, _names(primary), _clustered(match.group("pk_clustering")))
    elif unique is not None:
        item = ("unique", name, _names(unique))
    elif check is not None:
        item = ("check", name, check[1:-1].strip())
    else:
        item = ("default", name, match.group("default").strip(), _name(match.group("for")))
    return item, match.end()


def _alter(text: str) -> AlterRead:
    match = _ALTER_TABLE.match(text)
    if match is None:
        raise Decline
    name = _dotted(match.group("name"))
    if match.group("state") is not None:
        if match.end() != len(text):
            raise Decline
        return AlterRead(name, True, ())
    position = match.end()
    items = []
    while True:
        if not _ADD_ITEM.match(text, position):
            raise Decline  # ADD column: the full path
        item, position = _table_constraint(text, position)
        items.append(item)
        comma = _COMMA.match(text, position)
        if comma is None:
            break
        position = comma.end()
    if text[position:].strip():
        raise Decline
    return AlterRead(name, False, tuple(items))


def _index(text: str) -> IndexRead:
    match = _CREATE_INDEX.match(text)
    if match is None or match.end() != len(text):
        raise Decline
    included = _names(match.group("included")) if match.group("included") else ()
    return IndexRead(
        _name(match.group("index")),
        _dotted(match.group("table")),
        _names(match.group("columns")),
        match.group("unique") is not None,
        (match.group("clustering") or "").upper() == "CLUSTERED",
        included,
    )


def _property(text: str) -> PropertyRead:
    match = _PROPERTY.match(text)
    if match is None or not _ARGUMENTS.fullmatch(text, match.end()):
        raise Decline
    arguments = {
        name.lower(): value.replace("''", "'") for name, value in _ARGUMENT.findall(text, match.end())
    }
    return PropertyRead(arguments)
