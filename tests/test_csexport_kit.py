"""The export kit's csexport XML (tools/exportkit/csexport.py): structure, styles, streaming,
and the demo staging server's pending exports (samples/staging-pending) read back with lxml.

These tests read the files with a plain lxml parser of their own, not with driftcheck's reader:
they check the kit writes what the reference documents, so that driftcheck's tests can trust it.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from exportkit import csexport, pending, pendingbench
from exportkit.csexport import CsExportStyle, Entry
from lxml import etree

from tests.conftest import SAMPLES

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
FOLDER = SAMPLES / pending.FOLDER
EXPECTED = json.loads((SAMPLES / pending.EXPECTED).read_text(encoding="utf-8"))
MANIFEST = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def xp(root: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath selects (typed)."""
    found = root.xpath(path)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path)
    assert found is not None, path
    return found


def values(attr: etree._Element) -> list[str]:
    if attr.tag == "dn-attr":
        return [v.findtext("dn") or "" for v in attr.iter("dn-value")]
    return [v.text or "" for v in attr.iter("value")]


def entry_attrs(obj: etree._Element, hologram: str) -> dict[str, list[str]] | None:
    entry = obj.find(f"{hologram}/entry")
    if entry is None:
        return None
    return {a.get("name", ""): values(a) for a in entry if a.tag in ("attr", "dn-attr")}


def apply_update(before: dict[str, list[str]], delta: etree._Element) -> dict[str, list[str]]:
    """The reference's rule: an update delta applied to the synchronized hologram."""
    after = {k: list(v) for k, v in before.items()}
    for attr in delta:
        if attr.tag not in ("attr", "dn-attr"):
            continue
        name, op = attr.get("name", ""), attr.get("operation")
        if op == "delete":
            after.pop(name, None)
        elif op in ("add", "replace"):
            after[name] = values(attr)
        else:
            assert op == "update", op
            current = after.setdefault(name, [])
            children = attr.iter("dn-value" if attr.tag == "dn-attr" else "value")
            for v in children:
                text = (v.findtext("dn") if attr.tag == "dn-attr" else v.text) or ""
                if v.get("operation") == "delete":
                    current.remove(text)
                else:
                    assert v.get("operation") == "add"
                    current.append(text)
    return after


def sample_files() -> list[tuple[str, Path]]:
    return [(f["connector"], FOLDER / f["file"]) for f in MANIFEST["files"]]


# --- the sample ------------------------------------------------------------------------------


def test_the_manifest_names_every_file_and_nothing_else() -> None:
    assert MANIFEST["schema"] == "driftcheck/pending-manifest/v1"
    assert MANIFEST["server"] == "FAB-SYNC02"
    listed = {f["file"] for f in MANIFEST["files"]}
    assert listed == {p.name for p in FOLDER.glob("*.xml")}
    # the AAD connector as the staging server spells it (case-only noise of the config sample)
    assert "Fabrikam.onmicrosoft.com - AAD" in {f["connector"] for f in MANIFEST["files"]}


def test_each_sample_file_is_a_csexport_file_in_its_declared_encoding() -> None:
    boms = {}
    for _connector, path in sample_files():
        data = path.read_bytes()
        boms[path.name] = data[:3]
        root = parse(data)
        assert root.tag == "cs-objects"
        assert {c.tag for c in root} == {"cs-object"}
        for obj in root:
            assert set(obj.attrib) == {"cs-dn", "id", "object-type", "transient"}
            assert obj.get("id", "").startswith("{") and obj.get("transient") == "false"
    assert boms["02-emea.fabrikam.com.xml"][:2] == b"\xff\xfe"  # UTF-16LE with BOM
    assert boms["03-Fabrikam.onmicrosoft.com_-_AAD.xml"] == b"\xef\xbb\xbf"
    assert boms["01-fabrikam.com.xml"] == b"<?x"


