"""Scenario table 2: the N-forest estate for the benchmark and the large-estate tests.

``write_pair(out_dir, connectors=N, rules_per_connector=M, drift=K, seed=S)`` writes
``out_dir/primary/``, ``out_dir/staging/`` and ``out_dir/planted.json`` (a manifest, see
:mod:`exportkit.manifest`, listing the K planted differences as findings plus a ``planted``
list of kinds and descriptions).

N AD forests (``forest07.fabrikam.com``, some with child domains) and one Entra ID connector.
Each AD connector gets the catalogue's out-of-box rules (up to 13, inbound and outbound
interleaved) and custom rules up to M; the Entra ID connector its 12 out-of-box rules. Every AD
connector carries a realistic forest schema (~3,400 attribute types, ~570 classes and their
dit-content-rules: the 1.8 MB one-line body of a genuine export) with the forest's own
extension attributes. The staging side is the primary with every noise transform of
:mod:`exportkit.noise` applied (a fresh server of the same configuration), then the planted
drift. Output is a pure function of the arguments (one ``random.Random(seed)``).
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import zip_longest
from pathlib import Path

from . import noise
from .catalog import (
    AAD_TYPES,
    AD_ATTRIBUTES,
    AD_INCLUSION,
    AD_OBJECT_CLASSES,
    MV_TYPES,
    aad_class_members,
    aad_rules,
    ad_outbound_rules,
    ad_parameters,
    ad_rules,
    computer_join,
    device_join,
    global_parameters,
    immutable_id,
    m,
    mv_members,
)
from .manifest import Finding, dumps, manifest
from .model import (
    RUN_PROFILES,
    AadConnector,
    AdConnector,
    AdPartition,
    AdSchema,
    AttributeType,
    DitContentRule,
    Export,
    Mapping,
    Metaverse,
    Rule,
    SchemaClass,
)
from .text import (
    SYN_BOOL,
    SYN_DN,
    SYN_GT,
    SYN_INT,
    SYN_LINT,
    SYN_OCT,
    SYN_STR,
    b36,
    ci_sorted,
    hex12,
    new_guid,
)
from .writer import Written, write_export

#: Bumped whenever the same arguments would generate different files (the benchmark names its
#: dataset folders after it, so that it regenerates rather than reuse stale data).
GENERATION = 3
ORG = "fabrikam"
TENANT = "fabrikam.onmicrosoft.com"
AAD = "aad"
VERSION = "2.4.18.0"

S_STRING, S_DN, S_OCTET, S_INT, S_BOOL, S_TIME, S_LARGE = (
    SYN_STR,
    SYN_DN,
    SYN_OCT,
    SYN_INT,
    SYN_BOOL,
    SYN_GT,
    SYN_LINT,
)
_FILLER_SYNTAXES = (
    (S_STRING, 33),
    (S_INT, 27),
    (S_DN, 12),
    (S_OCTET, 10),
    (S_BOOL, 7),
    (S_LARGE, 4),
    ("1.3.6.1.4.1.1466.115.121.1.26", 2),
    ("1.2.840.113556.1.4.905", 1),
    ("1.3.6.1.4.1.1466.115.121.1.44", 1),
    (S_TIME, 1),
    ("1.2.840.113556.1.4.904", 1),
    ("1.3.6.1.4.1.1466.115.121.1.38", 1),
)
_EXT = tuple(f"extensionAttribute{i}" for i in range(1, 16))

AD_UNSYNCED = (
    "objectClass", "distinguishedName", "name", "whenCreated", "whenChanged", "uSNChanged",
    "uSNCreated", "memberOf", "directReports", "lastLogon", "lastLogonTimestamp", "logonCount",
    "badPwdCount", "badPasswordTime", "primaryGroupID", "sIDHistory", "servicePrincipalName",
    "unicodePwd", "ntPwdHistory", "lmPwdHistory", "supplementalCredentials", "nTSecurityDescriptor",
    "objectCategory", "instanceType", "systemFlags", "showInAdvancedViewOnly",
    "dSCorePropagationData", "msDS-User-Account-Control-Computed", "msDS-ReplAttributeMetaData",
    "gPLink", "gPOptions", "ou", "dc", "dnsRoot", "nETBIOSName", "msExchVersion",
    "msExchPoliciesIncluded", "msExchWhenMailboxCreated", "msExchHomeServerName", "homeMDB",
    "homeMTA", "mDBUseDefaults", "msExchMailboxSecurityDescriptor", "msExchUMDtmfMap",
    "showInAddressBook", "textEncodedORAddress", "msExchRBACPolicyLink", "msExchTextMessagingState",
    "msExchUserAccountControl",
)  # fmt: skip

#: Multi-valued attributes (AD, metaverse and Entra ID spellings).
MULTI_VALUED = frozenset(
    {
        "proxyAddresses", "member", "otherTelephone", "otherMobile", "otherHomePhone",
        "otherFacsimileTelephoneNumber", "otherIpPhone", "otherPager", "userCertificate",
        "userSMIMECertificate", "authOrig", "unauthOrig", "dLMemRejectPerms", "dLMemSubmitPerms",
        "publicDelegates", "msExchCoManagedByLink", "msExchDelegateListLink",
        "msExchModeratedByLink", "msExchBypassModerationLink", "msExchAuditAdmin",
        "msExchBypassModerationFromDLMembersLink", "msExchSenderHintTranslations",
        "msExchResourceMetaData", "msExchResourceSearchProperties", "msExchUserHoldPolicies",
        "sIDHistory", "objectClass", "url", "memberOf", "directReports", "servicePrincipalName",
        "msExchPoliciesIncluded", "msDS-KeyCredentialLink", "msExchTeamMailboxOwners",
        "msExchAuditDelegate", "msExchAuditDelegateAdmin", "msExchAuditOwner",
        "cloudMSExchDelegateListLink", "cloudMSExchUserHoldPolicies", "cloudPublicDelegates",
        "cloudMSExchTeamMailboxOwners", "searchableDeviceKey", "registeredUsersReference",
        "devicePhysicalIds", "alternativeSecurityId", "cloudProxyAddresses",
        "msExchExtensionCustomAttribute1", "msExchExtensionCustomAttribute2",
        "msExchExtensionCustomAttribute3", "msExchExtensionCustomAttribute4",
        "msExchExtensionCustomAttribute5", "dirSyncOverrides",
    }
)  # fmt: skip

_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("Guid", S_OCTET), ("GUID", S_OCTET), ("Sid", S_OCTET), ("SID", S_OCTET),
    ("Hash", S_OCTET), ("Certificate", S_OCTET), ("Photo", S_OCTET), ("photo", S_OCTET),
    ("Link", S_DN), ("manager", S_DN), ("member", S_DN), ("managedBy", S_DN),
    ("assistant", S_DN), ("authOrig", S_DN), ("Perms", S_DN), ("Delegates", S_DN),
    ("altRecipient", S_DN), ("Reference", S_DN), ("Flags", S_INT), ("Type", S_INT),
    ("Capacity", S_INT), ("Restriction", S_INT), ("countryCode", S_INT), ("Control", S_INT),
    ("Index", S_INT), ("Limit", S_INT), ("Options", S_INT), ("Enabled", S_BOOL),
    ("Hide", S_BOOL), ("hide", S_BOOL), ("isCritical", S_BOOL), ("Moderation", S_BOOL),
    ("RequireAuth", S_BOOL), ("reportTo", S_BOOL), ("oOFReply", S_BOOL), ("BypassAudit", S_BOOL),
    ("AuditEnable", S_BOOL), ("pwdLast", S_LARGE), ("accountExpires", S_LARGE),
    ("lastLogon", S_LARGE), ("Date", S_TIME), ("Suspension", S_TIME), ("when", S_TIME),
)  # fmt: skip
_EXACT_SYNTAX = {
    "msExchRecipientTypeDetails": S_LARGE,
    "msExchRemoteRecipientType": S_LARGE,
    "msExchRecipientDisplayType": S_INT,
    "employeeType": S_STRING,
    "sourceObjectType": S_STRING,
    "deviceOSType": S_STRING,
    "deviceTrustType": S_STRING,
    "msDS-CloudAnchor": S_STRING,
    "accountEnabled": S_BOOL,
    "cloudFiltered": S_BOOL,
    "cloudMastered": S_BOOL,
    "securityEnabled": S_BOOL,
    "groupType": S_INT,
}


def syntax_of(name: str) -> str:
    """A plausible LDAP syntax OID for an attribute name (string unless a hint says otherwise)."""
    if name in _EXACT_SYNTAX:
        return _EXACT_SYNTAX[name]
    for hint, syntax in _SYNTAX_HINTS:
        if hint in name:
            return syntax
    return S_STRING


CUSTOM_TOPICS = (
    "UsageLocation", "Department Mapping", "Extension Attributes", "Employee Data",
    "Proxy Cleanup", "Manager Resolution", "Cost Center", "Badge Number", "Office Location",
    "Phone Normalisation", "Display Name Format", "Title Override", "Company Name", "Division",
    "Hire Date", "Mail Routing", "Naming Standard", "Filtering", "Service Accounts",
    "Shared Mailboxes", "Room Mailboxes", "Legacy Attributes", "HR Feed", "Country Code",
    "Preferred Language", "Photo", "Alias Format", "SIP Address", "Contractors", "Account Expiry",
)  # fmt: skip
_CUSTOM_FLOW_ATTRS = (
    *_EXT, "employeeID", "employeeNumber", "employeeType", "department", "division", "company",
    "title", "physicalDeliveryOfficeName", "telephoneNumber", "mobile", "preferredLanguage",
    "displayName", "givenName", "sn", "info", "c", "co", "l", "st", "postalCode", "streetAddress",
    "mail", "wWWHomePage",
)  # fmt: skip
_EXPRESSION_TEMPLATES = (
    "IIF(IsPresent([{a}]),Trim([{a}]),NULL)",
    "IIF(IsNullOrEmpty([{a}]),IgnoreThisFlow,LCase([{a}]))",
    "Left(Trim([{a}]),{n})",
    'IIF(Len([{a}]) > {n}, Left([{a}],{n}), [{a}])',
    '"SMTP:" & [{a}]',
    'Word([{a}],1,"@")',
    'Replace([{a}],"\\\\","/")',
    'IIF(InStr([{a}],"{{")>0,Mid([{a}],2,36),[{a}])',
    'IIF(BitAnd([userAccountControl],&H2)=&H2,"Disabled",[{a}])',
    "UCase(Left([{a}],1)) & Mid([{a}],2,{n})",
    'IIF([{a}] = "",NULL,Join(Split([{a}],";"),","))',
    'IIF(IsPresent([{a}]),"{org}-" & [{a}],IgnoreThisFlow)',
)  # fmt: skip
_CUSTOM_SCOPES_IN = (
    ("department", "EQUAL", "Sales"), ("department", "NOTEQUAL", "Test"),
    ("extensionAttribute10", "NOTEQUAL", "NoSync"), ("employeeType", "EQUAL", "Employee"),
    ("employeeType", "EQUAL", "Contractor"), ("company", "STARTSWITH", "Fabrikam"),
    ("userAccountControl", "ISBITNOTSET", "2"), ("adminDescription", "NOTSTARTSWITH", "User_"),
    ("employeeID", "ISNOTNULL", ""), ("mail", "ENDSWITH", "@fabrikam.com"), ("c", "EQUAL", "US"),
    ("extensionAttribute15", "NOTEQUAL", "Excluded"),
    ("msExchRecipientTypeDetails", "NOTEQUAL", "4"),
    ("physicalDeliveryOfficeName", "EQUAL", "Paris"), ("title", "NOTSTARTSWITH", "svc"),
    ("extensionAttribute1", "ISNULL", ""), ("division", "EQUAL", "EMEA"),
)  # fmt: skip
_CUSTOM_SCOPES_OUT = (
    ("sourceObjectType", "EQUAL", "User"), ("cloudMastered", "NOTEQUAL", "True"),
    ("employeeType", "EQUAL", "Employee"), ("extensionAttribute12", "EQUAL", "Writeback"),
    ("department", "NOTEQUAL", "Test"), ("accountEnabled", "EQUAL", "True"),
    ("cloudFiltered", "NOTEQUAL", "True"), ("extensionAttribute3", "ISNOTNULL", ""),
)  # fmt: skip
_CUSTOM_JOINS = (
    ("employeeID", "employeeID"),
    ("mail", "mail"),
    ("employeeNumber", "employeeNumber"),
)
_CUSTOM_KINDS = (
    # (display, direction, source, target)
    ("User", "Inbound", "user", "person"),
    ("User", "Inbound", "user", "person"),
    ("InetOrgPerson", "Inbound", "inetOrgPerson", "person"),
    ("Group", "Inbound", "group", "group"),
    ("Contact", "Inbound", "contact", "person"),
    ("User", "Outbound", "person", "user"),
    ("Group", "Outbound", "group", "group"),
)


_PREFIXES = (
    ("msExch", 47), ("", 30), ("msDS-", 7), ("msRTCSIP-", 3), ("msDFS-", 2), ("mS-SQL-", 1),
    ("msWMI-", 1), ("msPKI-", 1), ("msSFU30", 1), ("msTS", 1), ("msKds-", 1), ("print", 1),
    ("msDNS-", 1), ("ipsec", 1), ("msRADIUS", 1), ("aCS", 1),
)  # fmt: skip
_WORDS = (
    "Address", "Admin", "Agent", "Alias", "Allow", "Archive", "Audit", "Auth", "Backup", "Block",
    "Cache", "Calendar", "Capacity", "Catalog", "Certificate", "Client", "Cluster", "Config",
    "Connector", "Container", "Content", "Count", "Data", "Database", "Default", "Delegate",
    "Delivery", "Device", "Directory", "Domain", "Enabled", "Encryption", "Entry", "Event",
    "Expiry", "Export", "Extension", "Filter", "Flags", "Folder", "Forest", "Gateway", "Group",
    "Guid", "Hash", "Hold", "Host", "Identity", "Import", "Index", "Interval", "Journal", "Key",
    "Language", "Level", "Limit", "Link", "List", "Local", "Location", "Log", "Mailbox",
    "Manager", "Map", "Max", "Message", "Meta", "Min", "Mode", "Moderation", "Name", "Network",
    "Node", "Object", "Offline", "Option", "Owner", "Partner", "Password", "Path", "Policy",
    "Port", "Prefix", "Profile", "Protocol", "Provider", "Proxy", "Queue", "Quota", "Range",
    "Recipient", "Redirect", "Reference", "Remote", "Replica", "Report", "Request", "Resource",
    "Restriction", "Retention", "Retry", "Role", "Route", "Rule", "Schedule", "Scope", "Search",
    "Secret", "Security", "Send", "Server", "Service", "Session", "Settings", "Site", "Size",
    "Source", "State", "Status", "Storage", "Store", "Suffix", "Sync", "System", "Target",
    "Template", "Threshold", "Time", "Timeout", "Token", "Transport", "Trust", "Type", "Unified",
    "Update", "Url", "User", "Value", "Version", "Virtual", "Voice", "Web", "Window", "Zone",
)  # fmt: skip
_CORE_CLASSES = (
    "top", "person", "organizationalPerson", "user", "inetOrgPerson", "group", "contact",
    "computer", "container", "organizationalUnit", "domainDNS", "foreignSecurityPrincipal",
    "msDS-Device", "mailRecipient", "msExchBaseClass", "msExchCustomAttributes",
    "msExchMailStorage", "msExchIMRecipient", "msExchCertificateInformation",
    "msExchMultiMediaUser", "msExchOmaUser", "securityPrincipal", "msDS-CloudExtensions",
)  # fmt: skip
ATTRIBUTE_TYPES = 3391
CLASSES = 571
AUX_CLASSES = 33
ABSTRACT_CLASSES = 13

MV_EXTRA_CANDIDATES = (
    "employeeLevel", "costCenterCode", "badgeNumber", "hireDate", "contractEndDate",
    "legalEntity", "buildingCode", "workerType", "payrollId", "homeSite",
)  # fmt: skip
_OUS = (
    "OU=Users", "OU=Groups", "OU=Workstations", "OU=Service Accounts", "OU=Contacts",
    "OU=Shared Mailboxes", "OU=Resources", "OU=Admins", "OU=Staff,OU=Users",
    "OU=Contractors,OU=Users", "OU=Distribution Lists,OU=Groups", "OU=Security,OU=Groups",
)  # fmt: skip
_SITES = ("Paris", "London", "Seattle", "Sydney", "Munich", "Tokyo", "Madrid", "Toronto")
_CHILD_DOMAINS = ("emea", "apac", "amer", "corp", "eu", "na", "sales", "labs")
_OBJECT_CLASSES = (
    "computer", "contact", "foreignSecurityPrincipal", "group", "inetOrgPerson", "msDS-Device",
    "user", "container", "domainDNS", "organizationalUnit",
)  # fmt: skip

#: Settings an admin may change on one server and forget on the other, with the other value.
DRIFTABLE_SETTINGS = {
    "Microsoft.OptionalFeature.ExportDeletionThresholdValue": "1000",
    "Microsoft.Synchronize.TimeInterval": "01:00:00",
    "Microsoft.OptionalFeature.GroupWriteBack": "True",
    "Microsoft.OptionalFeature.DeviceWriteBack": "True",
    "Microsoft.OptionalFeature.ExportDeletionThreshold": "False",
    "Microsoft.OptionalFeature.DirectoryExtension": "True",
    "Microsoft.OptionalFeature.FilterAAD": "True",
    "Microsoft.OptionalFeature.GroupFiltering": "True",
    "Microsoft.SynchronizationOption.UPNAttribute": "mail",
    "Microsoft.OptionalFeature.HybridExchange": "False",
    "Microsoft.Synchronize.MaintenanceEnabled": "False",
    "Microsoft.Synchronize.RunHistoryPurgeInterval": "14.00:00:00",
    "Microsoft.OptionalFeature.UserWriteBack": "True",
}

# ----------------------------------------------------------------------------------------------
# Custom (admin-written) rules
# ----------------------------------------------------------------------------------------------


def _custom_mapping(rng: random.Random, dest: str, src: str) -> Mapping:
    if rng.random() < 0.45:
        return Mapping(dest, [src])
    template = rng.choice(_EXPRESSION_TEMPLATES)
    return m(dest, expr=template.format(a=src, n=rng.choice((16, 32, 64, 128, 256)), org=ORG))


def custom_rule(
    rng: random.Random, conn: str, taken: set[tuple[str, str]], topic: str = ""
) -> Rule:
    """A rule an admin wrote: empty immutable tag, a handful of flows, scoping, maybe joins."""
    display, direction, source, target = rng.choice(_CUSTOM_KINDS)
    prefix = "In from AD" if direction == "Inbound" else "Out to AD"
    topic = topic or rng.choice(CUSTOM_TOPICS)
    base = f"Custom - {prefix} - {display} {topic}"
    name, n = base, 1
    while (direction, name) in taken:
        n += 1
        name = f"{base} {n}"
    taken.add((direction, name))
    attrs = rng.sample(_CUSTOM_FLOW_ATTRS, rng.randint(2, 9))
    mappings = []
    for attr in attrs:
        other = rng.choice(_CUSTOM_FLOW_ATTRS) if rng.random() < 0.3 else attr
        mappings.append(_custom_mapping(rng, attr, other))
    pool = _CUSTOM_SCOPES_IN if direction == "Inbound" else _CUSTOM_SCOPES_OUT
    groups = [rng.sample(pool, rng.randint(1, 3)) for _ in range(rng.choice((0, 1, 1, 1, 2, 3)))]
    joins: list[list[tuple[str, str, bool]]] = []
    link = "Join"
    if direction == "Inbound" and rng.random() < 0.2:
        link = rng.choice(("Join", "Provision"))
        picked = rng.sample(_CUSTOM_JOINS, rng.randint(1, 3))
        joins = [[(cs, mv, rng.random() < 0.3)] for cs, mv in picked]
    return Rule(
        conn,
        name,
        "",
        direction,
        source,
        target,
        link,
        0,
        sorted(mappings, key=lambda mp: mp.dest.lower()),
        joins,
        [list(g) for g in groups],
        description=rng.choice(("", "", f"{topic}: flows requested by the IAM team.")),
    )


# ----------------------------------------------------------------------------------------------
# The forest schema: built once per estate, each forest's extension attributes added
# ----------------------------------------------------------------------------------------------

ATTRIBUTE_TYPES = 3391
CLASSES = 571
AUX_CLASSES = 33
ABSTRACT_CLASSES = 13
#: Classes whose members are every synchronised attribute (plus a sample of others).
_SYNCED_CLASSES = ("user", "contact", "group", "inetOrgPerson", "computer")


def ad_inclusion() -> list[str]:
    """The estate's attribute-inclusion: the catalogue's plus what custom rules touch."""
    names = set(AD_INCLUSION) | set(_CUSTOM_FLOW_ATTRS)
    names |= {a for a, _, _ in _CUSTOM_SCOPES_IN} | {cs for cs, _ in _CUSTOM_JOINS}
    return ci_sorted(list(names))


def _filler_name(rng: random.Random, words: int, taken: set[str]) -> str:
    prefixes = [p for p, _ in _PREFIXES]
    weights = [w for _, w in _PREFIXES]
    while True:
        prefix = rng.choices(prefixes, weights)[0]
        body = "".join(rng.sample(_WORDS, words))
        name = prefix + body if prefix else body[0].lower() + body[1:]
        if name not in taken:
            taken.add(name)
            return name


def _filler_flags(name: str, syntax: str, rng: random.Random) -> tuple[tuple[str, str], ...]:
    flags: list[tuple[str, str]] = []
    if name not in MULTI_VALUED and rng.random() >= 0.2:
        flags.append(("single-value", "true"))
    if rng.random() < 0.035:
        flags.append(("user-modification", "false"))
    if syntax in (S_STRING, S_OCTET):
        r = rng.random()
        if r < 0.18:
            flags.append(("m:range-lower", str(rng.choice((0, 1, 1, 16)))))
            flags.append(("m:range-upper", str(rng.choice((64, 256, 1024, 2048, 32767)))))
        elif r < 0.45:
            flags.append(("m:range-upper", str(rng.choice((16, 32, 64, 128, 256, 512, 1024)))))
    return tuple(flags)


def build_forest_schema(rng: random.Random, inclusion: list[str]) -> AdSchema:
    """A forest schema of ~3,400 attribute types, ~570 classes and their dit-content-rules.

    Ids are synthetic base-36 numbers as in a real export (``A0``, ``Ate``, ``C0``) and the
    attribute types are emitted in a scrambled order, as the real serializer does.
    """
    known = {a[0]: a for a in AD_ATTRIBUTES}
    core = list(dict.fromkeys([*known, *inclusion, *AD_UNSYNCED]))
    taken = set(core)
    names = core + [
        _filler_name(rng, rng.choice((1, 2, 2, 2, 3)), taken)
        for _ in range(ATTRIBUTE_TYPES - len(core))
    ]
    ids = {name: f"A{b36(i)}" for i, name in enumerate(names)}
    order = list(names)
    rng.shuffle(order)
    syntaxes = [s for s, _ in _FILLER_SYNTAXES]
    weights = [w for _, w in _FILLER_SYNTAXES]
    types = []
    for n in order:
        if n in known:
            _, syntax, single, extra = known[n]
            flags = ((("single-value", "true"),) if single else ()) + tuple(extra.items())
        else:
            syntax = syntax_of(n) if rng.random() < 0.5 else rng.choices(syntaxes, weights)[0]
            flags = _filler_flags(n, syntax, rng)
        types.append(AttributeType(ids[n], n, syntax, flags))
    class_taken = set(_CORE_CLASSES)
    class_names = list(_CORE_CLASSES) + [
        _filler_name(rng, rng.choice((1, 2, 2, 3)), class_taken)
        for _ in range(CLASSES - len(_CORE_CLASSES))
    ]
    kinds = ["structural"] * CLASSES
    kinds[0] = "abstract"
    for i in rng.sample(range(len(_CORE_CLASSES), CLASSES), ABSTRACT_CLASSES - 1):
        kinds[i] = "abstract"
    structural = [i for i in range(len(_CORE_CLASSES), CLASSES) if kinds[i] == "structural"]
    for i in rng.sample(structural, AUX_CLASSES):
        kinds[i] = "auxiliary"
    container = class_names.index("container")
    attr_ids = [ids[n] for n in names]
    synced = [ids[a] for a in inclusion]
    classes = []
    for i, cname in enumerate(class_names):
        superior = None if i == 0 else f"C{b36(container if rng.random() < 0.12 else 0)}"
        if cname in _SYNCED_CLASSES:
            members = synced + rng.sample(attr_ids, 40)
        else:
            members = rng.sample(attr_ids, min(int(rng.expovariate(1 / 8.6)), 180))
        classes.append(
            SchemaClass(
                f"C{b36(i)}",
                cname,
                superior,
                kinds[i],
                tuple((a, rng.random() < 0.057) for a in dict.fromkeys(members)),
            )
        )
    aux = tuple(f"C{b36(i)}" for i in reversed(range(CLASSES)) if kinds[i] == "auxiliary")
    # 32 distinct member lists, as in a real forest: most ~31 attributes, four of 215-277.
    sizes = [rng.choice((30, 31, 31)) for _ in range(28)] + [215, 216, 276, 277]
    sets = [tuple((a, rng.random() < 0.0015) for a in rng.sample(attr_ids, n)) for n in sizes]
    set_weights = [1.0] * 28 + [0.1] * 4
    dits = []
    for i in range(CLASSES):
        if kinds[i] != "structural":
            continue
        members_ = rng.choices(sets, set_weights)[0] if rng.random() < 0.70 else ()
        dits.append(DitContentRule(f"C{b36(i)}", members_, aux if rng.random() < 0.985 else ()))
    return AdSchema(types, classes, dits)


def with_extensions(schema: AdSchema, extensions: list[str]) -> AdSchema:
    """``schema`` plus string attributes ``extensions`` on class user (a schema extension)."""
    if not extensions:
        return schema
    start = len(schema.attribute_types)
    new = [
        AttributeType(f"A{b36(start + i)}", name, S_STRING, (("single-value", "true"),))
        for i, name in enumerate(extensions)
    ]
    refs = tuple((t.id, False) for t in new)
    classes = [
        SchemaClass(c.id, c.name, c.superior, c.type, c.members + refs) if c.name == "user" else c
        for c in schema.classes
    ]
    return AdSchema(schema.attribute_types + new, classes, schema.dit_rules)


# ----------------------------------------------------------------------------------------------
# The primary server
# ----------------------------------------------------------------------------------------------


def forest_name(index: int, width: int) -> str:
    """``forest07.fabrikam.com``."""
    return f"forest{index:0{width}d}.{ORG}.com"


def _dn(fqdn: str) -> str:
    return ",".join(f"DC={p}" for p in fqdn.split("."))


def _moment(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86400), milliseconds=rng.randrange(1000))


def _partition(rng: random.Random, fqdn: str, netbios: str, start: datetime) -> AdPartition:
    dn = _dn(fqdn)
    ous = rng.sample(_OUS, rng.randint(1, 5))
    if rng.random() < 0.4:
        ous.append(f"OU={rng.choice(_SITES)},OU=Sites")
    inclusions = [f"{ou},{dn}" for ou in ous]
    exclusions = [dn]
    for inc in inclusions[: rng.randint(0, 2)]:
        exclusions.append(f"OU={rng.choice(('Disabled', 'Archive', 'Test', 'Stale'))},{inc}")
    created = _moment(rng, start, 30)
    return AdPartition(
        guid=new_guid(rng),
        dn=dn,
        fqdn=fqdn,
        netbios=netbios,
        domain_guid=new_guid(rng),
        created=noise.stamp(created),
        modified=noise.stamp(_moment(rng, created, 300)),
        version=rng.randint(20, 900),
        object_classes=list(AD_OBJECT_CLASSES),
        exclusions=exclusions,
        inclusions=inclusions,
        last_dc=f"{netbios}-DC{rng.randint(1, 6):02d}.{fqdn}",
        cookie=noise.dirsync_cookie(rng),
    )


def _ad_connector(
    rng: random.Random,
    index: int,
    width: int,
    start: datetime,
    schema: AdSchema,
    inclusion: list[str],
    aad_guid: str,
) -> tuple[AdConnector, list[str]]:
    """One AD connector and its forest's extension attribute names."""
    fqdn = forest_name(index, width)
    label = fqdn.split(".")[0]
    netbios = label.upper()
    parts = [_partition(rng, fqdn, netbios, start)]
    for child in rng.sample(_CHILD_DOMAINS, rng.choice((0, 0, 1, 1, 2))):
        parts.append(_partition(rng, f"{child}.{fqdn}", f"{child.upper()}{index:0{width}d}", start))
    created = _moment(rng, start, 30)
    extensions = [
        f"{label}-{w.lower()}" for w in dict.fromkeys(rng.sample(_WORDS, rng.randint(0, 4)))
    ]
    msol = "MSOL_" + hex12(rng)
    conn = AdConnector(
        key=f"ad:{index}",
        guid=new_guid(rng),
        name=fqdn,
        dn=_dn(fqdn),
        netbios=netbios,
        created=noise.stamp(created),
        modified=noise.stamp(_moment(rng, created, 300)),
        version=rng.randint(100, 990),
        internal_version=0,
        msol=msol,
        password_hash_sync=True,
        aad_guid=aad_guid,
        parameters=ad_parameters(fqdn, _dn(fqdn), netbios, msol),
        inclusion=list(inclusion),
        schema=with_extensions(schema, extensions),
        partitions=parts,
        run_ids={p: new_guid(rng) for p in RUN_PROFILES},
        run_version=rng.randint(2, 12),
    )
    return conn, extensions


