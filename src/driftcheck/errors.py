"""Errors that end a run with exit code 2 and a one-line reason."""

from __future__ import annotations

#: Longest value echoed in an error message; longer ones are cut with an ellipsis.
MAX_ECHO = 60
#: Longest error message: a reason that quotes several values stays one readable line.
MAX_MESSAGE = 500


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` on one line, cut to ``limit`` characters, for quoting input in a message."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class InputError(Exception):
    """Bad input: a path that is missing, not an export, or a file that cannot be parsed.

    The message is one line meant for the admin; it names the file (and line for XML).
    """

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[InputError], tuple[str], dict[str, object]]:
        # Raised in a worker process, it crosses back to the main one by pickling.
        return (InputError, (self.reason,), {"file": self.file, "line": self.line})

    @property
    def message(self) -> str:
        reason = shorten(self.reason, MAX_MESSAGE)
        if self.file is None:
            return reason
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {reason}"
