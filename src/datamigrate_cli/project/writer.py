"""Writing a planned dbt project to disk without ever destroying a person's edits.

The manifest (`.datamigrate/manifest.json`) records the checksum of every file datamigrate wrote.
On the next run a file whose checksum still matches is datamigrate's own and is replaced; a file
a person changed is kept, and the new version is written beside it as `<name>.new`.
Every run builds the whole project in a staging folder, then swaps it in (`project/swap.py`): a
failure, an interrupt or a kill leaves the previous project as it was or the new one complete,
never a mix. Files that stay the same, a person's edits, and what datamigrate did not write
(target/, logs/) are hard links to the previous project's files, so the staging costs little.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..model.errors import Interrupted, OutputError
from ..runtime import second_process
from . import swap
from .place import Place, locked, output_place

MANIFEST = ".datamigrate/manifest.json"
REPORTS = frozenset({"migration_report.md", "migration_report.json"})
"""The last run's reports: always replaced, never kept as a person's edit (validate records its
outcome in them, see `project.report.record_validation`)."""
SNAPSHOT = ".datamigrate/schema.json"
"""The Catalog the project was generated from, kept for `validate --level semantic` and `build`."""
NEW_SUFFIX = ".new"


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    """Files a person edited: kept, with the new version beside them as <name>.new."""
    removed: list[str] = field(default_factory=list)


def checksum(text: str) -> str:
    """The manifest's checksum of a file's text."""
    return _checksum(text.encode("utf-8"))


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_project(
    directory: Path, files: dict[str, str], generator: str, *, extra: Callable[[Path], None] | None = None
) -> WriteResult:
    """Write `files` (relative path -> text) into `directory`, all or nothing: the project is built
    in a staging folder and swapped in (`project/swap.py`). `extra` writes untracked files (the
    snapshot) into the staged project before the swap. Raises OutputError (another run holds the
    folder, a folder the rules refuse, a failed write)."""
    with output_held(directory) as place:
        try:
            tree = swap.new_tree(place)
        except OSError as exc:
            raise OutputError(f"{exc.filename or directory}: cannot write ({exc.strerror})") from None
        try:
            previous = _project_entries(place)
            if previous:
                result = _update(place, tree, files, generator)
            else:
                result = _write_new(tree, files, generator)
            if extra is not None:
                extra(tree)
        except OSError as exc:
            swap.discard(place)
            where = str(exc.filename or directory).replace(str(tree), str(place.shown))
            raise OutputError(f"{where}: cannot write ({exc.strerror})") from None
        except KeyboardInterrupt:
            swap.discard(place)
            raise Interrupted(f"{place.shown} is as it was before this run") from None
        except BaseException:
            swap.discard(place)
            raise
        _commit(place, tree)
    return result


def _commit(place: Place, tree: Path) -> None:
    """Swap the staged project in. Raises Interrupted (saying which project the folder holds)."""
    try:
        swap.commit(place, tree)
    except KeyboardInterrupt:  # held back during the swap: delivered once it is done, or before it
        if not (place.staging / swap.JOURNAL).is_file() and place.staging.exists():
            swap.discard(place)
            raise Interrupted(f"{place.shown} is as it was before this run") from None
        swap.recover(place)
        raise Interrupted(f"{place.shown} holds the new project, complete") from None


@contextlib.contextmanager
def output_held(directory: Path) -> Iterator[Place]:
    """Check the output folder against the rules, hold its lock for the block, and first finish or
    undo what a killed run left (`swap.recover`). Raises OutputError."""
    place = output_place(directory)
    with locked(place):
        try:
            swap.recover(place)
        except OSError as exc:
            raise OutputError(
                f"{place.shown}: cannot finish the swap an interrupted run left ({exc.strerror}); "
                f"move {place.staging} away and run again"
            ) from None
        yield place


def _project_entries(place: Place) -> list[str]:
    """The names in the output folder, but for the run's own staging folder and lock."""
    if not place.directory.is_dir():
        return []
    return [name for name in os.listdir(place.directory) if name not in place.own_entries]


def _write_new(tree: Path, files: dict[str, str], generator: str) -> WriteResult:
    # Creating files is mostly the kernel's work: a second process creates half of them.
    mine, theirs = _halves(files)
    with second_process.start(partial(_create, tree, theirs)) as other:
        checksums = _create(tree, mine)
        checksums |= other.result()
    _write_manifest(tree, checksums, generator)
    return WriteResult(written=sorted(files))


