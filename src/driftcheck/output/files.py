"""Writing output files so that a failed run never leaves a half-written or lost report."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from driftcheck.errors import InputError


def write_atomically(
    path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n"
) -> None:
    """Write ``text`` to ``path`` so that a reader never sees half a file.

    The text goes to a temporary file beside the target, which then replaces it in one
    rename: an earlier report survives any failure before that point. ``encoding`` and
    ``newline`` are :func:`open`'s (``"utf-8-sig"`` writes a BOM; ``"\r\n"`` ends lines
    the Windows way, as a PowerShell script wants).
    """
    write_all_atomically([(path, text)], encoding=encoding, newline=newline)


class StagedFile:
    """An output written as it is produced (a CSV of a million rows) to a temporary file
    beside its target; :func:`write_all_atomically` renames it in with the other outputs,
    all or none. :meth:`discard` removes it after a failed run."""

    def __init__(self, path: Path, *, encoding: str = "utf-8", newline: str | None = "\n") -> None:
        self.path = path
        directory = path.parent if str(path.parent) else Path(".")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            self.handle: TextIO = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        except BaseException:
            os.close(fd)
            Path(self.tmp).unlink(missing_ok=True)
            raise

    def finish(self) -> str:
        """Close the file, with the mode the target will have; returns its temporary name."""
        self.handle.close()
        os.chmod(self.tmp, _mode_for(self.path))
        return self.tmp

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        Path(self.tmp).unlink(missing_ok=True)


def write_all_atomically(
    outputs: Sequence[tuple[Path, str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    staged_files: Sequence[StagedFile] = (),
) -> None:
    """Write several files so that either all are replaced or none is.

    Every text is written to its temporary file first; only when all are on disk are they
    renamed over their targets. A full disk or a missing folder for the last output leaves
    every earlier report as it was. Each existing target is kept as a hard link until every
    rename has succeeded, so a rename failing part-way puts the earlier files back.
    """
    staged: list[tuple[str, Path]] = []
    kept: list[tuple[str | None, Path]] = []  # (backup link or None for a new file, target)
    try:
        for item in staged_files:
            staged.append((item.finish(), item.path))
        for path, text in outputs:
            try:
                staged.append((stage_file(path, text, encoding, newline), path))
            except OSError as exc:  # name the report, not its temporary file
                raise OSError(exc.errno, exc.strerror, str(path)) from exc
        for tmp, path in staged:
            kept.append((_keep(path), path))
            os.replace(tmp, path)
    except BaseException:
        _restore(kept)
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for item in staged_files:
            item.discard()
        raise
    for backup, _ in kept:
        if backup is not None:
            Path(backup).unlink(missing_ok=True)


def _keep(path: Path) -> str | None:
    """A hard link to the file at ``path`` (None when there is none), to put it back later."""
    if not path.exists():
        return None
    directory = path.parent if str(path.parent) else Path(".")
    fd, backup = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".old", dir=directory)
    os.close(fd)
    try:
        os.replace(backup, backup + ".link")  # free the name for the link, keep it reserved
        os.link(path, backup)
        os.unlink(backup + ".link")
    except OSError:  # no hard links here (some file shares): a copy does the same job
        Path(backup + ".link").unlink(missing_ok=True)
        shutil.copy2(path, backup)
    return backup


def _restore(kept: Sequence[tuple[str | None, Path]]) -> None:
    """Undo the renames already done: each target gets its old file back, or goes if new."""
    for backup, path in reversed(kept):
        try:
            if backup is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(backup, path)
        except OSError:
            pass  # best effort: the original error is the one to report


def stage_file(path: Path, text: str, encoding: str, newline: str) -> str:
    """``text`` in a temporary file beside ``path``, with the mode ``path`` will have."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as handle:
            handle.write(text)
        os.chmod(tmp, _mode_for(path))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def check_output_paths(paths: Sequence[Path]) -> None:
    """Refuse, before any work is done, an output that could not be written.

    Each must name a file (new, or an existing regular file) in an existing folder, and no
    two may name the same file. Raises :class:`InputError` naming the path.
    """
    seen: dict[str, Path] = {}
    for path in paths:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(
                f"cannot write the report: folder {folder} does not exist", file=str(path)
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(
                f"cannot write the report: folder {folder} is not writable", file=str(path)
            )
        try:
            info = path.stat()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise InputError(
                f"cannot write the report ({exc.strerror or exc})", file=str(path)
            ) from None
        else:
            if not stat.S_ISREG(info.st_mode):
                raise InputError("cannot write the report: not a regular file", file=str(path))
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise InputError(f"is given for two outputs ({seen[key]} too)", file=str(path))
        seen[key] = path


def _mode_for(path: Path) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows (mkstemp's 0600
    would hide a report from the colleagues it is written for)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
