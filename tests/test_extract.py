"""Connector schemas read lazily: fingerprints (extract.fingerprint) and reading them later."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from driftcheck import extract
from driftcheck.errors import InputError
from driftcheck.extract import (
    connector,
    fingerprint,
    read_schema,
    read_schemas,
    server_configuration,
)
from driftcheck.model import Schema, SchemaFingerprint
from driftcheck.read import Document, ExportFiles, parse_xml, read_export

from .conftest import AD_ATTRIBUTES, ad_schema, connector_with_schema, write_export_with_schema

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
