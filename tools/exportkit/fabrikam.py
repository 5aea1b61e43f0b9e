"""Scenario table 1: the Fabrikam samples (``samples/primary`` and ``samples/staging``).

FAB-SYNC01 (primary, Entra Connect 2.4.18.0) and FAB-SYNC02 (staging, 2.4.27.0) for the
fictional organisation Fabrikam: three connectors (``fabrikam.com`` and ``emea.fabrikam.com``,
both Active Directory, and ``fabrikam.onmicrosoft.com - AAD``), the global settings, the
metaverse schema and 45 sync rules (the catalogue's out-of-box rules for all three connectors
plus a handful of custom rules).

The staging export carries **deliberate noise** (things a correct drift tool must NOT report:
fresh GUIDs, runtime state, per-server accounts, renumbered precedence, re-encoded files,
shuffled unordered lists, whitespace inside expressions, a GUI-style wrapper, letter-case
differences...) and **deliberate drift** (17 items that must be reported against the right
object). Both lists live in NOISE and DRIFT below, with each drift item's findings in
driftcheck's own terms (FINDINGS), so that the files, ``samples/README.md`` and
``samples/expected-drift.json`` cannot disagree.

Deterministic: every GUID, hex suffix, cookie and shuffle comes from ``random.Random`` seeded with
fixed strings, so re-running produces byte-identical files.

``build_export("staging", drift=False)`` is the staging *twin*: the same noise, none of the
drift. The upgrade scenario (:mod:`exportkit.upgrade`) and the nightly series
(:mod:`exportkit.nights`) start from it.
"""

from __future__ import annotations

import base64
import copy
import importlib
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import noise
from .catalog import (
    AAD_TYPES,
    AD_ATTRIBUTES,
    AD_CLASSES,
    AD_INCLUSION,
    AD_OBJECT_CLASSES,
    MV_TYPES,
    aad_class_members,
    aad_rules,
    ad_outbound_rules,
    ad_parameters,
    ad_rules,
    build_ad_schema,
    check_rules,
    computer_join,
    const,
    device_join,
    global_parameters,
    immutable_id,
    j,
    m,
    mv_members,
    s,
)
from .manifest import Finding, manifest
from .model import (
    RUN_PROFILES,
    AadConnector,
    AdConnector,
    AdPartition,
    Export,
    FileStyle,
    Metaverse,
    Rule,
)
from .text import ZERO_GUID, ci_sorted, hex12, new_guid, reflow_expression, shuffled
from .writer import write_export

SEED = "driftcheck/fabrikam-samples/v1"

PRIMARY = "primary"
STAGING = "staging"

# Connector keys used throughout: F = fabrikam.com, E = emea.fabrikam.com, A = the AAD connector.
F, E, A = "F", "E", "A"

TENANT = "fabrikam.onmicrosoft.com"
PRIMARY_VERSION = "2.4.18.0"
STAGING_VERSION = "2.4.27.0"


@dataclass
class Side:
    name: str
    server: str
    export_date: str
    ma_export_date: str  # used by the GUI-style wrapper on staging
    created: dict[str, str]  # connector/partition creation time per connector
    modified: str  # last-modification-time written at export
    next_start: str
    pwreset_modified: str
    mv_version: int
    connector_versions: dict[str, tuple[int, int]]  # key -> (version, internal-version)
    partition_versions: dict[str, int]
    run_versions: dict[str, int]
    last_dc: dict[str, str]
    rng: random.Random = field(repr=False, default_factory=random.Random)

    @property
    def is_staging(self) -> bool:
        return self.name == STAGING


def make_side(name: str) -> Side:
    if name == PRIMARY:
        return Side(
            name=PRIMARY,
            server="FAB-SYNC01",
            export_date="2024-11-18 08:42:17.530",
            ma_export_date="",
            created={
                A: "2023-03-07 14:19:52.208",
                F: "2023-03-07 14:21:09.613",
                E: "2023-09-12 10:03:44.950",
            },  # the EMEA forest was added later
            modified="2024-11-18 08:42:19.204",
            next_start="Mon, 18 Nov 2024 09:04:52 GMT",
            pwreset_modified="2023-03-07 15:02:33.481",
            mv_version=1388,
            connector_versions={F: (1174, 0), E: (1169, 0), A: (41, 1)},
            partition_versions={F: 1174, E: 1169, A: 702},
            run_versions={F: 9, E: 8, A: 5},
            last_dc={F: "FAB-DC01.fabrikam.com", E: "EMEA-DC01.emea.fabrikam.com"},
            rng=random.Random(SEED + "/primary"),
        )
    return Side(
        name=STAGING,
        server="FAB-SYNC02",
        export_date="2024-11-18 09:05:38.118",
        ma_export_date="2024-11-18 09:07:12.934",
        created={
            A: "2024-10-29 10:54:31.770",
            F: "2024-10-29 10:55:47.082",
            E: "2024-10-29 10:56:20.415",
        },
        modified="2024-11-18 09:05:40.377",
        next_start="Mon, 18 Nov 2024 09:31:06 GMT",
        pwreset_modified="2024-10-29 11:38:05.907",
        mv_version=412,
        connector_versions={F: (236, 0), E: (231, 0), A: (17, 1)},
        partition_versions={F: 236, E: 231, A: 198},
        run_versions={F: 4, E: 4, A: 3},
        last_dc={F: "FAB-DC02.fabrikam.com", E: "EMEA-DC02.emea.fabrikam.com"},
        rng=random.Random(SEED + "/staging"),
    )


SHARED = random.Random(SEED + "/shared")
# The AD *domain* GUIDs are properties of the domains, identical on every server.
DOMAIN_GUID = {F: new_guid(SHARED), E: new_guid(SHARED)}


AD_FORESTS = {
    F: {
        "name": "fabrikam.com",
        "dn": "DC=fabrikam,DC=com",
        "netbios": "FABRIKAM",
    },
    E: {
        "name": "emea.fabrikam.com",
        "dn": "DC=emea,DC=fabrikam,DC=com",
        "netbios": "EMEA",
    },
}
AAD_NAME = f"{TENANT} - AAD"


OU_FILTER = {
    F: {
        "exclusions": [
            "DC=fabrikam,DC=com",
            "OU=Disabled,OU=Users,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Service Accounts,OU=Fabrikam,DC=fabrikam,DC=com",
        ],
        "inclusions": [
            "OU=Users,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Groups,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Sales,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Contacts,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Legal & Compliance,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Workstations,OU=Fabrikam,DC=fabrikam,DC=com",
            "OU=Shared Mailboxes,OU=Fabrikam,DC=fabrikam,DC=com",
        ],
    },
    E: {
        "exclusions": [
            "DC=emea,DC=fabrikam,DC=com",
            "OU=Leavers,OU=EMEA Users,DC=emea,DC=fabrikam,DC=com",
        ],
        "inclusions": [
            "OU=EMEA Users,DC=emea,DC=fabrikam,DC=com",
            "OU=EMEA Groups,DC=emea,DC=fabrikam,DC=com",
            "OU=Partners\\, Suppliers,DC=emea,DC=fabrikam,DC=com",
            "OU=EMEA Devices,DC=emea,DC=fabrikam,DC=com",
        ],
    },
}


