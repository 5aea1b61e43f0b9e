"""Fidelity sweep: every kind of drift an admin can make is reported, every kind of noise is not.

Two failures matter most: a MISSED DRIFT (a staging server that syncs differently compares
clean, or the difference shows only as info) and a FALSE ALARM (a difference that is always
there between two healthy servers, or an upgrade's own change, at warning or above).

Each drift kind is planted, one at a time, on a drift-free staging twin of a base export, and
compared in two modes: the same product version, and upgrade mode (the twin's version raised;
where a rule's wiring is drifted, the rule's tag version is raised too, as an upgrade would).
It must be reported against the right object at warning or above, or at info only where a
documented rule says the change syncs nothing. Each noise kind is applied alone to a copy of
the base: it must compare clean (exit code 0).

Bases: the bundled samples (always) and the genuine reference export (skipped when absent).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from driftcheck.model.vocab import Severity
from driftcheck.pipeline.compare import compare_exports
from driftcheck.report.build import exit_code
from driftcheck.report.types import Finding, Report
from tests import exportedit
from tests.conftest import REFERENCE, SAMPLES
from tests.noise import NOISE_KINDS, make_staging_twin, read_text

# --- the bases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    name: str
    primary: Path
    ad: str
    aad: str
    partition: str
    #: (rule name, connector) of an out-of-box inbound and outbound rule, a competitor of the
    #: inbound one (same connector, same metaverse type) and a custom rule (None: the export
    #: has none)
    oob_in: tuple[str, str]
    oob_out: tuple[str, str]
    rival: tuple[str, str]
    custom: tuple[str, str] | None
    newer_version: str


SAMPLES_BASE = Base(
    "samples",
    SAMPLES / "primary",
    "fabrikam.com",
    "fabrikam.onmicrosoft.com - AAD",
    "DC=fabrikam,DC=com",
    ("In from AD - User Join", "fabrikam.com"),
    ("Out to AAD - Group Join", "fabrikam.onmicrosoft.com - AAD"),
    ("In from AD - User Common", "fabrikam.com"),
    ("In from AD - User Department Fixup", "fabrikam.com"),
    "2.5.3.0",
)
REFERENCE_BASE = Base(
    "reference",
    REFERENCE,
    "contoso.com",
    "contoso.onmicrosoft.com - AAD",
    "DC=contoso,DC=com",
    ("In from AD - User Join", "contoso.com"),
    ("Out to AAD - Group Join", "contoso.onmicrosoft.com - AAD"),
    ("In from AD - User Common", "contoso.com"),
    None,
    "1.1.614.0",
)
BASES = {b.name: b for b in (SAMPLES_BASE, REFERENCE_BASE)}
MODES = ("same-version", "upgrade")
VERSION = "Microsoft.Synchronize.ServerConfigurationVersion"


def _write_samples_twin(target: Path) -> None:
    """The samples' staging server with every kind of noise and none of the drift."""
    from exportkit import fabrikam
    from exportkit.writer import write_export

    write_export(target, fabrikam.build_export("staging", drift=False))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each base's drift-free staging twin, written once (the reference's only if present)."""
    root = tmp_path_factory.mktemp("twins")
    found = {"samples": root / "samples"}
    _write_samples_twin(found["samples"])
    if REFERENCE.is_dir():
        found["reference"] = root / "reference"
        shutil.copytree(REFERENCE, found["reference"])
        for f in found["reference"].rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
        make_staging_twin(found["reference"])
    return found


def _base(name: str) -> Base:
    base = BASES[name]
    if not base.primary.is_dir():
        pytest.skip(f"{base.primary} is not present")
    return base


def _copy(source: Path, tmp_path: Path, label: str) -> Path:
    target = tmp_path / label
    shutil.copytree(source, target)
    for f in target.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    return target


def _edit(path: Path, edit: Callable[[str], str]) -> None:
    """Apply ``edit`` to a file's text, keeping its encoding; a no-op edit skips the case."""
    data = path.read_bytes()
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = read_text(path)
    changed = edit(text)
    if changed == text:
        pytest.skip(f"nothing to plant this drift on in {path.name}")
    path.write_bytes(changed.encode("utf-16") if utf16 else changed.encode("utf-8"))


