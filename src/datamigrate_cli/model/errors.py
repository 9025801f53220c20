"""One exception hierarchy. Each user-facing error carries one readable line and an exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS_FOUND = 1
    BAD_INPUT = 2
    SOURCE_UNREACHABLE = 3
    DBT_FAILED = 4
    INTERRUPTED = 130
    """SIGINT or SIGTERM: 128 + SIGINT, as shells report Ctrl-C."""


class DatamigrateError(Exception):
    """Root of every error datamigrate reports to a person: what went wrong, where, what to do."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(DatamigrateError):
    """A missing, empty or unreadable input file, or input that is not what the command takes."""


class SnapshotError(DatamigrateError):
    """A schema.json that cannot be read: truncated, hand-broken or of another format version."""


class OutputError(DatamigrateError):
    """The output directory cannot be written."""


class SourceUnreachableError(DatamigrateError):
    exit_code = ExitCode.SOURCE_UNREACHABLE


class DbtError(DatamigrateError):
    """dbt-core could not run at all (as opposed to running and finding problems)."""

    exit_code = ExitCode.DBT_FAILED


class Interrupted(DatamigrateError):
    """SIGINT or SIGTERM (a KeyboardInterrupt) stopped a run while it wrote its output; the message
    says what the output holds now."""

    exit_code = ExitCode.INTERRUPTED
