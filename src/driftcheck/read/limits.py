"""The limits an export is read within: sizes, zip compression ratio, element counts, text length.

Each can be raised for a giant estate by its DRIFTCHECK_MAX_* environment variable
(docs/limits.md); a refusal names the limit and the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from driftcheck.errors import InputError, shorten

MIB = 1024 * 1024


LIMITS_DOC = "docs/limits.md"


@dataclass(frozen=True)
class Limits:
    """How much of an export driftcheck will read: bounds on hostile or damaged input.

    The defaults leave an order of magnitude of room over a real 100-forest estate (an AD
    connector file is about 2 MB and 50,000 elements) while keeping a run under 1 GiB of
    memory on archives built to explode. Each is raised by an environment variable
    (``DRIFTCHECK_MAX_...``, see docs/limits.md).
    """

    #: uncompressed bytes of the files of one export
    export_bytes: int = 1024 * MIB
    #: bytes of one file (zip member or file in a folder)
    file_bytes: int = 64 * MIB
    #: elements in one file
    elements: int = 500_000
    #: elements in all the files of one export
    export_elements: int = 20_000_000
    #: characters of one text or attribute value
    text_chars: int = 1 * MIB
    #: uncompressed / compressed size of a zip member (checked above 1 MiB)
    ratio: int = 100
    #: settings read from sections driftcheck does not model (a real export has hundreds)
    settings: int = 200_000
    #: members of one zip archive (a 100-forest export has about 3,000)
    members: int = 50_000

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for name, (variable, unit) in LIMIT_VARIABLES.items():
            number = positive_number(env, variable)
            if number is not None:
                values[name] = number * unit
        return cls(**values)


def positive_number(env: Mapping[str, str], variable: str) -> int | None:
    """The whole number above 0 that environment variable ``variable`` holds, None when it is
    unset or blank; anything else is refused in one line."""
    raw = env.get(variable)
    if raw is None or not raw.strip():
        return None
    try:
        number = int(raw.strip())
    except ValueError:
        number = 0
    if number <= 0:
        raise InputError(
            f"environment variable {variable} must be a whole number above 0, not {shorten(raw)!r}"
        )
    return number


#: field -> (environment variable, unit of its value)
LIMIT_VARIABLES: dict[str, tuple[str, int]] = {
    "export_bytes": ("DRIFTCHECK_MAX_EXPORT_MB", MIB),
    "file_bytes": ("DRIFTCHECK_MAX_FILE_MB", MIB),
    "elements": ("DRIFTCHECK_MAX_ELEMENTS", 1),
    "export_elements": ("DRIFTCHECK_MAX_EXPORT_ELEMENTS", 1),
    "text_chars": ("DRIFTCHECK_MAX_TEXT_MB", MIB),
    "ratio": ("DRIFTCHECK_MAX_RATIO", 1),
    "settings": ("DRIFTCHECK_MAX_SETTINGS", 1),
    "members": ("DRIFTCHECK_MAX_MEMBERS", 1),
}


def check_member_count(count: int, location: str, limits: Limits) -> None:
    """Refuse an archive with more members than :attr:`Limits.members`, before reading any.

    The central directory is read once, when the archive is opened; every member after that
    is read from the same handle, so the cost of a large archive grows with its size, and a
    zip of 100,000 tiny members is refused in a second instead of read for minutes.
    """
    if count > limits.members:
        raise InputError(
            too_big(f"the archive holds {count:,} members", "members", limits),
            file=location,
        )


#: Below this size a zip member's compression ratio is not checked (small files vary).
RATIO_FLOOR = 1 * MIB


def too_big(what: str, limit_name: str, limits: Limits, label: str = "limit") -> str:
    variable, unit = LIMIT_VARIABLES[limit_name]
    limit = getattr(limits, limit_name) // unit
    shown = f"{limit:,} MB" if unit == MIB else f"{limit:,}"
    return f"{what} ({label} {shown}; raise {variable} for a larger export, see {LIMITS_DOC})"


def megabytes(size: int) -> str:
    """A size for a message: MB (MiB) from one up, kB below."""
    return f"{size / MIB:,.1f} MB" if size >= MIB else f"{size / 1024:,.1f} kB"
