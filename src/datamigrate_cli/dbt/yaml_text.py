"""YAML text of dbt property files, fast, and byte for byte what PyYAML writes.

PyYAML's pure-Python emitter was most of `generate`'s time on large schemas (about 6 of 8 seconds
at 1,000 tables), and its C emitter cannot indent lists under their key as dbt's own files do.
Property files are block mappings and lists of plain scalars, so `dump` writes those itself,
asking PyYAML only how a scalar must be written (plain or not), once per distinct text; any other
document (a scalar that needs quotes, a line break, an empty list) goes to PyYAML as before.
"""

from __future__ import annotations

import io
from functools import cache

import yaml
from yaml.emitter import Emitter

WIDTH = 100
INDENT = 2
_TAGS = {str: "str", bool: "bool", int: "int", type(None): "null"}


class Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)  # dbt's own style: lists indented under their key


def dump(document: dict) -> str:
    """`yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)`."""
    writer = _Writer()
    try:
        writer.mapping(document, 0, inline=False)
    except _NotPlain:
        return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=WIDTH)
    return "".join(writer.parts) + "\n"


class _NotPlain(Exception):
    """The document holds something this writer leaves to PyYAML."""


_ANALYZER = Emitter(io.StringIO(), allow_unicode=True)
_RESOLVER = yaml.resolver.Resolver()


@cache
def _plain(text: str, kind: str) -> bool:
    """Does PyYAML write this scalar plain, on one line?"""
    analysis = _ANALYZER.analyze_scalar(text)
    if analysis.empty or analysis.multiline or not analysis.allow_block_plain:
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == f"tag:yaml.org,2002:{kind}"


def _scalar(value: object) -> str:
    kind = _TAGS.get(type(value))
    if kind is None:
        raise _NotPlain
    text = "null" if value is None else ("true" if value else "false") if kind == "bool" else str(value)
    if not _plain(text, kind):
        raise _NotPlain
    return text


class _Writer:
    """Mirrors PyYAML's block emitter for mappings, lists and plain scalars (its folding included)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.column = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.column += len(text)

    def newline(self, indent: int) -> None:
        if self.parts:
            self.parts.append("\n")
        self.parts.append(" " * indent)
        self.column = indent

    def mapping(self, mapping: object, indent: int, inline: bool) -> None:
        if not isinstance(mapping, dict) or not mapping:
            raise _NotPlain
        for position, (key, value) in enumerate(mapping.items()):
            if position or not inline:
                self.newline(indent)
            if not isinstance(key, str) or len(key) >= 128:
                raise _NotPlain
            self.write(_scalar(key))
            self.write(":")
            if isinstance(value, dict):
                self.mapping(value, indent + INDENT, inline=False)
            elif isinstance(value, list):
                self.sequence(value, indent + INDENT)
            else:
                self.write(" ")
                self.plain(_scalar(value), indent + INDENT)

    def sequence(self, items: list, indent: int) -> None:
        if not items:
            raise _NotPlain
        for item in items:
            self.newline(indent)
            self.write("- ")
            if isinstance(item, dict):
                self.mapping(item, indent + INDENT, inline=True)
            elif isinstance(item, list):
                raise _NotPlain
            else:
                self.plain(_scalar(item), indent + INDENT)

    def plain(self, text: str, indent: int) -> None:
        """Write a plain scalar; past the width, a single space becomes a line break (PyYAML's write_plain)."""
        if self.column + len(text) <= WIDTH or " " not in text:
            self.write(text)  # no space is reached past the width: nothing to fold
            return
        spaces = False
        start = 0
        for end in range(len(text) + 1):
            ch = text[end] if end < len(text) else None
            if spaces:
                if ch != " ":
                    if start + 1 == end and self.column > WIDTH:
                        self.newline(indent)
                    else:
                        self.write(text[start:end])
                    start = end
            elif ch is None or ch == " ":
                self.write(text[start:end])
                start = end
            spaces = ch == " "
