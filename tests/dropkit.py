"""Drop folders for tests: exports placed as each server's scheduled task would leave them.

Exports are copies of samples/primary or samples/staging (or the minimal export) whose
MV.xml is edited to say which server wrote them, when, and in which mode.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from tests.conftest import SAMPLES, write_minimal_export

_STAGING = re.compile(r"(Microsoft\.Synchronize\.StagingMode\"[^>]*>)(True|False)(<)")


def rewrite_mv(mv: Path, *, server: str, exported: datetime, staging: bool) -> None:
    text = mv.read_text(encoding="utf-8-sig")
    stamp = exported.strftime("%Y-%m-%d %H:%M:%S.") + f"{exported.microsecond // 1000:03d}"
    text = re.sub(r"""server=(['"])[^'"]*\1""", f'server="{server}"', text, count=1)
    text = re.sub(r"""export-date=(['"])[^'"]*\1""", f'export-date="{stamp}"', text, count=1)
    text, found = _STAGING.subn(rf"\g<1>{staging}\g<3>", text, count=1)
    assert found == 1, mv
    mv.write_text(text, encoding="utf-8")


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(folder).as_posix())
    return target


def place_export(
    drop: Path,
    folder: str,
    name: str,
    *,
    server: str,
    exported: datetime,
    staging: bool,
    source: str = "minimal",
    as_zip: bool = True,
    edit: dict[str, tuple[str, str]] | None = None,
    pending: Path | None = None,
) -> Path:
    """Put an export at ``drop/folder/name`` (``name`` ends in .zip when ``as_zip``).

    ``source`` is ``minimal`` or a samples/ side (``primary``, ``staging``); ``edit`` maps a
    file path inside the export to one (old, new) text replacement made before placing it;
    ``pending`` is a folder copied in as ``PendingExports/`` (what the export script's
    ``-PendingExports`` adds, e.g. samples/staging-pending).
    """
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "export"
        if source == "minimal":
            write_minimal_export(work)
        else:
            shutil.copytree(SAMPLES / source, work)
        rewrite_mv(
            work / "GlobalSettings" / "MV.xml", server=server, exported=exported, staging=staging
        )
        for rel, (old, new) in (edit or {}).items():
            target = work / rel
            text = target.read_text(encoding="utf-8-sig")
            assert old in text, (rel, old)
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
        if pending is not None:
            shutil.copytree(pending, work / "PendingExports")
        destination = drop / folder / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if as_zip:
            return zip_folder(work, destination)
        shutil.copytree(work, destination)
        return destination
