"""Generate a realistic primary/staging export pair, for tests and benchmarks.

``write_pair(out_dir, connectors=N, rules_per_connector=M, drift=K, seed=S)`` writes
``out_dir/primary/`` and ``out_dir/staging/``, two folders shaped exactly like the output of
``Get-ADSyncServerConfiguration`` (``Connectors/``, ``GlobalSettings/MV.xml``,
``SynchronizationRules/``), and ``out_dir/planted.json`` listing the K real differences that were
planted in the staging side.

The two sides differ everywhere a real staging server differs from its primary without being
drift: every GUID is fresh (and every reference to it re-pointed), timestamps, version counters,
DirSync cookies, the last DC used, the MSOL_/Sync_ accounts and the MV ``server`` all change,
``StagingMode`` is True and every sync rule precedence is renumbered while keeping the order. A
comparer must report exactly the planted differences and nothing else.

Speed matters (100 connectors x 50 rules is ~400 MB of XML): everything is built with string
templates and joins, and the 1.8 MB AD schema body is generated once per run and reused for
every AD connector with that forest's own extension attributes spliced in.

Output is a pure function of the arguments: one ``random.Random(seed)`` drives every choice,
so the same arguments produce byte-identical files.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from itertools import zip_longest
from pathlib import Path
from typing import TypedDict, Unpack
from xml.sax.saxutils import escape

__all__ = ["GENERATION", "PlantedDifference", "SynthSummary", "main", "write_pair"]

#: Bumped whenever the same arguments would generate different files (the benchmark names its
#: dataset folders after it, so that it regenerates rather than reuse stale data).
GENERATION = 2

DSML_NS = "http://www.dsml.org/DSML"
MMS_DSML_NS = "http://www.microsoft.com/MMS/DSML"
ZERO_GUID = "{00000000-0000-0000-0000-000000000000}"
TENANT = "fabrikam.onmicrosoft.com"
ORG = "fabrikam"

# LDAP syntaxes as they appear in DSML.
S_STRING = "1.3.6.1.4.1.1466.115.121.1.15"
S_DN = "1.3.6.1.4.1.1466.115.121.1.12"
S_OCTET = "1.3.6.1.4.1.1466.115.121.1.40"
S_INT = "1.3.6.1.4.1.1466.115.121.1.27"
S_BOOL = "1.3.6.1.4.1.1466.115.121.1.7"
S_TIME = "1.3.6.1.4.1.1466.115.121.1.24"
S_LARGE = "1.2.840.113556.1.4.906"
S_BINARY = "1.3.6.1.4.1.1466.115.121.1.5"
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

# ----------------------------------------------------------------------------------------------
# Attribute vocabularies (names of real AD / metaverse / Entra ID attributes)
# ----------------------------------------------------------------------------------------------

_EXT = tuple(f"extensionAttribute{i}" for i in range(1, 16))
_EXCH_CUSTOM = tuple(f"msExchExtensionCustomAttribute{i}" for i in range(1, 6))

PERSON_COMMON = (
    "assistant", "c", "co", "company", "countryCode", "department", "division", "employeeID",
    "employeeNumber", "employeeType", "facsimileTelephoneNumber", "givenName", "homePhone",
    "initials", "ipPhone", "l", "mail", "manager", "middleName", "mobile",
    "otherFacsimileTelephoneNumber", "otherHomePhone", "otherIpPhone", "otherMobile", "otherPager",
    "otherTelephone", "pager", "physicalDeliveryOfficeName", "postalCode", "postOfficeBox",
    "preferredLanguage", "sn", "st", "streetAddress", "telephoneAssistant", "telephoneNumber",
    "thumbnailPhoto", "title", "url", "userCertificate", "userSMIMECertificate", "wWWHomePage",
    *_EXT,
)  # fmt: skip
PERSON_EXCHANGE = (
    "authOrig", "dLMemRejectPerms", "dLMemSubmitPerms", "legacyExchangeDN", "mailNickname",
    "msExchArchiveGUID", "msExchArchiveName", "msExchAssistantName", "msExchAuditAdmin",
    "msExchAuditDelegate", "msExchAuditDelegateAdmin", "msExchAuditOwner",
    "msExchBlockedSendersHash", "msExchBypassAudit", "msExchBypassModerationFromDLMembersLink",
    "msExchBypassModerationLink", "msExchCoManagedByLink", "msExchDelegateListLink",
    "msExchELCExpirySuspensionEnd", "msExchELCExpirySuspensionStart", "msExchELCMailboxFlags",
    "msExchEnableModeration", "msExchHideFromAddressLists", "msExchImmutableId",
    "msExchLitigationHoldDate", "msExchLitigationHoldOwner", "msExchMailboxAuditEnable",
    "msExchMailboxAuditLogAgeLimit", "msExchMailboxGuid", "msExchModeratedByLink",
    "msExchModerationFlags", "msExchRecipientDisplayType", "msExchRecipientTypeDetails",
    "msExchRemoteRecipientType", "msExchRequireAuthToSendTo", "msExchResourceCapacity",
    "msExchResourceDisplay", "msExchResourceMetaData", "msExchResourceSearchProperties",
    "msExchRetentionComment", "msExchRetentionURL", "msExchSafeRecipientsHash",
    "msExchSafeSendersHash", "msExchSenderHintTranslations", "msExchTeamMailboxExpiration",
    "msExchTeamMailboxOwners", "msExchTeamMailboxSharePointUrl", "msExchUCVoiceMailSettings",
    "msExchUserHoldPolicies", "proxyAddresses", "publicDelegates", "targetAddress", "unauthOrig",
    *_EXCH_CUSTOM,
)  # fmt: skip
PERSON_LYNC = (
    "msRTCSIP-ApplicationOptions", "msRTCSIP-DeploymentLocator", "msRTCSIP-Line",
    "msRTCSIP-OptionFlags", "msRTCSIP-OwnerUrn", "msRTCSIP-PrimaryUserAddress",
    "msRTCSIP-UserEnabled",
)  # fmt: skip
GROUP_COMMON = ("cn", "description", "displayName", "info", "mail", "managedBy", "member")
GROUP_EXCHANGE = (
    "authOrig", "dLMemRejectPerms", "dLMemSubmitPerms", "hideDLMembership", "legacyExchangeDN",
    "mailNickname", "msExchBypassModerationFromDLMembersLink", "msExchBypassModerationLink",
    "msExchCoManagedByLink", "msExchEnableModeration", "msExchGroupDepartRestriction",
    "msExchGroupJoinRestriction", "msExchHideFromAddressLists", "msExchModeratedByLink",
    "msExchModerationFlags", "msExchRecipientDisplayType", "msExchRecipientTypeDetails",
    "msExchRequireAuthToSendTo", "msExchSenderHintTranslations", "oOFReplyToOriginator",
    "proxyAddresses", "reportToOriginator", "reportToOwner", "unauthOrig", *_EXT,
)  # fmt: skip
DEVICE_AD = ("dNSHostName", "operatingSystem", "operatingSystemVersion", "userCertificate")
OTHER_AD = (
    "accountExpires", "adminDescription", "cn", "description", "displayName", "groupType",
    "info", "isCriticalSystemObject", "mS-DS-ConsistencyGuid", "mS-DS-CreatorSID",
    "msDS-CloudAnchor", "msDS-DeviceID", "msDS-ExternalDirectoryObjectId",
    "msDS-HABSeniorityIndex", "msDS-KeyCredentialLink", "msDS-PhoneticDisplayName",
    "msExchMasterAccountSid", "msRTCSIP-OriginatorSid", "objectGUID", "objectSid", "photo",
    "pwdLastSet", "sAMAccountName", "userAccountControl", "userPrincipalName", "homeDirectory",
    "scriptPath", "profilePath", "employeeNumber",
)  # fmt: skip
# Well-known AD attributes that are in every forest schema but not synchronised.
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


def _words_key(name: str) -> str:
    """Sort key like the Windows culture sort used in exports: case and hyphens ignored."""
    return name.lower().replace("-", "")


def sorted_names(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=lambda n: (_words_key(n), n))


# ----------------------------------------------------------------------------------------------
# Sync rule model
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """One attribute flow. ``constant`` renders as ``<src>value</src>``."""

    dest: str
    attrs: tuple[str, ...] = ()
    expression: str = ""
    constant: str = ""
    merge: str = "Update"
    execute_once: bool = False


@dataclass(frozen=True)
class Scope:
    attribute: str
    operator: str
    value: str = ""


@dataclass(frozen=True)
class JoinCondition:
    cs: str
    mv: str
    case_sensitive: bool = False


@dataclass(frozen=True)
class RuleSpec:
    """Everything in a sync rule that is configuration (what the admin sets)."""

    name: str
    tag: str
    direction: str
    source: str
    target: str
    link: str
    description: str = ""
    password_sync: bool = False
    mappings: tuple[Mapping, ...] = ()
    joins: tuple[tuple[JoinCondition, ...], ...] = ()
    scopes: tuple[tuple[Scope, ...], ...] = ()


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    connector: str  # connector key: "ad:<n>" or "aad"
    guid: str
    precedence: int = 0
    disabled: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.connector, self.spec.direction, self.spec.name)


_BRACKETED = re.compile(r"\[([^\[\]]+)\]")


def _d(dest: str, src: str | None = None, merge: str = "Update") -> Mapping:
    """A direct flow."""
    return Mapping(dest=dest, attrs=(src or dest,), merge=merge)


def _x(dest: str, expression: str, merge: str = "Update", once: bool = False) -> Mapping:
    """An expression flow; its ``<src>`` lists the attributes the expression reads."""
    names = dict.fromkeys(n for n in _BRACKETED.findall(expression) if n != "dn")
    return Mapping(dest, tuple(names), expression, merge=merge, execute_once=once)


def _c(dest: str, value: str, once: bool = False) -> Mapping:
    """A constant flow (``<src>True</src>``)."""
    return Mapping(dest=dest, constant=value, execute_once=once)


def _e(dest: str, expression: str) -> Mapping:
    """An expression flow without ``<src>`` (parameters such as ``%Domain.FQDN%``)."""
    return Mapping(dest=dest, expression=expression)


def _scopes(*groups: Sequence[tuple[str, str, str]]) -> tuple[tuple[Scope, ...], ...]:
    return tuple(tuple(Scope(a, o, v) for a, o, v in g) for g in groups)


def _joins(
    *groups: Sequence[tuple[str, str]], case: bool = False
) -> tuple[tuple[JoinCondition, ...], ...]:
    return tuple(tuple(JoinCondition(cs, mv, case) for cs, mv in g) for g in groups)


def _tag(name: str, version: int) -> str:
    """``In from AD - User Join`` -> ``Microsoft.InfromADUserJoin.003``."""
    return f"Microsoft.{name.replace(' - ', '').replace(' ', '')}.{version:03d}"


class _Extras(TypedDict, total=False):
    """Optional parts of an out-of-box rule, shared between sibling rules."""

    description: str
    password_sync: bool
    mappings: tuple[Mapping, ...]
    joins: tuple[tuple[JoinCondition, ...], ...]
    scopes: tuple[tuple[Scope, ...], ...]


def _oob(
    name: str, version: int, source: str, target: str, link: str, **extras: Unpack[_Extras]
) -> RuleSpec:
    """An out-of-box rule: its immutable tag is derived from its name."""
    direction = "Inbound" if name.startswith("In ") else "Outbound"
    return RuleSpec(name, _tag(name, version), direction, source, target, link, **extras)


_CLOUD_FILTERED_USER = (
    "IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || "
    '[sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || '
    'Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && '
    '(InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && '
    '(InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || '
    "CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],"
    '&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\\\0ACNF:")>0), True, NULL)'
)
_CLOUD_FILTERED_GROUP = (
    'IIF(IsPresent([isCriticalSystemObject]) || [sAMAccountName] = "Domain Users" || '
    "IsNullOrEmpty([mailNickname]) && BitAnd([groupType], 2147483648) = 0 || "
    'CBool(InStr(DNComponent(CRef([dn]),1),"\\\\0ACNF:")>0), True, NULL)'
)
_CLOUD_FILTERED_CONTACT = (
    'IIF(IsPresent([isCriticalSystemObject]) || (InStr([displayName], "(MSOL)") > 0) || '
    "IsNullOrEmpty([mailNickname]) || IsNullOrEmpty([proxyAddresses]) || "
    'CBool(InStr(DNComponent(CRef([dn]),1),"\\\\0ACNF:")>0), True, NULL)'
)
_CLOUD_FILTERED_COMPUTER = (
    "IIF(IsNullOrEmpty([userCertificate]) || [isCriticalSystemObject] = True,True,NULL)"
)
_SOURCE_ANCHOR = (
    "IIF(IsPresent([msExchRecipientTypeDetails]),IIF([msExchRecipientTypeDetails]=2,NULL,"
    "IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID]))),"
    "IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID])))"
)
_CLOUD_SOURCE_ANCHOR = (
    'IIF(IsPresent([cloudSourceAnchor]), IIF(Word([cloudAnchor],1,"_")=[sourceObjectType],'
    "IIF([cloudSourceAnchor] = [sourceAnchor],[sourceAnchor],"
    'Error("SourceAnchor attribute has changed.")),[sourceAnchor]),[sourceAnchor])'
)
_UPN = (
    "IIF(IsPresent([userPrincipalName]),[userPrincipalName], IIF(IsPresent([sAMAccountName]),"
    '([sAMAccountName]&"@"&%Domain.FQDN%),Error("AccountName is not present")))'
)
_PWD_LAST_SET = (
    "IIF(IsPresent([pwdLastSet]),"
    'CStr(FormatDateTime(DateFromNum([pwdLastSet]),"yyyyMMddHHmmss.0Z")),NULL)'
)
_RECIPIENT_TYPE = (
    "IIF(IsPresent([msExchRecipientTypeDetails]),CLng([msExchRecipientTypeDetails]),NULL)"
)
_X500 = 'IIF(IsNullOrEmpty([cloudLegacyExchangeDN]),NULL,"x500:" & [cloudLegacyExchangeDN])'
_IMPORTED_ANCHOR = 'ImportedValue("sourceAnchor")'
_USER_JOINS = _joins(
    [("objectSid", "objectSid")],
    [("msExchMasterAccountSid", "objectSid")],
    [("objectSid", "msExchMasterAccountSid")],
    [("msRTCSIP-OriginatorSid", "objectSid")],
    [("objectSid", "msRTCSIP-OriginatorSid")],
)
_HASHES = ("msExchBlockedSendersHash", "msExchSafeRecipientsHash", "msExchSafeSendersHash")


def _cloud(name: str) -> str:
    """``msExchSafeSendersHash`` -> ``cloudMSExchSafeSendersHash`` (cloud-mastered copy)."""
    return "cloud" + name[0].upper() + name[1:]


def _gated(attrs: Iterable[str], gate: str) -> tuple[Mapping, ...]:
    return tuple(_x(a, f"IIF(IsPresent([{gate}]),[{a}],NULL)") for a in attrs)


def _direct(attrs: Iterable[str]) -> tuple[Mapping, ...]:
    return tuple(_d(a) for a in attrs)


def _identity_flows(kind: str) -> tuple[Mapping, ...]:
    return (
        _e("domainFQDN", "%Domain.FQDN%"),
        _e("domainNetBios", "%Domain.Netbios%"),
        _e("forestFQDN", "%Forest.FQDN%"),
        _e("forestNetBios", "%Forest.Netbios%"),
        _c("sourceObjectType", kind),
        _e("contributingConnector" + kind, "%Connector.ID%"),
    )


def _person_common(kind: str) -> tuple[Mapping, ...]:
    description = "IIF(IsNullOrEmpty([description]),NULL,Left(Trim(Item([description],1)),448))"
    return (
        *(_d(a) for a in PERSON_COMMON if a != "description"),
        _x("description", description),
        _x("displayName", "IIF(IsNullOrEmpty([displayName]),[cn],[displayName])"),
        _x("info", "Left([info],448)"),
        _d("accountName", "sAMAccountName"),
        _d("cn"),
        _x("mailNickname", "IIF(IsNullOrEmpty([mailNickname]),[cn],[mailNickname])"),
        _d("msDS-HABSeniorityIndex"),
        _d("msDS-PhoneticDisplayName"),
        _x("employeeType", f'IIF(IsPresent([employeeType]),[employeeType],"{kind}")'),
        *_identity_flows(kind),
    )


def _ad_inbound_specs() -> list[RuleSpec]:
    """The out-of-box "In from AD" rules of one forest, in their precedence order."""
    user_join: _Extras = {
        "mappings": (_x("cloudFiltered", _CLOUD_FILTERED_USER),),
        "joins": _USER_JOINS,
        "scopes": _scopes(
            [
                ("isCriticalSystemObject", "NOTEQUAL", "TRUE"),
                ("adminDescription", "NOTSTARTSWITH", "User_"),
            ]
        ),
    }
    enabled: _Extras = {
        "password_sync": True,
        "mappings": (
            _c("accountEnabled", "True"),
            _d("cn"),
            _e("contributingConnectorUser", "%Connector.ID%"),
            _d("objectSid"),
            _x("objectSidString", "StringFromSid([objectSid])"),
            _x("pwdLastSet", _PWD_LAST_SET),
            _x("sourceAnchor", _SOURCE_ANCHOR),
            _x("userPrincipalName", _UPN),
        ),
        "scopes": _scopes([("userAccountControl", "ISBITNOTSET", "2")]),
    }
    exchange_common: _Extras = {
        "description": "Attributes from the forest where the user has an Exchange mailbox.",
        "mappings": _gated(
            (
                "displayName",
                "givenName",
                "sn",
                "title",
                "department",
                "company",
                "mail",
                "telephoneNumber",
                "mobile",
                "physicalDeliveryOfficeName",
                "l",
                "st",
                "postalCode",
                "streetAddress",
                "c",
                "co",
                "manager",
            ),
            "msExchRecipientTypeDetails",
        ),
        "scopes": _scopes([("msExchRecipientTypeDetails", "ISNOTNULL", "")]),
    }
    exchange: _Extras = {
        "description": "User object with Exchange schema in Active Directory.",
        "mappings": (
            *_direct(PERSON_EXCHANGE),
            _x("proxyAddresses", 'RemoveDuplicates(Trim(ImportedValue("proxyAddresses")))'),
            _x("msExchRecipientTypeDetails", _RECIPIENT_TYPE),
        ),
        "scopes": _scopes([("mailNickname", "ISNOTNULL", "")]),
    }
    lync: _Extras = {
        "description": "Lync attribute for a User object.",
        "mappings": _direct(PERSON_LYNC),
    }
    org = "inetOrgPerson"
    return [
        _oob("In from AD - User Join", 3, "user", "person", "Provision", **user_join),
        _oob("In from AD - InetOrgPerson Join", 3, org, "person", "Provision", **user_join),
        _oob("In from AD - User AccountEnabled", 4, "user", "person", "Join", **enabled),
        _oob("In from AD - InetOrgPerson AccountEnabled", 3, org, "person", "Join", **enabled),
        _oob(
            "In from AD - User Common from Exchange",
            4,
            "user",
            "person",
            "Join",
            **exchange_common,
        ),
        _oob(
            "In from AD - InetOrgPerson Common from Exchange",
            4,
            org,
            "person",
            "Join",
            **exchange_common,
        ),
        _oob(
            "In from AD - User Common",
            4,
            "user",
            "person",
            "Join",
            mappings=_person_common("User"),
        ),
        _oob(
            "In from AD - InetOrgPerson Common",
            4,
            org,
            "person",
            "Join",
            mappings=_person_common("InetOrgPerson"),
        ),
        _oob("In from AD - User Exchange", 3, "user", "person", "Join", **exchange),
        _oob("In from AD - InetOrgPerson Exchange", 3, org, "person", "Join", **exchange),
        _oob("In from AD - User Lync", 4, "user", "person", "Join", **lync),
        _oob("In from AD - InetOrgPerson Lync", 3, org, "person", "Join", **lync),
        _oob(
            "In from AD - Group Join",
            3,
            "group",
            "group",
            "Provision",
            mappings=(_x("cloudFiltered", _CLOUD_FILTERED_GROUP), _d("objectSid")),
            joins=_joins([("objectSid", "objectSid")]),
            scopes=_scopes(
                [
                    ("isCriticalSystemObject", "NOTEQUAL", "TRUE"),
                    ("adminDescription", "NOTSTARTSWITH", "Group_"),
                ]
            ),
        ),
        _oob(
            "In from AD - Group Exchange",
            4,
            "group",
            "group",
            "Join",
            mappings=_direct(GROUP_EXCHANGE),
            scopes=_scopes([("mailNickname", "ISNOTNULL", "")]),
        ),
        _oob(
            "In from AD - Group Common",
            4,
            "group",
            "group",
            "Join",
            mappings=(
                *_direct(GROUP_COMMON),
                _d("accountName", "sAMAccountName"),
                _x("securityEnabled", "IIF(BitAnd([groupType],&H80000000)=&H80000000,True,False)"),
                *_identity_flows("Group"),
            ),
        ),
        _oob(
            "In from AD - Contact Join",
            3,
            "contact",
            "person",
            "Provision",
            description="Minimal attributes required for the Contact object",
            mappings=(
                _x("cloudFiltered", _CLOUD_FILTERED_CONTACT),
                _x("sourceAnchor", "ConvertToBase64([objectGUID])"),
            ),
            joins=_joins([("mail", "mail")]),
            scopes=_scopes(
                [
                    ("isCriticalSystemObject", "NOTEQUAL", "TRUE"),
                    ("adminDescription", "NOTSTARTSWITH", "Contact_"),
                ]
            ),
        ),
        _oob(
            "In from AD - Contact Common",
            4,
            "contact",
            "person",
            "Join",
            description="Contact object with default Active Directory schema.",
            mappings=_person_common("Contact") + _direct(PERSON_EXCHANGE[:30]),
        ),
        _oob(
            "In from AD - Contact Lync",
            3,
            "contact",
            "person",
            "Join",
            description="Lync attributes for a Contact object.",
            mappings=_direct(PERSON_LYNC[:4]),
        ),
        _oob(
            "In from AD - ForeignSecurityPrincipal Join User",
            1,
            "foreignSecurityPrincipal",
            "person",
            "Join",
            joins=_joins([("objectSid", "objectSid")]),
        ),
        _oob(
            "In from AD - Computer Join",
            2,
            "computer",
            "device",
            "Provision",
            mappings=(
                _x("cloudFiltered", _CLOUD_FILTERED_COMPUTER),
                _x("deviceId", "ConvertToBase64([objectGUID])"),
                _d("deviceOSType", "operatingSystem"),
                _d("deviceOSVersion", "operatingSystemVersion"),
                _c("deviceTrustType", "ServerAd"),
                _d("displayName", "cn"),
                _d("userCertificate"),
                _c("sourceObjectType", "Computer"),
            ),
            joins=_joins([("objectGUID", "deviceId")]),
            scopes=_scopes(
                [("userCertificate", "ISNOTNULL", ""), ("userAccountControl", "ISBITNOTSET", "2")]
            ),
        ),
        _oob(
            "In from AD - Device Common",
            1,
            "msDS-Device",
            "device",
            "Join",
            mappings=(
                _x("registeredOwnerReference", "CRef([msDS-RegisteredOwner])", once=True),
                _d("deviceId", "msDS-DeviceID"),
                _d("displayName"),
            ),
            scopes=_scopes([("msDS-IsEnabled", "EQUAL", "True")]),
        ),
    ]


def _ad_outbound_specs() -> list[RuleSpec]:
    """The out-of-box "Out to AD" (writeback) rules of one forest."""

    def hybrid(attrs: Sequence[str]) -> tuple[Mapping, ...]:
        soa = "IIF([cloudSOAExchMailbox] = True,[{}],IgnoreThisFlow)"
        gated = (_x(a, soa.format(_cloud(a))) for a in attrs)
        return (*gated, _x("proxyAddresses", _X500, merge="MergeCaseInsensitive"))

    def scope(kind: str, mastered: bool = True) -> tuple[tuple[Scope, ...], ...]:
        clauses = [("sourceObjectType", "EQUAL", kind)]
        if mastered:
            clauses.append(("cloudMastered", "NOTEQUAL", "True"))
        return _scopes(clauses)

    def external_id(prefix: str) -> Mapping:
        return _x("msDS-ExternalDirectoryObjectId", f'"{prefix}_" & [cloudAnchor]')

    key_link = "IIF(IsNullOrEmpty([searchableDeviceKey]),IgnoreThisFlow,[searchableDeviceKey])"
    holds = (
        "IIF(IsNullOrEmpty([cloudMSExchUserHoldPolicies]),IgnoreThisFlow,"
        "[cloudMSExchUserHoldPolicies])"
    )
    org = "inetOrgPerson"
    return [
        _oob("Out to AD - Contact Join", 3, "person", "contact", "Join", scopes=scope("Contact")),
        _oob(
            "Out to AD - Group Join",
            4,
            "group",
            "group",
            "Join",
            mappings=(external_id("Group"),),
            scopes=scope("Group"),
        ),
        _oob(
            "Out to AD - InetOrgPerson Join",
            3,
            "person",
            org,
            "Join",
            mappings=(external_id("User"),),
            scopes=scope("InetOrgPerson"),
        ),
        _oob(
            "Out to AD - User Join SOAInAD",
            4,
            "person",
            "user",
            "Join",
            mappings=(external_id("User"), _x("msDS-KeyCredentialLink", key_link)),
            scopes=scope("User"),
        ),
        _oob(
            "Out to AD - Contact Exchange Hybrid",
            3,
            "person",
            "contact",
            "Join",
            mappings=hybrid(_HASHES[2:]),
            scopes=scope("Contact", mastered=False),
        ),
        _oob(
            "Out to AD - Group Exchange Hybrid",
            4,
            "group",
            "group",
            "Join",
            mappings=(_x("proxyAddresses", _X500, merge="MergeCaseInsensitive"),),
            scopes=scope("Group"),
        ),
        _oob(
            "Out to AD - InetOrgPerson Exchange Hybrid",
            3,
            "person",
            org,
            "Join",
            mappings=hybrid(_HASHES),
            scopes=scope("InetOrgPerson", mastered=False),
        ),
        _oob(
            "Out to AD - User Exchange Hybrid",
            3,
            "person",
            "user",
            "Join",
            mappings=(
                *hybrid(_HASHES),
                _d("msExchUCVoiceMailSettings", "cloudMSExchUCVoiceMailSettings"),
                _x("msExchUserHoldPolicies", holds),
            ),
            scopes=scope("User", mastered=False),
        ),
    ]


#: Metaverse name -> Entra ID (AAD connector) name, where they differ.
_AAD_NAMES = {
    "l": "city", "sn": "surname", "st": "state", "c": "countryLetterCode", "co": "country",
    "cn": "commonName", "mailNickname": "alias", "msDS-HABSeniorityIndex": "msDsHabSeniorityIndex",
    "msDS-PhoneticDisplayName": "msDsPhoneticDisplayName", "msExchArchiveGUID": "msExchArchiveGuid",
    "msExchRetentionURL": "msExchRetentionUrl",
    "msExchELCExpirySuspensionEnd": "msExchElcExpirySuspensionEnd",
    "msExchELCExpirySuspensionStart": "msExchElcExpirySuspensionStart",
    "msExchELCMailboxFlags": "msExchElcMailboxFlags", "accountName": "onPremisesSamAccountName",
    "objectSid": "onPremiseSecurityIdentifier", "domainFQDN": "dnsDomainName",
    "domainNetBios": "netBiosName", "pwdLastSet": "lastPasswordChangeTimestamp",
}  # fmt: skip


def aad_name(mv: str) -> str:
    """The cloud attribute a metaverse attribute flows to (``msRTCSIP-Line``: ``msRtcSipLine``)."""
    if mv in _AAD_NAMES:
        return _AAD_NAMES[mv]
    return mv.replace("msRTCSIP-", "msRtcSip").replace("msDS-", "msDs").replace("-", "")


def _to_aad(attrs: Iterable[str]) -> tuple[Mapping, ...]:
    return tuple(Mapping(dest=aad_name(a), attrs=(a,)) for a in attrs)


_WORKLOADS: dict[str, tuple[str, ...]] = {
    "Identity": ("displayName", "mail", "sourceAnchor", "userPrincipalName"),
    "ExchangeOnline": (*PERSON_EXCHANGE, "legacyExchangeDN"),
    "DynamicsCRM": (
        "c", "co", "company", "department", "facsimileTelephoneNumber", "givenName", "l",
        "mobile", "postalCode", "sn", "st", "streetAddress", "telephoneNumber", "title",
        "preferredLanguage",
    ),
    "Intune": ("c", "mail", "preferredLanguage", "proxyAddresses"),
    "LyncOnline": (*PERSON_LYNC, "mail", "telephoneNumber", "mobile", "homePhone", "ipPhone"),
    "SharePointOnline": PERSON_COMMON[:40],
    "AzureRMS": ("mail", "proxyAddresses"),
}  # fmt: skip


def _workload_attrs(kind: str, workload: str) -> tuple[str, ...]:
    attrs = _WORKLOADS[workload]
    if kind != "Group":
        return attrs
    if workload in ("DynamicsCRM", "LyncOnline"):
        return ("displayName", "mail", "description")
    return tuple(a for a in attrs if a in GROUP_EXCHANGE + GROUP_COMMON) or attrs[:3]


def _aad_specs() -> list[RuleSpec]:
    """The Entra ID connector's out-of-box rules (one set, whatever the number of forests)."""
    sot, cm, cf = "sourceObjectType", "cloudMastered", "cloudFiltered"
    anchor_join = _joins([("sourceAnchor", "sourceAnchor")], case=True)
    in_scope = _scopes([(cm, "EQUAL", "False")])

    def out_scope(kind: str, *extra: tuple[str, str, str]) -> tuple[tuple[Scope, ...], ...]:
        base = [(sot, "EQUAL", kind), (cm, "NOTEQUAL", "True"), (cf, "NOTEQUAL", "True")]
        return _scopes([*base, *extra])

    specs = [
        _oob(
            "In from AAD - User Join",
            4,
            "user",
            "person",
            "Join",
            mappings=(
                _d("accountEnabled"),
                _d("cloudAnchor"),
                _x("cloudSourceAnchor", _IMPORTED_ANCHOR),
                _d("usageLocation"),
            ),
            joins=anchor_join,
            scopes=in_scope,
        ),
        _oob(
            "In from AAD - Contact Join",
            3,
            "contact",
            "person",
            "Join",
            mappings=(_d("cloudAnchor"), _x("cloudSourceAnchor", _IMPORTED_ANCHOR)),
            joins=anchor_join,
            scopes=in_scope,
        ),
        _oob(
            "In from AAD - Group Join",
            4,
            "group",
            "group",
            "Join",
            mappings=(
                _d("cloudAnchor"),
                _x("cloudSourceAnchor", _IMPORTED_ANCHOR),
                _d("cloudMastered"),
            ),
            joins=anchor_join,
            scopes=in_scope,
        ),
        _oob(
            "In from AAD - User NGCKey",
            1,
            "user",
            "person",
            "Join",
            mappings=(_d("searchableDeviceKey"),),
            scopes=in_scope,
        ),
    ]
    kinds = (
        ("User", "person", "user"),
        ("Contact", "person", "contact"),
        ("Group", "group", "group"),
    )
    join_flows = (
        _d("accountEnabled"),
        _d("commonName", "cn"),
        _x("dn", '"CN={" & ConvertToUTF8Hex([sourceAnchor]) & "}"'),
        _x("sourceAnchor", _CLOUD_SOURCE_ANCHOR),
        _x("usageLocation", "IIF(IsNullOrEmpty([usageLocation]),IgnoreThisFlow,[usageLocation])"),
        *_to_aad(("domainFQDN", "domainNetBios", "pwdLastSet", "accountName", "objectSid")),
    )
    for kind, source, target in kinds:
        specs.append(
            _oob(
                f"Out to AAD - {kind} Join",
                3 if kind == "Contact" else 6,
                source,
                target,
                "Provision",
                password_sync=kind == "User",
                mappings=join_flows,
                joins=_joins([("sourceAnchor", "sourceAnchor")]),
                scopes=out_scope(kind, ("sourceAnchor", "ISNOTNULL", "")),
            )
        )
        for workload in _WORKLOADS:
            rms = workload == "AzureRMS"
            specs.append(
                _oob(
                    f"Out to AAD - {kind} {workload}",
                    4,
                    source,
                    target,
                    "Join",
                    description="Minimal set of attributes required for Azure RMS." if rms else "",
                    mappings=_to_aad(_workload_attrs(kind, workload)),
                    scopes=out_scope(kind),
                )
            )
    hybrid_in = (
        *_HASHES,
        "msExchUCVoiceMailSettings",
        "msExchUserHoldPolicies",
        "legacyExchangeDN",
    )
    soa = "IIF(IsPresent([cloudMSExchRecipientDisplayType]),True,False)"
    specs += [
        _oob(
            "Out to AAD - User OfficeProPlus",
            4,
            "person",
            "user",
            "Join",
            mappings=_to_aad(("preferredLanguage", "c")),
            scopes=out_scope("User"),
        ),
        _oob(
            "In from AAD - Contact Exchange Hybrid",
            3,
            "contact",
            "person",
            "Join",
            mappings=(_d("cloudLegacyExchangeDN"),),
            scopes=in_scope,
        ),
        _oob(
            "In from AAD - Group Exchange Hybrid",
            3,
            "group",
            "group",
            "Join",
            mappings=(_d("cloudLegacyExchangeDN"),),
            scopes=in_scope,
        ),
        _oob(
            "In from AAD - User Exchange Hybrid",
            3,
            "user",
            "person",
            "Join",
            mappings=(*(_d(_cloud(a)) for a in hybrid_in), _x("cloudSOAExchMailbox", soa)),
            scopes=in_scope,
        ),
        _oob(
            "Out to AAD - Device Join SOAInAD",
            2,
            "device",
            "device",
            "Provision",
            mappings=(
                *_direct(
                    (
                        "accountEnabled",
                        "deviceId",
                        "deviceOSType",
                        "deviceOSVersion",
                        "deviceTrustType",
                        "displayName",
                        "userCertificate",
                    )
                ),
                _x("alternativeSecurityId", "ConvertToBase64([userCertificate])"),
                _x("dn", '"CN={" & ConvertToUTF8Hex([deviceId]) & "}"'),
            ),
            joins=_joins([("deviceId", "deviceId")]),
            scopes=_scopes([(sot, "EQUAL", "Computer"), (cf, "NOTEQUAL", "True")]),
        ),
    ]
    return specs


