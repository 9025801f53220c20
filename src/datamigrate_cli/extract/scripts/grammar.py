"""T-SQL scripts -> Catalog.

Each statement is classified by its first words. Table DDL is read with a grammar of our own over
sqlglot's tokens; modules (views, procedures, functions, triggers) are kept verbatim with their
headers read; data and session statements are counted and skipped; anything else goes to the
snapshot's list of unparsed statements with file:line and the reason. Nothing disappears.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlglot.tokens import TokenType

from ...model.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    ObjectName,
    Parameter,
    PrimaryKey,
    Routine,
    RoutineKind,
    Schema,
    Sequence,
    SourceRef,
    Synonym,
    Table,
    Trigger,
    UniqueConstraint,
    UnparsedStatement,
    UserType,
    View,
)
from ...model.errors import InputError
from ...runtime.cycle_collector import collector_paused
from ...tsql.script import (
    ScriptNotes,
    Statement,
    find_sql_files,
    iter_words,
    read_script,
    split_batches,
    split_statements,
)
from ...tsql.tokens import SyntaxProblem, Tokens
from ...tsql.types import BASE_TYPES, TYPE_ALIASES, column_values
from ...tsql.types import sizes as _sizes
from . import fast

DEFAULT_SCHEMA = "dbo"

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
# sp_addextendedproperty's parameters in order, and its (type, name) pairs of levels 0 to 2.
_PROPERTY_LEVELS = tuple((f"level{i}type", f"level{i}name") for i in range(3))
_PROPERTY_PARAMETERS = ("name", "value", *(key for level in _PROPERTY_LEVELS for key in level))
_REFERENTIAL_ACTIONS = ("NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT")
# What ALTER TABLE ... ALTER COLUMN replaces (collation too, when it names one).
_ALTERED_FIELDS = ("data_type", "user_type", "max_length", "precision", "scale", "nullable")
# Words that end a column's option list entries (DEFAULT expressions stop before them).
_COLUMN_OPTION_WORDS = {
    "NOT", "NULL", "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "FOREIGN", "DEFAULT",
    "IDENTITY", "COLLATE", "ROWGUIDCOL", "SPARSE", "FILESTREAM", "PERSISTED", "MASKED", "ENCRYPTED",
    "GENERATED", "HIDDEN", "WITH", "INDEX", "FOR",
}  # fmt: skip


@dataclass
class _TableDraft:
    """A table as the statements so far define it. Columns stay field dicts (`types.column_values`)
    until `_Builder.catalog()` builds each Column once, with its type resolved and its properties."""

    name: ObjectName
    columns: dict[str, dict]
    source: SourceRef
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    nullability_from_type: set[str] = field(default_factory=set)
    """Columns of a user-defined type declared without NULL / NOT NULL: the type decides."""
    keys: dict[str, str] = field(default_factory=dict)
    """Lower-cased column name -> the first key of `columns` spelled so: change `columns` only through
    put_column and drop_column, which keep it (columns_named relies on it)."""
    description: str | None = None
    properties: dict[str, str] = field(default_factory=dict)

    def put_column(self, values: dict) -> None:
        name = values["name"]
        self.columns[name] = values
        self.keys.setdefault(name.lower(), name)

    def drop_column(self, key: str) -> None:
        del self.columns[key]
        self._index_keys()

    def _index_keys(self) -> None:
        self.keys = {}
        for key in self.columns:
            self.keys.setdefault(key.lower(), key)

    def column_key(self, name: str) -> str | None:
        """The column's key, found case-insensitively as SQL Server does."""
        return self.keys.get(name.lower())

    def columns_named(self, name: str) -> list[dict]:
        """The fields of every column of this name, compared case-insensitively."""
        if len(self.keys) == len(self.columns):  # no two names differ only in case: `keys` is exact
            key = self.keys.get(name.lower())
            return [] if key is None else [self.columns[key]]
        wanted = name.lower()
        return [fields for fields in self.columns.values() if fields["name"].lower() == wanted]

    def has_constraint(self, name: str) -> bool:
        wanted = name.lower()
        constraints = (self.primary_key, *self.uniques, *self.foreign_keys, *self.checks)
        return any(c is not None and (c.name or "").lower() == wanted for c in constraints)


