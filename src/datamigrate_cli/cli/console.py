"""The terminal: the two Rich consoles, progress on stderr, and errors turned into one line and an exit code."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from typer.exceptions import TyperException

from ..model.errors import DatamigrateError, ExitCode, Interrupted

if TYPE_CHECKING:
    from ..validate import Level

out = Console(soft_wrap=True)
"""What a command produced: stdout."""
err = Console(stderr=True, soft_wrap=True)
"""Progress, warnings and errors: stderr, so that piped JSON stays clean."""

_tracebacks = {"shown": False}
"""Set by --debug, read when an error ends the run."""
_interrupted: dict[str, str | bool] = {"kept": "nothing was written", "stopped": False}
"""What the output holds if the run is interrupted now: the command says, and updates it."""

INTERNAL_ERROR = 70
"""The exit code of a bug: an exception that is not one of ours (EX_SOFTWARE)."""
INTERRUPTED = ExitCode.INTERRUPTED


def on_interrupt(kept: str) -> None:
    """What the one line printed on SIGINT or SIGTERM says was kept, from now on."""
    _interrupted["kept"] = kept


def show_tracebacks(shown: bool) -> None:
    """Whether an error that ends the run also prints its traceback (--debug)."""
    _tracebacks["shown"] = shown


@contextmanager
def file_progress(label: str) -> Iterator[Callable[[Path], None]]:
    """A spinner on stderr naming the file being read; yields the callback that names the next file."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task(label)
        yield lambda path: progress.update(task, description=f"{label}: {path.name}")


@contextmanager
def dbt_progress(level: Level, shown: bool) -> Iterator[Callable[[str, str], None] | None]:
    """A progress bar on stderr that follows dbt node by node; yields its callback, or None (no bar)
    when it is not `shown` or stderr is not a terminal."""
    if not shown or not err.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("dbt {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(level.value, total=None)

        def finished(name: str, status: str) -> None:
            progress.update(task, advance=1, description=f"{level.value}: {name} {status}")

        yield finished


@contextmanager
def working(message: str) -> Iterator[None]:
    """A status line on stderr while the generation pipeline runs, gone when it ends.

    Drawn once, not animated: rich animates with a thread, and while another thread runs,
    generation does not fork the second process that halves its time (see runtime/second_process.py).
    """
    with Live(f"{message}...", console=err, auto_refresh=False, transient=True):
        yield


def run(app: typer.Typer) -> NoReturn:
    """Run `app`, turning our errors into one line on stderr and an exit code; never returns.
    SIGTERM is handled as SIGINT: exit 130 with one line saying what the output holds, also when a
    library caught the KeyboardInterrupt (dbt reports an interrupted build as a failed one)."""
    signal.signal(signal.SIGTERM, _stop)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started ignoring it
        signal.signal(signal.SIGINT, _stop)
    try:
        code = app(standalone_mode=False)  # click returns a typer.Exit's code instead of raising it
    except Interrupted as exc:
        fail(f"interrupted: {exc.message}", INTERRUPTED)
    except DatamigrateError as exc:
        _end_if_stopped()
        fail(f"error: {exc.message}", exc.exit_code)
    except typer.Exit as exc:
        _end_if_stopped()
        sys.exit(exc.exit_code)
    except typer.Abort:
        _end_if_stopped()
        sys.exit(1)
    except TyperException as exc:  # bad usage: unknown option, missing argument
        # what typer raises here is its (private) ClickException, which has show(); the public base has not
        exc.show(file=sys.stderr)  # type: ignore[attr-defined]
        sys.exit(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        fail(f"interrupted: {_interrupted['kept']}", INTERRUPTED)
    except Exception as exc:
        _end_if_stopped()
        fail(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            INTERNAL_ERROR,
        )
    if code == INTERRUPTED:  # typer turns a KeyboardInterrupt into Exit(130), which click returns
        _interrupted["stopped"] = True
    _end_if_stopped()
    sys.exit(code if isinstance(code, int) else 0)


def _stop(signum: int, frame: object) -> NoReturn:
    """SIGINT, and SIGTERM (CI cancelling, `timeout`), stop a run as Ctrl-C does; remembered, so
    that the run ends with 130 even when a library caught the KeyboardInterrupt."""
    _interrupted["stopped"] = True
    raise KeyboardInterrupt


def _end_if_stopped() -> None:
    if _interrupted.get("stopped"):
        err.print(f"interrupted: {_interrupted['kept']}", markup=False, highlight=False)
        sys.exit(INTERRUPTED)


def fail(message: str, code: int) -> NoReturn:
    """End the run with `message` on stderr (after the traceback of the error being handled, with --debug)."""
    if _tracebacks["shown"]:
        err.print_exception()
    err.print(message, markup=False, highlight=False)
    sys.exit(int(code))
