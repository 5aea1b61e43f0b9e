"""The out-of-box catalogue, once: rule templates, schemas and global settings of Entra Connect 2.x.

Out-of-box rules (``immutable-tag`` ``Microsoft.<Name>.<NNN>``) are built per connector by
:func:`ad_rules`, :func:`ad_outbound_rules`, :func:`computer_join`, :func:`immutable_id`,
:func:`aad_rules` and :func:`device_join`; the AD, AAD and metaverse attribute tables give
every attribute a rule touches a schema entry; :func:`global_parameters` is MV.xml's
``parameter-values`` of a 2.x server. The source-anchor, UPN and cloud-filtered expressions are
the ones the bundled samples have always carried (the old benchmark generator spelled them
differently; see tools/exportkit/README.md).
"""

from __future__ import annotations

import random

from .model import AdSchema, AttributeType, DitContentRule, Mapping, Param, Rule, SchemaClass
from .text import (
    SYN_BIN,
    SYN_BOOL,
    SYN_DN,
    SYN_GT,
    SYN_INT,
    SYN_LINT,
    SYN_OCT,
    SYN_STR,
    ZERO_GUID,
    b36,
    ci_sorted,
    expr_attrs,
)

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
# Attributes later product versions add (the upgrade scenario): VH 2.1.19 employeeLeaveDateTime.
MV_TYPES["employeeLeaveDateTime"] = (SYN_STR, True, False)
AAD_TYPES["employeeLeaveDateTime"] = (SYN_STR, True)
AAD_TYPES["onPremisesObjectIdentifier"] = (SYN_STR, True)


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


