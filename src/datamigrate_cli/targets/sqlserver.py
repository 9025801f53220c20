"""SQL Server (or Fabric) itself: T-SQL means what it says, so views are not rewritten."""

from __future__ import annotations

from .base import Target

_NATIVE = [
    "bigint", "int", "smallint", "tinyint", "bit", "money", "smallmoney", "float", "real", "date", "datetime",
    "smalldatetime", "uniqueidentifier", "text", "ntext", "xml", "image", "sql_variant", "hierarchyid",
    "geography", "geometry",
]  # fmt: skip

SQLSERVER = Target(
    name="sqlserver",
    dialect="tsql",
    adapter="sqlserver",
    types={name: name for name in _NATIVE}
    | {
        "decimal": "decimal({p},{s})",
        "numeric": "numeric({p},{s})",
        "time": "time",
        "datetime2": "datetime2",
        "datetimeoffset": "datetimeoffset",
        "char": "char({n})",
        "nchar": "nchar({n})",
        "varchar": "varchar({n})",
        "nvarchar": "nvarchar({n})",
        "binary": "binary({n})",
        "varbinary": "varbinary({n})",
        "rowversion": "binary(8)",  # a copy of a rowversion is a plain 8-byte value
        "timestamp": "binary(8)",
        "sysname": "nvarchar(128)",
    },
    unbounded_text="nvarchar(max)",
    extra="sqlserver",
    max_length="max",
    tsql_native=True,
    offset_types=frozenset({"datetimeoffset"}),
)
