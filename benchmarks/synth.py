"""Synthetic SQL Server scripts of any size, deterministic for a given seed.

`schema_script(n)` is a database of `n` tables as SSMS "Generate Scripts" writes it: SET lines and
GO between batches, `WITH (...) ON [PRIMARY]` storage clauses, foreign keys added afterwards with
`ALTER TABLE ... WITH CHECK ADD CONSTRAINT` and switched on with `CHECK CONSTRAINT`, MS_Description
extended properties, views joining two or three tables, and procedures in the usual ETL shapes
(truncate-load, MERGE, insert-where-not-exists).

`style="portable"` writes the same objects without the SQL Server-only clauses that sqlparser-rs
(sqloxide) rejects: no storage clauses, plain `ALTER TABLE ... ADD CONSTRAINT`, no CHECK CONSTRAINT
batches, procedure parameters in parentheses (GO still separates the batches). The benchmark compares parsers on that variant.

`data_script(n)` is an INSERT-heavy script (SSMS "data only"): a few hundred rows per table for
the first tables, with SET IDENTITY_INSERT around them, until it is about as large as the schema.

Run as a script to write the files: `python benchmarks/synth.py 1000 -o out/`.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SCHEMAS = ("dbo", "Sales", "Finance", "Inventory", "HR")
NOUNS = (
    "Customer", "Order", "Invoice", "Product", "Supplier", "Shipment", "Payment", "Account", "Employee",
    "Store", "Region", "Contract", "Ledger", "Warehouse", "Campaign", "Ticket", "Vendor", "Budget",
)  # fmt: skip
# (column name stem, SQL Server type, nullable) for the non-key columns.
COLUMN_KINDS = (
    ("Name", "[nvarchar](100)", False),
    ("Code", "[nvarchar](20)", False),
    ("Description", "[nvarchar](max)", True),
    ("Notes", "[nvarchar](400)", True),
    ("Quantity", "[int]", False),
    ("Total", "[bigint]", True),
    ("Amount", "[decimal](18, 2)", False),
    ("Price", "[money]", True),
    ("CreatedAt", "[datetime2](7)", False),
    ("ModifiedAt", "[datetime2](7)", True),
    ("IsActive", "[bit]", False),
    ("RowGuid", "[uniqueidentifier]", False),
    ("Rate", "[decimal](9, 4)", True),
    ("Status", "[nvarchar](10)", False),
)
STATUS_VALUES = ("'Open'", "'Closed'", "'Hold'")
STORAGE = (
    " WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF, IGNORE_DUP_KEY = OFF, ALLOW_ROW_LOCKS = ON,"
    " ALLOW_PAGE_LOCKS = ON, OPTIMIZE_FOR_SEQUENTIAL_KEY = OFF) ON [PRIMARY]"
)


@dataclass
class SynthTable:
    schema: str
    name: str
    key: str
    columns: list[tuple[str, str, bool]]
    parents: list[SynthTable] = field(default_factory=list)

    @property
    def quoted(self) -> str:
        return f"[{self.schema}].[{self.name}]"

    def fk_column(self, parent: SynthTable) -> str:
        return f"{parent.name}ID"


@dataclass
class Counts:
    """What a script holds, as the generator wrote it (the benchmark checks extract against it)."""

    tables: int = 0
    views: int = 0
    procedures: int = 0
    foreign_keys: int = 0
    descriptions: int = 0
    inserts: int = 0


def make_tables(n: int, seed: int = 7) -> list[SynthTable]:
    rng = random.Random(seed)
    tables: list[SynthTable] = []
    for i in range(n):
        noun = NOUNS[i % len(NOUNS)]
        name = f"{noun}{i:05d}"
        kinds = rng.sample(COLUMN_KINDS, rng.randint(4, 12))
        columns = [
            (f"{noun}{stem}" if stem == "Name" else stem, sql_type, null) for stem, sql_type, null in kinds
        ]
        table = SynthTable(SCHEMAS[i % len(SCHEMAS)], name, f"{name}ID", columns)
        if tables:
            count = rng.choice((0, 1, 1, 2, 2, 3))
            table.parents = list(
                {id(p): p for p in rng.sample(tables[-200:], min(count, len(tables)))}.values()
            )
        tables.append(table)
    return tables


def schema_script(n: int, seed: int = 7, style: str = "ssms") -> tuple[str, Counts]:
    """A database of `n` tables (plus n/10 views and n/20 procedures) as one script."""
    ssms = style == "ssms"
    rng = random.Random(seed + 1)
    tables = make_tables(n, seed)
    counts = Counts()
    out: list[str] = []
    batch = out.append

    def go(text: str) -> None:
        batch(text + "\nGO\n")

    if ssms:
        batch("USE [SynthDb]\nGO\n")
    for schema in SCHEMAS[1:]:
        go(f"CREATE SCHEMA [{schema}]")
    for table in tables:
        counts.tables += 1
        if ssms:
            batch(f"/****** Object:  Table {table.quoted}    Script Date: 26/11/2026 09:00:00 ******/\n")
            go("SET ANSI_NULLS ON")
            go("SET QUOTED_IDENTIFIER ON")
        lines = [f"\t[{table.key}] [int] IDENTITY(1,1) NOT NULL"]
        lines += [f"\t[{p.name}ID] [int] {'NULL' if k else 'NOT NULL'}" for k, p in enumerate(table.parents)]
        for name, sql_type, nullable in table.columns:
            line = f"\t[{name}] {sql_type} {'NULL' if nullable else 'NOT NULL'}"
            if name == "CreatedAt":
                line += f" CONSTRAINT [DF_{table.name}_CreatedAt] DEFAULT (sysdatetime())"
            elif name == "Status":
                line += (
                    f" CONSTRAINT [CK_{table.name}_Status] CHECK ([Status] IN ({', '.join(STATUS_VALUES)}))"
                )
            lines.append(line)
        key = f" CONSTRAINT [PK_{table.name}] PRIMARY KEY CLUSTERED \n(\n\t[{table.key}] ASC\n)"
        lines.append(key + (STORAGE if ssms else ""))
        has_max = any("max" in sql_type for _, sql_type, _ in table.columns)
        storage = (" ON [PRIMARY]" + (" TEXTIMAGE_ON [PRIMARY]" if has_max else "")) if ssms else ""
        go(f"CREATE TABLE {table.quoted}(\n" + ",\n".join(lines) + f"\n){storage}")
    for table in tables:
        for parent in table.parents:
            counts.foreign_keys += 1
            constraint = f"[FK_{table.name}_{parent.name}]"
            check = " WITH CHECK" if ssms else ""
            go(
                f"ALTER TABLE {table.quoted}{check} ADD  CONSTRAINT {constraint} FOREIGN KEY([{parent.name}ID])\n"
                f"REFERENCES {parent.quoted} ([{parent.key}])"
            )
            if ssms:
                go(f"ALTER TABLE {table.quoted} CHECK CONSTRAINT {constraint}")
    for table in tables:
        counts.descriptions += 1
        go(_description(table, f"{table.name} rows, one per business {table.name[:-5].lower()}."))
        if rng.random() < 0.5:
            counts.descriptions += 1
            column = table.columns[0][0]
            go(_description(table, f"The {column} of the {table.name[:-5].lower()}.", column))
    joined = [t for t in tables if t.parents]
    for i in range(n // 10):
        if not joined:
            break
        counts.views += 1
        go(_view(joined[(i * 7) % len(joined)], i, ssms))
    for i in range(n // 20):
        counts.procedures += 1
        go(_procedure(tables, i, rng, ssms))
    return "".join(out), counts


def _description(table: SynthTable, text: str, column: str | None = None) -> str:
    level2 = f", @level2type=N'COLUMN',@level2name=N'{column}'" if column else ""
    return (
        f"EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'{text}' , "
        f"@level0type=N'SCHEMA',@level0name=N'{table.schema}', @level1type=N'TABLE',@level1name=N'{table.name}'"
        + level2
    )


def _view(child: SynthTable, number: int, ssms: bool) -> str:
    parents = child.parents[:2]
    select = [f"c.[{child.key}]", f"c.[{child.columns[0][0]}]"]
    joins = []
    for k, parent in enumerate(parents):
        alias = f"p{k}"
        join = "INNER JOIN" if k == 0 else "LEFT OUTER JOIN"
        joins.append(f"{join} {parent.quoted} AS {alias} ON {alias}.[{parent.key}] = c.[{parent.name}ID]")
        name, sql_type, _ = parent.columns[0]
        if "nvarchar" in sql_type:
            select.append(
                f"ISNULL({alias}.[{name}], N'') + N' (' + {alias}.[{name}] + N')' AS [{parent.name}Label]"
            )
        else:
            select.append(f"{alias}.[{name}] AS [{parent.name}{name}]")
    for name, sql_type, _ in child.columns[1:3]:
        if "decimal" in sql_type or "money" in sql_type:
            select.append(f"CAST(c.[{name}] AS decimal(19, 4)) AS [{name}Value]")
        else:
            select.append(f"c.[{name}]")
    header = "SET ANSI_NULLS ON\nGO\nSET QUOTED_IDENTIFIER ON\nGO\n" if ssms else ""
    return (
        f"{header}CREATE VIEW [{child.schema}].[v{child.name}Detail{number}]\nAS\nSELECT "
        + ",\n\t".join(select)
        + f"\nFROM {child.quoted} AS c\n"
        + "\n".join(joins)
    )


def _procedure(tables: list[SynthTable], number: int, rng: random.Random, ssms: bool) -> str:
    target = tables[(number * 13) % len(tables)]
    source = tables[(number * 13 + 1) % len(tables)]
    columns = [name for name, _, _ in target.columns if name in {c for c, _, _ in source.columns}][:4]
    columns = columns or [target.columns[0][0]]
    listed = ", ".join(f"[{c}]" for c in columns)
    from_source = ", ".join(f"s.[{c}]" for c in columns)
    shape = number % 3
    name = f"[{target.schema}].[usp_Load{target.name}_{number}]"
    parameters = "@BatchId int = NULL, @Since datetime2(7) = NULL"
    parameters = f"\n\t{parameters}\n" if ssms else f" ({parameters})"
    if shape == 0:
        body = (
            f"\tTRUNCATE TABLE {target.quoted};\n"
            f"\tINSERT INTO {target.quoted} ({listed})\n\tSELECT {from_source}\n\tFROM {source.quoted} AS s\n"
            f"\tWHERE @Since IS NULL OR s.[{source.key}] > {rng.randint(0, 1000)};"
        )
    elif shape == 1:
        sets = ", ".join(f"t.[{c}] = s.[{c}]" for c in columns)
        body = (
            f"\tMERGE {target.quoted} AS t\n\tUSING (SELECT [{source.key}] AS [Id], {listed} FROM {source.quoted}) AS s\n"
            f"\tON t.[{target.key}] = s.[Id]\n\tWHEN MATCHED THEN UPDATE SET {sets}\n"
            f"\tWHEN NOT MATCHED BY TARGET THEN INSERT ({listed}) VALUES ({from_source});"
        )
    else:
        body = (
            f"\tINSERT INTO {target.quoted} ({listed})\n\tSELECT {from_source}\n\tFROM {source.quoted} AS s\n"
            f"\tWHERE NOT EXISTS (SELECT 1 FROM {target.quoted} AS t WHERE t.[{target.key}] = s.[{source.key}]);"
        )
    return f"CREATE PROCEDURE {name}{parameters}AS\nBEGIN\n\tSET NOCOUNT ON;\n{body}\nEND"


def data_script(
    n: int, seed: int = 7, target_bytes: int | None = None, style: str = "ssms"
) -> tuple[str, Counts]:
    """INSERT statements for the first tables until the script is about `target_bytes` long.

    SSMS ends no statement with a semicolon; the portable style does (sqloxide needs them).
    """
    end = ";" if style == "portable" else ""
    rng = random.Random(seed + 2)
    tables = make_tables(n, seed)
    target_bytes = target_bytes or len(schema_script(n, seed)[0])
    counts = Counts()
    out: list[str] = []
    size = 0
    for table in tables:
        if size >= target_bytes:
            break
        names = [table.key] + [f"{p.name}ID" for p in table.parents] + [c for c, _, _ in table.columns]
        header = f"INSERT {table.quoted} (" + ", ".join(f"[{c}]" for c in names) + ") VALUES ("
        chunk = [f"SET IDENTITY_INSERT {table.quoted} ON \nGO\n"]
        for row in range(1, 201):
            values = [str(row)] + [str(rng.randint(1, 200)) for _ in table.parents]
            values += [_value(sql_type, rng, row) for _, sql_type, _ in table.columns]
            chunk.append(header + ", ".join(values) + f"){end}\n")
            counts.inserts += 1
            if row % 100 == 0:
                chunk.append("GO\n")
        chunk.append(f"SET IDENTITY_INSERT {table.quoted} OFF\nGO\n")
        text = "".join(chunk)
        out.append(text)
        size += len(text)
    return "".join(out), counts


def _value(sql_type: str, rng: random.Random, row: int) -> str:
    if "nvarchar" in sql_type:
        return (
            f"N'Value {row} it''s {rng.randint(0, 99999)}'"
            if "(10)" not in sql_type
            else rng.choice(STATUS_VALUES)
        )
    if "datetime2" in sql_type:
        return (
            f"CAST(N'2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00.0000000' AS DateTime2)"
        )
    if "uniqueidentifier" in sql_type:
        return f"N'{rng.getrandbits(128):032x}'"
    if "bit" in sql_type:
        return str(rng.randint(0, 1))
    if "decimal" in sql_type or "money" in sql_type:
        return f"CAST({rng.randint(0, 99999)}.{rng.randint(0, 99):02d} AS Decimal(18, 2))"
    return str(rng.randint(0, 10**6))


def write(n: int, directory: Path, seed: int = 7) -> dict:
    """Write schema.sql, data.sql and their portable variants for `n` tables; return what they hold."""
    directory.mkdir(parents=True, exist_ok=True)
    schema, counts = schema_script(n, seed)
    portable, _ = schema_script(n, seed, style="portable")
    data, data_counts = data_script(n, seed, target_bytes=len(schema))
    data_portable, _ = data_script(n, seed, target_bytes=len(schema), style="portable")
    (directory / "schema.sql").write_text(schema, encoding="utf-8")
    (directory / "schema_portable.sql").write_text(portable, encoding="utf-8")
    (directory / "data.sql").write_text(data, encoding="utf-8")
    (directory / "data_portable.sql").write_text(data_portable, encoding="utf-8")
    return {"schema": vars(counts), "data": vars(data_counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(write(args.tables, args.output, args.seed), indent=2))


if __name__ == "__main__":
    main()