EXPR_DEPT_FIXUP = (
    'IIF(IsNullOrEmpty([department]), IIF(IsPresent([extensionAttribute4]), "Dept-" & '
    '[extensionAttribute4], "{Unassigned}"), Replace(Trim([department]), "\\\\", " / "))'
)


def custom_rules() -> list[Rule]:
    """Fabrikam's own rules (empty immutable-tag, precedence below 100), primary versions."""
    return [
        Rule(
            E,
            "In from AD - EMEA User Join on EmployeeID",
            "",
            "Inbound",
            "user",
            "person",
            "Join",
            40,
            [
                m("employeeID"),
                const("division", "EMEA"),
            ],
            [[j("employeeID", "employeeID")], [j("mail", "mail")]],
            [[s("employeeID", "ISNOTNULL"), s("adminDescription", "NOTSTARTSWITH", "User_")]],
            description="EMEA accounts join the Fabrikam identity by employeeID, then by mail.",
            version=3,
        ),
        Rule(
            F,
            "In from AD - User Contractor Filter",
            "",
            "Inbound",
            "user",
            "person",
            "Join",
            50,
            [const("cloudFiltered", "True")],
            [],
            [
                [
                    s("employeeType", "EQUAL", "Contractor"),
                    s("extensionAttribute10", "NOTEQUAL", "CloudAccess"),
                ],
                [
                    s("employeeType", "EQUAL", "Vendor"),
                    s("extensionAttribute10", "NOTEQUAL", "CloudAccess"),
                ],
            ],
            description="Contractors and vendors stay on-premises unless extensionAttribute10 "
            "is CloudAccess.",
            version=3,
        ),
        Rule(
            F,
            "In from AD - User Extension Attributes",
            "",
            "Inbound",
            "user",
            "person",
            "Join",
            60,
            [m(f"extensionAttribute{i}") for i in range(1, 16)],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "User_")]],
            description="extensionAttribute1-15 for Exchange Online address lists and "
            "dynamic groups.",
            version=2,
        ),
        Rule(
            F,
            "In from AD - User Job Title Override",
            "",
            "Inbound",
            "user",
            "person",
            "Join",
            65,
            [
                m(
                    "title",
                    expr="IIF(IsPresent([extensionAttribute9]),Trim([extensionAttribute9]),"
                    "IgnoreThisFlow)",
                ),
                m(
                    "department",
                    expr="IIF(IsPresent([extensionAttribute8]),"
                    "Trim([extensionAttribute8]),IgnoreThisFlow)",
                ),
            ],
            [],
            [[s("extensionAttribute9", "ISNOTNULL")]],
            description="HR publishes the official job title in extensionAttribute9 "
            "and department in extensionAttribute8.",
            version=4,
        ),
        Rule(
            F,
            "In from AD - Group Naming Prefix",
            "",
            "Inbound",
            "group",
            "group",
            "Join",
            70,
            [
                m(
                    "displayName",
                    expr='IIF(Left([displayName],4) = "GRP-", [displayName], "GRP-" & '
                    "IIF(IsNullOrEmpty([displayName]),[cn],[displayName]))",
                ),
            ],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "Group_"), s("groupType", "NOTEQUAL", "2")]],
            description="Prefix on-premises groups with GRP- in the cloud.",
            version=2,
        ),
        Rule(
            F,
            "In from AD - User Department Fixup",
            "",
            "Inbound",
            "user",
            "person",
            "Join",
            80,
            [
                m("department", expr=EXPR_DEPT_FIXUP),
                m("company", expr='IIF(IsNullOrEmpty([company]),"Fabrikam, Inc.",[company])'),
            ],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "User_")]],
            description="Normalise department names (backslashes from the HR feed) and "
            "default the company.",
            version=5,
        ),
        Rule(
            A,
            "Out to AAD - User UsageLocation",
            "",
            "Outbound",
            "person",
            "user",
            "Join",
            90,
            [
                m(
                    "usageLocation",
                    expr="IIF(IsNullOrEmpty([c]), IIF([domainFQDN] = "
                    '"emea.fabrikam.com", "GB", "US"), UCase([c]))',
                ),
            ],
            [],
            [[s("sourceObjectType", "EQUAL", "User"), s("cloudMastered", "NOTEQUAL", "True")]],
            description="Default usageLocation for licensing from the country code.",
            version=3,
        ),
    ]


def staging_only_rule() -> Rule:
    return Rule(
        E,
        "In from AD - Contact Company Default",
        "",
        "Inbound",
        "contact",
        "person",
        "Join",
        45,
        [
            m("company", expr='IIF(IsNullOrEmpty([company]),"Fabrikam EMEA",[company])'),
        ],
        [],
        [[s("mail", "ISNOTNULL")]],
        description="Partner contacts without a company get Fabrikam EMEA.",
        version=1,
    )


def primary_rules() -> list[Rule]:
    rules = custom_rules()
    rules += ad_rules(F, 100)  # 100-107
    rules += ad_rules(E, 108)  # 108-115
    rules += aad_rules(A)  # 116-126
    rules += ad_outbound_rules(F, 127)  # 127-129
    rules += ad_outbound_rules(E, 130)  # 130-132
    rules += [
        computer_join(F, 133),
        device_join(A, 134),
        computer_join(E, 135),
        immutable_id(F, 136),
        immutable_id(E, 137),
    ]
    return rules


CUSTOM_DEPT = (F, "In from AD - User Department Fixup")
CUSTOM_SCOPE = (F, "In from AD - User Contractor Filter")
CUSTOM_JOIN = (E, "In from AD - EMEA User Join on EmployeeID")
PRIMARY_ONLY = (F, "In from AD - Group Naming Prefix")
STAGING_ONLY = (E, "In from AD - Contact Company Default")
DISABLED_OOB = (A, "Out to AAD - User ExchangeOnline")
SWAP_PAIR = (
    (F, "In from AD - User Extension Attributes"),
    (F, "In from AD - User Job Title Override"),
)
DESC_RULE = (A, "Out to AAD - User UsageLocation")
MERGE_RULE = (A, "In from AAD - User Exchange Hybrid")
NAME_CASE_RULE = (F, "In from AD - User Common")
UTF16_RULES = [(A, "Out to AAD - User Identity"), (E, "In from AD - Group Common")]
REFLOW_RULES = [
    ((F, "In from AD - User Join"), "cloudFiltered"),
    ((F, "In from AD - User AccountEnabled"), "userPrincipalName"),
]
SCOPE_SHUFFLE_RULES = [(A, "Out to AAD - Group Join"), (E, "In from AD - User Join")]
MAPPING_SHUFFLE_RULE = (E, "In from AD - User Common")
STAGING_VERSION_BUMPS = {(F, "In from AD - User Common"): 2, (A, "Out to AAD - User Join"): 2}

DESC_STAGING = (
    "Default usageLocation for licensing from the country code (CHG0048812, GB for EMEA)."
)
EXPR_DEPT_FIXUP_STAGING = EXPR_DEPT_FIXUP.replace("extensionAttribute4", "extensionAttribute5")

CONNECTOR_NAME = {F: AD_FORESTS[F]["name"], E: AD_FORESTS[E]["name"], A: AAD_NAME}
STAGING_AAD_NAME = f"F{TENANT[1:]} - AAD"  # 'Fabrikam.onmicrosoft.com - AAD': case-only noise


