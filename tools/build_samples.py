#!/usr/bin/env python3
"""Build driftcheck's bundled sample exports: ``samples/primary`` and ``samples/staging``.

The two folders imitate what ``Get-ADSyncServerConfiguration -Path X`` writes on an Entra Connect
2.x primary sync server (FAB-SYNC01) and its staging server (FAB-SYNC02) for the fictional
organisation Fabrikam: three folders per export (``Connectors/Connector_{guid}.xml`` with root
``ma-data``, ``GlobalSettings/MV.xml`` with root ``saved-mv-configuration``,
``SynchronizationRules/SynchronizationRule_{guid}.xml`` with root ``synchronizationRule``), in the
exact serialisation of a genuine export (default-namespace DSML with synthetic ids on the AD
connectors, ``dsml:``/``ms-dsml:`` prefixes on the AAD connector and MV.xml, the AD connector body
on one long line, MV.xml's single-quoted root attributes and ``<!--WARNING>`` comment, ...).

Three connectors (``fabrikam.com`` and ``emea.fabrikam.com``, both Active Directory, and
``fabrikam.onmicrosoft.com - AAD``), the global settings, the metaverse schema and 45 sync rules
(out-of-box style rules for all three connectors plus a handful of custom rules).

The staging export carries **deliberate noise** (things a correct drift tool must NOT report:
fresh GUIDs, runtime state, per-server accounts, renumbered precedence, re-encoded files, shuffled
unordered lists, whitespace inside expressions, a GUI-style wrapper, letter-case differences...)
and **deliberate drift** (16 items that must be reported against the right object). Both lists,
with the expected report section, object and path, are written to ``samples/README.md`` and, in
machine-readable form, to ``samples/expected-drift.json``; the tables live in NOISE and DRIFT
below so the files and the documentation cannot disagree.

Deterministic: every GUID, hex suffix, cookie and shuffle comes from ``random.Random`` seeded with
fixed strings, so re-running produces byte-identical files. Standard library only for the build;
the verification pass (run by default, skip with ``--no-verify``) uses lxml when importable and
checks that every file parses from bytes and that every GUID reference resolves within its side.

Usage (from the project root)::

    python tools/build_samples.py            # writes samples/primary, samples/staging, docs
    python tools/build_samples.py --no-verify
    python tools/build_samples.py --out /tmp/samples
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import random
import re
import shutil
import sys
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = "driftcheck/fabrikam-samples/v1"
ZERO_GUID = "{00000000-0000-0000-0000-000000000000}"

PRIMARY = "primary"
STAGING = "staging"

# Connector keys used throughout: F = fabrikam.com, E = emea.fabrikam.com, A = the AAD connector.
F, E, A = "F", "E", "A"

TENANT = "fabrikam.onmicrosoft.com"

DSML_NS = "http://www.dsml.org/DSML"
MMS_NS = "http://www.microsoft.com/MMS/DSML"

WARNING_COMMENT = (
    "<!--WARNING>\n"
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    "!!\n"
    "!! The contents of this file should not be edited.\n"
    "!! Any such modifications to this file may result in errors during import.\n"
    "!!\n"
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    "</WARNING-->"
)

SYN_BIN = "1.3.6.1.4.1.1466.115.121.1.5"
SYN_BOOL = "1.3.6.1.4.1.1466.115.121.1.7"
SYN_DN = "1.3.6.1.4.1.1466.115.121.1.12"
SYN_STR = "1.3.6.1.4.1.1466.115.121.1.15"
SYN_GT = "1.3.6.1.4.1.1466.115.121.1.24"
SYN_INT = "1.3.6.1.4.1.1466.115.121.1.27"
SYN_OID = "1.3.6.1.4.1.1466.115.121.1.38"
SYN_OCT = "1.3.6.1.4.1.1466.115.121.1.40"
SYN_LINT = "1.2.840.113556.1.4.906"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def esc(text: str) -> str:
    """Escape element text the way the sync engine does (quotes stay literal)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def new_guid(rng: random.Random) -> str:
    """A random (version 4) GUID, lower case, no braces."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def lo(guid: str) -> str:
    return "{" + guid.lower() + "}"


def up(guid: str) -> str:
    return "{" + guid.upper() + "}"


def hex12(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(12))


def b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def shuffled(items: list[Any], rng: random.Random) -> list[Any]:
    """A permutation that is guaranteed to differ from the input order (len >= 2)."""
    out = list(items)
    for _ in range(50):
        rng.shuffle(out)
        if out != list(items):
            return out
    raise AssertionError("could not shuffle")


def ci_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.lower(), n))


# VB-style string literal ("" escapes a quote) inside a sync-rule expression.
LITERAL_RE = re.compile(r'("(?:[^"]|"")*")')


def split_literals(expr: str) -> list[str]:
    """Even indexes: code outside literals; odd indexes: string literals (with quotes)."""
    return LITERAL_RE.split(expr)


def expr_attrs(expr: str) -> list[str]:
    """Attributes referenced as [name] outside string literals, in order, without dn."""
    seen: list[str] = []
    for i, part in enumerate(split_literals(expr)):
        if i % 2:
            continue
        for name in re.findall(r"\[([A-Za-z][\w-]*)\]", part):
            if name != "dn" and name not in seen:
                seen.append(name)
    return seen


def reflow_expression(expr: str) -> str:
    """Re-space an expression as an admin re-typing it in the editor would.

    Only whitespace *outside* string literals changes: one space after each comma, none just
    inside parentheses, one space around ``||`` and ``&&``. Literals (with their braces,
    backslashes and inner spaces) are kept byte for byte.
    """
    parts = split_literals(expr)
    for i in range(0, len(parts), 2):
        p = parts[i]
        p = re.sub(r"\s*,\s*", ", ", p)
        p = re.sub(r"\(\s+", "(", p)
        p = re.sub(r"\s+\)", ")", p)
        p = re.sub(r"\s*(\|\||&&)\s*", r" \1 ", p)
        parts[i] = p
    out = "".join(parts)
    # Self-check: same literals, same code once whitespace outside literals is removed.
    a, b = split_literals(expr), split_literals(out)
    assert a[1::2] == b[1::2], "literal changed"
    assert [re.sub(r"\s", "", x) for x in a[0::2]] == [re.sub(r"\s", "", x) for x in b[0::2]]
    assert out != expr, "reflow made no change"
    return out


# --------------------------------------------------------------------------------------------
# Per-side facts (servers, times, counters, runtime state)
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Connector facts
# --------------------------------------------------------------------------------------------

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

# (name, syntax, single-valued, extra attributes in document order)
AD_ATTRIBUTES: list[tuple[str, str, bool, dict[str, str]]] = [
    ("accountExpires", SYN_LINT, True, {}),
    ("adminDescription", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "1024"}),
    ("c", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "3"}),
    ("cn", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("co", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "128"}),
    ("company", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("countryCode", SYN_INT, True, {"m:range-lower": "0", "m:range-upper": "65535"}),
    ("dc", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "255"}),
    ("department", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("description", SYN_STR, False, {"m:range-lower": "0", "m:range-upper": "1024"}),
    ("directReports", SYN_DN, False, {"user-modification": "false"}),
    ("displayName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "256"}),
    ("division", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "256"}),
    ("dNSHostName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "2048"}),
    ("employeeID", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "16"}),
    ("employeeNumber", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "512"}),
    ("employeeType", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "256"}),
    *[
        (f"extensionAttribute{i}", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "2048"})
        for i in range(1, 16)
    ],
    ("facsimileTelephoneNumber", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("givenName", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("groupType", SYN_INT, True, {}),
    ("homePhone", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("info", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "1024"}),
    ("initials", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "6"}),
    ("ipPhone", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("isCriticalSystemObject", SYN_BOOL, True, {}),
    ("l", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "128"}),
    ("lastLogonTimestamp", SYN_LINT, True, {}),
    ("legacyExchangeDN", SYN_STR, True, {}),
    ("mail", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "256"}),
    ("mailNickname", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("managedBy", SYN_DN, True, {}),
    ("manager", SYN_DN, True, {}),
    ("member", SYN_DN, False, {}),
    ("memberOf", SYN_DN, False, {"user-modification": "false"}),
    ("middleName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "64"}),
    ("mobile", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("mS-DS-ConsistencyGuid", SYN_OCT, True, {}),
    ("mS-DS-CreatorSID", SYN_OCT, True, {"user-modification": "false"}),
    ("msDS-DeviceID", SYN_OCT, True, {}),
    ("msDS-DeviceOSType", SYN_STR, True, {}),
    ("msDS-IsEnabled", SYN_BOOL, True, {}),
    ("msDS-PhoneticDisplayName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "256"}),
    ("msExchHideFromAddressLists", SYN_BOOL, True, {}),
    ("msExchMailboxGuid", SYN_OCT, True, {"m:range-lower": "16", "m:range-upper": "16"}),
    ("msExchMasterAccountSid", SYN_OCT, True, {}),
    ("msExchRecipientDisplayType", SYN_INT, True, {}),
    ("msExchRecipientTypeDetails", SYN_LINT, True, {}),
    # Added to the forests' schema by an Exchange cumulative update (see STALE_SCHEMA).
    (
        "msExchExtensionCustomAttribute1",
        SYN_STR,
        False,
        {"m:range-lower": "1", "m:range-upper": "2048"},
    ),
    (
        "name",
        SYN_STR,
        True,
        {"m:range-lower": "1", "m:range-upper": "255", "user-modification": "false"},
    ),
    ("objectCategory", SYN_DN, True, {}),
    (
        "objectGUID",
        SYN_OCT,
        True,
        {"m:range-lower": "16", "m:range-upper": "16", "user-modification": "false"},
    ),
    (
        "objectSid",
        SYN_OCT,
        True,
        {"m:range-lower": "0", "m:range-upper": "28", "user-modification": "false"},
    ),
    ("operatingSystem", SYN_STR, True, {}),
    ("operatingSystemVersion", SYN_STR, True, {}),
    ("otherTelephone", SYN_STR, False, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("ou", SYN_STR, False, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("pager", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("physicalDeliveryOfficeName", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "128"}),
    ("postalCode", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "40"}),
    ("preferredLanguage", SYN_STR, True, {}),
    ("proxyAddresses", SYN_STR, False, {"m:range-lower": "1", "m:range-upper": "1123"}),
    ("pwdLastSet", SYN_LINT, True, {}),
    ("sAMAccountName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "256"}),
    ("sIDHistory", SYN_OCT, False, {}),
    ("sn", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("st", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "128"}),
    ("streetAddress", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "1024"}),
    ("targetAddress", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "1123"}),
    ("telephoneNumber", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "64"}),
    ("thumbnailPhoto", SYN_OCT, True, {"m:range-lower": "0", "m:range-upper": "102400"}),
    ("title", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "128"}),
    ("unicodePwd", SYN_STR, True, {"m:encrypted": "true", "m:export-only": "true"}),
    ("userAccountControl", SYN_INT, True, {}),
    ("userCertificate", SYN_OCT, False, {}),
    ("userPrincipalName", SYN_STR, True, {"m:range-lower": "0", "m:range-upper": "1024"}),
    ("userSMIMECertificate", SYN_OCT, False, {}),
    ("whenChanged", SYN_GT, True, {"user-modification": "false"}),
    ("whenCreated", SYN_GT, True, {"user-modification": "false"}),
    ("wWWHomePage", SYN_STR, True, {"m:range-lower": "1", "m:range-upper": "2048"}),
]
AD_ATTR_NAMES = {a[0] for a in AD_ATTRIBUTES}

# (name, superior, type, [(attribute, required)]) -- a modest AD schema.
AD_CLASSES: list[tuple[str, str | None, str, list[tuple[str, bool]]]] = [
    (
        "top",
        None,
        "abstract",
        [
            ("objectCategory", True),
            ("adminDescription", False),
            ("cn", False),
            ("description", False),
            ("isCriticalSystemObject", False),
            ("name", False),
            ("objectGUID", False),
            ("whenChanged", False),
            ("whenCreated", False),
            ("memberOf", False),
        ],
    ),
    ("person", "top", "structural", [("cn", True), ("sn", False), ("telephoneNumber", False)]),
    (
        "organizationalPerson",
        "person",
        "structural",
        [
            ("c", False),
            ("co", False),
            ("company", False),
            ("countryCode", False),
            ("department", False),
            ("directReports", False),
            ("division", False),
            ("employeeNumber", False),
            ("facsimileTelephoneNumber", False),
            ("givenName", False),
            ("homePhone", False),
            ("initials", False),
            ("ipPhone", False),
            ("l", False),
            ("manager", False),
            ("middleName", False),
            ("mobile", False),
            ("msDS-PhoneticDisplayName", False),
            ("otherTelephone", False),
            ("pager", False),
            ("physicalDeliveryOfficeName", False),
            ("postalCode", False),
            ("st", False),
            ("streetAddress", False),
            ("thumbnailPhoto", False),
            ("title", False),
            ("wWWHomePage", False),
        ],
    ),
    (
        "user",
        "organizationalPerson",
        "structural",
        [
            ("accountExpires", False),
            ("employeeID", False),
            ("employeeType", False),
            ("lastLogonTimestamp", False),
            ("mS-DS-ConsistencyGuid", False),
            ("preferredLanguage", False),
            ("pwdLastSet", False),
            ("unicodePwd", False),
            ("userAccountControl", False),
            ("userCertificate", False),
            ("userPrincipalName", False),
            ("userSMIMECertificate", False),
        ],
    ),
    (
        "inetOrgPerson",
        "user",
        "structural",
        [
            ("displayName", False),
            ("employeeNumber", False),
            ("employeeType", False),
            ("preferredLanguage", False),
            ("userSMIMECertificate", False),
        ],
    ),
    (
        "computer",
        "user",
        "structural",
        [
            ("dNSHostName", False),
            ("mS-DS-CreatorSID", False),
            ("operatingSystem", False),
            ("operatingSystemVersion", False),
        ],
    ),
    ("contact", "organizationalPerson", "structural", [("cn", True)]),
    (
        "group",
        "top",
        "structural",
        [("groupType", True), ("managedBy", False), ("member", False), ("info", False)],
    ),
    (
        "organizationalUnit",
        "top",
        "structural",
        [("ou", True), ("managedBy", False), ("c", False), ("l", False), ("st", False)],
    ),
    ("container", "top", "structural", [("cn", True)]),
    ("domainDNS", "top", "structural", [("dc", True)]),
    ("foreignSecurityPrincipal", "top", "structural", [("objectSid", True)]),
    (
        "msDS-Device",
        "top",
        "structural",
        [
            ("msDS-DeviceID", True),
            ("msDS-DeviceOSType", False),
            ("msDS-IsEnabled", True),
            ("displayName", False),
        ],
    ),
    (
        "securityPrincipal",
        "top",
        "auxiliary",
        [("objectSid", True), ("sAMAccountName", True), ("sIDHistory", False)],
    ),
    (
        "mailRecipient",
        "top",
        "auxiliary",
        [
            ("cn", True),
            ("info", False),
            ("legacyExchangeDN", False),
            ("mail", False),
            ("telephoneNumber", False),
            ("userCertificate", False),
            ("userSMIMECertificate", False),
        ],
    ),
    (
        "msExchBaseClass",
        "top",
        "auxiliary",
        [
            ("mailNickname", False),
            ("proxyAddresses", False),
            ("targetAddress", False),
            ("msExchHideFromAddressLists", False),
            ("msExchRecipientDisplayType", False),
            ("msExchRecipientTypeDetails", False),
        ],
    ),
    (
        "msExchCustomAttributes",
        "top",
        "auxiliary",
        [
            *((f"extensionAttribute{i}", False) for i in range(1, 16)),
            ("msExchExtensionCustomAttribute1", False),
        ],
    ),
    (
        "msExchMailStorage",
        "top",
        "auxiliary",
        [("msExchMailboxGuid", False), ("msExchMasterAccountSid", False)],
    ),
]

# Structural class -> auxiliary classes (m:dit-content-rule).
AD_DIT_RULES = {
    "user": [
        "securityPrincipal",
        "mailRecipient",
        "msExchBaseClass",
        "msExchCustomAttributes",
        "msExchMailStorage",
    ],
    "inetOrgPerson": [
        "securityPrincipal",
        "mailRecipient",
        "msExchBaseClass",
        "msExchCustomAttributes",
        "msExchMailStorage",
    ],
    "computer": ["securityPrincipal", "mailRecipient"],
    "contact": ["mailRecipient", "msExchBaseClass", "msExchCustomAttributes"],
    "group": ["securityPrincipal", "mailRecipient", "msExchBaseClass", "msExchCustomAttributes"],
}

AD_INCLUSION = ci_sorted(
    [
        "accountExpires",
        "adminDescription",
        "c",
        "cn",
        "co",
        "company",
        "countryCode",
        "department",
        "description",
        "displayName",
        "employeeID",
        "employeeType",
        *[f"extensionAttribute{i}" for i in range(1, 16)],
        "facsimileTelephoneNumber",
        "givenName",
        "groupType",
        "info",
        "initials",
        "isCriticalSystemObject",
        "l",
        "legacyExchangeDN",
        "mail",
        "mailNickname",
        "managedBy",
        "manager",
        "member",
        "middleName",
        "mobile",
        "mS-DS-ConsistencyGuid",
        "mS-DS-CreatorSID",
        "msExchHideFromAddressLists",
        "msExchMasterAccountSid",
        "msExchRecipientTypeDetails",
        "objectGUID",
        "objectSid",
        "operatingSystem",
        "operatingSystemVersion",
        "physicalDeliveryOfficeName",
        "postalCode",
        "preferredLanguage",
        "proxyAddresses",
        "pwdLastSet",
        "sAMAccountName",
        "sn",
        "st",
        "streetAddress",
        "targetAddress",
        "telephoneNumber",
        "thumbnailPhoto",
        "title",
        "userAccountControl",
        "userCertificate",
        "userPrincipalName",
        "wWWHomePage",
    ]
)

AD_OBJECT_CLASSES = [
    "computer",
    "contact",
    "foreignSecurityPrincipal",
    "group",
    "inetOrgPerson",
    "msDS-Device",
    "user",
    "container",
    "domainDNS",
    "organizationalUnit",
]

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

# AAD connector schema: name -> (syntax, single-valued)
AAD_TYPES: dict[str, tuple[str, bool]] = {
    "accountEnabled": (SYN_BOOL, True),
    "alias": (SYN_STR, True),
    "city": (SYN_STR, True),
    "cloudAnchor": (SYN_STR, True),
    "cloudLegacyExchangeDN": (SYN_STR, True),
    "cloudMastered": (SYN_BOOL, True),
    "cloudMSExchBlockedSendersHash": (SYN_BIN, True),
    "cloudMSExchSafeSendersHash": (SYN_BIN, True),
    "commonName": (SYN_STR, True),
    "company": (SYN_STR, True),
    "country": (SYN_STR, True),
    "countryCode": (SYN_INT, True),
    "countryLetterCode": (SYN_STR, True),
    "department": (SYN_STR, True),
    "description": (SYN_STR, True),
    "deviceId": (SYN_BIN, True),
    "deviceOSType": (SYN_STR, True),
    "deviceOSVersion": (SYN_STR, True),
    "deviceTrustType": (SYN_STR, True),
    "displayName": (SYN_STR, True),
    "dnsDomainName": (SYN_STR, True),
    **{f"extensionAttribute{i}": (SYN_STR, True) for i in range(1, 16)},
    "facsimileTelephoneNumber": (SYN_STR, True),
    "givenName": (SYN_STR, True),
    "lastPasswordChangeTimestamp": (SYN_STR, True),
    "legacyExchangeDN": (SYN_STR, True),
    "mail": (SYN_STR, True),
    "mailEnabled": (SYN_BOOL, True),
    "managedBy": (SYN_DN, True),
    "manager": (SYN_DN, True),
    "member": (SYN_DN, False),
    "mobile": (SYN_STR, True),
    "msExchHideFromAddressLists": (SYN_BOOL, True),
    "msExchRecipientTypeDetails": (SYN_INT, True),
    "netBiosName": (SYN_STR, True),
    "onPremiseSecurityIdentifier": (SYN_BIN, True),
    "onPremisesSamAccountName": (SYN_STR, True),
    "onPremisesUserPrincipalName": (SYN_STR, True),
    "physicalDeliveryOfficeName": (SYN_STR, True),
    "postalCode": (SYN_STR, True),
    "preferredLanguage": (SYN_STR, True),
    "proxyAddresses": (SYN_STR, False),
    "registeredOwnerReference": (SYN_DN, True),
    "securityEnabled": (SYN_BOOL, True),
    "sourceAnchor": (SYN_STR, True),
    "state": (SYN_STR, True),
    "streetAddress": (SYN_STR, True),
    "surname": (SYN_STR, True),
    "targetAddress": (SYN_STR, True),
    "telephoneNumber": (SYN_STR, True),
    "thumbnailPhoto": (SYN_BIN, True),
    "title": (SYN_STR, True),
    "usageLocation": (SYN_STR, True),
    "userCertificate": (SYN_BIN, False),
    "userPrincipalName": (SYN_STR, True),
}
AAD_EXTRA_MEMBERS = {
    "user": [
        "accountEnabled",
        "alias",
        "cloudLegacyExchangeDN",
        "cloudMastered",
        "description",
        "proxyAddresses",
        "thumbnailPhoto",
    ],
    "group": ["cloudMastered", "description", "displayName"],
    "contact": ["cloudMastered", "cloudLegacyExchangeDN", "description"],
    "device": ["cloudMastered", "displayName"],
}

# Metaverse attribute types: name -> (syntax, single-valued, indexable)
MV_TYPES: dict[str, tuple[str, bool, bool]] = {
    "accountEnabled": (SYN_BOOL, True, False),
    "accountName": (SYN_STR, True, True),
    "c": (SYN_STR, True, True),
    "cloudAnchor": (SYN_STR, True, True),
    "cloudCreated": (SYN_BOOL, True, False),
    "cloudFiltered": (SYN_BOOL, True, False),
    "cloudLegacyExchangeDN": (SYN_STR, True, True),
    "cloudMastered": (SYN_BOOL, True, False),
    "cloudMSExchBlockedSendersHash": (SYN_BIN, True, False),
    "cloudMSExchSafeSendersHash": (SYN_BIN, True, False),
    "cloudSourceAnchor": (SYN_STR, True, True),
    "cn": (SYN_STR, True, True),
    "co": (SYN_STR, True, True),
    "company": (SYN_STR, True, True),
    "costCenter": (SYN_STR, True, True),  # staging-only (drift item 15)
    "countryCode": (SYN_INT, True, False),
    "department": (SYN_STR, True, True),
    "description": (SYN_STR, True, True),
    "deviceId": (SYN_BIN, True, False),
    "deviceOSType": (SYN_STR, True, True),
    "deviceOSVersion": (SYN_STR, True, True),
    "deviceTrustType": (SYN_STR, True, True),
    "displayName": (SYN_STR, True, True),
    "division": (SYN_STR, True, True),
    "domainFQDN": (SYN_STR, True, True),
    "domainNetBios": (SYN_STR, True, True),
    "employeeID": (SYN_STR, True, True),
    "employeeType": (SYN_STR, True, True),
    **{f"extensionAttribute{i}": (SYN_STR, True, True) for i in range(1, 16)},
    "facsimileTelephoneNumber": (SYN_STR, True, True),
    "forestFQDN": (SYN_STR, True, True),
    "forestNetBios": (SYN_STR, True, True),
    "givenName": (SYN_STR, True, True),
    "info": (SYN_STR, True, False),
    "initials": (SYN_STR, True, True),
    "l": (SYN_STR, True, True),
    "legacyExchangeDN": (SYN_STR, True, True),
    "mail": (SYN_STR, True, True),
    "mailEnabled": (SYN_BOOL, True, False),
    "mailNickname": (SYN_STR, True, True),
    "managedBy": (SYN_DN, True, False),
    "manager": (SYN_DN, True, False),
    "member": (SYN_DN, False, False),
    "middleName": (SYN_STR, True, True),
    "mobile": (SYN_STR, True, True),
    "msExchHideFromAddressLists": (SYN_BOOL, True, False),
    "msExchMasterAccountSid": (SYN_BIN, True, False),
    "msExchRecipientTypeDetails": (SYN_INT, True, False),
    "objectSid": (SYN_BIN, True, False),
    "objectSidString": (SYN_STR, True, True),
    "physicalDeliveryOfficeName": (SYN_STR, True, True),
    "postalCode": (SYN_STR, True, True),
    "preferredLanguage": (SYN_STR, True, True),
    "proxyAddresses": (SYN_STR, False, True),
    "pwdLastSet": (SYN_STR, True, False),
    "registeredOwnerReference": (SYN_DN, True, False),
    "securityEnabled": (SYN_BOOL, True, False),
    "sn": (SYN_STR, True, True),
    "sourceAnchor": (SYN_STR, True, True),
    "sourceAnchorBinary": (SYN_BIN, True, False),
    "sourceObjectType": (SYN_STR, True, True),
    "st": (SYN_STR, True, True),
    "streetAddress": (SYN_STR, True, True),
    "targetAddress": (SYN_STR, True, True),
    "telephoneNumber": (SYN_STR, True, True),
    "thumbnailPhoto": (SYN_BIN, True, False),
    "title": (SYN_STR, True, True),
    "usageLocation": (SYN_STR, True, True),
    "userCertificate": (SYN_BIN, False, False),
    "userPrincipalName": (SYN_STR, True, True),
    "wWWHomePage": (SYN_STR, True, True),
}
MV_EXTRA_MEMBERS = {
    "person": ["cloudLegacyExchangeDN", "division", "homePhone"],
    "group": ["cloudMastered", "extensionAttribute1", "extensionAttribute2"],
    "device": ["cloudMastered"],
}
MV_TYPES["homePhone"] = (SYN_STR, True, True)


# --------------------------------------------------------------------------------------------
# Sync rules (the model)
# --------------------------------------------------------------------------------------------


@dataclass
class Mapping:
    dest: str
    src: list[str] | str | None  # attributes, a constant, or nothing
    expr: str | None = None
    merge: str = "Update"
    once: bool = False


@dataclass
class Rule:
    conn: str
    name: str
    tag: str  # empty for custom rules
    direction: str
    src_type: str
    tgt_type: str
    link: str
    precedence: int
    mappings: list[Mapping]
    joins: list[list[tuple[str, str, bool]]] = field(default_factory=list)
    scopes: list[list[tuple[str, str, str]]] = field(default_factory=list)
    description: str = ""
    eps: bool = False
    version: int = 1
    disabled: bool = False

    @property
    def key(self) -> str:
        return f"{self.conn}:{self.name}"


def m(
    dest: str,
    src: list[str] | str | None = None,
    expr: str | None = None,
    *,
    merge: str = "Update",
    once: bool = False,
) -> Mapping:
    """Mapping helper: with an expression and no explicit src, src lists the [attributes] used."""
    if expr is not None and src is None:
        attrs = expr_attrs(expr)
        src = attrs or None
    elif src is None:
        src = [dest]
    return Mapping(dest, src, expr, merge, once)


def const(dest: str, value: str, *, once: bool = False) -> Mapping:
    return Mapping(dest, value, None, "Update", once)


def noattr(dest: str, expr: str) -> Mapping:
    """An expression mapping with no <src> (parameters such as %Domain.FQDN%)."""
    return Mapping(dest, None, expr)


def j(cs: str, ilm: str, case: bool = False) -> tuple[str, str, bool]:
    return (cs, ilm, case)


def s(attr: str, op: str, value: str = "") -> tuple[str, str, str]:
    return (attr, op, value)


EXPR_USER_FILTERED = (
    "IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || "
    'Left([mailNickname], 14) = "SystemMailbox{" || (Left([sAMAccountName], 4) = "CAS_" && '
    '(InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || '
    'Left([sAMAccountName], 5) = "Sync_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),'
    "BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || "
    r'CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)'
)
EXPR_INETORG_FILTERED = (
    "IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || "
    'Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 5) = "MSOL_" || '
    r'CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)'
)
EXPR_GROUP_FILTERED = (
    'IIF(IsPresent([isCriticalSystemObject]) || [sAMAccountName] = "MSOL_AD_Sync_RichCoexistence"'
    " || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],"
    '&H40000000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\\\0ACNF:")>0), True, NULL)'
)
EXPR_CONTACT_FILTERED = (
    'IIF(IsPresent([isCriticalSystemObject]) || ((InStr([displayName], "(MSOL)") > 0) && '
    '(CBool([msExchHideFromAddressLists]))) || (Left([mailNickname], 4) = "CAS_" && '
    '(InStr([mailNickname], "}") > 0)) || '
    r'CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)'
)
EXPR_MAIL_ENABLED = (
    'IIF((IsPresent([proxyAddresses]) = True && Contains([proxyAddresses], "SMTP:") > 0 && '
    'InStr(Item([proxyAddresses], Contains([proxyAddresses], "SMTP:")), "@") > 0) || '
    '(IsPresent([mail]) = True && InStr([mail], "@") > 0), True, False)'
)
EXPR_SOURCE_ANCHOR = (
    "IIF(IsPresent([mS-DS-ConsistencyGuid]),IIF(IsString([mS-DS-ConsistencyGuid]),"
    "CStr([mS-DS-ConsistencyGuid]),ConvertToBase64([mS-DS-ConsistencyGuid])),"
    "IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID])))"
)
EXPR_SOURCE_ANCHOR_BIN = (
    "IIF(IsPresent([mS-DS-ConsistencyGuid]),[mS-DS-ConsistencyGuid],[objectGUID])"
)
EXPR_UPN = (
    "IIF(IsPresent([userPrincipalName]),[userPrincipalName],IIF(IsPresent([sAMAccountName]),"
    '[sAMAccountName] & "@" & %Domain.FQDN%,Error("No userPrincipalName or sAMAccountName")))'
)
EXPR_PWDLASTSET = (
    "IIF(IsNullOrEmpty([pwdLastSet]),NULL,CStr(FormatDateTime(DateFromNum([pwdLastSet]),"
    '"yyyyMMddHHmmss.0Z")))'
)
EXPR_DISPLAYNAME = "IIF(IsNullOrEmpty([displayName]),[cn],[displayName])"
EXPR_DESCRIPTION = "IIF(IsPresent([description]),Left(Trim(Item([description],1)),1024),NULL)"
EXPR_AAD_DN = '"CN={" & ConvertToUTF8Hex([sourceAnchor]) & "}"'
EXPR_AAD_SA = (
    'IIF(IsNullOrEmpty([cloudSourceAnchor]) || Word([cloudAnchor],1,"_") <> [sourceObjectType],'
    "[sourceAnchor],IIF([cloudSourceAnchor] = [sourceAnchor],[sourceAnchor],"
    'Error("sourceAnchor no longer matches the value in the cloud")))'
)
EXPR_DEPT_FIXUP = (
    'IIF(IsNullOrEmpty([department]), IIF(IsPresent([extensionAttribute4]), "Dept-" & '
    '[extensionAttribute4], "{Unassigned}"), Replace(Trim([department]), "\\\\", " / "))'
)


def ad_rules(c: str, base: int) -> list[Rule]:
    """Out-of-box inbound rules for one AD connector, precedence base .. base+7."""
    user_sid_joins = [
        [j("objectSid", "objectSid")],
        [j("msExchMasterAccountSid", "objectSid")],
        [j("objectSid", "msExchMasterAccountSid")],
    ]
    return [
        Rule(
            c,
            "In from AD - User Join",
            "Microsoft.InfromADUserJoin.012",
            "Inbound",
            "user",
            "person",
            "Provision",
            base,
            [
                m("cloudFiltered", expr=EXPR_USER_FILTERED),
                m("sourceAnchor", expr=EXPR_SOURCE_ANCHOR),
                m("sourceAnchorBinary", expr=EXPR_SOURCE_ANCHOR_BIN),
                const("sourceObjectType", "User"),
                m("objectSid", ["objectSid"]),
                m("msExchMasterAccountSid", ["msExchMasterAccountSid"]),
            ],
            user_sid_joins,
            [
                [
                    s("isCriticalSystemObject", "NOTEQUAL", "True"),
                    s("adminDescription", "NOTSTARTSWITH", "User_"),
                    s("sAMAccountName", "NOTSTARTSWITH", "MSOL_"),
                ]
            ],
        ),
        Rule(
            c,
            "In from AD - InetOrgPerson Join",
            "Microsoft.InfromADInetOrgPersonJoin.010",
            "Inbound",
            "inetOrgPerson",
            "person",
            "Provision",
            base + 1,
            [
                m("cloudFiltered", expr=EXPR_INETORG_FILTERED),
                m("sourceAnchor", expr=EXPR_SOURCE_ANCHOR),
                m("sourceAnchorBinary", expr=EXPR_SOURCE_ANCHOR_BIN),
                const("sourceObjectType", "User"),
                m("objectSid", ["objectSid"]),
            ],
            user_sid_joins,
            [
                [
                    s("isCriticalSystemObject", "NOTEQUAL", "True"),
                    s("adminDescription", "NOTSTARTSWITH", "User_"),
                ]
            ],
        ),
        Rule(
            c,
            "In from AD - User AccountEnabled",
            "Microsoft.InfromADUserAccountEnabled.011",
            "Inbound",
            "user",
            "person",
            "Join",
            base + 2,
            [
                const("accountEnabled", "True"),
                noattr("domainFQDN", "%Domain.FQDN%"),
                noattr("domainNetBios", "%Domain.Netbios%"),
                noattr("forestFQDN", "%Forest.FQDN%"),
                noattr("forestNetBios", "%Forest.Netbios%"),
                m("objectSidString", ["objectSid"], "StringFromSid([objectSid])"),
                m("pwdLastSet", expr=EXPR_PWDLASTSET),
                m("userPrincipalName", ["sAMAccountName", "userPrincipalName"], EXPR_UPN),
            ],
            [],
            [[s("userAccountControl", "ISBITNOTSET", "2")]],
            eps=True,
        ),
        Rule(
            c,
            "In from AD - User Common",
            "Microsoft.InfromADUserCommon.014",
            "Inbound",
            "user",
            "person",
            "Join",
            base + 3,
            [
                m("accountName", ["sAMAccountName"]),
                m("c"),
                m("cn"),
                m("co"),
                m("company"),
                m("countryCode"),
                m("department"),
                m("description", expr=EXPR_DESCRIPTION),
                m("displayName", expr=EXPR_DISPLAYNAME),
                m("employeeID"),
                m("employeeType"),
                m("facsimileTelephoneNumber"),
                m("givenName"),
                m("info", expr="Left(Trim([info]),1024)"),
                m("initials"),
                m("l"),
                m("legacyExchangeDN"),
                m("mail"),
                m("mailNickname"),
                m("manager"),
                m("middleName"),
                m("mobile"),
                m("msExchHideFromAddressLists"),
                m("msExchRecipientTypeDetails"),
                m("physicalDeliveryOfficeName"),
                m("postalCode"),
                m("preferredLanguage"),
                m("proxyAddresses"),
                m("sn"),
                m("st"),
                m("streetAddress"),
                m("targetAddress"),
                m("telephoneNumber"),
                m("thumbnailPhoto"),
                m("title"),
                m("userCertificate"),
                m("wWWHomePage"),
            ],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "User_")]],
        ),
        Rule(
            c,
            "In from AD - Group Join",
            "Microsoft.InfromADGroupJoin.009",
            "Inbound",
            "group",
            "group",
            "Provision",
            base + 4,
            [
                m("cloudFiltered", expr=EXPR_GROUP_FILTERED),
                m("mailEnabled", expr=EXPR_MAIL_ENABLED),
                m("sourceAnchor", ["objectGUID"], "ConvertToBase64([objectGUID])"),
                m("sourceAnchorBinary", ["objectGUID"]),
                const("sourceObjectType", "Group"),
                m("objectSid", ["objectSid"]),
            ],
            [[j("objectGUID", "sourceAnchorBinary")]],
            [
                [
                    s("isCriticalSystemObject", "NOTEQUAL", "True"),
                    s("adminDescription", "NOTSTARTSWITH", "Group_"),
                ]
            ],
        ),
        Rule(
            c,
            "In from AD - Group Common",
            "Microsoft.InfromADGroupCommon.011",
            "Inbound",
            "group",
            "group",
            "Join",
            base + 5,
            [
                m("accountName", ["sAMAccountName"]),
                m("cn"),
                m("description", expr=EXPR_DESCRIPTION),
                m("displayName", expr=EXPR_DISPLAYNAME),
                m("info", expr="Left(Trim([info]),1024)"),
                m("mail"),
                m("mailNickname"),
                m("managedBy"),
                m("member"),
                m("proxyAddresses"),
                m(
                    "securityEnabled",
                    expr="IIF(BitAnd([groupType],&H80000000)=&H80000000,True,False)",
                ),
                noattr("domainFQDN", "%Domain.FQDN%"),
                noattr("domainNetBios", "%Domain.Netbios%"),
            ],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "Group_")]],
        ),
        Rule(
            c,
            "In from AD - Contact Join",
            "Microsoft.InfromADContactJoin.008",
            "Inbound",
            "contact",
            "person",
            "Provision",
            base + 6,
            [
                m("cloudFiltered", expr=EXPR_CONTACT_FILTERED),
                m("mailEnabled", expr=EXPR_MAIL_ENABLED),
                m("sourceAnchor", ["objectGUID"], "ConvertToBase64([objectGUID])"),
                m("sourceAnchorBinary", ["objectGUID"]),
                const("sourceObjectType", "Contact"),
            ],
            [[j("objectGUID", "sourceAnchorBinary")]],
            [
                [
                    s("isCriticalSystemObject", "NOTEQUAL", "True"),
                    s("adminDescription", "NOTSTARTSWITH", "Contact_"),
                ]
            ],
        ),
        Rule(
            c,
            "In from AD - Contact Common",
            "Microsoft.InfromADContactCommon.010",
            "Inbound",
            "contact",
            "person",
            "Join",
            base + 7,
            [
                m("c"),
                m("cn"),
                m("co"),
                m("company"),
                m("department"),
                m("description", expr=EXPR_DESCRIPTION),
                m("displayName", expr=EXPR_DISPLAYNAME),
                m("givenName"),
                m("l"),
                m("mail"),
                m("mailNickname"),
                m("mobile"),
                m("proxyAddresses"),
                m("sn"),
                m("targetAddress"),
                m("telephoneNumber"),
                m("title"),
            ],
            [],
            [[s("adminDescription", "NOTSTARTSWITH", "Contact_")]],
            description="Mail contacts from the forest (no Exchange schema extensions needed).",
        ),
    ]


def ad_outbound_rules(c: str, base: int) -> list[Rule]:
    sid_joins = [
        [j("objectSid", "objectSid")],
        [j("msExchMasterAccountSid", "objectSid")],
        [j("objectSid", "msExchMasterAccountSid")],
    ]
    return [
        Rule(
            c,
            "Out to AD - User Join SOAInAD",
            "Microsoft.OuttoADUserJoinSOAInAD.007",
            "Outbound",
            "person",
            "user",
            "Join",
            base,
            [],
            sid_joins,
            [[s("cloudMastered", "EQUAL", "False")]],
        ),
        Rule(
            c,
            "Out to AD - Group Join",
            "Microsoft.OuttoADGroupJoin.008",
            "Outbound",
            "group",
            "group",
            "Join",
            base + 1,
            [],
            [[j("objectGUID", "sourceAnchorBinary")]],
            [[s("cloudMastered", "NOTEQUAL", "True")]],
        ),
        Rule(
            c,
            "Out to AD - Contact Join",
            "Microsoft.OuttoADContactJoin.006",
            "Outbound",
            "person",
            "contact",
            "Join",
            base + 2,
            [],
            [[j("objectGUID", "sourceAnchorBinary")]],
            [[s("sourceObjectType", "EQUAL", "Contact"), s("cloudMastered", "NOTEQUAL", "True")]],
        ),
    ]


def computer_join(c: str, prec: int) -> Rule:
    return Rule(
        c,
        "In from AD - Computer Join",
        "Microsoft.InfromADComputerJoin.006",
        "Inbound",
        "computer",
        "device",
        "Provision",
        prec,
        [
            m("accountEnabled", expr="IIF(BitAnd([userAccountControl],2)=0,True,False)"),
            m("deviceId", ["objectGUID"]),
            m("sourceAnchor", ["objectGUID"], "ConvertToBase64([objectGUID])"),
            m("displayName", expr=EXPR_DISPLAYNAME),
            m("objectSid", ["objectSid"]),
            const("sourceObjectType", "Computer"),
            m("deviceOSVersion", ["operatingSystemVersion"]),
            m("deviceOSType", ["operatingSystem"]),
            const("deviceTrustType", "ServerAd"),
            const("cloudCreated", "False", once=True),
            m("userCertificate", ["userCertificate"], merge="MergeCaseInsensitive"),
            m("registeredOwnerReference", ["mS-DS-CreatorSID"], once=True),
        ],
        [],
        [[s("userCertificate", "ISNOTNULL"), s("isCriticalSystemObject", "NOTEQUAL", "True")]],
    )


def immutable_id(c: str, prec: int) -> Rule:
    return Rule(
        c,
        "Out to AD - User ImmutableId",
        "Microsoft.OuttoADUserImmutableId.004",
        "Outbound",
        "person",
        "user",
        "Join",
        prec,
        [
            m("mS-DS-ConsistencyGuid", ["sourceAnchorBinary"]),
        ],
        [],
        [[s("sourceObjectType", "EQUAL", "User"), s("cloudMastered", "NOTEQUAL", "True")]],
    )


def aad_rules() -> list[Rule]:
    aad_join = [[j("sourceAnchor", "sourceAnchor", True)]]
    not_cloud = [[s("cloudMastered", "EQUAL", "False")]]
    return [
        Rule(
            A,
            "In from AAD - User Join",
            "Microsoft.InfromAADUserJoin.010",
            "Inbound",
            "user",
            "person",
            "Join",
            116,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
                m("cloudMastered"),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            A,
            "In from AAD - Contact Join",
            "Microsoft.InfromAADContactJoin.006",
            "Inbound",
            "contact",
            "person",
            "Join",
            117,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            A,
            "In from AAD - Group Join",
            "Microsoft.InfromAADGroupJoin.009",
            "Inbound",
            "group",
            "group",
            "Join",
            118,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
                m("cloudMastered"),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            A,
            "Out to AAD - User Join",
            "Microsoft.OuttoAADUserJoin.013",
            "Outbound",
            "person",
            "user",
            "Provision",
            119,
            [
                m("accountEnabled"),
                m("commonName", ["cn"]),
                m("dnsDomainName", ["domainFQDN"]),
                m("lastPasswordChangeTimestamp", ["pwdLastSet"]),
                m("netBiosName", ["domainNetBios"]),
                m("onPremisesSamAccountName", ["accountName"]),
                m("onPremiseSecurityIdentifier", ["objectSid"]),
                m("dn", ["sourceAnchor"], EXPR_AAD_DN),
                m("sourceAnchor", ["cloudSourceAnchor", "sourceAnchor"], EXPR_AAD_SA),
            ],
            [[j("sourceAnchor", "sourceAnchor")]],
            [
                [
                    s("sourceObjectType", "EQUAL", "User"),
                    s("cloudMastered", "NOTEQUAL", "True"),
                    s("cloudFiltered", "NOTEQUAL", "True"),
                    s("sourceAnchor", "ISNOTNULL"),
                    s("accountEnabled", "ISNOTNULL"),
                ]
            ],
            eps=True,
        ),
        Rule(
            A,
            "Out to AAD - User Identity",
            "Microsoft.OuttoAADUserIdentity.011",
            "Outbound",
            "person",
            "user",
            "Join",
            120,
            [
                m("city", ["l"]),
                m("company"),
                m("country", ["co"]),
                m("countryCode"),
                m("countryLetterCode", ["c"]),
                m("department"),
                m("displayName"),
                m("facsimileTelephoneNumber"),
                m("givenName"),
                m("mail"),
                m("manager"),
                m("mobile"),
                m("onPremisesUserPrincipalName", ["userPrincipalName"]),
                m("physicalDeliveryOfficeName"),
                m("postalCode"),
                m("preferredLanguage"),
                m("state", ["st"]),
                m("streetAddress"),
                m("surname", ["sn"]),
                m("telephoneNumber"),
                m("thumbnailPhoto"),
                m("title"),
                m("userPrincipalName"),
            ],
            [],
            [[s("sourceObjectType", "EQUAL", "User"), s("cloudMastered", "NOTEQUAL", "True")]],
        ),
        Rule(
            A,
            "Out to AAD - User ExchangeOnline",
            "Microsoft.OuttoAADUserExchangeOnline.012",
            "Outbound",
            "person",
            "user",
            "Join",
            121,
            [
                m("alias", ["mailNickname"]),
                *[m(f"extensionAttribute{i}") for i in range(1, 16)],
                m("legacyExchangeDN"),
                m("msExchHideFromAddressLists"),
                m("msExchRecipientTypeDetails"),
                m("proxyAddresses"),
                m("targetAddress"),
            ],
            [],
            [[s("sourceObjectType", "EQUAL", "User"), s("cloudMastered", "NOTEQUAL", "True")]],
        ),
        Rule(
            A,
            "Out to AAD - Contact Join",
            "Microsoft.OuttoAADContactJoin.007",
            "Outbound",
            "person",
            "contact",
            "Provision",
            122,
            [
                m("commonName", ["cn"]),
                m("dn", ["sourceAnchor"], EXPR_AAD_DN),
                m("mailEnabled"),
                m("sourceAnchor"),
            ],
            [[j("sourceAnchor", "sourceAnchor")]],
            [
                [
                    s("sourceObjectType", "EQUAL", "Contact"),
                    s("cloudMastered", "NOTEQUAL", "True"),
                    s("mailEnabled", "EQUAL", "True"),
                    s("cloudFiltered", "NOTEQUAL", "True"),
                    s("sourceAnchor", "ISNOTNULL"),
                ]
            ],
        ),
        Rule(
            A,
            "Out to AAD - Contact Identity",
            "Microsoft.OuttoAADContactIdentity.006",
            "Outbound",
            "person",
            "contact",
            "Join",
            123,
            [
                m("alias", ["mailNickname"]),
                m("company"),
                m("department"),
                m("displayName"),
                m("givenName"),
                m("mail"),
                m("proxyAddresses"),
                m("surname", ["sn"]),
                m("targetAddress"),
                m("telephoneNumber"),
                m("title"),
            ],
            [],
            [[s("sourceObjectType", "EQUAL", "Contact"), s("cloudMastered", "NOTEQUAL", "True")]],
        ),
        Rule(
            A,
            "Out to AAD - Group Join",
            "Microsoft.OuttoAADGroupJoin.012",
            "Outbound",
            "group",
            "group",
            "Provision",
            124,
            [
                m("commonName", ["cn"]),
                m("dn", ["sourceAnchor"], EXPR_AAD_DN),
                m("dnsDomainName", ["domainFQDN"]),
                m("mailEnabled"),
                m("netBiosName", ["domainNetBios"]),
                m("onPremisesSamAccountName", ["accountName"]),
                m("onPremiseSecurityIdentifier", ["objectSid"]),
                m("securityEnabled"),
                m("sourceAnchor"),
            ],
            [[j("sourceAnchor", "sourceAnchor")]],
            [
                [
                    s("cloudFiltered", "NOTEQUAL", "True"),
                    s("sourceAnchor", "ISNOTNULL"),
                    s("cloudMastered", "NOTEQUAL", "True"),
                    s("securityEnabled", "EQUAL", "True"),
                ],
                [
                    s("cloudFiltered", "NOTEQUAL", "True"),
                    s("sourceAnchor", "ISNOTNULL"),
                    s("cloudMastered", "NOTEQUAL", "True"),
                    s("mailEnabled", "EQUAL", "True"),
                ],
            ],
        ),
        Rule(
            A,
            "Out to AAD - Group Identity",
            "Microsoft.OuttoAADGroupIdentity.009",
            "Outbound",
            "group",
            "group",
            "Join",
            125,
            [
                m("alias", ["mailNickname"]),
                m("description"),
                m("displayName"),
                m("mail"),
                m("managedBy"),
                m("member"),
                m("proxyAddresses"),
            ],
            [],
            [[s("cloudMastered", "NOTEQUAL", "True")]],
        ),
        Rule(
            A,
            "In from AAD - User Exchange Hybrid",
            "Microsoft.InfromAADUserExchangeHybrid.007",
            "Inbound",
            "user",
            "person",
            "Join",
            126,
            [
                m("cloudMSExchBlockedSendersHash"),
                m("cloudMSExchSafeSendersHash"),
                m("cloudLegacyExchangeDN"),
                m(
                    "proxyAddresses",
                    ["cloudLegacyExchangeDN"],
                    'IIF(IsPresent([cloudLegacyExchangeDN]),"X500:" & [cloudLegacyExchangeDN],'
                    "NULL)",
                    merge="MergeCaseInsensitive",
                ),
            ],
            [],
            [[s("cloudMastered", "EQUAL", "False"), s("cloudLegacyExchangeDN", "ISNOTNULL")]],
        ),
    ]


def device_join(prec: int) -> Rule:
    # The real rule's tag drops "Device" from the name: kept that way on purpose.
    return Rule(
        A,
        "Out to AAD - Device Join SOAInAD",
        "Microsoft.OuttoAADJoinSOAInAD.006",
        "Outbound",
        "device",
        "device",
        "Provision",
        prec,
        [
            m("accountEnabled"),
            m("deviceId"),
            m("deviceOSType"),
            m("deviceOSVersion"),
            m("deviceTrustType"),
            m("displayName"),
            m("dn", ["sourceAnchor"], EXPR_AAD_DN),
            m("registeredOwnerReference"),
            m("sourceAnchor"),
            m("userCertificate"),
        ],
        [[j("sourceAnchor", "sourceAnchor")]],
        [
            [
                s("sourceObjectType", "EQUAL", "Computer"),
                s("cloudMastered", "NOTEQUAL", "True"),
                s("userCertificate", "ISNOTNULL"),
            ]
        ],
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
    rules += aad_rules()  # 116-126
    rules += ad_outbound_rules(F, 127)  # 127-129
    rules += ad_outbound_rules(E, 130)  # 130-132
    rules += [
        computer_join(F, 133),
        device_join(134),
        computer_join(E, 135),
        immutable_id(F, 136),
        immutable_id(E, 137),
    ]
    return rules


# --------------------------------------------------------------------------------------------
# Drift and noise (single source of truth for the generator and for the README)
# --------------------------------------------------------------------------------------------

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


def staging_rules() -> list[Rule]:
    """The staging rule set: primary + drift, renumbered precedence (noise) and the swap."""
    import copy

    rules = copy.deepcopy(primary_rules())
    # drift 4: one custom rule only on primary, one only on staging
    rules = [r for r in rules if (r.conn, r.name) != PRIMARY_ONLY]
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
    # noise: version counters, name case
    for r in rules:
        if not r.tag:
            r.version = 1  # custom rules were re-created on FAB-SYNC02 (noise)
    for key in (CUSTOM_DEPT, CUSTOM_SCOPE, CUSTOM_JOIN, DESC_RULE):
        rule_by(rules, key).version = 2
    for key, version in STAGING_VERSION_BUMPS.items():
        rule_by(rules, key).version = version
    rule_by(rules, NAME_CASE_RULE).name = "In From AD - User Common"

    # noise: every precedence renumbered, relative order kept; then drift 6: one pair swapped.
    def staging_precedence(p: int) -> int:
        if p < 100:
            return p + 1  # custom rules: 40->41, 45 (staging-only) stays 46 below, ...
        if p <= 126:
            return p + 1  # 100-126 -> 101-127
        return p + 2  # 127-137 -> 129-139 (an extra gap at 128)

    for r in rules:
        r.precedence = staging_precedence(r.precedence)
    a, b = rule_by(rules, SWAP_PAIR[0]), rule_by(rules, SWAP_PAIR[1])
    a.precedence, b.precedence = b.precedence, a.precedence
    precs = [r.precedence for r in rules]
    assert len(set(precs)) == len(precs), "duplicate precedence on staging"
    return rules


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
]


# --------------------------------------------------------------------------------------------
# Serialisation: sync rules
# --------------------------------------------------------------------------------------------


def ser_rule(rule: Rule, rule_id: str, conn_id: str, side: Side) -> str:
    L: list[str] = ["<synchronizationRule>"]
    add = L.append
    add(f"  <id>{lo(rule_id)}</id>")
    add(f"  <internal-id>{lo(rule_id)}</internal-id>")
    add(f"  <version>{rule.version}</version>")
    add(f"  <name>{esc(rule.name)}</name>")
    add(
        f"  <description>{esc(rule.description)}</description>"
        if rule.description
        else "  <description />"
    )
    add(f"  <immutable-tag>{rule.tag}</immutable-tag>" if rule.tag else "  <immutable-tag />")
    add(f"  <direction>{rule.direction}</direction>")
    add(f"  <disabled>{'True' if rule.disabled else 'False'}</disabled>")
    add(f"  <connector>{lo(conn_id)}</connector>")
    add(f"  <sourceObjectType>{rule.src_type}</sourceObjectType>")
    add(f"  <targetObjectType>{rule.tgt_type}</targetObjectType>")
    add(f"  <linkType>{rule.link}</linkType>")
    add(f"  <precedence>{rule.precedence}</precedence>")
    add(f"  <precedence-after>{ZERO_GUID}</precedence-after>")
    add(f"  <precedence-before>{ZERO_GUID}</precedence-before>")
    add("  <softDeleteExpiryInterval>00:00:00</softDeleteExpiryInterval>")
    add(f"  <EnablePasswordSync>{'true' if rule.eps else 'false'}</EnablePasswordSync>")

    mappings = list(rule.mappings)
    if side.is_staging and (rule.conn, rule.name.lower()) == (
        MAPPING_SHUFFLE_RULE[0],
        MAPPING_SHUFFLE_RULE[1].lower(),
    ):
        mappings = shuffled(mappings, random.Random(SEED + "/mapping-order"))
    if mappings:
        add("  <attribute-mappings>")
        for mp in mappings:
            add('    <mapping execute-once="true">' if mp.once else "    <mapping>")
            add(f"      <dest>{esc(mp.dest)}</dest>")
            if isinstance(mp.src, list):
                add("      <src>")
                for a in mp.src:
                    add(f"        <attr>{esc(a)}</attr>")
                add("      </src>")
            elif isinstance(mp.src, str):
                add(f"      <src>{esc(mp.src)}</src>")
            if mp.expr is not None:
                expr = mp.expr
                if side.is_staging and any(
                    (rule.conn, rule.name) == k and mp.dest == d for k, d in REFLOW_RULES
                ):
                    expr = reflow_expression(expr)
                add(f"      <expression>{esc(expr)}</expression>")
            add(f"      <valueMergeType>{mp.merge}</valueMergeType>")
            add("    </mapping>")
        add("  </attribute-mappings>")
    else:
        add("  <attribute-mappings />")

    if rule.joins:
        add("  <relationshipCriteria>")
        for jgroup in rule.joins:
            add("    <conditions>")
            for cs, ilm, case in jgroup:
                add("      <condition>")
                if case:
                    add("        <caseSensitive>True</caseSensitive>")
                add(f"        <csAttribute>{esc(cs)}</csAttribute>")
                add(f"        <ilmAttribute>{esc(ilm)}</ilmAttribute>")
                add("      </condition>")
            add("    </conditions>")
        add("  </relationshipCriteria>")
    else:
        add("  <relationshipCriteria />")

    scopes = [list(g) for g in rule.scopes]
    if side.is_staging and (rule.conn, rule.name) in SCOPE_SHUFFLE_RULES:
        srng = random.Random(SEED + "/scope-order/" + rule.key)
        scopes = [shuffled(g, srng) for g in scopes]
        if len(scopes) > 1:
            scopes = shuffled(scopes, srng)
    if scopes:
        add("  <synchronizationCriteria>")
        for group in scopes:
            add("    <conditions>")
            for attr, op, value in group:
                add("      <scope>")
                add(f"        <csAttribute>{esc(attr)}</csAttribute>")
                add(f"        <csOperator>{op}</csOperator>")
                add(f"        <csValue>{esc(value)}</csValue>" if value else "        <csValue />")
                add("      </scope>")
            add("    </conditions>")
        add("  </synchronizationCriteria>")
    else:
        add("  <synchronizationCriteria />")
    add("</synchronizationRule>")
    return "\n".join(L)  # rule files end without a newline


# --------------------------------------------------------------------------------------------
# Serialisation: connectors
# --------------------------------------------------------------------------------------------


def param(
    name: str,
    value: str | None,
    use: str,
    *,
    ptype: str = "string",
    encrypted: bool = False,
    intrinsic: bool = False,
) -> str:
    attrs = f'name="{esc_attr(name)}" type="{ptype}" use="{use}" dataType="String"'
    if encrypted:
        return f'<parameter {attrs} encrypted="1" />'
    if intrinsic:
        attrs += ' intrinsic="1"'
    if value is None or value == "":
        return f"<parameter {attrs} />"
    return f"<parameter {attrs}>{esc(value)}</parameter>"


def header(
    conn_id: str,
    name: str,
    category: str,
    side: Side,
    key: str,
    subtype: str = "",
    listname: str = "",
    company: str = "",
) -> list[str]:
    version, internal = side.connector_versions[key]

    def opt(tag: str, value: str) -> str:
        return f"  <{tag}>{esc(value)}</{tag}>" if value else f"  <{tag} />"

    return [
        "<ma-data>",
        "  <format-version>1</format-version>",
        f"  <id>{up(conn_id)}</id>",
        f"  <name>{esc(name)}</name>",
        f"  <category>{category}</category>",
        "  <description />",
        opt("subtype", subtype),
        opt("ma-listname", listname),
        opt("ma-companyname", company),
        f"  <creation-time>{side.created[key]}</creation-time>",
        f"  <last-modification-time>{side.modified}</last-modification-time>",
        f"  <version>{version}</version>",
        f"  <internal-version>{internal}</internal-version>",
    ]


#: Drift: the Exchange CU extended the EMEA forest's schema and primary's connector schema was
#: refreshed afterwards, staging's was not: (connector key, attribute missing on staging).
STALE_SCHEMA = (E, "msExchExtensionCustomAttribute1")


def ad_schema(key: str, side: Side) -> str:
    """The AD connector's DSML: default namespace, synthetic ids, one line."""
    rng = random.Random(f"{SEED}/dsml/{side.name}/{key}")
    missing = STALE_SCHEMA[1] if side.is_staging and key == STALE_SCHEMA[0] else None
    attributes = [a for a in AD_ATTRIBUTES if a[0] != missing]
    classes = [
        (name, sup, ctype, [m for m in members if m[0] != missing])
        for name, sup, ctype, members in AD_CLASSES
    ]
    return _ad_schema_xml(rng, attributes, classes)


