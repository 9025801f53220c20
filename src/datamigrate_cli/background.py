"""Work done by a second process while this one goes on, to use a second core.

`start` forks: the child sees the parent's memory as it was (nothing is pickled on the way in),
does the work, and sends the result back pickled through a pipe. The work is done in this process
instead where fork is missing (Windows) or unsafe (macOS, whose system libraries are not fork-safe:
multiprocessing does not fork there either), with a single core, while another thread runs (the
child would have only the thread that forked, and the locks the others held), and when the fork or
the child fails.
Either way the result is the same, and so are the errors the work raises.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")


class Pending(Generic[T]):
    """The result of work given to `start`; use it in a `with` block, so the child never outlives it."""

    def __init__(
        self, work: Callable[[], T], child: int | None = None, stream: BinaryIO | None = None
    ) -> None:
        self._work = work
        self._child = child
        self._stream = stream

    def result(self) -> T:
        """What the work returned; raises what it raised (done here, when the child could not do it)."""
        if self._child is None:
            return self._work()
        try:
            data = self._stream.read()
        finally:
            succeeded = self._reap()
        return pickle.loads(data) if succeeded else self._work()

    def _reap(self) -> bool:
        """Close the pipe and wait for the child (a child still writing stops: its pipe is broken).
        Returns whether it finished its work."""
        self._stream.close()
        _, status = os.waitpid(self._child, 0)
        self._child = None
        return status == 0

    def __enter__(self) -> Pending[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._child is not None:  # the result is not wanted (an error, say): stop the child
            os.kill(self._child, signal.SIGKILL)
            self._reap()


def start(work: Callable[[], T]) -> Pending[T]:
    """Start `work` in a forked child process; `result()` waits for it (or does the work, see above)."""
    if not hasattr(os, "fork") or sys.platform == "darwin" or _cores() < 2 or threading.active_count() > 1:
        return Pending(work)
    read, write = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return Pending(work)
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        status = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as stream:
                pickle.dump(work(), stream, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # never back into the parent's code, nor its exit handlers
    os.close(write)
    return Pending(work, child, os.fdopen(read, "rb"))


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
