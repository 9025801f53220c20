"""The grammar of table DDL: CREATE TABLE, ALTER TABLE and CREATE INDEX, with their columns,
data types, constraints and index options, read with the token cursor of tsql/tokens.py into the
builder's table drafts.
"""

from __future__ import annotations

from sqlglot import TokenType

from ...model.catalog import (
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    ObjectName,
    PrimaryKey,
    SourceRef,
    UniqueConstraint,
)
from ...tsql.tokens import SyntaxProblem, Tokens
from ...tsql.types import BASE_TYPES, TYPE_ALIASES, column_values
from ...tsql.types import sizes as _sizes
from .builder import DEFAULT_SCHEMA, CatalogBuilder, TableDraft

_REFERENTIAL_ACTIONS = ("NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT")
# What ALTER TABLE ... ALTER COLUMN replaces (collation too, when it names one).
_ALTERED_FIELDS = ("data_type", "user_type", "max_length", "precision", "scale", "nullable")
# Words that end a column's option list entries (DEFAULT expressions stop before them).
_COLUMN_OPTION_WORDS = {
    "NOT", "NULL", "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "FOREIGN", "DEFAULT",
    "IDENTITY", "COLLATE", "ROWGUIDCOL", "SPARSE", "FILESTREAM", "PERSISTED", "MASKED", "ENCRYPTED",
    "GENERATED", "HIDDEN", "WITH", "INDEX", "FOR",
}  # fmt: skip


# --------------------------------------------------------------------- statements
def create_table(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    """CREATE TABLE: a draft of the table, its columns and constraints (a #temp table is skipped)."""
    tokens = Tokens(text)
    tokens.expect("CREATE")
    tokens.expect("TABLE")
    name = read_object_name(tokens)
    if name.name.startswith("#"):
        builder.skipped["temporary table"] += 1
        return
    draft = TableDraft(name=name, columns={}, source=source)
    tokens.expect_type(TokenType.L_PAREN, "( after the table name")
    while not tokens.accept_type(TokenType.R_PAREN):
        if tokens.accept_type(TokenType.COMMA):
            continue
        if tokens.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "PERIOD"):
            _table_constraint(tokens, draft)
        else:
            column = _column(tokens, draft)
            draft.put_column(column)
    if tokens.is_word("AS") and tokens.is_word("FILETABLE", "NODE", "EDGE", ahead=1):
        raise SyntaxProblem("FILETABLE and graph tables are not supported")
    if not builder.claim("table", name, source, text):
        return
    if not draft.columns:
        raise SyntaxProblem("the table has no columns")
    builder.tables[name.key] = draft


def alter_table(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    """ALTER TABLE: columns and constraints added, altered or dropped on a table defined earlier."""
    tokens = Tokens(text)
    tokens.expect("ALTER")
    tokens.expect("TABLE")
    name = read_object_name(tokens)
    draft = builder.tables.get(name.key)
    if tokens.accept("WITH"):
        tokens.expect("CHECK", "NOCHECK")
    if tokens.is_word("CHECK", "NOCHECK") and tokens.is_word("CONSTRAINT", ahead=1):
        builder.skipped["constraint state"] += 1
        return
    if tokens.is_word("ENABLE", "DISABLE", "SET", "SWITCH", "REBUILD"):
        builder.skipped["table settings"] += 1
        return
    if draft is None:
        raise SyntaxProblem(f"table {name} is not defined (earlier in these scripts)")
    if tokens.accept("ADD"):
        while not tokens.at_end():
            named = tokens.peek(1) if tokens.is_word("CONSTRAINT") else None  # None at the end of the text
            if named is not None and draft.has_constraint(named.text.strip('[]"')):
                raise SyntaxProblem(f"constraint {named.text} is already defined on {name}")
            if tokens.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "DEFAULT"):
                _table_constraint(tokens, draft)
            else:
                column = _column(tokens, draft)
                draft.put_column(column)
            if not tokens.accept_type(TokenType.COMMA):
                break
    elif tokens.accept("ALTER"):
        tokens.expect("COLUMN")
        column = _column(tokens, draft)
        key = draft.column_key(column["name"])
        if key is None:
            raise SyntaxProblem(f"column {column['name']} is not in table {name}")
        old = draft.columns[key]
        old.update({field: column[field] for field in _ALTERED_FIELDS})
        old["collation"] = column["collation"] or old["collation"]
    elif tokens.accept("DROP"):
        if tokens.accept("COLUMN"):
            for dropped in _comma_names(tokens):
                key = draft.column_key(dropped)
                if key:
                    draft.drop_column(key)
        else:
            tokens.accept("CONSTRAINT")
            for dropped in _comma_names(tokens):
                draft.drop_constraint(dropped)
    else:
        raise SyntaxProblem(f"ALTER TABLE action {tokens.where()} is not supported")
    if not tokens.at_end() and not tokens.is_word("ON", "WITH"):
        raise SyntaxProblem(f"unexpected text {tokens.where()}")