def _sub(pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    return lambda t: re.sub(pattern, replacement, t, count=1, flags=re.DOTALL)


def _raise_version(export: Path, version: str) -> None:
    exportedit.set_parameter(export, VERSION, version)


def _bump_tag(text: str) -> str:
    return re.sub(
        r"(<immutable-tag>Microsoft\.[^<]*\.)(\d+)(</immutable-tag>)",
        lambda m: f"{m.group(1)}{int(m.group(2)) + 1:0{len(m.group(2))}d}{m.group(3)}",
        text,
    )


def _compare(base: Base, staging: Path, mode: str) -> Report:
    return compare_exports(base.primary, staging, checks="off", upgrade_mode=mode == "upgrade")


def _at_least(level: str, floor: str) -> bool:
    return Severity(level).rank >= Severity(floor).rank


def _shown(report: Report) -> list[tuple[str, str, str, str, str, str]]:
    return [(d.severity, d.rule, d.section, d.object, d.path, d.change) for d in report.differences]


# --- drift in sync rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDrift:
    """An edit of one rule file and the path it must be reported at (a regex)."""

    edit: Callable[[str], str]
    path: str
    #: in upgrade mode, also raise the rule's tag version (a revision must not hide it)
    bump: bool = False
    #: the severity it must reach (info only where a documented rule says so)
    floor: str = Severity.WARNING
    #: the rule that sets it, when the floor is info
    documented_by: str | None = None


def _toggle(element: str, a: str, b: str) -> Callable[[str], str]:
    return _sub(
        rf"<{element}>({a}|{b})</{element}>",
        lambda m: f"<{element}>{b if m.group(1) == a else a}</{element}>",
    )


def _other(element: str, values: tuple[str, str]) -> Callable[[str], str]:
    """Set ``element`` to the first of ``values`` that differs from its current value."""
    return _sub(
        rf"<{element}>([^<]*)</{element}>",
        lambda m: f"<{element}>{values[0] if m.group(1) != values[0] else values[1]}</{element}>",
    )


NEW_SCOPE_GROUP = (
    "<conditions><scope><csAttribute>department</csAttribute><csOperator>EQUAL</csOperator>"
    "<csValue>Drift</csValue></scope></conditions>"
)
NEW_JOIN_GROUP = (
    "<conditions><condition><csAttribute>employeeID</csAttribute>"
    "<ilmAttribute>employeeID</ilmAttribute></condition></conditions>"
)
NEW_FLOW = (
    "<mapping><dest>driftcheckDrift</dest><src><attr>driftcheckDrift</attr></src>"
    "<valueMergeType>Update</valueMergeType></mapping>"
)


def _move_first_join_group_last(text: str) -> str:
    found = re.search(r"<relationshipCriteria>(.*?)</relationshipCriteria>", text, re.DOTALL)
    if found is None:
        return text
    groups = re.findall(r"<conditions>.*?</conditions>", found.group(1), re.DOTALL)
    if len(groups) < 2:
        return text
    body = "".join([*groups[1:], groups[0]])
    return text[: found.start(1)] + body + text[found.end(1) :]


def _add_scope_group(text: str) -> str:
    if "<synchronizationCriteria />" in text:
        return text.replace(
            "<synchronizationCriteria />",
            f"<synchronizationCriteria>{NEW_SCOPE_GROUP}</synchronizationCriteria>",
        )
    return text.replace(
        "<synchronizationCriteria>", "<synchronizationCriteria>" + NEW_SCOPE_GROUP, 1
    )


def _add_join_group(text: str) -> str:
    if "<relationshipCriteria />" in text:
        return text.replace(
            "<relationshipCriteria />",
            f"<relationshipCriteria>{NEW_JOIN_GROUP}</relationshipCriteria>",
        )
    return text.replace("</relationshipCriteria>", NEW_JOIN_GROUP + "</relationshipCriteria>", 1)


FLOW = r"attribute-flows/.+"
RULE_DRIFTS: dict[str, RuleDrift] = {
    "disabled": RuleDrift(_toggle("disabled", "False", "True"), "disabled", bump=True),
    "link-type": RuleDrift(_toggle("linkType", "Join", "Provision"), "link-type", bump=True),
    "password-sync": RuleDrift(
        _toggle("EnablePasswordSync", "false", "true"), "password-sync", bump=True
    ),
    "source-object-type": RuleDrift(
        _other("sourceObjectType", ("inetOrgPerson", "contact")), "source-object-type", bump=True
    ),
    "target-object-type": RuleDrift(
        _other("targetObjectType", ("contact", "device")), "target-object-type", bump=True
    ),
    "soft-delete-interval": RuleDrift(
        _other("softDeleteExpiryInterval", ("1.00:00:00", "2.00:00:00")),
        "softDeleteExpiryInterval",
        bump=True,
    ),
    "scope-value": RuleDrift(
        _sub(r"<csValue>([^<]+)</csValue>", r"<csValue>\1Drift</csValue>"), "scoping-groups"
    ),
    "scope-operator": RuleDrift(
        _sub(
            r"<csOperator>([^<]*)</csOperator>",
            lambda m: (
                "<csOperator>"
                + ("NOTEQUAL" if m.group(1) == "EQUAL" else "EQUAL")
                + "</csOperator>"
            ),
        ),
        "scoping-groups",
    ),
    "scope-attribute": RuleDrift(
        _sub(r"(<scope>\s*<csAttribute>)([^<]*)", r"\1\2Drift"), "scoping-groups"
    ),
    "scope-group-added": RuleDrift(_add_scope_group, "scoping-groups"),
    "scope-group-removed": RuleDrift(
        _sub(r"<conditions>\s*<scope>.*?</conditions>", ""), "scoping-groups"
    ),
    "join-attribute": RuleDrift(
        _sub(r"(<condition>\s*<csAttribute>)([^<]*)", r"\1\2Drift"), "join-groups"
    ),
    "join-case-sensitive": RuleDrift(
        _sub(r"(</ilmAttribute>)(\s*</condition>)", r"\1<caseSensitive>true</caseSensitive>\2"),
        "join-groups",
    ),
    "join-group-order": RuleDrift(_move_first_join_group_last, "join-groups"),
    "join-group-added": RuleDrift(_add_join_group, "join-groups"),
    "flow-expression": RuleDrift(
        _sub(r"<expression>(.*?)</expression>", r"<expression>Trim(\1)</expression>"),
        FLOW + "/expression",
    ),
    "flow-source": RuleDrift(_sub(r"<attr>([^<]*)</attr>", r"<attr>\1Drift</attr>"), FLOW),
    "flow-destination": RuleDrift(_sub(r"<dest>([^<]*)</dest>", r"<dest>\1Drift</dest>"), FLOW),
    "flow-merge-type": RuleDrift(
        _other("valueMergeType", ("MergeCaseInsensitive", "Update")), FLOW + "/merge-type"
    ),
    "flow-execute-once": RuleDrift(
        _sub(r"<mapping>", '<mapping execute-once="true">'), FLOW + "/execute-once"
    ),
    "flow-constant": RuleDrift(
        _sub(r"<src>\s*<attr>[^<]*</attr>\s*</src>", "<src>DriftConstant</src>"), FLOW
    ),
    "flow-removed": RuleDrift(_sub(r"<mapping\b.*?</mapping>", ""), FLOW),
    "flow-added": RuleDrift(_sub(r"<attribute-mappings>", "<attribute-mappings>" + NEW_FLOW), FLOW),
    "renamed": RuleDrift(_sub(r"<name>([^<]*)</name>", r"<name>\1 Drift</name>"), "(|name)"),
    "direction": RuleDrift(_toggle("direction", "Inbound", "Outbound"), ""),
    "description": RuleDrift(
        _sub(
            r"<description\s*/>|<description>[^<]*</description>",
            "<description>Drift</description>",
        ),
        "description",
        floor=Severity.INFO,
        documented_by="documentation",
    ),
}
#: Out-of-box only: the rule stops being one.
OOB_ONLY_DRIFTS: dict[str, RuleDrift] = {
    "tag-cleared": RuleDrift(
        _sub(r"<immutable-tag>[^<]*</immutable-tag>", "<immutable-tag />"), "(|immutable-tag)"
    ),
}
RULE_TARGETS = ("oob-in", "oob-out", "custom")


def _target(base: Base, target: str) -> tuple[str, str]:
    if target == "oob-in":
        return base.oob_in
    if target == "oob-out":
        return base.oob_out
    if base.custom is None:
        pytest.skip(f"the {base.name} export has no custom rule")
    return base.custom


def _plant(base: Base, twins: dict[str, Path], tmp_path: Path, mode: str) -> Path:
    if base.name not in twins:
        pytest.skip(f"{base.primary} is not present")
    staging = _copy(twins[base.name], tmp_path, "staging")
    if mode == "upgrade":
        _raise_version(staging, base.newer_version)
    return staging


def _assert_reported(
    report: Report,
    section: str,
    objects: set[str],
    path: str,
    floor: str = Severity.WARNING,
    documented_by: str | None = None,
) -> list[Finding]:
    names = {o.casefold() for o in objects}
    found = [
        d
        for d in report.differences
        if d.section == section
        and d.object.casefold() in names
        and re.fullmatch(path, d.path, re.IGNORECASE)
    ]
    assert found, f"not reported: {section} {objects} {path}\n{_shown(report)}"
    if documented_by is not None:
        assert all(d.rule == documented_by for d in found), _shown(report)
    assert any(_at_least(d.severity, floor) for d in found), _shown(report)
    if floor != Severity.INFO:
        assert exit_code(report) == 1
    return found


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("target", RULE_TARGETS)
@pytest.mark.parametrize("kind", [*RULE_DRIFTS, *OOB_ONLY_DRIFTS])
@pytest.mark.parametrize("base_name", BASES)
def test_sync_rule_drift_is_reported(
    base_name: str, kind: str, target: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    drift = RULE_DRIFTS.get(kind) or OOB_ONLY_DRIFTS[kind]
    if kind in OOB_ONLY_DRIFTS and target == "custom":
        pytest.skip("a custom rule has no tag")
    name, connector = _target(base, target)
    staging = _plant(base, twins, tmp_path, mode)
    rule = exportedit.rule_file(staging, name, connector)
    _edit(rule, drift.edit)
    if mode == "upgrade" and drift.bump and target != "custom":
        _edit(rule, _bump_tag)
    report = _compare(base, staging, mode)
    _assert_reported(
        report, "sync-rule", {name, f"{name} Drift"}, drift.path, drift.floor, drift.documented_by
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("base_name", BASES)
def test_precedence_order_among_competitors(
    base_name: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, mode)
    first = exportedit.rule_file(staging, *base.oob_in)
    second = exportedit.rule_file(staging, *base.rival)
    a = re.search(r"<precedence>(\d+)<", read_text(first))
    b = re.search(r"<precedence>(\d+)<", read_text(second))
    assert a and b
    _edit(first, _sub(r"<precedence>\d+<", f"<precedence>{b.group(1)}<"))
    _edit(second, _sub(r"<precedence>\d+<", f"<precedence>{a.group(1)}<"))
    report = _compare(base, staging, mode)
    _assert_reported(report, "sync-rule", {base.oob_in[0], base.rival[0]}, "precedence/order")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", ["removed", "copied", "moved-to-other-connector"])
@pytest.mark.parametrize("target", RULE_TARGETS)
@pytest.mark.parametrize("base_name", BASES)
def test_rule_removed_copied_or_moved(
    base_name: str, target: str, change: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """A copy keeps the tag of an out-of-box rule (Edit → make a copy): in upgrade mode it is
    not a new default rule."""
    base = _base(base_name)
    name, connector = _target(base, target)
    staging = _plant(base, twins, tmp_path, mode)
    rule = exportedit.rule_file(staging, name, connector)
    expected = {name}
    if change == "removed":
        rule.unlink()
    elif change == "copied":
        copy = exportedit.clone_rule(rule)
        _edit(copy, _sub(r"<name>([^<]*)</name>", r"<name>\1 (copy)</name>"))
        _edit(copy, _sub(r"<precedence>(\d+)<", lambda m: f"<precedence>{int(m.group(1)) + 1}<"))
        expected = {f"{name} (copy)"}
    else:
        other = base.aad if connector.casefold() != base.aad.casefold() else base.ad
        guid = exportedit.connector_guid(staging, other)
        _edit(rule, _sub(r"<connector>[^<]*</connector>", f"<connector>{guid.lower()}</connector>"))
    report = _compare(base, staging, mode)
    _assert_reported(report, "sync-rule", expected, "")


# --- drift in connectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorDrift:
    connector: str  # "ad" or "aad"
    edit: Callable[[Base, str], str]
    path: str  # a regex; {partition} is the base's partition
    floor: str = Severity.WARNING


def _e(
    pattern: str, replacement: str | Callable[[re.Match[str]], str]
) -> Callable[[Base, str], str]:
    return lambda _base, t: re.sub(pattern, replacement, t, count=1, flags=re.DOTALL)


def _flip(m: re.Match[str]) -> str:
    return m.group(1) + ("0" if m.group(2) == "1" else "1") + m.group(3)


def _add_exclusion(base: Base, text: str) -> str:
    dn = f"OU=Drift,{base.partition}"
    if "<exclusions />" in text or "<exclusions/>" in text:
        return re.sub(
            r"<exclusions\s*/>",
            f"<exclusions><exclusion>{dn}</exclusion></exclusions>",
            text,
            count=1,
        )
    return text.replace("<exclusions>", f"<exclusions><exclusion>{dn}</exclusion>", 1)


def _set_group_filter(_base: Base, text: str) -> str:
    return re.sub(
        r'(<parameter name="Connector\.GroupFilteringGroupDn"[^>]*?)(\s*/>|>[^<]*</parameter>)',
        r"\1>CN=Pilot,OU=Groups,DC=drift,DC=com</parameter>",
        text,
        count=1,
    )


def _rename_connector(_base: Base, text: str) -> str:
    return re.sub(r"<name>([^<]*)</name>", r"<name>\1-drift</name>", text, count=1)


PART = "partitions/{partition}"
CONNECTOR_DRIFTS: dict[str, ConnectorDrift] = {
    "ou-inclusion-removed": ConnectorDrift(
        "ad", _e(r"<inclusion>[^<]+</inclusion>", ""), PART + "/containers/inclusions"
    ),
    "ou-exclusion-added": ConnectorDrift("ad", _add_exclusion, PART + "/containers/exclusions"),
    "object-class-removed": ConnectorDrift(
        "ad", _e(r"<object-class>contact</object-class>", ""), PART + "/object-classes"
    ),
    "attribute-inclusion-removed": ConnectorDrift(
        "ad",
        _e(r"(<attribute-inclusion>\s*)<attribute>[^<]*</attribute>", r"\1"),
        "attribute-inclusion",
    ),
    "partition-deselected": ConnectorDrift(
        "ad", _e(r"(<selected>)(1|0)(</selected>)", _flip), PART + "/selected"
    ),
    "password-hash-sync": ConnectorDrift(
        "ad",
        _e(r"(<password-hash-sync-config>\s*<enabled>)(1|0)(</enabled>)", _flip),
        "password-hash-sync/enabled",
    ),
    "group-filtering": ConnectorDrift(
        "ad", _set_group_filter, "global-parameters/Connector.GroupFilteringGroupDn"
    ),
    "sign-and-seal": ConnectorDrift(
        "ad",
        _e(r'(<parameter name="sign-and-seal"[^>]*>)(1|0)(</parameter>)', _flip),
        "connectivity/sign-and-seal",
    ),
    "forest-name": ConnectorDrift(
        "ad",
        _e(r"<forest-name>([^<]*)</forest-name>", r"<forest-name>drift.\1</forest-name>"),
        "configuration/forest-name",
    ),
    "run-step-removed": ConnectorDrift(
        "ad",
        _e(r"(<run-configuration>.*?<configuration>)\s*<step>.*?</step>", r"\1"),
        "run-profiles/.+",
    ),
    "run-profile-removed": ConnectorDrift(
        "ad", _e(r"<run-configuration>.*?</run-configuration>", ""), "run-profiles/.+"
    ),
    "run-step-type": ConnectorDrift(
        "ad",
        _e(r'<step-type type="delta-import">', '<step-type type="full-import">'),
        "run-profiles/.+",
    ),
    "renamed": ConnectorDrift("ad", _rename_connector, ""),
    "aad-object-class-removed": ConnectorDrift(
        "aad", _e(r"<object-class>group</object-class>", ""), "partitions/default/object-classes"
    ),
    "aad-attribute-inclusion-removed": ConnectorDrift(
        "aad",
        _e(r"(<attribute-inclusion>\s*)<attribute>[^<]*</attribute>", r"\1"),
        "attribute-inclusion",
    ),
    "aad-anchor": ConnectorDrift(
        "aad",
        _e(r'(<anchor>\s*<attribute object_class="[^"]*">)([^<]*)', r"\1sourceAnchor"),
        "anchors",
    ),
    "password-writeback": ConnectorDrift(
        "aad",
        _e(r"(<aad-password-reset-config>\s*<enabled>)(1|0)(</enabled>)", _flip),
        "password-writeback/enabled",
    ),
    "aad-tenant": ConnectorDrift(
        "aad",
        _e(r'(name="UserName"[^>]*>[^<@]*@)([^<]*)', r"\1drift.onmicrosoft.com"),
        "connectivity/UserName",
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", CONNECTOR_DRIFTS)
@pytest.mark.parametrize("base_name", BASES)
def test_connector_drift_is_reported(
    base_name: str, kind: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    drift = CONNECTOR_DRIFTS[kind]
    staging = _plant(base, twins, tmp_path, mode)
    name = base.ad if drift.connector == "ad" else base.aad
    _edit(exportedit.connector_file(staging, name), lambda t: drift.edit(base, t))
    path = drift.path.replace("{partition}", re.escape(base.partition))
    _assert_reported(
        report := _compare(base, staging, mode), "connector", {name, f"{name}-drift"}, path
    )
    assert report.summary.verdict != "consistent"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", ["removed", "added"])
@pytest.mark.parametrize("base_name", BASES)
def test_connector_removed_or_added(
    base_name: str, change: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, mode)
    source = exportedit.connector_file(staging, base.ad)
    if change == "removed":
        source.unlink()
        expected = base.ad
    else:
        guid = "{0DDBA11C-0000-4000-8000-00000000D21F}"
        copy = source.with_name(f"Connector_{guid.lower()}.xml")
        shutil.copyfile(source, copy)
        _edit(copy, _sub(r"<id>[^<]*</id>", f"<id>{guid}</id>"))
        expected = f"second.{base.ad}"
        _edit(copy, _sub(r"<name>[^<]*</name>", f"<name>{expected}</name>"))
    _assert_reported(_compare(base, staging, mode), "connector", {expected}, "")


# --- drift in global settings and the metaverse ------------------------------------------------

#: Global settings that documented rules show at info (they change nothing synced) or hide.
DOCUMENTED_INFO = re.compile(
    r"Microsoft\.(OptionalFeature\.AutoUpgrade(State|SuspensionReason)|SystemInformation\..*"
    r"|Synchronize\.(SynchronizationPolicy|RunHistoryPurgeInterval|MaintenanceEnabled)"
    r"|ConnectDirectories\..*)",
    re.IGNORECASE,
)
DOCUMENTED_HIDDEN = re.compile(r"Microsoft\.Synchronize\.(StagingMode|NextStartTime)", re.I)
PARAMETER = re.compile(
    r'<(?P<p>(?:[\w-]+:)?)parameter name="(?P<name>[^"]+)"(?P<attrs>[^>]*?)'
    r"(?:/>|>(?P<value>[^<]*)</(?:[\w-]+:)?parameter>)"
)


def _another_value(value: str) -> str:
    if value.casefold() in ("true", "false"):
        return "False" if value.casefold() == "true" else "True"
    if value.isdigit():
        return str(int(value) + 1)
    return f"{value}Drift" if value else "Drift"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("base_name", BASES)
def test_every_global_parameter_change_is_reported(
    base_name: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """Every global parameter of the export, each changed: warning or above, except the ones a
    documented rule shows at info or hides (per-server state)."""
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, mode)
    mv = exportedit.mv_file(staging)
    changed: list[str] = []

    def change_all(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group("name")
            if name == VERSION or DOCUMENTED_HIDDEN.fullmatch(name):
                return m.group(0)
            changed.append(name)
            new = _another_value(m.group("value") or "")
            return f'<{m.group("p")}parameter name="{name}"{m.group("attrs")}>{new}</{m.group("p")}parameter>'

        return PARAMETER.sub(one, text)

    _edit(mv, change_all)
    report = _compare(base, staging, mode)
    by_name = {d.object.casefold(): d for d in report.differences if d.section == "global-settings"}
    assert len(changed) > 30
    for name in changed:
        found = by_name.get(name.casefold())
        assert found is not None, f"{name} not reported"
        if DOCUMENTED_INFO.fullmatch(name):
            assert found.severity == "info", (name, found.rule)
        elif name.casefold().startswith("microsoft.version."):
            assert found.rule in ("version-skew", "upgrade-version"), (name, found.rule)
        else:
            assert _at_least(found.severity, Severity.WARNING), (name, found.severity, found.rule)


def _mv_prefix(text: str) -> str:
    found = re.search(r"<([\w-]+:)?attribute-type\b", text)
    assert found
    return found.group(1) or ""


def _add_mv_attribute(text: str) -> str:
    p = _mv_prefix(text)
    definition = (
        f'<{p}attribute-type id="driftcheckCostCentre" single-value="true">'
        f"<{p}name>driftcheckCostCentre</{p}name>"
        f"<{p}syntax>1.3.6.1.4.1.1466.115.121.1.15</{p}syntax></{p}attribute-type>"
    )
    text = re.sub(rf"(<{p}attribute-type\b)", definition + r"\1", text, count=1)
    return re.sub(
        rf'(<{p}class id="person"[^>]*>.*?)(<{p}attribute ref=)',
        rf'\1<{p}attribute ref="#driftcheckCostCentre" required="false" />\2',
        text,
        count=1,
        flags=re.DOTALL,
    )


def _remove_mv_attribute(name: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        p = _mv_prefix(text)
        return re.sub(
            rf'<{p}attribute-type id="{name}"[^>]*>.*?</{p}attribute-type>',
            "",
            text,
            count=1,
            flags=re.DOTALL,
        )

    return edit


def _single_valued_flip(text: str) -> str:
    p = _mv_prefix(text)
    return re.sub(
        rf'(<{p}attribute-type id="(?!description)[^"]*") single-value="true"', r"\1", text, count=1
    )


def _remove_mv_class(text: str) -> str:
    p = _mv_prefix(text)
    return re.sub(rf'<{p}class id="contact".*?</{p}class>', "", text, count=1, flags=re.DOTALL)


MV_DRIFTS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "attribute-added-by-hand": (_add_mv_attribute, "person", "attributes/driftcheckCostCentre"),
    # an attribute whose name is also an element of the export (description): still schema
    "attribute-description-removed": (
        _remove_mv_attribute("description"),
        "(attribute definitions)",
        "description",
    ),
    "attribute-single-valued": (_single_valued_flip, "(attribute definitions)", ".+/single-valued"),
    "object-type-removed": (_remove_mv_class, "contact", ""),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", MV_DRIFTS)
@pytest.mark.parametrize("base_name", BASES)
def test_metaverse_drift_is_reported(
    base_name: str, kind: str, mode: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    edit, obj, path = MV_DRIFTS[kind]
    staging = _plant(base, twins, tmp_path, mode)
    _edit(exportedit.mv_file(staging), edit)
    found = _assert_reported(_compare(base, staging, mode), "metaverse", {obj}, path)
    assert all(d.rule == "metaverse-schema" for d in found)


# --- noise: compares clean ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", NOISE_KINDS)
@pytest.mark.parametrize("base_name", BASES)
def test_each_noise_kind_compares_clean(base_name: str, kind: str, tmp_path: Path) -> None:
    base = _base(base_name)
    staging = _copy(base.primary, tmp_path, "noisy")
    NOISE_KINDS[kind](staging)
    report = _compare(base, staging, "same-version")
    assert exit_code(report) == 0, _shown(report)
    assert report.differences == (), _shown(report)


@pytest.mark.parametrize("base_name", BASES)
def test_twin_compares_clean_in_both_modes(
    base_name: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """The twin (every noise at once) is clean; with its version raised, only the version
    shows, at info."""
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, "same-version")
    report = _compare(base, staging, "same-version")
    assert exit_code(report) == 0, _shown(report)
    _raise_version(staging, base.newer_version)
    report = _compare(base, staging, "upgrade")
    assert exit_code(report) == 0, _shown(report)
    assert all(d.severity == "info" for d in report.differences), _shown(report)


@pytest.mark.parametrize("base_name", BASES)
def test_a_tag_bumped_rule_alone_is_a_product_change(
    base_name: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """The counterpart of the sweep: a revision (tag raised, a flow and a scope changed) of an
    out-of-box rule in upgrade mode is info, not a false alarm."""
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, "upgrade")
    rule = exportedit.rule_file(staging, *base.oob_out)
    _edit(rule, _bump_tag)
    _edit(rule, RULE_DRIFTS["flow-expression"].edit)
    _edit(rule, RULE_DRIFTS["scope-value"].edit)
    report = _compare(base, staging, "upgrade")
    assert exit_code(report) == 0, _shown(report)
    revised = [d for d in report.differences if d.rule == "upgrade-revised-default-rule"]
    assert {d.path.split("/")[0] for d in revised} >= {"immutable-tag", "attribute-flows"}


@pytest.mark.parametrize("base_name", BASES)
def test_a_retired_global_parameter_is_a_product_change(
    base_name: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """2.x no longer writes some 1.x parameters: gone from the newer server is the product's."""
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, "upgrade")
    exportedit.remove_parameter(staging, "Microsoft.OptionalFeature.GroupFiltering")
    report = _compare(base, staging, "upgrade")
    assert exit_code(report) == 0, _shown(report)
    found = [
        d for d in report.differences if d.object == "Microsoft.OptionalFeature.GroupFiltering"
    ]
    assert [(d.severity, d.rule) for d in found] == [("info", "upgrade-retired-parameter")]


def test_noise_kinds_cover_every_built_in_ignore_rule_but_tenant_rules() -> None:
    """A reminder that the noise sweep grows with the rules (documented kinds by name)."""
    from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES

    covered = {
        "server-local-ids": "guids",
        "change-tracking": "times-and-counters",
        "sync-state": "runtime-state-and-accounts",
        "server-name": "server-identity-staging-flag-next-start",
        "ad-connector-account": "runtime-state-and-accounts",
        "cloud-sync-account": "runtime-state-and-accounts",
        "staging-mode": "server-identity-staging-flag-next-start",
        "scheduler-next-start": "server-identity-staging-flag-next-start",
        "precedence-renumbered": "precedence-renumbered",
        "name-letter-case": "letter-case",
        "parameter-declaration": "parameter-declarations",
        "schema-content-rule": "schema-content-rules",
    }
    assert {r.id for r in BUILT_IN_IGNORE_RULES} == set(covered)
    assert set(covered.values()) <= set(NOISE_KINDS)


# --- unmodelled sections: a server-local GUID never keys an element ---------------------------


def _flattened(xml: str) -> dict[str, str]:
    from lxml import etree

    from driftcheck.read.xmltree import flatten

    return dict(flatten(etree.fromstring(xml)))


def test_an_unresolved_connector_guid_does_not_key_an_element() -> None:
    """The same flow from a connector the export does not hold, on two servers (each with its
    own GUID for it): the same path, so only the GUID value differs (and that is hidden)."""
    template = (
        '<flows><import-flow src-ma="{{{guid}}}" cd-object-type="user">'
        "<direct-mapping><src-attribute>mail</src-attribute></direct-mapping>"
        "</import-flow></flows>"
    )
    primary = _flattened(template.format(guid="11111111-2222-3333-4444-555555555555"))
    staging = _flattened(template.format(guid="99999999-8888-7777-6666-555555555555"))
    assert primary.keys() == staging.keys()
    differing = [path for path in primary if primary[path] != staging[path]]
    assert differing == ["import-flow[user]@src-ma"]


def test_a_guid_named_element_is_not_keyed_by_its_guid() -> None:
    template = "<list><item><name>{{{guid}}}</name><value>1</value></item></list>"
    primary = _flattened(template.format(guid="11111111-2222-3333-4444-555555555555"))
    staging = _flattened(template.format(guid="99999999-8888-7777-6666-555555555555"))
    assert primary.keys() == staging.keys()


# --- rules sharing a name: matched the same way on both servers -------------------------------


def _edited_default_rule_pattern(export: Path, name: str, connector: str, first: bool) -> None:
    """Microsoft's pattern for editing a default rule: the original disabled, a custom copy of
    the same name beside it. ``first``: the copy's file sorts before the original's (file
    names carry each server's own GUIDs, so the order differs between servers)."""
    original = exportedit.rule_file(export, name, connector)
    guid = (
        "{00000000-aaaa-4bbb-8ccc-000000000001}"
        if first
        else "{ffffffff-aaaa-4bbb-8ccc-000000000001}"
    )
    copy = original.with_name(f"SynchronizationRule_{guid}.xml")
    shutil.copyfile(original, copy)
    _edit(copy, _sub(r"<id>[^<]*</id>", f"<id>{guid}</id>"))
    _edit(copy, _sub(r"<immutable-tag>[^<]*</immutable-tag>", "<immutable-tag />"))
    _edit(copy, _sub(r"<precedence>\d+<", "<precedence>55<"))
    _edit(original, _sub(r"<disabled>False</disabled>", "<disabled>True</disabled>"))


@pytest.mark.parametrize("base_name", BASES)
def test_a_default_rule_and_its_custom_copy_of_the_same_name_compare_clean(
    base_name: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    base = _base(base_name)
    if base.name not in twins:
        pytest.skip(f"{base.primary} is not present")
    primary = _copy(base.primary, tmp_path, "primary")
    staging = _copy(twins[base.name], tmp_path, "staging")
    _edited_default_rule_pattern(primary, *base.oob_out, first=True)
    _edited_default_rule_pattern(staging, *base.oob_out, first=False)
    report = compare_exports(primary, staging, checks="off")
    assert exit_code(report) == 0, _shown(report)


@pytest.mark.parametrize("base_name", BASES)
def test_a_schema_refresh_does_not_hide_an_attribute_inclusion_change(
    base_name: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """Upgrade mode takes the cloud connector's new schema attributes as the product's; the
    attribute inclusion beside them stays loud (added or removed)."""
    base = _base(base_name)
    staging = _plant(base, twins, tmp_path, "upgrade")
    aad = exportedit.connector_file(staging, base.aad)
    refreshed = (
        '<dsml:attribute-type id="driftcheckNew" single-value="true">'
        "<dsml:name>driftcheckNew</dsml:name>"
        "<dsml:syntax>1.3.6.1.4.1.1466.115.121.1.15</dsml:syntax></dsml:attribute-type>"
    )
    _edit(aad, lambda t: t.replace("<dsml:attribute-type ", refreshed + "<dsml:attribute-type ", 1))
    _edit(
        aad,
        _sub(
            r"(<attribute-inclusion>\s*)<attribute>[^<]*</attribute>",
            r"\1<attribute>driftcheckNew</attribute>",
        ),
    )
    report = _compare(base, staging, "upgrade")
    schema = [d for d in report.differences if d.path.startswith("schema/")]
    assert schema and all(d.rule == "upgrade-connector-schema" for d in schema), _shown(report)
    inclusion = [d for d in report.differences if d.path == "attribute-inclusion"]
    assert {d.change for d in inclusion} == {"added", "removed"}, _shown(report)
    assert all(d.severity == "blocking" for d in inclusion), _shown(report)


@pytest.mark.parametrize("kind", [k for k, d in RULE_DRIFTS.items() if d.bump])
@pytest.mark.parametrize("base_name", BASES)
def test_a_revised_rule_keeps_its_wiring_loud_when_the_primary_is_newer(
    base_name: str, kind: str, twins: dict[str, Path], tmp_path: Path
) -> None:
    """An automatic upgrade of the primary overnight: the older side is the staging server."""
    base = _base(base_name)
    if base.name not in twins:
        pytest.skip(f"{base.primary} is not present")
    primary = _copy(base.primary, tmp_path, "primary")
    _raise_version(primary, base.newer_version)
    _edit(exportedit.rule_file(primary, *base.oob_out), _bump_tag)
    staging = _copy(twins[base.name], tmp_path, "staging")
    _edit(exportedit.rule_file(staging, *base.oob_out), RULE_DRIFTS[kind].edit)
    report = compare_exports(primary, staging, checks="off")
    assert report.upgrade is not None and report.upgrade.newer == "primary"
    _assert_reported(report, "sync-rule", {base.oob_out[0]}, RULE_DRIFTS[kind].path)
