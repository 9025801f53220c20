"""A seeded generator of hostile T-SQL schemas: names, comments, descriptions, defaults and CHECK values
drawn from an alphabet of what breaks Jinja, YAML, SQL and file paths.

Each schema is a real T-SQL script (it goes through `extract` like any user's), with the payloads that
an attacker would try: Jinja that runs SQL or reads the environment, YAML that starts a new key, SQL that
ends a comment or an identifier, paths that climb out of the project. `Schema.objects` lists what the
report must show, with the exact names the script declares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CANARY_TABLE = "dm_canary_pwned"
"""A table no generated project may ever create: every SQL payload tries to."""

# Pieces a name or a text is assembled from. Each one breaks some output language when written raw.
PIECES = (
    "{{", "}}", "{%", "%}", "{#", "#}", "{{-", "-}}", "{%-", "-%}", "{{ 7*7 }}", "{% raw %}", "{% endraw %}",
    "'", "''", '"', '""', "`", "\\", "\\n", "[", "]]", "(", ")", ";", "--", "/*", "*/",
    ": ", " #", "---", "- ", "&a", "*a", "!tag", "|", ">", "%", "@", "?", "{", "}", ",",
    "\n", "\r\n", "\t", "\x01", "\x1b", "\u2028", "\u0085", "\u200b",
    "..", "../", "/", "..\\", "C:", "CON", "nul", "~",
    "é", "ß", "İ", "ǅ", "\uff21\uff22", "\u0430dmin", "😀", "\u0301", " ", "  ",
    "true", "null", "yes", "0x1F", "1e3", "-0",
)  # fmt: skip
WORDS = (
    "Order",
    "Details",
    "order_id",
    "Customer",
    "a",
    "A",
    "x",
    "Total",
    "Name",
    "Group",
    "Primary",
    "select",
)


def payloads(marker: str) -> tuple[str, ...]:
    """What an attacker puts in a name or a text: each one acts if it is ever rendered or run."""
    return (
        f"{{% do run_query('create table {CANARY_TABLE} as select 1 as x') %}}",
        f"{{% do run_query(\"copy (select 42 as pwned) to '{marker}'\") %}}",
        "{{ env_var('DATAMIGRATE_PG_PASSWORD') }}",
        "{{ env_var('ANTHROPIC_API_KEY') }}",
        "{{ exceptions.raise_compiler_error('pwned') }}",
        f"\ncreate table {CANARY_TABLE} as select 1;\n--",
        f'T") select 1 as id); create table {CANARY_TABLE} as (select 1',
        f"x'; create table {CANARY_TABLE} as select 1; --",
        f"*/ create table {CANARY_TABLE} as select 1; /*",
        "a: b\nc: {d: e}\n---\n- f",
    )


def bracketed(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def literal(text: str) -> str:
    return "N'" + text.replace("'", "''") + "'"


@dataclass
class Schema:
    script: str
    objects: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, schema, name) of every table and view the script declares, names as declared."""