def _aad_connector(
    rng: random.Random, server: str, start: datetime, rules: list[Rule]
) -> AadConnector:
    created = _moment(rng, start, 30)
    members = aad_class_members(rules, AAD)
    classes = {cls: members[cls] for cls in ("contact", "device", "group", "user")}
    used = {"cloudAnchor"} | {a for v in classes.values() for a in v}
    return AadConnector(
        key=AAD,
        guid=new_guid(rng),
        name=f"{TENANT} - AAD",
        tenant=TENANT,
        created=noise.stamp(created),
        modified=noise.stamp(_moment(rng, created, 300)),
        version=rng.randint(2, 40),
        internal_version=1,
        classes=classes,
        attribute_types={a: AAD_TYPES[a] for a in ci_sorted(list(used))},
        assembly_version=VERSION,
        user_name=f"Sync_{server}_{hex12(rng)}@{TENANT}",
        pwreset_modified=noise.stamp(_moment(rng, created, 100)),
        partition_guid=new_guid(rng),
        partition_created=noise.stamp(created),
        partition_modified=noise.stamp(_moment(rng, created, 300)),
        partition_version=rng.randint(50, 900),
        water_mark="",
        run_ids={p: new_guid(rng) for p in RUN_PROFILES},
        run_version=rng.randint(2, 12),
    )


