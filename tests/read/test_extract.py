"""Connector schemas read lazily: fingerprints (extract.fingerprint) and reading them later."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.model.server import Schema, SchemaFingerprint
from driftcheck.read import extract
from driftcheck.read.extract import connector, read_schema, read_schemas, server_configuration
from driftcheck.read.files import Document, ExportFiles, read_export
from driftcheck.read.safexml import parse_xml
from driftcheck.read.schema import SchemaCut, fingerprint
from tests.conftest import (
    AD_ATTRIBUTES,
    SAMPLES,
    ad_schema,
    connector_with_schema,
    write_export_with_schema,
)

CONNECTOR_FILE = "Connectors/Connector_{11111111-2222-3333-4444-555555555555}.xml"
EXTENDED = (*AD_ATTRIBUTES, ("contoso-costCenter", "1.3.6.1.4.1.1466.115.121.1.15", True))


def schema_fingerprint_of(xml: bytes) -> str:
    root = parse_xml(xml, "test.xml")
    directory = next(root.iter("{*}directory-schema"))
    return fingerprint(directory)


def test_fingerprint_does_not_depend_on_the_file_encoding() -> None:
    xml = connector_with_schema(ad_schema())
    utf16 = "\ufeff".encode("utf-16-le") + xml.replace("\n", "\r\n").encode("utf-16-le")
    assert schema_fingerprint_of(xml.encode()) == schema_fingerprint_of(utf16)


@pytest.mark.parametrize(
    "other",
    [
        ad_schema(EXTENDED),  # an attribute more
        ad_schema(first_id=7),  # the same schema, other synthetic ids
        ad_schema(reverse=True),  # the same schema, another order
        ad_schema(mms_namespace="urn:not-mms"),  # a prefix bound to another namespace
        ad_schema().replace(
            '<attribute-type id="A2">', '<attribute-type id="A2" single-value="true">'
        ),
    ],
)
def test_fingerprint_changes_with_any_change_to_the_schema(other: str) -> None:
    base = schema_fingerprint_of(connector_with_schema(ad_schema()).encode())
    assert schema_fingerprint_of(connector_with_schema(other).encode()) != base


def test_deferred_connector_schema_keeps_its_size_and_source() -> None:
    doc = Document("x/c.xml", parse_xml(connector_with_schema(ad_schema(EXTENDED)).encode(), "c"))
    deferred = connector(doc, ("x", "Connectors/c.xml")).schema
    assert isinstance(deferred, SchemaFingerprint)
    assert (deferred.object_classes, deferred.attribute_types) == (3, len(EXTENDED))
    assert (deferred.export, deferred.file) == ("x", "Connectors/c.xml")
    full = connector(doc).schema
    assert isinstance(full, Schema)
    assert (len(full.object_types), len(full.attribute_types)) == (3, len(EXTENDED))


def test_connector_without_schema_has_nothing_to_defer(minimal_export: Path) -> None:
    config = server_configuration(read_export(minimal_export), defer_schemas=True)
    assert config.connectors[0].schema == Schema((), ())


def deferred_schema(export: Path) -> SchemaFingerprint:
    found = server_configuration(read_export(export), defer_schemas=True).connectors[0].schema
    assert isinstance(found, SchemaFingerprint)
    return found


def test_read_schema_gives_what_an_eager_read_gives(tmp_path: Path) -> None:
    export = write_export_with_schema(tmp_path / "export", ad_schema(EXTENDED))
    eager = server_configuration(read_export(export)).connectors[0].schema
    assert read_schema(deferred_schema(export)) == eager
    assert "contoso-costCenter" in {a.name for a in eager.attribute_types}


def test_read_schema_from_a_zip(tmp_path: Path) -> None:
    export = write_export_with_schema(tmp_path / "export", ad_schema())
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(export.rglob("*.xml")):
            z.write(f, "SERVER01/" + f.relative_to(export).as_posix())
    eager = server_configuration(read_export(export)).connectors[0].schema
    assert read_schema(deferred_schema(archive)) == eager


def test_read_schema_refuses_a_file_changed_since_it_was_fingerprinted(tmp_path: Path) -> None:
    export = write_export_with_schema(tmp_path / "export", ad_schema())
    deferred = deferred_schema(export)
    (export / CONNECTOR_FILE).write_text(connector_with_schema(ad_schema(EXTENDED)))
    with pytest.raises(InputError) as caught:
        read_schema(deferred)
    assert CONNECTOR_FILE in str(caught.value)
    assert "changed while driftcheck was reading" in str(caught.value)


def test_read_schemas_opens_each_export_once_and_keeps_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = write_export_with_schema(tmp_path / "small", ad_schema())
    extended = write_export_with_schema(tmp_path / "extended", ad_schema(EXTENDED))
    refs = [deferred_schema(small), deferred_schema(extended), deferred_schema(small)]
    opened: list[Path] = []

    def counting_read_export(path: Path) -> ExportFiles:
        opened.append(path)
        return read_export(path)

    monkeypatch.setattr(extract, "read_export", counting_read_export)
    schemas = read_schemas(refs)
    assert sorted(opened) == sorted([small, extended])
    assert [len(s.attribute_types) for s in schemas] == [
        len(AD_ATTRIBUTES),
        len(EXTENDED),
        len(AD_ATTRIBUTES),
    ]


# --- schemas cut from the bytes (SchemaCut): fingerprinted as written, the rest parsed ------


def load_cut(data: bytes, name: str = "Connectors/c.xml") -> tuple[Document, SchemaCut]:
    cut = SchemaCut(cut=True)
    files = ExportFiles("x", lambda rel: data, "GlobalSettings/MV.xml", (name,), (), ())
    return files.load(name, prepare=cut), cut


def deferred_from(data: bytes) -> SchemaFingerprint:
    doc, cut = load_cut(data)
    found = connector(doc, ("x", "Connectors/c.xml"), cut.raw).schema
    assert isinstance(found, SchemaFingerprint)
    return found


def utf16(xml: str) -> bytes:
    return "\ufeff".encode("utf-16-le") + xml.replace("\n", "\r\n").encode("utf-16-le")


@pytest.mark.parametrize(
    "connector_file",
    sorted((SAMPLES / "primary" / "Connectors").glob("*.xml"))
    + sorted((SAMPLES / "staging" / "Connectors").glob("*.xml")),
    ids=lambda p: f"{p.parent.parent.name}/{p.name[:20]}",
)
def test_a_connector_parsed_without_its_schema_is_otherwise_the_same(
    connector_file: Path,
) -> None:
    data = connector_file.read_bytes()
    whole = connector(Document("c", parse_xml(data, "c")), ("x", "Connectors/c.xml"))
    doc, schema_cut = load_cut(data)
    cut = connector(doc, ("x", "Connectors/c.xml"), schema_cut.raw)
    assert isinstance(whole.schema, SchemaFingerprint) and isinstance(cut.schema, SchemaFingerprint)
    counts = (cut.schema.object_classes, cut.schema.attribute_types)
    assert counts == (whole.schema.object_classes, whole.schema.attribute_types)
    assert replace(cut, schema=whole.schema) == whole


def test_cut_keeps_line_numbers_and_the_schema_bytes() -> None:
    multiline = ad_schema().replace("><", ">\n<")
    xml = connector_with_schema(multiline)
    doc, cut = load_cut(xml.encode())
    assert cut.raw is not None and cut.raw.startswith(b"<directory-schema>")
    assert cut.raw.endswith(b"</directory-schema>")
    full = parse_xml(xml.encode(), "c")
    after = [el.sourceline for el in full.iter("{*}attribute-inclusion")]
    assert after and [el.sourceline for el in doc.root.iter("{*}attribute-inclusion")] == after
    assert len(next(doc.root.iter("{*}directory-schema"))) == 0


def test_raw_fingerprint_ignores_encoding_and_line_breaks_not_content() -> None:
    xml = connector_with_schema(ad_schema().replace("><", ">\n<"))
    base = deferred_from(xml.encode())
    assert base.fingerprint.startswith("utf-8:")
    assert deferred_from(utf16(xml)).fingerprint == base.fingerprint
    assert deferred_from(xml.replace("\n", "\r\n").encode()).fingerprint == base.fingerprint
    bom_and_declaration = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n' + xml.encode()
    assert deferred_from(bom_and_declaration).fingerprint == base.fingerprint
    for other in (
        ad_schema(EXTENDED),
        ad_schema(first_id=7),
        ad_schema(mms_namespace="urn:not-mms"),  # same bytes inside, another namespace around
    ):
        assert deferred_from(connector_with_schema(other).encode()).fingerprint != base.fingerprint


@pytest.mark.parametrize(
    ("edit", "cut_out"),
    [
        (lambda xml: xml.replace("<schema>", "<!-- before --><schema>"), False),
        (lambda xml: xml.replace("<name>mail</name>", "<name><!-- in -->mail</name>"), False),
        (lambda xml: xml.replace("<name>mail</name>", "<name><![CDATA[mail]]></name>"), False),
        (lambda xml: xml.replace("</ma-data>", "<x>directory-schema</x></ma-data>"), False),
        (lambda xml: xml.replace("</ma-data>", "<!-- after --></ma-data>"), True),
    ],
    ids=["comment-before", "comment-inside", "cdata-inside", "name-in-text", "comment-after"],
)
def test_only_files_that_can_be_cut_safely_are(edit: Callable[[str], str], cut_out: bool) -> None:
    xml = edit(connector_with_schema(ad_schema()))
    doc, cut = load_cut(xml.encode())
    assert (cut.raw is not None) == cut_out
    whole = connector(Document("c", parse_xml(xml.encode(), "c")), ("x", "Connectors/c.xml"))
    parsed = connector(doc, ("x", "Connectors/c.xml"), cut.raw)
    assert replace(parsed, schema=whole.schema) == whole
    assert isinstance(parsed.schema, SchemaFingerprint)
    assert parsed.schema.fingerprint.startswith("utf-8:") == cut_out


def test_other_encodings_are_parsed_whole() -> None:
    xml = '<?xml version="1.0" encoding="iso-8859-1"?>\n' + connector_with_schema(ad_schema())
    doc, cut = load_cut(xml.encode("latin-1"))
    assert cut.raw is None
    assert len(next(doc.root.iter("{*}directory-schema"))) > 0
    assert not deferred_from(xml.encode("latin-1")).fingerprint.startswith("utf-8:")


def test_a_schema_cut_and_read_later_is_checked_against_its_bytes(tmp_path: Path) -> None:
    export = write_export_with_schema(tmp_path / "export", ad_schema())
    deferred = deferred_schema(export)
    assert deferred.fingerprint.startswith("utf-8:")
    assert read_schema(deferred) == server_configuration(read_export(export)).connectors[0].schema
    path = export / CONNECTOR_FILE
    path.write_text(path.read_text().replace('id="A1"', 'id="A1" '))  # same schema, other bytes
    with pytest.raises(InputError, match="changed while driftcheck was reading"):
        read_schema(deferred)
