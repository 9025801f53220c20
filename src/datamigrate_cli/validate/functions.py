"""Every function call of a compiled model, checked against the target's own list of functions.

The list is the target's catalogue where datamigrate can read one: DuckDB's `duckdb_functions()`
from the embedded engine (read once per process), PostgreSQL's `pg_proc` and `pg_operator` as a
real server has them (`targets/data/postgres_functions.json`, refreshed by `make pg-catalogue`).
Other targets are checked against sqlglot's list of their dialect's functions, and the finding
says so. A target that runs T-SQL itself is not checked: its functions are the source's own.

The calls are read from the compiled text (the tokens the warehouse will see), not from sqlglot's
tree, which renames some functions and drops some arguments (`TEXT(MAX)` parses as `TEXT`). The
project's macros need no list of their own: dbt expands them before the SQL is compiled.
Constructs sqlglot passes through that no target here has are caught too: FOR SYSTEM_TIME (time
travel), FOR JSON and FOR XML, XML and spatial methods (`.value(`, `.STDistance(`, `.Lat`), a MAX
length on a type, and on PostgreSQL a JSON function or operator applied to text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from ..targets import Target

CODE = "DM219"

Arities = tuple[tuple[int, int | None], ...]
"""The argument counts a function takes: (least, most), most None when it takes any number more."""

SYNTAX = frozenset({
    "cast", "try_cast", "extract", "coalesce", "nullif", "greatest", "least", "exists", "in", "any", "all",
    "some", "row", "array", "values", "interval", "position", "substring", "trim", "overlay", "grouping",
    "filter", "over", "within", "lateral", "unnest", "columns", "struct_pack", "map", "list", "if", "ifnull",
})  # fmt: skip
"""Words SQL writes before a parenthesis that are syntax, not a function of the catalogue."""

_ARGUMENT_SYNTAX = frozenset({
    "from", "for", "in", "as", "order", "by", "placing", "both", "leading", "trailing", "using", "separator",
    "similar", "escape", "ignore", "respect",
})  # fmt: skip
"""Words inside a call's parentheses that make its arguments more than a comma-separated list."""

SPATIAL_PROPERTIES = frozenset({"lat", "long", "stx", "sty", "z", "m"})
"""SQL Server geography/geometry properties (`loc.Lat`), read as a struct field elsewhere."""

_TIME_TRAVEL = frozenset({"system_time", "timestamp", "version"})
_FOR_CLAUSES = frozenset({"json", "xml", "browse"})


@dataclass(frozen=True)
class CallFinding:
    """One call or construct the target does not have, and the line of the compiled SQL it is on."""

    message: str
    line: int | None


@dataclass(frozen=True)
class Catalogue:
    """The functions a target has: lower-case name -> the argument counts it takes."""

    source: str
    """Where the list comes from, as the finding says it ("duckdb_functions()", ...)."""
    functions: dict[str, Arities]
    counts_known: bool = True
    exact: bool = True
    """The list is the warehouse's own (False: sqlglot's, which may miss or have extra names)."""


def unsupported_calls(sql: str, target: Target) -> CallFinding | None:
    """The first call in `sql` (compiled SQL in the target's dialect) the target does not have, or
    a construct none has; None when every call is known (or the target runs T-SQL itself)."""
    if target.tsql_native:
        return None
    catalogue = catalogue_for(target)
    try:
        tokens = Dialect.get_or_raise(target.dialect).tokenize(sql)
    except SqlglotError:
        return None  # the parse check reports it
    for index in range(len(tokens)):
        found = _construct(tokens, index, target) or _call(tokens, index, catalogue, target)
        if found is not None:
            return found
    return None