def rule_by(rules: list[Rule], key: tuple[str, str]) -> Rule:
    for r in rules:
        if (r.conn, r.name) == key:
            return r
    raise KeyError(key)


def staging_rules(drift: bool = True) -> list[Rule]:
    """The staging rule set: primary + drift, renumbered precedence (noise) and the swap.

    ``drift=False``: the staging twin, with the same noise and none of the drift.
    """
    rules = copy.deepcopy(primary_rules())
    if drift:
        _plant_rule_drift(rules)
    # noise: version counters, name case
    for r in rules:
        if not r.tag:
            r.version = 1  # custom rules were re-created on FAB-SYNC02 (noise)
    if drift:
        for key in (CUSTOM_DEPT, CUSTOM_SCOPE, CUSTOM_JOIN, DESC_RULE):
            rule_by(rules, key).version = 2
    for key, version in STAGING_VERSION_BUMPS.items():
        rule_by(rules, key).version = version
    rule_by(rules, NAME_CASE_RULE).name = "In From AD - User Common"

    # noise: every precedence renumbered, relative order kept; then drift 6: one pair swapped.
    for r in rules:
        r.precedence = staging_precedence(r.precedence)
    if drift:
        a, b = rule_by(rules, SWAP_PAIR[0]), rule_by(rules, SWAP_PAIR[1])
        a.precedence, b.precedence = b.precedence, a.precedence
    precs = [r.precedence for r in rules]
    assert len(set(precs)) == len(precs), "duplicate precedence on staging"
    return rules


def staging_precedence(p: int) -> int:
    """The staging server's precedence for the primary's ``p``: renumbered, order kept."""
    if p < 100:
        return p + 1  # custom rules: 40->41, 45 (staging-only) stays 46 below, ...
    if p <= 126:
        return p + 1  # 100-126 -> 101-127
    return p + 2  # 127-137 -> 129-139 (an extra gap at 128)


def _plant_rule_drift(rules: list[Rule]) -> None:
    """Drift items 1-5, 13 and 16 (in place)."""
    # drift 4: one custom rule only on primary, one only on staging
    rules[:] = [r for r in rules if (r.conn, r.name) != PRIMARY_ONLY]
    rules.append(staging_only_rule())
    # drift 1: department flow expression changed (a different source attribute)
    dept = rule_by(rules, CUSTOM_DEPT)
    dept.mappings[0] = m("department", expr=EXPR_DEPT_FIXUP_STAGING)
    # drift 2: a scoping clause value changed
    scope_rule = rule_by(rules, CUSTOM_SCOPE)
    scope_rule.scopes[0][0] = s("employeeType", "EQUAL", "Contractors")
    # drift 3: join groups in swapped order
    join_rule = rule_by(rules, CUSTOM_JOIN)
    join_rule.joins = [join_rule.joins[1], join_rule.joins[0]]
    # drift 5: an out-of-box rule disabled on staging
    rule_by(rules, DISABLED_OOB).disabled = True
    # drift 13: description changed
    rule_by(rules, DESC_RULE).description = DESC_STAGING
    # drift 16: a flow's valueMergeType changed
    for mp in rule_by(rules, MERGE_RULE).mappings:
        if mp.dest == "proxyAddresses":
            mp.merge = "Update"


# Drift items: (n, section, object, connector-of-object, what, path, primary, staging, level)
DRIFT: list[dict[str, Any]] = [
    {
        "id": 1,
        "section": "sync-rule",
        "object": CUSTOM_DEPT[1],
        "connector": "fabrikam.com",
        "what": "attribute flow expression changed (source attribute extensionAttribute4 -> "
        "extensionAttribute5; the flow's src list changes with it)",
        "path": "attribute-mappings/mapping[dest=department]/expression (and src)",
        "primary": '...IsPresent([extensionAttribute4]), "Dept-" & [extensionAttribute4]...',
        "staging": '...IsPresent([extensionAttribute5]), "Dept-" & [extensionAttribute5]...',
        "level": "change",
    },
    {
        "id": 2,
        "section": "sync-rule",
        "object": CUSTOM_SCOPE[1],
        "connector": "fabrikam.com",
        "what": "scoping filter clause value changed in scoping group 1",
        "path": "synchronizationCriteria/conditions[1]/scope[csAttribute=employeeType]/csValue",
        "primary": "employeeType EQUAL Contractor",
        "staging": "employeeType EQUAL Contractors",
        "level": "change",
    },
    {
        "id": 3,
        "section": "sync-rule",
        "object": CUSTOM_JOIN[1],
        "connector": "emea.fabrikam.com",
        "what": "join groups in swapped order (order matters: the first group that finds exactly "
        "one match wins)",
        "path": "relationshipCriteria/conditions (order)",
        "primary": "1: employeeID=employeeID, 2: mail=mail",
        "staging": "1: mail=mail, 2: employeeID=employeeID",
        "level": "change",
    },
    {
        "id": "4a",
        "section": "sync-rule",
        "object": PRIMARY_ONLY[1],
        "connector": "fabrikam.com",
        "what": "custom rule present only on primary",
        "path": "(whole rule)",
        "primary": "present (precedence 70)",
        "staging": "missing",
        "level": "change",
    },
    {
        "id": "4b",
        "section": "sync-rule",
        "object": STAGING_ONLY[1],
        "connector": "emea.fabrikam.com",
        "what": "custom rule present only on staging",
        "path": "(whole rule)",
        "primary": "missing",
        "staging": "present (precedence 46)",
        "level": "change",
    },
    {
        "id": 5,
        "section": "sync-rule",
        "object": DISABLED_OOB[1],
        "connector": AAD_NAME,
        "what": "out-of-box rule disabled on staging",
        "path": "disabled",
        "primary": "False",
        "staging": "True",
        "level": "change",
    },
    {
        "id": 6,
        "section": "sync-rule",
        "object": f"{SWAP_PAIR[0][1]} / {SWAP_PAIR[1][1]}",
        "objects": [SWAP_PAIR[0][1], SWAP_PAIR[1][1]],
        "connector": "fabrikam.com",
        "what": "relative precedence order of two custom inbound rules (both user -> person) "
        "swapped",
        "path": "precedence (relative order)",
        "primary": "Extension Attributes 60 before Job Title Override 65",
        "staging": "Job Title Override 61 before Extension Attributes 66",
        "level": "change",
    },
    {
        "id": 7,
        "section": "connector",
        "object": "fabrikam.com",
        "connector": "fabrikam.com",
        "what": "OU filtering: one inclusion missing and one extra exclusion on staging",
        "path": "ma-partition-data/partition[DC=fabrikam,DC=com]/filter/containers",
        "primary": "inclusion OU=Sales,OU=Fabrikam,DC=fabrikam,DC=com present",
        "staging": "that inclusion missing; extra exclusion "
        "OU=Contractors,OU=Users,OU=Fabrikam,DC=fabrikam,DC=com",
        "level": "change",
    },
    {
        "id": 8,
        "section": "connector",
        "object": "fabrikam.com",
        "connector": "fabrikam.com",
        "what": "attribute inclusion: one attribute missing on staging",
        "path": "attribute-inclusion/attribute",
        "primary": "thumbnailPhoto included",
        "staging": "thumbnailPhoto missing",
        "level": "change",
    },
    {
        "id": 9,
        "section": "connector",
        "object": "emea.fabrikam.com",
        "connector": "emea.fabrikam.com",
        "what": "partition object-class filter: contact missing on staging",
        "path": "ma-partition-data/partition[DC=emea,DC=fabrikam,DC=com]/filter/object-classes",
        "primary": "contact selected",
        "staging": "contact not selected",
        "level": "change",
    },
    {
        "id": 10,
        "section": "global-settings",
        "object": "Microsoft.OptionalFeature.ExportDeletionThresholdValue",
        "connector": "",
        "what": "delete threshold value differs",
        "path": "mv-data/parameter-values/parameter[@name]",
        "primary": "500",
        "staging": "1000",
        "level": "change",
    },
    {
        "id": 11,
        "section": "connector",
        "object": "emea.fabrikam.com",
        "connector": "emea.fabrikam.com",
        "what": "password hash sync disabled on staging",
        "path": "private-configuration/adma-configuration/password-hash-sync-config/enabled",
        "primary": "1",
        "staging": "0",
        "level": "change",
    },
    {
        "id": 12,
        "section": "connector",
        "object": "fabrikam.com",
        "connector": "fabrikam.com",
        "what": "run profile step page size differs (operational)",
        "path": "ma-run-data/run-configuration[name=Delta Import]/configuration/step/"
        "custom-data/adma-step-data/page-size",
        "primary": "500",
        "staging": "1000",
        "level": "info",
    },
    {
        "id": 13,
        "section": "sync-rule",
        "object": DESC_RULE[1],
        "connector": AAD_NAME,
        "what": "rule description changed (documentation only)",
        "path": "description",
        "primary": "Default usageLocation for licensing from the country code.",
        "staging": DESC_STAGING,
        "level": "info",
    },
    {
        "id": "14a",
        "section": "global-settings",
        "object": "Microsoft.Synchronize.ServerConfigurationVersion",
        "connector": "",
        "what": "product version skew (staging upgraded first)",
        "path": "mv-data/parameter-values/parameter[@name]",
        "primary": "2.4.18.0",
        "staging": "2.4.27.0",
        "level": "version",
    },
    {
        "id": "14b",
        "section": "connector",
        "object": AAD_NAME,
        "connector": AAD_NAME,
        "what": "AAD connector assembly version skew (same upgrade)",
        "path": "private-configuration/MAConfig/extension-config/assembly-version",
        "primary": "2.4.18.0",
        "staging": "2.4.27.0",
        "level": "version",
    },
    {
        "id": 15,
        "section": "metaverse",
        "object": "person",
        "connector": "",
        "what": "extra optional attribute costCenter on object type person on staging, with its "
        "attribute-type definition (string, single-valued, indexable)",
        "path": "mv-data/schema/dsml/directory-schema/class[person]/attribute[#costCenter] and "
        "attribute-type[costCenter]",
        "primary": "absent",
        "staging": "present",
        "level": "change",
    },
    {
        "id": 16,
        "section": "sync-rule",
        "object": MERGE_RULE[1],
        "connector": AAD_NAME,
        "what": "attribute flow merge type changed",
        "path": "attribute-mappings/mapping[dest=proxyAddresses]/valueMergeType",
        "primary": "MergeCaseInsensitive",
        "staging": "Update",
        "level": "change",
    },
    {
        "id": 17,
        "section": "connector",
        "object": "emea.fabrikam.com",
        "connector": "emea.fabrikam.com",
        "what": "connector schema not refreshed on staging after an Exchange update extended the "
        "forest's schema: attribute msExchExtensionCustomAttribute1 and its place on class "
        "msExchCustomAttributes missing",
        "path": "schema/dsml/directory-schema/attribute-type[msExchExtensionCustomAttribute1] "
        "and class[msExchCustomAttributes]/attribute",
        "primary": "present",
        "staging": "absent",
        "level": "change",
    },
]