def metaverse(
    server: str,
    export_date: str,
    version: int,
    rules: list[Rule],
    params: list[tuple[str, str]],
    extra_person: list[str],
) -> Metaverse:
    """MV.xml for ``rules``; attributes the catalogue has no type for are indexable strings."""
    members = mv_members(rules)
    members["person"] = ci_sorted(members["person"] + extra_person)
    classes = {cls: members[cls] for cls in ("person", "group", "device")}
    used = {a for v in classes.values() for a in v}
    return Metaverse(
        server=server,
        export_date=export_date,
        version=version,
        classes=classes,
        attribute_types={a: MV_TYPES.get(a, (S_STRING, True, True)) for a in ci_sorted(list(used))},
        parameters=params,
    )


def build_primary(
    rng: random.Random, connectors: int, rules_per_connector: int
) -> tuple[Export, dict[str, list[str]]]:
    """The primary server's model, and each AD connector key's extension attributes."""
    start = datetime(2023, 1, 9, 8, 0, 0) + timedelta(days=rng.randrange(300))
    width = max(2, len(str(connectors)))
    inclusion = ad_inclusion()
    schema = build_forest_schema(rng, inclusion)
    aad_guid = new_guid(rng)
    ad: list[AdConnector] = []
    extensions: dict[str, list[str]] = {}
    for i in range(1, connectors + 1):
        conn, ext = _ad_connector(rng, i, width, start, schema, inclusion, aad_guid)
        ad.append(conn)
        extensions[conn.key] = ext
    in_rules: list[Rule] = []
    out_rules: list[Rule] = []
    custom: list[Rule] = []
    for conn in ad:
        inbound = [*ad_rules(conn.key, 0), computer_join(conn.key, 0)]
        outbound = [*ad_outbound_rules(conn.key, 0), immutable_id(conn.key, 0)]
        # Which out-of-box rules a connector with few rules keeps: inbound, outbound interleaved.
        priority = [x for pair in zip_longest(inbound, outbound) for x in pair if x is not None]
        keep = {r.key for r in priority[:rules_per_connector]}
        in_rules += [r for r in inbound if r.key in keep]
        out_rules += [r for r in outbound if r.key in keep]
        taken: set[tuple[str, str]] = set()
        for _ in range(rules_per_connector - len(keep)):
            custom.append(custom_rule(rng, conn.key, taken))
    aad_side = [*aad_rules(AAD, 0), device_join(AAD, 0)]
    rules = in_rules + aad_side + out_rules + custom
    for i, r in enumerate(rules):
        r.precedence = 100 + i
        r.guid = new_guid(rng)
    moment = _moment(rng, start + timedelta(days=400), 20)
    server = f"{ORG.upper()}-SYNC01"
    aad = _aad_connector(rng, server, start, rules)
    aad.guid = aad_guid
    aad.water_mark = noise.water_mark(rng)
    params = global_parameters(
        version=VERSION,
        staging=False,
        next_start=noise.next_start(moment + timedelta(minutes=rng.randint(1, 30))),
    )
    mv = metaverse(server, noise.stamp(moment), 300 + rng.randint(0, 2700), rules, params, [])
    return Export(ad=ad, aad=aad, mv=mv, rules=rules), extensions


