"""One exception hierarchy; each error carries the exit code the CLI returns for it."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes safe-check promises."""

    OK = 0
    PROBLEMS_FOUND = 1  # lint found problems
    BAD_INPUT = 2  # usage, answers file, unknown id
    OFFLINE = 3
    INTERRUPTED = 130


class SafeCheckError(Exception):
    """An error the user can act on: its message is shown without a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class ChecklistError(SafeCheckError):
    """A checklist file is missing or malformed."""

    exit_code = ExitCode.PROBLEMS_FOUND


class UsageError(SafeCheckError):
    """Bad arguments, an unknown id or a missing setting."""


class AnswersError(SafeCheckError):
    """An answers file has problems; every one is listed."""

    def __init__(self, problems: list[str], source: str = "answers") -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s), nothing was finalised:\n{lines}")


class StoreError(SafeCheckError):
    """The data directory or database cannot be used."""


class Interrupted(SafeCheckError):
    """The officer pressed Ctrl-C or closed input."""

    exit_code = ExitCode.INTERRUPTED
