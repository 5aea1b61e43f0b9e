"""Writing output files so that a failed run never leaves a half-written or lost report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(
    path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n"
) -> None:
    """Write ``text`` to ``path`` so that a reader never sees half a file.

    The text goes to a temporary file beside the target, which then replaces it in one
    rename: an earlier report survives any failure before that point. ``encoding`` and
    ``newline`` are :func:`open`'s (``"utf-8-sig"`` writes a BOM; ``"\r\n"`` ends lines
    the Windows way, as a PowerShell script wants).
    """
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as handle:
            handle.write(text)
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows (mkstemp's 0600
    would hide a report from the colleagues it is written for)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