def _halves(files: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """`files` in two parts of about as many files each, no folder split between them: a folder is
    locked while a file is created in it, so two processes filling one folder would wait in turn."""
    by_folder: dict[str, dict[str, str]] = {}
    for relative, text in files.items():
        by_folder.setdefault(posixpath.dirname(relative), {})[relative] = text
    halves: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for part in sorted(by_folder.values(), key=len, reverse=True):
        min(halves, key=len).update(part)
    return halves


def _create(folder: Path, files: dict[str, str]) -> dict[str, str]:
    """Write `files` (relative path -> text) into the new `folder`, not atomically: no one reads it
    before it is renamed into place; returns their checksums, of the bytes written (each text is
    encoded once, and each process sums its own half). UTF-8 bytes through plain os paths:
    Path.open's text layer took more time than the writes."""
    made: set[str] = set()
    checksums: dict[str, str] = {}
    for relative, text in files.items():
        path = os.path.join(folder, relative)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        data = text.encode("utf-8")
        with open(path, "wb") as stream:
            stream.write(data)
        checksums[relative] = _checksum(data)
    return checksums


def _update(place: Place, tree: Path, files: dict[str, str], generator: str) -> WriteResult:
    """The new project in `tree`, from `files` and the project in the output folder: a file a person
    edited is kept (the new version beside it as <name>.new), and so is every file datamigrate did
    not write (target/, a person's own files); a file datamigrate wrote and no longer plans is left out."""
    directory = place.directory
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise OutputError(
            f"{place.shown}: the folder is not empty and was not generated by datamigrate "
            "(no .datamigrate/manifest.json); choose an empty or new folder"
        )
    previous = _read_manifest(manifest_path)
    result = WriteResult()
    recorded: dict[str, str] = {}
    done: set[str] = {MANIFEST}
    made: set[str] = set()
    for relative, text in sorted(files.items()):
        data = text.encode("utf-8")
        new_sum = _checksum(data)
        current = os.path.join(directory, relative)
        current_sum = _file_checksum(current)
        done.add(relative)
        if (
            current_sum is None
            or previous.get(relative) == current_sum != new_sum
            or (relative in REPORTS and current_sum != new_sum)
        ):
            _put(tree, relative, data, made)
            result.written.append(relative)
            recorded[relative] = new_sum
            done.add(relative + NEW_SUFFIX)  # a stale <name>.new goes
        elif current_sum == new_sum:
            _link(current, tree, relative, made)
            result.unchanged.append(relative)
            recorded[relative] = new_sum
            done.add(relative + NEW_SUFFIX)
        else:
            _link(current, tree, relative, made)
            _put(tree, relative + NEW_SUFFIX, data, made)
            done.add(relative + NEW_SUFFIX)
            result.kept_edited.append(relative)
            if relative in previous:
                recorded[relative] = previous[relative]
    for relative, old_sum in previous.items():
        if relative in files:
            continue
        if _file_checksum(directory / relative) == old_sum:
            done.add(relative)
            result.removed.append(relative)
        elif (directory / relative).is_file():
            result.kept_edited.append(relative)
    _carry_over(place, tree, done, made)
    _write_manifest(tree, recorded, generator)
    return result


def _file_checksum(path: str | Path) -> str | None:
    """The checksum of the file's bytes; None when there is no such file."""
    try:
        with open(path, "rb") as stream:
            return _checksum(stream.read())
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _put(tree: Path, relative: str, data: bytes, made: set[str]) -> None:
    path = os.path.join(tree, relative)
    _parent(path, made)
    with open(path, "wb") as stream:
        stream.write(data)


def _parent(path: str, made: set[str]) -> None:
    parent = os.path.dirname(path)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)


def _link(source: str | Path, tree: Path, relative: str, made: set[str]) -> None:
    """The file at `source` also at `relative` in `tree`: a hard link (same file system, no bytes
    copied, the original untouched), a copy where links are not supported."""
    path = os.path.join(tree, relative)
    _parent(path, made)
    if os.path.islink(source):
        os.symlink(os.readlink(source), path)
        return
    try:
        os.link(source, path, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, path)


def _carry_over(place: Place, tree: Path, done: set[str], made: set[str]) -> None:
    """Every file of the output folder not in `done` into `tree`, linked: target/, logs/, a person's
    files; folders keep their permissions, symbolic links stay links."""
    directory = place.directory
    for folder, folders, names in os.walk(directory):
        relative_folder = os.path.relpath(folder, directory)
        if relative_folder == ".":
            folders[:] = [name for name in folders if name not in place.own_entries]
            names = [name for name in names if name not in place.own_entries]
        for name in list(folders):
            source = os.path.join(folder, name)
            if os.path.islink(source):  # a link to a folder: kept as a link, not followed
                names.append(name)
                folders.remove(name)
                continue
            copy = os.path.normpath(os.path.join(tree, relative_folder, name))
            os.makedirs(copy, exist_ok=True)
            shutil.copymode(source, copy)
            made.add(copy)
        for name in names:
            relative = posixpath.normpath(posixpath.join(relative_folder.replace(os.sep, "/"), name))
            if relative not in done:
                _link(os.path.join(folder, name), tree, relative, made)


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return dict(data["files"])
    except (ValueError, KeyError, TypeError):
        raise OutputError(
            f"{path}: the manifest is damaged; restore it from version control, or generate into a new folder"
        ) from None


def _write_manifest(tree: Path, checksums: dict[str, str], generator: str) -> None:
    document = {"generator": generator, "files": dict(sorted(checksums.items()))}
    _put(tree, MANIFEST, (json.dumps(document, indent=2) + "\n").encode("utf-8"), set())