def create_index(builder: CatalogBuilder, text: str, source: SourceRef) -> None:
    """CREATE INDEX: an index of a table defined earlier."""
    tokens = Tokens(text)
    tokens.expect("CREATE")
    unique = tokens.accept("UNIQUE")
    clustered = tokens.accept("CLUSTERED")
    tokens.accept("NONCLUSTERED")
    columnstore = tokens.accept("COLUMNSTORE")
    tokens.expect("INDEX")
    index_name = tokens.name()
    tokens.expect("ON")
    table = read_object_name(tokens)
    columns: list[str] = [] if columnstore and not tokens.is_type(TokenType.L_PAREN) else tokens.name_list()
    included: list[str] = []
    filter_text = None
    if tokens.accept("INCLUDE"):
        included = tokens.name_list()
    if tokens.accept("WHERE"):
        filter_text = tokens.expression_until({"WITH", "ON"})
    draft = builder.tables.get(table.key)
    if draft is None:
        raise SyntaxProblem(f"index {index_name} is on table {table}, which is not defined")
    draft.indexes.append(
        Index(
            name=index_name,
            columns=tuple(columns),
            unique=unique,
            clustered=clustered,
            included=tuple(included),
            filter=filter_text,
        )
    )


# --------------------------------------------------------------------- pieces
def read_object_name(tokens: Tokens) -> ObjectName:
    """A [schema.]name (a server or database part before it ignored; dbo when the schema is left out)."""
    parts = tokens.dotted_name()
    if len(parts) == 1:
        return ObjectName(schema=DEFAULT_SCHEMA, name=parts[0])
    return ObjectName(schema=parts[-2] or DEFAULT_SCHEMA, name=parts[-1])


def read_data_type(tokens: Tokens) -> tuple[str, int | None, int | None, int | None]:
    """A type `name [(n [, m]) | (MAX)]`: (type, max_length, precision, scale)."""
    parts = tokens.dotted_name()
    base = parts[-1].lower()
    base = TYPE_ALIASES.get(base, base)
    if base == "float" and tokens.accept("PRECISION"):
        pass
    if base == "nchar" and tokens.accept("CHARACTER", "CHAR"):
        base = "nvarchar" if tokens.accept("VARYING") else "nchar"
    elif base == "char" and tokens.accept("VARYING"):
        base = "varchar"
    if not tokens.accept_type(TokenType.L_PAREN):
        return base, None, None, None
    if tokens.accept("MAX"):
        sizes = _sizes(base, None, None, is_max=True)
    else:
        first = tokens.number()
        second = tokens.number() if tokens.accept_type(TokenType.COMMA) else None
        sizes = _sizes(base, first, second)
    tokens.expect_type(TokenType.R_PAREN, ") after the type's size")
    return base, *sizes


def _column(tokens: Tokens, draft: TableDraft) -> dict:
    """The column's fields (`types.column_values`); its inline constraints go to the draft."""
    name = tokens.name()
    if tokens.accept("AS"):
        computed = tokens.expression_until({"PERSISTED", "CONSTRAINT", "NOT", "NULL", "PRIMARY", "UNIQUE"})
        persisted = tokens.accept("PERSISTED")
        fields: dict = {}
        _column_options(tokens, draft, name, fields)
        values = column_values(
            name, "computed", (None, None, None), {"nullable": fields.get("nullable", True)}
        )
        return values | {"computed": computed, "persisted": persisted}
    data_type, length, precision, scale = read_data_type(tokens)
    fields = {}
    _column_options(tokens, draft, name, fields)
    return _typed_column(draft, name, data_type, (length, precision, scale), fields)


