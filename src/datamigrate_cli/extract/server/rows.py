"""The catalog queries over SQL Server's `sys.*` views, and the rows they return -> Catalog.

One query per kind of object for the whole database (queries/*.sql), never one per table. Rows are
plain mappings of column name to value, so `catalog_from_rows` is a pure function: the live
extractor feeds it from pyodbc, the tests from a fake connection.

Where the server and a script say the same thing differently, the rows are read the way the script
reader (extract/scripts) reads a script as SQL Server Management Studio writes it, so both give one Catalog:
sizes only for the types that take one in DDL (nvarchar lengths in characters, -1 for MAX), no
collation when it is the database's, no name for a constraint SQL Server named itself, module text
from its CREATE on (comments before it and line-end style dropped), module headers read by the script
reader. Expressions (defaults, checks, computed columns, filters) are the server's own normal form.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Sequence as Rows
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ...model.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    Dependency,
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
    Synonym,
    Table,
    Trigger,
    UniqueConstraint,
    UserType,
    View,
)
from ...model.errors import InputError
from ..scripts import DEFAULT_SCHEMA, read_module

Row = Mapping[str, Any]

# Each query, in the order they run, and the columns it returns (checked against the cursor).
QUERIES: dict[str, tuple[str, ...]] = {
    "server_info": ("product_version", "edition", "database_name", "collation_name", "has_view_definition"),
    "schemas": ("schema_id", "name"),
    "types": (
        "user_type_id", "schema_name", "name", "system_type_name", "max_length", "precision", "scale",
        "is_nullable",
    ),
    "tables": ("object_id", "schema_name", "name"),
    "columns": (
        "object_id", "column_id", "name", "type_name", "type_is_user_defined", "type_is_assembly_type",
        "system_type_name", "max_length", "precision", "scale", "collation_name", "is_nullable",
        "is_identity", "is_computed",
    ),
    "identity_columns": ("object_id", "column_id", "seed_value", "increment_value"),
    "computed_columns": ("object_id", "column_id", "definition", "is_persisted"),
    "default_constraints": (
        "object_id", "parent_object_id", "parent_column_id", "name", "definition", "is_system_named",
    ),
    "key_constraints": ("object_id", "parent_object_id", "name", "type", "unique_index_id", "is_system_named"),
    "indexes": (
        "object_id", "index_id", "name", "type", "is_unique", "is_primary_key", "is_unique_constraint",
        "has_filter", "filter_definition",
    ),
    "index_columns": (
        "object_id", "index_id", "index_column_id", "column_name", "key_ordinal", "is_descending_key",
        "is_included_column",
    ),
    "foreign_keys": (
        "object_id", "parent_object_id", "name", "is_system_named", "referenced_schema_name",
        "referenced_object_name", "delete_referential_action_desc", "update_referential_action_desc",
    ),
    "foreign_key_columns": (
        "constraint_object_id", "constraint_column_id", "parent_column_name", "referenced_column_name",
    ),
    "check_constraints": (
        "object_id", "parent_object_id", "name", "definition", "is_system_named", "parent_column_name",
    ),
    "extended_properties": ("class", "major_id", "minor_id", "name", "value"),
    "views": ("object_id", "schema_name", "name"),
    "routines": ("object_id", "schema_name", "name", "type"),
    "parameters": (
        "object_id", "parameter_id", "name", "type_name", "max_length", "precision", "scale", "is_output",
    ),
    "triggers": (
        "object_id", "name", "parent_class", "parent_schema_name", "parent_name", "is_instead_of_trigger",
    ),
    "trigger_events": ("object_id", "type", "type_desc"),
    "sql_modules": ("object_id", "definition"),
    "sequences": ("object_id", "schema_name", "name", "type_name", "start_value", "increment"),
    "synonyms": ("object_id", "schema_name", "name", "base_object_name"),
    "partitions": ("object_id", "row_count"),
    "dependencies": (
        "referencing_id", "referenced_server_name", "referenced_database_name", "referenced_schema_name",
        "referenced_entity_name",
    ),
}  # fmt: skip

_ROUTINE_KINDS = {
    "P": RoutineKind.PROCEDURE,
    "FN": RoutineKind.SCALAR_FUNCTION,
    "IF": RoutineKind.INLINE_TABLE_FUNCTION,
    "TF": RoutineKind.TABLE_FUNCTION,
}
_CLR_ROUTINES = {"PC", "FS", "FT"}
# sys.indexes.type: 1 clustered, 2 nonclustered, 5 clustered columnstore, 6 nonclustered columnstore, 7 hash.
_CLUSTERED_INDEX_TYPES = {1, 5}
_COLUMNSTORE_INDEX_TYPES = {5, 6}
# Which types take a size in DDL, and which part of sys.columns holds it.
_LENGTH_TYPES = {"char", "varchar", "binary", "varbinary"}
_UNICODE_LENGTH_TYPES = {"nchar", "nvarchar"}
_PRECISION_SCALE_TYPES = {"decimal", "numeric"}
_FRACTIONAL_SECOND_TYPES = {"datetime2", "datetimeoffset", "time"}
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{(filter|schema_filter)\(([^{}]*)\)\}")


# --------------------------------------------------------------------- queries and filters
def load_query(name: str) -> str:
    """The text of queries/<name>.sql, shipped inside the package."""
    return (resources.files(__package__) / "queries" / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ObjectFilter:
    """`--include` / `--exclude` patterns, `schema.object` globs (`*` any text, `?` one character).

    A pattern without a dot is an object name in any schema. They become LIKE conditions with
    parameters inside the queries, so the server sends only what was asked for; names compare with
    the database's collation (case-insensitively on most servers).
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for pattern in (*self.include, *self.exclude):
            schema, name = _split_pattern(pattern)
            if not schema or not name:
                raise InputError(
                    f"--include/--exclude: '{pattern}' is not a schema.object pattern (example: 'sales.*')"
                )

    def render(self, sql: str) -> tuple[str, list[str]]:
        """The query with its {filter(schema, name)} / {schema_filter(schema)} placeholders filled in."""
        params: list[str] = []

        def fill(match: re.Match) -> str:
            kind, arguments = match.group(1), _split_arguments(match.group(2))
            condition, values = (
                self._object_condition(*arguments) if kind == "filter" else self._schema_condition(*arguments)
            )
            params.extend(values)
            return condition

        return _PLACEHOLDER.sub(fill, sql), params

    def _object_condition(self, schema: str, name: str) -> tuple[str, list[str]]:
        def any_of(patterns: tuple[str, ...]) -> tuple[str, list[str]]:
            values = [_like(part) for pattern in patterns for part in _split_pattern(pattern)]
            condition = " OR ".join([f"({schema} LIKE ? AND {name} LIKE ?)"] * len(patterns))
            return f"({condition})", values

        return self._combine(any_of, self.include, self.exclude)

    def _schema_condition(self, schema: str) -> tuple[str, list[str]]:
        # An empty schema is listed when a pattern takes all of it (`sales.*`).
        def whole(patterns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(p for p in patterns if _split_pattern(p)[1] == "*")

        def any_of(patterns: tuple[str, ...]) -> tuple[str, list[str]]:
            values = [_like(_split_pattern(p)[0]) for p in patterns]
            return "(" + " OR ".join([f"{schema} LIKE ?"] * len(patterns)) + ")", values

        if self.include and not whole(self.include):
            return "1 = 0", []
        return self._combine(any_of, whole(self.include), whole(self.exclude))

    @staticmethod
    def _combine(
        any_of: Callable[[tuple[str, ...]], tuple[str, list[str]]],
        include: tuple[str, ...],
        exclude: tuple[str, ...],
    ) -> tuple[str, list[str]]:
        parts, values = [], []
        if include:
            condition, params = any_of(include)
            parts.append(condition)
            values += params
        if exclude:
            condition, params = any_of(exclude)
            parts.append(f"NOT {condition}")
            values += params
        return (" AND ".join(parts) or "1 = 1"), values


def _split_pattern(pattern: str) -> tuple[str, str]:
    schema, dot, name = pattern.strip().partition(".")
    return (schema, name) if dot else ("*", schema)


def _split_arguments(text: str) -> list[str]:
    """Arguments of a placeholder, split at commas outside parentheses."""
    arguments, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            arguments.append(current.strip())
            current = ""
        else:
            current += char
    return [*arguments, current.strip()]


def _like(glob: str) -> str:
    """A glob as a T-SQL LIKE pattern: * -> %, ? -> _, and LIKE's own wildcards taken literally."""
    special = {"*": "%", "?": "_", "%": "[%]", "_": "[_]", "[": "[[]"}
    return "".join(special.get(char, char) for char in glob)


# --------------------------------------------------------------------- rows -> Catalog
def catalog_from_rows(rows: Mapping[str, Rows[Row]]) -> Catalog:
    """Build the Catalog from the rows of every query in QUERIES (keyed by query name)."""
    return _RowReader(rows).catalog()


class _RowReader:
    def __init__(self, rows: Mapping[str, Rows[Row]]) -> None:
        self.rows = rows
        self.info = rows["server_info"][0]
        self.skipped: Counter[str] = Counter()
        self.schema_names = {r["schema_id"]: r["name"] for r in rows["schemas"]}
        self.modules = {r["object_id"]: r["definition"] for r in rows["sql_modules"]}
        self.parameters = _group(rows["parameters"], "object_id")
        self.trigger_events = _group(rows["trigger_events"], "object_id")
        # Extended properties by (class, major_id, minor_id): {name: value}.
        self.properties: dict[tuple[int, int, int], dict[str, str]] = defaultdict(dict)
        for r in rows["extended_properties"]:
            self.properties[(r["class"], r["major_id"], r["minor_id"])][r["name"]] = r["value"] or ""

    def catalog(self) -> Catalog:
        tables = self._tables()
        views = {r["object_id"]: self._view(r) for r in self.rows["views"]}
        read_routines = {r["object_id"]: self._routine(r) for r in self.rows["routines"]}
        routines = {oid: routine for oid, routine in read_routines.items() if routine is not None}
        triggers = {r["object_id"]: self._trigger(r) for r in self.rows["triggers"]}
        user_types = [self._user_type(r) for r in self.rows["types"]]
        sequences = [
            Sequence(
                name=_name(r),
                data_type=r["type_name"].lower(),
                start=_int(r["start_value"]),
                increment=_int(r["increment"]),
            )
            for r in self.rows["sequences"]
        ]
        synonyms = [Synonym(name=_name(r), target=r["base_object_name"]) for r in self.rows["synonyms"]]
        modules: dict[int, View | Routine | Trigger] = {**views, **routines, **triggers}
        named = [*tables.values(), *modules.values(), *user_types, *sequences, *synonyms]
        return Catalog(
            database=self.info["database_name"],
            origin="server",
            server_version=_server_version(self.info),
            schemas=self._schemas(obj.name.schema_ for obj in named),
            tables=_sorted(tables.values()),
            views=_sorted(views.values()),
            routines=_sorted(routines.values()),
            triggers=_sorted(triggers.values()),
            user_types=_sorted(user_types),
            sequences=_sorted(sequences),
            synonyms=_sorted(synonyms),
            skipped=dict(sorted(self.skipped.items())),
            dependencies=self._dependencies(modules),
        )

    # ----------------------------------------------------------------- tables
    def _tables(self) -> dict[int, Table]:
        by_table = {
            name: _group(self.rows[name], "object_id") for name in ("columns", "indexes", "partitions")
        }
        by_parent = {
            name: _group(self.rows[name], "parent_object_id")
            for name in ("key_constraints", "foreign_keys", "check_constraints")
        }
        defaults = {
            (r["parent_object_id"], r["parent_column_id"]): r for r in self.rows["default_constraints"]
        }
        identities = {(r["object_id"], r["column_id"]): r for r in self.rows["identity_columns"]}
        computed = {(r["object_id"], r["column_id"]): r for r in self.rows["computed_columns"]}
        index_columns = _group(self.rows["index_columns"], "object_id", "index_id")
        fk_columns = _group(self.rows["foreign_key_columns"], "constraint_object_id")
        tables = {}
        for r in self.rows["tables"]:
            oid = r["object_id"]
            columns = tuple(
                self._column(c, defaults.get(key), identities.get(key), computed.get(key))
                for c in sorted(by_table["columns"].get(oid, []), key=lambda c: c["column_id"])
                for key in [(oid, c["column_id"])]
            )
            indexes = {i["index_id"]: i for i in by_table["indexes"].get(oid, [])}
            keys = by_parent["key_constraints"].get(oid, [])
            primary = next((k for k in keys if k["type"].strip() == "PK"), None)
            row_counts = by_table["partitions"].get(oid)
            tables[oid] = Table(
                name=_name(r),
                columns=columns,
                primary_key=self._primary_key(primary, indexes, index_columns) if primary else None,
                unique_constraints=tuple(
                    UniqueConstraint(
                        name=_given_name(k),
                        columns=_key_columns(index_columns.get((oid, k["unique_index_id"]), [])),
                    )
                    for k in keys
                    if k["type"].strip() == "UQ"
                ),
                foreign_keys=tuple(
                    self._foreign_key(fk, fk_columns.get(fk["object_id"], []))
                    for fk in by_parent["foreign_keys"].get(oid, [])
                ),
                checks=tuple(
                    CheckConstraint(
                        name=_given_name(c), expression=c["definition"], column=c["parent_column_name"]
                    )
                    for c in by_parent["check_constraints"].get(oid, [])
                ),
                indexes=tuple(
                    _index(i, index_columns.get((oid, i["index_id"]), []))
                    for i in sorted(indexes.values(), key=lambda i: i["index_id"])
                    if not (i["is_primary_key"] or i["is_unique_constraint"])
                ),
                row_count=_int(row_counts[0]["row_count"]) if row_counts else None,
                **self._documentation(oid, 0),
            )
        return tables

    def _column(self, c: Row, default: Row | None, identity: Row | None, computed: Row | None) -> Column:
        documentation = self._documentation(c["object_id"], c["column_id"])
        if c["is_computed"]:
            return Column(
                name=c["name"],
                data_type="computed",
                computed=computed["definition"] if computed else None,
                persisted=bool(computed and computed["is_persisted"]),
                nullable=bool(c["is_nullable"]),
                **documentation,
            )
        user_defined = c["type_is_user_defined"] and not c["type_is_assembly_type"]
        base = (c["system_type_name"] if user_defined else c["type_name"]).lower()
        length, precision, scale = _size(base, c["max_length"], c["precision"], c["scale"])
        collation = c["collation_name"]
        return Column(
            name=c["name"],
            data_type=base,
            user_type=c["type_name"] if user_defined else None,
            max_length=length,
            precision=precision,
            scale=scale,
            nullable=bool(c["is_nullable"]),
            identity=(
                Identity(seed=int(identity["seed_value"]), increment=int(identity["increment_value"]))
                if identity
                else None
            ),
            default=default["definition"] if default else None,
            collation=None if collation == self.info["collation_name"] else collation,
            **documentation,
        )

    @staticmethod
    def _primary_key(key: Row, indexes: dict[int, Row], index_columns: dict) -> PrimaryKey:
        index = indexes.get(key["unique_index_id"])
        return PrimaryKey(
            name=_given_name(key),
            columns=_key_columns(index_columns.get((key["parent_object_id"], key["unique_index_id"]), [])),
            clustered=index["type"] in _CLUSTERED_INDEX_TYPES if index else None,
        )

    @staticmethod
    def _foreign_key(fk: Row, columns: list[Row]) -> ForeignKey:
        ordered = sorted(columns, key=lambda c: c["constraint_column_id"])
        return ForeignKey(
            name=_given_name(fk),
            columns=tuple(c["parent_column_name"] for c in ordered),
            referenced=ObjectName(schema=fk["referenced_schema_name"], name=fk["referenced_object_name"]),
            referenced_columns=tuple(c["referenced_column_name"] for c in ordered),
            on_delete=fk["delete_referential_action_desc"].replace("_", " "),
            on_update=fk["update_referential_action_desc"].replace("_", " "),
        )

    # ----------------------------------------------------------------- modules
    def _definition(self, object_id: int) -> str | None:
        text = self.modules.get(object_id)
        if text is None:
            return None
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _LEADING_COMMENTS.sub("", text, count=1).rstrip()

    def _view(self, r: Row) -> View:
        definition = self._definition(r["object_id"])
        return View(
            name=_name(r),
            definition=definition or "",
            encrypted=definition is None,
            **self._documentation(r["object_id"], 0),
        )

    def _routine(self, r: Row) -> Routine | None:
        if r["type"].strip() in _CLR_ROUTINES:
            self.skipped["CLR procedure or function"] += 1
            return None
        definition = self._definition(r["object_id"])
        header = read_module(definition) if definition else None
        description = self._documentation(r["object_id"], 0)["description"]
        if isinstance(header, Routine):
            return header.model_copy(update={"name": _name(r), "description": description})
        return Routine(
            name=_name(r),
            kind=_ROUTINE_KINDS[r["type"].strip()],
            parameters=self._parameters(r["object_id"]),
            definition=definition or "",
            description=description,
            encrypted=definition is None,
        )

    def _parameters(self, object_id: int) -> tuple[Parameter, ...]:
        parameters = []
        for p in sorted(self.parameters.get(object_id, []), key=lambda p: p["parameter_id"]):
            data_type = p["type_name"].lower()
            length, precision, scale = _size(data_type, p["max_length"], p["precision"], p["scale"])
            size = (
                f"({'max' if length == -1 else length})"
                if length is not None
                else f"({precision},{scale})"
                if precision is not None
                else ""
            )
            parameters.append(
                Parameter(name=p["name"], data_type=data_type + size, output=bool(p["is_output"]))
            )
        return tuple(parameters)

    def _trigger(self, r: Row) -> Trigger:
        table = (
            ObjectName(schema=r["parent_schema_name"], name=r["parent_name"])
            if r["parent_class"] == 1
            else None
        )
        name = ObjectName(schema=table.schema_ if table else DEFAULT_SCHEMA, name=r["name"])
        definition = self._definition(r["object_id"])
        header = read_module(definition) if definition else None
        events = (
            header.events
            if isinstance(header, Trigger)
            else tuple(
                e["type_desc"]
                for e in sorted(self.trigger_events.get(r["object_id"], []), key=lambda e: e["type"])
            )
        )
        return Trigger(
            name=name, table=table, events=events, definition=definition or "", encrypted=definition is None
        )

    # ----------------------------------------------------------------- the rest
    def _user_type(self, r: Row) -> UserType:
        base = r["system_type_name"].lower()
        length, precision, scale = _size(base, r["max_length"], r["precision"], r["scale"])
        return UserType(
            name=_name(r),
            base_type=base,
            max_length=length,
            precision=precision,
            scale=scale,
            nullable=bool(r["is_nullable"]),
        )

    def _documentation(self, object_id: int, column_id: int) -> dict[str, Any]:
        """description (MS_Description) and the other extended properties of an object or column."""
        properties = dict(self.properties.get((1, object_id, column_id), {}))
        return {"description": properties.pop("MS_Description", None), "properties": properties}

    def _schemas(self, used: Iterable[str]) -> tuple[Schema, ...]:
        # As in scripts: every schema made with CREATE SCHEMA, and dbo only when an object is in it.
        names = {n.lower(): n for n in self.schema_names.values() if n.lower() != DEFAULT_SCHEMA}
        for name in used:
            names.setdefault(name.lower(), name)
        ids = {name.lower(): schema_id for schema_id, name in self.schema_names.items()}
        schemas = []
        for key, name in sorted(names.items()):
            properties = dict(self.properties.get((3, ids.get(key, -1), 0), {}))
            description = properties.pop("MS_Description", None)
            schemas.append(Schema(name=name, description=description, properties=properties))
        return tuple(schemas)

    def _dependencies(self, modules: dict[int, View | Routine | Trigger]) -> tuple[Dependency, ...]:
        found = set()
        for d in self.rows["dependencies"]:
            module = modules.get(d["referencing_id"])
            if module is None:
                continue
            referenced = ObjectName(
                schema=d["referenced_schema_name"] or module.name.schema_, name=d["referenced_entity_name"]
            )
            found.add(
                Dependency(
                    referencing=module.name,
                    referenced=referenced,
                    referenced_database=d["referenced_database_name"],
                    referenced_server=d["referenced_server_name"],
                )
            )
        return tuple(sorted(found, key=lambda d: (d.referencing.key, d.referenced.key, repr(d))))


# --------------------------------------------------------------------- small helpers
def _name(r: Row) -> ObjectName:
    return ObjectName(schema=r["schema_name"], name=r["name"])


def _given_name(r: Row) -> str | None:
    """A constraint's name as a script gave it; None for one SQL Server made up (PK__Order__C3905BAF)."""
    return None if r["is_system_named"] else r["name"]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _size(base: str, max_length: int, precision: int | None, scale: int | None) -> tuple:
    """(max_length, precision, scale) as a script declares them: only the parts the type takes."""
    if base in _LENGTH_TYPES:
        return max_length, None, None
    if base in _UNICODE_LENGTH_TYPES:
        return (max_length if max_length == -1 else max_length // 2), None, None
    if base in _PRECISION_SCALE_TYPES:
        return None, precision, scale
    if base in _FRACTIONAL_SECOND_TYPES:
        return None, None, scale
    return None, None, None


def _key_columns(rows: list[Row]) -> tuple[str, ...]:
    keys = [r for r in rows if not r["is_included_column"] and r["key_ordinal"]]
    return tuple(r["column_name"] for r in sorted(keys, key=lambda r: r["key_ordinal"]))


def _index(i: Row, rows: list[Row]) -> Index:
    if i["type"] in _COLUMNSTORE_INDEX_TYPES:
        # A columnstore index lists its columns without key order; a clustered one takes no list.
        listed = sorted(rows, key=lambda r: r["index_column_id"]) if i["type"] == 6 else []
        columns, included = tuple(r["column_name"] for r in listed), ()
    else:
        columns = _key_columns(rows)
        included = tuple(
            r["column_name"]
            for r in sorted(rows, key=lambda r: r["index_column_id"])
            if r["is_included_column"]
        )
    return Index(
        name=i["name"],
        columns=columns,
        unique=bool(i["is_unique"]),
        clustered=i["type"] in _CLUSTERED_INDEX_TYPES,
        included=included,
        filter=i["filter_definition"] if i["has_filter"] else None,
    )


def _group(rows: Rows[Row], *keys: str) -> dict:
    grouped: dict = defaultdict(list)
    for r in rows:
        grouped[r[keys[0]] if len(keys) == 1 else tuple(r[k] for k in keys)].append(r)
    return grouped


def _server_version(info: Row) -> str:
    return f"SQL Server {info['product_version']} ({info['edition']})"


def _sorted(items: Iterable) -> tuple:
    return tuple(sorted(items, key=lambda item: (item.name.schema_.lower(), item.name.name.lower())))
