"""Names in the throwaway warehouse of a build, shared by the warehouse and the semantic check."""

from __future__ import annotations

import hashlib

from ..project.escape import quoted_inside


def validation_table(schema: str, table: str, dialect: str) -> str:
    """The name a source table has in the throwaway schema of a build on a shared server: what the
    project's `source()` macro (macros/datamigrate_validate.sql) computes from the names dbt holds,
    `<schema>__<table>`, or `t_<md5>` of it when that could pass PostgreSQL's 63 bytes."""
    name = f"{quoted_inside(schema, dialect)}__{quoted_inside(table, dialect)}"
    if len(name) <= 60 and name.isascii():
        return f"{schema}__{table}"
    return "t_" + hashlib.md5(name.encode("utf-8", "surrogatepass")).hexdigest()