@cache
def ad_inbound_catalog() -> tuple[RuleSpec, ...]:
    return tuple(_ad_inbound_specs())


@cache
def ad_outbound_catalog() -> tuple[RuleSpec, ...]:
    return tuple(_ad_outbound_specs())


@cache
def aad_catalog() -> tuple[RuleSpec, ...]:
    return tuple(_aad_specs())


# Custom (admin-written) rules: topics, flows, scoping and join candidates.
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


def _custom_mapping(rng: random.Random, dest: str, src: str) -> Mapping:
    if rng.random() < 0.45:
        return Mapping(dest=dest, attrs=(src,))
    template = rng.choice(_EXPRESSION_TEMPLATES)
    return _x(dest, template.format(a=src, n=rng.choice((16, 32, 64, 128, 256)), org=ORG))


def _custom_spec(rng: random.Random, name_taken: set[tuple[str, str]], topic: str = "") -> RuleSpec:
    """A rule an admin wrote: empty immutable tag, a handful of flows, scoping, maybe joins."""
    display, direction, source, target = rng.choice(_CUSTOM_KINDS)
    prefix = "In from AD" if direction == "Inbound" else "Out to AD"
    topic = topic or rng.choice(CUSTOM_TOPICS)
    base = f"Custom - {prefix} - {display} {topic}"
    name, n = base, 1
    while (direction, name) in name_taken:
        n += 1
        name = f"{base} {n}"
    name_taken.add((direction, name))
    attrs = rng.sample(_CUSTOM_FLOW_ATTRS, rng.randint(2, 9))
    mappings = []
    for attr in attrs:
        other = rng.choice(_CUSTOM_FLOW_ATTRS) if rng.random() < 0.3 else attr
        mappings.append(_custom_mapping(rng, attr, other))
    pool = _CUSTOM_SCOPES_IN if direction == "Inbound" else _CUSTOM_SCOPES_OUT
    groups = [rng.sample(pool, rng.randint(1, 3)) for _ in range(rng.choice((0, 1, 1, 1, 2, 3)))]
    joins: tuple[tuple[JoinCondition, ...], ...] = ()
    link = "Join"
    if direction == "Inbound" and rng.random() < 0.2:
        link = rng.choice(("Join", "Provision"))
        picked = rng.sample(_CUSTOM_JOINS, rng.randint(1, 3))
        joins = tuple((JoinCondition(cs, mv, rng.random() < 0.3),) for cs, mv in picked)
    return RuleSpec(
        name=name,
        tag="",
        direction=direction,
        source=source,
        target=target,
        link=link,
        description=rng.choice(("", "", f"{topic}: flows requested by the IAM team.")),
        mappings=tuple(sorted(mappings, key=lambda m: _words_key(m.dest))),
        joins=joins,
        scopes=tuple(tuple(Scope(a, o, v) for a, o, v in g) for g in groups),
    )


