"""Swapping a staged project in, all or nothing, and finishing a swap a killed run left half done.

The new project is built whole in `<staging>/new` (see `project/place.py` for where the staging
folder is). Then the journal `<staging>/journal.json` is written: each (place, inode of the new
entry there) pair, or (place, None) for an entry to take away. Then each entry is exchanged with
its new version by one `renameat2(RENAME_EXCHANGE)` (Linux; two renames elsewhere), and the staging
folder, which now holds the previous version, is removed.

A run killed before the journal exists leaves the previous project untouched, and a staging folder
the next run removes. A run killed after it leaves a journal, and the next run finishes the swap:
an entry whose place already holds the recorded inode is done, any other is swapped. SIGINT and
SIGTERM are held back while the swap runs, so an interrupted run never stops in its middle.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model.errors import OutputError
from .place import Place

JOURNAL = "journal.json"
NEW = "new"
OLD = "old"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def new_tree(place: Place) -> Path:
    """A fresh, empty folder to build the new project in (any staging folder left over is removed)."""
    shutil.rmtree(place.staging, ignore_errors=True)
    place.staging.mkdir(mode=0o700, parents=True)
    tree = place.staging / NEW
    tree.mkdir()
    if place.directory.is_dir():
        shutil.copymode(place.directory, tree)
    return tree


def discard(place: Place) -> None:
    """Remove the staging folder of a swap that did not start."""
    shutil.rmtree(place.staging, ignore_errors=True)


def recover(place: Place) -> bool:
    """Finish the swap a killed run left half done, and remove a staging folder left over; returns
    whether a swap was finished. Raises OutputError when the swap cannot be finished."""
    if not os.path.lexists(place.staging):
        return False
    journal = place.staging / JOURNAL
    finished = journal.is_file()
    if finished:
        try:
            entries = [(Path(target), inode) for target, inode in json.loads(journal.read_text("utf-8"))]
        except (ValueError, TypeError):
            entries = None  # written whole by a rename, so never torn; but never guess
        if entries is None:
            raise OutputError(
                f"{journal}: the journal of an interrupted run is damaged; remove {place.staging}"
            )
        with _signals_held():
            _swap(place, entries)
            shutil.rmtree(place.staging, ignore_errors=True)
    else:
        shutil.rmtree(place.staging, ignore_errors=True)
    return finished


def commit(place: Place, tree: Path) -> None:
    """Swap the project built in `tree` (from `new_tree`) in place of the previous one, and remove
    the previous one. Raises OutputError; a failure after the journal is written is finished by the
    next run."""
    with _signals_held():
        entries = _entries(place, tree)
        temporary = place.staging / (JOURNAL + ".part")
        temporary.write_text(json.dumps([[str(target), inode] for target, inode in entries]), "utf-8")
        os.replace(temporary, place.staging / JOURNAL)
        try:
            _swap(place, entries)
        except OSError as exc:
            raise OutputError(
                f"{place.shown}: the new project could not be swapped in ({exc.strerror}); the next run "
                "finishes the swap"
            ) from None
        shutil.rmtree(place.staging, ignore_errors=True)


def _entries(place: Place, tree: Path) -> list[tuple[Path, int | None]]:
    if not place.in_place:
        return [(place.directory, tree.lstat().st_ino)]
    new = {entry.name: entry.inode() for entry in os.scandir(tree)}
    old = {entry.name for entry in os.scandir(place.directory)} - place.own_entries
    entries: list[tuple[Path, int | None]] = [(place.directory / name, new[name]) for name in sorted(new)]
    entries += [(place.directory / name, None) for name in sorted(old - set(new))]
    return entries


def _swap(place: Place, entries: list[tuple[Path, int | None]]) -> None:
    new, old = place.staging / NEW, place.staging / OLD
    for target, inode in entries:
        here = target.lstat().st_ino if os.path.lexists(target) else None
        if inode is None:  # an entry the new project does not have
            if here is not None:
                old.mkdir(exist_ok=True)
                os.rename(target, old / target.name)
            continue
        if here == inode:
            continue  # done before the run was killed
        source = new if not place.in_place else new / target.name
        if here is None:
            os.rename(source, target)
        else:
            _exchange(source, target, old)


def _exchange(source: Path, target: Path, old: Path) -> None:
    """Put `source` at `target` and `target` at `source`'s place: one atomic call where the kernel has
    it; else `target` moves to `old` first (a killed run leaves `target` missing, which `recover` fills)."""
    if _renameat2 is not None:
        done = _renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE)
        if done == 0:
            return
    old.mkdir(exist_ok=True)
    os.rename(target, old / target.name)
    os.rename(source, target)


def _load_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # an old C library: two renames instead
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (delivered then): a swap is never stopped halfway."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
