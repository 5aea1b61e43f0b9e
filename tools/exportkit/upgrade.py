"""The upgrade scenario: Fabrikam's staging server after an in-place upgrade.

``samples/staging-upgraded`` is FAB-SYNC02 upgraded from 2.4.18.0 (the primary's version) to
2.5.3.0, compared against ``samples/primary``. It starts from the staging *twin* (every
per-server noise of ``samples/staging``, none of its drift) and applies only what the product
changes in an upgrade (classes from ``../shared/notes/upgrade-and-nightly.md`` §1.2):

- ``version``: ``Microsoft.Synchronize.ServerConfigurationVersion`` and the AAD connector's
  ``assembly-version`` (U1);
- ``revised-rule``: out-of-box rules with the same tag stem and a higher suffix whose content
  changed: ``In from AD - User Common`` (.014 -> .015, a new ``employeeLeaveDateTime`` flow) and
  ``In from AD - User Join`` (.012 -> .013, a new scoping clause), on both forests (U2);
- ``new-rule``: ``In from AAD - Device Common`` (``Microsoft.InfromAADDeviceCommon.002``) (U3);
- ``renumbered``: the out-of-box rules after the new one move down by one, order kept (U3);
- ``new-parameter``: global parameters only the newer version has (U4; sample names);
- ``schema``: the AAD connector's schema gains ``employeeLeaveDateTime`` and
  ``onPremisesObjectIdentifier`` on class user (U5; its attribute inclusion is unchanged);
- ``metaverse-attribute``: the metaverse gains ``employeeLeaveDateTime`` on person (U5).

:func:`upgrade_manifest` lists them as findings in driftcheck's terms, each with its class, the
severity expected in upgrade mode (``info``) and today's (``baseline_severity``).
:func:`upgrade_variant` writes the same upgraded server with one *suspect* change planted on
top (:data:`SUSPECTS`, from :mod:`exportkit.changes`), which upgrade mode must keep loud.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

from . import fabrikam
from .catalog import AAD_TYPES, m, s, tag_version, with_tag_version
from .changes import CHANGES
from .fabrikam import AAD_NAME, PRIMARY_VERSION, STAGING_AAD_NAME, A, E, F
from .manifest import Finding, manifest
from .model import Export, Rule
from .text import ci_sorted, new_guid
from .writer import write_export

UPGRADED_VERSION = "2.5.3.0"
FOLDER = "staging-upgraded"

#: (connector key, connector name, rule name) of the revised out-of-box rules.
REVISED_COMMON = [(F, "fabrikam.com"), (E, "emea.fabrikam.com")]
USER_COMMON = "In from AD - User Common"
USER_JOIN = "In from AD - User Join"
NEW_RULE = "In from AAD - Device Common"
#: The new rule goes right after this one; every out-of-box rule after it moves down by one.
NEW_RULE_AFTER = "In from AAD - Group Join"
#: (name, value, severity of today's equal-version comparison)
NEW_PARAMETERS = [
    ("Microsoft.OptionalFeature.ApplicationBasedAuthentication", "False", "blocking"),
    ("Microsoft.SystemInformation.OSVersion", "10.0.20348", "info"),
]
NEW_AAD_ATTRIBUTES = ["employeeLeaveDateTime", "onPremisesObjectIdentifier"]
LEAVE_DATE = (
    "IIF(IsPresent([accountExpires]),CStr(FormatDateTime(DateFromNum([accountExpires]),"
    '"yyyyMMddHHmmss.0Z")),NULL)'
)
NEW_SCOPE = ("sAMAccountName", "NOTSTARTSWITH", "AAD_")

#: Suspect name -> what it plants (see exportkit.changes.CHANGES for the findings).
SUSPECTS: dict[str, str] = {name: c.description for name, c in CHANGES.items()}


def _bump(rule: Rule) -> None:
    rule.tag = with_tag_version(rule.tag, tag_version(rule.tag) + 1)


def _new_rule(precedence: int) -> Rule:
    return Rule(
        A,
        NEW_RULE,
        "Microsoft.InfromAADDeviceCommon.002",
        "Inbound",
        "device",
        "device",
        "Join",
        precedence,
        [m("cloudMastered")],
        [],
        [[s("cloudMastered", "EQUAL", "False")]],
        guid=new_guid(random.Random(fabrikam.SEED + "/upgrade/new-rule")),
    )


def apply_upgrade(export: Export) -> list[Rule]:
    """The product's own changes of the upgrade, in place; returns the renumbered rules."""
    export.mv.set_parameter("Microsoft.Synchronize.ServerConfigurationVersion", UPGRADED_VERSION)
    export.aad.assembly_version = UPGRADED_VERSION
    for key, _name in REVISED_COMMON:
        common = export.rule(key, USER_COMMON)
        _bump(common)
        common.mappings.append(m("employeeLeaveDateTime", ["accountExpires"], LEAVE_DATE))
        join = export.rule(key, USER_JOIN)
        _bump(join)
        join.scopes[0].append(NEW_SCOPE)
    at = export.rule(A, NEW_RULE_AFTER).precedence + 1
    moved = [r for r in export.rules if r.tag and r.precedence >= at]
    for r in moved:
        r.precedence += 1
    export.rules.append(_new_rule(at))
    for name, value, _severity in NEW_PARAMETERS:
        export.mv.set_parameter(name, value)
    aad = export.aad
    aad.inclusion = list(aad.attribute_types)
    aad.classes["user"] = ci_sorted(aad.classes["user"] + NEW_AAD_ATTRIBUTES)
    types = aad.attribute_types | {a: AAD_TYPES[a] for a in NEW_AAD_ATTRIBUTES}
    aad.attribute_types = {a: types[a] for a in ci_sorted(list(types))}
    export.mv.classes, export.mv.attribute_types = fabrikam.metaverse_schema(export.rules)
    return moved