# ----------------------------------------------------------------------------------------------
# Attribute pools derived from the catalogs (so every name a rule uses exists in a schema)
# ----------------------------------------------------------------------------------------------

MV_BASE = (
    "accountEnabled", "accountName", "cloudAnchor", "cloudFiltered", "cloudLegacyExchangeDN",
    "cloudMastered", "cloudSOAExchMailbox", "cloudSourceAnchor", "cn", "comment",
    "contributingConnectorUser", "contributingConnectorGroup", "contributingConnectorContact",
    "contributingConnectorInetOrgPerson", "domain", "domainFQDN", "domainNetBios", "forestFQDN",
    "forestNetBios", "lastPasswordChangeTimestamp", "objectID", "objectSid", "objectSidString",
    "objectType", "pwdLastSet", "searchableDeviceKey", "securityEnabled", "sourceAnchor",
    "sourceAnchorBinary", "sourceObjectType", "usageLocation", "userPrincipalName",
    "cloudMSExchBlockedSendersHash", "cloudMSExchSafeRecipientsHash", "cloudMSExchSafeSendersHash",
    "cloudMSExchUCVoiceMailSettings", "cloudMSExchUserHoldPolicies",
    "cloudMSExchRecipientDisplayType", "cloudMSExchDelegateListLink", "cloudMSExchArchiveStatus",
    "cloudMSExchTeamMailboxExpiration", "cloudMSExchTeamMailboxOwners",
    "cloudMSExchTeamMailboxSharePointUrl", "cloudPublicDelegates", "cloudCreated",
    "cloudDisplayName", "cloudIsManaged", "deviceId", "deviceKey", "deviceObjectVersion",
    "deviceOSType", "deviceOSVersion", "devicePhysicalIds", "deviceTrustType", "dirSyncOverrides",
    "isCompliant", "isManaged", "isProvisionedInAD", "registeredOwnerReference",
    "registeredUsersReference", "displayName", "userCertificate", "groupType", "member",
    "managedBy", "description", "info", "mail", "hideDLMembership", "oOFReplyToOriginator",
    "reportToOriginator", "reportToOwner", "msExchGroupDepartRestriction",
    "msExchGroupJoinRestriction",
)  # fmt: skip
_DEVICE_MV = frozenset(
    {
        "deviceId", "deviceKey", "deviceObjectVersion", "deviceOSType", "deviceOSVersion",
        "devicePhysicalIds", "deviceTrustType", "isCompliant", "isManaged", "isProvisionedInAD",
        "registeredOwnerReference", "registeredUsersReference", "cloudIsManaged",
        "cloudDisplayName", "displayName", "accountEnabled", "cloudAnchor", "cloudFiltered",
        "sourceAnchor", "sourceObjectType", "userCertificate", "objectSid", "dirSyncOverrides",
        "cloudCreated",
    }
)  # fmt: skip
_GROUP_ONLY_MV = frozenset({"groupType", "member", "managedBy", "securityEnabled"})


