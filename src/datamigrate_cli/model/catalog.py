"""The Catalog: everything datamigrate knows about a SQL Server database, and its JSON snapshot.

The snapshot is the contract between `extract` and `generate`: one JSON document with a
`format_version`, sorted and indented so that teams can commit it and review schema drift.
This module imports nothing of the package.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from collections.abc import Mapping
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT_VERSION = 1

# Numbers and type names as SQL Server bounds them: a snapshot holding anything else is refused.
_INT32 = 2**31 - 1
Length = Annotated[int, Field(ge=-1, le=_INT32)]
"""Characters or bytes; -1 is MAX."""
Digits = Annotated[int, Field(ge=0, le=255)]
"""Precision or scale (SQL Server's largest is 53, for float; an unknown type may say more)."""
Line = Annotated[int, Field(ge=0, le=_INT32)]
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
Decimal38 = Annotated[int, Field(ge=-(10**38) + 1, le=10**38 - 1)]
"""An identity seed or a sequence value: up to decimal(38, 0)."""
TypeName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_#@][A-Za-z0-9_#@$ .]{0,127}(\( *(?:[Mm][Aa][Xx]|-?[0-9]{1,10}) *(?:, *[0-9]{1,10} *)?\))?$"
    ),
]
"""A type's name, with its size when it has one: `nvarchar`, `decimal(12,2)`, `varchar(max)`."""