# ----------------------------------------------------------------------------------------------
# Planted drift
# ----------------------------------------------------------------------------------------------

DRIFT_KINDS = (
    "flow-expression",
    "scoping-value",
    "rule-disabled",
    "ou-inclusion-removed",
    "attribute-inclusion-removed",
    "global-setting",
    "rule-added",
    "rule-removed",
    "metaverse-attribute",
    "connector-schema-attribute",
)


@dataclass(frozen=True)
class PlantedDifference:
    """One real difference between primary and staging, and the findings it must produce."""

    section: str  # global-settings | metaverse | connector | sync-rule
    object: str  # rule name, connector name, setting name or metaverse class ("person")
    kind: str
    description: str
    connector: str = ""  # for sync-rule: the rule's connector name
    direction: str = ""  # for sync-rule: Inbound / Outbound
    findings: tuple[Finding, ...] = ()


def setting_severity(name: str) -> str:
    """The severity driftcheck's built-in policy gives a changed global setting."""
    if name in (
        "Microsoft.Synchronize.RunHistoryPurgeInterval",
        "Microsoft.Synchronize.MaintenanceEnabled",
    ):
        return "info"
    return "warning" if name.startswith("Microsoft.Synchronize.") else "blocking"


@dataclass
class _DriftState:
    rng: random.Random
    export: Export  # the staging side, edited in place
    names: dict[str, str]  # connector key -> connector name (primary spelling)
    extensions: dict[str, list[str]]
    touched_rules: set[tuple[str, str, str]] = field(default_factory=set)
    touched: set[tuple[str, str]] = field(default_factory=set)

    @property
    def rules(self) -> list[Rule]:
        return self.export.rules

    def rule_candidates(self) -> list[int]:
        return [
            i
            for i, r in enumerate(self.rules)
            if (r.conn, r.direction, r.name) not in self.touched_rules
        ]

    def rule_planted(
        self, rule: Rule, kind: str, description: str, *changes: tuple[str, str, str]
    ) -> PlantedDifference:
        """``changes``: (path, change, severity) of each finding on the rule."""
        self.touched_rules.add((rule.conn, rule.direction, rule.name))
        conn = self.names[rule.conn]
        return PlantedDifference(
            "sync-rule",
            rule.name,
            kind,
            description,
            conn,
            rule.direction,
            tuple(
                Finding("sync-rule", rule.name, conn, path, change, sev, cls=kind)
                for path, change, sev in changes
            ),
        )