AAD = AAD_NAME
#: Each drift item's findings in driftcheck's terms: (section, object, connector, path, change,
#: severity under the built-in policy). samples/expected-drift.json lists them for the tests.
FINDINGS: dict[str, list[tuple[str, str, str | None, str, str, str]]] = {
    "1": [
        ("sync-rule", CUSTOM_DEPT[1], "fabrikam.com", "attribute-flows/department/expression", "modified", "blocking"),
        ("sync-rule", CUSTOM_DEPT[1], "fabrikam.com", "attribute-flows/department/inputs", "removed", "blocking"),
        ("sync-rule", CUSTOM_DEPT[1], "fabrikam.com", "attribute-flows/department/inputs", "added", "blocking"),
    ],
    "2": [
        ("sync-rule", CUSTOM_SCOPE[1], "fabrikam.com", "scoping-groups", "removed", "blocking"),
        ("sync-rule", CUSTOM_SCOPE[1], "fabrikam.com", "scoping-groups", "added", "blocking"),
    ],
    "3": [("sync-rule", CUSTOM_JOIN[1], "emea.fabrikam.com", "join-groups", "modified", "blocking")],
    "4a": [("sync-rule", PRIMARY_ONLY[1], "fabrikam.com", "", "removed", "blocking")],
    "4b": [("sync-rule", STAGING_ONLY[1], "emea.fabrikam.com", "", "added", "blocking")],
    "5": [("sync-rule", DISABLED_OOB[1], AAD, "disabled", "modified", "blocking")],
    "6": [("sync-rule", SWAP_PAIR[0][1], "fabrikam.com", "precedence/order", "modified", "blocking")],
    "7": [
        ("connector", "fabrikam.com", "fabrikam.com", "partitions/DC=fabrikam,DC=com/containers/inclusions", "removed", "blocking"),
        ("connector", "fabrikam.com", "fabrikam.com", "partitions/DC=fabrikam,DC=com/containers/exclusions", "added", "blocking"),
    ],
    "8": [("connector", "fabrikam.com", "fabrikam.com", "attribute-inclusion", "removed", "blocking")],
    "9": [
        ("connector", "emea.fabrikam.com", "emea.fabrikam.com", "partitions/DC=emea,DC=fabrikam,DC=com/object-classes", "removed", "blocking"),
    ],
    "10": [("global-settings", "Microsoft.OptionalFeature.ExportDeletionThresholdValue", None, "value", "modified", "blocking")],
    "11": [("connector", "emea.fabrikam.com", "emea.fabrikam.com", "password-hash-sync/enabled", "modified", "blocking")],
    "12": [
        ("connector", "fabrikam.com", "fabrikam.com", "run-profiles/Delta Import/step 1/custom-data/adma-step-data/page-size", "modified", "info"),
    ],
    "13": [("sync-rule", DESC_RULE[1], AAD, "description", "modified", "info")],
    "14a": [("global-settings", "Microsoft.Synchronize.ServerConfigurationVersion", None, "value", "modified", "warning")],
    "14b": [("connector", AAD, AAD, "configuration/extension-config/assembly-version", "modified", "warning")],
    "15": [
        ("metaverse", "(attribute definitions)", None, "costCenter", "added", "blocking"),
        ("metaverse", "person", None, "attributes/costCenter", "added", "blocking"),
    ],
    "16": [("sync-rule", MERGE_RULE[1], AAD, "attribute-flows/proxyAddresses/merge-type", "modified", "blocking")],
    "17": [
        ("connector", "emea.fabrikam.com", "emea.fabrikam.com", "schema/attributes/msExchExtensionCustomAttribute1", "removed", "warning"),
        ("connector", "emea.fabrikam.com", "emea.fabrikam.com", "schema/object-classes/msExchCustomAttributes/attributes", "removed", "warning"),
    ],
}  # fmt: skip


