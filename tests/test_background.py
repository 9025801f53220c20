"""Work given to a second process comes back as if it had been done here."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from datamigrate_cli.runtime import second_process

forks = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin" or second_process._cores() < 2,
    reason="background does not fork here",
)


@forks
def test_the_work_runs_in_a_child_and_its_result_comes_back() -> None:
    with second_process.start(lambda: (os.getpid(), ["a" * 100_000] * 50)) as pending:
        pid, texts = pending.result()
    assert pid != os.getpid()
    assert texts == ["a" * 100_000] * 50  # a large result


def test_without_fork_the_work_runs_here(monkeypatch) -> None:
    monkeypatch.delattr(os, "fork", raising=False)
    with second_process.start(os.getpid) as pending:
        assert pending.result() == os.getpid()


def test_on_a_single_core_the_work_runs_here(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    with second_process.start(os.getpid) as pending:
        assert pending.result() == os.getpid()


def test_while_another_thread_runs_the_work_runs_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with second_process.start(os.getpid) as pending:
            assert pending.result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_what_the_work_raises_is_raised_here() -> None:
    def work() -> None:
        raise ValueError("no such table")

    with second_process.start(work) as pending, pytest.raises(ValueError, match="no such table"):
        pending.result()


@forks
def test_a_child_that_dies_is_replaced_by_this_process() -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            os._exit(3)
        return "done here"

    with second_process.start(work) as pending:
        assert pending.result() == "done here"


@forks
def test_leaving_the_block_without_the_result_ends_the_child() -> None:
    with second_process.start(lambda: time.sleep(60)) as pending:
        child = pending._child
    with pytest.raises(ChildProcessError):  # already waited for: no child left behind
        os.waitpid(child, 0)