def _alter_expression(expression: str) -> str:
    if "IgnoreThisFlow" in expression:
        return expression.replace("IgnoreThisFlow", "NULL", 1)
    if "NULL" in expression:
        return expression.replace("NULL", "IgnoreThisFlow", 1)
    return f"Trim({expression})"


def _alter_value(value: str) -> str:
    flips = {"True": "False", "False": "True", "TRUE": "FALSE", "true": "false"}
    if value in flips:
        return flips[value]
    if value.isdigit():
        return str(int(value) + 1)
    return value.rstrip("_") + "Old_" if value.endswith("_") else value + "2"


def _plant_flow_expression(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i in st.rule_candidates() if any(mp.expr for mp in st.rules[i].mappings)]
    if not picks:
        return None
    rule = st.rules[st.rng.choice(picks)]
    spots = [k for k, mp in enumerate(rule.mappings) if mp.expr]
    mp = rule.mappings[st.rng.choice(spots)]
    old = mp.expr or ""
    mp.expr = _alter_expression(old)
    return st.rule_planted(
        rule,
        "flow-expression",
        f"expression of the flow to '{mp.dest}' differs: primary {old!r}, staging {mp.expr!r}",
        (f"attribute-flows/{mp.dest}/expression", "modified", "blocking"),
    )