def _ad_schema_xml(
    rng: random.Random,
    attributes: list[tuple[str, str, bool, dict[str, str]]],
    classes: list[tuple[str, str | None, str, list[tuple[str, bool]]]],
) -> str:
    """The DSML of ``attributes`` and ``classes`` (and the dit-content-rules of AD_DIT_RULES)."""
    n_attr = len(attributes)
    # Ids are base-36 numbers handed out in one (random) order, elements are emitted in another.
    attr_index = list(range(n_attr))
    rng.shuffle(attr_index)
    attr_id = {a[0]: "A" + b36(attr_index[i]) for i, a in enumerate(attributes)}
    cls_index = list(range(len(classes)))
    rng.shuffle(cls_index)
    cls_id = {c[0]: "C" + b36(cls_index[i]) for i, c in enumerate(classes)}

    out = [
        '<dsml xmlns="http://www.dsml.org/DSML" xmlns:m="http://www.microsoft.com/MMS/DSML">'
        "<directory-schema>"
    ]
    emit = list(attributes)
    rng.shuffle(emit)
    for name, syntax, single, extra in emit:
        attrs = f'id="{attr_id[name]}"'
        if single:
            attrs += ' single-value="true"'
        for k, v in extra.items():
            attrs += f' {k}="{v}"'
        out.append(
            f"<attribute-type {attrs}><name>{name}</name><syntax>{syntax}</syntax></attribute-type>"
        )
    by_id = sorted(classes, key=lambda c: cls_index[classes.index(c)])
    for name, sup, ctype, members in by_id:
        attrs = f'id="{cls_id[name]}"'
        if sup:
            attrs += f' superior="#{cls_id[sup]}"'
        attrs += f' type="{ctype}"'
        body = "".join(
            f'<attribute ref="#{attr_id[a]}" required="{"true" if req else "false"}" />'
            for a, req in members
        )
        out.append(f"<class {attrs}><name>{name}</name>{body}</class>")
    aux_members = {c[0]: c[3] for c in classes}
    for name, *_unused in by_id:
        if name not in AD_DIT_RULES:
            continue
        seen: list[str] = []
        for aux in AD_DIT_RULES[name]:
            for a, _req in aux_members[aux]:
                if a not in seen:
                    seen.append(a)
        body = "".join(f'<attribute ref="#{attr_id[a]}" required="false" />' for a in seen)
        body += "".join(
            f'<m:aux-class ref="#{cls_id[aux]}" />' for aux in reversed(AD_DIT_RULES[name])
        )
        out.append(f'<m:dit-content-rule id="{cls_id[name]}">{body}</m:dit-content-rule>')
    out.append("</directory-schema></dsml>")
    return "".join(out)


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