def test_the_expected_counts_are_what_the_files_hold() -> None:
    for connector, path in sample_files():
        root = parse(path.read_bytes())
        ops = Counter(d.get("operation") for d in root.iterfind("cs-object/unapplied-export/delta"))
        row = next(c for c in EXPECTED["connectors"] if c["name"] == connector)
        assert row["adds"] == ops["add"] and row["updates"] == ops["update"]
        assert row["deletes"] == ops["delete"] and row["delete_adds"] == ops["delete-add"]
        assert row["objects"] == sum(n for op, n in ops.items() if op != "none")
        assert row["escrowed"] == len(root.findall("cs-object/escrowed-export"))
        assert row["unconfirmed"] == len(root.findall("cs-object/unconfirmed-export"))
        changed: Counter[str] = Counter()
        for obj in root:
            delta = obj.find("unapplied-export/delta")
            if delta is None or delta.get("operation") != "update":
                continue
            for attr in delta:
                changed[attr.get("name", "")] += 1
        assert {k: v["objects"] for k, v in row["attributes"].items()} == dict(changed)


def test_every_update_delta_turns_the_synchronized_hologram_into_the_export_hologram() -> None:
    checked = 0
    for _connector, path in sample_files():
        for obj in parse(path.read_bytes()):
            delta = obj.find("unapplied-export/delta")
            if delta is None or delta.get("operation") != "update":
                continue
            before = entry_attrs(obj, "synchronized-hologram")
            after = entry_attrs(obj, "unapplied-export-hologram")
            assert before is not None and after is not None
            assert apply_update(before, delta) == after, obj.get("cs-dn")
            checked += 1
    assert checked > 250


def test_the_sample_has_every_case_the_issue_names() -> None:
    aad = parse((FOLDER / "03-Fabrikam.onmicrosoft.com_-_AAD.xml").read_bytes())
    ad = parse((FOLDER / "01-fabrikam.com.xml").read_bytes())
    emea = parse((FOLDER / "02-emea.fabrikam.com.xml").read_bytes())
    aad_attrs = next(c for c in EXPECTED["connectors"] if c["file"].startswith("03"))["attributes"]
    # an anchor change on both sides of the restored account
    assert aad_attrs["sourceAnchor"]["kinds"] == {"changed": 1}
    ad_guid = next(c for c in EXPECTED["connectors"] if c["name"] == "fabrikam.com")
    assert ad_guid["attributes"]["mS-DS-ConsistencyGuid"]["kinds"]["changed"] == 1
    # UPN changes, proxyAddresses removals, deletes, case-only department changes
    assert aad_attrs["userPrincipalName"]["objects"] >= 5
    assert aad_attrs["proxyAddresses"]["values_removed"] > 500
    assert (
        aad_attrs["department"]["kinds"]["case-only"] > aad_attrs["department"]["kinds"]["changed"]
    )
    assert len(xp(aad, "cs-object/unapplied-export/delta[@operation='delete']")) >= 500
    assert xp(aad, "cs-object/escrowed-export/delta")
    assert xp(aad, "cs-object/unapplied-export/delta[@operation='delete-add']")
    # a multi-valued member change with dn-attr, a binary value
    member = xp(aad, "cs-object/unapplied-export/delta/dn-attr[@name='member']")
    assert member and member[0].get("operation") == "update"
    assert {v.get("operation") for v in member[0]} == {"add", "delete"}
    photos = xp(aad, "cs-object/synchronized-hologram/entry/attr[@type='binary']/value")
    assert photos and all(v.get("encoding") == "base64" for v in photos)
    assert xp(ad, "cs-object/unapplied-export/delta/attr[@type='binary']")
    assert len(xp(emea, "cs-object/unapplied-export/delta[@operation='none']")) == 2


