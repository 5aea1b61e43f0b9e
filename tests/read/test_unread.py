"""What a field-by-field reader does not read is kept and compared (issue 21, part 3).

An element or attribute a later product version adds inside an element the model reads field
by field (a connector's attribute inclusion, a partition filter, a mapping, a join condition,
MV.xml's parameter values), a schema property (a range, ``isAnchor``), and a parameter's
declaration: each comes out as a difference on the right object, or hidden by its named rule.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from driftcheck.pipeline.compare import compare_exports
from driftcheck.read.xmltree import unread
from tests.conftest import SAMPLES

AD = "Connectors/Connector_{481459f9-08f5-4f14-b4e5-65d65a57b3f3}.xml"
AAD = "Connectors/Connector_{90ca635c-1c8f-4c8c-9f49-b7d42f218df2}.xml"
MV = "GlobalSettings/MV.xml"


def test_unread_keeps_attributes_and_children_the_reader_skips() -> None:
    el = etree.fromstring('<a k="1" read="x"><b>2</b><c><d e="3"/></c><skip>s</skip></a>')
    assert unread(el, "a", ("skip",), ("read",)) == (
        ("a@k", "1"),
        ("a/b", "2"),
        ("a/c/d@e", "3"),
        ("a/c/d", ""),
    )
    assert unread(None, "a") == ()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    primary = tmp_path / "primary"
    shutil.copytree(SAMPLES / "primary", primary)
    staging = tmp_path / "staging"
    shutil.copytree(primary, staging)
    return primary, staging


def edit(export: Path, rel: str, pattern: str, replacement: str) -> None:
    """Replace the first match of ``pattern`` in one file of ``export``; it must match."""
    path = export / rel if not rel.startswith("SynchronizationRules") else rel_rule(export, rel)
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, replacement, text, count=1)
    assert n == 1, f"{pattern!r} not in {path.name}"
    path.write_text(changed, encoding="utf-8")


def rel_rule(export: Path, rel: str) -> Path:
    """The first rule file holding ``rel``'s marker (``SynchronizationRules:<text>``)."""
    marker = rel.split(":", 1)[1]
    for path in sorted((export / "SynchronizationRules").glob("*.xml")):
        if marker in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no rule holds {marker!r}")


def compared(primary: Path, staging: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(visible differences, hidden ones) of the two exports."""
    report = compare_exports(primary, staging).to_json()
    return list(report["differences"]), list(report["suppressed"])


@pytest.mark.parametrize(
    ("rel", "pattern", "replacement", "section", "path", "planted"),
    [
        (AD, r"<attribute-inclusion>", "<attribute-inclusion><new-thing>1</new-thing>",
         "connector", "attribute-inclusion (other elements)", "new-thing"),
        (AD, r"<ma-partition-data>", '<ma-partition-data mode="x">',
         "connector", "ma-partition-data@mode", "x"),
        (AD, r"<inclusions>", "<inclusions><future>1</future>",
         "connector", "partitions/*/filter", "future"),
        ("SynchronizationRules:<scope>", r"<scope>", "<scope><csCase>1</csCase>",
         "sync-rule", "synchronizationCriteria", "csCase"),
        ("SynchronizationRules:<mapping>", r"<mapping>", '<mapping flow-kind="x">',
         "sync-rule", "attribute-mappings", "flow-kind"),
        (MV, r"<parameter-values>", "<parameter-values><note>1</note>",
         "global-settings", "parameter-values", "note"),
    ],
    ids=["attribute inclusion", "partition data", "inclusions", "scope clause", "mapping",
         "MV parameter values"],
)  # fmt: skip
def test_an_element_a_later_version_adds_is_a_difference_on_its_object(
    pair: tuple[Path, Path],
    rel: str,
    pattern: str,
    replacement: str,
    section: str,
    path: str,
    planted: str,
) -> None:
    """One difference, on the object of the file, whose staging side holds what was planted
    (an element added inside another is one difference: the subtree that appears)."""
    primary, staging = pair
    edit(staging, rel, pattern, replacement)
    found, _ = compared(primary, staging)
    assert [(d["section"], d["change"]) for d in found if _glob(path, d["path"])] == [
        (section, "added")
    ], [(d["section"], d["path"], d["change"]) for d in found]
    [difference] = [d for d in found if _glob(path, d["path"])]
    assert planted in json.dumps(difference["staging"])
    assert len(found) == 1


def _glob(pattern: str, path: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path) is not None


def test_a_schema_property_is_compared(pair: tuple[Path, Path]) -> None:
    primary, staging = pair
    edit(staging, AD, r'm:range-upper="2048"', 'm:range-upper="4096"')
    edit(staging, AAD, r' ms-dsml:isAnchor="true"', "")
    found, _ = compared(primary, staging)
    paths = {(d["object"], d["path"]) for d in found if d["section"] == "connector"}
    ranged = [p for p in paths if p[1] == "schema/attributes/extensionAttribute15"]
    assert ranged, paths
    change = next(d for d in found if d["path"] == "schema/attributes/extensionAttribute15")
    assert "range-upper=2048" in change["primary"] and "range-upper=4096" in change["staging"]
    anchors = [d for d in found if d["path"] == "schema/object-classes/contact/properties"]
    assert [(d["object"], d["change"]) for d in anchors] == [
        ("fabrikam.onmicrosoft.com - AAD", "removed")
    ]
    assert "isAnchor" in json.dumps(anchors[0]["primary"])


def test_a_parameter_declaration_is_hidden_and_counted_but_its_use_is_reported(
    pair: tuple[Path, Path],
) -> None:
    primary, staging = pair
    name = "Microsoft.SynchronizationOption.JoinCriteria"
    edit(staging, MV, rf'(name="{re.escape(name)}" type="string" use="SynchronizationGlobal") '
         r'dataType="String"', r'\1 dataType="Boolean"')  # fmt: skip
    found, hidden = compared(primary, staging)
    declared = [h for h in hidden if h["object"] == name]
    assert [(h["path"], h["ignored_by"]) for h in declared] == [
        ("@dataType", "parameter-declaration")
    ]
    assert not [d for d in found if d["object"] == name]
    edit(staging, MV, rf'(name="{re.escape(name)}" type="string") use="SynchronizationGlobal"',
         r'\1 use="connectivity"')  # fmt: skip
    found, _ = compared(primary, staging)
    assert [(d["object"], d["path"], d["staging"]) for d in found if d["object"] == name] == [
        (name, "@use", "connectivity")
    ]


def test_real_exports_gain_no_difference_from_what_is_now_kept() -> None:
    """The samples' planted drift is what it was: nothing new appears between two servers
    whose files differ only where the samples planted drift."""
    report = compare_exports(SAMPLES / "primary", SAMPLES / "primary").to_json()
    assert report["differences"] == []