RUN_PROFILES = [
    "Full Import",
    "Full Synchronization",
    "Delta Import",
    "Delta Synchronization",
    "Export",
]


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


def run_profiles_xml(key: str, side: Side, ids: Ids, kind: str) -> str:
    part = up(ids.partition[key])
    version = side.run_versions[key]
    steps = {
        "Full Import": (
            '<step-type type="full-import"><import-subtype>to-cs</import-subtype></step-type>',
            50,
        ),
        "Full Synchronization": (
            '<step-type type="apply-rules"><apply-rules-subtype>'
            "reevaluate-flow-connectors</apply-rules-subtype></step-type>",
            0,
        ),
        "Delta Import": (
            '<step-type type="delta-import"><import-subtype>to-cs</import-subtype></step-type>',
            50,
        ),
        "Delta Synchronization": (
            '<step-type type="apply-rules"><apply-rules-subtype>'
            "apply-pending</apply-rules-subtype></step-type>",
            0,
        ),
        "Export": ('<step-type type="export" />', 30),
    }
    out = ["<ma-run-data>"]
    for profile in RUN_PROFILES:
        step_type, batch = steps[profile]
        if kind == "AD":
            page = 500
            if key == F and profile == "Delta Import" and side.is_staging:
                page = 1000  # drift 12
            custom = (
                f"<adma-step-data><batch-size>{batch}</batch-size><page-size>{page}"
                "</page-size><time-limit>120</time-limit></adma-step-data>"
            )
        else:
            custom = (
                f"<extensible2-step-data><timeout>120</timeout><batch-size>{batch}"
                "</batch-size></extensible2-step-data><parameter-values />"
            )
        out.append(
            f"<run-configuration><id>{lo(ids.run[(key, profile)])}</id><name>{profile}</name>"
            f"<version>{version}</version><configuration><step>{step_type}<threshold><object>0"
            f"</object><batch-size>{batch}</batch-size></threshold><partition>{part}</partition>"
            f"<custom-data>{custom}</custom-data></step></configuration></run-configuration>"
        )
    out.append("</ma-run-data>")
    return "".join(out)


