"""The Catalog being built from scripts: table drafts, extended properties, and the builder that
collects what the grammar and the fast path read, then resolves it (user-defined types, referenced
keys, properties) into a frozen Catalog.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from ...model.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    ObjectName,
    PrimaryKey,
    Routine,
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
from ...tsql.script import Statement
from ...tsql.tokens import SyntaxProblem
from ...tsql.types import BASE_TYPES
from . import fast

DEFAULT_SCHEMA = "dbo"
# sp_addextendedproperty's (type, name) parameter pairs of levels 0 to 2.
PROPERTY_LEVELS = tuple((f"level{i}type", f"level{i}name") for i in range(3))


@dataclass
class TableDraft:
    """A table as the statements so far define it. Columns stay field dicts (`types.column_values`)
    until `CatalogBuilder.catalog()` builds each Column once, with its type resolved and its properties."""

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
        """Add (or replace) a column from its fields."""
        name = values["name"]
        self.columns[name] = values
        self.keys.setdefault(name.lower(), name)

    def drop_column(self, key: str) -> None:
        """Remove the column of this key (as `column_key` gives it)."""
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

    def spelled(self, names: Iterable[str]) -> list[str]:
        """Names as the table spells them (SQL Server compares them case-insensitively)."""
        return [self.column_key(n) or n for n in names]

    def has_constraint(self, name: str) -> bool:
        """Whether a key, foreign key or check of this name (case-insensitive) is on the table."""
        wanted = name.lower()
        constraints = (self.primary_key, *self.uniques, *self.foreign_keys, *self.checks)
        return any(c is not None and (c.name or "").lower() == wanted for c in constraints)

    def drop_constraint(self, name: str) -> None:
        """ALTER TABLE ... DROP CONSTRAINT name: the key, foreign key or check of that name goes."""
        wanted = name.lower()

        def keep(item: PrimaryKey | UniqueConstraint | ForeignKey | CheckConstraint) -> bool:
            return (item.name or "").lower() != wanted

        if self.primary_key and not keep(self.primary_key):
            self.primary_key = None
        self.uniques = [u for u in self.uniques if keep(u)]
        self.foreign_keys = [f for f in self.foreign_keys if keep(f)]
        self.checks = [c for c in self.checks if keep(c)]


@dataclass
class _Property:
    name: str
    value: str
    levels: list[tuple[str, str]]
    file: str
    line: int
    """Where the statement is: a SourceRef is made only if the property cannot be attached."""


class CatalogBuilder:
    """Collects objects statement by statement; `catalog()` resolves and freezes them.

    The grammar (grammar.py) and the fast path (`add_fast`) read statements; the builder applies what
    they read.
    """

    def __init__(self) -> None:
        self.schemas: dict[str, str] = {}
        self.tables: dict[str, TableDraft] = {}
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

    def add_unparsed(self, statement: Statement, source: SourceRef, reason: str) -> None:
        """Keep the statement in the snapshot's unparsed list, with the reason."""
        self.unparsed.append(UnparsedStatement(source=source, reason=reason, text=statement.text))

    def claim(self, kind: str, name: ObjectName, source: SourceRef, text: str) -> bool:
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

    def add_type(
        self,
        name: ObjectName,
        base: str,
        length: int | None,
        precision: int | None,
        scale: int | None,
        nullable: bool,
        source: SourceRef,
        text: str,
    ) -> None:
        """A user-defined type (CREATE TYPE ... FROM or sp_addtype), unless it is already defined."""
        if self.claim("type", name, source, text):
            self.types[name.name.lower()] = UserType(
                name=name,
                base_type=base,
                max_length=length,
                precision=precision,
                scale=scale,
                nullable=nullable,
                source=source,
            )

    def add_property(self, values: dict[str, str], file: str, line: int) -> None:
        """sp_addextendedproperty's arguments by parameter name, recorded for `catalog()` to attach."""
        if "name" not in values:
            raise SyntaxProblem("sp_addextendedproperty without @name")
        levels = []
        for type_key, name_key in PROPERTY_LEVELS:
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
                self.add_property(read.arguments, statement.file, statement.line)
            else:
                self._fast_index(read)
        except SyntaxProblem as exc:
            words = statement.words(2)
            self.add_unparsed(statement, _source(statement), f"could not read {' '.join(words[:2])}: {exc}")

    def _fast_table(self, read: fast.TableRead, text: str, source: SourceRef) -> None:
        name = _parts_name(read.name)
        draft = TableDraft(name=name, columns={}, source=source)
        for item in read.items:
            kind = type(item)
            # `type(item)` once, for speed: mypy narrows no `kind is ...`, hence the casts
            if kind is dict:  # most columns: the fields alone
                draft.put_column(cast(dict, item))
            elif kind is fast.ColumnRead:
                _put_fast_column(draft, cast(fast.ColumnRead, item))
            else:
                _fast_constraint(draft, cast(tuple, item))
        if not self.claim("table", name, source, text):
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
        """The Catalog of everything added: properties attached, types and referenced keys resolved."""
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

    def _finish_table(self, draft: TableDraft) -> Table:
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

        def attach(obj: Schema | View) -> Schema | View:
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


def _put_fast_column(draft: TableDraft, read: fast.ColumnRead) -> None:
    """Add the column as table_grammar._column reads the same text; inline constraints go to the
    draft in order."""
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


def _fast_constraint(draft: TableDraft, item: tuple) -> None:
    """A table constraint as table_grammar._table_constraint applies the same text."""
    if isinstance(item, fast.ForeignRead):
        draft.foreign_keys.append(_foreign_key(item, tuple(draft.spelled(item.columns))))
        return
    kind, name = item[0], item[1]
    if kind == "primary":
        columns = tuple(draft.spelled(item[2]))
        draft.primary_key = _primary_key(name, columns, item[3])
    elif kind == "unique":
        draft.uniques.append(UniqueConstraint(name=name, columns=tuple(draft.spelled(item[2]))))
    elif kind == "check":
        draft.checks.append(CheckConstraint(name=name, expression=item[2]))
    else:  # default
        expression, column = item[2], item[3]
        key = draft.column_key(column)
        if key is None:
            raise SyntaxProblem(f"DEFAULT for column {column}, which is not in table {draft.name}")
        draft.columns[key]["default"] = expression


def _sorted(items: Iterable) -> tuple:
    return tuple(sorted(items, key=lambda item: (item.name.schema_.lower(), item.name.name.lower())))
