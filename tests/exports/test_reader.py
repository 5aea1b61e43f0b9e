"""The streaming reader and its inputs: encodings, hostile files, folders, zips, manifests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.exports import ExportsOptions, verify_exports
from driftcheck.exports.stream import cs_objects
from driftcheck.read.limits import Limits
from tests.exports.csxml import CsExport, CsObject, user


def ids(data: bytes, limits: Limits | None = None) -> list[str | None]:
    return [el.get("id") for el in cs_objects(io.BytesIO(data), "f.xml", limits or Limits())]


def refused(data: bytes, limits: Limits | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        ids(data, limits)
    return info.value


SMALL = CsExport([user(1), user(2)])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_utf8_and_utf16_with_bom(encoding: str) -> None:
    data = SMALL.bytes(encoding)
    assert ids(data) == [user(1).id, user(2).id]
    assert ids(b"\xef\xbb\xbf" + SMALL.bytes()) == [user(1).id, user(2).id]


def test_objects_are_cleared_once_read() -> None:
    parents = [
        el.getparent()
        for el in cs_objects(
            io.BytesIO(CsExport([user(i) for i in range(50)]).bytes()), "f", Limits()
        )
    ]
    assert (
        parents[-1] is not None and len(parents[-1]) <= 1
    )  # earlier objects dropped from the root as the file streams


def test_a_dtd_is_refused() -> None:
    error = refused(b'<!DOCTYPE cs-objects [<!ENTITY x "boom">]><cs-objects>&x;</cs-objects>')
    assert "DOCTYPE" in error.message and error.message.startswith("f.xml:1:")


def test_an_undeclared_entity_is_refused_with_its_line() -> None:
    error = refused(b"<cs-objects>\n<cs-object id='1'>&xxe;</cs-object>\n</cs-objects>")
    assert error.message.startswith("f.xml:2: malformed XML") and "xxe" in error.message


def test_xinclude_is_refused() -> None:
    data = b'<cs-objects><cs-object><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/></cs-object></cs-objects>'
    assert "XInclude" in refused(data).message


def test_truncated_file_names_the_line() -> None:
    data = SMALL.bytes()
    error = refused(data[: len(data) - 40])
    assert error.line is not None and error.line >= 3 and "malformed XML" in error.message


def test_wrong_root_names_what_was_expected() -> None:
    error = refused(b"<?xml version='1.0'?>\n<ma-data><name>x</name></ma-data>")
    assert error.message == (
        "f.xml:2: root element is <ma-data>, expected <cs-objects> (a file written by csexport "
        '"CONNECTOR" FILE /f:x)'
    )


def test_empty_and_not_xml() -> None:
    assert "empty" in refused(b"").message
    assert "malformed XML" in refused(b"this is not xml").message


def test_deep_nesting_is_refused() -> None:
    data = b"<cs-objects><cs-object>" + b"<a>" * 400 + b"</a>" * 400 + b"</cs-object></cs-objects>"
    assert "depth" in refused(data).message.lower()


def test_too_many_elements_in_one_object() -> None:
    data = b"<cs-objects><cs-object>" + b"<attr/>" * 2000 + b"</cs-object></cs-objects>"
    error = refused(data, Limits(elements=1000))
    assert (
        "more than 1,000 elements" in error.message and "DRIFTCHECK_MAX_ELEMENTS" in error.message
    )
    assert ids(data, Limits(elements=5000)) == [None]


def test_a_long_value_is_refused(tmp_path: Path) -> None:
    big = CsExport(
        [CsObject("CN=A", old={"x": "a"}, new={"x": "b" * 5000}, delta={"x": "b" * 5000})]
    )
    path = tmp_path / "a.xml"
    path.write_bytes(big.bytes())
    with pytest.raises(InputError, match="DRIFTCHECK_MAX_TEXT_MB"):
        verify_exports([path], ExportsOptions(limits=Limits(text_chars=1000)))


def test_a_huge_text_node_is_refused() -> None:
    data = (
        b"<cs-objects><cs-object><a>" + b"x" * (11 * 1024 * 1024) + b"</a></cs-object></cs-objects>"
    )
    assert "10 MB" in refused(data).message


def test_invalid_utf16_is_refused() -> None:
    data = (
        "<cs-objects><cs-object id='1'/>".encode("utf-16")
        + b"\x00\xd8A\x00"
        + "</cs-objects>".encode("utf-16-le")
    )
    assert "malformed XML" in refused(data).message


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def manifest(*files: tuple[str, str], bom: bool = False) -> bytes:
    text = json.dumps(
        {
            "schema": "driftcheck/pending-manifest/v1",
            "server": "SYNC02",
            "created": "2026-12-07T05:00:00Z",
            "files": [{"file": f, "connector": c} for f, c in files],
        }
    )
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def test_zip_with_manifest_names_connectors(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "staging.zip",
        {
            "PendingExports/manifest.json": manifest(
                ("01.xml", "contoso.com"), ("02.xml", "contoso.onmicrosoft.com - AAD"), bom=True
            ),
            "PendingExports/01.xml": SMALL.bytes(),
            "PendingExports/02.xml": SMALL.bytes("utf-16"),
        },
    )
    result = verify_exports([archive])
    assert [(f.connector, f.named_by) for f in result.files] == [
        ("contoso.com", "manifest"),
        ("contoso.onmicrosoft.com - AAD", "manifest"),
    ]
    assert result.server == "SYNC02"
    assert [c.name for c in result.connectors] == ["contoso.com", "contoso.onmicrosoft.com - AAD"]
    assert result.connectors[1].kind == "entra-id"


def test_connector_option_wins_and_file_stem_is_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "contoso.com.xml").write_bytes(SMALL.bytes())
    (tmp_path / "02.xml").write_bytes(SMALL.bytes())
    result = verify_exports([tmp_path], ExportsOptions(connectors=("fabrikam = x=02.xml",)))
    assert {(f.connector, f.named_by) for f in result.files} == {
        ("contoso.com", "file name"),
        ("fabrikam = x", "--connector"),
    }


def test_unknown_connector_option_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(SMALL.bytes())
    with pytest.raises(InputError, match="no csexport file of that name"):
        verify_exports([tmp_path / "a.xml"], ExportsOptions(connectors=("x=b.xml",)))


def test_manifest_listing_a_missing_file_is_an_error(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "s.zip",
        {
            "PendingExports/manifest.json": manifest(("01.xml", "a"), ("02.xml", "b")),
            "PendingExports/01.xml": SMALL.bytes(),
        },
    )
    with pytest.raises(InputError, match=r"02\.xml"):
        verify_exports([archive])


def test_bad_manifest_is_one_line_naming_it(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "s.zip",
        {"PendingExports/manifest.json": b"{\n  oops", "PendingExports/01.xml": SMALL.bytes()},
    )
    with pytest.raises(InputError) as info:
        verify_exports([archive])
    assert info.value.message.startswith(
        f"{archive}/PendingExports/manifest.json:2: is not valid JSON"
    )


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = b"<cs-objects>" + b" " * (30 * 1024 * 1024) + b"</cs-objects>"
    archive = _zip(tmp_path / "bomb.zip", {"PendingExports/01.xml": bomb})
    with pytest.raises(InputError, match="zip bomb"):
        verify_exports([archive])


def test_zip_traversal_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "evil.zip", {"../01.xml": SMALL.bytes()})
    with pytest.raises(InputError, match="outside"):
        verify_exports([archive])


def test_symlink_in_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.xml").write_bytes(SMALL.bytes())
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "link.xml").symlink_to(tmp_path / "real.xml")
    with pytest.raises(InputError, match="symbolic link"):
        verify_exports([folder])


def test_zip_with_configuration_export_is_the_default_config(
    tmp_path: Path, minimal_export: Path
) -> None:
    members = {
        f"{p.relative_to(minimal_export).as_posix()}": p.read_bytes()
        for p in minimal_export.rglob("*")
        if p.is_file()
    }
    members["PendingExports/01.xml"] = SMALL.bytes()
    members["PendingExports/manifest.json"] = manifest(("01.xml", "contoso.com"))
    archive = _zip(tmp_path / "staging.zip", members)
    result = verify_exports([archive])
    assert result.config == str(archive)
    assert result.connectors[0].kind == "ad" and result.connectors[0].kind_from == "--config"


def test_a_flood_of_attribute_names_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftcheck.exports import tally

    monkeypatch.setattr(tally, "DISTINCT_NAMES", 50)
    many = {f"a{j}": "x" for j in range(60)}
    path = tmp_path / "flood.xml"
    path.write_bytes(
        CsExport([CsObject("CN=F", operation="replace", old={}, new=many, delta=many)]).bytes()
    )
    with pytest.raises(InputError, match="more than 50 distinct attribute names"):
        verify_exports([path])
