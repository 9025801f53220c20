"""Faults leave the previous state intact (issues 19 item 3 and 20): a regeneration is all or nothing,
one run at a time writes into one folder, signals end a run with one line, and output folders that
must not be written are refused before any work. docs/security.md, "Faults", is the specification.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.catalog import write_snapshot
from datamigrate_cli.model.errors import Interrupted, OutputError
from datamigrate_cli.project import swap
from datamigrate_cli.project.place import output_place
from datamigrate_cli.project.writer import write_project

EDITED = "dbt_project.yml"
"""The file a person edits between the two runs: the re-run keeps it and writes <file>.new."""


# ------------------------------------------------------------------------- a schema of many tables
def schema_script(tables: int, version: int) -> str:
    """`tables` CREATE TABLE statements in five schemas; `version` 2 adds a column to every third
    table and drops the last tenth of them, so a regeneration rewrites, keeps and removes files."""
    statements = []
    kept = tables if version == 1 else tables - tables // 10
    for number in range(kept):
        schema = ("dbo", "Sales", "Finance", "Inventory", "HR")[number % 5]
        columns = [
            f"[Item{number}ID] int NOT NULL PRIMARY KEY",
            "[Name] nvarchar(100) NOT NULL",
            "[Amount] decimal(18, 2) NULL",
            "[CreatedAt] datetime2 NOT NULL",
        ]
        if version == 2 and number % 3 == 0:
            columns.append("[Note] nvarchar(400) NULL")
        body = ",\n    ".join(columns)
        statements.append(f"CREATE TABLE [{schema}].[Item{number}] (\n    {body}\n);\nGO\n")
    return "".join(statements)


def snapshot_of(folder: Path, tables: int, version: int) -> Path:
    script = folder / f"schema_v{version}.sql"
    script.write_text(schema_script(tables, version), encoding="utf-8")
    catalog, _ = extract_scripts([script])
    path = folder / f"schema_v{version}.json"
    write_snapshot(catalog, path)
    return path


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: files by the hash of their bytes, links by their target, folders."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[relative] = "folder"
        else:
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def datamigrate(*arguments: str | Path, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "datamigrate_cli", *map(str, arguments)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def finished(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def leftovers(parent: Path, project: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p != project and p.name.startswith(f".{project.name}"))


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# ------------------------------------------------------------------------- kill at random points
@pytest.fixture(scope="module")
def large(tmp_path_factory) -> dict:
    """A project generated from 2,000 tables with a person's edit and a file of their own, the
    snapshot of the next version, and the folder that version makes (hashed)."""
    folder = tmp_path_factory.mktemp("large")
    before, after = snapshot_of(folder, 2000, 1), snapshot_of(folder, 2000, 2)
    pristine = folder / "pristine" / "project"
    assert finished(datamigrate("generate", before, "-o", pristine))[0] == 0
    (pristine / EDITED).write_text((pristine / EDITED).read_text() + "# reviewed by a person\n")
    (pristine / "notes.txt").write_text("a person's own file\n")
    (pristine / "target").mkdir()
    (pristine / "target" / "run_results.json").write_text("{}\n")
    reference = folder / "reference" / "project"
    shutil.copytree(pristine, reference, symlinks=True)
    started = time.monotonic()
    running = datamigrate("generate", after, "-o", reference)
    lock_after = _wait_for_the_lock(reference.parent / ".project.datamigrate-lock")
    code, _, stderr = finished(running)
    assert code == 0, stderr
    return {
        "folder": folder,
        "after_snapshot": after,
        "pristine": pristine,
        "before": tree_hashes(pristine),
        "after": tree_hashes(reference),
        "seconds": time.monotonic() - started,
        "lock_after": lock_after,
    }


def _wait_for_the_lock(lock: Path) -> float:
    """Seconds until a run takes its lock: by then it handles SIGINT and SIGTERM (a signal in the
    first second, while Python imports the program, ends it at once with nothing written)."""
    started = time.monotonic()
    while not lock.exists():
        assert time.monotonic() - started < 60, "the run took no lock within a minute"
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.mark.process
@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_run_stopped_at_any_point_leaves_the_previous_project_or_the_new_one(large, sent, tmp_path) -> None:
    assert large["before"] != large["after"]
    assert large["after"][EDITED] == large["before"][EDITED]  # the edit is kept...
    assert EDITED + ".new" in large["after"]  # ...and the new version is beside it
    rng = random.Random(f"faults-{sent.name}")
    seen = []
    for attempt in range(3):
        parent = tmp_path / f"run{attempt}"
        project = parent / "project"
        shutil.copytree(large["pristine"], project, symlinks=True)
        running = datamigrate("generate", large["after_snapshot"], "-o", project)
        started = _wait_for_the_lock(parent / ".project.datamigrate-lock")  # the program is past its start
        delay = rng.uniform(0.0, 1.1) * (large["seconds"] - large["lock_after"])
        time.sleep(delay)
        running.send_signal(sent)
        delay += started
        code, _, stderr = finished(running)

        state = tree_hashes(project)
        assert state in (large["before"], large["after"]), f"a mix after {sent.name} at {delay:.2f}s"
        seen.append("before" if state == large["before"] else "after")
        if code != 0 and sent != signal.SIGKILL:
            assert code == 130
            assert stderr.strip().splitlines() == [stderr.strip()]  # one line
            assert stderr.startswith("interrupted: "), stderr
        if sent == signal.SIGKILL:
            left = leftovers(parent, project)
            print(f"SIGKILL at {delay:.2f}s: {(state == large['after'] and 'after') or 'before'}, left {left}, "
                  f"{sum(size_of(parent / name) for name in left)} bytes")  # fmt: skip
        else:
            assert leftovers(parent, project) == []  # no staging folder, no lock file

        # The next run finishes or undoes what was left, and calls no file of datamigrate's "edited".
        code, stdout, stderr = finished(datamigrate("generate", large["after_snapshot"], "-o", project))
        assert code == 0, stderr
        assert "Kept 1 file(s) you edited" in stdout
        assert tree_hashes(project) == large["after"]
        assert leftovers(parent, project) == []
    print(f"{sent.name}: {seen}")


# ------------------------------------------------------------------------- the swap and its journal
SMALL = {"dbt_project.yml": "name: x\n", "models/a/m1.sql": "select 1\n", "models/b/m2.sql": "select 2\n"}
CHANGED = {"dbt_project.yml": "name: x\n", "models/a/m1.sql": "select 11\n", "models/c/m3.sql": "select 3\n"}


def small_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write_project(project, SMALL, "datamigrate test")
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")
    (project / "models" / "a" / "mine.sql").write_text("select 'a person wrote this'\n")
    os.symlink("models/a", project / "shortcut")
    return project


def expected_after(project: Path) -> dict[str, str]:
    """What the CHANGED project looks like, written into a copy of `project`."""
    copy = project.parent / "copy" / "project"
    shutil.copytree(project, copy, symlinks=True)
    write_project(copy, CHANGED, "datamigrate test")
    hashes = tree_hashes(copy)
    shutil.rmtree(copy.parent)
    return hashes


def test_a_regeneration_keeps_what_datamigrate_did_not_write_and_removes_what_it_no_longer_plans(
    tmp_path: Path,
) -> None:
    project = small_project(tmp_path)
    result = write_project(project, CHANGED, "datamigrate test")
    assert result.written == ["models/a/m1.sql", "models/c/m3.sql"]
    assert result.unchanged == ["dbt_project.yml"] and result.removed == ["models/b/m2.sql"]
    assert not (project / "models" / "b" / "m2.sql").exists()
    assert (project / "models" / "a" / "mine.sql").read_text() == "select 'a person wrote this'\n"
    assert (project / "target" / "manifest.json").read_text() == "{}"
    assert os.readlink(project / "shortcut") == "models/a"
    assert sorted(os.listdir(tmp_path)) == ["project"]  # no staging folder, no lock file


def test_a_run_killed_before_the_journal_leaves_the_previous_project_and_the_next_run_removes_the_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = small_project(tmp_path)
    before = tree_hashes(project)
    monkeypatch.setattr(swap, "commit", _killed)
    with pytest.raises(_Killed):
        write_project(project, CHANGED, "datamigrate test")
    assert tree_hashes(project) == before
    place = output_place(project)
    assert place.staging.is_dir() and not (place.staging / swap.JOURNAL).exists()
    assert swap.recover(place) is False
    assert not place.staging.exists() and tree_hashes(project) == before


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
@pytest.mark.parametrize("swapped", [0, 1], ids=["killed before the swap", "killed after the swap"])
def test_a_run_killed_after_the_journal_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool, swapped: int
) -> None:
    project = small_project(tmp_path)
    after = expected_after(project)
    if not exchange:
        monkeypatch.setattr(swap, "_renameat2", None)
    real_swap = swap._swap

    def killed_swap(place, entries):
        if swapped:
            real_swap(place, entries)
        raise _Killed

    monkeypatch.setattr(swap, "_swap", killed_swap)
    monkeypatch.setattr(swap, "_signals_held", _nothing_held)
    with pytest.raises(_Killed):
        write_project(project, CHANGED, "datamigrate test")
    monkeypatch.setattr(swap, "_swap", real_swap)
    place = output_place(project)
    assert (place.staging / swap.JOURNAL).is_file()
    assert swap.recover(place) is True
    assert tree_hashes(project) == after and not place.staging.exists()


def test_two_renames_killed_between_them_are_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without renameat2, a kill between moving the previous project away and moving the new one in
    leaves no folder at all for a moment: the journal has the new one moved in."""
    project = small_project(tmp_path)
    after = expected_after(project)
    monkeypatch.setattr(swap, "_renameat2", None)
    real_rename = os.rename
    calls = []

    def rename(source, target):
        calls.append(source)
        if len(calls) == 2:
            raise _Killed
        real_rename(source, target)

    monkeypatch.setattr(swap.os, "rename", rename)
    monkeypatch.setattr(swap, "_signals_held", _nothing_held)
    with pytest.raises(_Killed):
        write_project(project, CHANGED, "datamigrate test")
    monkeypatch.setattr(swap.os, "rename", real_rename)
    assert not project.exists()
    write_project(project, CHANGED, "datamigrate test")  # the next run finishes it, then runs
    assert tree_hashes(project) == after


