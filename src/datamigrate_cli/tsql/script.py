"""Reading T-SQL scripts: files and folders, encodings, SQLCMD lines, GO batches, statements.

Nothing here builds a syntax tree. Statements are found by the one splitter (tsql/statements.py),
whose scan skips strings, quoted names, comments and parenthesised runs, so a 1 MB script of INSERTs
costs little.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..model.errors import InputError
from .lexer import words
from .statements import split

SQL_SUFFIXES = (".sql",)

# GO alone on its line, with an optional repeat count and a trailing comment.
_GO_LINE = re.compile(r"^[ \t]*GO(?:[ \t]+\d+)?[ \t]*(?:--.*)?$", re.IGNORECASE)
# The same, found in a whole script: a literal "\n" first lets the scan skip ahead fast.
_GO_LINES = re.compile(r"\n[ \t]*[Gg][Oo](?:[ \t]+\d+)?[ \t]*(?:--[^\n]*)?(?=\n|\Z)")
_SQLCMD_LINE = re.compile(r"^[ \t]*:(\w+)\b[ \t]*(.*)$")
_ANY_SQLCMD_LINE = re.compile(r"\n[ \t]*:\w")
_FIRST_SQLCMD_LINE = re.compile(r"[ \t]*:\w")
_SETVAR = re.compile(r"""^(\w+)(?:[ \t]+(?:"((?:[^"]|"")*)"|(\S+)))?[ \t]*$""")
_SQLCMD_VAR = re.compile(r"\$\((\w+)\)")
_NEWLINE = re.compile("\n")


class Statement(NamedTuple):  # a NamedTuple: a big script makes one per statement
    text: str
    file: str
    line: int
    first_word: str

    def words(self, count: int) -> list[str]:
        """The first `count` words of the statement, upper-cased (comments and strings skipped)."""
        return words(self.text, count)


@dataclass
class ScriptNotes:
    """What reading the scripts noticed that is not a statement (SQLCMD includes, odd encodings)."""

    unsupported: list[tuple[str, int, str, str]] = field(default_factory=list)
    """(file, line, reason, text) for each SQLCMD command that was not carried out."""


def find_sql_files(paths: Iterable[Path]) -> list[Path]:
    """Every script under the given files and folders, in a stable order.

    A folder is searched recursively (an SSDT project is a folder with a .sqlproj beside its
    scripts). Raises InputError for a path that does not exist or a folder without scripts.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder; pass a .sql file or a folder of scripts")
        if path.is_dir():
            scripts = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SQL_SUFFIXES and p.is_file() and not _in_build_output(p, path)
            )
            if not scripts:
                raise InputError(f"{path}: the folder holds no .sql scripts")
            found.extend(scripts)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _in_build_output(script: Path, root: Path) -> bool:
    # SSDT projects keep build output beside the sources; it repeats every object.
    return any(part.lower() in {"bin", "obj"} for part in script.relative_to(root).parts[:-1])


class EmptyScript(InputError):
    """A script file with nothing in it (or only white space)."""


def read_script(path: Path) -> str:
    """The text of a script: UTF-8 with or without BOM, UTF-16 with or without BOM (SSMS saves
    "Unicode" with one; other tools do not); line ends normalised.

    Raises EmptyScript for an empty file, InputError for one that is not text.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    if not raw.strip():
        raise EmptyScript(f"{path}: the file is empty; pass a T-SQL script with CREATE statements")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif b"\x00" in raw[:4096]:
        text = _utf16_without_bom(raw, path)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # what SSMS writes as "ANSI"
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_without_bom(raw: bytes, path: Path) -> str:
    """UTF-16 text without a byte-order mark, told from a binary file by where its zero bytes are: in
    T-SQL (mostly ASCII) every second byte is zero, the odd ones in little-endian, the even ones in
    big-endian, and the others almost never are."""
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if len(raw) % 2 == 0 and zeros.count(0) >= 0.9 * len(zeros) and others.count(0) <= 0.01 * len(others):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                break
    raise InputError(f"{path}: this is a binary file, not a T-SQL script (save it as UTF-8 or UTF-16 text)")


