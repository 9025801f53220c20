"""Generated rows for source tables that keep the Catalog's constraints.

Rows are deterministic: the value of a column in row i is a function of (table, column, i), so a
foreign key can point at row j of its parent without the parent being generated first, and two
runs load the same data. Primary and unique keys are kept unique here; CHECK constraints of the
common shapes (IN lists, LIKE patterns, ranges) are met by construction, and the warehouse removes
any row that still breaks a CHECK or a foreign key afterwards (see `warehouse.py`).
"""

from __future__ import annotations

import datetime as dt
import string
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..model.catalog import Catalog, Column, ForeignKey, Table

_PRIMES = (1, 7, 11, 13, 17, 19, 23)
_BASE_DATE = dt.date(2020, 1, 1)
_ALPHABET = string.digits + string.ascii_uppercase
_INTEGER_RANGES = {"tinyint": (0, 255), "smallint": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1),
                   "bigint": (-(2**63), 2**63 - 1)}  # fmt: skip
_TEXT_TYPES = {"char", "nchar", "varchar", "nvarchar", "text", "ntext", "sysname"}


@dataclass(frozen=True)
class SampleTable:
    table: Table
    columns: tuple[str, ...]
    rows: list[tuple]


def sample_rows(catalog: Catalog, count: int, batch: int = 0) -> list[SampleTable]:
    """`count` rows per table (fewer where a key cannot take more distinct values). Batch 1 is a
    second batch for an incremental run: rows count..2*count-1 (new keys, later dates), whose
    foreign keys point at parents of both batches (so existing keys get new rows too)."""
    generator = _Generator(catalog, count * (batch + 1))
    return [generator.table_rows(table, skip=count * batch) for table in catalog.tables]


class _Generator:
    def __init__(self, catalog: Catalog, count: int) -> None:
        self.catalog = catalog
        self.count = count
        self.value = cache(self._value)
        self._resolving: set[tuple[str, str]] = set()

    def table_rows(self, table: Table, skip: int = 0) -> SampleTable:
        """Rows skip..count-1 (the rows before `skip` only count for the keys' uniqueness)."""
        names = tuple(column.name for column in table.columns)
        keys = [[names.index(column) for column in key] for key in _unique_keys(table)]
        seen: list[set[tuple]] = [set() for _ in keys]
        rows = []
        for i in range(self.count):
            row = tuple(self.value(table.name.key, name, i) for name in names)
            key_values = [tuple(row[index] for index in key) for key in keys]
            if any(
                None not in values and values in found for values, found in zip(key_values, seen, strict=True)
            ):
                continue
            for values, found in zip(key_values, seen, strict=True):
                found.add(values)
            if i >= skip:
                rows.append(row)
        return SampleTable(table, names, rows)

    def _value(self, table_key: str, column_name: str, i: int) -> object:
        table = self.catalog.tables_by_key[table_key]
        column = _column(table, column_name)
        reference = _reference(table, column.name)
        marker = (table_key, column.name.lower())
        if reference is not None and marker not in self._resolving:
            position, fk = reference
            parent = self.catalog.table(fk.referenced)
            theirs = {c.name.lower() for c in parent.columns} if parent is not None else set()
            if parent is not None and all(c.lower() in theirs for c in fk.referenced_columns):
                parent_column = fk.referenced_columns[fk.columns.index(_match(fk.columns, column.name))]
                if column.nullable and i % 5 == 4:
                    return None
                row = (i * _PRIMES[position % len(_PRIMES)] + position) % self.count
                self._resolving.add(marker)
                try:
                    return self.value(parent.name.key, parent_column, row)
                finally:
                    self._resolving.discard(marker)
        if column.computed is not None:
            return None
        in_key = any(column.name in key for key in _unique_keys(table))
        if column.nullable and not in_key and i % 7 == 6:
            return None
        position = [c.name for c in table.columns].index(column.name)
        domain = _domain(table, column)
        limits = _limits(column)
        if isinstance(domain, _Range) and limits is not None:
            domain = domain.meet(limits)
        if domain is not None:
            return _convert(domain.pick(i), column)
        return _typed_value(column, i, position)


def _unique_keys(table: Table) -> list[tuple[str, ...]]:
    """The table's keys, with its own spelling of each column; a key that names a column the table
    does not have (a definition of the table in another script, say) is left out: see `key_problems`."""
    spelled = {column.name.lower(): column.name for column in table.columns}
    keys = []
    for _, columns in _declared_keys(table):
        if all(column.lower() in spelled for column in columns):
            keys.append(tuple(spelled[column.lower()] for column in columns))
    return keys


def key_problems(table: Table) -> list[str]:
    """One warning per key or foreign key naming a column the table does not have."""
    have = {column.name.lower() for column in table.columns}
    problems = []
    declared = [
        *_declared_keys(table),
        *((f"foreign key {fk.name or ''}".strip(), fk.columns) for fk in table.foreign_keys),
    ]
    for what, columns in declared:
        missing = [column for column in columns if column.lower() not in have]
        if missing:
            problems.append(
                f"{table.name}: {what} names {', '.join(missing)}, which the table does not have "
                "(is the table defined twice?); the build ignores it"
            )
    return problems