PASSWORD_SYNC_TAIL = (
    "<component_mappings /><password-sync><maximum-retry-count>10"
    "</maximum-retry-count><retry-interval>60</retry-interval>"
    "<allow-low-security>0</allow-low-security><unlock-account>0"
    "</unlock-account></password-sync><encrypted-attributes /></ma-data>"
)


def ser_ad_connector(key: str, side: Side, ids: Ids) -> str:
    forest = AD_FORESTS[key]
    fqdn, dn, netbios = forest["name"], forest["dn"], forest["netbios"]
    rng = random.Random(f"{SEED}/ad-order/{side.name}/{key}")
    lines = header(ids.connector[key], fqdn, "AD", side, key)

    phs_enabled = "1"
    if key == E and side.is_staging:
        phs_enabled = "0"  # drift 11
    params = [
        param("forest-port", "0", "connectivity"),
        param("forest-guid", ZERO_GUID, "connectivity"),
        param("forest-login-user", ids.msol[key], "connectivity"),
        param("forest-login-domain", fqdn, "connectivity"),
        param("default-ssl-strength", "0", "connectivity"),
        param("password", None, "connectivity", ptype="encrypted-string", encrypted=True),
        param("forest-name", fqdn, "connectivity"),
        param("sign-and-seal", "1", "connectivity"),
        param("crl-check", "0", "connectivity"),
        param("ssl-bind", "0", "connectivity"),
        param("simple-bind", "0", "connectivity"),
        param("Connector.GroupFilteringGroupDn", None, "global"),
        param("ADS_UF_ACCOUNTDISABLE", "0x2", "global", intrinsic=True),
        param("ADS_GROUP_TYPE_GLOBAL_GROUP", "0x00000002", "global", intrinsic=True),
        param("ADS_GROUP_TYPE_DOMAIN_LOCAL_GROUP", "0x00000004", "global", intrinsic=True),
        param("ADS_GROUP_TYPE_LOCAL_GROUP", "0x00000004", "global", intrinsic=True),
        param("ADS_GROUP_TYPE_UNIVERSAL_GROUP", "0x00000008", "global", intrinsic=True),
        param("ADS_GROUP_TYPE_SECURITY_ENABLED", "0x80000000", "global", intrinsic=True),
        param("Forest.FQDN", fqdn, "global", intrinsic=True),
        param("Forest.LDAP", dn, "global", intrinsic=True),
        param("Forest.Netbios", netbios, "global", intrinsic=True),
    ]
    if key == F and side.is_staging:
        params = shuffled(params, rng)  # noise
    private = (
        "<private-configuration><adma-configuration>"
        f"<forest-name>{fqdn}</forest-name><forest-guid>{ZERO_GUID}</forest-guid>"
        f"<forest-port>0</forest-port><forest-login-domain>{fqdn}</forest-login-domain>"
        f"<forest-login-user>{ids.msol[key]}</forest-login-user><sign-and-seal>1</sign-and-seal>"
        '<default-ssl-strength>0</default-ssl-strength><ssl-bind crl-check="0">0</ssl-bind>'
        "<simple-bind>0</simple-bind><password-hash-sync-config>"
        f"<enabled>{phs_enabled}</enabled><target>{up(ids.connector[A])}</target>"
        "</password-hash-sync-config>"
        f"<parameter-values>{''.join(params)}</parameter-values>"
        "</adma-configuration></private-configuration>"
    )

    inclusion = list(AD_INCLUSION)
    if key == F and side.is_staging:
        inclusion.remove("thumbnailPhoto")  # drift 8
        inclusion = shuffled(inclusion, rng)  # noise
    attr_incl = (
        "<attribute-inclusion>"
        + "".join(f"<attribute>{a}</attribute>" for a in inclusion)
        + "</attribute-inclusion>"
    )

    object_classes = list(AD_OBJECT_CLASSES)
    if key == E and side.is_staging:
        object_classes.remove("contact")  # drift 9
    if side.is_staging:
        object_classes = shuffled(object_classes, rng)  # noise
    excl = list(OU_FILTER[key]["exclusions"])
    incl = list(OU_FILTER[key]["inclusions"])
    if key == F and side.is_staging:
        incl.remove("OU=Sales,OU=Fabrikam,DC=fabrikam,DC=com")  # drift 7
        excl.append("OU=Contractors,OU=Users,OU=Fabrikam,DC=fabrikam,DC=com")  # drift 7
        incl = shuffled(incl, rng)  # noise
    last_dc = side.last_dc[key]
    cookie = ids.cookie[key]
    dguid = up(DOMAIN_GUID[key])
    pversion = side.partition_versions[key]
    partition = (
        "<ma-partition-data><partition>"
        f"<id>{lo(ids.partition[key])}</id><name>{dn}</name>"
        f"<creation-time>{partition_created(side, key)}</creation-time>"
        f"<last-modification-time>{side.modified}</last-modification-time>"
        f"<version>{pversion}</version><selected>1</selected>"
        f"<display-name>{fqdn}</display-name><filter><object-classes>"
        + "".join(f"<object-class>{c}</object-class>" for c in object_classes)
        + "</object-classes><containers><exclusions>"
        + "".join(f"<exclusion>{esc(x)}</exclusion>" for x in excl)
        + "</exclusions><inclusions>"
        + "".join(f"<inclusion>{esc(x)}</inclusion>" for x in incl)
        + "</inclusions></containers></filter><custom-data><adma-partition-data>"
        f"<dn>{dn}</dn><name>{fqdn}</name><guid>{dguid}</guid><sign-and-seal>1</sign-and-seal>"
        f"<is-domain>1</is-domain><last-dc>{last_dc}</last-dc><dc-failover>1</dc-failover>"
        '<ssl-bind crl-check="0">0</ssl-bind><simple-bind>0</simple-bind>'
        f"<cookie>{cookie}</cookie></adma-partition-data></custom-data><parameter-values>"
        + param("guid", dguid, "partition")
        + param("sign-and-seal", "1", "partition")
        + param("last-dc", last_dc, "partition")
        + param("dc-failover", "1", "partition")
        + param("crl-check", "0", "connectivity")
        + param("ssl-bind", "0", "partition")
        + param("simple-bind", "0", "partition")
        + param("cookie", cookie, "partition")
        + param("Domain.FQDN", fqdn, "partition", intrinsic=True)
        + param("Domain.LDAP", dn, "partition", intrinsic=True)
        + param("Domain.Netbios", netbios, "partition", intrinsic=True)
        + "</parameter-values></partition></ma-partition-data>"
    )
    body = (
        "  <password-sync-allowed>0</password-sync-allowed>"
        f"<schema>{ad_schema(key, side)}</schema>"
        + private
        + attr_incl
        + "<join/><projection/><export-attribute-flow/>"
        + partition
        + run_profiles_xml(key, side, ids, "AD")
        + PASSWORD_SYNC_TAIL
    )
    return "\n".join([*lines, body])  # no trailing newline, body on one line


