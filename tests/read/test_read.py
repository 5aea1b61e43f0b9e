"""Reading exports: folders, zips, and every kind of bad input (one-line reason, file named)."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export
from driftcheck.read.safexml import parse_xml


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                zf.write(item, prefix + item.relative_to(folder).as_posix())
    return archive


def test_folder_is_read(minimal_export: Path) -> None:
    files = read_export(minimal_export)
    assert files.mv == "GlobalSettings/MV.xml"
    assert len(files.connectors) == 1
    assert len(files.sync_rules) == 1
    config = server_configuration(files)
    assert config.server == "SYNC01"
    assert config.connectors[0].name == "contoso.com"


def test_parent_folder_holding_one_export_is_accepted(minimal_export: Path) -> None:
    files = read_export(minimal_export.parent)
    assert files.location.endswith("export")


@pytest.mark.parametrize("prefix", ["", "AADC-SERVER01-06JUN2022/"])
def test_zip_at_root_or_one_folder_down(minimal_export: Path, tmp_path: Path, prefix: str) -> None:
    archive = zip_folder(minimal_export, tmp_path / "export.zip", prefix)
    config = server_configuration(read_export(archive))
    assert config.sync_rules[0].name == "In from AD - User Custom"


@pytest.mark.parametrize("bad_name", ["../evil.xml", "/etc/evil.xml", "Connectors/../../evil.xml"])
def test_zip_with_member_outside_its_folder_is_refused(
    minimal_export: Path, tmp_path: Path, bad_name: str
) -> None:
    archive = zip_folder(minimal_export, tmp_path / "export.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(bad_name, "<x/>")
    with pytest.raises(InputError, match="outside the export folder"):
        read_export(archive)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder") as err:
        read_export(tmp_path / "nope")
    assert str(tmp_path / "nope") in err.value.message


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        read_export(tmp_path)


def test_folder_that_is_not_an_export(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="not a Get-ADSyncServerConfiguration export"):
        read_export(tmp_path)


def test_plain_file_is_neither_folder_nor_zip(tmp_path: Path) -> None:
    f = tmp_path / "export.txt"
    f.write_text("x")
    with pytest.raises(InputError, match=r"neither an export folder nor a \.zip"):
        read_export(f)


def test_extra_files_are_tolerated_with_a_warning(minimal_export: Path) -> None:
    (minimal_export / "readme.txt").write_text("exported by Bob")
    files = read_export(minimal_export)
    assert any("readme.txt" in w for w in files.warnings)


def test_malformed_xml_names_file_and_line(minimal_export: Path) -> None:
    rule = next((minimal_export / "SynchronizationRules").iterdir())
    rule.write_text("<synchronizationRule>\n  <name>x</name>\n  <oops>\n</synchronizationRule>\n")
    files = read_export(minimal_export)
    with pytest.raises(InputError) as err:
        server_configuration(files)
    assert rule.name in err.value.message
    assert err.value.line == 4
    assert "\n" not in err.value.message


def test_truncated_xml(minimal_export: Path) -> None:
    connector = next((minimal_export / "Connectors").iterdir())
    connector.write_bytes(connector.read_bytes()[:60])
    with pytest.raises(InputError, match="malformed XML"):
        server_configuration(read_export(minimal_export))


def test_wrong_root_element(minimal_export: Path) -> None:
    connector = next((minimal_export / "Connectors").iterdir())
    connector.write_text("<html><body/></html>")
    with pytest.raises(InputError, match="root element is <html>"):
        server_configuration(read_export(minimal_export))


def test_empty_file(minimal_export: Path) -> None:
    (minimal_export / "GlobalSettings" / "MV.xml").write_text("")
    with pytest.raises(InputError, match=r"MV\.xml: is empty"):
        server_configuration(read_export(minimal_export))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ma-data><name>&lol9;</name></ma-data>"""


def test_entity_expansion_bomb_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"(?i)doctype|entity") as err:
        parse_xml(BILLION_LAUGHS, "bomb.xml")
    assert err.value.message.startswith("bomb.xml")
    assert time.perf_counter() - start < 2


def test_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
        "<ma-data><name>&s;</name></ma-data>"
    ).encode()
    with pytest.raises(InputError) as err:
        parse_xml(xxe, "xxe.xml")
    assert "TOP-SECRET" not in err.value.message


def test_utf16_with_bom_and_crlf_parses() -> None:
    text = "<synchronizationRule>\r\n  <name>Caf\u00e9 rule</name>\r\n</synchronizationRule>\r\n"
    root = parse_xml(b"\xff\xfe" + text.encode("utf-16-le"), "rule.xml")
    assert root.findtext("name") == "Caf\u00e9 rule"


def test_utf8_with_bom_parses() -> None:
    root = parse_xml(b"\xef\xbb\xbf<ma-data><name>x</name></ma-data>", "c.xml")
    assert root.findtext("name") == "x"


def test_input_error_survives_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(InputError("malformed XML", file="a.xml", line=3)))
    assert (err.file, err.line, err.message) == ("a.xml", 3, "a.xml:3: malformed XML")