class CatalogFormatError(ValueError):
    """A snapshot file that cannot be read as a Catalog (the message says where and why)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def trusted(cls, fields: dict[str, Any]) -> Self:
        """An instance of `fields` (by field name, every field given, each value already of its
        field's type), made without validation; the dict becomes the instance's own.

        For readers that build hundreds of thousands of objects from values they made themselves:
        validating them was the largest cost of reading a big schema. What `model_construct` does,
        without its per-field work. Instances share one fields-set: pydantic changes that set only
        on a model that can change (these are frozen) or on a copy (`model_copy`).
        tests/test_fast_path.py compares such objects with validated ones.
        """
        instance = cls.__new__(cls)
        _set(instance, "__dict__", fields)
        _set(instance, "__pydantic_fields_set__", _all_fields(cls))
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance


_set = object.__setattr__


@cache
def _all_fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def _only_when_set(value: object) -> bool:
    # Fields added after format_version 1 are left out of a snapshot while they hold their
    # default, so snapshots written before they existed stay byte-identical.
    return not value


def _since_v1(default: object) -> Any:
    """A field added after format_version 1: written to a snapshot only when it is set."""
    return Field(default=default, exclude_if=_only_when_set)


class SourceRef(_Model):
    """Where an object came from: a script file and the line its statement starts on."""

    file: str
    line: Line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class ObjectName(_Model):
    """A schema-qualified name: [Sales].[Order] and [dbo].[Order] are different objects."""

    schema_: str = Field(alias="schema")
    name: str

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def key(self) -> str:
        return f"{self.schema_}.{self.name}".lower()

    def __str__(self) -> str:
        return f"[{self.schema_}].[{self.name}]"


class Identity(_Model):
    seed: Decimal38 = 1
    increment: Decimal38 = 1


class Column(_Model):
    name: str
    data_type: TypeName
    """The SQL Server base type in lower case (user-defined types resolved): int, nvarchar, money..."""
    user_type: str | None = None
    """The user-defined type the column was declared with, when it was one (pubs: id, tid)."""
    max_length: Length | None = None
    """Length in characters for character types, bytes for binary types; -1 means MAX."""
    precision: Digits | None = None
    scale: Digits | None = None
    nullable: bool = True
    identity: Identity | None = None
    default: str | None = None
    computed: str | None = None
    persisted: bool = False
    collation: str | None = None
    description: str | None = None
    properties: dict[str, str] = {}
    """Extended properties other than MS_Description."""


class PrimaryKey(_Model):
    name: str | None = None
    columns: tuple[str, ...]
    clustered: bool | None = None


class UniqueConstraint(_Model):
    name: str | None = None
    columns: tuple[str, ...]


class ForeignKey(_Model):
    name: str | None = None
    columns: tuple[str, ...]
    referenced: ObjectName
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"


class CheckConstraint(_Model):
    name: str | None = None
    expression: str
    column: str | None = None
    """Set when the check was declared on a column."""


class Index(_Model):
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    clustered: bool = False
    included: tuple[str, ...] = ()
    filter: str | None = None


class Table(_Model):
    name: ObjectName
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    description: str | None = None
    properties: dict[str, str] = {}
    row_count: Count | None = None
    source: SourceRef | None = None

    def column(self, name: str) -> Column | None:
        wanted = name.lower()
        return next((c for c in self.columns if c.name.lower() == wanted), None)


class View(_Model):
    name: ObjectName
    definition: str
    """The whole CREATE VIEW statement, verbatim ("" when encrypted)."""
    description: str | None = None
    properties: dict[str, str] = {}
    source: SourceRef | None = None
    encrypted: bool = _since_v1(False)
    """Created WITH ENCRYPTION: the server does not reveal the definition."""


class RoutineKind(StrEnum):
    PROCEDURE = "procedure"
    SCALAR_FUNCTION = "scalar_function"
    INLINE_TABLE_FUNCTION = "inline_table_function"
    TABLE_FUNCTION = "table_function"


class Parameter(_Model):
    name: str
    data_type: TypeName
    default: str | None = None
    output: bool = False


class Routine(_Model):
    name: ObjectName
    kind: RoutineKind
    parameters: tuple[Parameter, ...] = ()
    definition: str
    description: str | None = None
    source: SourceRef | None = None
    encrypted: bool = _since_v1(False)


class Trigger(_Model):
    name: ObjectName
    table: ObjectName | None
    """None for a database-level (DDL) trigger."""
    events: tuple[str, ...] = ()
    definition: str
    source: SourceRef | None = None
    encrypted: bool = _since_v1(False)


class UserType(_Model):
    name: ObjectName
    base_type: TypeName
    max_length: Length | None = None
    precision: Digits | None = None
    scale: Digits | None = None
    nullable: bool = True
    source: SourceRef | None = None


class Sequence(_Model):
    name: ObjectName
    data_type: TypeName = "bigint"
    start: Decimal38 | None = None
    increment: Decimal38 | None = None
    source: SourceRef | None = None


class Synonym(_Model):
    name: ObjectName
    target: str
    source: SourceRef | None = None


class Schema(_Model):
    name: str
    description: str | None = None
    properties: dict[str, str] = {}


class Dependency(_Model):
    """A module (view, routine, trigger) that names another object; only a live server knows these."""

    referencing: ObjectName
    referenced: ObjectName
    referenced_database: str | None = None
    """Set when the referenced object is in another database."""
    referenced_server: str | None = None
    """Set when the referenced object is on a linked server."""


class UnparsedStatement(_Model):
    """A statement datamigrate could not understand: kept, never dropped silently."""

    source: SourceRef
    reason: str
    text: str


class Catalog(_Model):
    format_version: int = FORMAT_VERSION
    database: str | None = None
    origin: str = "scripts"
    """'scripts' or 'server'."""
    server_version: str | None = None
    schemas: tuple[Schema, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    routines: tuple[Routine, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    user_types: tuple[UserType, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    synonyms: tuple[Synonym, ...] = ()
    unparsed: tuple[UnparsedStatement, ...] = ()
    skipped: dict[str, int] = {}
    """Statements understood and deliberately not modelled (data, session settings), by kind."""
    dependencies: tuple[Dependency, ...] = _since_v1(())
    """From sys.sql_expression_dependencies (live servers only)."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, without the lookups cached on this one: they would not hold for changed tables."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("tables_by_key", None)
        return copied

    @cached_property
    def tables_by_key(self) -> dict[str, Table]:
        return {t.name.key: t for t in self.tables}

    def table(self, name: ObjectName) -> Table | None:
        return self.tables_by_key.get(name.key)


def dumps(catalog: Catalog) -> str:
    """The snapshot text: deterministic, sorted keys, 2-space indent, trailing newline."""
    return _dumps_utf8(catalog).decode("utf-8")


def _dumps_utf8(catalog: Catalog) -> bytes:
    """The snapshot text in UTF-8, as orjson makes it (a large snapshot is not decoded to be encoded again)."""
    data = catalog.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    data["format_version"] = catalog.format_version
    try:  # the same text as json.dumps(indent=2, sort_keys=True, ensure_ascii=False), ten times faster
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    except orjson.JSONEncodeError:  # an integer beyond 64 bits (a decimal identity seed)
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def loads(text: str | bytes, where: str = "snapshot") -> Catalog:
    """Read a snapshot. Raises CatalogFormatError naming the file, the place and the problem.

    A snapshot may come from anywhere (a ticket, another team's repository): it is validated strictly,
    as JSON (no `true` where a number belongs, numbers within SQL Server's own limits, type names that
    are type names), and nothing in it can crash the reader: deep nesting, a lone surrogate and
    huge numbers are each one line naming the field. `text` may be the file's bytes (UTF-8): a large
    snapshot is then never held twice, as bytes and as text.
    """
    try:
        catalog = Catalog.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise _format_error(text, where, exc) from None
    if "format_version" not in catalog.model_fields_set:
        raise CatalogFormatError(f"{where}: not a datamigrate snapshot (no format_version at the top)")
    if catalog.format_version != FORMAT_VERSION:
        raise _version_error(where, catalog.format_version)
    return catalog


def _format_error(text: str | bytes, where: str, exc: ValidationError) -> CatalogFormatError:
    """The one line that says what is wrong with a snapshot the strict reader refused."""
    try:
        data = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except UnicodeDecodeError:
        return CatalogFormatError(
            f"{where}: not a text file (not UTF-8); pass the schema.json written by `extract`"
        )
    except json.JSONDecodeError as decode:
        return CatalogFormatError(
            f"{where}:{decode.lineno}:{decode.colno}: not valid JSON ({decode.msg}); "
            "the file may be truncated or hand-edited: run `datamigrate extract` again"
        )
    except RecursionError:
        return CatalogFormatError(f"{where}: not a datamigrate snapshot (its JSON is nested too deeply)")
    if not isinstance(data, dict) or "format_version" not in data:
        return CatalogFormatError(f"{where}: not a datamigrate snapshot (no format_version at the top)")
    version = data["format_version"]
    if type(version) is not int or version != FORMAT_VERSION:
        return _version_error(where, version)
    first = exc.errors()[0]
    if first["type"] == "json_invalid":  # valid for Python's reader, not for a strict one
        return CatalogFormatError(
            f"{where}: not valid JSON text ({first['msg']}; a lone surrogate escape, or nesting too deep); "
            "run `datamigrate extract` again"
        )
    path = ".".join(str(p) for p in first["loc"])
    problem = first["msg"]
    if first["type"] == "string_pattern_mismatch":  # the pattern itself would say nothing to a person
        problem = f"{json.dumps(first['input'])[:80]} is not a type name"
    return CatalogFormatError(
        f"{where}: invalid snapshot at {path}: {problem} "
        f"({exc.error_count()} problem(s)); run `datamigrate extract` again"
    )


def _version_error(where: str, version: object) -> CatalogFormatError:
    newer = type(version) is int and version > FORMAT_VERSION
    hint = "upgrade datamigrate" if newer else "run `datamigrate extract` again"
    return CatalogFormatError(
        f"{where}: snapshot format_version {json.dumps(version)} is not supported "
        f"(this datamigrate reads version {FORMAT_VERSION}): {hint}"
    )


def read_snapshot(path: Path) -> Catalog:
    """Read a snapshot file. Raises CatalogFormatError or OSError."""
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):  # saved by an editor that marks UTF-8
        raw = raw[len(codecs.BOM_UTF8) :]
    return loads(raw, where=str(path))