def test_an_interrupt_while_staging_removes_the_staging_and_says_what_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = small_project(tmp_path)
    before = tree_hashes(project)

    def interrupted(place, tree):
        raise KeyboardInterrupt

    monkeypatch.setattr(swap, "commit", interrupted)
    with pytest.raises(Interrupted, match="is as it was before this run"):
        write_project(project, CHANGED, "datamigrate test")
    assert tree_hashes(project) == before
    monkeypatch.undo()

    def interrupted_in_extra(tree: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="is as it was before this run"):
        write_project(project, CHANGED, "datamigrate test", extra=interrupted_in_extra)
    assert tree_hashes(project) == before
    assert sorted(os.listdir(tmp_path)) == ["project"]


def test_a_failed_write_names_the_output_folder_not_the_staging_folder(tmp_path: Path) -> None:
    project = small_project(tmp_path)

    def failing(tree: Path) -> None:
        open(tree / "missing" / "schema.json", "w")  # noqa: SIM115 (fails)

    with pytest.raises(OutputError) as raised:
        write_project(project, CHANGED, "datamigrate test", extra=failing)
    assert "staging" not in raised.value.message and str(project) in raised.value.message
    assert sorted(os.listdir(tmp_path)) == ["project"]


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (no handler catches a BaseException of its own)."""


def _killed(*_args) -> None:
    raise _Killed


def _nothing_held():
    import contextlib

    return contextlib.nullcontext()


# ------------------------------------------------------------------------- one run at a time
def test_a_second_run_into_a_locked_folder_refuses_with_the_pid_of_the_first(tmp_path: Path) -> None:
    import fcntl

    project = small_project(tmp_path)
    place = output_place(project)
    handle = os.open(place.lock, os.O_RDWR | os.O_CREAT)
    os.write(handle, b"4242\n")
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        with pytest.raises(OutputError, match=r"another datamigrate run \(pid 4242\) is writing"):
            write_project(project, CHANGED, "datamigrate test")
    finally:
        os.close(handle)
    write_project(project, CHANGED, "datamigrate test")  # a lock file nobody holds is taken
    assert not place.lock.exists()


@pytest.mark.process
def test_two_concurrent_runs_into_one_folder_the_second_refuses(large, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(large["pristine"], project, symlinks=True)
    first = datamigrate("generate", large["after_snapshot"], "-o", project)
    lock = tmp_path / ".project.datamigrate-lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGSTOP)  # hold the first run while it holds the lock
    try:
        code, stdout, stderr = finished(datamigrate("generate", large["after_snapshot"], "-o", project))
    finally:
        first.send_signal(signal.SIGCONT)
    assert code == 2 and stdout == ""
    assert stderr.strip() == (
        f"error: {project}: another datamigrate run (pid {first.pid}) is writing this folder; "
        "wait for it to end, or give another folder"
    )
    assert finished(first)[0] == 0
    assert tree_hashes(project) == large["after"]


# ------------------------------------------------------------------------- signals
@pytest.mark.process
def test_the_forked_child_dies_with_its_parent(tmp_path: Path) -> None:
    program = (
        "import time\n"
        "from datamigrate_cli.runtime import second_process\n"
        "def work():\n"
        "    while True:\n"
        f"        open({str(tmp_path / 'beat')!r}, 'a').write('.')\n"
        "        time.sleep(0.05)\n"
        "pending = second_process.start(work)\n"
        "print(pending._child, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert child > 0 and _alive(child)
    deadline = time.monotonic() + 10
    while not (tmp_path / "beat").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # the child is at work
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 2
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
    beats = (tmp_path / "beat").read_text()
    time.sleep(0.3)
    assert (tmp_path / "beat").read_text() == beats  # it writes no more


def _alive(pid: int) -> bool:
    """Running: a zombie (dead, not yet reaped by whoever adopted it) is not."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


@pytest.mark.process
@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_during_extract_exits_130_with_one_line(tmp_path: Path, sent: signal.Signals) -> None:
    script = tmp_path / "big.sql"
    script.write_text(schema_script(30000, 1), encoding="utf-8")
    output = tmp_path / "schema.json"
    output.write_text("previous")
    running = datamigrate("extract", "--ddl", script, "-o", output)
    time.sleep(3.0)  # past the program's start
    running.send_signal(sent)
    code, _, stderr = finished(running)
    if code == 0:
        pytest.fail("extract ended before the signal; make the script larger")
    # (the blank line before it is the end of rich's progress display when stderr is not a terminal)
    assert code == 130 and stderr.strip() == f"interrupted: {output} is as it was before this run"
    assert output.read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["big.sql", "schema.json"]


def test_generate_refuses_the_output_before_any_work(tmp_path: Path) -> None:
    catalog, _ = extract_scripts([Path(__file__).parent / "fixtures" / "small.sql"])
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        generate(catalog, file)