def expected_findings() -> list[Finding]:
    """Every finding the samples must produce, in DRIFT's order."""
    return [
        Finding(section, obj, conn, path, change, severity, item=str(d["id"]))
        for d in DRIFT
        for section, obj, conn, path, change, severity in FINDINGS[str(d["id"])]
    ]


NOISE: list[dict[str, str]] = [
    {
        "what": "Fresh GUIDs everywhere, consistently re-pointed",
        "where": "file names, ma-data/id, partition ids and run-step <partition> refs, "
        "run-configuration ids, rule id/internal-id, rule <connector>, "
        "password-hash-sync-config/target",
    },
    {
        "what": "AD domain GUIDs are the SAME on both sides (not server-local)",
        "where": "adma-partition-data/guid and partition parameter guid",
    },
    {
        "what": "Timestamps and counters",
        "where": "creation-time, last-modification-time, ma-data version, partition version, "
        "run-configuration version, rule <version> of 'In from AD - User Common' "
        "(fabrikam.com), 'Out to AAD - User Join' and the custom rules, MV <version>, "
        "MV server/export-date, aad-password-reset-config/modified-timestamp",
    },
    {
        "what": "Runtime state",
        "where": "DirSync cookie (element and parameter), last-dc "
        "(element and parameter), AAD partition water-mark",
    },
    {
        "what": "Per-server identities",
        "where": "forest-login-user MSOL_ + 12 hex digits (element and "
        "parameter) on both AD connectors; AAD UserName "
        "Sync_FAB-SYNC02_ + 12 hex digits @fabrikam.onmicrosoft.com",
    },
    {
        "what": "Staging flag and schedule",
        "where": "Microsoft.Synchronize.StagingMode False/True; "
        "Microsoft.Synchronize.NextStartTime",
    },
    {
        "what": "Every precedence value renumbered, relative order kept",
        "where": "custom rules +1 (40->41 ...), out-of-box 100-126 -> 101-127, 127-137 -> 129-139 "
        "(extra gap at 128); only drift item 6 changes an order",
    },
    {
        "what": "UTF-16LE with BOM and CRLF line ends",
        "where": "rule files 'Out to AAD - User Identity' and 'In from AD - Group Common' "
        "(emea.fabrikam.com)",
    },
    {"what": "CRLF line ends", "where": "the AAD connector file"},
    {
        "what": "MV.xml rewritten by an XML tool: ns0:/ns1: prefixes for the DSML namespaces, "
        "declared on the root; root attributes double-quoted; no trailing newline",
        "where": "GlobalSettings/MV.xml",
    },
    {
        "what": "GUI-style wrapper <saved-ma-configuration server='FAB-SYNC02' export-date=...> "
        "(with the WARNING comment) around ma-data",
        "where": "emea.fabrikam.com connector file",
    },
    {
        "what": "Different synthetic DSML ids (A../C..) and attribute-type emission order",
        "where": "both AD connectors' schema (same names, same content)",
    },
    {
        "what": "Order shuffled where order has no meaning",
        "where": "fabrikam.com attribute-inclusion; object-classes of both AD partitions; "
        "fabrikam.com OU inclusion list; adma-configuration parameter-values of "
        "fabrikam.com; MV parameter-values; scoping groups and the scope clauses inside "
        "them in 'Out to AAD - Group Join'; scope clauses in 'In from AD - User Join' "
        "(emea.fabrikam.com); mapping order in 'In from AD - User Common' "
        "(emea.fabrikam.com)",
    },
    {
        "what": "Whitespace re-spaced outside string literals in expressions",
        "where": "'In from AD - User Join' (fabrikam.com) cloudFiltered; 'In from AD - User "
        "AccountEnabled' (fabrikam.com) userPrincipalName",
    },
    {
        "what": "Letter case only",
        "where": "rule name 'In From AD - User Common' "
        "(fabrikam.com) on staging; AAD connector name "
        "'Fabrikam.onmicrosoft.com - AAD' on staging",
    },
    {
        "what": "Parameter declarations of the upgraded version (data type; values unchanged)",
        "where": '`Forest.LDAP` of both AD connectors declared `dataType="Dn"` on staging '
        "(hidden by `parameter-declaration`)",
    },
]


def partition_created(side: Side, key: str) -> str:
    """Partitions are discovered a moment after their connector is created."""
    base = side.created[key]
    ms = int(base[-3:]) + (2 if key == A else 1437)
    secs = int(base[17:19]) + ms // 1000
    return f"{base[:17]}{secs:02d}.{ms % 1000:03d}"


def dirsync_cookie(rng: random.Random) -> str:
    raw = b"MSDS\x03\x00\x00\x00" + bytes(rng.getrandbits(8) for _ in range(172))
    return base64.b64encode(raw).decode("ascii")


def water_mark(rng: random.Random) -> str:
    inner = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(420))).decode("ascii")
    return base64.b64encode(inner.encode("utf-16-le") + b"\x00\x00").decode("ascii")


@dataclass
class Ids:
    """Every server-local GUID of one side, drawn in a fixed order."""

    connector: dict[str, str]
    partition: dict[str, str]
    run: dict[tuple[str, str], str]
    rule: dict[str, str]
    msol: dict[str, str]
    sync_account: str
    cookie: dict[str, str]
    water_mark: str


def make_ids(side: Side, rules: list[Rule]) -> Ids:
    rng = side.rng
    connector = {k: new_guid(rng) for k in (F, E, A)}
    partition = {k: new_guid(rng) for k in (F, E, A)}
    run = {(k, p): new_guid(rng) for k in (F, E, A) for p in RUN_PROFILES}
    msol = {F: "MSOL_" + hex12(rng), E: "MSOL_" + hex12(rng)}
    sync_account = f"Sync_{side.server}_{hex12(rng)}@{TENANT}"
    cookie = {F: dirsync_cookie(rng), E: dirsync_cookie(rng)}
    wm = water_mark(rng)
    # Rule GUIDs keyed by the *primary* spelling so both sides draw them in the same order.
    keys = [r.key for r in primary_rules()] + [f"{STAGING_ONLY[0]}:{STAGING_ONLY[1]}"]
    rule = {k: new_guid(rng) for k in keys}
    return Ids(connector, partition, run, rule, msol, sync_account, cookie, wm)


def rule_guid(ids: Ids, rule: Rule) -> str:
    if rule.key in ids.rule:
        return ids.rule[rule.key]
    if rule.name == "In From AD - User Common":
        return ids.rule[f"{rule.conn}:In from AD - User Common"]
    raise KeyError(rule.key)


#: Drift: the Exchange CU extended the EMEA forest's schema and primary's connector schema was
#: refreshed afterwards, staging's was not: (connector key, attribute missing on staging).
STALE_SCHEMA = (E, "msExchExtensionCustomAttribute1")
OU_REMOVED = "OU=Sales,OU=Fabrikam,DC=fabrikam,DC=com"
OU_EXCLUDED = "OU=Contractors,OU=Users,OU=Fabrikam,DC=fabrikam,DC=com"
UTF16_STYLE = FileStyle(crlf=True, utf16=True)