@dataclass(frozen=True)
class Pools:
    ad: tuple[str, ...]  # AD attributes used by rules (the attribute-inclusion list)
    mv_person: tuple[str, ...]
    mv_group: tuple[str, ...]
    mv_device: tuple[str, ...]
    mv_all: tuple[str, ...]
    aad: tuple[str, ...]


def _rule_names(specs: Iterable[RuleSpec], side: str) -> set[str]:
    """Attribute names a set of rules reads/writes on one side ("cs" or "mv")."""
    out: set[str] = set()
    for s in specs:
        cs_in = s.direction == "Inbound"
        for m in s.mappings:
            if (side == "cs") == cs_in:
                out.update(m.attrs)
            else:
                out.add(m.dest)
        for g in s.joins:
            for c in g:
                out.add(c.cs if side == "cs" else c.mv)
        for sg in s.scopes:
            if (side == "cs") == cs_in:
                out.update(sc.attribute for sc in sg)
    return out


@cache
def pools() -> Pools:
    ad_specs = ad_inbound_catalog() + ad_outbound_catalog()
    ad = _rule_names(ad_specs, "cs") | set(PERSON_COMMON + PERSON_EXCHANGE + PERSON_LYNC)
    ad |= set(GROUP_EXCHANGE + GROUP_COMMON + DEVICE_AD + OTHER_AD + _CUSTOM_FLOW_ATTRS)
    ad |= {a for a, _, _ in _CUSTOM_SCOPES_IN} | {cs for cs, _ in _CUSTOM_JOINS}
    ad -= {"msDS-RegisteredOwner", "msDS-IsEnabled"}  # msDS-Device only: in schema, not inclusion
    mv = _rule_names(ad_specs + aad_catalog(), "mv") | set(MV_BASE) | set(_CUSTOM_FLOW_ATTRS)
    mv |= {a for a, _, _ in _CUSTOM_SCOPES_OUT} | {mv for _, mv in _CUSTOM_JOINS}
    mv.discard("dn")
    mv_all = sorted_names(mv)
    device = [a for a in mv_all if a in _DEVICE_MV]
    person = [a for a in mv_all if a not in _DEVICE_MV - {"displayName", "accountEnabled",
              "cloudAnchor", "cloudFiltered", "sourceAnchor", "sourceObjectType", "objectSid",
              "userCertificate", "cloudCreated"} and a not in _GROUP_ONLY_MV]  # fmt: skip
    group_names = set(GROUP_EXCHANGE + GROUP_COMMON) | _GROUP_ONLY_MV | set(MV_BASE[:32])
    group = [a for a in mv_all if a in group_names]
    aad = _rule_names(aad_catalog(), "cs") | {
        "cloudAnchor", "sourceAnchor", "userPrincipalName", "usageLocation", "cloudMastered",
        "accountEnabled", "onPremisesDistinguishedName", "securityEnabled", "member",
    }  # fmt: skip
    aad.discard("dn")
    return Pools(
        ad=tuple(sorted_names(ad)),
        mv_person=tuple(person),
        mv_group=tuple(group),
        mv_device=tuple(device),
        mv_all=tuple(mv_all),
        aad=tuple(sorted_names(aad)),
    )


# ----------------------------------------------------------------------------------------------
# Random helpers
# ----------------------------------------------------------------------------------------------


def new_guid(rng: random.Random) -> str:
    """A lower-case GUID without braces, drawn from ``rng`` (deterministic)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _b64(rng: random.Random, n: int, magic: bytes = b"") -> str:
    return base64.b64encode(magic + rng.randbytes(n)).decode("ascii")


def _stamp(moment: datetime) -> str:
    """``2016-04-26 11:40:09.106``: the export's timestamp format."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _moment(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86400), milliseconds=rng.randrange(1000))


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


# ----------------------------------------------------------------------------------------------
# The AD forest schema: generated once, spliced per connector
# ----------------------------------------------------------------------------------------------

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


def _attribute_type_xml(ident: str, name: str, rng: random.Random) -> str:
    syntax = syntax_of(name) if rng.random() < 0.5 else _weighted_syntax(rng)
    if name in ("unicodePwd",):
        flags = ' single-value="true" m:encrypted="true" m:export-only="true"'
    else:
        flags = "" if name in MULTI_VALUED or rng.random() < 0.2 else ' single-value="true"'
        if rng.random() < 0.035:
            flags += ' user-modification="false"'
        if syntax in (S_STRING, S_OCTET):
            r = rng.random()
            if r < 0.18:
                flags += f' m:range-lower="{rng.choice((0, 1, 1, 16))}"'
                flags += f' m:range-upper="{rng.choice((64, 256, 1024, 2048, 32767))}"'
            elif r < 0.45:
                flags += f' m:range-upper="{rng.choice((16, 32, 64, 128, 256, 512, 1024, 4096))}"'
    body = f"<name>{name}</name><syntax>{syntax}</syntax>"
    return f'<attribute-type id="{ident}"{flags}>{body}</attribute-type>'


@cache
def _syntax_table() -> tuple[list[str], list[int]]:
    return [s for s, _ in _FILLER_SYNTAXES], [w for _, w in _FILLER_SYNTAXES]


def _weighted_syntax(rng: random.Random) -> str:
    syntaxes, weights = _syntax_table()
    return rng.choices(syntaxes, weights)[0]


@dataclass(frozen=True)
class SchemaTemplate:
    """The AD schema body, split where a forest's own extension attributes are spliced in."""

    head: str  # <schema>... every attribute-type
    middle: str  # classes up to just before the user class's </class>
    tail: str  # </class>, remaining classes, dit-content-rules, </schema>
    next_attribute: int  # the next free attribute-type id number

    def render(self, extensions: Sequence[tuple[str, str]]) -> str:
        """The full ``<schema>`` element with ``(name, syntax)`` extensions on class user."""
        types = "".join(
            f'<attribute-type id="A{_b36(self.next_attribute + i)}" single-value="true"'
            f"><name>{name}</name><syntax>{syntax}</syntax></attribute-type>"
            for i, (name, syntax) in enumerate(extensions)
        )
        refs = "".join(
            f'<attribute ref="#A{_b36(self.next_attribute + i)}" required="false" />'
            for i in range(len(extensions))
        )
        return self.head + types + self.middle + refs + self.tail


