"""SQL Server's built-in type names, and how a type's size reads: shared by the grammar and the fast path."""

from __future__ import annotations

# SQL Server's own types; any other type name is user-defined (sp_addtype, CREATE TYPE).
BASE_TYPES = frozenset(
    """bigint int smallint tinyint bit decimal numeric money smallmoney float real date time datetime
    datetime2 datetimeoffset smalldatetime char varchar text nchar nvarchar ntext binary varbinary image
    uniqueidentifier xml sql_variant hierarchyid geography geometry rowversion timestamp sysname""".split()  # noqa: SIM905
)
TYPE_ALIASES = {
    "integer": "int",
    "dec": "decimal",
    "character": "char",
    "double": "float",
    "national": "nchar",
}


def sizes(
    base: str, first: int | None, second: int | None, is_max: bool = False
) -> tuple[int | None, int | None, int | None]:
    """`(MAX)` or `(first [, second])` after a type: (max_length, precision, scale)."""
    if is_max:
        return -1, None, None
    if first is None:
        return None, None, None
    if base in {"decimal", "numeric"}:
        return None, first, second if second is not None else 0
    if base in {"datetime2", "datetimeoffset", "time"}:
        return None, None, first
    if base in {"float", "real"}:
        return None, first, None
    return first, None, None


def column_values(name: str, data_type: str, sizes: tuple[int | None, ...], fields: dict) -> dict:
    """A table column's Catalog fields, as CREATE TABLE gives them (the grammar and the fast path
    build the same Column from this): `fields` holds what its options said (nullable, identity, ...)."""
    length, precision, scale = sizes
    return {
        "name": name,
        "data_type": data_type,
        "user_type": None,
        "max_length": length,
        "precision": precision,
        "scale": scale,
        "nullable": fields.get("nullable", True),
        "identity": fields.get("identity"),
        "default": fields.get("default"),
        "computed": None,
        "persisted": False,
        "collation": fields.get("collation"),
        "description": None,
        "properties": {},
    }
