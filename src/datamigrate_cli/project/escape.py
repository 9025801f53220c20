"""Text from the source written into files that dbt renders: one escaping rule per output language.

Names, comments, descriptions, defaults and view bodies come from scripts and servers nobody here
controls, and dbt renders every project file with Jinja before anything else: SQL models (comments
too), YAML property files (names, descriptions) and `dbt_project.yml`. So every piece of source text
is written with one of these, at the one place that renders files (`project/files.py`,
`project/templates.py`):

- `inert`: Jinja sees no delimiter in it (`{{`, `{%`, `{#`, and so their `-` forms), and rendering
  gives the text back exactly. For SQL string literals, YAML values (through the YAML writer's
  quoting, never by concatenation) and anything else dbt renders.
- `one_line`: `inert`, and no line break or control character either (each shown as an escape such as
  `\\n`): what a `--` comment or a `#` comment may hold.
- `jinja_string`: the text as a Jinja string literal, inside a Jinja expression dbt runs
  (`source('…', '…')`).
- `quoted_inside`: the text as the inside of the target's quoted identifier, its quote doubled (or
  escaped), for dbt's own relation quoting, which does not escape.
- `Sql`: text datamigrate made itself (SQL with the Jinja it intends), already escaped where it holds
  source text. Templates write it as it is; any other value a template writes gets `one_line`.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_DELIMITER = re.compile(r"\{([{%#])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class Sql(str):
    """Text datamigrate generated for a dbt file: SQL, or Jinja it means dbt to run. Written as is."""

    __slots__ = ()


def inert(text: str) -> str:
    """`text` written so that Jinja prints it: each delimiter becomes an expression that prints it."""
    if "{" not in text:
        return text
    return _DELIMITER.sub(lambda found: "{{ '{" + found.group(1) + "' }}", text)


def one_line(text: str) -> str:
    """`text` for a comment: `inert`, and every line break or control character shown as an escape."""
    if _BREAKS.search(text) is not None:
        text = _BREAKS.sub(_shown, text)
    return inert(text)


def _shown(found: re.Match) -> str:
    character = found.group()
    return _SHOWN.get(character) or (
        f"\\x{ord(character):02x}" if ord(character) < 0x100 else f"\\u{ord(character):04x}"
    )


def jinja_string(text: str) -> str:
    """`text` as a Jinja string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quoted_inside(name: str, dialect: str) -> str:
    """`name` as the inside of the dialect's quoted identifier (`a"b` -> `a""b`): what dbt, which
    quotes a source's identifier without escaping it, must be given so that the quotes it adds
    enclose exactly one identifier."""
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)[1:-1]


def unquoted_inside(text: str, dialect: str) -> str:
    """What `quoted_inside` made `text` from: the name itself."""
    quote = exp.to_identifier("x", quoted=True).sql(dialect=dialect)[0]
    if quote not in text and "\\" not in text:
        return text
    return sqlglot.parse_one(quote + text + quote, read=dialect).name


def inert_document(value: object) -> object:
    """A YAML document (dicts, lists, scalars) with every string, keys too, made `inert`."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert(k) if isinstance(k, str) else k: inert_document(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(inert_document(item) for item in value)
    return value
