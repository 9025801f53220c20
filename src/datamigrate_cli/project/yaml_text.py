"""YAML text of dbt property files, fast, and byte for byte what PyYAML writes.

PyYAML's pure-Python emitter was most of `generate`'s time on large schemas (about 6 of 8 seconds
at 1,000 tables), and its C emitter cannot indent lists under their key as dbt's own files do.
Property files are block mappings and lists of plain scalars, so `dump` writes those itself,
asking PyYAML only how a scalar must be written (plain or not), once per distinct text; any other
document (a scalar that needs quotes, a line break, an empty list) goes to PyYAML as before.
"""

from __future__ import annotations

import io
import re
from functools import cache

import yaml
from yaml.emitter import Emitter

WIDTH = 100
INDENT = 2


_UNICODE_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Line breaks to YAML besides CR and LF. PyYAML writes them raw in a single-quoted scalar, where a
reader folds them into a space: a name with one would come back changed."""


class Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)  # dbt's own style: lists indented under their key

    def represent_str(self, data: str) -> yaml.ScalarNode:
        if _UNICODE_BREAKS.search(data):  # double quotes escape them (\N, \L, \P)
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


Dumper.add_representer(str, Dumper.represent_str)


def dump(document: object) -> str:
    """`yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)`."""
    lines: list[str] = []
    try:
        _mapping(document, 0, lines, None)
    except _NotPlain:
        return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=WIDTH)
    return "\n".join(lines) + "\n"


class _NotPlain(Exception):
    """The document holds something this writer leaves to PyYAML."""


_ANALYZER = Emitter(io.StringIO(), allow_unicode=True)
_RESOLVER = yaml.resolver.Resolver()


_SAFE = re.compile(r"[A-Za-z0-9_(][A-Za-z0-9_ .,()'/-]*(?<! )")
"""Text PyYAML's analysis has nothing to object to (names, descriptions, `ref('model')`): ASCII, no
line break, no `:` nor `#`, no indicator first (`-`, `'`, `.`...), no space last."""


@cache
def _plain(text: str, kind: str) -> bool:
    """Does PyYAML write this scalar plain, on one line?"""
    if not _SAFE.fullmatch(text):  # most texts: the regular expression is much faster than the analysis
        analysis = _ANALYZER.analyze_scalar(text)
        if analysis.empty or analysis.multiline or not analysis.allow_block_plain:
            return False
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == f"tag:yaml.org,2002:{kind}"


def _scalar(value: object) -> str:
    kind = type(value)
    if kind is str:
        text, tag = str(value), "str"
    elif kind is bool:
        text, tag = ("true" if value else "false"), "bool"
    elif kind is int:
        text, tag = str(value), "int"
    elif value is None:
        text, tag = "null", "null"
    else:
        raise _NotPlain
    if not _plain(text, tag):
        quoted = _quoted(text) if tag == "str" else None
        if quoted is None:
            raise _NotPlain
        return quoted
    return text


@cache
def _quoted(text: str) -> str | None:
    """A short text PyYAML quotes (`'[dbo].[Orders]'`), as PyYAML writes it: on one line it is the same
    wherever it stands in a document (only a line past WIDTH folds), so it is asked once, alone.
    None for a text that might fold or span lines: the whole document then goes to PyYAML."""
    if len(text) > _SHORT:
        return None
    line = yaml.dump(text, Dumper=Dumper, allow_unicode=True, width=WIDTH).removesuffix("\n")
    if "\n" in line or line[:1] not in {"'", '"'} or line[-1:] != line[:1]:
        return None
    return line


_SHORT = 40
"""Texts this long, quoted, end before WIDTH at any indentation a property file has."""


# The functions below mirror PyYAML's block emitter (with Dumper's indentation) for mappings,
# lists and plain scalars: `key: value`, nested blocks two spaces deeper, `- ` items.
def _mapping(mapping: object, indent: int, lines: list[str], lead: str | None) -> None:
    """Write a mapping; `lead` is the `- ` its first key follows when it is a list item."""
    if type(mapping) is not dict or not mapping:
        raise _NotPlain
    pad = " " * indent
    for key, value in mapping.items():
        if type(key) is not str or len(key) >= 128:
            raise _NotPlain
        head = (lead if lead is not None else pad) + _scalar(key) + ":"
        lead = None
        kind = type(value)
        if kind is dict:
            lines.append(head)
            _mapping(value, indent + INDENT, lines, None)
        elif kind is list:
            lines.append(head)
            _sequence(value, indent + INDENT, lines)
        else:
            lines.append(_fold(head + " ", _scalar(value), indent + INDENT))


def _sequence(items: list, indent: int, lines: list[str]) -> None:
    if not items:
        raise _NotPlain
    lead = " " * indent + "- "
    for item in items:
        kind = type(item)
        if kind is dict:
            _mapping(item, indent + INDENT, lines, lead)
        elif kind is list:
            raise _NotPlain
        else:
            lines.append(_fold(lead, _scalar(item), indent + INDENT))


def _fold(head: str, text: str, indent: int) -> str:
    """`head` + a plain scalar; past the width a single space becomes a line break (PyYAML's write_plain)."""
    column = len(head)
    if column + len(text) <= WIDTH or " " not in text:
        return head + text  # no space is reached past the width: nothing to fold
    parts = [head]
    spaces = False
    start = 0
    for end in range(len(text) + 1):
        ch = text[end] if end < len(text) else None
        if spaces:
            if ch != " ":
                if start + 1 == end and column > WIDTH:
                    parts.append("\n" + " " * indent)
                    column = indent
                else:
                    parts.append(text[start:end])
                    column += end - start
                start = end
        elif ch is None or ch == " ":
            parts.append(text[start:end])
            column += end - start
            start = end
        spaces = ch == " "
    return "".join(parts)
