"""Zip exports are read through one handle per process, and an archive with more members
than DRIFTCHECK_MAX_MEMBERS is refused before any is read."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from driftcheck.cli.app import main
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export
from tests.conftest import SAMPLES


def zip_export(folder: Path, target: Path, extra_rules: int = 0) -> Path:
    """``folder`` zipped, with ``extra_rules`` copies of its first sync rule under new names."""
    rules = sorted((folder / "SynchronizationRules").glob("*.xml"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        template = rules[0].read_text(encoding="utf-8")
        for n in range(extra_rules):
            guid = f"{{00000000-0000-4000-8000-{n:012d}}}"
            text = template.replace("<name>", f"<name>copy {n} of ", 1)
            archive.writestr(f"SynchronizationRules/SynchronizationRule_{guid}.xml", text)
    return target


class _Counting(zipfile.ZipFile):
    opened = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).opened += 1
        super().__init__(*args, **kwargs)


@pytest.mark.parametrize("extra", [0, 200])
def test_a_zip_is_opened_a_fixed_number_of_times_whatever_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: int
) -> None:
    archive = zip_export(SAMPLES / "primary", tmp_path / "export.zip", extra)
    monkeypatch.setattr(zipfile, "ZipFile", _Counting)
    _Counting.opened = 0
    config = server_configuration(read_export(archive))
    assert len(config.sync_rules) >= extra
    # once to list the members, once for the handle every member is read from
    assert _Counting.opened == 2


def test_too_many_members_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = zip_export(SAMPLES / "primary", tmp_path / "export.zip", 30)
    monkeypatch.setenv("DRIFTCHECK_MAX_MEMBERS", "20")
    assert main(["check", str(archive)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(archive) in err and "DRIFTCHECK_MAX_MEMBERS" in err and "members" in err


def test_the_member_limit_guards_pending_export_zips_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "pending.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for n in range(30):
            z.writestr(f"PendingExports/{n}.xml", "<cs-objects/>")
    monkeypatch.setenv("DRIFTCHECK_MAX_MEMBERS", "20")
    assert main(["exports", str(archive)]) == 2
    err = capsys.readouterr().err
    assert "DRIFTCHECK_MAX_MEMBERS" in err and str(archive) in err