def json_on_text(typed: exp.Expr, target: Target) -> CallFinding | None:
    """PostgreSQL: a JSON function or operator (`->`, `json_extract_path_text`) applied to a column
    typed as text, which PostgreSQL refuses (its JSON functions take json or jsonb)."""
    if target.name != "postgres":
        return None
    for node in typed.find_all(exp.JSONExtract, exp.JSONExtractScalar):
        value = node.this
        if (
            isinstance(value, exp.Column)
            and value.type is not None
            and value.type.this in exp.DataType.TEXT_TYPES
        ):
            return CallFinding(
                f"{CODE} {node.sql(target.dialect, comments=False)} applies a JSON function or operator to "
                f"{value.name}, which is text: PostgreSQL's take json or jsonb; cast it ({value.name}::jsonb)",
                value.this.meta.get("line"),
            )
    return None


def _call(tokens: list[Token], index: int, catalogue: Catalogue, target: Target) -> CallFinding | None:
    token = tokens[index]
    if index + 1 >= len(tokens) or tokens[index + 1].token_type != TokenType.L_PAREN:
        return None
    name = token.text.lower()
    if not name.isidentifier() or token.token_type in {TokenType.STRING, TokenType.IDENTIFIER}:
        return None
    before = tokens[index - 1].token_type if index else None
    if before in {TokenType.ALIAS, TokenType.DCOLON}:
        return None  # a type, or an alias's column list
    close = _closing(tokens, index + 1)
    following = [t.token_type for t in tokens[close + 1 : close + 3]]
    if following == [TokenType.ALIAS, TokenType.L_PAREN] and before != TokenType.DOT:
        return None  # a CTE's column list: name (a, b) AS (...)
    arities = catalogue.functions.get(name)
    if before == TokenType.DOT:
        if arities is not None:
            return None  # a schema-qualified function
        return CallFinding(
            f"{CODE} .{token.text}(...) is a SQL Server XML or spatial method; {target.name} has no such "
            "method: rewrite it with the target's functions",
            token.line,
        )
    if arities is None:
        if name in SYNTAX or not _may_be_call(token, target.dialect):
            return None  # syntax (CAST, EXISTS, OVER, IN...), not a call of a function
        return CallFinding(
            f"{CODE} {token.text}() is not a {target.name} function{_by(catalogue)}", token.line
        )
    count = _argument_count(tokens, index + 1, close)
    if not catalogue.counts_known or count is None or any(_takes(arity, count) for arity in arities):
        return None
    return CallFinding(
        f"{CODE} {token.text}() takes {_counts(arities)} on {target.name}, not {count}{_by(catalogue)}",
        token.line,
    )


def _construct(tokens: list[Token], index: int, target: Target) -> CallFinding | None:
    token = tokens[index]
    after = [t.text.lower() for t in tokens[index + 1 : index + 4]]
    if token.token_type == TokenType.FOR and after:
        if (
            after[0] in _TIME_TRAVEL
            and len(after) > 1
            and after[1] in {"as", "from", "between", "all", "contained"}
        ):
            return CallFinding(
                f"{CODE} FOR {tokens[index + 1].text} (a temporal table's time travel) does not exist on "
                f"{target.name}: read the history table, or drop the clause",
                token.line,
            )
        if after[0] in _FOR_CLAUSES:
            return CallFinding(
                f"{CODE} FOR {tokens[index + 1].text.upper()} (SQL Server's result formatting) does not exist "
                f"on {target.name}: build the text with the target's JSON or string functions",
                token.line,
            )
    before = tokens[index - 1].token_type if index else None
    if before in {TokenType.ALIAS, TokenType.DCOLON} and after[:3] == ["(", "max", ")"]:
        return CallFinding(
            f"{CODE} type {token.text}(MAX): {target.name} takes a number as a type's length, not MAX; "
            f"write {target.unbounded_text}",
            token.line,
        )
    if (
        before == TokenType.DOT
        and token.text.lower() in SPATIAL_PROPERTIES
        and index >= 4
        and tokens[index - 3].token_type == TokenType.DOT
        and (index + 1 >= len(tokens) or tokens[index + 1].token_type != TokenType.DOT)
    ):
        return CallFinding(
            f"{CODE} .{token.text} is a SQL Server geography/geometry property; the column is not spatial on "
            f"{target.name}: rewrite it with the target's functions",
            token.line,
        )
    return None


