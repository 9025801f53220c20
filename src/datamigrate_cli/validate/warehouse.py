"""The throwaway place a `validate --level build` runs in, with the source tables from the Catalog.

DuckDB: a fresh database file under the project's `target/`. PostgreSQL: one new schema on the
server the environment points at (DATAMIGRATE_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE); the
source tables are created in it as <schema>__<table> (the project's `source()` macro follows a dbt
var there) and the models are built into it. Both are removed afterwards unless kept.
"""

from __future__ import annotations

import os
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any  # DB-API cursors: duckdb's or psycopg2's

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..convert import semantics
from ..convert.query import annotate
from ..model.catalog import Catalog, Column, ForeignKey, Table
from ..model.errors import DbtError, InputError
from ..model.issues import Severity
from ..targets import Target
from ..tsql.patterns import like_to_regex
from .cleanup import duckdb_file_name, owner_comment
from .execute import Executed, execute_models
from .names import validation_table
from .sample import key_problems, sample_rows
from .semantic_check import source_type


@dataclass
class Loaded:
    """What was created: the rows per source table, and CHECKs that could not be applied."""

    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Warehouse(ABC):
    """A place to build in: a DB-API connection, the names of source tables there, and the
    environment variables and dbt vars that point the project's profile at the same place."""

    placeholder: str
    """The parameter marker of its DB-API driver."""
    target: Target
    env: dict[str, str]
    """Environment variables that point the project's profile at this warehouse."""
    vars: dict[str, str]
    keep: bool
    """Left in place after the build (--keep)."""
    where: str
    """Where it is, for a person who kept it."""
    loaded_catalog: Catalog | None = None
    """The tables `load` created (the ones the target accepted), for the rows added later."""

    @abstractmethod
    def connect(self) -> Any:
        """A DB-API connection in autocommit mode."""

    @abstractmethod
    def relation(self, table: Table) -> str:
        """The quoted name a source table has here."""

    @abstractmethod
    def prepare(self, cursor: Any, catalog: Catalog) -> None:
        """Create the schemas the source tables go in."""

    @abstractmethod
    def drop(self) -> None:
        """Remove everything the build created, unless kept."""

    def remove(self) -> None:
        """`drop`, finished even when Ctrl-C comes while it runs (the interrupt is raised afterwards):
        the only way to keep a warehouse is --keep."""
        try:
            self.drop()
        except KeyboardInterrupt:
            self.drop()
            raise

    def load(self, catalog: Catalog, rows_per_table: int) -> Loaded:
        """Create every source table (and fill it when rows_per_table > 0)."""
        loaded = Loaded()
        connection = self.connect()
        try:
            cursor = connection.cursor()
            self.prepare(cursor, catalog)
            catalog = self._create_tables(cursor, catalog, loaded)
            if rows_per_table > 0:
                for sample in sample_rows(catalog, rows_per_table):
                    columns = ", ".join(_quote(name) for name in sample.columns)
                    placeholders = ", ".join([self.placeholder] * len(sample.columns))
                    insert = f"insert into {self.relation(sample.table)} ({columns}) values ({placeholders})"
                    if sample.rows and not self._try(cursor, insert, sample.rows):
                        cursor.execute(f"delete from {self.relation(sample.table)}")  # not half-filled
                        loaded.warnings.append(
                            f"{sample.table.name}: sample rows could not be loaded; it stays empty"
                        )
                self._compute(cursor, catalog, loaded)
                self._enforce(cursor, catalog, loaded)
                for table in catalog.tables:
                    cursor.execute(f"select count(*) from {self.relation(table)}")
                    loaded.rows[str(table.name)] = cursor.fetchone()[0]
                    if not loaded.rows[str(table.name)]:
                        loaded.warnings.append(
                            f"{table.name}: no sample row kept its CHECK constraints and foreign keys; "
                            "its tests ran on an empty table"
                        )
        finally:
            connection.close()
        return loaded

    def _create_tables(self, cursor: Any, catalog: Catalog, loaded: Loaded) -> Catalog:
        """Create each source table; one the target refuses (columns that differ only in case on
        DuckDB, more than 1,600 on PostgreSQL: DM104, DM105) is a warning. Returns the catalog of
        the tables created, the ones sample rows go into."""
        created = []
        for table in catalog.tables:
            loaded.warnings.extend(key_problems(table))
            try:
                cursor.execute(self.create_table(table))
            except Exception as exc:  # the driver's own error class: DuckDB's or psycopg2's
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                loaded.warnings.append(
                    f"{table.name}: its source table cannot be created on {self.target.name} ({first}); "
                    "the models that read it fail"
                )
            else:
                created.append(table)
        if len(created) < len(catalog.tables):
            catalog = catalog.model_copy(update={"tables": tuple(created)})
        self.loaded_catalog = catalog
        return catalog

    def load_more(self, catalog: Catalog, rows_per_table: int) -> int:
        """Add a second batch of sample rows (for an incremental run); returns how many were kept.
        A row a key or constraint refuses is left out, the first batch stays as it is."""
        if rows_per_table <= 0:
            return 0
        catalog = self.loaded_catalog or catalog  # the tables `load` could create
        loaded = Loaded()
        connection = self.connect()
        try:
            cursor = connection.cursor()
            before = self._count(cursor, catalog)
            for sample in sample_rows(catalog, rows_per_table, batch=1):
                columns = ", ".join(_quote(name) for name in sample.columns)
                placeholders = ", ".join([self.placeholder] * len(sample.columns))
                insert = f"insert into {self.relation(sample.table)} ({columns}) values ({placeholders})"
                for row in sample.rows:
                    self._try(cursor, insert, [row])
            self._compute(cursor, catalog, loaded)
            self._enforce(cursor, catalog, loaded)
            return self._count(cursor, catalog) - before
        finally:
            connection.close()

    def _count(self, cursor: Any, catalog: Catalog) -> int:
        total = 0
        for table in catalog.tables:
            cursor.execute(f"select count(*) from {self.relation(table)}")
            total += cursor.fetchone()[0]
        return total

    def query(self, statements: list[str]) -> list[list[tuple]]:
        """Run each statement and return its rows (one connection for all)."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            results = []
            for statement in statements:
                cursor.execute(statement)
                results.append(cursor.fetchall() if cursor.description is not None else [])
            return results
        finally:
            connection.close()

    def execute(self, manifest: dict, built: set[str]) -> Executed:
        """Query every view and ephemeral model dbt built here (see `execute.py`)."""
        connection = self.connect()
        try:
            cursor = connection.cursor()

            def run_query(sql: str) -> list[str]:
                cursor.execute(sql)
                cursor.fetchall()
                return [column[0] for column in cursor.description or ()]

            return execute_models(manifest, built, run_query, self.target.dialect)
        finally:
            connection.close()

    def create_table(self, table: Table) -> str:
        lines = []
        for column in table.columns:
            data_type = source_type(table, column, self.target)
            not_null = " not null" if not column.nullable and column.computed is None else ""
            lines.append(f"{_quote(column.name)} {data_type}{not_null}")
        have = {column.name.lower() for column in table.columns}
        keys = [*((table.primary_key,) if table.primary_key else ()), *table.unique_constraints]
        for number, key in enumerate(keys):
            if all(column.lower() in have for column in key.columns):  # else: a warning (key_problems)
                kind = "primary key" if number == 0 and table.primary_key else "unique"
                lines.append(f"{kind} ({_quote_all(key.columns)})")
        body = ",\n  ".join(lines)
        return f"create table {self.relation(table)} (\n  {body}\n)"

    def _compute(self, cursor: Any, catalog: Catalog, loaded: Loaded) -> None:
        """Computed columns get their expression's value, converted to the target, as SQL Server
        computes it from the row (left NULL, a NOT NULL test on one failed for nothing)."""
        for table in catalog.tables:
            for column in table.columns:
                if column.computed is None:
                    continue
                value = computed_sql(table, column, self.target)
                cast = source_type(table, column, self.target)
                statement = (
                    f"update {self.relation(table)} set {_quote(column.name)} = cast(({value}) as {cast})"
                )
                if value is None or not self._try(cursor, statement):
                    loaded.warnings.append(
                        f"{table.name}: computed column {column.name} AS {column.computed} could not be computed "
                        "on the target; it stays NULL in the sample rows"
                    )

    def _enforce(self, cursor: Any, catalog: Catalog, loaded: Loaded) -> None:
        """Remove rows that break a CHECK, then rows whose parent is gone, until nothing changes."""
        for table in catalog.tables:
            for check in table.checks:
                condition = _check_sql(check.expression, table, self.target.dialect)
                statement = f"delete from {self.relation(table)} where not coalesce(({condition}), true)"
                if condition is None or not self._try(cursor, statement):
                    loaded.warnings.append(
                        f"{table.name}: CHECK {check.name or check.expression} not applied to the sample rows"
                    )
        deletes = [self._orphans(catalog, table, fk) for table in catalog.tables for fk in table.foreign_keys]
        deletes = [statement for statement in deletes if statement]
        for _ in range(len(catalog.tables) + 1):
            removed = 0
            for orphans in deletes:
                cursor.execute(orphans)
                removed += max(cursor.rowcount or 0, 0)
            if not removed:
                break

    def _orphans(self, catalog: Catalog, table: Table, fk: ForeignKey) -> str | None:
        parent = catalog.table(fk.referenced)
        if parent is None or len(fk.columns) != len(fk.referenced_columns):
            return None
        ours = {column.name.lower() for column in table.columns}
        theirs = {column.name.lower() for column in parent.columns}
        if any(c.lower() not in ours for c in fk.columns) or any(
            c.lower() not in theirs for c in fk.referenced_columns
        ):
            return None  # a warning already (key_problems): nothing to keep
        joined = " and ".join(
            f"p.{_quote(theirs)} = c.{_quote(ours)}"
            for ours, theirs in zip(fk.columns, fk.referenced_columns, strict=True)
        )
        present = " and ".join(f"c.{_quote(ours)} is not null" for ours in fk.columns)
        return (
            f"delete from {self.relation(table)} as c where {present} and not exists "
            f"(select 1 from {self.relation(parent)} as p where {joined})"
        )

    def _try(self, cursor: Any, statement: str, rows: list[tuple] | None = None) -> bool:
        try:
            if rows is None:
                cursor.execute(statement)
            else:
                cursor.executemany(statement, rows)
        except Exception:  # a CHECK our translation cannot run, a value the type rejects: reported
            return False
        return True


class DuckDBWarehouse(Warehouse):
    placeholder = "?"

    def __init__(self, project: Path, target: Target, keep: bool) -> None:
        self.target = target
        # A new file each run: DuckDB keeps a file it has opened in this process, even once deleted.
        self.path = (project / "target" / duckdb_file_name(secrets.token_hex(4))).resolve()
        self.keep = keep
        self.env = {"DATAMIGRATE_DUCKDB_PATH": str(self.path)}
        self.vars = {}
        self.where = str(self.path)

    def connect(self) -> Any:
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(self.path))

    def prepare(self, cursor: Any, catalog: Catalog) -> None:
        for schema in sorted({table.name.schema_ for table in catalog.tables}):
            cursor.execute(f"create schema if not exists {_quote(schema)}")

    def relation(self, table: Table) -> str:
        return f"{_quote(table.name.schema_)}.{_quote(table.name.name)}"

    def drop(self) -> None:
        if not self.keep:
            for path in (self.path, self.path.with_name(self.path.name + ".wal")):
                path.unlink(missing_ok=True)


class PostgresWarehouse(Warehouse):
    placeholder = "%s"

    def __init__(self, target: Target, keep: bool, project: Path | None = None) -> None:
        self.target = target
        self.keep = keep
        self.project = project
        self.schema = f"datamigrate_validate_{secrets.token_hex(4)}"
        self.where = f"schema {self.schema}"
        self.env = {"DATAMIGRATE_PG_SCHEMA": self.schema}
        self.vars = {"datamigrate_validate_schema": self.schema}
        self.settings = {
            "host": os.environ.get("DATAMIGRATE_PG_HOST", "localhost"),
            "port": os.environ.get("DATAMIGRATE_PG_PORT", "5432"),
            "user": os.environ.get("DATAMIGRATE_PG_USER", "postgres"),
            "dbname": os.environ.get("DATAMIGRATE_PG_DATABASE", "postgres"),
        }
        self.created = False

    def connect(self) -> Any:
        import psycopg2

        try:
            connection = psycopg2.connect(
                **self.settings, password=os.environ.get("DATAMIGRATE_PG_PASSWORD", ""), connect_timeout=10
            )
        except psycopg2.Error as exc:
            where = "{user}@{host}:{port}/{dbname}".format(**self.settings)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DbtError(
                f"cannot connect to PostgreSQL {where}: {first}; set DATAMIGRATE_PG_HOST, DATAMIGRATE_PG_PORT, "
                "DATAMIGRATE_PG_USER, DATAMIGRATE_PG_PASSWORD and DATAMIGRATE_PG_DATABASE"
            ) from None
        connection.autocommit = True
        return connection

    def prepare(self, cursor: Any, catalog: Catalog) -> None:
        cursor.execute(f"create schema {_quote(self.schema)}")
        self.created = True
        if self.project is not None:  # whose it is, for `validate --cleanup` after a killed run
            cursor.execute(f"comment on schema {_quote(self.schema)} is %s", (owner_comment(self.project),))

    def relation(self, table: Table) -> str:
        name = validation_table(table.name.schema_, table.name.name, self.target.dialect)
        return f"{_quote(self.schema)}.{_quote(name)}"

    def drop(self) -> None:
        if self.keep or not self.created:
            return
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute("set lock_timeout = '5s'")
            for _ in range(3):
                try:
                    cursor.execute(f"drop schema if exists {_quote(self.schema)} cascade")
                    return
                except Exception:  # a session of this run (dbt's, cut off mid-statement) holds a lock
                    cursor.execute(
                        "select pg_terminate_backend(l.pid) from pg_locks l join pg_class c on c.oid = l.relation "
                        "join pg_namespace n on n.oid = c.relnamespace "
                        "where n.nspname = %s and l.pid <> pg_backend_pid()",
                        (self.schema,),
                    )
            cursor.execute(f"drop schema if exists {_quote(self.schema)} cascade")
        finally:
            connection.close()


_WAREHOUSES: dict[str, Callable[[Path, Target, bool], Warehouse]] = {
    "duckdb": DuckDBWarehouse,
    "postgres": lambda project, target, keep: PostgresWarehouse(target, keep, project),
}
"""dbt adapter -> the throwaway warehouse a build runs in (a target whose adapter has none cannot build)."""


def open_warehouse(project: Path, target: Target, keep: bool) -> Warehouse:
    """The throwaway warehouse for a build of `project` on `target` (duckdb or postgres).

    Raises InputError for a target datamigrate cannot build on."""
    warehouse = _WAREHOUSES.get(target.adapter)
    if warehouse is not None:
        return warehouse(project, target, keep)
    raise InputError(f"--level build runs on duckdb or postgres, not {target.name}; use --level semantic")


def computed_sql(table: Table, column: Column, target: Target) -> str | None:
    """A computed column's expression in the target's SQL, over the table's (quoted) columns, with
    T-SQL's meaning kept (`a + b` of text concatenates); None when it cannot be converted."""
    names = {other.name.lower(): other.name for other in table.columns}
    types = {other.name: other.data_type for other in table.columns if other.computed is None}
    schema = {table.name.schema_: {table.name.name: types}}
    try:
        query = sqlglot.parse_one(
            f"SELECT {column.computed} AS v FROM {exp.table_(table.name.name, db=table.name.schema_, quoted=True).sql('tsql')}",
            read="tsql",
        )
        if not isinstance(query, exp.Query):
            return None
        typed = annotate(query, schema)
        issues = semantics.rewrite(typed, target)
        if any(issue.severity == Severity.ERROR for issue in issues):
            return None
        value = typed.selects[0].unalias()

        def rewrite(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column):
                return exp.column(names.get(node.name.lower(), node.name), quoted=True)
            return node

        return value.transform(rewrite).sql(target.dialect)
    except (SqlglotError, ValueError, KeyError):
        return None


def _check_sql(expression: str, table: Table, dialect: str) -> str | None:
    """A CHECK constraint in the target's dialect, with T-SQL's LIKE semantics kept."""
    names = {column.name.lower(): column.name for column in table.columns}
    try:
        tree = sqlglot.parse_one(expression, read="tsql")
    except SqlglotError:
        return None

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.column(names.get(node.name.lower(), node.name), quoted=True)
        if isinstance(node, exp.Like) and isinstance(node.expression, exp.Literal):
            pattern = node.expression.this
            if "[" in pattern:  # T-SQL character classes: a regular expression in the target
                match: exp.Expression = exp.RegexpILike(
                    this=node.this, expression=exp.Literal.string(f"^{like_to_regex(pattern)}$")
                )
            else:
                match = exp.ILike(this=node.this, expression=node.expression)  # SQL Server ignores case
            return exp.Not(this=match) if node.args.get("negate") else match
        return node

    try:
        return tree.transform(rewrite).sql(dialect)
    except SqlglotError:
        return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_all(names: Iterable[str]) -> str:
    return ", ".join(_quote(name) for name in names)