def _ad_connector(key: str, side: Side, ids: Ids, drift: bool) -> AdConnector:
    forest = AD_FORESTS[key]
    fqdn, dn, netbios = forest["name"], forest["dn"], forest["netbios"]
    st = side.is_staging
    rng = random.Random(f"{SEED}/ad-order/{side.name}/{key}")
    params = ad_parameters(fqdn, dn, netbios, ids.msol[key])
    if key == F and st:
        params = shuffled(params, rng)  # noise
    inclusion = list(AD_INCLUSION)
    if key == F and st:
        if drift:
            inclusion.remove("thumbnailPhoto")  # drift 8
        inclusion = shuffled(inclusion, rng)  # noise
    object_classes = list(AD_OBJECT_CLASSES)
    if key == E and st and drift:
        object_classes.remove("contact")  # drift 9
    if st:
        object_classes = shuffled(object_classes, rng)  # noise
    excl = list(OU_FILTER[key]["exclusions"])
    incl = list(OU_FILTER[key]["inclusions"])
    if key == F and st:
        if drift:
            incl.remove(OU_REMOVED)  # drift 7
            excl.append(OU_EXCLUDED)  # drift 7
        incl = shuffled(incl, rng)  # noise
    missing = STALE_SCHEMA[1] if st and drift and key == STALE_SCHEMA[0] else None
    schema = build_ad_schema(
        random.Random(f"{SEED}/dsml/{side.name}/{key}"),
        [a for a in AD_ATTRIBUTES if a[0] != missing],
        [
            (name, sup, ctype, [mb for mb in members if mb[0] != missing])
            for name, sup, ctype, members in AD_CLASSES
        ],
    )
    version, internal = side.connector_versions[key]
    partition = AdPartition(
        guid=ids.partition[key],
        dn=dn,
        fqdn=fqdn,
        netbios=netbios,
        domain_guid=DOMAIN_GUID[key],
        created=partition_created(side, key),
        modified=side.modified,
        version=side.partition_versions[key],
        object_classes=object_classes,
        exclusions=excl,
        inclusions=incl,
        last_dc=side.last_dc[key],
        cookie=ids.cookie[key],
    )
    return AdConnector(
        key=key,
        guid=ids.connector[key],
        name=fqdn,
        dn=dn,
        netbios=netbios,
        created=side.created[key],
        modified=side.modified,
        version=version,
        internal_version=internal,
        msol=ids.msol[key],
        password_hash_sync=not (key == E and st and drift),  # drift 11
        aad_guid=ids.connector[A],
        parameters=params,
        inclusion=inclusion,
        schema=schema,
        partitions=[partition],
        run_ids={p: ids.run[(key, p)] for p in RUN_PROFILES},
        run_version=side.run_versions[key],
        page_sizes={"Delta Import": 1000} if key == F and st and drift else {},  # drift 12
        # noise: the GUI-style wrapper around one staging connector
        style=FileStyle(gui_wrapper=(side.server, side.ma_export_date))
        if key == E and st
        else FileStyle(),
    )


def _gui_wrapped(side: Side) -> FileStyle:
    """Noise: one staging connector exported from the Synchronization Service Manager."""
    return FileStyle(gui_wrapper=(side.server, side.ma_export_date))


def aad_schema(rules: list[Rule]) -> tuple[dict[str, list[str]], dict[str, tuple[str, bool]]]:
    """The AAD connector's classes and attribute types for the rules of connector A."""
    members = aad_class_members(rules, A)
    classes = {cls: members[cls] for cls in ("contact", "device", "group", "user")}
    used = {"cloudAnchor"} | {a for v in classes.values() for a in v}
    for a in used:
        if a not in AAD_TYPES:
            raise KeyError(f"AAD attribute {a} has no type")
    return classes, {a: AAD_TYPES[a] for a in ci_sorted(list(used))}


def _aad_connector(side: Side, ids: Ids, version: str) -> AadConnector:
    classes, types = aad_schema(primary_rules())
    conn_version, internal = side.connector_versions[A]
    return AadConnector(
        key=A,
        guid=ids.connector[A],
        name=STAGING_AAD_NAME if side.is_staging else AAD_NAME,
        tenant=TENANT,
        created=side.created[A],
        modified=side.modified,
        version=conn_version,
        internal_version=internal,
        classes=classes,
        attribute_types=types,
        assembly_version=version,
        user_name=ids.sync_account,
        pwreset_modified=side.pwreset_modified,
        partition_guid=ids.partition[A],
        partition_created=partition_created(side, A),
        partition_modified=side.modified,
        partition_version=side.partition_versions[A],
        water_mark=ids.water_mark,
        run_ids={p: ids.run[(A, p)] for p in RUN_PROFILES},
        run_version=side.run_versions[A],
        style=FileStyle(crlf=side.is_staging),  # noise: CRLF on staging
    )


def metaverse_schema(
    rules: list[Rule], extra_person: tuple[str, ...] = ()
) -> tuple[dict[str, list[str]], dict[str, tuple[str, bool, bool]]]:
    """The metaverse classes and attribute types for ``rules`` (plus extra person members)."""
    members = mv_members(rules)
    members["person"] = ci_sorted(members["person"] + list(extra_person))
    classes = {cls: members[cls] for cls in ("person", "group", "device")}
    used = {a for v in classes.values() for a in v}
    for a in used:
        if a not in MV_TYPES:
            raise KeyError(f"MV attribute {a} has no type")
    return classes, {a: MV_TYPES[a] for a in ci_sorted(list(used))}


def _metaverse(side: Side, rules: list[Rule], version: str, drift: bool) -> Metaverse:
    st = side.is_staging
    classes, types = metaverse_schema(rules, ("costCenter",) if st and drift else ())  # drift 15
    params = global_parameters(
        version=version,
        staging=st,
        next_start=side.next_start,
        threshold_value="1000" if st and drift else "500",  # drift 10
    )
    if st:
        params = shuffled(params, random.Random(SEED + "/mv-params"))  # noise
    return Metaverse(
        server=side.server,
        export_date=side.export_date,
        version=side.mv_version,
        classes=classes,
        attribute_types=types,
        parameters=params,
        style=FileStyle(ns_prefixes=st),  # noise: ns0:/ns1:
    )


def _staging_rule_noise(rule: Rule) -> None:
    """Order shuffles, re-spaced expressions and UTF-16 files of the staging rules (noise)."""
    if (rule.conn, rule.name.lower()) == (MAPPING_SHUFFLE_RULE[0], MAPPING_SHUFFLE_RULE[1].lower()):
        rule.mappings = shuffled(rule.mappings, random.Random(SEED + "/mapping-order"))
    for mp in rule.mappings:
        if mp.expr is not None and any(
            (rule.conn, rule.name) == k and mp.dest == d for k, d in REFLOW_RULES
        ):
            mp.expr = reflow_expression(mp.expr)
    if (rule.conn, rule.name) in SCOPE_SHUFFLE_RULES:
        srng = random.Random(SEED + "/scope-order/" + rule.key)
        scopes = [shuffled(g, srng) for g in rule.scopes]
        if len(scopes) > 1:
            scopes = shuffled(scopes, srng)
        rule.scopes = scopes
    if any((rule.conn, rule.name) == k for k in UTF16_RULES):
        rule.style = UTF16_STYLE