def _declared_keys(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    keys = [("primary key", table.primary_key.columns)] if table.primary_key else []
    keys += [(f"unique constraint {c.name or ''}".strip(), c.columns) for c in table.unique_constraints]
    keys += [(f"unique index {i.name}", i.columns) for i in table.indexes if i.unique and not i.filter]
    return keys


def _column(table: Table, name: str) -> Column:
    lowered = name.lower()
    return next(column for column in table.columns if column.name.lower() == lowered)


def _match(names: tuple[str, ...], name: str) -> str:
    return next(candidate for candidate in names if candidate.lower() == name.lower())


def _reference(table: Table, column_name: str) -> tuple[int, ForeignKey] | None:
    have = {column.name.lower() for column in table.columns}
    for position, fk in enumerate(table.foreign_keys):
        if any(column.lower() not in have for column in fk.columns):
            continue
        if any(column.lower() == column_name.lower() for column in fk.columns):
            return position, fk
    return None


def _typed_value(column: Column, i: int, position: int) -> object:
    kind = column.data_type
    if kind in _INTEGER_RANGES:
        return (i + 1) % _INTEGER_RANGES[kind][1]
    if kind == "bit":
        return i % 2 == 0
    if kind in {"decimal", "numeric"}:
        whole = 10 ** max((column.precision or 18) - (column.scale or 0), 0) - 1
        fraction = Decimal("0.25") if (column.scale or 0) >= 2 else Decimal(0)
        return Decimal(i % whole + 1 if whole else 0) + fraction
    if kind in {"money", "smallmoney"}:
        return Decimal(i + 1) + Decimal("0.5")
    if kind in {"float", "real"}:
        return i + 0.5
    if kind in _TEXT_TYPES:
        return _text(column, i)
    if kind == "date":
        return _BASE_DATE + dt.timedelta(days=i + position)
    if kind in {"datetime", "datetime2", "smalldatetime"}:
        return dt.datetime(2020, 1, 1) + dt.timedelta(days=i, hours=position)
    if kind == "datetimeoffset":
        return dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i, hours=position)
    if kind == "time":
        return dt.time((i + position) % 24, i % 60)
    if kind == "uniqueidentifier":
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{column.name}.{i}"))
    if kind in {"binary", "varbinary", "image", "timestamp", "rowversion"}:
        return str(i).encode("ascii")
    if kind == "xml":
        return f'<row id="{i}"/>'
    return str(i)


def _text(column: Column, i: int) -> str:
    length = column.max_length if column.max_length and column.max_length > 0 else 30
    if column.data_type in {"char", "nchar"} and column.max_length is None:
        length = 1
    token = _base36(i)
    if len(token) >= length:
        return token[-length:]
    prefix = "".join(ch for ch in column.name if ch.isalnum())[: length - len(token) - 1]
    return f"{prefix}_{token}" if prefix else token


def _base36(i: int) -> str:
    digits = ""
    while True:
        i, digit = divmod(i, 36)
        digits = _ALPHABET[digit] + digits
        if i == 0:
            return digits


def _convert(value: str | Decimal | None, column: Column) -> object:
    """A value from a CHECK constraint, as the column's type."""
    if value is None:
        return None
    if column.data_type in _INTEGER_RANGES:
        return int(Decimal(str(value)))
    if column.data_type in {"decimal", "numeric", "money", "smallmoney"}:
        return Decimal(str(value))
    if column.data_type in {"float", "real"}:
        return float(value)
    if column.data_type == "bit":
        return str(value) not in {"0", "False"}
    return str(value)


# ------------------------------------------------------------------ CHECK constraints as domains
@dataclass(frozen=True)
class _Choice:
    values: tuple

    @property
    def size(self) -> int:
        return len(self.values)

    def pick(self, i: int) -> str | Decimal:
        return self.values[i % len(self.values)]


@dataclass(frozen=True)
class _Range:
    low: Decimal | None = None
    high: Decimal | None = None
    step: Decimal = Decimal(1)
    """The distance between two values: 1, or 0.01 for a decimal with two places."""

    @property
    def size(self) -> int:
        if self.low is None or self.high is None:
            return 10**9
        return max(int((self.high - self.low) / self.step) + 1, 0)

    def pick(self, i: int) -> Decimal:
        low = (
            self.low
            if self.low is not None
            else (self.high - 999 * self.step if self.high is not None else 0)
        )
        if self.high is None:
            return low + i * self.step
        return low + (i % max(self.size, 1)) * self.step

    def meet(self, other: _Range) -> _Range:
        lows = [x for x in (self.low, other.low) if x is not None]
        highs = [x for x in (self.high, other.high) if x is not None]
        return _Range(max(lows) if lows else None, min(highs) if highs else None, min(self.step, other.step))