def write_snapshot(catalog: Catalog, path: Path) -> None:
    """Write a snapshot atomically: a failed write never leaves a truncated file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(_dumps_utf8(catalog))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def origin_independent(catalog: Catalog) -> Catalog:
    """The catalog without what depends on where it was read from, to compare a server with its scripts.

    Taken out: origin, database name, server version, row counts and dependencies (only a server
    knows them); `source` file:line references and the script reader's notes, `unparsed` and `skipped`
    (only scripts have them). Constraints and indexes are sorted by name: scripts list them in
    declaration order, a server in creation order.
    """

    def by_name(items: tuple) -> tuple:
        return tuple(sorted(items, key=lambda item: ((item.name or "").lower(), repr(item))))

    def plain(obj: Any) -> Any:  # any of the models with a source
        return obj.model_copy(update={"source": None})

    tables = tuple(
        table.model_copy(
            update={
                "source": None,
                "row_count": None,
                "unique_constraints": by_name(table.unique_constraints),
                "foreign_keys": by_name(table.foreign_keys),
                "checks": by_name(table.checks),
                "indexes": by_name(table.indexes),
            }
        )
        for table in catalog.tables
    )
    return catalog.model_copy(
        update={
            "origin": "",
            "database": None,
            "server_version": None,
            "tables": tables,
            "views": tuple(map(plain, catalog.views)),
            "routines": tuple(map(plain, catalog.routines)),
            "triggers": tuple(map(plain, catalog.triggers)),
            "user_types": tuple(map(plain, catalog.user_types)),
            "sequences": tuple(map(plain, catalog.sequences)),
            "synonyms": tuple(map(plain, catalog.synonyms)),
            "unparsed": (),
            "skipped": {},
            "dependencies": (),
        }
    )
