"""The statement grammar: each statement of a script, by its first words, read with the token
cursor of tsql/tokens.py into the CatalogBuilder.

Table DDL (CREATE / ALTER TABLE, CREATE INDEX) is read by table_grammar.py; modules (views,
procedures, functions, triggers) are kept verbatim with their headers read; schemas, user-defined
types, sequences, synonyms and extended properties are read here; data and session statements are
counted and skipped; anything else goes to the snapshot's list of unparsed statements with
file:line and the reason. Nothing disappears.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import TokenType

from ...model.catalog import (
    ObjectName,
    Parameter,
    Routine,
    RoutineKind,
    Sequence,
    SourceRef,
    Synonym,
    Trigger,
    View,
)
from ...tsql.script import Statement
from ...tsql.tokens import SyntaxProblem, Tokens
from .builder import DEFAULT_SCHEMA, PROPERTY_LEVELS, CatalogBuilder
from .table_grammar import alter_table, create_index, create_table, read_data_type, read_object_name

# First word(s) of statements that are understood and not modelled, and what kind they are.
_SKIPPED_KINDS = {
    "INSERT": "data",
    "UPDATE": "data",
    "DELETE": "data",
    "MERGE": "data",
    "TRUNCATE": "data",
    "BULK": "data",
    "SET": "session setting",
    "USE": "session setting",
    "PRINT": "script output",
    "RAISERROR": "script output",
    "CHECKPOINT": "server maintenance",
    "DBCC": "server maintenance",
    "BACKUP": "server maintenance",
    "RESTORE": "server maintenance",
    "RECONFIGURE": "server maintenance",
    "DECLARE": "script control flow",
    "IF": "script control flow",
    "WAITFOR": "script control flow",
    "BEGIN": "script control flow",
    "END": "script control flow",
    "ELSE": "script control flow",
    "RETURN": "script control flow",
    "SELECT": "query",
    "GRANT": "permission",
    "DENY": "permission",
    "REVOKE": "permission",
    "DROP": "drop",
    "DISABLE": "trigger state",
    "ENABLE": "trigger state",
}
_SKIPPED_CREATE = {
    "DATABASE": "database settings",
    "LOGIN": "permission",
    "USER": "permission",
    "ROLE": "permission",
    "STATISTICS": "server maintenance",
    "FULLTEXT": "full-text search",
    "PARTITION": "physical storage",
    "XML": "physical storage",
    "SPATIAL": "physical storage",
    "ASSEMBLY": "CLR assembly",
    "CERTIFICATE": "permission",
    "MASTER": "permission",
    "SYMMETRIC": "permission",
    "ASYMMETRIC": "permission",
}
_SKIPPED_ALTER = {
    "DATABASE": "database settings",
    "LOGIN": "permission",
    "USER": "permission",
    "ROLE": "permission",
    "AUTHORIZATION": "permission",
    "INDEX": "physical storage",
    "FULLTEXT": "full-text search",
}
_SKIPPED_EXEC = {
    "SP_DBOPTION": "database settings",
    "SP_ADDROLEMEMBER": "permission",
    "SP_ADDUSER": "permission",
    "SP_GRANTDBACCESS": "permission",
    "SP_CHANGEDBOWNER": "permission",
    "SP_FULLTEXT_DATABASE": "full-text search",
    "SP_BINDRULE": "rule binding",
    "SP_BINDEFAULT": "rule binding",
}
# sp_addextendedproperty's parameters in order.
_PROPERTY_PARAMETERS = ("name", "value", *(key for level in PROPERTY_LEVELS for key in level))

Reader = Callable[[CatalogBuilder, str, SourceRef], None]
"""Reads one statement's text (from its source) into the builder; raises SyntaxProblem."""


