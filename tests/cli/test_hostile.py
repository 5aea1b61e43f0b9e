"""Hostile input: archives, folders and files built to exhaust memory, hang, escape the export
or confuse the terminal. Each must end in one short line naming the export and file (exit 2),
or in a correct report, never in a hang, a traceback or a read outside the export."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import IO, Any

import pytest

from driftcheck.cli.app import main
from driftcheck.errors import InputError
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export
from tests.conftest import MINIMAL_CONNECTOR, MINIMAL_RULE

CONNECTOR = "Connectors/Connector_{11111111-2222-3333-4444-555555555555}.xml"
RULE = "SynchronizationRules/SynchronizationRule_{aaaaaaaa-2222-3333-4444-555555555555}.xml"


def zip_export(folder: Path, archive: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in sorted(folder.rglob("*")):
            if item.is_file() and item.relative_to(folder).as_posix() not in (extra or {}):
                zf.write(item, item.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return archive


def load_all(path: Path) -> None:
    server_configuration(read_export(path))


def one_line(err: pytest.ExceptionInfo[InputError]) -> str:
    message = err.value.message
    assert "\n" not in message
    assert len(message) < 400, message
    return message


# --- bounded resources (issue 14, item 7) ------------------------------------------------------


def test_zip_bomb_is_refused_by_its_compression_ratio(minimal_export: Path, tmp_path: Path) -> None:
    bomb = b"<synchronizationRule>" + b"<a/>" * 2_000_000 + b"</synchronizationRule>"
    archive = zip_export(
        minimal_export, tmp_path / "primary.zip", {"SynchronizationRules/bomb.xml": bomb}
    )
    with pytest.raises(InputError) as err:
        read_export(archive)
    message = one_line(err)
    assert str(archive) in message and "SynchronizationRules/bomb.xml" in message
    assert "compress" in message


def test_member_larger_than_the_file_limit_names_archive_and_member(
    minimal_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTCHECK_MAX_FILE_MB", "1")
    big = MINIMAL_RULE.replace("<description />", f"<description>{os.urandom(1).hex() * 800_000}")
    big = big.replace("<immutable-tag />", "</description><immutable-tag />")
    archive = zip_export(minimal_export, tmp_path / "staging.zip", {RULE: big.encode()})
    with pytest.raises(InputError) as err:
        load_all(archive)
    message = one_line(err)
    assert str(archive) in message and RULE in message
    assert "DRIFTCHECK_MAX_FILE_MB" in message


def test_sparse_giant_file_in_a_folder_is_refused_without_reading_it(minimal_export: Path) -> None:
    giant = minimal_export / "Connectors" / "Connector_{99999999-2222-3333-4444-555555555555}.xml"
    with giant.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # sparse: no disk used
    with pytest.raises(InputError) as err:
        load_all(minimal_export)
    message = one_line(err)
    assert giant.name in message and "MB" in message


def test_total_size_of_an_export_is_bounded(
    minimal_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTCHECK_MAX_EXPORT_MB", "1")
    for n in range(3):
        rule = MINIMAL_RULE.replace("In from AD - User Custom", f"Rule {n}")
        padding = "<!-- " + "x" * 400_000 + " -->"
        (minimal_export / "SynchronizationRules" / f"Rule{n}.xml").write_text(rule + padding)
    with pytest.raises(InputError) as err:
        read_export(minimal_export)
    message = one_line(err)
    assert str(minimal_export) in message and "DRIFTCHECK_MAX_EXPORT_MB" in message


def test_too_many_elements_in_one_file(minimal_export: Path) -> None:
    flood = b"<synchronizationRule>" + b"<a/>" * 600_000 + b"</synchronizationRule>"
    (minimal_export / "SynchronizationRules" / "flood.xml").write_bytes(flood)
    with pytest.raises(InputError) as err:
        load_all(minimal_export)
    assert "flood.xml" in one_line(err) and "elements" in err.value.reason


def test_settings_of_unmodelled_sections_are_bounded_per_export(
    minimal_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTCHECK_MAX_SETTINGS", "1000")
    for n in range(3):
        rule = MINIMAL_RULE.replace("In from AD - User Custom", f"Rule {n}")
        flood = "<x>" + "<a/>" * 400 + "</x>"
        (minimal_export / "SynchronizationRules" / f"Rule{n}.xml").write_text(
            rule.replace("</synchronizationRule>", flood + "</synchronizationRule>")
        )
    with pytest.raises(InputError) as err:
        load_all(minimal_export)
    assert "Rule2.xml" in one_line(err) and "DRIFTCHECK_MAX_SETTINGS" in err.value.reason


def test_overlong_text_is_refused(minimal_export: Path) -> None:
    text = "x" * (2 * 1024 * 1024)
    rule = MINIMAL_RULE.replace("<description />", f"<description>{text}</description>")
    (minimal_export / RULE).write_text(rule)
    with pytest.raises(InputError) as err:
        load_all(minimal_export)
    assert "SynchronizationRule_" in one_line(err) and "text" in err.value.reason


def test_a_bad_limit_setting_is_named(
    minimal_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTCHECK_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="DRIFTCHECK_MAX_FILE_MB"):
        read_export(minimal_export)


# --- damaged archives and echoed values (item 8) ----------------------------------------------


def test_damaged_deflate_data_names_archive_and_member(
    minimal_export: Path, tmp_path: Path
) -> None:
    archive = zip_export(minimal_export, tmp_path / "primary.zip")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(CONNECTOR)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + info.compress_size - 5):
        data[i] ^= 0x5A
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError) as err:
        load_all(archive)
    message = one_line(err)
    assert str(archive) in message and CONNECTOR in message
    assert "Error -3" not in message and "damaged" in message


def test_a_huge_precedence_is_not_echoed_whole(minimal_export: Path) -> None:
    rule = minimal_export / RULE
    rule.write_text(rule.read_text().replace("<precedence>50", "<precedence>" + "9" * 5000 + "x"))
    with pytest.raises(InputError) as err:
        load_all(minimal_export)
    message = one_line(err)
    assert "precedence" in message and "9" * 200 not in message


# --- not a regular file (item 9) --------------------------------------------------------------


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftcheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("role", ["primary", "staging", "policy"])
def test_a_fifo_is_refused_without_opening_it(
    minimal_export: Path, tmp_path: Path, role: str
) -> None:
    fifo = tmp_path / f"{role}.fifo"
    os.mkfifo(fifo)
    args = {
        "primary": [str(fifo), str(minimal_export)],
        "staging": [str(minimal_export), str(fifo)],
        "policy": [str(minimal_export), str(minimal_export), "--policy", str(fifo)],
    }[role]
    result = run_cli("compare", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(fifo) in lines[0] and "regular file" in lines[0]


def test_a_fifo_inside_an_export_folder_is_refused(minimal_export: Path) -> None:
    os.mkfifo(minimal_export / "Connectors" / "Connector_fifo.xml")
    with pytest.raises(InputError, match="regular file") as err:
        read_export(minimal_export)
    assert "Connector_fifo.xml" in one_line(err)


# --- symbolic links (item 12) -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["outside", "/etc/passwd", "inside"])
def test_symlinks_in_a_folder_export_are_not_followed(
    minimal_export: Path, tmp_path: Path, target: str
) -> None:
    outside = tmp_path / "elsewhere.xml"
    outside.write_text(MINIMAL_CONNECTOR.replace("contoso.com", "secret.example"))
    link = minimal_export / "Connectors" / "Connector_{22222222-2222-3333-4444-555555555555}.xml"
    pointee = {
        "outside": outside,
        "/etc/passwd": Path("/etc/passwd"),
        "inside": minimal_export / CONNECTOR,
    }[target]
    link.symlink_to(pointee)
    with pytest.raises(InputError, match="symbolic link") as err:
        load_all(minimal_export)
    assert link.name in one_line(err)


def test_a_linked_folder_inside_an_export_is_not_followed(
    minimal_export: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "rules"
    (minimal_export / "SynchronizationRules").rename(elsewhere)
    (minimal_export / "SynchronizationRules").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="symbolic link") as err:
        load_all(minimal_export)
    assert "SynchronizationRules" in one_line(err)


# --- unreadable folders and files (item 13) ---------------------------------------------------


def test_an_unreadable_folder_is_an_error_not_an_empty_section(
    minimal_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if Path(path).name == "SynchronizationRules":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError, match="Permission denied") as err:
        read_export(minimal_export)
    assert "SynchronizationRules" in one_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_by_permissions(minimal_export: Path) -> None:
    rules = minimal_export / "SynchronizationRules"
    rules.chmod(0)
    try:
        assert main(["compare", str(minimal_export), str(minimal_export)]) == 2
    finally:
        rules.chmod(0o755)


def test_an_unreadable_file_is_an_error(
    minimal_export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_open = os.open

    def refuse_rules(path: str | os.PathLike[str], flags: int, *args: int, **kw: int) -> int:
        if "SynchronizationRule_" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refuse_rules)
    assert main(["compare", str(minimal_export), str(minimal_export)]) == 2
    err = capsys.readouterr().err
    assert "SynchronizationRule_" in err and "Permission denied" in err


def test_a_missing_sync_rules_folder_is_a_warning(minimal_export: Path) -> None:
    for rule in (minimal_export / "SynchronizationRules").iterdir():
        rule.unlink()
    (minimal_export / "SynchronizationRules").rmdir()
    files = read_export(minimal_export)
    assert any("SynchronizationRules" in w for w in files.warnings)


def test_the_zip_archive_is_closed_after_reading(minimal_export: Path, tmp_path: Path) -> None:
    archive = zip_export(minimal_export, tmp_path / "export.zip")
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    files = read_export(archive)
    server_configuration(files)
    assert str(archive) not in open_files(), "the archive is still open"


def open_files() -> list[str]:
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return targets


# --- output paths: all or none (item 14) ------------------------------------------------------


def test_a_bad_html_path_leaves_the_existing_json_report_alone(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = tmp_path / "report.json"
    earlier.write_text("earlier report")
    html = tmp_path / "missing-folder" / "report.html"
    code = main(["compare", str(minimal_export), str(minimal_export), "--json", str(earlier),
                 "--html", str(html)])  # fmt: skip
    assert code == 2
    assert earlier.read_text() == "earlier report"
    assert not html.parent.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing-folder" in err[0]


@pytest.mark.parametrize("bad", ["folder", "same-as-json"])
def test_output_paths_are_checked_before_comparing(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    json_path = tmp_path / "report.json"
    html = tmp_path if bad == "folder" else json_path
    code = main(["compare", str(minimal_export), str(minimal_export), "--json", str(json_path),
                 "--html", str(html)])  # fmt: skip
    assert code == 2
    assert not json_path.exists()
    assert str(html) in capsys.readouterr().err


def test_a_failure_while_writing_replaces_no_report(
    minimal_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier_json, earlier_html = tmp_path / "r.json", tmp_path / "r.html"
    earlier_json.write_text("earlier json")
    earlier_html.write_text("earlier html")
    real_fdopen = os.fdopen
    calls = []

    def fail_second(fd: int, *args: Any, **kwargs: Any) -> IO[Any]:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            calls.append(fd)  # a report being written, not an export file or a pipe
        if len(calls) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        stream: IO[Any] = real_fdopen(fd, *args, **kwargs)
        return stream

    monkeypatch.setattr("driftcheck.output.files.os.fdopen", fail_second)
    code = main(["compare", str(minimal_export), str(minimal_export), "--json", str(earlier_json),
                 "--html", str(earlier_html)])  # fmt: skip
    assert code == 2
    assert earlier_json.read_text() == "earlier json"
    assert earlier_html.read_text() == "earlier html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "r.html", "r.json"]


# --- the terminal (item 15) -------------------------------------------------------------------

CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\CONSISTENT\x1b]8;;\x1b\\"


def assert_no_controls(text: str) -> None:
    for bad in ("\x1b", "\x9b", "\x07", "\x85", "\u202e"):
        assert bad not in text, repr(text)


def test_a_crafted_zip_member_name_cannot_drive_the_terminal(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"Extras/notes{CLEAR}CONSISTENT{OSC8}\x9b2J\u202e.txt"
    archive = zip_export(minimal_export, tmp_path / "primary.zip", {name: b"hello"})
    main(["compare", str(archive), str(minimal_export)])
    out, err = capsys.readouterr()
    assert_no_controls(out + err)
    assert "\\x1b[2J" in out


def test_a_rule_name_with_escapes_is_shown_escaped(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = tmp_path / "staging"
    import shutil

    shutil.copytree(minimal_export, staging)
    rule = staging / RULE
    # XML cannot hold ESC itself; its C1 forms (CSI, OSC, ST) and bidi overrides it can.
    c1 = "\x9b2J\x9d8;;https://evil.example/\x9cCONSISTENT\x9d8;;\x9c\u202e"
    rule.write_text(rule.read_text().replace("User Custom", f"User Custom{c1}"))
    assert main(["compare", str(minimal_export), str(staging)]) == 1
    out, err = capsys.readouterr()
    assert_no_controls(out + err)
    assert "\\x9d8;;https://evil.example/" in out


def test_an_error_naming_a_hostile_file_is_escaped(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = zip_export(
        minimal_export, tmp_path / "primary.zip", {f"Connectors/x{CLEAR}.xml": b"<oops"}
    )
    assert main(["compare", str(archive), str(minimal_export)]) == 2
    err = capsys.readouterr().err
    assert_no_controls(err)
    assert "\\x1b[2J" in err and err.count("\n") == 1


def test_a_policy_rule_id_with_escapes_is_listed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[[ignore]]\nid = "x\\u001b[2J"\nreason = "r\\u009b"\npath = "a"\n')
    assert main(["rules", "--policy", str(policy)]) == 0
    out = capsys.readouterr().out
    assert_no_controls(out)
    assert "x\\x1b[2J" in out


def test_printable_keeps_newlines_only_when_asked() -> None:
    from driftcheck.output.terminal import printable

    assert printable("a\nb\x1b") == "a\\x0ab\\x1b"
    assert printable("a\nb\x7f\u202e", multiline=True) == "a\nb\\x7f\\u202e"
    assert printable("Café – ok\t") == "Café – ok\\x09"


def test_every_limit_is_documented() -> None:
    from driftcheck.read.limits import LIMIT_VARIABLES
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "limits.md").read_text()
    for variable, _ in LIMIT_VARIABLES.values():
        assert f"`{variable}`" in text, variable
    assert "docs/limits.md" in (ROOT / "README.md").read_text()


def test_json_on_stdout_escapes_what_a_terminal_would_obey(
    minimal_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    staging = tmp_path / "staging"
    shutil.copytree(minimal_export, staging)
    rule = staging / RULE
    name = "User Custom\x9b2J\u202e"
    rule.write_text(rule.read_text().replace("User Custom", name))
    assert main(["compare", str(minimal_export), str(staging), "--json", "-"]) == 1
    out = capsys.readouterr().out
    assert_no_controls(out)
    objects = {d["object"] for d in json.loads(out)["differences"]}
    assert f"In from AD - {name}" in objects
