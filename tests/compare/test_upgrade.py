"""Upgrade mode: the product's own changes are info under an upgrade- rule, suspects stay loud.

The older server is a copy of samples/primary (2.4.18.0); the "upgraded" one is another copy
with what an in-place upgrade to 2.4.27.0 changes planted by text edits: the version, the AAD
connector's assembly version, a revised out-of-box rule (tag .014 → .015, a new flow), a new
out-of-box rule, out-of-box precedence renumbered in order, a new global parameter, a new
metaverse attribute and a connector schema attribute. Each suspect kind is planted on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import exportkit
import pytest
from exportkit.manifest import read_findings

from driftcheck.compare.upgrade import UPGRADE_RULES
from driftcheck.pipeline.compare import compare_exports
from driftcheck.report.build import exit_code
from driftcheck.report.types import Finding, Report
from tests import exportedit as edit
from tests.conftest import ROOT, SAMPLES

OLD, NEW = "2.4.18.0", "2.4.27.0"
AAD = "fabrikam.onmicrosoft.com - AAD"
VERSION = "Microsoft.Synchronize.ServerConfigurationVersion"


def _insert_after(path: Path, anchor: str, text: str) -> None:
    content = path.read_text()
    assert anchor in content, anchor
    path.write_text(content.replace(anchor, anchor + text, 1))


def _renumber_out_of_box(export: Path, shift: int) -> None:
    for path in (export / "SynchronizationRules").glob("*.xml"):
        data = path.read_bytes()
        encoding = "utf-16" if data[:2] == b"\xff\xfe" else "utf-8"
        text = data.decode(encoding)
        if "<immutable-tag>Microsoft." not in text:
            continue
        found = re.search(r"<precedence>(\d+)</precedence>", text)
        assert found is not None, path
        precedence = int(found[1])
        text = text.replace(
            f"<precedence>{precedence}</precedence>",
            f"<precedence>{precedence + shift}</precedence>",
        )
        path.write_bytes(text.encode(encoding))


def upgrade_in_place(export: Path) -> None:
    """What an upgrade from 2.4.18.0 to 2.4.27.0 changes, planted on a copy of the primary."""
    edit.set_server_name(export, "FAB-SYNC02")
    edit.set_parameter(export, "Microsoft.Synchronize.StagingMode", "True")
    edit.set_parameter(export, VERSION, NEW)
    aad = edit.connector_file(export, AAD)
    aad.write_text(aad.read_text().replace(f">{OLD}<", f">{NEW}<"))
    _renumber_out_of_box(export, 2)
    common = edit.rule_file(export, "In from AD - User Common", "fabrikam.com")
    edit.set_rule_element(common, "immutable-tag", "Microsoft.InfromADUserCommon.015")
    _insert_after(
        common,
        "<attribute-mappings>",
        "<mapping><dest>employeeLeaveDateTime</dest><src><attr>msDS-cloudExtensionAttribute1</attr></src>"
        "<valueMergeType>Update</valueMergeType></mapping>"
        "<mapping><dest>employeeOrgDataDivision</dest><src><attr>division</attr></src>"
        "<valueMergeType>Update</valueMergeType></mapping>",
    )
    device = edit.clone_rule(edit.rule_file(export, "In from AD - Contact Common", "fabrikam.com"))
    edit.set_rule_element(device, "name", "In from AD - Device Common")
    edit.set_rule_element(device, "immutable-tag", "Microsoft.InfromADDeviceCommon.001")
    edit.set_rule_element(device, "precedence", "300")
    mv = edit.mv_file(export)
    _insert_after(
        mv,
        "<parameter-values>",
        '<parameter name="Microsoft.SystemInformation.AgentUpdaterVersion" type="string" '
        'use="SynchronizationGlobal" dataType="String">1.0.0.0</parameter>',
    )
    _insert_after(
        mv,
        '<dsml:directory-schema ms-dsml:no-objectclass-validation="true">',
        '<dsml:attribute-type id="employeeOrgDataDivision" single-value="true">'
        "<dsml:name>employeeOrgDataDivision</dsml:name>"
        "<dsml:syntax>1.3.6.1.4.1.1466.115.121.1.15</dsml:syntax></dsml:attribute-type>",
    )
    _insert_after(
        edit.connector_file(export, "fabrikam.com"),
        "<directory-schema>",
        '<attribute-type id="A9999" single-value="true"><name>msDS-NewAttribute</name>'
        "<syntax>1.3.6.1.4.1.1466.115.121.1.15</syntax></attribute-type>",
    )


@pytest.fixture
def upgraded(sample_copy: Callable[[str], Path]) -> tuple[Path, Path]:
    older = sample_copy("primary")
    newer = older.parent / "upgraded"
    import shutil

    shutil.copytree(older, newer)
    upgrade_in_place(newer)
    return older, newer


def diffs(report: Report) -> list[Finding]:
    return [d for d in report.differences if d.section != "policy"]


def test_product_changes_only_compare_consistent(upgraded: tuple[Path, Path]) -> None:
    older, newer = upgraded
    report = compare_exports(older, newer)
    found = diffs(report)
    assert exit_code(report) == 0
    assert found and all(d.severity == "info" for d in found)
    assert all(d.rule.startswith("upgrade-") for d in found), [
        (d.object, d.path, d.rule) for d in found if not d.rule.startswith("upgrade-")
    ]
    rules = {d.rule for d in found}
    assert rules == set(UPGRADE_RULES) - {
        "upgrade-default-rule-renumbered",
        "upgrade-retired-parameter",
    }
    revised = [d for d in found if d.object == "In from AD - User Common"]
    assert {d.path for d in revised} == {
        "immutable-tag",
        "attribute-flows/employeeLeaveDateTime",
        "attribute-flows/employeeOrgDataDivision",
    }
    assert all(d.rule == "upgrade-revised-default-rule" for d in revised)
    assert any(
        d.object == "In from AD - Device Common" and d.rule == "upgrade-new-default-rule"
        for d in found
    )


def test_renumbering_is_named_when_built_in_ignores_are_off(upgraded: tuple[Path, Path]) -> None:
    from driftcheck.policy.rules import Policy

    older, newer = upgraded
    report = compare_exports(older, newer, policy=Policy(builtin_ignores=False))
    renumbered = [d for d in report.differences if d.path == "precedence"]
    assert renumbered and {d.rule for d in renumbered} == {"upgrade-default-rule-renumbered"}


def test_no_upgrade_mode_reports_the_product_changes_loudly(upgraded: tuple[Path, Path]) -> None:
    older, newer = upgraded
    report = compare_exports(older, newer, upgrade_mode=False)
    assert exit_code(report) == 1
    assert not any(d.rule.startswith("upgrade-") for d in report.differences)


def test_equal_versions_change_nothing(sample_copy: Callable[[str], Path]) -> None:
    older = sample_copy("primary")
    same = older.parent / "same"
    import shutil

    shutil.copytree(older, same)
    edit.set_rule_element(
        edit.rule_file(same, "In from AD - User Common", "fabrikam.com"),
        "immutable-tag",
        "Microsoft.InfromADUserCommon.015",
    )
    with_mode = compare_exports(older, same)
    without = compare_exports(older, same, upgrade_mode=False)
    assert with_mode.differences == without.differences
    assert with_mode.differences[0].rule == "rule-template-version"


def test_downgraded_primary_is_the_older_side(upgraded: tuple[Path, Path]) -> None:
    older, newer = upgraded
    report = compare_exports(newer, older)  # the newer server as primary
    assert exit_code(report) == 0
    assert all(d.rule.startswith("upgrade-") for d in diffs(report))


# Suspects planted on top of the upgrade: (label, plant on the newer copy, object, path prefix)
Plant = Callable[[Path], None]


def _rule_element(name: str, element: str, value: str, connector: str = "fabrikam.com") -> Plant:
    return lambda export: edit.set_rule_element(
        edit.rule_file(export, name, connector), element, value
    )


def _param(name: str, value: str) -> Plant:
    return lambda export: edit.set_parameter(export, name, value)


def _delete_rule(name: str, connector: str) -> Plant:
    return lambda export: edit.rule_file(export, name, connector).unlink()


def _edit_connector(name: str, old: str, new: str) -> Plant:
    def plant(export: Path) -> None:
        path = edit.connector_file(export, name)
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    return plant


def _same_tag_content(export: Path) -> None:
    path = edit.rule_file(export, "In from AD - Group Common", "fabrikam.com")
    _insert_after(
        path,
        "<attribute-mappings>",
        "<mapping><dest>info</dest><src><attr>info</attr></src>"
        "<valueMergeType>Update</valueMergeType></mapping>",
    )


def _lower_tag(export: Path) -> None:
    path = edit.rule_file(export, "In from AD - Group Join", "fabrikam.com")
    tag = re.search(r"<immutable-tag>Microsoft\.(\w+)\.(\d+)</immutable-tag>", path.read_text())
    assert tag
    edit.set_rule_element(path, "immutable-tag", f"Microsoft.{tag[1]}.{int(tag[2]) - 1:03d}")


SUSPECTS: list[tuple[str, Plant, str, str]] = [
    (
        "custom rule content",
        _rule_element("In from AD - User Department Fixup", "linkType", "Provision"),
        "In from AD - User Department Fixup",
        "link-type",
    ),
    (
        "custom rule order",
        _rule_element("In from AD - User Contractor Filter", "precedence", "95"),
        "In from AD - User Contractor Filter",
        "precedence/order",
    ),
    (
        "default rule edited under the same tag",
        _same_tag_content,
        "In from AD - Group Common",
        "attribute-flows/info",
    ),
    (
        "default rule disabled",
        _rule_element("In from AD - Contact Join", "disabled", "True"),
        "In from AD - Contact Join",
        "disabled",
    ),
    (
        "tag version lower on the newer server",
        _lower_tag,
        "In from AD - Group Join",
        "immutable-tag",
    ),
    (
        "default rule missing on the newer server",
        _delete_rule("In from AD - Contact Common", "emea.fabrikam.com"),
        "In from AD - Contact Common",
        "",
    ),
    (
        "OU filter",
        _edit_connector("fabrikam.com", "<inclusion>OU=Sales,", "<inclusion>OU=Sales2,"),
        "fabrikam.com",
        "partitions/",
    ),
    (
        "object-class filter",
        _edit_connector("emea.fabrikam.com", "<object-class>contact</object-class>", ""),
        "emea.fabrikam.com",
        "partitions/",
    ),
    (
        "attribute inclusion",
        _edit_connector("fabrikam.com", "<attribute>thumbnailPhoto</attribute>", ""),
        "fabrikam.com",
        "attribute-inclusion",
    ),
    (
        "optional feature",
        _param("Microsoft.OptionalFeature.GroupWriteBack", "True"),
        "Microsoft.OptionalFeature.GroupWriteBack",
        "value",
    ),
    (
        "delete threshold",
        _param("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "5000"),
        "Microsoft.OptionalFeature.ExportDeletionThresholdValue",
        "value",
    ),
    (
        "scheduler",
        _param("Microsoft.Synchronize.TimeInterval", "01:00:00"),
        "Microsoft.Synchronize.TimeInterval",
        "value",
    ),
    (
        "anchor",
        _param("Microsoft.SynchronizationOption.AnchorAttribute", "objectGUID"),
        "Microsoft.SynchronizationOption.AnchorAttribute",
        "value",
    ),
    (
        "join criteria",
        _param("Microsoft.SynchronizationOption.JoinCriteria", "ObjectSID"),
        "Microsoft.SynchronizationOption.JoinCriteria",
        "value",
    ),
    (
        "UPN attribute",
        _param("Microsoft.SynchronizationOption.UPNAttribute", "mail"),
        "Microsoft.SynchronizationOption.UPNAttribute",
        "value",
    ),
]


@pytest.mark.parametrize(
    ("plant", "obj", "path"),
    [(p, o, a) for _, p, o, a in SUSPECTS],
    ids=[label for label, _, _, _ in SUSPECTS],
)
def test_suspects_stay_loud_on_top_of_an_upgrade(
    upgraded: tuple[Path, Path], plant: Plant, obj: str, path: str
) -> None:
    older, newer = upgraded
    plant(newer)
    report = compare_exports(older, newer)
    loud = [d for d in diffs(report) if d.severity != "info"]
    assert loud, "the suspect was reported as info"
    assert all(not d.rule.startswith("upgrade-") for d in loud)
    assert any(d.object == obj and d.path.startswith(path) for d in loud), [
        (d.object, d.path, d.severity) for d in loud
    ]
    assert exit_code(report) == 1


def test_a_metaverse_attribute_no_default_rule_uses_stays_loud(
    upgraded: tuple[Path, Path],
) -> None:
    """An upgrade adds attributes with the rules that flow them; this one came from an admin."""
    older, newer = upgraded
    _insert_after(
        edit.mv_file(newer),
        '<dsml:directory-schema ms-dsml:no-objectclass-validation="true">',
        '<dsml:attribute-type id="costCenterCode" single-value="true">'
        "<dsml:name>costCenterCode</dsml:name>"
        "<dsml:syntax>1.3.6.1.4.1.1466.115.121.1.15</dsml:syntax></dsml:attribute-type>",
    )
    report = compare_exports(older, newer)
    found = [d for d in diffs(report) if d.path == "costCenterCode"]
    assert [(d.severity, d.rule) for d in found] == [("blocking", "metaverse-schema")]
    product = [d for d in diffs(report) if d.path == "employeeOrgDataDivision"]
    assert [d.rule for d in product] == ["upgrade-new-metaverse-attribute"]
    assert exit_code(report) == 1


def test_every_upgrade_rule_is_documented() -> None:
    text = (ROOT / "docs" / "upgrade-mode.md").read_text()
    for rule_id in UPGRADE_RULES:
        assert f"`{rule_id}`" in text, rule_id


def test_samples_compare_in_upgrade_mode() -> None:
    report = compare_exports(SAMPLES / "primary", SAMPLES / "staging")
    version = next(d for d in report.differences if d.object == VERSION)
    assert (version.severity, version.rule) == ("info", "upgrade-version")
    schema = [d for d in report.differences if d.path.startswith("schema/")]
    assert schema and all(d.severity == "warning" for d in schema)  # missing on the newer side
    # costCenter was added to staging's metaverse by hand: no out-of-box rule uses it
    cost_center = [d for d in report.differences if "costCenter" in (d.path, d.object)]
    assert cost_center and all(d.severity == "blocking" for d in cost_center), cost_center


# --- the bundled upgraded staging server (samples/staging-upgraded, its manifest) ------------

UPGRADED = SAMPLES / "staging-upgraded"
MANIFEST = read_findings(SAMPLES / "upgrade-expected.json")
KEYS = ("section", "object", "connector", "path", "change")


def _keyed(findings: Iterable[Finding]) -> set[tuple[str | None, ...]]:
    return {(*(getattr(d, k) for k in KEYS), d.severity.value) for d in findings}


def test_upgraded_sample_compares_consistent_every_difference_a_product_change() -> None:
    report = compare_exports(SAMPLES / "primary", UPGRADED)
    assert exit_code(report) == 0
    assert report.upgrade is not None
    assert report.upgrade.verdict_note() == "upgrade in progress: staging 2.5.3.0, primary 2.4.18.0"
    found = diffs(report)
    assert all(d.severity == "info" and d.rule.startswith("upgrade-") for d in found)
    assert _keyed(found) == {(*f.key, f.severity) for f in MANIFEST if not f.ignored_by}
    suppressed = {(s.section, s.object, s.connector, s.path, s.change) for s in report.suppressed}
    assert {f.key for f in MANIFEST if f.ignored_by} <= suppressed


@pytest.mark.parametrize("suspect", sorted(exportkit.SUSPECTS))
def test_each_planted_suspect_stays_loud_in_upgrade_mode(tmp_path: Path, suspect: str) -> None:
    planted = exportkit.upgrade_variant(tmp_path / "export", suspect=suspect)
    report = compare_exports(SAMPLES / "primary", tmp_path / "export")
    assert exit_code(report) == 1
    found = diffs(report)
    loud = [d for d in found if not d.rule.startswith("upgrade-")]
    assert _keyed(loud) == {(*f.key, f.severity) for f in planted}
    assert all(d.severity in ("warning", "blocking") for d in loud)
    products = {(*f.key, f.severity) for f in MANIFEST if not f.ignored_by}
    assert _keyed(d for d in found if d.rule.startswith("upgrade-")) <= products


def test_rules_lists_the_upgrade_rules(capsys: pytest.CaptureFixture[str]) -> None:
    from driftcheck.cli.app import main

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {rule_id}: " in out for rule_id in UPGRADE_RULES)