def read_statement(builder: CatalogBuilder, statement: Statement) -> None:
    """Read one statement into the builder: an object, a skipped statement counted by kind, or an
    unparsed statement with the reason (a SyntaxProblem never escapes)."""
    skipped = _SKIPPED_KINDS.get(statement.first_word)
    if skipped is not None:
        builder.skipped[skipped] += 1  # data and session statements: counted from the first word alone
        return
    source = SourceRef(file=statement.file, line=statement.line)
    words = statement.words(4)
    try:
        reader = _reader_for(words)
        if isinstance(reader, str):
            builder.skipped[reader] += 1
            if reader == "database settings" and words[:2] == ["CREATE", "DATABASE"] and len(words) > 2:
                builder.database = builder.database or _unquote(_first_name(statement.text, 2))
            return
        if reader is None:
            builder.add_unparsed(statement, source, f"statement {' '.join(words[:2])} is not recognised")
            return
        reader(builder, statement.text, source)
    except SyntaxProblem as exc:
        builder.add_unparsed(statement, source, f"could not read {' '.join(words[:2])}: {exc}")


def _reader_for(words: list[str]) -> Reader | str | None:
    """The reader of a statement starting with these words, the kind it is skipped as, or None."""
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    if first == "CREATE" and second == "OR" and len(words) > 3:
        second = words[3]
    if first == "CREATE":
        if second == "TABLE":
            return create_table
        if _is_index_words(words[1:]):
            return create_index
        return _CREATE_READERS.get(second) or _SKIPPED_CREATE.get(second)
    if first == "ALTER":
        if second == "TABLE":
            return alter_table
        if second in {"VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"}:
            return _reader_for(["CREATE", *words[1:]])
        return _SKIPPED_ALTER.get(second)
    if first in {"EXEC", "EXECUTE"}:
        procedure = second[4:] if second.startswith("SYS.") else second
        if procedure == "SYS" and len(words) > 2:
            procedure = words[2]
        if procedure == "SP_ADDEXTENDEDPROPERTY":
            return _extended_property
        if procedure == "SP_ADDTYPE":
            return _sp_addtype
        return _SKIPPED_EXEC.get(procedure, "procedure call")
    return _SKIPPED_KINDS.get(first)