@dataclass
class _Property:
    name: str
    value: str
    levels: list[tuple[str, str]]
    file: str
    line: int
    """Where the statement is: a SourceRef is made only if the property cannot be attached."""


@dataclass
class ExtractSummary:
    files: int = 0
    statements: int = 0


class _Builder:
    """Collects objects statement by statement; `catalog()` resolves and freezes them."""

    def __init__(self) -> None:
        self.schemas: dict[str, str] = {}
        self.tables: dict[str, _TableDraft] = {}
        self.views: dict[str, View] = {}
        self.routines: dict[str, Routine] = {}
        self.triggers: dict[str, Trigger] = {}
        self.types: dict[str, UserType] = {}
        self.sequences: dict[str, Sequence] = {}
        self.synonyms: dict[str, Synonym] = {}
        self.properties: list[_Property] = []
        self.unparsed: list[UnparsedStatement] = []
        self.skipped: Counter[str] = Counter()
        self.database: str | None = None
        self.first_seen: dict[str, SourceRef] = {}

    # ----------------------------------------------------------------- dispatch
    def add(self, statement: Statement) -> None:
        skipped = _SKIPPED_KINDS.get(statement.first_word)
        if skipped is not None:
            self.skipped[skipped] += 1  # data and session statements: counted from the first word alone
            return
        source = SourceRef(file=statement.file, line=statement.line)
        words = statement.words(4)
        try:
            handler = self._handler(words)
            if isinstance(handler, str):
                self.skipped[handler] += 1
                if handler == "database settings" and words[:2] == ["CREATE", "DATABASE"] and len(words) > 2:
                    self.database = self.database or _unquote(_first_name(statement.text, 2))
                return
            if handler is None:
                self._unparsed(statement, source, f"statement {' '.join(words[:2])} is not recognised")
                return
            handler(statement.text, source)
        except SyntaxProblem as exc:
            self._unparsed(statement, source, f"could not read {' '.join(words[:2])}: {exc}")

    def _handler(self, words: list[str]) -> Callable[[str, SourceRef], None] | str | None:
        first = words[0] if words else ""
        second = words[1] if len(words) > 1 else ""
        if first == "CREATE" and second == "OR" and len(words) > 3:
            second = words[3]
        if first == "CREATE":
            if second == "TABLE":
                return self._create_table
            if _is_index_words(words[1:]):
                return self._create_index
            modules = {
                "VIEW": self._create_view,
                "PROC": self._create_procedure,
                "PROCEDURE": self._create_procedure,
                "FUNCTION": self._create_function,
                "TRIGGER": self._create_trigger,
                "SCHEMA": self._create_schema,
                "TYPE": self._create_type,
                "SEQUENCE": self._create_sequence,
                "SYNONYM": self._create_synonym,
            }
            return modules.get(second) or _SKIPPED_CREATE.get(second)
        if first == "ALTER":
            if second == "TABLE":
                return self._alter_table
            if second in {"VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"}:
                return self._handler(["CREATE", *words[1:]])
            return _SKIPPED_ALTER.get(second)
        if first in {"EXEC", "EXECUTE"}:
            procedure = second[4:] if second.startswith("SYS.") else second
            if procedure == "SYS" and len(words) > 2:
                procedure = words[2]
            if procedure == "SP_ADDEXTENDEDPROPERTY":
                return self._extended_property
            if procedure == "SP_ADDTYPE":
                return self._sp_addtype
            return _SKIPPED_EXEC.get(procedure, "procedure call")
        return _SKIPPED_KINDS.get(first)

    def _unparsed(self, statement: Statement, source: SourceRef, reason: str) -> None:
        self.unparsed.append(UnparsedStatement(source=source, reason=reason, text=statement.text))

    def _claim(self, kind: str, name: ObjectName, source: SourceRef, text: str) -> bool:
        """Record the first definition of an object; a second one is kept as unparsed."""
        key = f"{kind}:{name.key}"
        first = self.first_seen.get(key)
        if first is not None:
            self.unparsed.append(
                UnparsedStatement(
                    source=source,
                    reason=f"{kind} {name} is already defined at {first}; this later definition was ignored",
                    text=text,
                )
            )
            return False
        self.first_seen[key] = source
        self.schemas.setdefault(name.schema_.lower(), name.schema_)
        return True

    # ----------------------------------------------------------------- tables
    def _create_table(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        tokens.expect("TABLE")
        name = _object_name(tokens)
        if name.name.startswith("#"):
            self.skipped["temporary table"] += 1
            return
        draft = _TableDraft(name=name, columns={}, source=source)
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
        if not self._claim("table", name, source, text):
            return
        if not draft.columns:
            raise SyntaxProblem("the table has no columns")
        self.tables[name.key] = draft

    def _alter_table(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("ALTER")
        tokens.expect("TABLE")
        name = _object_name(tokens)
        draft = self.tables.get(name.key)
        if tokens.accept("WITH"):
            tokens.expect("CHECK", "NOCHECK")
        if tokens.is_word("CHECK", "NOCHECK") and tokens.is_word("CONSTRAINT", ahead=1):
            self.skipped["constraint state"] += 1
            return
        if tokens.is_word("ENABLE", "DISABLE", "SET", "SWITCH", "REBUILD"):
            self.skipped["table settings"] += 1
            return
        if draft is None:
            raise SyntaxProblem(f"table {name} is not defined (earlier in these scripts)")
        if tokens.accept("ADD"):
            while not tokens.at_end():
                if tokens.is_word("CONSTRAINT") and draft.has_constraint(tokens.peek(1).text.strip('[]"')):
                    raise SyntaxProblem(f"constraint {tokens.peek(1).text} is already defined on {name}")
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
                    _drop_constraint(draft, dropped)
        else:
            raise SyntaxProblem(f"ALTER TABLE action {tokens.where()} is not supported")
        if not tokens.at_end() and not tokens.is_word("ON", "WITH"):
            raise SyntaxProblem(f"unexpected text {tokens.where()}")

    def _create_index(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        unique = tokens.accept("UNIQUE")
        clustered = tokens.accept("CLUSTERED")
        tokens.accept("NONCLUSTERED")
        columnstore = tokens.accept("COLUMNSTORE")
        tokens.expect("INDEX")
        index_name = tokens.name()
        tokens.expect("ON")
        table = _object_name(tokens)
        columns: list[str] = (
            [] if columnstore and not tokens.is_type(TokenType.L_PAREN) else tokens.name_list()
        )
        included: list[str] = []
        filter_text = None
        if tokens.accept("INCLUDE"):
            included = tokens.name_list()
        if tokens.accept("WHERE"):
            filter_text = tokens.expression_until({"WITH", "ON"})
        draft = self.tables.get(table.key)
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

    # ----------------------------------------------------------------- modules
    def _create_view(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(_header(text))
        _create_or_alter(tokens, "VIEW")
        name = _object_name(tokens)
        if self._claim("view", name, source, text):
            self.views[name.key] = View(name=name, definition=text, source=source)

    def _create_procedure(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(_header(text))
        _create_or_alter(tokens, "PROC", "PROCEDURE")
        name = _object_name(tokens)
        if tokens.accept_type(TokenType.SEMICOLON):
            tokens.number()  # numbered procedure group
        parameters = _parameters(tokens, until={"AS", "WITH", "FOR"})
        if self._claim("procedure", name, source, text):
            self.routines[name.key] = Routine(
                name=name,
                kind=RoutineKind.PROCEDURE,
                parameters=tuple(parameters),
                definition=text,
                source=source,
            )

    def _create_function(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(_header(text))
        _create_or_alter(tokens, "FUNCTION")
        name = _object_name(tokens)
        parameters = _parameters(tokens, until={"RETURNS"}) if tokens.is_type(TokenType.L_PAREN) else []
        tokens.expect("RETURNS")
        if tokens.is_word("TABLE"):
            kind = RoutineKind.INLINE_TABLE_FUNCTION
        elif tokens.is_type(TokenType.PARAMETER):
            kind = RoutineKind.TABLE_FUNCTION
        else:
            kind = RoutineKind.SCALAR_FUNCTION
        if self._claim("function", name, source, text):
            self.routines[name.key] = Routine(
                name=name, kind=kind, parameters=tuple(parameters), definition=text, source=source
            )

    def _create_trigger(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(_header(text))
        _create_or_alter(tokens, "TRIGGER")
        name = _object_name(tokens)
        tokens.expect("ON")
        table = None
        if tokens.accept("DATABASE"):
            pass
        elif tokens.accept("ALL"):
            tokens.expect("SERVER")
        else:
            table = _object_name(tokens)
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
        if self._claim("trigger", trigger_name, source, text):
            self.triggers[trigger_name.key] = Trigger(
                name=trigger_name, table=table, events=tuple(events), definition=text, source=source
            )

    # ----------------------------------------------------------------- other objects
    def _create_schema(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        tokens.expect("SCHEMA")
        tokens.accept("AUTHORIZATION")  # CREATE SCHEMA AUTHORIZATION owner names the schema for its owner
        name = tokens.name()
        self.schemas[name.lower()] = name
        if tokens.accept("AUTHORIZATION"):
            tokens.name()
        if not tokens.at_end():
            raise SyntaxProblem("CREATE SCHEMA with objects inside is not supported; create them apart")

    def _create_type(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        tokens.expect("TYPE")
        name = _object_name(tokens)
        if tokens.accept("AS"):
            self.skipped["table type"] += 1
            return
        tokens.expect("FROM")
        base, length, precision, scale = _data_type(tokens)
        nullable = not (tokens.accept("NOT") and tokens.accept("NULL"))
        self._add_type(name, base, length, precision, scale, nullable, source, text)

    def _sp_addtype(self, text: str, source: SourceRef) -> None:
        arguments = _exec_arguments(Tokens(text))
        values = _named_or_positional(arguments, ["typename", "phystype", "nulltype", "owner"])
        if "typename" not in values or "phystype" not in values:
            raise SyntaxProblem("sp_addtype needs a type name and a physical type")
        tokens = Tokens(values["phystype"])
        base, length, precision, scale = _data_type(tokens)
        nullable = values.get("nulltype", "NULL").strip().upper() != "NOT NULL"
        name = ObjectName(schema=values.get("owner") or DEFAULT_SCHEMA, name=values["typename"])
        self._add_type(name, base, length, precision, scale, nullable, source, text)

    def _add_type(self, name, base, length, precision, scale, nullable, source, text) -> None:
        if self._claim("type", name, source, text):
            self.types[name.name.lower()] = UserType(
                name=name,
                base_type=base,
                max_length=length,
                precision=precision,
                scale=scale,
                nullable=nullable,
                source=source,
            )

    def _create_sequence(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        tokens.expect("SEQUENCE")
        name = _object_name(tokens)
        data_type, start, increment = "bigint", None, None
        while not tokens.at_end():
            if tokens.accept("AS"):
                data_type = _data_type(tokens)[0]
            elif tokens.accept("START"):
                tokens.expect("WITH")
                start = tokens.number()
            elif tokens.accept("INCREMENT"):
                tokens.expect("BY")
                increment = tokens.number()
            else:
                tokens.next()
        if self._claim("sequence", name, source, text):
            self.sequences[name.key] = Sequence(
                name=name, data_type=data_type, start=start, increment=increment, source=source
            )

    def _create_synonym(self, text: str, source: SourceRef) -> None:
        tokens = Tokens(text)
        tokens.expect("CREATE")
        tokens.expect("SYNONYM")
        name = _object_name(tokens)
        tokens.expect("FOR")
        target = ".".join(f"[{part}]" for part in tokens.dotted_name())
        if self._claim("synonym", name, source, text):
            self.synonyms[name.key] = Synonym(name=name, target=target, source=source)

    def _extended_property(self, text: str, source: SourceRef) -> None:
        arguments = _named_or_positional(_exec_arguments(Tokens(text)), _PROPERTY_PARAMETERS)
        self._add_property(arguments, source.file, source.line)

    def _add_property(self, values: dict[str, str], file: str, line: int) -> None:
        """sp_addextendedproperty's arguments by parameter name, recorded for `catalog()` to attach."""
        if "name" not in values:
            raise SyntaxProblem("sp_addextendedproperty without @name")
        levels = []
        for type_key, name_key in _PROPERTY_LEVELS:
            kind, owner = values.get(type_key), values.get(name_key)
            if kind and owner:
                levels.append((kind.upper(), owner))
        self.properties.append(_Property(values["name"], values.get("value", ""), levels, file, line))

    # ----------------------------------------------------------------- the fast path
    def add_fast(self, statement: Statement, read: fast.Read) -> None:
        """Apply what `fast.read_batch` read, as the grammar would have applied the same statement."""
        try:
            if isinstance(read, fast.TableRead):
                self._fast_table(read, statement.text, _source(statement))
            elif isinstance(read, fast.AlterRead):
                self._fast_alter(read)
            elif isinstance(read, fast.PropertyRead):
                self._add_property(read.arguments, statement.file, statement.line)
            else:
                self._fast_index(read)
        except SyntaxProblem as exc:
            words = statement.words(2)
            self._unparsed(statement, _source(statement), f"could not read {' '.join(words[:2])}: {exc}")

    def _fast_table(self, read: fast.TableRead, text: str, source: SourceRef) -> None:
        name = _parts_name(read.name)
        draft = _TableDraft(name=name, columns={}, source=source)
        for item in read.items:
            kind = type(item)
            if kind is dict:  # most columns: the fields alone
                draft.put_column(item)
            elif kind is fast.ColumnRead:
                _put_fast_column(draft, item)
            else:
                _fast_constraint(draft, item)
        if not self._claim("table", name, source, text):
            return
        if not draft.columns:
            raise SyntaxProblem("the table has no columns")
        self.tables[name.key] = draft

    def _fast_alter(self, read: fast.AlterRead) -> None:
        name = _parts_name(read.name)
        if read.state_only:
            self.skipped["constraint state"] += 1
            return
        draft = self.tables.get(name.key)
        if draft is None:
            raise SyntaxProblem(f"table {name} is not defined (earlier in these scripts)")
        for item in read.items:
            constraint = item.name if isinstance(item, fast.ForeignRead) else item[1]
            if constraint is not None and draft.has_constraint(constraint.strip('[]"')):
                raise SyntaxProblem(f"constraint {constraint} is already defined on {name}")
            _fast_constraint(draft, item)

    def _fast_index(self, read: fast.IndexRead) -> None:
        table = _parts_name(read.table)
        draft = self.tables.get(table.key)
        if draft is None:
            raise SyntaxProblem(f"index {read.name} is on table {table}, which is not defined")
        draft.indexes.append(
            Index(
                name=read.name,
                columns=read.columns,
                unique=read.unique,
                clustered=read.clustered,
                included=read.included,
                filter=None,
            )
        )

    # ----------------------------------------------------------------- finishing
    def catalog(self) -> Catalog:
        views = dict(self.views)
        schemas = {key: Schema(name=name) for key, name in self.schemas.items()}
        for prop in self.properties:
            self._apply_property(prop, views, schemas)
        tables = [self._finish_table(draft) for draft in self.tables.values()]
        return Catalog(
            database=self.database,
            origin="scripts",
            schemas=tuple(sorted(schemas.values(), key=lambda s: s.name.lower())),
            tables=_sorted(tables),
            views=_sorted(views.values()),
            routines=_sorted(self.routines.values()),
            triggers=_sorted(self.triggers.values()),
            user_types=_sorted(self.types.values()),
            sequences=_sorted(self.sequences.values()),
            synonyms=_sorted(self.synonyms.values()),
            unparsed=tuple(self.unparsed),
            skipped=dict(sorted(self.skipped.items())),
        )

    def _finish_table(self, draft: _TableDraft) -> Table:
        if self.types:
            for values in draft.columns.values():
                if values["data_type"] not in BASE_TYPES and values["computed"] is None:
                    self._resolve_type(values, values["name"] in draft.nullability_from_type)
        for column in draft.primary_key.columns if draft.primary_key else ():
            for values in draft.columns_named(column):
                values["nullable"] = False  # SQL Server makes every primary-key column NOT NULL
        foreign_keys = tuple(self._resolve_reference(fk) for fk in draft.foreign_keys)
        return Table.trusted(
            {
                "name": draft.name,
                "columns": tuple(map(Column.trusted, draft.columns.values())),
                "primary_key": draft.primary_key,
                "unique_constraints": tuple(draft.uniques),
                "foreign_keys": foreign_keys,
                "checks": tuple(draft.checks),
                "indexes": tuple(draft.indexes),
                "description": draft.description,
                "properties": draft.properties,
                "row_count": None,
                "source": draft.source,
            }
        )

    def _resolve_type(self, values: dict, nullability_from_type: bool) -> None:
        """A user-defined type's column: its base type, sizes and (undeclared) nullability."""
        user_type = self.types.get(values["data_type"])
        if user_type is None:
            return
        values["data_type"] = user_type.base_type
        values["user_type"] = user_type.name.name
        values["max_length"] = user_type.max_length
        values["precision"] = user_type.precision
        values["scale"] = user_type.scale
        if nullability_from_type:
            values["nullable"] = user_type.nullable

    def _resolve_reference(self, fk: ForeignKey) -> ForeignKey:
        if fk.referenced_columns:
            return fk
        target = self.tables.get(fk.referenced.key)
        if target is None or target.primary_key is None:
            return fk
        return fk.model_copy(update={"referenced_columns": target.primary_key.columns})

    def _apply_property(self, prop: _Property, views: dict, schemas: dict) -> None:
        """Attach one extended property to its schema, view, table draft or draft's column(s)."""
        kinds = [kind for kind, _ in prop.levels]
        names = [owner for _, owner in prop.levels]
        description = prop.name == "MS_Description"

        def attach(obj):
            if description:
                return obj.model_copy(update={"description": prop.value})
            return obj.model_copy(update={"properties": {**obj.properties, prop.name: prop.value}})

        def set_on(fields: dict) -> None:  # a draft column's fields
            if description:
                fields["description"] = prop.value
            else:
                fields["properties"] = {**fields["properties"], prop.name: prop.value}

        if kinds == ["SCHEMA"] and names[0].lower() in schemas:
            schemas[names[0].lower()] = attach(schemas[names[0].lower()])
            return
        if len(kinds) >= 2 and kinds[0] == "SCHEMA":
            key = f"{names[0]}.{names[1]}".lower()  # ObjectName.key, without building one
            if kinds[1] == "VIEW" and len(kinds) == 2 and key in views:
                views[key] = attach(views[key])
                return
            draft = self.tables.get(key) if kinds[1] == "TABLE" else None
            if draft is not None and len(kinds) == 2:
                if description:
                    draft.description = prop.value
                else:
                    draft.properties = {**draft.properties, prop.name: prop.value}
                return
            if draft is not None and kinds[2] == "COLUMN":
                columns = draft.columns_named(names[2])
                for fields in columns:
                    set_on(fields)
                if columns:
                    return
        where = ".".join(names) or "the database"
        self.unparsed.append(
            UnparsedStatement(
                source=SourceRef(file=prop.file, line=prop.line),
                reason=f"extended property {prop.name} is on {where}, which is not a known schema, "
                "table, view or column",
                text=f"{prop.name} = {prop.value}",
            )
        )


# --------------------------------------------------------------------- fast-path pieces
def _source(statement: Statement) -> SourceRef:
    return SourceRef.trusted({"file": statement.file, "line": statement.line})


@lru_cache(maxsize=fast.NAMES_CACHED)  # a table's name comes back in its keys and the keys that reference it
def _parts_name(parts: tuple[str, ...]) -> ObjectName:
    schema = (parts[-2] or DEFAULT_SCHEMA) if len(parts) > 1 else DEFAULT_SCHEMA
    return ObjectName.trusted({"schema_": schema, "name": parts[-1]})


def _foreign_key(read: fast.ForeignRead, columns: tuple[str, ...]) -> ForeignKey:
    return ForeignKey.trusted(
        {
            "name": read.name,
            "columns": columns,
            "referenced": _parts_name(read.referenced),
            "referenced_columns": read.referenced_columns,
            "on_delete": read.on_delete,
            "on_update": read.on_update,
        }
    )


def _primary_key(name: str | None, columns: tuple[str, ...], clustered: bool | None) -> PrimaryKey:
    return PrimaryKey.trusted({"name": name, "columns": columns, "clustered": clustered})


def _put_fast_column(draft: _TableDraft, read: fast.ColumnRead) -> None:
    """Add the column as `_column` reads the same text; inline constraints go to the draft in order."""
    for constraint in read.constraints:
        if isinstance(constraint, fast.ForeignRead):
            draft.foreign_keys.append(_foreign_key(constraint, constraint.columns))
            continue
        kind, name = constraint[0], constraint[1]
        if kind == "primary":
            draft.primary_key = _primary_key(name, constraint[2], constraint[3])
        elif kind == "unique":
            draft.uniques.append(UniqueConstraint(name=name, columns=constraint[2]))
        else:  # check
            draft.checks.append(
                CheckConstraint(name=name, expression=constraint[2], column=read.values["name"])
            )
    values = read.values
    name = values["name"]
    if values["identity"] is not None:
        values["identity"] = _identity(*values["identity"])
    if read.nullability_from_type:
        draft.nullability_from_type.add(name)
    draft.put_column(values)


@lru_cache(maxsize=256)  # frozen, so one object per (seed, increment) serves every column
def _identity(seed: int, increment: int) -> Identity:
    return Identity(seed=seed, increment=increment)


def _fast_constraint(draft: _TableDraft, item: tuple) -> None:
    """A table constraint as `_table_constraint` applies the same text."""
    if isinstance(item, fast.ForeignRead):
        draft.foreign_keys.append(_foreign_key(item, tuple(_column_names(draft, item.columns))))
        return
    kind, name = item[0], item[1]
    if kind == "primary":
        columns = tuple(_column_names(draft, item[2]))
        draft.primary_key = _primary_key(name, columns, item[3])
    elif kind == "unique":
        draft.uniques.append(UniqueConstraint(name=name, columns=tuple(_column_names(draft, item[2]))))
    elif kind == "check":
        draft.checks.append(CheckConstraint(name=name, expression=item[2]))
    else:  # default
        expression, column = item[2], item[3]
        key = draft.column_key(column)
        if key is None:
            raise SyntaxProblem(f"DEFAULT for column {column}, which is not in table {draft.name}")
        draft.columns[key]["default"] = expression


# --------------------------------------------------------------------- grammar pieces
def _object_name(tokens: Tokens) -> ObjectName:
    parts = tokens.dotted_name()
    if len(parts) == 1:
        return ObjectName(schema=DEFAULT_SCHEMA, name=parts[0])
    return ObjectName(schema=parts[-2] or DEFAULT_SCHEMA, name=parts[-1])


def _data_type(tokens: Tokens) -> tuple[str, int | None, int | None, int | None]:
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


def _column(tokens: Tokens, draft: _TableDraft) -> dict:
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
    data_type, length, precision, scale = _data_type(tokens)
    fields = {}
    _column_options(tokens, draft, name, fields)
    return _typed_column(draft, name, data_type, (length, precision, scale), fields)


def _typed_column(
    draft: _TableDraft, name: str, data_type: str, sizes: tuple[int | None, ...], fields: dict
) -> dict:
    if "nullable" not in fields and data_type not in BASE_TYPES:
        draft.nullability_from_type.add(name)
    return column_values(name, data_type, sizes, fields)


def _column_options(tokens: Tokens, draft: _TableDraft, column: str, fields: dict) -> None:
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


def _table_constraint(tokens: Tokens, draft: _TableDraft) -> None:
    name = tokens.name() if tokens.accept("CONSTRAINT") else None
    if tokens.accept("PRIMARY"):
        tokens.expect("KEY")
        clustered = _clustering(tokens)
        columns = tokens.name_list()
        _index_options(tokens)
        draft.primary_key = PrimaryKey(
            name=name, columns=tuple(_column_names(draft, columns)), clustered=clustered
        )
    elif tokens.accept("UNIQUE"):
        _clustering(tokens)
        columns = tokens.name_list()
        _index_options(tokens)
        draft.uniques.append(UniqueConstraint(name=name, columns=tuple(_column_names(draft, columns))))
    elif tokens.accept("FOREIGN"):
        tokens.expect("KEY")
        columns = tokens.name_list()
        tokens.expect("REFERENCES")
        draft.foreign_keys.append(_references(tokens, name, tuple(_column_names(draft, columns))))
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


def _column_names(draft: _TableDraft, names: Iterable[str]) -> list[str]:
    """Names as the table spells them (SQL Server compares them case-insensitively)."""
    return [draft.column_key(n) or n for n in names]


def _references(tokens: Tokens, name: str | None, columns: tuple[str, ...]) -> ForeignKey:
    referenced = _object_name(tokens)
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


def _drop_constraint(draft: _TableDraft, name: str) -> None:
    wanted = name.lower()

    def keep(item) -> bool:
        return (item.name or "").lower() != wanted

    if draft.primary_key and not keep(draft.primary_key):
        draft.primary_key = None
    draft.uniques = [u for u in draft.uniques if keep(u)]
    draft.foreign_keys = [f for f in draft.foreign_keys if keep(f)]
    draft.checks = [c for c in draft.checks if keep(c)]


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
        data_type, length, precision, scale = _data_type(tokens)
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


def _sorted(items: Iterable) -> tuple:
    return tuple(sorted(items, key=lambda item: (item.name.schema_.lower(), item.name.name.lower())))


# --------------------------------------------------------------------- entry point
def extract_scripts(
    paths: Iterable[Path],
    on_file: Callable[[Path], None] | None = None,
    *,
    fast_path: bool = True,
    freeze: bool = False,
) -> tuple[Catalog, ExtractSummary]:
    """Read every script under `paths` into a Catalog.

    `fast_path=False` reads every statement with the full grammar (the reference the fast path is
    tested against); the Catalog is the same either way. `freeze=True` moves what exists at the end
    into the cycle collector's permanent generation (`gc.freeze`), so it is never walked again: for
    a short-lived process such as the CLI; a long-lived one should leave it off, since cyclic garbage
    frozen then is never collected. Raises InputError for missing, empty or non-SQL input.
    Statements it cannot read are kept in `Catalog.unparsed`, never raised.
    """
    files = find_sql_files(list(paths))
    builder = _Builder()
    notes = ScriptNotes()
    summary = ExtractSummary(files=len(files))
    common = _common_parent(files)
    with collector_paused(freeze):
        for path in files:
            if on_file is not None:
                on_file(path)
            display = path.resolve().relative_to(common).as_posix()
            for batch in split_batches(read_script(path), display, notes):
                read = fast.read_batch(batch.text) if fast_path else None
                if read is not None:
                    line = batch.line + batch.text.count("\n", 0, read.start)
                    summary.statements += 1
                    builder.add_fast(Statement(read.text, display, line, read.first_word), read.read)
                    continue
                for statement in split_statements(batch, display):
                    summary.statements += 1
                    builder.add(statement)
        for file, line, reason, text in notes.unsupported:
            builder.unparsed.append(
                UnparsedStatement(source=SourceRef(file=file, line=line), reason=reason, text=text)
            )
        catalog = builder.catalog()
    _require_sql(catalog, files, summary)
    return catalog, summary


def _common_parent(files: list[Path]) -> Path:
    """The folder shared by all files, so that snapshots name files relative to it."""
    return Path(os.path.commonpath([p.resolve().parent for p in files]))


def _require_sql(catalog: Catalog, files: list[Path], summary: ExtractSummary) -> None:
    understood = catalog.tables or catalog.views or catalog.routines or catalog.user_types or catalog.skipped
    if not understood:
        names = ", ".join(str(f) for f in files[:3])
        raise InputError(
            f"{names}: no T-SQL statement was recognised in {summary.statements} statement(s); "
            "is this a SQL Server script?"
        )


def read_module(text: str) -> View | Routine | Trigger | None:
    """One module's CREATE text read as a script's would be: its kind, parameters, trigger events.

    The live extractor uses this on `sys.sql_modules` text, so that both sources read module headers
    the same way. Returns None when the text is not one view, routine or trigger this reader understands.
    """
    builder = _Builder()
    words = list(iter_words(text, 1))
    builder.add(Statement(text=text, file="", line=1, first_word=words[0].upper() if words else ""))
    found = [*builder.views.values(), *builder.routines.values(), *builder.triggers.values()]
    if builder.unparsed or len(found) != 1:
        return None
    return found[0].model_copy(update={"source": None})