def _closing(tokens: list[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        kind = tokens[index].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _argument_count(tokens: list[Token], opening: int, closing: int) -> int | None:
    """The number of arguments between the parentheses; None when they are more than a list."""
    if closing == opening + 1:
        return 0
    count, depth = 1, 0
    for token in tokens[opening + 1 : closing]:
        kind = token.token_type
        if kind in {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE}:
            depth += 1
        elif kind in {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE}:
            depth -= 1
        elif depth == 0 and kind == TokenType.COMMA:
            count += 1
        elif depth == 0 and (
            token.text.lower() in _ARGUMENT_SYNTAX or kind in {TokenType.COLON_EQ, TokenType.FARROW}
        ):
            return None
    return count


def _takes(arity: tuple[int, int | None], count: int) -> bool:
    least, most = arity
    return count >= least and (most is None or count <= most)


def _counts(arities: Arities) -> str:
    shown = sorted({f"{least}+" if most is None else str(least) if least == most else f"{least} to {most}"
                    for least, most in arities})  # fmt: skip
    counts = " or ".join(shown)
    return f"{counts} argument{'' if counts == '1' else 's'}"


def _by(catalogue: Catalogue) -> str:
    return "" if catalogue.exact else f" ({catalogue.source}, not the warehouse's)"


def catalogue_for(target: Target) -> Catalogue:
    """The list of functions the target has. Raises nothing: a target without its own is sqlglot's."""
    if target.name == "duckdb":
        return _duckdb()
    if target.name == "postgres":
        return _postgres()
    return _sqlglot(target.dialect)


@cache
def _duckdb() -> Catalogue:
    import duckdb

    rows = (
        duckdb.connect(":memory:")
        .sql("select function_name, function_type, len(parameters), varargs from duckdb_functions()")
        .fetchall()
    )
    functions: dict[str, set[tuple[int, int | None]]] = {}
    for name, kind, count, varargs in rows:
        # macros' and window functions' parameters may be optional (lag(x [, offset [, default]])), which
        # duckdb_functions() does not say: any count is taken
        arity = (
            (0, None) if kind in {"macro", "table_macro", "window"} else (count, None if varargs else count)
        )
        functions.setdefault(name.lower(), set()).add(arity)
    return Catalogue("duckdb_functions()", {name: tuple(sorted(a, key=str)) for name, a in functions.items()})


@cache
def postgres_data() -> dict:
    """PostgreSQL's functions, operators and implicit casts as `make pg-catalogue` wrote them."""
    path = resources.files("datamigrate_cli.targets") / "data" / "postgres_functions.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _postgres() -> Catalogue:
    data = postgres_data()
    functions = {
        name: tuple(sorted({(least, most) for least, most, _types in overloads}, key=str))
        for name, overloads in data["functions"].items()
    }
    return Catalogue(f"pg_proc of PostgreSQL {data['server_version'].split()[0]}", functions)


@cache
def _sqlglot(dialect: str) -> Catalogue:
    parser = Dialect.get_or_raise(dialect).parser_class
    # FUNCTION_PARSERS: the functions it reads with a grammar of their own (Snowflake's DATE_PART)
    names = {name.lower() for name in (*parser.FUNCTIONS, *parser.FUNCTION_PARSERS)}
    return Catalogue("by sqlglot's list", dict.fromkeys(names, ((0, None),)), counts_known=False, exact=False)


def _may_be_call(token: Token, dialect: str) -> bool:
    """A name, or a type's name outside a cast (`NCHAR(65)`), before `(`: not a keyword (AND, EXISTS)."""
    return (
        token.token_type == TokenType.VAR
        or token.token_type in Dialect.get_or_raise(dialect).parser_class.TYPE_TOKENS
    )