def test_drift_and_data_changes_are_both_there() -> None:
    explained = {g["drift_item"] for g in EXPECTED["groups"] if g["drift_item"]}
    assert {"1", "2", "4a", "5", "7", "8", "9"} <= explained
    assert sum(1 for g in EXPECTED["groups"] if g["drift_item"] is None) >= 8
    aad = next(c for c in EXPECTED["connectors"] if c["file"].startswith("03"))["attributes"]
    assert aad["department"]["drift_items"] == ["1"]
    assert aad["department"]["unexplained_objects"] == 0
    assert aad["userPrincipalName"]["drift_items"] == []


# --- styles ----------------------------------------------------------------------------------

PERSON = Entry(
    "CN=a,DC=x", (csexport.single("displayName", "A & <B>"),), primary_objectclass="user"
)
AFTER = Entry("CN=a,DC=x", (csexport.single("displayName", "a & <b>"),), primary_objectclass="user")
OBJ = csexport.updated("CN=a,DC=x", "{1}", "user", PERSON, AFTER)


@pytest.mark.parametrize(
    ("style", "bom"),
    [
        (CsExportStyle(), b""),
        (CsExportStyle(encoding="utf-8-sig"), b"\xef\xbb\xbf"),
        (CsExportStyle(encoding="utf-16", crlf=True), b"\xff\xfe"),
    ],
)
def test_encodings_parse_to_the_same_values(style: CsExportStyle, bom: bytes) -> None:
    data = csexport.csexport_bytes([OBJ], style)
    assert data.startswith(bom + ("<?xml".encode("utf-16-le") if bom == b"\xff\xfe" else b"<?xml"))
    obj = parse(data)[0]
    assert entry_attrs(obj, "synchronized-hologram") == {"displayName": ["A & <B>"]}
    assert entry_attrs(obj, "unapplied-export-hologram") == {"displayName": ["a & <b>"]}


def test_miis_spellings_and_documented_type_names() -> None:
    style = CsExportStyle(holograms="miis", types="documented")
    obj = parse(csexport.csexport_bytes([OBJ], style))[0]
    assert [c.tag for c in obj] == ["unapplied-export", "hologram", "export-hologram"]
    assert one(obj, "hologram/entry/attr").get("type") == "String"


def test_compact_and_pretty_files_hold_the_same_tree() -> None:
    objs = list(pendingbench.objects(300, seed=3))
    pretty = parse(csexport.csexport_bytes(objs, CsExportStyle()))
    compact = parse(csexport.csexport_bytes(objs, CsExportStyle(compact=True)))

    def canon(el: etree._Element) -> tuple[Any, ...]:
        return (el.tag, dict(el.attrib), (el.text or "").strip(), [canon(c) for c in el])

    assert canon(pretty) == canon(compact)


# --- streaming and the bench file --------------------------------------------------------------


class Recording(io.RawIOBase):
    def __init__(self, produced: list[int]) -> None:
        self.produced = produced
        self.seen: list[int] = []

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.seen.append(self.produced[0])
        return len(b)


def test_the_writer_streams_one_object_at_a_time() -> None:
    produced = [0]

    def generator() -> Any:
        for obj in pendingbench.objects(200):
            produced[0] += 1
            yield obj

    sink = Recording(produced)
    assert csexport.write_stream(sink, generator()) == 200  # type: ignore[arg-type]
    # the k-th object is written before the (k+1)-th is generated
    assert sink.seen[1:-1] == list(range(1, 201))


def test_the_bench_generator_is_deterministic_and_mixed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    pendingbench.write_bench_file(a, 2000, seed=5)
    pendingbench.write_bench_file(b, 2000, seed=5)
    assert a.read_bytes() == b.read_bytes()
    root = parse(a.read_bytes())
    assert len(root) == 2000
    ops = Counter(d.get("operation") for d in root.iter("delta"))
    assert {"add", "update", "delete"} <= set(ops) and ops["update"] > 1000
    assert xp(root, "cs-object/escrowed-export")
    per_object = a.stat().st_size / 2000
    assert 0.8 < per_object / pendingbench.BYTES_PER_OBJECT < 1.2