def _plant_scoping_value(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i in st.rule_candidates() if any(v for g in st.rules[i].scopes for _, _, v in g)]
    if not picks:
        return None
    rule = st.rules[st.rng.choice(picks)]
    spots = [(g, k) for g, grp in enumerate(rule.scopes) for k, sc in enumerate(grp) if sc[2]]
    g, k = st.rng.choice(spots)
    attr, op, value = rule.scopes[g][k]
    rule.scopes[g][k] = (attr, op, _alter_value(value))
    return st.rule_planted(
        rule,
        "scoping-value",
        f"scoping filter {attr} {op} in group {g + 1}: primary {value!r}, staging "
        f"{rule.scopes[g][k][2]!r}",
        ("scoping-groups", "removed", "blocking"),
        ("scoping-groups", "added", "blocking"),
    )


def _plant_rule_disabled(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i in st.rule_candidates() if not st.rules[i].disabled]
    if not picks:
        return None
    rule = st.rules[st.rng.choice(picks)]
    rule.disabled = True
    return st.rule_planted(
        rule,
        "rule-disabled",
        "rule is enabled on primary, disabled on staging",
        ("disabled", "modified", "blocking"),
    )


def _plant_rule_removed(st: _DriftState) -> PlantedDifference | None:
    picks = st.rule_candidates()
    if not picks:
        return None
    rule = st.rules.pop(st.rng.choice(picks))
    return st.rule_planted(
        rule, "rule-removed", "rule exists on primary only", ("", "removed", "blocking")
    )