class Generator:
    """Builds hostile schemas from a seed: the same seed, the same script."""

    def __init__(self, seed: int, marker: str) -> None:
        self.random = random.Random(seed)
        self.payloads = payloads(marker)
        self.taken: set[str] = set()

    def text(self, length: int = 6, *, name: bool = False) -> str:
        parts = [self.random.choice(WORDS)]
        for _ in range(self.random.randint(1, length)):
            roll = self.random.random()
            if roll < 0.15:
                parts.append(self.random.choice(self.payloads))
            elif roll < 0.75:
                parts.append(self.random.choice(PIECES))
            else:
                parts.append(self.random.choice(WORDS))
        text = "".join(parts)
        if name:  # SQL Server: at most 128 characters, and no trailing blank in a name
            # Scripts are read with universal newlines, so a carriage return in a name comes back as a
            # line feed (a known difference, in docs/security.md): names here hold none.
            text = text.replace("\r", "")[:120].rstrip() or "n"
        return text

    def comment(self, length: int) -> str:
        """Text for a `--` comment (SQL Server ends it at a line break) that also fits in a `/* */` one:
        no `*/`, and no `/*`, which T-SQL reads as a nested comment that needs its own `*/`."""
        text = self.text(length)
        for end in ("\r\n", "\n", "\r", "\u2028", "\u0085", "*/", "/*"):
            text = text.replace(end, " ")
        return text

    def unique(self, scope: str) -> str:
        """A name SQL Server would accept beside the others (its default collation ignores case)."""
        while True:
            candidate = self.text(name=True)
            if (scope, candidate.lower()) not in self.taken:
                self.taken.add((scope, candidate.lower()))
                return candidate

    def schema(self, tables: int = 8, views: int = 4) -> Schema:
        lines: list[str] = []
        result = Schema("")
        schemas = ["dbo", self.unique("schemas")]
        lines.append(f"CREATE SCHEMA {bracketed(schemas[1])}\nGO")
        made: list[tuple[str, str, list[str]]] = []
        # near-collisions: names that differ only in case, blanks or punctuation
        fixed = [("dbo", "Order Details"), ("dbo", "Order_Details"), ("dbo", "OrderDetails")]
        for index in range(tables):
            schema, name = fixed[index] if index < len(fixed) else (self.random.choice(schemas), None)
            name = name or self.unique(f"table {schema}")
            columns = ["Order ID", "Order_ID", "orderId"] if index == 0 else []
            while len(columns) < 3:
                candidate = self.unique(f"column {schema}.{name}")
                columns.append(candidate)
            definitions = [f"{bracketed(columns[0])} int NOT NULL PRIMARY KEY"]
            for column in columns[1:]:
                kind = self.random.choice(["nvarchar(60)", "int", "varchar(40)"])
                extra = ""
                if kind != "int" and self.random.random() < 0.6:
                    extra = f" NULL DEFAULT ({literal(self.text(3))})"
                elif kind != "int" and self.random.random() < 0.5:
                    values = ", ".join(literal(self.text(2)) for _ in range(2))
                    extra = f" NULL CHECK ({bracketed(column)} IN ({values}))"
                definitions.append(f"{bracketed(column)} {kind}{extra}")
            body = ",\n    ".join(definitions)
            lines.append(
                f"-- {self.comment(4)}\nCREATE TABLE {bracketed(schema)}.{bracketed(name)} (\n    {body}\n)\nGO"
            )
            lines.append(self._property(schema, "TABLE", name))
            lines.append(self._property(schema, "TABLE", name, columns[1]))
            made.append((schema, name, columns))
            result.objects.append(("table", schema, name))
        for _ in range(views):
            schema, table, columns = self.random.choice(made)
            name = self.unique(f"view {schema}")
            alias = self.text(2, name=True)
            lines.append(
                f"/* {self.comment(4)} */\nCREATE VIEW {bracketed(schema)}.{bracketed(name)} AS\n"
                f"SELECT {bracketed(columns[0])} AS {bracketed(alias)}, {literal(self.text(3))} AS [label]\n"
                f"FROM {bracketed(schema)}.{bracketed(table)} -- {self.comment(3)}\n"
                f"WHERE {bracketed(columns[0])} > 0\nGO"
            )
            lines.append(self._property(schema, "VIEW", name))
            result.objects.append(("view", schema, name))
        result.script = "\n".join(lines) + "\n"
        return result

    def _property(self, schema: str, kind: str, name: str, column: str | None = None) -> str:
        level2 = f", N'COLUMN', {literal(column)}" if column else ""
        return (
            f"EXEC sp_addextendedproperty N'MS_Description', {literal(self.text(5))}, "
            f"N'SCHEMA', {literal(schema)}, N'{kind}', {literal(name)}{level2}\nGO"
        )