def _typed_column(
    draft: TableDraft, name: str, data_type: str, sizes: tuple[int | None, ...], fields: dict
) -> dict:
    if "nullable" not in fields and data_type not in BASE_TYPES:
        draft.nullability_from_type.add(name)
    return column_values(name, data_type, sizes, fields)


def _column_options(tokens: Tokens, draft: TableDraft, column: str, fields: dict) -> None:
    constraint_name = None
    while not tokens.at_end() and not tokens.is_type(TokenType.COMMA, TokenType.R_PAREN):
        if tokens.accept("CONSTRAINT"):
            constraint_name = tokens.name()
            continue
        if tokens.accept("NOT"):
            if tokens.accept("FOR"):
                tokens.expect("REPLICATION")
            else:
                tokens.expect("NULL")
                fields["nullable"] = False
        elif tokens.accept("NULL"):
            fields["nullable"] = True
        elif tokens.accept("IDENTITY"):
            seed, increment = 1, 1
            if tokens.accept_type(TokenType.L_PAREN):
                seed = tokens.number()
                tokens.expect_type(TokenType.COMMA, ", in IDENTITY(seed, increment)")
                increment = tokens.number()
                tokens.expect_type(TokenType.R_PAREN, ")")
            fields["identity"] = Identity(seed=seed, increment=increment)
        elif tokens.accept("DEFAULT"):
            fields["default"] = tokens.expression_until(_COLUMN_OPTION_WORDS)
            if tokens.accept("WITH"):
                tokens.expect("VALUES")
        elif tokens.accept("COLLATE"):
            fields["collation"] = tokens.name()
        elif tokens.accept("PRIMARY"):
            tokens.expect("KEY")
            clustered = _clustering(tokens)
            _index_options(tokens)
            draft.primary_key = PrimaryKey(name=constraint_name, columns=(column,), clustered=clustered)
        elif tokens.accept("UNIQUE"):
            _clustering(tokens)
            _index_options(tokens)
            draft.uniques.append(UniqueConstraint(name=constraint_name, columns=(column,)))
        elif tokens.accept("CHECK"):
            if tokens.accept("NOT"):
                tokens.expect("FOR")
                tokens.expect("REPLICATION")
            start, end = tokens.skip_parens()
            draft.checks.append(
                CheckConstraint(
                    name=constraint_name, expression=tokens.text_between(start, end), column=column
                )
            )
        elif tokens.accept("FOREIGN"):
            tokens.expect("KEY")
            continue
        elif tokens.accept("REFERENCES"):
            draft.foreign_keys.append(_references(tokens, constraint_name, (column,)))
        elif tokens.accept("ROWGUIDCOL", "SPARSE", "FILESTREAM", "HIDDEN", "PERSISTED"):
            pass
        elif tokens.accept("MASKED", "ENCRYPTED"):
            tokens.expect("WITH")
            tokens.skip_parens()
        elif tokens.accept("GENERATED"):
            tokens.expect("ALWAYS")
            tokens.expect("AS")
            while tokens.accept("ROW", "START", "END", "TRANSACTION_ID", "SEQUENCE_NUMBER", "HIDDEN"):
                pass
        elif tokens.accept("INDEX"):
            tokens.name()
            _clustering(tokens)
        else:
            raise SyntaxProblem(f"unexpected column option {tokens.where()} in column {column}")
        constraint_name = None


def _clustering(tokens: Tokens) -> bool | None:
    if tokens.accept("CLUSTERED"):
        return True
    if tokens.accept("NONCLUSTERED"):
        return False
    return None