def build_export(name: str, *, drift: bool = True, version: str | None = None) -> Export:
    """The model of one side: ``"primary"`` or ``"staging"`` (with drift, or the twin).

    ``version`` overrides the product version (ServerConfigurationVersion and the AAD
    connector's assembly-version), e.g. for the twin of an upgraded server.
    """
    side = make_side(name)
    if version is None:
        version = STAGING_VERSION if side.is_staging and drift else PRIMARY_VERSION
    rules = staging_rules(drift) if side.is_staging else primary_rules()
    check_rules(rules, A)
    ids = make_ids(side, rules)
    for rule in rules:
        rule.guid = rule_guid(ids, rule)
        if side.is_staging:
            _staging_rule_noise(rule)
    export = Export(
        ad=[_ad_connector(key, side, ids, drift) for key in (F, E)],
        aad=_aad_connector(side, ids, version),
        mv=_metaverse(side, rules, version, drift),
        rules=rules,
    )
    if version != PRIMARY_VERSION:
        noise.parameter_declaration(export)  # the other version's declarations
    return export


def write_samples(root: Path) -> tuple[Export, Export]:
    """Write ``root/primary`` and ``root/staging``; return their models."""
    primary = build_export(PRIMARY)
    staging = build_export(STAGING)
    for export, name in ((primary, PRIMARY), (staging, STAGING)):
        out = root / name
        if out.exists():
            shutil.rmtree(out)
        write_export(out, export)
    return primary, staging


# --------------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------------


def rule_table(rules: list[Rule]) -> list[str]:
    rows = ["| Precedence | Rule | Connector | Direction | Kind |", "|---:|---|---|---|---|"]
    for r in sorted(rules, key=lambda x: x.precedence):
        kind = "custom" if not r.tag else "out-of-box"
        rows.append(
            f"| {r.precedence} | {r.name} | {CONNECTOR_NAME[r.conn]} | {r.direction} | {kind} |"
        )
    return rows


def md_cell(text: str) -> str:
    """A Markdown table cell: escape pipes, show <element> names as code."""
    text = text.replace("|", "\\|")
    return re.sub(r"(?<!`)(<[A-Za-z][^<>]*>)(?!`)", r"`\1`", text)