def _plant_rule_added(st: _DriftState) -> PlantedDifference | None:
    if not st.export.ad:
        return None
    conn = st.rng.choice(st.export.ad)
    taken = {(r.direction, r.name) for r in st.rules if r.conn == conn.key}
    taken |= {(d, n) for c, d, n in st.touched_rules if c == conn.key}
    rule = custom_rule(st.rng, conn.key, taken, topic="Staging Pilot")
    rule.guid = new_guid(st.rng)
    rule.precedence = max(r.precedence for r in st.rules) + 1
    st.rules.append(rule)
    return st.rule_planted(
        rule, "rule-added", "rule exists on staging only", ("", "added", "blocking")
    )


def _plant_ou_removed(st: _DriftState) -> PlantedDifference | None:
    picks = [
        (c, p)
        for c in st.export.ad
        if ("ou", c.key) not in st.touched
        for p in c.partitions
        if len(p.inclusions) >= 2
    ]
    if not picks:
        return None
    conn, part = st.rng.choice(picks)
    gone = st.rng.choice(part.inclusions)
    part.inclusions.remove(gone)
    st.touched.add(("ou", conn.key))
    name = st.names[conn.key]
    return PlantedDifference(
        "connector",
        name,
        "ou-inclusion-removed",
        f"partition {part.dn}: OU inclusion {gone!r} is on primary only",
        findings=(
            Finding(
                "connector",
                name,
                name,
                f"partitions/{part.dn}/containers/inclusions",
                "removed",
                "blocking",
                cls="ou-inclusion-removed",
            ),
        ),
    )


def _plant_attribute_removed(st: _DriftState) -> PlantedDifference | None:
    picks = [c for c in st.export.ad if ("attr", c.key) not in st.touched]
    if not picks:
        return None
    conn = st.rng.choice(picks)
    gone = st.rng.choice(conn.inclusion)
    conn.inclusion.remove(gone)
    st.touched.add(("attr", conn.key))
    name = st.names[conn.key]
    return PlantedDifference(
        "connector",
        name,
        "attribute-inclusion-removed",
        f"attribute {gone!r} is selected (attribute-inclusion) on primary only",
        findings=(
            Finding(
                "connector",
                name,
                name,
                "attribute-inclusion",
                "removed",
                "blocking",
                cls="attribute-inclusion-removed",
            ),
        ),
    )


def _plant_global_setting(st: _DriftState) -> PlantedDifference | None:
    picks = [n for n in DRIFTABLE_SETTINGS if ("setting", n) not in st.touched]
    if not picks:
        return None
    name = st.rng.choice(picks)
    old, new = st.export.mv.parameter(name), DRIFTABLE_SETTINGS[name]
    st.export.mv.set_parameter(name, new)
    st.touched.add(("setting", name))
    return PlantedDifference(
        "global-settings",
        name,
        "global-setting",
        f"primary {old!r}, staging {new!r}",
        findings=(
            Finding(
                "global-settings",
                name,
                None,
                "value",
                "modified",
                setting_severity(name),
                cls="global-setting",
            ),
        ),
    )


def _plant_mv_attribute(st: _DriftState) -> PlantedDifference | None:
    mv = st.export.mv
    picks = [n for n in MV_EXTRA_CANDIDATES if n not in mv.attribute_types]
    if not picks:
        return None
    name = st.rng.choice(picks)
    mv.classes["person"] = ci_sorted([*mv.classes["person"], name])
    mv.attribute_types[name] = (S_STRING, True, True)
    mv.attribute_types = {a: mv.attribute_types[a] for a in ci_sorted(list(mv.attribute_types))}
    kind = "metaverse-attribute"
    return PlantedDifference(
        "metaverse",
        "person",
        kind,
        f"attribute {name!r} is defined and on class person on staging only",
        findings=(
            Finding(
                "metaverse", "(attribute definitions)", None, name, "added", "blocking", cls=kind
            ),
            Finding(
                "metaverse", "person", None, f"attributes/{name}", "added", "blocking", cls=kind
            ),
        ),
    )


