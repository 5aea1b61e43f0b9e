"""The genuine reference export (skipped where ../shared is absent).

Its "staging twin" carries every kind of noise that is always there between two healthy
servers: it must compare with no difference at all. Each kind of drift applied to the twin
must then be reported against the right object.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftcheck.pipeline.compare import compare_exports
from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES
from tests.noise import make_staging_twin


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import REFERENCE

    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference-exports/contoso is not present")
    target = tmp_path_factory.mktemp("twin") / "contoso-staging"
    shutil.copytree(REFERENCE, target)
    make_staging_twin(target)
    return target


def test_identical_exports_have_no_differences(reference_export: Path) -> None:
    report = compare_exports(reference_export, reference_export).to_json()
    assert report["differences"] == []
    assert report["suppressed"] == []
    assert report["summary"]["verdict"] == "consistent"


def test_staging_twin_has_no_difference_at_all(reference_export: Path, twin: Path) -> None:
    report = compare_exports(reference_export, twin).to_json()
    assert [
        (d["section"], d["object"], d["path"], d["primary"], d["staging"])
        for d in report["differences"]
    ] == []
    assert report["summary"]["verdict"] == "consistent"


def test_every_noise_kind_is_accounted_for_by_its_rule(reference_export: Path, twin: Path) -> None:
    report = compare_exports(reference_export, twin).to_json()
    hidden = {r["id"]: r["hidden"] for r in report["ignore_rules"]}
    for rule in BUILT_IN_IGNORE_RULES:  # the twin carries every kind of noise
        assert hidden[rule.id] > 0, rule.id
    assert sum(hidden.values()) == len(report["suppressed"])


def test_no_guid_is_ever_reported(reference_export: Path, twin: Path) -> None:
    drifted = _copy(twin)
    _edit(
        drifted,
        "SynchronizationRules",
        "In from AD - User Join",
        lambda t: t.replace("<disabled>False", "<disabled>True"),
    )
    report = compare_exports(reference_export, drifted).to_json()
    guid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-", re.IGNORECASE)
    assert report["differences"]
    assert not guid.search(str(report["differences"]))


def _copy(twin: Path) -> Path:
    target = twin.parent / f"drift-{len(list(twin.parent.iterdir()))}"
    shutil.copytree(twin, target)
    return target


def _text(f: Path) -> str:
    data = f.read_bytes()
    return data.decode("utf-16") if data.startswith(b"\xff\xfe") else data.decode("utf-8")


def _file_of(root: Path, folder: str, marker: str) -> Path:
    for f in (root / folder).glob("*.xml"):
        if f"<name>{marker}</name>" in _text(f):
            return f
    raise AssertionError(f"no file with name {marker}")


def _edit(root: Path, folder: str, marker: str, edit: Callable[[str], str]) -> None:
    f = _file_of(root, folder, marker)
    utf16 = f.read_bytes().startswith(b"\xff\xfe")
    text = _text(f)
    changed = edit(text)
    assert changed != text, "the drift edit changed nothing"
    f.write_bytes(b"\xff\xfe" + changed.encode("utf-16-le") if utf16 else changed.encode("utf-8"))


AD = "contoso.com"
AAD = "contoso.onmicrosoft.com - AAD"

#: label, folder, marker, the edit (None: delete the file), what the report must hold
DRIFTS: list[tuple[str, str, str, Callable[[str], str] | None, dict[str, Any]]] = [
    (
        "flow expression",
        "SynchronizationRules",
        "Out to AAD - User Join",
        lambda t: t.replace(
            "IsNullOrEmpty([usageLocation])", "IsNullOrEmpty(Trim([usageLocation]))"
        ),
        {
            "section": "sync-rule",
            "object": "Out to AAD - User Join",
            "connector": AAD,
            "path": "attribute-flows/usageLocation/expression",
            "severity": "blocking",
        },
    ),
    (
        "scoping value",
        "SynchronizationRules",
        "In from AD - User Join",
        lambda t: t.replace("<csValue>User_</csValue>", "<csValue>Svc_</csValue>"),
        {
            "section": "sync-rule",
            "object": "In from AD - User Join",
            "path": "scoping-groups",
            "severity": "blocking",
        },
    ),
    (
        "join group order",
        "SynchronizationRules",
        "In from AD - User Join",
        lambda t: (
            t.replace(
                "<csAttribute>msExchMasterAccountSid</csAttribute>",
                "<csAttribute>TMP</csAttribute>",
                1,
            )
            .replace(
                "<csAttribute>msRTCSIP-OriginatorSid</csAttribute>",
                "<csAttribute>msExchMasterAccountSid</csAttribute>",
                1,
            )
            .replace(
                "<csAttribute>TMP</csAttribute>",
                "<csAttribute>msRTCSIP-OriginatorSid</csAttribute>",
                1,
            )
        ),
        {
            "section": "sync-rule",
            "object": "In from AD - User Join",
            "path": "join-groups",
            "change": "modified",
        },
    ),
    (
        "rule disabled",
        "SynchronizationRules",
        "Out to AAD - Group Join",
        lambda t: t.replace("<disabled>False</disabled>", "<disabled>True</disabled>"),
        {
            "section": "sync-rule",
            "object": "Out to AAD - Group Join",
            "path": "disabled",
            "staging": "true",
        },
    ),
    (
        "link type",
        "SynchronizationRules",
        "In from AD - User Join",
        lambda t: t.replace("<linkType>Provision</linkType>", "<linkType>Join</linkType>"),
        {"section": "sync-rule", "object": "In from AD - User Join", "path": "link-type"},
    ),
    (
        "merge type",
        "SynchronizationRules",
        "Out to AAD - User Join",
        lambda t: t.replace(
            "<valueMergeType>Update</valueMergeType>",
            "<valueMergeType>MergeCaseInsensitive</valueMergeType>",
            1,
        ),
        {"section": "sync-rule", "object": "Out to AAD - User Join", "change": "modified"},
    ),
    (
        "rule removed",
        "SynchronizationRules",
        "Out to AAD - User Intune",
        None,
        {
            "section": "sync-rule",
            "object": "Out to AAD - User Intune",
            "path": "",
            "change": "removed",
        },
    ),
    (
        "OU inclusion removed",
        "Connectors",
        AD,
        lambda t: t.replace("<inclusion>OU=CORP,DC=contoso,DC=com</inclusion>", ""),
        {
            "section": "connector",
            "object": AD,
            "path": "partitions/DC=contoso,DC=com/containers/inclusions",
            "change": "removed",
            "primary": "OU=CORP,DC=contoso,DC=com",
            "severity": "blocking",
        },
    ),
    (
        "attribute inclusion",
        "Connectors",
        AD,
        lambda t: t.replace("<attribute>assistant</attribute>", "", 1),
        {
            "section": "connector",
            "object": AD,
            "path": "attribute-inclusion",
            "change": "removed",
            "primary": "assistant",
        },
    ),
    (
        "object class",
        "Connectors",
        AD,
        lambda t: t.replace("<object-class>contact</object-class>", ""),
        {
            "section": "connector",
            "object": AD,
            "path": "partitions/DC=contoso,DC=com/object-classes",
            "primary": "contact",
        },
    ),
    (
        "password hash sync",
        "Connectors",
        AD,
        lambda t: t.replace(
            "<password-hash-sync-config><enabled>0</enabled>",
            "<password-hash-sync-config><enabled>1</enabled>",
        ),
        {
            "section": "connector",
            "object": AD,
            "path": "password-hash-sync/enabled",
            "severity": "blocking",
        },
    ),
    (
        "group filtering",
        "Connectors",
        AD,
        lambda t: re.sub(
            r'(name="Connector.GroupFilteringGroupDn"[^>]*)/>',
            r"\1>CN=Pilot,DC=contoso,DC=com</parameter>",
            t,
        ),
        {
            "section": "connector",
            "object": AD,
            "path": "global-parameters/Connector.GroupFilteringGroupDn",
            "severity": "blocking",
        },
    ),
]


@pytest.mark.parametrize(
    ("label", "folder", "marker", "edit", "expected"), DRIFTS, ids=[d[0] for d in DRIFTS]
)
def test_each_drift_is_reported_against_the_right_object(
    reference_export: Path,
    twin: Path,
    label: str,
    folder: str,
    marker: str,
    edit: Callable[[str], str] | None,
    expected: dict[str, Any],
) -> None:
    drifted = _copy(twin)
    if edit is None:
        _file_of(drifted, folder, marker).unlink()
    else:
        _edit(drifted, folder, marker, edit)
    report = compare_exports(reference_export, drifted).to_json()
    matching = [d for d in report["differences"] if all(d[k] == v for k, v in expected.items())]
    assert matching, (label, report["differences"])
    assert report["summary"]["verdict"] == "drift"


def test_delete_threshold_and_mv_attribute(reference_export: Path, twin: Path) -> None:
    drifted = _copy(twin)
    mv = drifted / "GlobalSettings" / "MV.xml"
    text = mv.read_text()
    text = re.sub(
        r'(name="Microsoft.OptionalFeature.ExportDeletionThresholdValue"[^>]*>)500<',
        r"\g<1>1000<",
        text,
    )
    text = text.replace(
        '<ns0:attribute ref="#accountEnabled" required="false" />',
        '<ns0:attribute ref="#accountEnabled" required="false" />'
        '<ns0:attribute ref="#costCenter" required="false" />',
        1,
    )
    mv.write_text(text)
    report = compare_exports(reference_export, drifted).to_json()
    found = {(d["section"], d["object"], d["path"], d["severity"]) for d in report["differences"]}
    assert (
        "global-settings",
        "Microsoft.OptionalFeature.ExportDeletionThresholdValue",
        "value",
        "blocking",
    ) in found
    assert ("metaverse", "person", "attributes/costCenter", "blocking") in found


def _precedence(rule_xml: str) -> str:
    found = re.search(r"<precedence>(\d+)</precedence>", rule_xml)
    assert found is not None, "a sync rule without <precedence>"
    return found.group(1)


def test_precedence_swap_is_reported(reference_export: Path, twin: Path) -> None:
    drifted = _copy(twin)
    join = _text(_file_of(drifted, "SynchronizationRules", "In from AD - User Join"))
    common = _text(_file_of(drifted, "SynchronizationRules", "In From AD - User Common"))
    a, b = _precedence(join), _precedence(common)
    _edit(
        drifted,
        "SynchronizationRules",
        "In from AD - User Join",
        lambda t: t.replace(f"<precedence>{a}<", f"<precedence>{b}<"),
    )
    _edit(
        drifted,
        "SynchronizationRules",
        "In From AD - User Common",
        lambda t: t.replace(f"<precedence>{b}<", f"<precedence>{a}<"),
    )
    report = compare_exports(reference_export, drifted).to_json()
    moved = [d for d in report["differences"] if d["path"] == "precedence/order"]
    assert moved and all(d["severity"] == "blocking" for d in moved)
    assert {d["object"] for d in moved} & {"In from AD - User Join", "In from AD - User Common"}