@dataclass(frozen=True)
class _Pattern:
    """A T-SQL LIKE pattern: literal characters, `_`, `%` and [classes]."""

    parts: tuple[str, ...]

    @property
    def size(self) -> int:
        size = 1
        for part in self.parts:
            size *= max(len(part), 1)
        return size

    def pick(self, i: int) -> str:
        chars = []
        for part in reversed(self.parts):
            i, index = divmod(i, max(len(part), 1))
            chars.append(part[index] if part else "")
        return "".join(reversed(chars))


_Domain = _Choice | _Range | _Pattern
"""The values a CHECK constraint of a common shape allows."""


def _limits(column: Column) -> _Range | None:
    """The values the column's type can hold, for the numeric types a range could overflow."""
    if column.data_type in _INTEGER_RANGES:
        return _Range(*map(Decimal, _INTEGER_RANGES[column.data_type]))
    if column.data_type in {"decimal", "numeric"}:
        scale = column.scale or 0
        largest = Decimal(10) ** ((column.precision or 18) - scale) - Decimal(10) ** -scale
        return _Range(-largest, largest, Decimal(10) ** -scale)
    return None


def _domain(table: Table, column: Column) -> _Domain | None:
    """The values CHECK constraints on this one column allow, when their shape is a common one."""
    found = None
    whole = column.data_type in _INTEGER_RANGES or not column.scale
    step = Decimal(1) if whole else Decimal(10) ** -(column.scale or 0)  # scale is set: not whole
    for check in table.checks:
        domain = _check_domain(check.expression, column.name.lower(), step)
        if domain is None:
            continue
        found = (
            domain.meet(found)
            if isinstance(domain, _Range) and isinstance(found, _Range)
            else found or domain
        )
    return found


@cache
def _check_domain(expression: str, column: str, step: Decimal) -> _Domain | None:
    try:
        tree = sqlglot.parse_one(expression, read="tsql")
    except SqlglotError:
        return None
    names = {c.name.lower() for c in tree.find_all(exp.Column)}
    if names != {column}:
        return None
    return _node_domain(tree, step)


def _node_domain(node: exp.Expr, step: Decimal) -> _Domain | None:
    """What a CHECK of a common shape allows; None for any other shape (the warehouse then
    deletes the rows that break it)."""
    node = node.unnest()
    if isinstance(node, exp.Or):
        options = [
            d for d in (_node_domain(node.left, step), _node_domain(node.right, step)) if d is not None
        ]
        if len(options) == 2 and isinstance(options[0], _Choice) and isinstance(options[1], _Choice):
            return _Choice(options[0].values + options[1].values)  # SQL Server stores IN as ORs of =
        return max(options, key=lambda d: d.size) if options else None
    if isinstance(node, exp.And):
        left, right = _node_domain(node.left, step), _node_domain(node.right, step)
        if isinstance(left, _Range) and isinstance(right, _Range):
            return left.meet(right)
        return left or right
    if isinstance(node, exp.In) and all(isinstance(e, exp.Literal) for e in node.expressions):
        return _Choice(tuple(_literal(e) for e in node.expressions))
    if isinstance(node, exp.EQ):
        value = node.right.unnest() if isinstance(node.left, exp.Column) else node.left.unnest()
        return _Choice((_literal(value),)) if isinstance(value, exp.Literal) else None
    if (
        isinstance(node, exp.Like)
        and isinstance(node.expression, exp.Literal)
        and not node.args.get("negate")
    ):
        return _Pattern(_like_parts(node.expression.this))
    if isinstance(node, exp.Between) and _number(node.args["low"]) is not None:
        return _Range(_number(node.args["low"]), _number(node.args["high"]), step)
    if isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE)):
        column_left = isinstance(node.left, exp.Column)
        bound = _number(node.right if column_left else node.left)
        if bound is None:
            return None
        lower = isinstance(node, (exp.GT, exp.GTE)) == column_left
        gap = step if isinstance(node, (exp.GT, exp.LT)) else 0
        return _Range(low=bound + gap, step=step) if lower else _Range(high=bound - gap, step=step)
    return None


def _like_parts(pattern: str) -> tuple[str, ...]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%":
            parts.append("")
        elif char == "_":
            parts.append(_ALPHABET)
        elif char == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            parts.append(_char_class(pattern[i + 1 : end]))
            i = end
        else:
            parts.append(char)
        i += 1
    return tuple(parts)


def _char_class(body: str) -> str:
    negate = body.startswith("^")
    body = body[1:] if negate else body
    chars = ""
    j = 0
    while j < len(body):
        if j + 2 < len(body) and body[j + 1] == "-":
            chars += "".join(chr(c) for c in range(ord(body[j]), ord(body[j + 2]) + 1))
            j += 3
        else:
            chars += body[j]
            j += 1
    if negate:
        return "".join(c for c in _ALPHABET if c not in chars)
    return chars


def _literal(node: exp.Literal) -> str | Decimal:
    return node.this if node.is_string else Decimal(node.this)


def _number(node: exp.Expr | None) -> Decimal | None:
    node = node.unnest() if node is not None else None  # SSMS writes ([Qty]>=(10))
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return -Decimal(node.this.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        return Decimal(node.this)
    return None