def build_schema_template(rng: random.Random) -> SchemaTemplate:
    """A forest schema of ~3,400 attribute types, ~570 classes and their dit-content-rules.

    Ids are synthetic base-36 numbers as in a real export (``A0``, ``Ate``, ``C0``) and the
    attribute types are emitted in a scrambled order, as the real serializer does.
    """
    core = list(pools().ad) + [a for a in AD_UNSYNCED if a not in pools().ad]
    core += ["msDS-RegisteredOwner", "msDS-IsEnabled"]
    taken = set(core)
    names = core + [
        _filler_name(rng, rng.choice((1, 2, 2, 2, 3)), taken)
        for _ in range(ATTRIBUTE_TYPES - len(core))
    ]
    ids = {name: f"A{_b36(i)}" for i, name in enumerate(names)}
    order = list(names)
    rng.shuffle(order)
    head = f'<schema><dsml xmlns="{DSML_NS}" xmlns:m="{MMS_DSML_NS}"><directory-schema>' + "".join(
        _attribute_type_xml(ids[n], n, rng) for n in order
    )

    class_taken = set(_CORE_CLASSES)
    class_names = list(_CORE_CLASSES) + [
        _filler_name(rng, rng.choice((1, 2, 2, 3)), class_taken)
        for _ in range(CLASSES - len(_CORE_CLASSES))
    ]
    kinds = ["structural"] * CLASSES
    kinds[0] = "abstract"
    for i in rng.sample(range(len(_CORE_CLASSES), CLASSES), ABSTRACT_CLASSES - 1 + AUX_CLASSES)[
        : ABSTRACT_CLASSES - 1
    ]:
        kinds[i] = "abstract"
    structural = [i for i in range(len(_CORE_CLASSES), CLASSES) if kinds[i] == "structural"]
    for i in rng.sample(structural, AUX_CLASSES):
        kinds[i] = "auxiliary"
    container = class_names.index("container")
    user_index = class_names.index("user")
    attr_ids = [ids[n] for n in names]
    pieces: list[str] = []
    middle_at = 0
    for i, cname in enumerate(class_names):
        superior = (
            "" if i == 0 else f' superior="#C{_b36(container if rng.random() < 0.12 else 0)}"'
        )
        if cname in ("user", "contact", "group", "inetOrgPerson", "computer"):
            members = [ids[a] for a in pools().ad] + rng.sample(attr_ids, 40)
        else:
            members = rng.sample(attr_ids, min(int(rng.expovariate(1 / 8.6)), 180))
        refs = "".join(
            f'<attribute ref="#{m}" required="{"true" if rng.random() < 0.057 else "false"}" />'
            for m in dict.fromkeys(members)
        )
        pieces.append(
            f'<class id="C{_b36(i)}"{superior} type="{kinds[i]}"><name>{cname}</name>{refs}'
        )
        if i == user_index:
            middle_at = len(pieces)
        pieces.append("</class>")
    aux = "".join(
        f'<m:aux-class ref="#C{_b36(i)}" />'
        for i in reversed(range(CLASSES))
        if kinds[i] == "auxiliary"
    )
    # 32 distinct member lists, as in a real forest: most ~31 attributes, four of 215-277.
    sizes = [rng.choice((30, 31, 31)) for _ in range(28)] + [215, 216, 276, 277]
    attr_sets = [rng.sample(attr_ids, n) for n in sizes]
    set_weights = [1.0] * 28 + [0.1] * 4
    rendered_sets = [
        "".join(
            f'<attribute ref="#{a}" required="{"true" if rng.random() < 0.0015 else "false"}" />'
            for a in s
        )
        for s in attr_sets
    ]
    dcrs = []
    for i in range(CLASSES):
        if kinds[i] != "structural":
            continue
        attrs = rng.choices(rendered_sets, set_weights)[0] if rng.random() < 0.70 else ""
        dcrs.append(
            f'<m:dit-content-rule id="C{_b36(i)}">{attrs}{aux if rng.random() < 0.985 else ""}'
            "</m:dit-content-rule>"
        )
    return SchemaTemplate(
        head=head,
        middle="".join(pieces[:middle_at]),
        tail="".join(pieces[middle_at:]) + "".join(dcrs) + "</directory-schema></dsml></schema>",
        next_attribute=len(names),
    )


# ----------------------------------------------------------------------------------------------
# Connector, server and export model
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    guid: str  # server-local
    dn: str
    fqdn: str
    netbios: str
    domain_guid: str  # the AD domain's own GUID: identical on every server
    inclusions: tuple[str, ...]
    exclusions: tuple[str, ...]
    last_dc: str
    cookie: str
    created: str
    modified: str
    version: int


@dataclass(frozen=True)
class AdConnector:
    key: str
    guid: str
    name: str
    netbios: str
    created: str
    modified: str
    version: int
    msol: str
    inclusion: tuple[str, ...]
    partitions: tuple[Partition, ...]
    run_ids: tuple[str, ...]
    run_version: int
    extensions: tuple[tuple[str, str], ...]
    #: Fixed per connector rather than derived from the global setting, so that planting a
    #: change of ``Microsoft.OptionalFeature.PasswordHashSync`` stays one difference.
    password_hash_sync: bool = True


@dataclass(frozen=True)
class AadConnector:
    guid: str
    name: str
    created: str
    modified: str
    version: int
    user_name: str
    partition_guid: str
    partition_created: str
    partition_modified: str
    partition_version: int
    water_mark: str
    run_ids: tuple[str, ...]
    reset_modified: str


@dataclass(frozen=True)
class Server:
    name: str
    export_date: str
    mv_version: int


@dataclass(frozen=True)
class Export:
    server: Server
    ad: tuple[AdConnector, ...]
    aad: AadConnector
    rules: tuple[Rule, ...]
    settings: tuple[tuple[str, str], ...]
    mv_extra: tuple[str, ...] = ()


