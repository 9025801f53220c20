"""Where a project is written: the output folder's rules, and the lock that lets one run at a time in.

A project is built in a staging folder and swapped in whole (`project/swap.py`). The staging
folder and the lock file sit beside the output folder, in its parent, so that the swap is one
rename on one filesystem. An output folder that cannot be renamed (a mount point, the usual
container volume) or whose parent cannot be written is swapped *in place*: the staging folder and
the lock sit inside it, and its entries are swapped instead of the folder.

The lock is `fcntl.flock` on `.<name>.datamigrate-lock`: a second run into the same folder refuses
at once with one line naming the other run's pid, rather than wait (a CI job should fail fast, not
hang). The lock file is removed when the run ends; a run that was killed leaves it behind, unlocked,
and the next run takes it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import OutputError

STAGING_SUFFIX = ".datamigrate-staging"
LOCK_SUFFIX = ".datamigrate-lock"
IN_PLACE_STAGING = ".datamigrate-staging"
IN_PLACE_LOCK = ".datamigrate-lock"
_held: set[Path] = set()
"""The locks this process holds."""


@dataclass(frozen=True)
class Place:
    """An output folder that passed the rules: `directory` is its real path (a symbolic link within
    its own tree is followed), `shown` the path as the person gave it."""

    directory: Path
    shown: Path
    in_place: bool
    """Swap the folder's entries, not the folder (a mount point, or a parent that cannot be written)."""

    @property
    def staging(self) -> Path:
        """The folder a new project is built in, then swapped in (holds the journal of the swap)."""
        if self.in_place:
            return self.directory / IN_PLACE_STAGING
        return self.directory.parent / f".{self.directory.name}{STAGING_SUFFIX}"

    @property
    def lock(self) -> Path:
        if self.in_place:
            return self.directory / IN_PLACE_LOCK
        return self.directory.parent / f".{self.directory.name}{LOCK_SUFFIX}"

    @property
    def own_entries(self) -> frozenset[str]:
        """Names inside the folder that are the run's machinery, not the project."""
        return frozenset({IN_PLACE_STAGING, IN_PLACE_LOCK}) if self.in_place else frozenset()


def output_place(path: Path) -> Place:
    """Check the output folder `path` against the rules (docs/security.md, "Faults"); returns where
    and how to write. Raises OutputError with one line for a folder that must not be written."""
    shown = path
    absolute = Path(os.path.abspath(path))
    if os.path.islink(absolute):
        absolute = _followed(path, absolute)
    if absolute == Path(absolute.anchor):
        raise OutputError(f"{shown}: is the root folder; give a new folder for the project, e.g. -o my_dbt")
    if absolute == Path(os.path.realpath(Path.home())):
        raise OutputError(
            f"{shown}: is your home folder; give a new folder for the project, e.g. -o ~/my_dbt"
        )
    real = Path(os.path.realpath(absolute))
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise OutputError(
            f"{shown}: is the current folder (or holds it), which a run replaces as a whole; "
            "run from its parent folder, or give another folder"
        )
    if os.path.lexists(real) and not real.is_dir():
        raise OutputError(f"{shown}: exists and is not a folder; choose another output path")
    existing = real if real.exists() else _existing_ancestor(real)
    if _read_only_filesystem(existing):
        raise OutputError(f"{shown}: is on a read-only file system; choose a folder you can write")
    if real.exists():
        if not _writable(real):
            raise OutputError(f"{shown}: the folder is read-only; make it writable or choose another folder")
        in_place = os.path.ismount(real) or not _writable(real.parent)
        return Place(real, shown, in_place)
    if not _writable(existing):
        raise OutputError(f"{shown}: cannot create the folder, {existing} is read-only; choose another path")
    return Place(real, shown, in_place=False)


def _followed(shown: Path, link: Path) -> Path:
    """The folder a symbolic link points at, when it stays inside the link's own parent folder."""
    target = Path(os.path.realpath(link))
    if not os.path.exists(target):
        raise OutputError(
            f"{shown}: is a symbolic link to {os.readlink(link)}, which does not exist; "
            "remove the link or give another folder"
        )
    tree = Path(os.path.realpath(link.parent))
    if target != tree and tree not in target.parents:
        raise OutputError(
            f"{shown}: is a symbolic link to {target}, outside {tree}; give the real folder instead"
        )
    return target


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(path.anchor)


def _writable(folder: Path) -> bool:
    """Whether this process may create files in `folder`; a folder without any write bit counts as
    read-only even for root, who may write anywhere."""
    mode = folder.stat().st_mode
    return os.access(folder, os.W_OK | os.X_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _read_only_filesystem(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_output_folder(path: Path) -> Place:
    """`output_place`, and refuse at once when another run holds the folder's lock (the run takes
    the lock later, around its work). Raises OutputError."""
    place = output_place(path)
    with locked(place):
        pass
    return place


@contextlib.contextmanager
def locked(place: Place) -> Iterator[None]:
    """Hold the lock of `place` for the block. Raises OutputError when another run holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows: no lock, one run at a time is the person's care)
        yield
        return
    if place.lock in _held:  # this process holds it already (generate, then the writer)
        yield
        return
    place.lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = os.open(place.lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(handle)
            raise OutputError(
                f"{place.shown}: another datamigrate run (pid {holder}) is writing this folder; "
                "wait for it to end, or give another folder"
            ) from None
        # The holder before us may have removed the file after we opened it: lock the file in place.
        try:
            same = os.fstat(handle).st_ino == os.stat(place.lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode("ascii"), 0)
        _held.add(place.lock)
        yield
    finally:
        _held.discard(place.lock)
        with contextlib.suppress(OSError):
            os.unlink(place.lock)
        os.close(handle)


def check_snapshot_path(path: Path) -> None:
    """Refuse, before any work, a snapshot path that cannot be written: a folder, or a place in a
    read-only folder or file system. Raises OutputError with one line."""
    if path.is_dir():
        raise OutputError(
            f"{path}: is a folder; give a file path for the snapshot, e.g. {path / 'schema.json'}"
        )
    folder = Path(os.path.abspath(path)).parent
    existing = folder if folder.exists() else _existing_ancestor(folder)
    if not existing.is_dir():
        raise OutputError(f"{path}: {existing} is not a folder; choose another path for the snapshot")
    if _read_only_filesystem(existing):
        raise OutputError(f"{path}: is on a read-only file system; choose a folder you can write")
    if not _writable(existing):
        raise OutputError(f"{path}: the folder {existing} is read-only; choose a folder you can write")