def readme_lines(p_rules: list[Rule], s_rules: list[Rule]) -> list[str]:
    """samples/README.md's Fabrikam part, from the scenario tables."""
    lines = [
        "# driftcheck sample exports: Fabrikam primary / staging",
        "",
        "Generated by `tools/build_samples.py` with the export kit `tools/exportkit/` "
        "(deterministic; re-run it instead of editing these files by hand; "
        "`python tools/build_samples.py --check` confirms they are what the kit writes). "
        "The data is fictional.",
        "",
        "- `primary/`: `Get-ADSyncServerConfiguration` export of **FAB-SYNC01**, the active "
        "Entra Connect 2.4.18.0 server (staging mode off).",
        "- `staging/`: export of **FAB-SYNC02**, its staging-mode server, already upgraded to "
        "2.4.27.0, taken 23 minutes later.",
        "",
        "Each folder is a complete export: `Connectors/` (3 connector files), "
        "`GlobalSettings/MV.xml` (metaverse schema + global settings) and "
        f"`SynchronizationRules/` ({len(p_rules)} rules on primary, {len(s_rules)} on "
        "staging).",
        "",
        "## Scenario",
        "",
        "Fabrikam synchronises two AD forests to one tenant:",
        "",
        "| Connector | Type (category) | Partition | Notes |",
        "|---|---|---|---|",
        "| `fabrikam.com` | Active Directory (`AD`) | `DC=fabrikam,DC=com` | OU filtering, "
        "PHS on |",
        "| `emea.fabrikam.com` | Active Directory (`AD`) | `DC=emea,DC=fabrikam,DC=com` | PHS on "
        "(primary) |",
        f"| `{AAD_NAME}` | Entra ID (`Extensible2`) | `default` | password writeback on |",
        "",
        "Source anchor `mS-DS-ConsistencyGuid`, sign-in by password hash sync, delete "
        "threshold on. Rules: out-of-box style rules for both forests and the tenant "
        "(precedence 100+ interleaving across connectors, immutable-tag "
        "`Microsoft.<Name>.<NNN>`) and Fabrikam's custom rules (empty immutable-tag, "
        "precedence below 100). Out-of-box rule names repeat per forest (for example "
        "`In from AD - User Join` exists for both AD connectors), so a rule is identified by "
        "connector + name.",
        "",
        "### Primary rules",
        "",
        *rule_table(p_rules),
        "",
        "## Drift a correct tool MUST report",
        "",
        "Object names use the primary spelling. `level`: `change` = configuration drift, "
        "`info` = operational/documentation difference (report at info level), `version` = "
        "product version skew (report it; expected during a staged upgrade).",
        "",
        "Because the two servers run different builds, `driftcheck compare samples/primary "
        "samples/staging` (and `make demo`) runs in upgrade mode by itself: the version skew "
        "(14a, 14b) is reported as `info` under `upgrade-version`, the rest as listed. "
        "`expected-drift.json` gives the severities of an equal-version comparison "
        "(`--no-upgrade-mode`), which is how the tests read it.",
        "",
        "| # | Section | Object | Connector | What | Path | Primary | Staging | Level |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in DRIFT:
        cells = [
            str(d["id"]),
            d["section"],
            f"`{d['object']}`",
            f"`{d['connector']}`" if d["connector"] else "",
            d["what"],
            f"`{d['path']}`",
            d["primary"],
            d["staging"],
            d["level"],
        ]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines += [
        "",
        "Notes: item 6 is one finding about the pair (either rule may carry it); every other "
        "precedence difference is noise. Item 1's `department` mapping is the only change in "
        "that rule. Item 7's connector-level finding may be reported as two (one removed "
        "inclusion, one added exclusion).",
        "",
        "Where drift and noise meet on the same object (the tool must report only the drift):",
        "",
        "- items 7 and 8: the `fabrikam.com` inclusion list and attribute-inclusion list are "
        "also shuffled on staging, and that connector's parameter-values are reordered;",
        "- item 9: the `emea.fabrikam.com` object-class list is also shuffled, and that "
        "connector file is wrapped in `saved-ma-configuration`;",
        "- items 5, 13, 14b, 16: the AAD connector is spelled `Fabrikam.onmicrosoft.com - AAD` "
        "on staging and its file has CRLF line ends;",
        "- items 10, 14a, 15: MV.xml on staging uses `ns0:`/`ns1:` prefixes and its "
        "parameter-values are reordered;",
        "- items 1, 2, 3, 6, 13: the custom rules have different `version` counters and "
        "renumbered precedence on staging;",
        "- the out-of-box rule `In from AD - User Join` (fabrikam.com) differs only in "
        "whitespace outside string literals: no finding.",
        "",
        "## Noise a correct tool must NOT report",
        "",
        "| # | Difference | Where |",
        "|---|---|---|",
    ]
    for i, n in enumerate(NOISE, 1):
        lines.append(f"| N{i} | {md_cell(n['what'])} | {md_cell(n['where'])} |")
    lines += [
        "",
        "Anything not listed above is identical on both sides (same forests, domain GUIDs, "
        "OU filters apart from item 7, attribute selection apart from item 8, rule content, "
        "optional features, connector parameters).",
        "",
        "## Format facts these files exercise",
        "",
        "- AD connector: `ma-data` header on separate lines, then schema/configuration/"
        "partitions/run profiles on one long line; DSML in the *default* namespace with "
        '`xmlns:m`, synthetic ids (`A1x`, `C9`), `attribute ref="#A.."`, `m:dit-content-rule`/'
        "`m:aux-class`; encrypted `password` parameter with no value; intrinsic parameters.",
        "- AAD connector: `dsml:`/`ms-dsml:` prefixes, ids equal to names, `parameter` elements "
        "of both shapes, `aad-password-reset-config`, partition `default` with one empty "
        "`<inclusion />`, a `water-mark`, `extensible2-step-data` run steps.",
        "- MV.xml: single-quoted root attributes, the `<!--WARNING> ... </WARNING-->` comment "
        "(staging: rewritten with `ns0:`/`ns1:`).",
        "- Rules: `<src>` with `<attr>` children, constant `<src>True</src>`, expression "
        'mappings without `<src>` (`%Domain.FQDN%`), `mapping execute-once="true"`, '
        "`caseSensitive` join conditions, `<csValue />`, multiple OR scoping groups, XML-escaped "
        "expressions (`&amp;&amp;`, `&gt;`, `&amp;H21C07000`) with literals holding braces and "
        'backslashes (`"SystemMailbox{"`, `"\\\\0ACNF:"`, `"CN={"`), an OU name with `&` '
        "and one with an escaped comma.",
        "- Encodings: ASCII/LF without BOM or declaration, except the staging files listed "
        "under noise (UTF-16LE+BOM+CRLF, CRLF). Parse bytes, not text.",
        "",
        "`expected-drift.json` lists every finding of the table above in driftcheck's own "
        "terms (section, object, connector, path, change, severity; format in "
        "`tools/exportkit/manifest.py`): `tests/test_cli.py` and `tests/test_samples.py` read "
        "it instead of copying it.",
        "",
    ]
    return lines


def samples_manifest(p_rules: list[Rule], s_rules: list[Rule]) -> dict[str, Any]:
    """samples/expected-drift.json."""
    return manifest(
        "fabrikam-samples",
        expected_findings(),
        primary={
            "folder": "primary",
            "server": "FAB-SYNC01",
            "version": PRIMARY_VERSION,
            "rules": len(p_rules),
        },
        staging={
            "folder": "staging",
            "server": "FAB-SYNC02",
            "version": STAGING_VERSION,
            "rules": len(s_rules),
        },
        # the XML-level description of each item; "findings" holds driftcheck's terms
        items=[{("xml_path" if k == "path" else k): v for k, v in d.items()} for d in DRIFT],
        noise=NOISE,
    )


# --------------------------------------------------------------------------------------------
# Verification (lxml)
# --------------------------------------------------------------------------------------------


def verify(root: Path) -> list[str]:
    """Parse every file from bytes and check GUID casing and references on each side.

    Also checks that no server-local GUID is shared between the sides (only the AD domain GUIDs
    and the all-zero GUID may be), and that rule names are unique per connector.
    """
    try:
        # Typed as Any on purpose: this is a check script, not library code.
        etree: Any = importlib.import_module("lxml.etree")
    except ImportError:  # pragma: no cover
        return ["lxml not importable: verification skipped"]
    problems: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    guid_re = re.compile(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
        r"[0-9a-fA-F]{12}"
    )
    side_guids: dict[str, set[str]] = {}
    for side in (PRIMARY, STAGING):
        base = root / side
        guids: set[str] = set()
        conn_ids: dict[str, str] = {}
        aad_id = ""
        for path in sorted((base / "Connectors").glob("*.xml")):
            data = path.read_bytes()
            guids.update(
                g.lower()
                for g in guid_re.findall(
                    data.decode("utf-16" if data.startswith(b"\xff\xfe") else "ascii")
                )
            )
            el = etree.fromstring(data, parser)
            ma = el if el.tag == "ma-data" else el.find("ma-data")
            cid = ma.findtext("id")
            if path.name.lower() != f"connector_{cid.lower()}.xml":
                problems.append(f"{side}: {path.name} does not match ma-data/id {cid}")
            if cid != cid.upper():
                problems.append(f"{side}: ma-data/id not upper case in {path.name}")
            conn_ids[cid.lower()] = ma.findtext("name")
            if ma.findtext("category") == "Extensible2":
                aad_id = cid
            parts = {
                p.findtext("id").lower() for p in ma.iter("partition") if p.find("id") is not None
            }
            for p in ma.iter("partition"):
                pid = p.findtext("id")
                if pid is not None and pid != pid.lower():
                    problems.append(f"{side}: partition id not lower case: {pid}")
            for step in ma.iter("step"):
                ref = step.findtext("partition")
                if ref != ref.upper() or ref.lower() not in parts:
                    problems.append(f"{side}: run step partition {ref} unresolved")
            for rc in ma.iter("run-configuration"):
                rid = rc.findtext("id")
                if rid != rid.lower():
                    problems.append(f"{side}: run-configuration id not lower case: {rid}")
        for path in sorted((base / "Connectors").glob("*.xml")):
            el = etree.fromstring(path.read_bytes(), parser)
            for target in el.iter("target"):
                if target.text != aad_id:
                    problems.append(f"{side}: PHS target {target.text} != AAD id {aad_id}")
        mv = etree.fromstring((base / "GlobalSettings" / "MV.xml").read_bytes(), parser)
        if mv.tag != "saved-mv-configuration":
            problems.append(f"{side}: MV root is {mv.tag}")
        n_params = len(mv.findall("mv-data/parameter-values/parameter"))
        if n_params < 35:
            problems.append(f"{side}: only {n_params} global parameters")
        names: set[tuple[str, str]] = set()
        precs: list[int] = []
        for path in sorted((base / "SynchronizationRules").glob("*.xml")):
            data = path.read_bytes()
            text = data.decode("utf-16" if data.startswith(b"\xff\xfe") else "ascii")
            guids.update(g.lower() for g in guid_re.findall(text))
            el = etree.fromstring(data, parser)
            rid = el.findtext("id")
            if path.name != f"SynchronizationRule_{rid}.xml" or rid != rid.lower():
                problems.append(f"{side}: {path.name} does not match rule id {rid}")
            if el.findtext("internal-id") != rid:
                problems.append(f"{side}: internal-id differs in {path.name}")
            conn = el.findtext("connector")
            if conn != conn.lower() or conn not in conn_ids:
                problems.append(f"{side}: rule {path.name} connector {conn} unresolved")
            key = (conn_ids.get(conn, "?").lower(), el.findtext("name").lower())
            if key in names:
                problems.append(f"{side}: duplicate rule {key}")
            names.add(key)
            precs.append(int(el.findtext("precedence")))
        if len(set(precs)) != len(precs):
            problems.append(f"{side}: duplicate precedence values")
        side_guids[side] = guids
    shared = side_guids[PRIMARY] & side_guids[STAGING]
    allowed = {g.lower() for g in DOMAIN_GUID.values()} | {ZERO_GUID.strip("{}")}
    if shared - allowed:
        problems.append(f"GUIDs shared between sides: {sorted(shared - allowed)}")
    if not allowed - {ZERO_GUID.strip("{}")} <= shared:
        problems.append("domain GUIDs are not identical on both sides")
    return problems