GLOBAL_SETTINGS: tuple[tuple[str, str], ...] = (
    ("Microsoft.Synchronize.SynchronizationPolicy", "Delta"),
    ("Microsoft.SynchronizationOption.JoinCriteria", "ObjectSID"),
    ("Microsoft.Synchronize.MaintenanceEnabled", "True"),
    ("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "500"),
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
    ("Microsoft.Synchronize.ServerConfigurationVersion", "1.6.16.0"),
    ("Microsoft.AADFilter.AttributeExclusionList", ""),
    ("Microsoft.OptionalFeature.DeviceWriteBack", "False"),
    ("Microsoft.OptionalFeature.AutoUpgradeState", "Suspended"),
    ("Microsoft.UserWriteBack.Forest", ""),
    ("Microsoft.Synchronize.RunHistoryPurgeInterval", "7.00:00:00"),
    ("Microsoft.OptionalFeature.GroupFiltering", "False"),
    ("Microsoft.DeviceWriteBack.Forest", ""),
    ("Microsoft.Synchronize.SynchronizationSchedule", "True"),
    ("Microsoft.Synchronize.NextStartTime", ""),
    ("Microsoft.Synchronize.StagingMode", "False"),
    ("Microsoft.OptionalFeature.PasswordWriteback", "False"),
    ("Microsoft.OptionalFeature.PasswordHashSync", "True"),
    ("Microsoft.OptionalFeature.ExportDeletionThreshold", "True"),
    ("Microsoft.OptionalFeature.DeviceWriteUp", "True"),
    ("Microsoft.OptionalFeature.UserWriteBack", "False"),
    ("Microsoft.AADFilter.ApplicationList", ""),
    ("Microsoft.DirectoryExtension.SourceTargetAttributesMap", ""),
    ("Microsoft.DeviceWriteBack.Container", ""),
    ("Microsoft.UserWriteBack.Container", ""),
    ("Microsoft.OptionalFeature.HybridExchange", "True"),
    ("Microsoft.OptionalFeature.GroupWriteBack", "False"),
)
#: Settings an admin may change on one server and forget on the other, with the other value.
DRIFTABLE_SETTINGS = {
    "Microsoft.OptionalFeature.ExportDeletionThresholdValue": "1000",
    "Microsoft.Synchronize.TimeInterval": "01:00:00",
    "Microsoft.OptionalFeature.PasswordHashSync": "False",
    "Microsoft.OptionalFeature.PasswordWriteback": "True",
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
#: Metaverse attributes an admin might add on one server only.
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
_RUN_PROFILES = (
    ("Full Import", "full-import", "<import-subtype>to-cs</import-subtype>", 50),
    ("Full Synchronization", "apply-rules",
     "<apply-rules-subtype>reevaluate-flow-connectors</apply-rules-subtype>", 0),
    ("Delta Import", "delta-import", "<import-subtype>to-cs</import-subtype>", 50),
    ("Delta Synchronization", "apply-rules",
     "<apply-rules-subtype>apply-pending</apply-rules-subtype>", 0),
    ("Export", "export", "", 30),
)  # fmt: skip


def forest_name(index: int, width: int) -> str:
    """``forest07.fabrikam.com``."""
    return f"forest{index:0{width}d}.{ORG}.com"


def _dn(fqdn: str) -> str:
    return ",".join(f"DC={p}" for p in fqdn.split("."))


def _partition(rng: random.Random, fqdn: str, netbios: str, start: datetime) -> Partition:
    dn = _dn(fqdn)
    ous = rng.sample(_OUS, rng.randint(1, 5))
    if rng.random() < 0.4:
        site = rng.choice(_SITES)
        ous.append(f"OU={site},OU=Sites")
    inclusions = tuple(f"{ou},{dn}" for ou in ous)
    exclusions = [dn]
    for inc in inclusions[: rng.randint(0, 2)]:
        exclusions.append(f"OU={rng.choice(('Disabled', 'Archive', 'Test', 'Stale'))},{inc}")
    created = _moment(rng, start, 30)
    return Partition(
        guid=new_guid(rng),
        dn=dn,
        fqdn=fqdn,
        netbios=netbios,
        domain_guid="{" + new_guid(rng).upper() + "}",
        inclusions=inclusions,
        exclusions=tuple(exclusions),
        last_dc=f"{netbios}-DC{rng.randint(1, 6):02d}.{fqdn}",
        cookie=_b64(rng, 180, b"MSDS"),
        created=_stamp(created),
        modified=_stamp(_moment(rng, created, 300)),
        version=rng.randint(20, 900),
    )


def _ad_connector(rng: random.Random, index: int, width: int, start: datetime) -> AdConnector:
    fqdn = forest_name(index, width)
    label = fqdn.split(".")[0]
    netbios = label.upper()
    parts = [_partition(rng, fqdn, netbios, start)]
    for child in rng.sample(_CHILD_DOMAINS, rng.choice((0, 0, 1, 1, 2))):
        parts.append(_partition(rng, f"{child}.{fqdn}", f"{child.upper()}{index:0{width}d}", start))
    created = _moment(rng, start, 30)
    extensions = tuple(
        (f"{label}-{rng.choice(_WORDS).lower()}{w}", S_STRING)
        for w in dict.fromkeys(rng.sample(_WORDS, rng.randint(0, 4)))
    )
    return AdConnector(
        key=f"ad:{index}",
        guid=new_guid(rng),
        name=fqdn,
        netbios=netbios,
        created=_stamp(created),
        modified=_stamp(_moment(rng, created, 300)),
        version=rng.randint(100, 990),
        msol=f"MSOL_{_hex(rng, 12)}",
        inclusion=pools().ad,
        partitions=tuple(parts),
        run_ids=tuple(new_guid(rng) for _ in _RUN_PROFILES),
        run_version=rng.randint(2, 12),
        extensions=extensions,
    )


def _aad_connector(rng: random.Random, server: str, start: datetime) -> AadConnector:
    created = _moment(rng, start, 30)
    return AadConnector(
        guid=new_guid(rng),
        name=f"{TENANT} - AAD",
        created=_stamp(created),
        modified=_stamp(_moment(rng, created, 300)),
        version=rng.randint(2, 40),
        user_name=f"Sync_{server}_{_hex(rng, 12)}@{TENANT}",
        partition_guid=new_guid(rng),
        partition_created=_stamp(created),
        partition_modified=_stamp(_moment(rng, created, 300)),
        partition_version=rng.randint(50, 900),
        water_mark=base64.b64encode(_b64(rng, 700).encode("utf-16-le") + b"\0\0").decode("ascii"),
        run_ids=tuple(new_guid(rng) for _ in _RUN_PROFILES),
        reset_modified=_stamp(_moment(rng, created, 100)),
    )


def _build_primary(rng: random.Random, connectors: int, rules_per_connector: int) -> Export:
    start = datetime(2023, 1, 9, 8, 0, 0) + timedelta(days=rng.randrange(300))
    width = max(2, len(str(connectors)))
    ad = tuple(_ad_connector(rng, i, width, start) for i in range(1, connectors + 1))
    server, next_start = _server(rng, "SYNC01", start + timedelta(days=400), 300)
    aad = _aad_connector(rng, server.name, start)
    inbound, outbound = ad_inbound_catalog(), ad_outbound_catalog()
    # Which out-of-box rules a connector with few rules keeps: inbound and outbound interleaved.
    priority = [x for pair in zip_longest(inbound, outbound) for x in pair if x is not None]
    in_rules: list[Rule] = []
    out_rules: list[Rule] = []
    custom: list[Rule] = []
    for conn in ad:
        keep = set(priority[:rules_per_connector])
        in_rules += [Rule(s, conn.key, new_guid(rng)) for s in inbound if s in keep]
        out_rules += [Rule(s, conn.key, new_guid(rng)) for s in outbound if s in keep]
        taken: set[tuple[str, str]] = set()
        for _ in range(rules_per_connector - len(keep)):
            custom.append(Rule(_custom_spec(rng, taken), conn.key, new_guid(rng)))
    aad_rules = [Rule(s, "aad", new_guid(rng)) for s in aad_catalog()]
    ordered = in_rules + aad_rules + out_rules + custom
    rules = tuple(replace(r, precedence=100 + i) for i, r in enumerate(ordered))
    settings = _with_settings(GLOBAL_SETTINGS, {"Microsoft.Synchronize.NextStartTime": next_start})
    return Export(server=server, ad=ad, aad=aad, rules=rules, settings=settings)


def _server(
    rng: random.Random, suffix: str, exported: datetime, version: int
) -> tuple[Server, str]:
    """A server's identity at export time, and its next scheduled sync start (in ~30 min)."""
    moment = _moment(rng, exported, 20)
    next_start = moment + timedelta(minutes=rng.randint(1, 30))
    server = Server(f"{ORG.upper()}-{suffix}", _stamp(moment), version + rng.randint(0, 2700))
    return server, next_start.strftime("%a, %d %b %Y %H:%M:%S GMT")


def _with_settings(
    settings: Iterable[tuple[str, str]], changes: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    return tuple((n, changes.get(n, v)) for n, v in settings)


def _fresh_partition(rng: random.Random, p: Partition, start: datetime) -> Partition:
    created = _moment(rng, start, 30)
    return replace(
        p,
        guid=new_guid(rng),
        last_dc=f"{p.netbios}-DC{rng.randint(7, 12):02d}.{p.fqdn}",
        cookie=_b64(rng, 180, b"MSDS"),
        created=_stamp(created),
        modified=_stamp(_moment(rng, created, 300)),
        version=p.version + rng.randint(1, 40),
    )


def _staging_copy(rng: random.Random, primary: Export) -> Export:
    """The same configuration as a freshly built staging server would export it."""
    start = datetime(2024, 11, 4, 9, 0, 0) + timedelta(days=rng.randrange(200))
    ad = []
    for c in primary.ad:
        created = _moment(rng, start, 30)
        ad.append(
            replace(
                c,
                guid=new_guid(rng),
                created=_stamp(created),
                modified=_stamp(_moment(rng, created, 100)),
                version=c.version + rng.randint(1, 90),
                msol=f"MSOL_{_hex(rng, 12)}",
                partitions=tuple(_fresh_partition(rng, p, start) for p in c.partitions),
                run_ids=tuple(new_guid(rng) for _ in c.run_ids),
                run_version=c.run_version + rng.randint(1, 3),
            )
        )
    server, next_start = _server(rng, "SYNC02", start + timedelta(days=150), 3001)
    aad = replace(
        _aad_connector(rng, server.name, start),
        name=primary.aad.name,
    )
    rules = tuple(replace(r, guid=new_guid(rng)) for r in primary.rules)
    settings = _with_settings(
        primary.settings,
        {
            "Microsoft.Synchronize.StagingMode": "True",
            "Microsoft.Synchronize.NextStartTime": next_start,
        },
    )
    return Export(server=server, ad=tuple(ad), aad=aad, rules=rules, settings=settings)


def _renumber(rng: random.Random, rules: Sequence[Rule], base: int) -> tuple[Rule, ...]:
    """New precedence values, all different from the primary's, keeping the order."""
    out = []
    value = base
    for r in rules:
        out.append(replace(r, precedence=value))
        value += 1 if rng.random() < 0.9 else rng.randint(2, 4)
    return tuple(out)


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
    """One real difference between primary and staging that a comparer must report."""

    section: str  # global-settings | metaverse | connector | sync-rule
    object: str  # rule name, connector name, setting name or metaverse class ("person")
    kind: str
    description: str
    connector: str = ""  # for sync-rule: the rule's connector name
    direction: str = ""  # for sync-rule: Inbound / Outbound


@dataclass
class _DriftState:
    rng: random.Random
    rules: list[Rule]
    ad: list[AdConnector]
    settings: dict[str, str]
    mv_extra: list[str]
    names: dict[str, str]  # connector key -> connector name
    touched_rules: set[tuple[str, str, str]] = field(default_factory=set)
    touched: set[tuple[str, str]] = field(default_factory=set)

    def rule_candidates(self) -> list[int]:
        return [i for i, r in enumerate(self.rules) if r.key not in self.touched_rules]

    def rule_planted(self, rule: Rule, kind: str, description: str) -> PlantedDifference:
        self.touched_rules.add(rule.key)
        return PlantedDifference(
            "sync-rule",
            rule.spec.name,
            kind,
            description,
            self.names[rule.connector],
            rule.spec.direction,
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
    picks = [
        i for i in st.rule_candidates() if any(m.expression for m in st.rules[i].spec.mappings)
    ]
    if not picks:
        return None
    i = st.rng.choice(picks)
    rule = st.rules[i]
    spots = [j for j, m in enumerate(rule.spec.mappings) if m.expression]
    j = st.rng.choice(spots)
    old = rule.spec.mappings[j]
    new = replace(old, expression=_alter_expression(old.expression))
    mappings = (*rule.spec.mappings[:j], new, *rule.spec.mappings[j + 1 :])
    st.rules[i] = replace(rule, spec=replace(rule.spec, mappings=mappings))
    return st.rule_planted(
        rule,
        "flow-expression",
        f"expression of the flow to '{old.dest}' differs: primary {old.expression!r}, "
        f"staging {new.expression!r}",
    )


def _plant_scoping_value(st: _DriftState) -> PlantedDifference | None:
    picks = [
        i
        for i in st.rule_candidates()
        if any(sc.value for g in st.rules[i].spec.scopes for sc in g)
    ]
    if not picks:
        return None
    i = st.rng.choice(picks)
    rule = st.rules[i]
    spots = [
        (g, k) for g, grp in enumerate(rule.spec.scopes) for k, sc in enumerate(grp) if sc.value
    ]
    g, k = st.rng.choice(spots)
    old = rule.spec.scopes[g][k]
    new = replace(old, value=_alter_value(old.value))
    group = (*rule.spec.scopes[g][:k], new, *rule.spec.scopes[g][k + 1 :])
    scopes = (*rule.spec.scopes[:g], group, *rule.spec.scopes[g + 1 :])
    st.rules[i] = replace(rule, spec=replace(rule.spec, scopes=scopes))
    return st.rule_planted(
        rule,
        "scoping-value",
        f"scoping filter {old.attribute} {old.operator} in group {g + 1}: primary "
        f"{old.value!r}, staging {new.value!r}",
    )


def _plant_rule_disabled(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i in st.rule_candidates() if not st.rules[i].disabled]
    if not picks:
        return None
    i = st.rng.choice(picks)
    rule = st.rules[i]
    st.rules[i] = replace(rule, disabled=True)
    return st.rule_planted(rule, "rule-disabled", "rule is enabled on primary, disabled on staging")


def _plant_rule_removed(st: _DriftState) -> PlantedDifference | None:
    picks = st.rule_candidates()
    if not picks:
        return None
    i = st.rng.choice(picks)
    rule = st.rules.pop(i)
    return st.rule_planted(rule, "rule-removed", "rule exists on primary only")


def _plant_rule_added(st: _DriftState) -> PlantedDifference | None:
    if not st.ad:
        return None
    conn = st.rng.choice(st.ad)
    taken = {(r.spec.direction, r.spec.name) for r in st.rules if r.connector == conn.key}
    taken |= {(d, n) for c, d, n in st.touched_rules if c == conn.key}
    spec = _custom_spec(st.rng, taken, topic="Staging Pilot")
    rule = Rule(spec, conn.key, new_guid(st.rng))
    last = max(
        (i for i, r in enumerate(st.rules) if r.connector == conn.key), default=len(st.rules) - 1
    )
    st.rules.insert(last + 1, rule)
    return st.rule_planted(rule, "rule-added", "rule exists on staging only")


def _plant_ou_removed(st: _DriftState) -> PlantedDifference | None:
    picks = [
        (ci, pi)
        for ci, c in enumerate(st.ad)
        if ("ou", c.key) not in st.touched
        for pi, p in enumerate(c.partitions)
        if len(p.inclusions) >= 2
    ]
    if not picks:
        return None
    ci, pi = st.rng.choice(picks)
    conn = st.ad[ci]
    part = conn.partitions[pi]
    gone = st.rng.choice(part.inclusions)
    new_part = replace(part, inclusions=tuple(x for x in part.inclusions if x != gone))
    parts = (*conn.partitions[:pi], new_part, *conn.partitions[pi + 1 :])
    st.ad[ci] = replace(conn, partitions=parts)
    st.touched.add(("ou", conn.key))
    return PlantedDifference(
        "connector",
        conn.name,
        "ou-inclusion-removed",
        f"partition {part.dn}: OU inclusion {gone!r} is on primary only",
    )


def _plant_attribute_removed(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i, c in enumerate(st.ad) if ("attr", c.key) not in st.touched]
    if not picks:
        return None
    conn = st.ad[st.rng.choice(picks)]
    gone = st.rng.choice(conn.inclusion)
    st.ad[st.ad.index(conn)] = replace(
        conn, inclusion=tuple(a for a in conn.inclusion if a != gone)
    )
    st.touched.add(("attr", conn.key))
    return PlantedDifference(
        "connector",
        conn.name,
        "attribute-inclusion-removed",
        f"attribute {gone!r} is selected (attribute-inclusion) on primary only",
    )


def _plant_global_setting(st: _DriftState) -> PlantedDifference | None:
    picks = [n for n in DRIFTABLE_SETTINGS if ("setting", n) not in st.touched]
    if not picks:
        return None
    name = st.rng.choice(picks)
    old, new = st.settings[name], DRIFTABLE_SETTINGS[name]
    st.settings[name] = new
    st.touched.add(("setting", name))
    return PlantedDifference(
        "global-settings", name, "global-setting", f"primary {old!r}, staging {new!r}"
    )


def _plant_mv_attribute(st: _DriftState) -> PlantedDifference | None:
    picks = [n for n in MV_EXTRA_CANDIDATES if n not in st.mv_extra]
    if not picks:
        return None
    name = st.rng.choice(picks)
    st.mv_extra.append(name)
    return PlantedDifference(
        "metaverse",
        "person",
        "metaverse-attribute",
        f"attribute {name!r} is defined and on class person on staging only",
    )


def _plant_schema_attribute(st: _DriftState) -> PlantedDifference | None:
    picks = [i for i, c in enumerate(st.ad) if ("schema", c.key) not in st.touched]
    if not picks:
        return None
    i = st.rng.choice(picks)
    conn = st.ad[i]
    label = conn.name.split(".")[0]
    taken = {name for name, _ in conn.extensions}
    name = next(
        f"{label}-{word.lower()}Staged"
        for word in st.rng.sample(_WORDS, len(_WORDS))
        if f"{label}-{word.lower()}Staged" not in taken
    )
    st.ad[i] = replace(conn, extensions=(*conn.extensions, (name, S_STRING)))
    st.touched.add(("schema", conn.key))
    return PlantedDifference(
        "connector",
        conn.name,
        "connector-schema-attribute",
        f"the forest schema has attribute {name!r} (on class user) on staging only: "
        "its schema was refreshed after the forest's schema was extended",
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
    rng: random.Random, primary: Export, staging: Export, count: int
) -> tuple[Export, list[PlantedDifference]]:
    """Apply ``count`` real differences to ``staging``, cycling through the drift kinds."""
    names = {c.key: c.name for c in staging.ad} | {"aad": staging.aad.name}
    st = _DriftState(rng, list(staging.rules), list(staging.ad), dict(staging.settings), [], names)
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
    base = 100 + len(primary.rules) + count + rng.randint(1, 50)
    rules = _renumber(rng, st.rules, base)
    settings = tuple((n, st.settings[n]) for n, _ in staging.settings)
    staged = replace(
        staging, rules=rules, ad=tuple(st.ad), settings=settings, mv_extra=tuple(st.mv_extra)
    )
    return staged, planted


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------


def _el(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag} />"


def _param(
    name: str, value: str, use: str, *, intrinsic: bool = False, kind: str = "string"
) -> str:
    extra = ' intrinsic="1"' if intrinsic else ""
    head = f'<parameter name="{name}" type="{kind}" use="{use}" dataType="String"{extra}'
    return f"{head}>{escape(value)}</parameter>" if value else f"{head} />"


@cache
def _render_mapping(m: Mapping) -> str:
    once = ' execute-once="true"' if m.execute_once else ""
    out = [f"    <mapping{once}>\n      <dest>{escape(m.dest)}</dest>\n"]
    if m.attrs:
        attrs = "".join(f"        <attr>{escape(a)}</attr>\n" for a in m.attrs)
        out.append(f"      <src>\n{attrs}      </src>\n")
    elif m.constant:
        out.append(f"      <src>{escape(m.constant)}</src>\n")
    if m.expression:
        out.append(f"      <expression>{escape(m.expression)}</expression>\n")
    out.append(f"      <valueMergeType>{m.merge}</valueMergeType>\n    </mapping>\n")
    return "".join(out)


def _render_joins(groups: tuple[tuple[JoinCondition, ...], ...]) -> str:
    if not groups:
        return "  <relationshipCriteria />\n"
    out = ["  <relationshipCriteria>\n"]
    for g in groups:
        out.append("    <conditions>\n")
        for c in g:
            case = "        <caseSensitive>True</caseSensitive>\n" if c.case_sensitive else ""
            out.append(
                f"      <condition>\n{case}        <csAttribute>{c.cs}</csAttribute>\n"
                f"        <ilmAttribute>{c.mv}</ilmAttribute>\n      </condition>\n"
            )
        out.append("    </conditions>\n")
    out.append("  </relationshipCriteria>\n")
    return "".join(out)


def _render_scopes(groups: tuple[tuple[Scope, ...], ...]) -> str:
    if not groups:
        return "  <synchronizationCriteria />\n"
    out = ["  <synchronizationCriteria>\n"]
    for g in groups:
        out.append("    <conditions>\n")
        for s in g:
            value = f"<csValue>{escape(s.value)}</csValue>" if s.value else "<csValue />"
            out.append(
                f"      <scope>\n        <csAttribute>{s.attribute}</csAttribute>\n"
                f"        <csOperator>{s.operator}</csOperator>\n        {value}\n      </scope>\n"
            )
        out.append("    </conditions>\n")
    out.append("  </synchronizationCriteria>\n")
    return "".join(out)


@cache
def _render_body(spec: RuleSpec) -> str:
    if spec.mappings:
        flows = "".join(_render_mapping(m) for m in spec.mappings)
        mappings = f"  <attribute-mappings>\n{flows}  </attribute-mappings>\n"
    else:
        mappings = "  <attribute-mappings />\n"
    return (
        mappings
        + _render_joins(spec.joins)
        + _render_scopes(spec.scopes)
        + "</synchronizationRule>"
    )


def render_rule(rule: Rule, connector_guid: str) -> str:
    """A ``SynchronizationRule_{guid}.xml`` file (no trailing newline, as exported)."""
    s = rule.spec
    return (
        "<synchronizationRule>\n"
        f"  <id>{{{rule.guid}}}</id>\n"
        f"  <internal-id>{{{rule.guid}}}</internal-id>\n"
        "  <version>1</version>\n"
        f"  <name>{escape(s.name)}</name>\n"
        f"  {_el('description', s.description)}\n"
        f"  {_el('immutable-tag', s.tag)}\n"
        f"  <direction>{s.direction}</direction>\n"
        f"  <disabled>{rule.disabled}</disabled>\n"
        f"  <connector>{{{connector_guid}}}</connector>\n"
        f"  <sourceObjectType>{s.source}</sourceObjectType>\n"
        f"  <targetObjectType>{s.target}</targetObjectType>\n"
        f"  <linkType>{s.link}</linkType>\n"
        f"  <precedence>{rule.precedence}</precedence>\n"
        f"  <precedence-after>{ZERO_GUID}</precedence-after>\n"
        f"  <precedence-before>{ZERO_GUID}</precedence-before>\n"
        "  <softDeleteExpiryInterval>00:00:00</softDeleteExpiryInterval>\n"
        f"  <EnablePasswordSync>{str(s.password_sync).lower()}</EnablePasswordSync>\n"
        + _render_body(s)
    )


def _header(guid: str, name: str, category: str, created: str, modified: str, version: int,
            internal: int, vendor: tuple[str, str, str] = ("", "", "")) -> str:  # fmt: skip
    subtype, listname, company = vendor
    return (
        "<ma-data>\n"
        "  <format-version>1</format-version>\n"
        f"  <id>{{{guid.upper()}}}</id>\n"
        f"  <name>{escape(name)}</name>\n"
        f"  <category>{category}</category>\n"
        "  <description />\n"
        f"  {_el('subtype', subtype)}\n"
        f"  {_el('ma-listname', listname)}\n"
        f"  {_el('ma-companyname', company)}\n"
        f"  <creation-time>{created}</creation-time>\n"
        f"  <last-modification-time>{modified}</last-modification-time>\n"
        f"  <version>{version}</version>\n"
        f"  <internal-version>{internal}</internal-version>\n"
    )


def _run_data(run_ids: Sequence[str], version: int, partitions: Sequence[str], ad: bool) -> str:
    out = ["<ma-run-data>"]
    for run_id, (name, step_type, subtype, batch) in zip(run_ids, _RUN_PROFILES, strict=True):
        step_head = (
            f'<step-type type="{step_type}">{subtype}</step-type>'
            if subtype
            else f'<step-type type="{step_type}" />'
        )
        if ad:
            custom = (
                f"<adma-step-data><batch-size>{batch}</batch-size><page-size>500</page-size>"
                "<time-limit>120</time-limit></adma-step-data>"
            )
        else:
            custom = (
                f"<extensible2-step-data><timeout>120</timeout><batch-size>{batch}</batch-size>"
                "</extensible2-step-data><parameter-values />"
            )
        steps = "".join(
            f"<step>{step_head}<threshold><object>0</object><batch-size>{batch}</batch-size>"
            f"</threshold><partition>{{{p.upper()}}}</partition><custom-data>{custom}</custom-data>"
            "</step>"
            for p in partitions
        )
        out.append(
            f"<run-configuration><id>{{{run_id}}}</id><name>{name}</name><version>{version}</version>"
            f"<configuration>{steps}</configuration></run-configuration>"
        )
    out.append("</ma-run-data>")
    return "".join(out)


_TAIL = (
    "<component_mappings /><password-sync><maximum-retry-count>10</maximum-retry-count>"
    "<retry-interval>60</retry-interval><allow-low-security>0</allow-low-security>"
    "<unlock-account>0</unlock-account></password-sync><encrypted-attributes /></ma-data>"
)
_AD_GLOBAL_PARAMS = (
    ("ADS_UF_ACCOUNTDISABLE", "0x2"),
    ("ADS_GROUP_TYPE_GLOBAL_GROUP", "0x00000002"),
    ("ADS_GROUP_TYPE_DOMAIN_LOCAL_GROUP", "0x00000004"),
    ("ADS_GROUP_TYPE_LOCAL_GROUP", "0x00000004"),
    ("ADS_GROUP_TYPE_UNIVERSAL_GROUP", "0x00000008"),
    ("ADS_GROUP_TYPE_SECURITY_ENABLED", "0x80000000"),
)


def _render_partition(p: Partition) -> str:
    classes = "".join(f"<object-class>{c}</object-class>" for c in _OBJECT_CLASSES)
    exclusions = "".join(f"<exclusion>{escape(x)}</exclusion>" for x in p.exclusions)
    inclusions = "".join(f"<inclusion>{escape(x)}</inclusion>" for x in p.inclusions)
    params = "".join(
        (
            _param("guid", p.domain_guid, "partition"),
            _param("sign-and-seal", "1", "partition"),
            _param("last-dc", p.last_dc, "partition"),
            _param("dc-failover", "1", "partition"),
            _param("crl-check", "0", "connectivity"),
            _param("ssl-bind", "0", "partition"),
            _param("simple-bind", "0", "partition"),
            _param("cookie", p.cookie, "partition"),
            _param("Domain.FQDN", p.fqdn, "partition", intrinsic=True),
            _param("Domain.LDAP", p.dn, "partition", intrinsic=True),
            _param("Domain.Netbios", p.netbios, "partition", intrinsic=True),
        )
    )
    return (
        f"<partition><id>{{{p.guid}}}</id><name>{p.dn}</name><creation-time>{p.created}"
        f"</creation-time><last-modification-time>{p.modified}</last-modification-time>"
        f"<version>{p.version}</version><selected>1</selected><display-name>{p.fqdn}"
        f"</display-name><filter><object-classes>{classes}</object-classes><containers>"
        f"<exclusions>{exclusions}</exclusions><inclusions>{inclusions}</inclusions></containers>"
        f"</filter><custom-data><adma-partition-data><dn>{p.dn}</dn><name>{p.fqdn}</name>"
        f"<guid>{p.domain_guid}</guid><sign-and-seal>1</sign-and-seal><is-domain>1</is-domain>"
        f"<last-dc>{p.last_dc}</last-dc><dc-failover>1</dc-failover>"
        '<ssl-bind crl-check="0">0</ssl-bind><simple-bind>0</simple-bind>'
        f"<cookie>{p.cookie}</cookie></adma-partition-data></custom-data>"
        f"<parameter-values>{params}</parameter-values></partition>"
    )


def render_ad_connector(c: AdConnector, schema: SchemaTemplate, aad_guid: str) -> str:
    """An AD connector file: a short indented header, then everything on one long line."""
    ldap = _dn(c.name)
    conn_params = "".join(
        (
            _param("forest-port", "0", "connectivity"),
            _param("forest-guid", ZERO_GUID, "connectivity"),
            _param("forest-login-user", c.msol, "connectivity"),
            _param("forest-login-domain", c.name, "connectivity"),
            _param("default-ssl-strength", "0", "connectivity"),
            '<parameter name="password" type="encrypted-string" use="connectivity" '
            'dataType="String" encrypted="1" />',
            _param("forest-name", c.name, "connectivity"),
            _param("sign-and-seal", "1", "connectivity"),
            _param("crl-check", "0", "connectivity"),
            _param("ssl-bind", "0", "connectivity"),
            _param("simple-bind", "0", "connectivity"),
            _param("Connector.GroupFilteringGroupDn", "", "global"),
            *(_param(n, v, "global", intrinsic=True) for n, v in _AD_GLOBAL_PARAMS),
            _param("Forest.FQDN", c.name, "global", intrinsic=True),
            _param("Forest.LDAP", ldap, "global", intrinsic=True),
            _param("Forest.Netbios", c.netbios, "global", intrinsic=True),
        )
    )
    config = (
        f"<private-configuration><adma-configuration><forest-name>{c.name}</forest-name>"
        f"<forest-guid>{ZERO_GUID}</forest-guid><forest-port>0</forest-port>"
        f"<forest-login-domain>{c.name}</forest-login-domain><forest-login-user>{c.msol}"
        "</forest-login-user><sign-and-seal>1</sign-and-seal><default-ssl-strength>0"
        '</default-ssl-strength><ssl-bind crl-check="0">0</ssl-bind><simple-bind>0</simple-bind>'
        f"<password-hash-sync-config><enabled>{int(c.password_hash_sync)}</enabled><target>{{{aad_guid.upper()}}}"
        f"</target></password-hash-sync-config><parameter-values>{conn_params}</parameter-values>"
        "</adma-configuration></private-configuration>"
    )
    inclusion = "".join(f"<attribute>{a}</attribute>" for a in c.inclusion)
    partitions = "".join(_render_partition(p) for p in c.partitions)
    return (
        _header(c.guid, c.name, "AD", c.created, c.modified, c.version, 0)
        + "  <password-sync-allowed>0</password-sync-allowed>"
        + schema.render(c.extensions)
        + config
        + f"<attribute-inclusion>{inclusion}</attribute-inclusion><join/><projection/>"
        + f"<export-attribute-flow/><ma-partition-data>{partitions}</ma-partition-data>"
        + _run_data(c.run_ids, c.run_version, [p.guid for p in c.partitions], ad=True)
        + _TAIL
    )


def _dsml_class(name: str, members: Iterable[str], anchor: str = "", indent: int = 8) -> str:
    pad = " " * indent
    refs = "".join(f'{pad}  <dsml:attribute ref="#{a}" required="false" />\n' for a in members)
    if anchor:
        refs += (
            f'{pad}  <dsml:attribute ref="#{anchor}" required="true" ms-dsml:isAnchor="true" />\n'
        )
    return (
        f'{pad}<dsml:class id="{name}" type="structural">\n{pad}  <dsml:name>{name}</dsml:name>\n'
        f"{refs}{pad}</dsml:class>\n"
    )


def _dsml_type(name: str, indexable: bool = False, indent: int = 8) -> str:
    pad = " " * indent
    single = "false" if name in MULTI_VALUED else "true"
    idx = ' ms-dsml:indexable="true"' if indexable else ""
    syntax = syntax_of(name)
    if syntax == S_OCTET:
        syntax = S_BINARY
    elif syntax in (S_LARGE, S_TIME):
        syntax = S_INT if syntax == S_LARGE else S_STRING
    return (
        f'{pad}<dsml:attribute-type id="{name}" single-value="{single}"{idx}>\n'
        f"{pad}  <dsml:name>{name}</dsml:name>\n{pad}  <dsml:syntax>{syntax}</dsml:syntax>\n"
        f"{pad}</dsml:attribute-type>\n"
    )


_DSML_OPEN = (
    f'<dsml:dsml xmlns:ms-dsml="{MMS_DSML_NS}" xmlns:dsml="{DSML_NS}">\n'
    '      <dsml:directory-schema ms-dsml:no-objectclass-validation="true">\n'
)


def render_aad_connector(c: AadConnector) -> str:
    """The Entra ID (Extensible2) connector: indented DSML with prefixes, then one long line."""
    aad = pools().aad
    group_attrs = [a for a in aad if a in {aad_name(x) for x in GROUP_EXCHANGE + GROUP_COMMON}]
    device_extra = ("displayName", "accountEnabled", "alternativeSecurityId", "userCertificate")
    device_attrs = [a for a in aad if a.startswith("device") or a in device_extra]
    classes = (
        _dsml_class(
            "contact", [a for a in aad if a not in ("cloudAnchor", "member")], "cloudAnchor"
        )
        + _dsml_class("device", device_attrs, "cloudAnchor")
        + _dsml_class("group", [*group_attrs, "member", "securityEnabled"], "cloudAnchor")
        + _dsml_class("publicFolder", ["displayName", "mail", "proxyAddresses"], "cloudAnchor")
        + _dsml_class("user", [a for a in aad if a not in ("cloudAnchor", "member")], "cloudAnchor")
    )
    types = "".join(_dsml_type(a) for a in aad)
    kinds = ("contact", "device", "group", "user")
    mappings = "".join(
        f"        <mapping>\n          <primary_class>{k}</primary_class>\n"
        f"          <oc-value>{k}</oc-value>\n        </mapping>\n"
        for k in kinds
    )
    anchors = "".join(f'<attribute object_class="{k}">cloudAnchor</attribute>' for k in kinds)
    per_class = "".join(
        f"<class><name>{k}</name><anchor><attribute>cloudAnchor</attribute></anchor></class>"
        for k in kinds
    )
    ma_config = (
        "    <MAConfig>\n      <primary_class_mappings>\n"
        + mappings
        + "      </primary_class_mappings><change_type_attribute/><add_change_type_value>Add"
        "</add_change_type_value><modify_change_type_value>Modify</modify_change_type_value>"
        "<delete_change_type_value>Delete</delete_change_type_value><ldap-dn>0</ldap-dn>"
        "<case_normalize_dn_for_anchor>1</case_normalize_dn_for_anchor><extension-config>"
        "<filename>Microsoft.Azure.ActiveDirectory.Connector.dll</filename>"
        "<import-default-page-size>50</import-default-page-size><import-max-page-size>50"
        "</import-max-page-size><export-default-page-size>30</export-default-page-size>"
        "<export-max-page-size>30</export-max-page-size><export-mode>call-based</export-mode>"
        "<import-mode>call-based</import-mode><export-enabled>1</export-enabled><import-enabled>1"
        "</import-enabled><capability-bits>2147982384</capability-bits><export-type>2"
        "</export-type><discovery-partition /><discovery-schema>extensibility</discovery-schema>"
        "<discovery-hierarchy /><password-management-enabled /><assembly-version>1.6.16.0"
        "</assembly-version></extension-config><file-type>Extensible2</file-type><importing>"
        f"<dn>{anchors}</dn><anchor>{anchors}</anchor><per-class-settings>{per_class}"
        "</per-class-settings></importing><parameter-definitions><parameter><name>UserName</name>"
        "<use>connectivity</use><type>string</type><validation /><text /><default-value />"
        "</parameter><parameter><name>Password</name><use>connectivity</use><type>"
        "encrypted-string</type><validation /><text /><default-value /></parameter>"
        "</parameter-definitions><parameter-values>"
        f"{_param('UserName', c.user_name, 'connectivity')}"
        '<parameter name="Password" type="encrypted-string" use="connectivity" dataType="String" '
        'encrypted="1" /></parameter-values><possible_component_mappings />'
        "<aad-password-reset-config>"
        f"<enabled>0</enabled><modified-timestamp>{c.reset_modified}</modified-timestamp>"
        f"<adal-authority>https://login.windows.net/{TENANT}</adal-authority>"
        "</aad-password-reset-config></MAConfig>\n"
    )
    inclusion = "".join(f"    <attribute>{a}</attribute>\n" for a in aad)
    partition = (
        f"<ma-partition-data><partition><id>{{{c.partition_guid}}}</id><name>default</name>"
        f"<creation-time>{c.partition_created}</creation-time><last-modification-time>"
        f"{c.partition_modified}</last-modification-time><version>{c.partition_version}"
        "</version><selected>1</selected><display-name>default</display-name><filter>"
        "<object-classes>"
        + "".join(f"<object-class>{k}</object-class>" for k in kinds)
        + "</object-classes><containers><exclusions /><inclusions><inclusion /></inclusions>"
        "</containers></filter><custom-data><ecma-partition-data><dn>default</dn><name>default"
        "</name><is-domain>1</is-domain></ecma-partition-data>"
        f"<water-mark>{c.water_mark}</water-mark></custom-data></partition></ma-partition-data>"
    )
    vendor = ("Windows Azure Active Directory (Microsoft)",) * 2 + ("Microsoft",)
    return (
        _header(c.guid, c.name, "Extensible2", c.created, c.modified, c.version, 1, vendor)
        + "  <password-sync-allowed>0</password-sync-allowed>\n  <schema>\n    "
        + _DSML_OPEN
        + classes
        + types
        + "      </dsml:directory-schema>\n    </dsml:dsml>\n  </schema>\n"
        + "  <private-configuration>\n"
        + ma_config
        + "  </private-configuration>\n  <attribute-inclusion>\n"
        + inclusion
        + "  </attribute-inclusion><join/><projection/><export-attribute-flow/>"
        + partition
        + _run_data(c.run_ids, c.version, [c.partition_guid], ad=False)
        + _TAIL
    )


_INDEXABLE = frozenset(
    {"accountName", "cloudAnchor", "cn", "displayName", "mail", "mailNickname", "objectSid",
     "sourceAnchor", "userPrincipalName", "employeeID", "domainFQDN", "deviceId", "sn",
     "givenName", "company", "department", "c", "co", "proxyAddresses", "legacyExchangeDN"}
)  # fmt: skip


def render_mv(export: Export) -> str:
    """``GlobalSettings/MV.xml``: single-quoted root attributes and the tag-like comment."""
    p = pools()
    extra = list(export.mv_extra)
    classes = (
        _dsml_class("person", sorted_names(list(p.mv_person) + extra))
        + _dsml_class("group", p.mv_group)
        + _dsml_class("device", p.mv_device)
    )
    types = "".join(_dsml_type(a, a in _INDEXABLE) for a in list(p.mv_all) + extra)
    params = "".join(
        "    " + _param(n, v, "SynchronizationGlobal") + "\n" for n, v in export.settings
    )
    s = export.server
    return (
        f"<saved-mv-configuration server='{s.name}' export-date='{s.export_date}'>\n"
        "<!--WARNING>\n" + "!" * 67 + "\n!!\n"
        "!! The contents of this file should not be edited.\n"
        "!! Any such modifications to this file may result in errors during import.\n"
        "!!\n" + "!" * 67 + "\n</WARNING-->\n"
        "<mv-data>\n <format-version>1</format-version>\n"
        f" <version>{s.mv_version}</version>\n <schema>\n  "
        + _DSML_OPEN
        + classes
        + types
        + "      </dsml:directory-schema>\n    </dsml:dsml>\n </schema>\n"
        " <password-change-history-size>24</password-change-history-size>\n"
        " <password-sync />\n <parameter-values>\n"
        + params
        + "  </parameter-values>\n</mv-data>\n\n</saved-mv-configuration>\n"
    )


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideSummary:
    files: int
    bytes: int
    connectors: int
    rules: int


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`write_pair` wrote."""

    out_dir: Path
    primary: SideSummary
    staging: SideSummary
    planted: tuple[PlantedDifference, ...]
    seconds: float

    @property
    def files(self) -> int:
        return self.primary.files + self.staging.files

    @property
    def bytes(self) -> int:
        return self.primary.bytes + self.staging.bytes


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def write_export(folder: Path, export: Export, schema: SchemaTemplate) -> SideSummary:
    """Write one export folder as ``Get-ADSyncServerConfiguration -Path`` lays it out."""
    connectors_dir = folder / "Connectors"
    rules_dir = folder / "SynchronizationRules"
    settings_dir = folder / "GlobalSettings"
    for d in (connectors_dir, rules_dir, settings_dir):
        d.mkdir(parents=True, exist_ok=True)
    total = 0
    guids = {c.key: c.guid for c in export.ad} | {"aad": export.aad.guid}
    for c in export.ad:
        text = render_ad_connector(c, schema, export.aad.guid)
        total += _write(connectors_dir / f"Connector_{{{c.guid}}}.xml", text)
    aad_text = render_aad_connector(export.aad)
    total += _write(connectors_dir / f"Connector_{{{export.aad.guid}}}.xml", aad_text)
    total += _write(settings_dir / "MV.xml", render_mv(export))
    for r in export.rules:
        text = render_rule(r, guids[r.connector])
        total += _write(rules_dir / f"SynchronizationRule_{{{r.guid}}}.xml", text)
    n_conn = len(export.ad) + 1
    return SideSummary(files=n_conn + 1 + len(export.rules), bytes=total, connectors=n_conn,
                       rules=len(export.rules))  # fmt: skip


def _check_empty(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; refusing to mix two generated exports")


def write_pair(
    out_dir: Path, connectors: int, rules_per_connector: int, drift: int = 0, seed: int = 0
) -> SynthSummary:
    """Write ``out_dir/primary``, ``out_dir/staging`` and ``out_dir/planted.json``.

    ``connectors`` AD forests (plus one Entra ID connector), ``rules_per_connector`` sync rules
    per AD connector (plus the cloud connector's out-of-box rules) and exactly ``drift``
    planted differences. ``planted.json`` is ``{"seed", "connectors", "rules_per_connector",
    "drift", "planted": [{"section", "object", "kind", "description", "connector",
    "direction"}, ...]}``. Raises ``ValueError`` for impossible sizes and ``FileExistsError``
    if either export folder already holds files.
    """
    if connectors < 1 or rules_per_connector < 1 or drift < 0:
        raise ValueError("need connectors >= 1, rules_per_connector >= 1 and drift >= 0")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    for side in ("primary", "staging"):
        _check_empty(out_dir / side)
    rng = random.Random(seed)
    schema = build_schema_template(rng)
    primary = _build_primary(rng, connectors, rules_per_connector)
    staging, planted = plant_drift(rng, primary, _staging_copy(rng, primary), drift)
    p_summary = write_export(out_dir / "primary", primary, schema)
    s_summary = write_export(out_dir / "staging", staging, schema)
    manifest = {
        "seed": seed,
        "connectors": connectors,
        "rules_per_connector": rules_per_connector,
        "drift": drift,
        "planted": [asdict(p) for p in planted],
    }
    (out_dir / "planted.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return SynthSummary(
        out_dir=out_dir,
        primary=p_summary,
        staging=s_summary,
        planted=tuple(planted),
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m driftcheck.synth",
        description="Write a synthetic primary/staging Entra Connect export pair with drift.",
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


if __name__ == "__main__":
    raise SystemExit(main())