class Batch(NamedTuple):
    text: str
    line: int
    """Line of the script the batch's first line is on."""


def split_batches(text: str, file: str, notes: ScriptNotes) -> list[Batch]:
    """Split a script on GO lines, carrying out SQLCMD :setvar and substituting $(name)."""
    if _ANY_SQLCMD_LINE.search(text) is None and _FIRST_SQLCMD_LINE.match(text) is None:
        return _split_on_go(text)
    return _split_lines(text, file, notes)


def _split_on_go(text: str) -> list[Batch]:
    # The same batches as _split_lines for a script without SQLCMD lines, found by one scan for
    # GO lines instead of a loop over every line.
    # _GO_LINES matches the line end before a GO line: on "\n" + text, a match at m.start() is a GO
    # line at text[m.start() : m.end() - 1].
    batches: list[Batch] = []
    start, line = 0, 1
    for go in _GO_LINES.finditer("\n" + text):
        end = go.start()  # text[start:end] is the batch with the newline before the GO line
        body = text[start : end - 1] if end > start else ""
        if body and not body.isspace():
            batches.append(Batch(body, line))
        line += text.count("\n", start, end) + 1
        start = go.end()
    if text[start:].strip():
        batches.append(Batch(text[start:], line))
    return batches


def _split_lines(text: str, file: str, notes: ScriptNotes) -> list[Batch]:
    variables: dict[str, str] = {}
    batches: list[Batch] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        if _GO_LINE.match(line):
            batches.append(Batch("\n".join(current), start))
            current, start = [], number + 1
            continue
        command = _SQLCMD_LINE.match(line)
        if command and (current == [] or not _open_block(current)):
            _sqlcmd(command.group(1).lower(), command.group(2), variables, (file, number, line), notes)
            current.append("")  # keep line numbers
            continue
        if variables and "$(" in line:
            line = _SQLCMD_VAR.sub(lambda m: variables.get(m.group(1).lower(), m.group(0)), line)
        current.append(line)
    batches.append(Batch("\n".join(current), start))
    return [b for b in batches if b.text and not b.text.isspace()]


def _open_block(lines: list[str]) -> bool:
    # A ':' line inside an unfinished block comment is comment text, not SQLCMD.
    text = "\n".join(lines)
    return text.count("/*") > text.count("*/")


def _sqlcmd(
    name: str, argument: str, variables: dict[str, str], where: tuple[str, int, str], notes: ScriptNotes
) -> None:
    file, line, text = where
    if name == "setvar":
        match = _SETVAR.match(argument.strip())
        if match:
            value = match.group(2).replace('""', '"') if match.group(2) is not None else match.group(3)
            variables[match.group(1).lower()] = value or ""
            return
    if name == "on":
        return  # ":on error exit" changes how sqlcmd reacts to errors, not what the script defines
    reason = {
        "r": "SQLCMD :r include was not followed: pass the included script to extract as well",
    }.get(name, f"SQLCMD command :{name} is not carried out")
    notes.unsupported.append((file, line, reason, text.strip()))


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [match.start() for match in _NEWLINE.finditer(text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset - 1)


def split_statements(batch: Batch, file: str) -> list[Statement]:
    """Split one batch into statements: at top-level semicolons and at words that begin one
    (tsql/statements.py); a view, procedure, function or trigger takes the rest of its batch."""
    text = batch.text
    lines = _LineIndex(text)
    statements: list[Statement] = []
    for start, end, first, _, module in split(text, modules=True):
        body = text[start:end].rstrip() if module else text[start:end].rstrip().rstrip(";").rstrip()
        if body:
            statements.append(Statement(body, file, batch.line + lines.line_of(start), first))
    return statements