def _index_options(tokens: Tokens) -> None:
    """Skip physical-storage options: WITH (...), WITH FILLFACTOR = n, ON [filegroup]."""
    while True:
        if tokens.accept("WITH"):
            if tokens.is_type(TokenType.L_PAREN):
                tokens.skip_parens()
            else:
                tokens.expect("FILLFACTOR")
                tokens.accept_type(TokenType.EQ)
                tokens.number()
        elif tokens.is_word("ON") and not tokens.is_word("DELETE", "UPDATE", ahead=1):
            tokens.next()
            tokens.name()
            if tokens.is_type(TokenType.L_PAREN):
                tokens.skip_parens()
        else:
            return


def _table_constraint(tokens: Tokens, draft: TableDraft) -> None:
    name = tokens.name() if tokens.accept("CONSTRAINT") else None
    if tokens.accept("PRIMARY"):
        tokens.expect("KEY")
        clustered = _clustering(tokens)
        columns = tokens.name_list()
        _index_options(tokens)
        draft.primary_key = PrimaryKey(name=name, columns=tuple(draft.spelled(columns)), clustered=clustered)
    elif tokens.accept("UNIQUE"):
        _clustering(tokens)
        columns = tokens.name_list()
        _index_options(tokens)
        draft.uniques.append(UniqueConstraint(name=name, columns=tuple(draft.spelled(columns))))
    elif tokens.accept("FOREIGN"):
        tokens.expect("KEY")
        columns = tokens.name_list()
        tokens.expect("REFERENCES")
        draft.foreign_keys.append(_references(tokens, name, tuple(draft.spelled(columns))))
    elif tokens.accept("CHECK"):
        if tokens.accept("NOT"):
            tokens.expect("FOR")
            tokens.expect("REPLICATION")
        start, end = tokens.skip_parens()
        draft.checks.append(CheckConstraint(name=name, expression=tokens.text_between(start, end)))
    elif tokens.accept("DEFAULT"):
        expression = tokens.expression_until({"FOR"})
        tokens.expect("FOR")
        column = tokens.name()
        key = draft.column_key(column)
        if key is None:
            raise SyntaxProblem(f"DEFAULT for column {column}, which is not in table {draft.name}")
        draft.columns[key]["default"] = expression
        if tokens.accept("WITH"):
            tokens.expect("VALUES")
    elif tokens.accept("INDEX"):
        index_name = tokens.name()
        unique = False
        clustered = bool(_clustering(tokens))
        columns = tokens.name_list() if tokens.is_type(TokenType.L_PAREN) else []
        _index_options(tokens)
        draft.indexes.append(
            Index(name=index_name, columns=tuple(columns), unique=unique, clustered=clustered)
        )
    elif tokens.accept("PERIOD"):
        tokens.expect("FOR")
        tokens.name()
        tokens.skip_parens()
    else:
        raise SyntaxProblem(f"unexpected table constraint {tokens.where()}")


def _references(tokens: Tokens, name: str | None, columns: tuple[str, ...]) -> ForeignKey:
    referenced = read_object_name(tokens)
    referenced_columns: tuple[str, ...] = ()
    if tokens.is_type(TokenType.L_PAREN):
        referenced_columns = tuple(tokens.name_list())
    actions = {"DELETE": "NO ACTION", "UPDATE": "NO ACTION"}
    while tokens.is_word("ON") and tokens.is_word("DELETE", "UPDATE", ahead=1):
        tokens.next()
        event = tokens.next().text.upper()
        words = []
        while tokens.is_word("NO", "ACTION", "CASCADE", "SET", "NULL", "DEFAULT"):
            words.append(tokens.next().text.upper())
        action = " ".join(words)
        if action not in _REFERENTIAL_ACTIONS:
            raise SyntaxProblem(f"unknown ON {event} action {action!r}")
        actions[event] = action
    if tokens.accept("NOT"):
        tokens.expect("FOR")
        tokens.expect("REPLICATION")
    return ForeignKey(
        name=name,
        columns=columns,
        referenced=referenced,
        referenced_columns=referenced_columns,
        on_delete=actions["DELETE"],
        on_update=actions["UPDATE"],
    )


def _comma_names(tokens: Tokens) -> list[str]:
    names = [tokens.name()]
    while tokens.accept_type(TokenType.COMMA):
        tokens.accept("CONSTRAINT", "COLUMN")
        names.append(tokens.name())
    return names