def aad_class_members(rules: list[Rule]) -> dict[str, list[str]]:
    members: dict[str, set[str]] = {c: set(AAD_EXTRA_MEMBERS[c]) for c in AAD_EXTRA_MEMBERS}
    for r in rules:
        if r.conn != A:
            continue
        cls = r.tgt_type if r.direction == "Outbound" else r.src_type
        bucket = members[cls]
        for mp in r.mappings:
            if r.direction == "Outbound":
                if mp.dest != "dn":
                    bucket.add(mp.dest)
            elif isinstance(mp.src, list):
                bucket.update(mp.src)
        for jgroup in r.joins:
            bucket.update(cs for cs, _ilm, _c in jgroup)
        if r.direction == "Inbound":
            for group in r.scopes:
                bucket.update(a for a, _o, _v in group)
    for cls in members:
        members[cls].discard("cloudAnchor")
    return {c: ci_sorted(list(v)) for c, v in members.items()}


def ser_aad_connector(side: Side, ids: Ids, rules: list[Rule]) -> str:
    name = STAGING_AAD_NAME if side.is_staging else AAD_NAME
    lines = header(
        ids.connector[A],
        name,
        "Extensible2",
        side,
        A,
        subtype="Windows Azure Active Directory (Microsoft)",
        listname="Windows Azure Active Directory (Microsoft)",
        company="Microsoft",
    )
    lines.append("  <password-sync-allowed>0</password-sync-allowed>")
    lines.append("  <schema>")
    lines.append(
        '    <dsml:dsml xmlns:ms-dsml="http://www.microsoft.com/MMS/DSML" '
        'xmlns:dsml="http://www.dsml.org/DSML">'
    )
    lines.append('      <dsml:directory-schema ms-dsml:no-objectclass-validation="true">')
    members = aad_class_members(primary_rules())
    classes = ["contact", "device", "group", "user"]
    used: set[str] = {"cloudAnchor"}
    for cls in classes:
        lines.append(f'        <dsml:class id="{cls}" type="structural">')
        lines.append(f"          <dsml:name>{cls}</dsml:name>")
        for a in members[cls]:
            if a not in AAD_TYPES:
                raise KeyError(f"AAD attribute {a} has no type")
            used.add(a)
            lines.append(f'          <dsml:attribute ref="#{a}" required="false" />')
        lines.append(
            '          <dsml:attribute ref="#cloudAnchor" required="true" '
            'ms-dsml:isAnchor="true" />'
        )
        lines.append("        </dsml:class>")
    for a in ci_sorted(list(used)):
        syntax, single = AAD_TYPES[a]
        lines.append(
            f'        <dsml:attribute-type id="{a}" single-value="{"true" if single else "false"}">'
        )
        lines.append(f"          <dsml:name>{a}</dsml:name>")
        lines.append(f"          <dsml:syntax>{syntax}</dsml:syntax>")
        lines.append("        </dsml:attribute-type>")
    lines.append("      </dsml:directory-schema>")
    lines.append("    </dsml:dsml>")
    lines.append("  </schema>")
    lines.append("  <private-configuration>")
    lines.append("    <MAConfig>")
    lines.append("      <primary_class_mappings>")
    for cls in classes:
        lines.append("        <mapping>")
        lines.append(f"          <primary_class>{cls}</primary_class>")
        lines.append(f"          <oc-value>{cls}</oc-value>")
        lines.append("        </mapping>")
    version = "2.4.27.0" if side.is_staging else "2.4.18.0"  # drift 14b
    per_class_dn = "".join(
        f'<attribute object_class="{c}">cloudAnchor</attribute>' for c in classes
    )
    per_class = "".join(
        f"<class><name>{c}</name><anchor><attribute>cloudAnchor</attribute></anchor></class>"
        for c in classes
    )
    lines.append(
        "      </primary_class_mappings><change_type_attribute/><add_change_type_value>Add"
        "</add_change_type_value><modify_change_type_value>Modify</modify_change_type_value>"
        "<delete_change_type_value>Delete</delete_change_type_value><ldap-dn>0</ldap-dn>"
        "<case_normalize_dn_for_anchor>1</case_normalize_dn_for_anchor><extension-config>"
        "<filename>Microsoft.Azure.ActiveDirectory.Connector.dll</filename>"
        "<import-default-page-size>50</import-default-page-size><import-max-page-size>50"
        "</import-max-page-size><export-default-page-size>30</export-default-page-size>"
        "<export-max-page-size>30</export-max-page-size><export-mode>call-based</export-mode>"
        "<import-mode>call-based</import-mode><export-enabled>1</export-enabled>"
        "<import-enabled>1</import-enabled><capability-bits>2147982384</capability-bits>"
        "<export-type>2</export-type><discovery-partition /><discovery-schema>extensibility"
        "</discovery-schema><discovery-hierarchy /><password-management-enabled />"
        f"<assembly-version>{version}</assembly-version></extension-config>"
        "<file-type>Extensible2</file-type><importing>"
        f"<dn>{per_class_dn}</dn><anchor>{per_class_dn}</anchor>"
        f"<per-class-settings>{per_class}</per-class-settings></importing>"
        "<parameter-definitions><parameter><name>UserName</name><use>connectivity</use>"
        "<type>string</type><validation /><text /><default-value /></parameter><parameter>"
        "<name>Password</name><use>connectivity</use><type>encrypted-string</type>"
        "<validation /><text /><default-value /></parameter></parameter-definitions>"
        "<parameter-values>"
        + param("UserName", ids.sync_account, "connectivity")
        + param("Password", None, "connectivity", ptype="encrypted-string", encrypted=True)
        + "</parameter-values><possible_component_mappings /><aad-password-reset-config>"
        f"<enabled>1</enabled><modified-timestamp>{side.pwreset_modified}</modified-timestamp>"
        f"<adal-authority>https://login.windows.net/{TENANT}</adal-authority>"
        "</aad-password-reset-config></MAConfig>"
    )
    lines.append("  </private-configuration>")
    lines.append("  <attribute-inclusion>")
    for a in ci_sorted(list(used)):
        lines.append(f"    <attribute>{a}</attribute>")
    partition = (
        "  </attribute-inclusion><join/><projection/><export-attribute-flow/><ma-partition-data>"
        f"<partition><id>{lo(ids.partition[A])}</id><name>default</name>"
        f"<creation-time>{partition_created(side, A)}</creation-time>"
        f"<last-modification-time>{side.modified}</last-modification-time>"
        f"<version>{side.partition_versions[A]}</version><selected>1</selected>"
        "<display-name>default</display-name><filter><object-classes>"
        + "".join(f"<object-class>{c}</object-class>" for c in classes)
        + "</object-classes><containers><exclusions /><inclusions><inclusion /></inclusions>"
        "</containers></filter><custom-data><ecma-partition-data><dn>default</dn>"
        "<name>default</name><is-domain>1</is-domain></ecma-partition-data>"
        f"<water-mark>{ids.water_mark}</water-mark></custom-data></partition>"
        "</ma-partition-data>" + run_profiles_xml(A, side, ids, "AAD") + PASSWORD_SYNC_TAIL
    )
    lines.append(partition)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Serialisation: MV.xml
