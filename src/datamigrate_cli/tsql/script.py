"""Reading T-SQL scripts: files and folders, encodings, SQLCMD lines, GO batches, statements.

Nothing here builds a syntax tree. Statements are found with one regular-expression scan
that skips strings, quoted names and comments, so a 1 MB script of INSERTs costs little.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..model.errors import InputError

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

_TOKEN = re.compile(
    r"""
      (?P<string>N?'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|\[(?:[^\]]|\]\])*\]?)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<word>[A-Za-z_@#][\w@#$]*)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<semi>;)
    """,
    re.VERBOSE | re.DOTALL,
)
# Inside parentheses only the depth matters: one match runs to the next parenthesis that counts,
# over strings, quoted names and comments whole. Possessive quantifiers: no backtracking.
_TO_NEXT_PAREN = re.compile(
    r"""(?:[^()'"\[\-/]++|'(?:[^']|'')*+'?|"(?:[^"]|"")*+"?|\[(?:[^\]]|\]\])*+\]?|--[^\n]*+|/\*.*?(?:\*/|\Z)|[-/])*+
        (?P<paren>[()])""",
    re.VERBOSE | re.DOTALL,
)

# Words that begin a statement at the top level of a batch.
STATEMENT_STARTS = frozenset(
    [
        "CREATE",
        "ALTER",
        "DROP",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "TRUNCATE",
        "BULK",
        "EXEC",
        "EXECUTE",
        "USE",
        "SET",
        "PRINT",
        "RAISERROR",
        "CHECKPOINT",
        "DBCC",
        "DECLARE",
        "IF",
        "GRANT",
        "DENY",
        "REVOKE",
        "DISABLE",
        "ENABLE",
        "WAITFOR",
        "SELECT",
        "BACKUP",
        "RESTORE",
        "RECONFIGURE",
    ]
)
# A start word right after one of these continues the statement (ON DELETE SET NULL, BULK INSERT,
# UNION SELECT, trigger events "FOR INSERT, UPDATE", DECLARE c CURSOR FOR SELECT).
_CONTINUES_AFTER = {
    "INSERT": {"BULK", "ON", "FOR", "AFTER", "OF", "THEN", "INSTEAD"},
    "UPDATE": {"ON", "FOR", "AFTER", "OF", "THEN", "INSTEAD"},
    "DELETE": {"ON", "FOR", "AFTER", "OF", "THEN", "INSTEAD"},
    "SET": {"DELETE", "UPDATE"},
    "SELECT": {"UNION", "ALL", "EXCEPT", "INTERSECT", "FOR", "AS"},
    "ALTER": {"OR"},  # CREATE OR ALTER
}
# Inside a statement begun with one of these, a start word is part of it (UPDATE t SET ...,
# INSERT INTO t SELECT ..., ALTER DATABASE x SET ..., ALTER TABLE t DROP CONSTRAINT ...).
_ABSORBS = {
    "UPDATE": {"SET", "SELECT"},
    "INSERT": {"SELECT", "EXEC", "EXECUTE"},
    "MERGE": {"INSERT", "UPDATE", "DELETE", "SET", "SELECT"},
    "ALTER": {"SET", "DROP", "DISABLE", "ENABLE"},
    "DECLARE": {"SELECT", "SET"},
    "DELETE": {"SELECT"},
    "GRANT": {"SELECT", "INSERT", "UPDATE", "DELETE", "EXEC", "EXECUTE", "ALTER"},
    "DENY": {"SELECT", "INSERT", "UPDATE", "DELETE", "EXEC", "EXECUTE", "ALTER"},
    "REVOKE": {"SELECT", "INSERT", "UPDATE", "DELETE", "EXEC", "EXECUTE", "ALTER"},
}
# A batch whose first statement creates one of these is that object, to the end of the batch.
_ALTER_COLUMN = re.compile(r"\s+COLUMN\b", re.IGNORECASE)
_MODULE_KINDS = {"VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"}


class Statement(NamedTuple):  # a NamedTuple: a big script makes one per statement
    text: str
    file: str
    line: int
    first_word: str

    def words(self, count: int) -> list[str]:
        """The first `count` words of the statement, upper-cased (comments and strings skipped)."""
        return [w.upper() for w in iter_words(self.text, count)]


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


def iter_words(text: str, limit: int | None = None) -> Iterator[str]:
    """Words of the text outside strings, quoted names and comments."""
    count = 0
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word":
            yield match.group()
            count += 1
            if limit is not None and count >= limit:
                return


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [match.start() for match in _NEWLINE.finditer(text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset - 1)


def split_statements(batch: Batch, file: str) -> list[Statement]:
    """Split one batch into statements: at top-level semicolons and at words that begin one."""
    text = batch.text
    lines = _LineIndex(text)
    statements: list[Statement] = []
    depth = 0
    start: int | None = None
    first = ""
    previous = ""
    module = False

    def close(end: int) -> None:
        if start is not None:
            body = text[start:end].rstrip().rstrip(";").rstrip()
            statements.append(Statement(body, file, batch.line + lines.line_of(start), first))

    position = 0
    while not module:
        if depth:  # no word inside parentheses begins a statement: skip to the next parenthesis
            match = _TO_NEXT_PAREN.match(text, position)
            if match is None:
                break
            position = match.end()
            depth += 1 if match.group("paren") == "(" else -1
            previous = ")"
            continue
        match = _TOKEN.search(text, position)
        if match is None:
            break
        position = match.end()
        kind = match.lastgroup
        if kind == "comment":
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "semi" and depth == 0:
            close(match.start())
            start, first, previous = None, "", ""
            continue
        elif kind == "word":
            word = match.group().upper()
            if start is None:
                start, first = match.start(), word
            elif (
                depth == 0
                and word in STATEMENT_STARTS
                and _begins_statement(word, previous, first)
                and not (word == "ALTER" and _ALTER_COLUMN.match(text, match.end()))
            ):
                close(match.start())
                start, first = match.start(), word
            if first in {"CREATE", "ALTER"} and word in _MODULE_KINDS and previous in {first, "OR", "ALTER"}:
                module = True  # the rest of the batch is the module's body
            previous = word
            continue
        if start is None:
            start, first = match.start(), ""
        previous = match.group()
    if module:
        start = start if start is not None else 0
        statements.append(Statement(text[start:].rstrip(), file, batch.line + lines.line_of(start), first))
    else:
        close(len(text))
    return [s for s in statements if s.text]


def _begins_statement(word: str, previous: str, first: str) -> bool:
    if previous in _CONTINUES_AFTER.get(word, ()):
        return False
    return word not in _ABSORBS.get(first, ())