def _plant_schema_attribute(st: _DriftState) -> PlantedDifference | None:
    picks = [c for c in st.export.ad if ("schema", c.key) not in st.touched]
    if not picks:
        return None
    conn = st.rng.choice(picks)
    label = conn.name.split(".")[0]
    taken = set(st.extensions[conn.key])
    name = next(
        f"{label}-{word.lower()}Staged"
        for word in st.rng.sample(_WORDS, len(_WORDS))
        if f"{label}-{word.lower()}Staged" not in taken
    )
    conn.schema = with_extensions(conn.schema, [name])
    st.touched.add(("schema", conn.key))
    cname = st.names[conn.key]
    kind = "connector-schema-attribute"
    return PlantedDifference(
        "connector",
        cname,
        kind,
        f"the forest schema has attribute {name!r} (on class user) on staging only: "
        "its schema was refreshed after the forest's schema was extended",
        findings=(
            Finding(
                "connector", cname, cname, f"schema/attributes/{name}", "added", "warning", cls=kind
            ),
            Finding(
                "connector",
                cname,
                cname,
                "schema/object-classes/user/attributes",
                "added",
                "warning",
                cls=kind,
            ),
        ),
    )


_PLANTERS = {
    "flow-expression": _plant_flow_expression,
    "scoping-value": _plant_scoping_value,
    "rule-disabled": _plant_rule_disabled,
    "ou-inclusion-removed": _plant_ou_removed,
    "attribute-inclusion-removed": _plant_attribute_removed,
    "global-setting": _plant_global_setting,
    "rule-added": _plant_rule_added,
    "rule-removed": _plant_rule_removed,
    "metaverse-attribute": _plant_mv_attribute,
    "connector-schema-attribute": _plant_schema_attribute,
}


def plant_drift(
    rng: random.Random,
    staging: Export,
    count: int,
    names: dict[str, str],
    extensions: dict[str, list[str]],
) -> list[PlantedDifference]:
    """Apply ``count`` real differences to ``staging``, cycling through the drift kinds."""
    st = _DriftState(rng, staging, names, extensions)
    kinds = list(DRIFT_KINDS)
    rng.shuffle(kinds)
    planted: list[PlantedDifference] = []
    for n in range(count):
        for attempt in range(len(kinds)):
            found = _PLANTERS[kinds[(n + attempt) % len(kinds)]](st)
            if found is not None:
                planted.append(found)
                break
        else:
            raise ValueError(f"cannot plant {count} differences in an estate this small")
    return planted


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstateSummary:
    """What :func:`write_pair` wrote."""

    out_dir: Path
    primary: Written
    staging: Written
    planted: tuple[PlantedDifference, ...]
    seconds: float

    @property
    def files(self) -> int:
        return self.primary.files + self.staging.files

    @property
    def bytes(self) -> int:
        return self.primary.bytes + self.staging.bytes


def build_pair(
    connectors: int, rules_per_connector: int, drift: int = 0, seed: int = 0
) -> tuple[Export, Export, list[PlantedDifference]]:
    """The two models (primary, staging) and the planted differences."""
    if connectors < 1 or rules_per_connector < 1 or drift < 0:
        raise ValueError("need connectors >= 1, rules_per_connector >= 1 and drift >= 0")
    rng = random.Random(seed)
    primary, extensions = build_primary(rng, connectors, rules_per_connector)
    names = primary.connector_names()
    staging = copy.deepcopy(primary)
    when = datetime(2024, 11, 4, 9, 0, 0) + timedelta(days=rng.randrange(200))
    planted = plant_drift(rng, staging, drift, names, extensions)
    noise.as_other_server(staging, rng, f"{ORG.upper()}-SYNC02", when, staging=True)
    return primary, staging, planted


def write_pair(
    out_dir: Path, connectors: int, rules_per_connector: int, drift: int = 0, seed: int = 0
) -> EstateSummary:
    """Write ``out_dir/primary``, ``out_dir/staging`` and ``out_dir/planted.json``.

    ``connectors`` AD forests (plus one Entra ID connector), ``rules_per_connector`` sync rules
    per AD connector (plus the cloud connector's 12 out-of-box rules) and exactly ``drift``
    planted differences. Raises ``ValueError`` for impossible sizes and ``FileExistsError`` if
    either export folder already holds files.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    for side in ("primary", "staging"):
        folder = out_dir / side
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty; refusing to mix two exports")
    primary, staging, planted = build_pair(connectors, rules_per_connector, drift, seed)
    p_written = write_export(out_dir / "primary", primary)
    s_written = write_export(out_dir / "staging", staging)
    document = manifest(
        "estate",
        [f for p in planted for f in p.findings],
        seed=seed,
        connectors=connectors,
        rules_per_connector=rules_per_connector,
        drift=drift,
        planted=[{k: v for k, v in asdict(p).items() if k != "findings"} for p in planted],
    )
    (out_dir / "planted.json").write_text(dumps(document), encoding="utf-8")
    return EstateSummary(
        out_dir, p_written, s_written, tuple(planted), time.perf_counter() - started
    )


def main(argv: list[str] | None = None) -> int:
    """``python tools/make_estate.py OUT --connectors N --rules-per-connector M ...``."""
    parser = argparse.ArgumentParser(
        prog="make_estate.py",
        description="Write a generated primary/staging Entra Connect export pair with drift.",
    )
    parser.add_argument(
        "out_dir", type=Path, help="folder to create primary/, staging/ and planted.json in"
    )
    parser.add_argument("--connectors", type=int, required=True, help="number of AD connectors")
    parser.add_argument(
        "--rules-per-connector", type=int, required=True, help="sync rules per AD connector"
    )
    parser.add_argument(
        "--drift", type=int, default=0, help="number of planted differences (default 0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    try:
        summary = write_pair(
            args.out_dir, args.connectors, args.rules_per_connector, args.drift, args.seed
        )
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {summary.files} files ({summary.bytes / 1e6:.1f} MB) in {summary.seconds:.1f} s: "
        f"{summary.primary.rules} rules on primary, {summary.staging.rules} on staging, "
        f"{len(summary.planted)} planted differences -> {summary.out_dir / 'planted.json'}"
    )
    return 0
