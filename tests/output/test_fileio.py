"""Reports are replaced atomically and readable like any file the user creates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftcheck.output.files import write_all_atomically, write_atomically


def test_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "r.html", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o644


def test_existing_file_keeps_its_mode_and_gets_new_content(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomically(target, 42)  # type: ignore[arg-type]  # not text, on purpose
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_rename_failing_part_way_puts_the_earlier_files_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = tmp_path / "a.json", tmp_path / "b.html", tmp_path / "c.xml"
    first.write_text("old a")
    second.write_text("old b")
    real_replace = os.replace

    def replace(src: str, dst: str | Path) -> None:
        if Path(dst) == third:
            raise OSError(5, "Input/output error", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        write_all_atomically([(first, "new a"), (second, "new b"), (third, "new c")])
    monkeypatch.setattr(os, "replace", real_replace)
    assert first.read_text() == "old a" and second.read_text() == "old b"
    assert not third.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.html"]


def test_all_or_none_leaves_no_backup_behind(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_text("old")
    write_all_atomically([(first, "new"), (tmp_path / "b.html", "b")])
    assert first.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.html"]