def upgraded_export() -> tuple[Export, list[Rule]]:
    """The upgraded staging server's model, and the out-of-box rules the upgrade renumbered."""
    export = fabrikam.build_export(fabrikam.STAGING, drift=False)
    moved = apply_upgrade(export)
    return export, moved


def write_upgraded(out_dir: Path) -> list[Finding]:
    """Write the upgraded staging export to ``out_dir``; return the upgrade's findings."""
    export, moved = upgraded_export()
    write_export(out_dir, export)
    return upgrade_findings(moved)


def upgrade_variant(out_dir: Path, suspect: str) -> list[Finding]:
    """Write the upgraded staging export with one suspect change planted, to ``out_dir``.

    ``suspect`` is a key of :data:`SUSPECTS`. Returns the suspect's own findings (to be
    reported at warning or above, also in upgrade mode); the upgrade's product changes are
    those of ``samples/upgrade-expected.json``, unchanged. Compare against ``samples/primary``.
    """
    if suspect not in CHANGES:
        raise ValueError(f"unknown suspect {suspect!r}; one of {', '.join(CHANGES)}")
    export, _moved = upgraded_export()
    CHANGES[suspect].apply(export)
    write_export(out_dir, export)
    return list(CHANGES[suspect].findings)


def upgrade_findings(moved: list[Rule]) -> list[Finding]:
    """What comparing samples/primary with samples/staging-upgraded must report."""
    version = "Microsoft.Synchronize.ServerConfigurationVersion"
    conn = {F: "fabrikam.com", E: "emea.fabrikam.com", A: AAD_NAME}
    rows: list[tuple[str, str, str, str | None, str, str, str, str]] = [
        ("version", "global-settings", version, None, "value", "modified", "warning", ""),
        ("version", "connector", AAD_NAME, AAD_NAME,
         "configuration/extension-config/assembly-version", "modified", "warning", ""),
    ]  # fmt: skip
    for _key, name in REVISED_COMMON:
        rows += [
            ("revised-rule", "sync-rule", USER_COMMON, name, "immutable-tag", "modified",
             "warning", ""),
            ("revised-rule", "sync-rule", USER_COMMON, name,
             "attribute-flows/employeeLeaveDateTime", "added", "blocking", ""),
            ("revised-rule", "sync-rule", USER_JOIN, name, "immutable-tag", "modified",
             "warning", ""),
            ("revised-rule", "sync-rule", USER_JOIN, name, "scoping-groups", "removed",
             "blocking", ""),
            ("revised-rule", "sync-rule", USER_JOIN, name, "scoping-groups", "added",
             "blocking", ""),
        ]  # fmt: skip
    # a rule on one side only is reported with that side's spelling of its connector
    rows.append(("new-rule", "sync-rule", NEW_RULE, STAGING_AAD_NAME, "", "added", "blocking", ""))
    for r in moved:
        rows.append(
            ("renumbered", "sync-rule", r.name, conn[r.conn], "precedence", "modified", "",
             "precedence-renumbered")
        )  # fmt: skip
    for name, _value, severity in NEW_PARAMETERS:
        rows.append(("new-parameter", "global-settings", name, None, "", "added", severity, ""))
    for attr in NEW_AAD_ATTRIBUTES:
        rows.append(
            ("schema", "connector", AAD_NAME, AAD_NAME, f"schema/attributes/{attr}", "added",
             "warning", "")
        )  # fmt: skip
    rows += [
        ("schema", "connector", AAD_NAME, AAD_NAME, "schema/object-classes/user/attributes",
         "added", "warning", ""),
        ("metaverse-attribute", "metaverse", "(attribute definitions)", None,
         "employeeLeaveDateTime", "added", "blocking", ""),
        ("metaverse-attribute", "metaverse", "person", None, "attributes/employeeLeaveDateTime",
         "added", "blocking", ""),
    ]  # fmt: skip
    return [
        Finding(section, obj, c, path, change, "info", cls=cls, ignored_by=ign, baseline=base)
        for cls, section, obj, c, path, change, base, ign in rows
    ]


