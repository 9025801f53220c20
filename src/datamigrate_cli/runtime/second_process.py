"""Work done by a second process while this one goes on, to use a second core.

`start` forks: the child sees the parent's memory as it was (nothing is pickled on the way in),
does the work, and leaves the result pickled in an unnamed temporary file, so it ends as soon as
its work is done. The work is done in this process instead where fork is missing (Windows) or
unsafe (macOS, whose system libraries are not fork-safe: multiprocessing does not fork there
either), with a single core, while another thread runs (the child would have only the thread that
forked, and the locks the others held), and when the fork or the child fails. Either way the
result is the same, and so are the errors the work raises. The child dies with its parent, even
when the parent is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


class Pending(Generic[T]):
    """The result of work given to `start`; use it in a `with` block, so the child never outlives it."""

    def __init__(
        self, work: Callable[[], T], child: int | None = None, results: BinaryIO | None = None
    ) -> None:
        self._work = work
        self._child = child
        self._results = results

    def result(self) -> T:
        """What the work returned; raises what it raised (done here, when the child could not do it)."""
        if self._child is None:
            return self._work()
        assert self._results is not None  # start() gives a child its results file
        with self._results:
            if not self._reap():
                return self._work()
            self._results.seek(0)
            return pickle.load(self._results)

    def _reap(self) -> bool:
        """Wait for the child; returns whether it finished its work."""
        assert self._child is not None  # called while the child runs
        _, status = os.waitpid(self._child, 0)
        self._child = None
        return status == 0

    def __enter__(self) -> Pending[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._child is not None:  # the result is not wanted (an error, say): stop the child
            os.kill(self._child, signal.SIGKILL)
            self._reap()
            assert self._results is not None  # start() gives a child its results file
            self._results.close()


def start(work: Callable[[], T]) -> Pending[T]:
    """Start `work` in a forked child process; `result()` waits for it (or does the work, see above)."""
    if not hasattr(os, "fork") or sys.platform == "darwin" or _cores() < 2 or threading.active_count() > 1:
        return Pending(work)
    try:
        results = tempfile.TemporaryFile()  # noqa: SIM115 (Pending closes it)
    except OSError:  # no usable temporary folder, too many open files...
        return Pending(work)
    parent = os.getpid()
    try:
        child = os.fork()
    except OSError:
        results.close()
        return Pending(work)
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        status = 1
        try:
            _die_with(parent)
            pickle.dump(work(), results, protocol=pickle.HIGHEST_PROTOCOL)
            results.flush()
            status = 0
        finally:
            os._exit(status)  # never back into the parent's code, nor its exit handlers
    return Pending(work, child, results)


def _die_with(parent: int) -> None:  # pragma: no cover (runs in the child)
    """Have the kernel kill this child when its parent dies (Linux; the only system it forks on,
    but for BSDs), and end now if the parent died before that was set: a child never writes on
    alone after its parent was killed."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