def aad_rules(conn: str, base: int = 116) -> list[Rule]:
    """Out-of-box rules of the Entra ID connector ``conn``, precedence base .. base+10."""
    aad_join = [[j("sourceAnchor", "sourceAnchor", True)]]
    not_cloud = [[s("cloudMastered", "EQUAL", "False")]]
    return [
        Rule(
            conn,
            "In from AAD - User Join",
            "Microsoft.InfromAADUserJoin.010",
            "Inbound",
            "user",
            "person",
            "Join",
            base,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
                m("cloudMastered"),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            conn,
            "In from AAD - Contact Join",
            "Microsoft.InfromAADContactJoin.006",
            "Inbound",
            "contact",
            "person",
            "Join",
            base + 1,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            conn,
            "In from AAD - Group Join",
            "Microsoft.InfromAADGroupJoin.009",
            "Inbound",
            "group",
            "group",
            "Join",
            base + 2,
            [
                m("cloudAnchor"),
                m("cloudSourceAnchor", ["sourceAnchor"], 'ImportedValue("sourceAnchor")'),
                m("cloudMastered"),
            ],
            aad_join,
            not_cloud,
        ),
        Rule(
            conn,
            "Out to AAD - User Join",
            "Microsoft.OuttoAADUserJoin.013",
            "Outbound",
            "person",
            "user",
            "Provision",
            base + 3,
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
            conn,
            "Out to AAD - User Identity",
            "Microsoft.OuttoAADUserIdentity.011",
            "Outbound",
            "person",
            "user",
            "Join",
            base + 4,
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
            conn,
            "Out to AAD - User ExchangeOnline",
            "Microsoft.OuttoAADUserExchangeOnline.012",
            "Outbound",
            "person",
            "user",
            "Join",
            base + 5,
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
            conn,
            "Out to AAD - Contact Join",
            "Microsoft.OuttoAADContactJoin.007",
            "Outbound",
            "person",
            "contact",
            "Provision",
            base + 6,
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
            conn,
            "Out to AAD - Contact Identity",
            "Microsoft.OuttoAADContactIdentity.006",
            "Outbound",
            "person",
            "contact",
            "Join",
            base + 7,
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
            conn,
            "Out to AAD - Group Join",
            "Microsoft.OuttoAADGroupJoin.012",
            "Outbound",
            "group",
            "group",
            "Provision",
            base + 8,
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
            conn,
            "Out to AAD - Group Identity",
            "Microsoft.OuttoAADGroupIdentity.009",
            "Outbound",
            "group",
            "group",
            "Join",
            base + 9,
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
            conn,
            "In from AAD - User Exchange Hybrid",
            "Microsoft.InfromAADUserExchangeHybrid.007",
            "Inbound",
            "user",
            "person",
            "Join",
            base + 10,
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


def device_join(conn: str, prec: int) -> Rule:
    # The real rule's tag drops "Device" from the name: kept that way on purpose.
    return Rule(
        conn,
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


def global_parameters(
    *,
    version: str,
    staging: bool,
    next_start: str,
    threshold_value: str = "500",
) -> list[tuple[str, str]]:
    """MV.xml ``parameter-values`` of an Entra Connect 2.x server, in document order."""
    st = staging
    return [
        ("Microsoft.Synchronize.SynchronizationPolicy", "Delta"),
        ("Microsoft.SynchronizationOption.JoinCriteria", "AlwaysProvision"),
        ("Microsoft.Synchronize.MaintenanceEnabled", "True"),
        ("Microsoft.OptionalFeature.ExportDeletionThresholdValue", threshold_value),
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
        ("Microsoft.Synchronize.ServerConfigurationVersion", version),
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
        ("Microsoft.Synchronize.NextStartTime", next_start),
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


def aad_class_members(rules: list[Rule], conn: str) -> dict[str, list[str]]:
    """AAD connector class -> member attributes: what the rules of ``conn`` touch."""
    members: dict[str, set[str]] = {c: set(AAD_EXTRA_MEMBERS[c]) for c in AAD_EXTRA_MEMBERS}
    for r in rules:
        if r.conn != conn:
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


def mv_members(rules: list[Rule]) -> dict[str, list[str]]:
    """Metaverse object type -> member attributes: what the rules touch, plus extras."""
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


def check_rules(rules: list[Rule], aad: str) -> None:
    """Every AD attribute a rule touches is in the schema and the attribute inclusion."""
    for r in rules:
        if r.conn == aad:
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


AdAttributeSpec = tuple[str, str, bool, dict[str, str]]
AdClassSpec = tuple[str, str | None, str, list[tuple[str, bool]]]


def build_ad_schema(
    rng: random.Random,
    attributes: list[AdAttributeSpec] | None = None,
    classes: list[AdClassSpec] | None = None,
    dit_rules: dict[str, list[str]] | None = None,
) -> AdSchema:
    """An AD connector schema with synthetic ids drawn from ``rng``.

    Ids are base-36 numbers handed out in one (random) order and the attribute types are
    emitted in another, as a real export does: two servers' schemas of one forest differ in
    ids and order only. Defaults: the catalogue's AD attributes, classes and dit-content-rules.
    """
    attributes = AD_ATTRIBUTES if attributes is None else attributes
    classes = AD_CLASSES if classes is None else classes
    dit_rules = AD_DIT_RULES if dit_rules is None else dit_rules
    attr_index = list(range(len(attributes)))
    rng.shuffle(attr_index)
    attr_id = {a[0]: "A" + b36(attr_index[i]) for i, a in enumerate(attributes)}
    cls_index = list(range(len(classes)))
    rng.shuffle(cls_index)
    cls_id = {c[0]: "C" + b36(cls_index[i]) for i, c in enumerate(classes)}
    emit = list(attributes)
    rng.shuffle(emit)
    types = []
    for name, syntax, single, extra in emit:
        flags = ((("single-value", "true"),) if single else ()) + tuple(extra.items())
        types.append(AttributeType(attr_id[name], name, syntax, flags))
    position = {c[0]: cls_index[i] for i, c in enumerate(classes)}
    by_id = sorted(classes, key=lambda c: position[c[0]])
    schema_classes = [
        SchemaClass(
            cls_id[name],
            name,
            cls_id[sup] if sup else None,
            ctype,
            tuple((attr_id[a], req) for a, req in members),
        )
        for name, sup, ctype, members in by_id
    ]
    aux_members = {c[0]: c[3] for c in classes}
    dits = []
    for name, *_unused in by_id:
        if name not in dit_rules:
            continue
        seen: list[str] = []
        for aux in dit_rules[name]:
            for a, _req in aux_members[aux]:
                if a not in seen:
                    seen.append(a)
        dits.append(
            DitContentRule(
                cls_id[name],
                tuple((attr_id[a], False) for a in seen),
                tuple(cls_id[aux] for aux in reversed(dit_rules[name])),
            )
        )
    return AdSchema(types, schema_classes, dits)


def ad_parameters(fqdn: str, dn: str, netbios: str, msol: str) -> list[Param]:
    """An AD connector's ``adma-configuration/parameter-values``, in document order."""
    return [
        Param("forest-port", "0", "connectivity"),
        Param("forest-guid", ZERO_GUID, "connectivity"),
        Param("forest-login-user", msol, "connectivity"),
        Param("forest-login-domain", fqdn, "connectivity"),
        Param("default-ssl-strength", "0", "connectivity"),
        Param("password", None, "connectivity", ptype="encrypted-string", encrypted=True),
        Param("forest-name", fqdn, "connectivity"),
        Param("sign-and-seal", "1", "connectivity"),
        Param("crl-check", "0", "connectivity"),
        Param("ssl-bind", "0", "connectivity"),
        Param("simple-bind", "0", "connectivity"),
        Param("Connector.GroupFilteringGroupDn", None, "global"),
        Param("ADS_UF_ACCOUNTDISABLE", "0x2", "global", intrinsic=True),
        Param("ADS_GROUP_TYPE_GLOBAL_GROUP", "0x00000002", "global", intrinsic=True),
        Param("ADS_GROUP_TYPE_DOMAIN_LOCAL_GROUP", "0x00000004", "global", intrinsic=True),
        Param("ADS_GROUP_TYPE_LOCAL_GROUP", "0x00000004", "global", intrinsic=True),
        Param("ADS_GROUP_TYPE_UNIVERSAL_GROUP", "0x00000008", "global", intrinsic=True),
        Param("ADS_GROUP_TYPE_SECURITY_ENABLED", "0x80000000", "global", intrinsic=True),
        Param("Forest.FQDN", fqdn, "global", intrinsic=True),
        Param("Forest.LDAP", dn, "global", intrinsic=True),
        Param("Forest.Netbios", netbios, "global", intrinsic=True),
    ]


def tag_stem(tag: str) -> str:
    """``Microsoft.InfromADUserCommon.014`` -> ``Microsoft.InfromADUserCommon``."""
    return tag.rsplit(".", 1)[0]


def tag_version(tag: str) -> int:
    """``Microsoft.InfromADUserCommon.014`` -> 14."""
    return int(tag.rsplit(".", 1)[1])


def with_tag_version(tag: str, version: int) -> str:
    return f"{tag_stem(tag)}.{version:03d}"
