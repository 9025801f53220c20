"""Write the PostgreSQL function and operator catalogue the semantic check reads offline.

Run by `make pg-catalogue` against a real server (DATAMIGRATE_PG_HOST, _PORT, _USER, _PASSWORD,
_DATABASE, as `validate --target postgres` reads them). Only `pg_catalog` is read: what every
PostgreSQL server has, not the extensions of this one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import psycopg2

OUT = Path(__file__).resolve().parents[1] / "src/datamigrate_cli/targets/data/postgres_functions.json"

FUNCTIONS = """
select p.proname, p.pronargs, p.pronargdefaults, p.provariadic <> 0,
       array(select format_type(t, null) from unnest(p.proargtypes) as t)
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname = 'pg_catalog' and p.prokind in ('f', 'a', 'w')
order by 1, 2, 5
"""
OPERATORS = """
select o.oprname, format_type(o.oprleft, null), format_type(o.oprright, null)
from pg_operator o join pg_namespace n on n.oid = o.oprnamespace
where n.nspname = 'pg_catalog'
order by 1, 2, 3
"""
IMPLICIT_CASTS = """
select format_type(castsource, null), format_type(casttarget, null) from pg_cast where castcontext = 'i' order by 1, 2
"""


def main() -> int:
    settings = {
        "host": os.environ.get("DATAMIGRATE_PG_HOST", "localhost"),
        "port": int(os.environ.get("DATAMIGRATE_PG_PORT", "5432")),
        "user": os.environ.get("DATAMIGRATE_PG_USER", "postgres"),
        "password": os.environ.get("DATAMIGRATE_PG_PASSWORD", ""),
        "dbname": os.environ.get("DATAMIGRATE_PG_DATABASE", "postgres"),
    }
    with psycopg2.connect(**settings) as connection, connection.cursor() as cursor:
        cursor.execute("show server_version")
        (version,) = cursor.fetchone()
        cursor.execute(FUNCTIONS)
        functions: dict[str, list] = {}
        for name, count, defaults, variadic, types in cursor.fetchall():
            # [least arguments, most (null: variadic), argument types]
            functions.setdefault(name, []).append([count - defaults, None if variadic else count, types])
        cursor.execute(OPERATORS)
        operators: dict[str, list] = {}
        for name, left, right in cursor.fetchall():
            operators.setdefault(name, []).append([None if left == "-" else left, right])
        cursor.execute(IMPLICIT_CASTS)
        casts: dict[str, list[str]] = {}
        for source, target in cursor.fetchall():
            casts.setdefault(source, []).append(target)
    catalogue = {
        "server_version": version,
        "functions": functions,
        "operators": operators,
        "implicit_casts": casts,
    }
    OUT.write_text(json.dumps(catalogue, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"{OUT.name}: {len(functions)} functions, {len(operators)} operators, {len(casts)} types cast implicitly, from PostgreSQL {version}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