def upgrade_manifest(findings: list[Finding]) -> dict[str, Any]:
    """samples/upgrade-expected.json."""
    return manifest(
        "fabrikam-upgrade",
        findings,
        primary={"folder": "primary", "server": "FAB-SYNC01", "version": PRIMARY_VERSION},
        staging={"folder": FOLDER, "server": "FAB-SYNC02", "version": UPGRADED_VERSION},
        classes={
            "version": "U1: the product version and the AAD connector's assembly version",
            "revised-rule": "U2: same tag stem, higher suffix, changed content",
            "new-rule": "U3: an out-of-box rule only the newer version has",
            "renumbered": "U3: out-of-box precedence moved down, order kept (suppressed today "
            "by precedence-renumbered)",
            "new-parameter": "U4: a global parameter only the newer version has",
            "schema": "U5: the AAD connector's schema gains attributes",
            "metaverse-attribute": "U5: the metaverse gains an attribute",
        },
        suspects={name: c.description for name, c in CHANGES.items()},
    )


def readme_lines(findings: list[Finding]) -> list[str]:
    """samples/README.md's upgrade part."""
    count = Counter(f.cls for f in findings)
    lines = [
        "## The upgraded staging server (`staging-upgraded/`)",
        "",
        f"`staging-upgraded/` is FAB-SYNC02 after an in-place upgrade from {PRIMARY_VERSION} to "
        f"{UPGRADED_VERSION}, to compare against `primary/` (the primary is not yet upgraded). "
        "It carries every per-server noise of `staging/` and none of its drift: its only "
        "differences from `primary/` are what the product changes in an upgrade, listed in "
        "`upgrade-expected.json` by class (classes U1-U5 of "
        "`../shared/notes/upgrade-and-nightly.md` §1.2). Upgrade mode must report each as "
        "`info` (`severity`); `baseline_severity` is what an equal-version comparison gives "
        "today, and `ignored_by` marks the renumbered precedences that today's "
        "`precedence-renumbered` rule hides.",
        "",
        "| Class | What changed | Findings |",
        "|---|---|---|",
        f"| `version` | ServerConfigurationVersion and the AAD connector's assembly-version "
        f"{PRIMARY_VERSION} -> {UPGRADED_VERSION} | {count['version']} |",
        f"| `revised-rule` | `{USER_COMMON}` .014 -> .015 (adds an `employeeLeaveDateTime` flow) "
        f"and `{USER_JOIN}` .012 -> .013 (adds a scoping clause), on both forests | "
        f"{count['revised-rule']} |",
        f"| `new-rule` | `{NEW_RULE}` (`Microsoft.InfromAADDeviceCommon.002`) on the AAD "
        f"connector | {count['new-rule']} |",
        f"| `renumbered` | every out-of-box rule after `{NEW_RULE_AFTER}` moves down by one, "
        f"order kept | {count['renumbered']} |",
        "| `new-parameter` | "
        + ", ".join(f"`{n}`" for n, _v, _s in NEW_PARAMETERS)
        + f" (sample names for parameters a newer version adds) | {count['new-parameter']} |",
        "| `schema` | the AAD connector's schema gains "
        + ", ".join(f"`{a}`" for a in NEW_AAD_ATTRIBUTES)
        + f" on class user (attribute inclusion unchanged) | {count['schema']} |",
        "| `metaverse-attribute` | the metaverse gains `employeeLeaveDateTime` on person | "
        f"{count['metaverse-attribute']} |",
        "",
        "Suspect changes an upgrade does not explain (they must stay at warning or above in "
        "upgrade mode) are planted on top of the same upgrade by the export kit, one at a time: "
        "`exportkit.upgrade_variant(out_dir, suspect=NAME)` writes the variant export and "
        "returns the suspect's findings (compare it against `primary/`):",
        "",
        "| Suspect | What it plants |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {description} |" for name, description in SUSPECTS.items()]
    lines.append("")
    return lines