# --------------------------------------------------------------------------------------------


def mv_members(rules: list[Rule]) -> dict[str, list[str]]:
    members: dict[str, set[str]] = {c: set(v) for c, v in MV_EXTRA_MEMBERS.items()}
    for r in rules:
        if r.direction == "Inbound":
            bucket = members[r.tgt_type]
            for mp in r.mappings:
                bucket.add(mp.dest)
            for jgroup in r.joins:
                bucket.update(ilm for _cs, ilm, _c in jgroup)
        else:
            bucket = members[r.src_type]
            for mp in r.mappings:
                if isinstance(mp.src, list):
                    bucket.update(mp.src)
                if mp.expr:
                    bucket.update(expr_attrs(mp.expr))
            for jgroup in r.joins:
                bucket.update(ilm for _cs, ilm, _c in jgroup)
            for group in r.scopes:
                bucket.update(a for a, _o, _v in group)
    return {c: ci_sorted(list(v)) for c, v in members.items()}


def global_parameters(side: Side) -> list[tuple[str, str]]:
    st = side.is_staging
    return [
        ("Microsoft.Synchronize.SynchronizationPolicy", "Delta"),
        ("Microsoft.SynchronizationOption.JoinCriteria", "AlwaysProvision"),
        ("Microsoft.Synchronize.MaintenanceEnabled", "True"),
        ("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "1000" if st else "500"),
        ("Microsoft.Version.SynchronizationRuleImmutableTag", "V1"),
        ("Microsoft.SynchronizationOption.AnchorAttribute", "mS-DS-ConsistencyGuid"),
        ("Microsoft.OptionalFeature.DirectoryExtensionAttributes", ""),
        ("Microsoft.OptionalFeature.FilterAAD", "False"),
        ("Microsoft.GroupWriteBack.Forest", ""),
        ("Microsoft.GroupWriteBack.Container", ""),
        ("Microsoft.SynchronizationOption.UPNAttribute", "userPrincipalName"),
        ("Microsoft.Synchronize.SchedulerSuspended", "False"),
        ("Microsoft.OptionalFeature.DirectoryExtension", "False"),
        ("Microsoft.SynchronizationOption.CustomAttribute", ""),
        ("Microsoft.Synchronize.TimeInterval", "00:30:00"),
        ("Microsoft.Synchronize.ServerConfigurationVersion", "2.4.27.0" if st else "2.4.18.0"),
        ("Microsoft.AADFilter.AttributeExclusionList", ""),
        ("Microsoft.OptionalFeature.DeviceWriteBack", "False"),
        ("Microsoft.OptionalFeature.AutoUpgradeState", "Suspended"),
        (
            "Microsoft.OptionalFeature.AutoUpgradeSuspensionReason",
            "UpgradeNotSupportedCustomizedSyncRules",
        ),
        ("Microsoft.UserWriteBack.Forest", ""),
        ("Microsoft.Synchronize.RunHistoryPurgeInterval", "7.00:00:00"),
        ("Microsoft.OptionalFeature.GroupFiltering", "False"),
        ("Microsoft.DeviceWriteBack.Forest", ""),
        ("Microsoft.Synchronize.SynchronizationSchedule", "True"),
        ("Microsoft.Synchronize.NextStartTime", side.next_start),
        ("Microsoft.Synchronize.StagingMode", "True" if st else "False"),
        ("Microsoft.OptionalFeature.ExportDeletionThreshold", "True"),
        ("Microsoft.OptionalFeature.DeviceWriteUp", "True"),
        ("Microsoft.OptionalFeature.UserWriteBack", "False"),
        ("Microsoft.AADFilter.ApplicationList", ""),
        ("Microsoft.DirectoryExtension.SourceTargetAttributesMap", ""),
        ("Microsoft.DeviceWriteBack.Container", ""),
        ("Microsoft.UserWriteBack.Container", ""),
        ("Microsoft.OptionalFeature.HybridExchange", "True"),
        ("Microsoft.OptionalFeature.ExchangeMailPublicFolder", "False"),
        ("Microsoft.OptionalFeature.GroupWriteBack", "False"),
        ("Microsoft.UserSignIn.SignOnMethod", "PasswordHashSync"),
        ("Microsoft.UserSignIn.DesktopSsoEnabled", "True"),
        ("Microsoft.ConnectDirectories.WizardDirectoryMode", "ActiveDirectory"),
        ("Microsoft.SystemInformation.MachineRole", "RoleMemberServer"),
    ]


def ser_mv(side: Side, rules: list[Rule]) -> str:
    members = mv_members(rules)
    if side.is_staging:
        members["person"] = ci_sorted(members["person"] + ["costCenter"])  # drift 15
    out = [
        f"<saved-mv-configuration server='{side.server}' export-date='{side.export_date}'>",
        WARNING_COMMENT,
        "<mv-data>",
        " <format-version>1</format-version>",
        f" <version>{side.mv_version}</version>",
        " <schema>",
        '  <dsml:dsml xmlns:ms-dsml="http://www.microsoft.com/MMS/DSML" '
        'xmlns:dsml="http://www.dsml.org/DSML">',
        '      <dsml:directory-schema ms-dsml:no-objectclass-validation="true">',
    ]
    used: set[str] = set()
    for cls in ("person", "group", "device"):
        out.append(f'        <dsml:class id="{cls}" type="structural">')
        out.append(f"          <dsml:name>{cls}</dsml:name>")
        for a in members[cls]:
            if a not in MV_TYPES:
                raise KeyError(f"MV attribute {a} has no type")
            used.add(a)
            out.append(f'          <dsml:attribute ref="#{a}" required="false" />')
        out.append("        </dsml:class>")
    for a in ci_sorted(list(used)):
        syntax, single, indexable = MV_TYPES[a]
        extra = ' ms-dsml:indexable="true"' if indexable else ""
        out.append(
            f'        <dsml:attribute-type id="{a}" '
            f'single-value="{"true" if single else "false"}"{extra}>'
        )
        out.append(f"          <dsml:name>{a}</dsml:name>")
        out.append(f"          <dsml:syntax>{syntax}</dsml:syntax>")
        out.append("        </dsml:attribute-type>")
    out += [
        "      </dsml:directory-schema>",
        "    </dsml:dsml>",
        " </schema>",
        " <password-change-history-size>24</password-change-history-size>",
        " <password-sync />",
        " <parameter-values>",
    ]
    params = global_parameters(side)
    if side.is_staging:
        params = shuffled(params, random.Random(SEED + "/mv-params"))  # noise
    for name, value in params:
        out.append("    " + param(name, value, "SynchronizationGlobal"))
    out += ["  </parameter-values>", "</mv-data>", "", "</saved-mv-configuration>", ""]
    return "\n".join(out)


def rewrite_with_ns_prefixes(text: str) -> str:
    """What an ElementTree-based tool writes back: ns0:/ns1: prefixes, declared on the root."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(text, parser=parser)
    return ET.tostring(root, encoding="unicode")


# --------------------------------------------------------------------------------------------
# Writing an export folder
# --------------------------------------------------------------------------------------------


def to_bytes(text: str, *, crlf: bool = False, utf16: bool = False) -> bytes:
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if utf16:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("ascii")


def gui_wrap(body: str, side: Side) -> str:
    return (
        f"<saved-ma-configuration server='{side.server}' export-date='{side.ma_export_date}'>"
        f"\n{WARNING_COMMENT}\n{body}\n\n</saved-ma-configuration>\n"
    )


def check_model(rules: list[Rule]) -> None:
    """Every AD attribute a rule touches is in the schema and the attribute inclusion."""
    for r in rules:
        if r.conn == A:
            continue
        used: set[str] = set()
        for mp in r.mappings:
            if r.direction == "Inbound" and isinstance(mp.src, list):
                used.update(mp.src)
            if r.direction == "Outbound":
                used.add(mp.dest)
        for jgroup in r.joins:
            used.update(cs for cs, _ilm, _c in jgroup)
        if r.direction == "Inbound":
            for group in r.scopes:
                used.update(a for a, _o, _v in group)
        missing = used - set(AD_INCLUSION)
        if missing:
            raise AssertionError(f"{r.key}: AD attributes not included: {sorted(missing)}")
    assert set(AD_INCLUSION) <= AD_ATTR_NAMES, set(AD_INCLUSION) - AD_ATTR_NAMES
    members = {a for c in AD_CLASSES for a, _r in c[3]}
    assert members <= AD_ATTR_NAMES, members - AD_ATTR_NAMES


def build_side(name: str, root: Path) -> dict[str, Any]:
    side = make_side(name)
    rules = staging_rules() if side.is_staging else primary_rules()
    check_model(rules)
    ids = make_ids(side, rules)
    out = root / name
    if out.exists():
        shutil.rmtree(out)
    for sub in ("Connectors", "GlobalSettings", "SynchronizationRules"):
        (out / sub).mkdir(parents=True)

    for key in (F, E):
        text = ser_ad_connector(key, side, ids)
        if side.is_staging and key == E:
            text = gui_wrap(text, side)  # noise: GUI-style wrapper
        path = out / "Connectors" / f"Connector_{lo(ids.connector[key])}.xml"
        path.write_bytes(to_bytes(text))
    aad = ser_aad_connector(side, ids, rules)
    (out / "Connectors" / f"Connector_{lo(ids.connector[A])}.xml").write_bytes(
        to_bytes(aad, crlf=side.is_staging)
    )  # noise: CRLF on staging

    mv = ser_mv(side, rules)
    if side.is_staging:
        mv = rewrite_with_ns_prefixes(mv)  # noise: ns0:/ns1:
    (out / "GlobalSettings" / "MV.xml").write_bytes(to_bytes(mv))

    for rule in rules:
        rid = rule_guid(ids, rule)
        text = ser_rule(rule, rid, ids.connector[rule.conn], side)
        utf16 = side.is_staging and any((rule.conn, rule.name) == k for k in UTF16_RULES)
        path = out / "SynchronizationRules" / f"SynchronizationRule_{lo(rid)}.xml"
        path.write_bytes(to_bytes(text, crlf=utf16, utf16=utf16))
    return {"side": side, "rules": rules, "ids": ids}


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


def write_docs(root: Path, primary: dict[str, Any], staging: dict[str, Any]) -> None:
    p_rules: list[Rule] = primary["rules"]
    s_rules: list[Rule] = staging["rules"]
    lines = [
        "# driftcheck sample exports: Fabrikam primary / staging",
        "",
        "Generated by `tools/build_samples.py` (deterministic; re-run it instead of editing "
        "these files by hand). The data is fictional.",
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
        "`expected-drift.json` holds the same drift and noise lists for tests.",
        "",
    ]
    (root / "README.md").write_text("\n".join(lines), encoding="utf-8")
    manifest = {
        "primary": {"folder": "primary", "server": "FAB-SYNC01", "rules": len(p_rules)},
        "staging": {"folder": "staging", "server": "FAB-SYNC02", "rules": len(s_rules)},
        "drift": DRIFT,
        "noise": NOISE,
    }
    (root / "expected-drift.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "samples",
        help="samples folder (default: <project>/samples)",
    )
    ap.add_argument("--no-verify", action="store_true", help="skip the lxml verification")
    args = ap.parse_args(argv)
    root: Path = args.out
    root.mkdir(parents=True, exist_ok=True)
    primary = build_side(PRIMARY, root)
    staging = build_side(STAGING, root)
    write_docs(root, primary, staging)
    print(
        f"wrote {root / PRIMARY} ({len(primary['rules'])} rules) and "
        f"{root / STAGING} ({len(staging['rules'])} rules)"
    )
    if not args.no_verify:
        problems = verify(root)
        for p in problems:
            print("VERIFY:", p, file=sys.stderr)
        if problems:
            return 1
        print("verified: every file parses; GUID references resolve on each side")
    return 0


if __name__ == "__main__":
    sys.exit(main())