# --------------------------------------------------------------------- modules
def _create_view(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(_header(text))
    _create_or_alter(tokens, "VIEW")
    name = read_object_name(tokens)
    if builder.claim("view", name, source, text):
        builder.views[name.key] = View(name=name, definition=text, source=source)


def _create_procedure(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(_header(text))
    _create_or_alter(tokens, "PROC", "PROCEDURE")
    name = read_object_name(tokens)
    if tokens.accept_type(TokenType.SEMICOLON):
        tokens.number()  # numbered procedure group
    parameters = _parameters(tokens, until={"AS", "WITH", "FOR"})
    if builder.claim("procedure", name, source, text):
        builder.routines[name.key] = Routine(
            name=name,
            kind=RoutineKind.PROCEDURE,
            parameters=tuple(parameters),
            definition=text,
            source=source,
        )


def _create_function(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(_header(text))
    _create_or_alter(tokens, "FUNCTION")
    name = read_object_name(tokens)
    parameters = _parameters(tokens, until={"RETURNS"}) if tokens.is_type(TokenType.L_PAREN) else []
    tokens.expect("RETURNS")
    if tokens.is_word("TABLE"):
        kind = RoutineKind.INLINE_TABLE_FUNCTION
    elif tokens.is_type(TokenType.PARAMETER):
        kind = RoutineKind.TABLE_FUNCTION
    else:
        kind = RoutineKind.SCALAR_FUNCTION
    if builder.claim("function", name, source, text):
        builder.routines[name.key] = Routine(
            name=name, kind=kind, parameters=tuple(parameters), definition=text, source=source
        )


def _create_trigger(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(_header(text))
    _create_or_alter(tokens, "TRIGGER")
    name = read_object_name(tokens)
    tokens.expect("ON")
    table = None
    if tokens.accept("DATABASE"):
        pass
    elif tokens.accept("ALL"):
        tokens.expect("SERVER")
    else:
        table = read_object_name(tokens)
    if tokens.accept("WITH"):
        while not tokens.is_word("FOR", "AFTER", "INSTEAD"):
            tokens.next()
    tokens.expect("FOR", "AFTER", "INSTEAD")
    tokens.accept("OF")
    events = []
    while not tokens.at_end() and not tokens.is_word("AS", "WITH", "NOT"):
        token = tokens.next()
        if token.token_type != TokenType.COMMA:
            events.append(token.text.upper())
    trigger_name = ObjectName(schema=table.schema_ if table else name.schema_, name=name.name)
    if builder.claim("trigger", trigger_name, source, text):
        builder.triggers[trigger_name.key] = Trigger(
            name=trigger_name, table=table, events=tuple(events), definition=text, source=source
        )


# --------------------------------------------------------------------- other objects
def _create_schema(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(text)
    tokens.expect("CREATE")
    tokens.expect("SCHEMA")
    tokens.accept("AUTHORIZATION")  # CREATE SCHEMA AUTHORIZATION owner names the schema for its owner
    name = tokens.name()
    builder.schemas[name.lower()] = name
    if tokens.accept("AUTHORIZATION"):
        tokens.name()
    if not tokens.at_end():
        raise SyntaxProblem("CREATE SCHEMA with objects inside is not supported; create them apart")


def _create_type(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(text)
    tokens.expect("CREATE")
    tokens.expect("TYPE")
    name = read_object_name(tokens)
    if tokens.accept("AS"):
        builder.skipped["table type"] += 1
        return
    tokens.expect("FROM")
    base, length, precision, scale = read_data_type(tokens)
    nullable = not (tokens.accept("NOT") and tokens.accept("NULL"))
    builder.add_type(name, base, length, precision, scale, nullable, source, text)


def _sp_addtype(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    arguments = _exec_arguments(Tokens(text))
    values = _named_or_positional(arguments, ["typename", "phystype", "nulltype", "owner"])
    if "typename" not in values or "phystype" not in values:
        raise SyntaxProblem("sp_addtype needs a type name and a physical type")
    tokens = Tokens(values["phystype"])
    base, length, precision, scale = read_data_type(tokens)
    nullable = values.get("nulltype", "NULL").strip().upper() != "NOT NULL"
    name = ObjectName(schema=values.get("owner") or DEFAULT_SCHEMA, name=values["typename"])
    builder.add_type(name, base, length, precision, scale, nullable, source, text)


def _create_sequence(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(text)
    tokens.expect("CREATE")
    tokens.expect("SEQUENCE")
    name = read_object_name(tokens)
    data_type, start, increment = "bigint", None, None
    while not tokens.at_end():
        if tokens.accept("AS"):
            data_type = read_data_type(tokens)[0]
        elif tokens.accept("START"):
            tokens.expect("WITH")
            start = tokens.number()
        elif tokens.accept("INCREMENT"):
            tokens.expect("BY")
            increment = tokens.number()
        else:
            tokens.next()
    if builder.claim("sequence", name, source, text):
        builder.sequences[name.key] = Sequence(
            name=name, data_type=data_type, start=start, increment=increment, source=source
        )


def _create_synonym(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    tokens = Tokens(text)
    tokens.expect("CREATE")
    tokens.expect("SYNONYM")
    name = read_object_name(tokens)
    tokens.expect("FOR")
    target = ".".join(f"[{part}]" for part in tokens.dotted_name())
    if builder.claim("synonym", name, source, text):
        builder.synonyms[name.key] = Synonym(name=name, target=target, source=source)


def _extended_property(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    arguments = _named_or_positional(_exec_arguments(Tokens(text)), _PROPERTY_PARAMETERS)
    builder.add_property(arguments, source.file, source.line)


# A CREATE statement's object kind -> its reader (tables and indexes are told apart in _reader_for).
_CREATE_READERS = {
    "VIEW": _create_view,
    "PROC": _create_procedure,
    "PROCEDURE": _create_procedure,
    "FUNCTION": _create_function,
    "TRIGGER": _create_trigger,
    "SCHEMA": _create_schema,
    "TYPE": _create_type,
    "SEQUENCE": _create_sequence,
    "SYNONYM": _create_synonym,
}


# --------------------------------------------------------------------- pieces
def _create_or_alter(tokens: Tokens, *kinds: str) -> None:
    tokens.expect("CREATE", "ALTER")
    if tokens.accept("OR"):
        tokens.expect("ALTER")
    tokens.expect(*kinds)


def _parameters(tokens: Tokens, until: set[str]) -> list[Parameter]:
    """`[(] @p type [VARYING] [= default] [OUT|OUTPUT] [READONLY], ... [)]` up to one of `until`."""
    parenthesised = tokens.accept_type(TokenType.L_PAREN)
    parameters = []
    while tokens.is_type(TokenType.PARAMETER):
        name = tokens.name()
        tokens.accept("AS")
        data_type, length, precision, scale = read_data_type(tokens)
        size = (
            f"({'max' if length == -1 else length})"
            if length is not None
            else f"({precision},{scale})"
            if precision is not None and scale is not None
            else ""
        )
        tokens.accept("VARYING")
        default = None
        if tokens.accept_type(TokenType.EQ):
            default = tokens.expression_until({"OUT", "OUTPUT", "READONLY"} | until)
        output = tokens.accept("OUT", "OUTPUT")
        tokens.accept("READONLY")
        parameters.append(Parameter(name=name, data_type=data_type + size, default=default, output=output))
        if not tokens.accept_type(TokenType.COMMA):
            break
    if parenthesised:
        tokens.expect_type(TokenType.R_PAREN, ") after the parameters")
    if not tokens.is_word(*until):
        raise SyntaxProblem(f"expected {' or '.join(sorted(until))} {tokens.where()}")
    return parameters


def _exec_arguments(tokens: Tokens) -> list[tuple[str | None, str]]:
    """Arguments of `EXEC proc @a = 'x', 'y'` as (name or None, value text)."""
    tokens.expect("EXEC", "EXECUTE")
    tokens.dotted_name()
    arguments: list[tuple[str | None, str]] = []
    while not tokens.at_end():
        name = None
        if tokens.is_type(TokenType.PARAMETER) and tokens.is_type(TokenType.EQ, ahead=2):
            name = tokens.name()[1:].lower()
            tokens.next()
        token = tokens.next()
        value = "" if token.token_type == TokenType.NULL else token.text
        arguments.append((name, value))
        if not tokens.accept_type(TokenType.COMMA):
            break
    return arguments


def _named_or_positional(
    arguments: list[tuple[str | None, str]], order: tuple[str, ...] | list[str]
) -> dict[str, str]:
    values: dict[str, str] = {}
    for position, (name, value) in enumerate(arguments):
        key = name or (order[position] if position < len(order) else None)
        if key is not None:
            values[key] = value
    return values


def _header(text: str) -> str:
    """The part of a module's CREATE statement before its body, for reading name and parameters."""
    # The body may hold anything; the header reader stops at the first unexpected token anyway,
    # so tokenising only a bounded prefix keeps huge procedures cheap. The cut is at a line end,
    # so that it does not fall inside a bracketed name or a string on that line.
    if len(text) <= 4000:
        return text
    cut = text.rfind("\n", 0, 4000)
    return text[: cut if cut > 0 else 4000]


def _is_index_words(words: list[str]) -> bool:
    for word in words:
        if word == "INDEX":
            return True
        if word not in {"UNIQUE", "CLUSTERED", "NONCLUSTERED", "COLUMNSTORE"}:
            return False
    return False


def _first_name(text: str, skip_words: int) -> str:
    tokens = Tokens(text[:500])
    for _ in range(skip_words):
        tokens.next()
    return tokens.name()


def _unquote(name: str) -> str:
    return name.strip('[]"')
