"""Scenario table 3: the pending exports of the demo's staging server (``samples/staging-pending``).

FAB-SYNC02 after a full import and delta synchronization of every connector, as
``Export-DriftcheckConfiguration.ps1 -PendingExports`` writes them: ``manifest.json`` and one
csexport file per connector. Most pending changes follow from the staging server's
configuration drift (``samples/expected-drift.json``); the rest are ordinary data changes that
no configuration difference explains. Each group of objects is one row of :data:`GROUPS`, with
the drift item it follows from (``None`` for data changes); :func:`expected` counts what a
correct reader must find, from the objects themselves.

Deterministic: fixed seeds, fixed timestamps, so ``tools/build_samples.py --check`` holds.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .csexport import (
    AnyAttr,
    CsExportStyle,
    CsObject,
    Delta,
    DnAttr,
    Entry,
    added,
    deleted,
    multi,
    reference,
    single,
    updated,
    write_csexport,
)
from .fabrikam import STAGING_AAD_NAME, TENANT

FOLDER = "staging-pending"
EXPECTED = "pending-expected.json"
SERVER = "FAB-SYNC02"
CREATED = "2024-11-18T09:41:07+00:00"
SEED = "fabrikam/pending"
MANIFEST_SCHEMA = "driftcheck/pending-manifest/v1"

AD, EMEA, AAD = "fabrikam.com", "emea.fabrikam.com", STAGING_AAD_NAME
#: connector -> (generated file name, style); the names are the export script's (index + a
#: file-name-safe copy of the connector name).
FILES = {
    AD: ("01-fabrikam.com.xml", CsExportStyle()),
    EMEA: ("02-emea.fabrikam.com.xml", CsExportStyle(encoding="utf-16", crlf=True)),
    AAD: ("03-Fabrikam.onmicrosoft.com_-_AAD.xml", CsExportStyle(encoding="utf-8-sig")),
}

FIRST = [
    "Aisha",
    "Alex",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "David",
    "Elena",
    "Emma",
    "Farid",
    "Grace",
    "Hana",
    "Ivan",
    "Jamal",
    "Julia",
    "Kai",
    "Laura",
    "Leo",
    "Lina",
    "Marco",
    "Maria",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sara",
    "Tom",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Baker",
    "Castillo",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zhang",
]
DEPARTMENTS = ("SALES", "FIN", "HR", "IT", "OPS", "LEGAL", "MKTG", "RND")
SALES_OU = "OU=Sales,OU=Fabrikam,DC=fabrikam,DC=com"
USERS_OU = "OU=Users,OU=Fabrikam,DC=fabrikam,DC=com"
CONTRACTORS_OU = "OU=Contractors,OU=Users,OU=Fabrikam,DC=fabrikam,DC=com"
GROUPS_OU = "OU=Groups,OU=Fabrikam,DC=fabrikam,DC=com"
EMEA_USERS_OU = "OU=EMEA Users,DC=emea,DC=fabrikam,DC=com"
EMEA_CONTACTS_OU = "OU=Partners\\, Suppliers,DC=emea,DC=fabrikam,DC=com"

#: One row per group of planted objects: (key, connector, drift item or None, what).
GROUPS: tuple[tuple[str, str, str | None, str], ...] = (
    ("department-case", AAD, "1", "department from extensionAttribute5: same code, lower case"),
    ("department-unassigned", AAD, "1", "department: extensionAttribute5 empty -> {Unassigned}"),
    ("contractors-in-scope", AAD, "2", "contractors no longer cloud-filtered: adds"),
    ("group-prefix", AAD, "4a", "group displayName loses its GRP- prefix"),
    ("exchange-online", AAD, "5", "proxyAddresses and alias (mailNickname) removed"),
    ("sales-out-of-scope", AAD, "7", "users of the no longer included Sales OU: deletes"),
    ("contractors-ou-excluded", AAD, "7", "users of the newly excluded Contractors OU: deletes"),
    ("thumbnail-photo", AAD, "8", "thumbnailPhoto no longer imported: binary value cleared"),
    ("emea-contacts", AAD, "9", "EMEA contacts no longer selected: deletes"),
    ("upn-renames", AAD, None, "surname changes: userPrincipalName and displayName"),
    ("new-hires", AAD, None, "new users: adds"),
    ("vendors-filtered", AAD, None, "employeeType changed to Vendor: cloudFiltered set true"),
    ("restored-anchor", AAD, None, "an account restored from backup: sourceAnchor changes"),
    ("all-staff-members", AAD, None, "group membership: dn-attr member values added/removed"),
    ("manager-changes", AAD, None, "manager (dn-attr, single-valued) changes"),
    ("escrowed", AAD, None, "an export sent earlier and never confirmed (escrowed)"),
    ("unconfirmed", AAD, None, "an export sent earlier, awaiting confirmation (unconfirmed)"),
    ("recreated", AAD, None, "an object deleted and created again with the same DN"),
    ("consistency-guid-set", AD, None, "ms-DS-ConsistencyGuid written back for new users"),
    ("restored-anchor-ad", AD, None, "the restored account's ms-DS-ConsistencyGuid changes"),
    ("emea-consistency-guid-set", EMEA, None, "ms-DS-ConsistencyGuid written back for new users"),
    ("emea-no-change", EMEA, None, "operation none: not a change"),
)

#: The attributes each drift item changes on the objects it touches (what "explained" means in
#: ``pending-expected.json``); items that only add or delete objects change none.
DRIFT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "1": frozenset({"department"}),
    "4a": frozenset({"displayName"}),
    "5": frozenset({"proxyAddresses", "alias"}),
    "8": frozenset({"thumbnailPhoto"}),
}


def explained_by(groups: tuple[str, ...], attribute: str) -> str | None:
    """The drift item that explains ``attribute`` changing on an object of ``groups``."""
    for key, _connector, item, _what in GROUPS:
        if key in groups and item is not None and attribute in DRIFT_ATTRIBUTES.get(item, ()):
            return item
    return None


@dataclass
class Person:
    first: str
    last: str
    ou: str
    guid: bytes  # the ms-DS-ConsistencyGuid (the source anchor)
    number: int
    department: str = ""
    ext5: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def alias(self) -> str:
        return f"{self.first}.{self.last}{self.number}".lower()

    @property
    def upn(self) -> str:
        domain = "emea.fabrikam.com" if "DC=emea" in self.ou else "fabrikam.com"
        return f"{self.alias}@{domain}"

    @property
    def ad_dn(self) -> str:
        return f"CN={self.display_name} {self.number},{self.ou}"

    @property
    def source_anchor(self) -> str:
        return base64.b64encode(self.guid).decode("ascii")

    @property
    def aad_dn(self) -> str:
        return "CN={" + self.guid.hex().upper() + "}"


@dataclass
class Plan:
    rng: random.Random
    counter: int = 1000
    objects: dict[str, list[tuple[tuple[str, ...], CsObject]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def person(self, ou: str) -> Person:
        self.counter += 1
        return Person(
            self.rng.choice(FIRST),
            self.rng.choice(LAST),
            ou,
            self.rng.getrandbits(128).to_bytes(16, "little"),
            self.counter,
        )

    def guid(self) -> str:
        return "{" + str(uuid.UUID(int=self.rng.getrandbits(128), version=4)).upper() + "}"

    def add(self, group: str | tuple[str, ...], obj: CsObject) -> None:
        """Plant ``obj`` as a member of ``group`` (or of several: one object, several causes)."""
        groups = (group,) if isinstance(group, str) else group
        connector = next(g[1] for g in GROUPS if g[0] == groups[0])
        self.objects[connector].append((groups, obj))


def aad_user(p: Person, **extra: AnyAttr | None) -> Entry:
    attrs: dict[str, AnyAttr | None] = {
        "sourceAnchor": single("sourceAnchor", p.source_anchor),
        "userPrincipalName": single("userPrincipalName", p.upn),
        "displayName": single("displayName", p.display_name),
        "mail": single("mail", p.upn),
        "accountEnabled": single("accountEnabled", "true", "boolean"),
        "cloudFiltered": None,
    }
    attrs.update(extra)
    return Entry(
        p.aad_dn,
        tuple(a for a in attrs.values() if a is not None),
        primary_objectclass="user",
    )


def photo(rng: random.Random) -> str:
    """A small JPEG-looking byte string, base64 (binary values are opaque)."""
    body = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.getrandbits(8) for _ in range(48))
    return base64.b64encode(body + b"\xff\xd9").decode("ascii")


def proxies(p: Person) -> AnyAttr:
    return multi(
        "proxyAddresses",
        [
            f"SMTP:{p.upn}",
            f"smtp:{p.alias}@{TENANT}",
            f"smtp:{p.alias}@fabrikam.mail.onmicrosoft.com",
        ],
    )


def build(rng: random.Random | None = None) -> Plan:
    """Every planted object, per connector, in file order."""
    plan = Plan(rng or random.Random(SEED))
    r = plan.rng

    # --- drift 1 and 5 and 8 on the users that stay: one object, several attribute changes
    users = [plan.person(USERS_OU) for _ in range(236)]
    for i, p in enumerate(users):
        before: dict[str, AnyAttr | None] = {
            "proxyAddresses": proxies(p),
            "alias": single("alias", p.alias),  # the AAD connector's name for mailNickname
        }
        after: dict[str, AnyAttr | None] = {"proxyAddresses": None, "alias": None}
        groups = ["exchange-online"]
        code = DEPARTMENTS[i % len(DEPARTMENTS)]
        if i % 3 == 0:  # department empty in AD: the Dept- fallback of drift 1
            before["department"] = single("department", f"Dept-{code}")
            if i % 39 == 0:
                after["department"] = single("department", "{Unassigned}")
                groups.append("department-unassigned")
            else:
                after["department"] = single("department", f"Dept-{code.lower()}")
                groups.append("department-case")
        else:
            dept = single("department", code.title())
            before["department"] = after["department"] = dept
        if i % 8 == 1:
            before["thumbnailPhoto"] = single("thumbnailPhoto", photo(r), "binary")
            after["thumbnailPhoto"] = None
            groups.append("thumbnail-photo")
        plan.add(
            tuple(groups),
            updated(p.aad_dn, plan.guid(), "user", aad_user(p, **before), aad_user(p, **after)),
        )

    # --- drift 2: contractors without CloudAccess were filtered; "Contractors" no longer matches
    for _ in range(22):
        p = plan.person(USERS_OU)
        plan.add("contractors-in-scope", added(p.aad_dn, plan.guid(), "user", aad_user(p)))

    # --- drift 4a: the GRP- prefix rule is missing on staging
    members_all: list[str] = [p.aad_dn for p in users[:40]]
    for n in range(36):
        name = f"{DEPARTMENTS[n % len(DEPARTMENTS)].title()} Team {n // len(DEPARTMENTS) + 1}"
        dn = "CN={" + r.getrandbits(128).to_bytes(16, "big").hex().upper() + "}"
        anchor = base64.b64encode(r.getrandbits(128).to_bytes(16, "big")).decode("ascii")
        common = (single("sourceAnchor", anchor), single("mailEnabled", "false", "boolean"))
        old = Entry(
            dn, (*common, single("displayName", f"GRP-{name}")), primary_objectclass="group"
        )
        new = Entry(dn, (*common, single("displayName", name)), primary_objectclass="group")
        if n == 0:  # the all-staff group: its membership changes too (data)
            old = Entry(dn, (*old.attrs, reference("member", members_all, multivalued=True)))
            kept = [*members_all[3:], users[50].aad_dn, users[51].aad_dn]
            new = Entry(dn, (*new.attrs, reference("member", kept, multivalued=True)))
            plan.add(
                ("all-staff-members", "group-prefix"), updated(dn, plan.guid(), "group", old, new)
            )
            continue
        plan.add("group-prefix", updated(dn, plan.guid(), "group", old, new))

    # --- drift 7: the Sales OU is no longer included, the Contractors OU newly excluded
    for key, ou, count in (
        ("sales-out-of-scope", SALES_OU, 452),
        ("contractors-ou-excluded", CONTRACTORS_OU, 18),
    ):
        for _ in range(count):
            p = plan.person(ou)
            p_entry = aad_user(p, department=single("department", "Sales"))
            plan.add(key, deleted(p.aad_dn, plan.guid(), "user", p_entry))

    # --- drift 9: contact no longer selected on emea.fabrikam.com
    for _ in range(31):
        p = plan.person(EMEA_CONTACTS_OU)
        entry = Entry(
            p.aad_dn,
            (
                single("sourceAnchor", p.source_anchor),
                single("displayName", f"{p.display_name} (Partner)"),
                single("mail", f"{p.alias}@partner.example"),
            ),
            primary_objectclass="contact",
        )
        plan.add("emea-contacts", deleted(p.aad_dn, plan.guid(), "contact", entry))

    # --- data changes no configuration difference explains
    for p in users[100:109]:  # surname changes
        new_p = Person(p.first, r.choice([n for n in LAST if n != p.last]), p.ou, p.guid, p.number)
        before_e = aad_user(p, proxyAddresses=proxies(p))
        after_e = aad_user(new_p, proxyAddresses=proxies(new_p))
        plan.add("upn-renames", updated(p.aad_dn, plan.guid(), "user", before_e, after_e))
    hires = [plan.person(USERS_OU) for _ in range(6)]
    for p in hires:
        plan.add(
            "new-hires",
            added(p.aad_dn, plan.guid(), "user", aad_user(p, proxyAddresses=proxies(p))),
        )
    for p in users[120:124]:
        before_e = aad_user(p)
        after_e = aad_user(p, cloudFiltered=single("cloudFiltered", "true", "boolean"))
        plan.add("vendors-filtered", updated(p.aad_dn, plan.guid(), "user", before_e, after_e))
    restored = users[130]
    new_guid = r.getrandbits(128).to_bytes(16, "little")
    restored_new = Person(restored.first, restored.last, restored.ou, new_guid, restored.number)
    before_e = aad_user(restored)
    after_e = Entry(
        restored.aad_dn,
        (single("sourceAnchor", restored_new.source_anchor), *before_e.attrs[1:]),
        primary_objectclass="user",
    )
    plan.add("restored-anchor", updated(restored.aad_dn, plan.guid(), "user", before_e, after_e))
    for p, boss in zip(users[140:143], users[200:203], strict=True):
        before_e = aad_user(p, manager=reference("manager", [users[0].aad_dn]))
        after_e = aad_user(p, manager=reference("manager", [boss.aad_dn]))
        plan.add("manager-changes", updated(p.aad_dn, plan.guid(), "user", before_e, after_e))
    p = users[150]
    phone = single("telephoneNumber", "+44 20 7946 0123")
    plan.add(
        "escrowed",
        CsObject(
            p.aad_dn,
            plan.guid(),
            "user",
            escrowed_export=Delta("update", p.aad_dn, (replaced(phone),)),
            synchronized_hologram=aad_user(p),
            escrowed_export_hologram=aad_user(p, telephoneNumber=phone),
        ),
    )
    p = users[151]
    plan.add(
        "unconfirmed",
        CsObject(
            p.aad_dn,
            plan.guid(),
            "user",
            unconfirmed_export=Delta("update", p.aad_dn, (replaced(single("title", "Buyer")),)),
            synchronized_hologram=aad_user(p),
            unconfirmed_export_hologram=aad_user(p, title=single("title", "Buyer")),
        ),
    )
    p = users[152]
    entry = aad_user(p)
    plan.add(
        "recreated",
        CsObject(
            p.aad_dn,
            plan.guid(),
            "user",
            unapplied_export=Delta("delete-add", p.aad_dn, entry.attrs, primary_objectclass="user"),
            synchronized_hologram=entry,
            unapplied_export_hologram=entry,
        ),
    )

    # --- the AD connectors: source-anchor writeback
    for p in hires:
        plan.add("consistency-guid-set", _guid_writeback(plan, p, None))
    restored_ad = _guid_writeback(plan, restored, restored.guid, new_guid)
    plan.add("restored-anchor-ad", restored_ad)
    emea_hires = [plan.person(EMEA_USERS_OU) for _ in range(3)]
    for p in emea_hires:
        plan.add("emea-consistency-guid-set", _guid_writeback(plan, p, None))
    for _ in range(2):
        p = plan.person(EMEA_USERS_OU)
        e = _ad_user(p, p.guid)
        plan.add(
            "emea-no-change",
            CsObject(
                p.ad_dn,
                plan.guid(),
                "user",
                unapplied_export=Delta("none", p.ad_dn),
                synchronized_hologram=e,
                unapplied_export_hologram=e,
            ),
        )
    return plan


def replaced(attr: AnyAttr) -> AnyAttr:
    from dataclasses import replace

    return replace(attr, operation="replace")


def _ad_user(p: Person, guid: bytes | None) -> Entry:
    attrs: list[AnyAttr] = [
        single("sAMAccountName", p.alias[:20]),
        single("userPrincipalName", p.upn),
        single("displayName", p.display_name),
    ]
    if guid is not None:
        attrs.append(
            single("mS-DS-ConsistencyGuid", base64.b64encode(guid).decode("ascii"), "binary")
        )
    return Entry(
        p.ad_dn,
        tuple(attrs),
        anchor=base64.b64encode(p.number.to_bytes(16, "little")).decode("ascii"),
        primary_objectclass="user",
        objectclass=("top", "person", "organizationalPerson", "user"),
    )


def _guid_writeback(plan: Plan, p: Person, old: bytes | None, new: bytes | None = None) -> CsObject:
    return updated(p.ad_dn, plan.guid(), "user", _ad_user(p, old), _ad_user(p, new or p.guid))


# --------------------------------------------------------------------------------------------
# Writing, and what a reader must find
# --------------------------------------------------------------------------------------------


def write_pending(folder: Path, plan: Plan | None = None) -> Plan:
    """``folder/manifest.json`` and one csexport file per connector."""
    plan = plan or build()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for connector, (name, style) in FILES.items():
        write_csexport(folder / name, (o for _, o in plan.objects[connector]), style)
        files.append({"file": name, "connector": connector})
    manifest = {"schema": MANIFEST_SCHEMA, "server": SERVER, "created": CREATED, "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return plan


def _values(attr: AnyAttr | None) -> list[str]:
    if attr is None:
        return []
    if isinstance(attr, DnAttr):
        return [v.dn for v in attr.values]
    return [v.text for v in attr.values]


def kind(old: list[str], new: list[str]) -> str:
    """The issue's classification of a single-valued change."""
    if not old:
        return "set"
    if not new:
        return "cleared"
    a, b = " ".join(old), " ".join(new)
    if a.casefold() == b.casefold():
        return "case-only"
    if "".join(a.split()) == "".join(b.split()):
        return "whitespace-only"
    return "changed"


def _attribute_changes(obj: CsObject) -> Iterator[tuple[str, list[str], list[str], bool]]:
    """(attribute, old values, new values, multivalued) of every attribute an update or
    replace changes (from the two holograms; adds and deletes count as objects only)."""
    before = {
        a.name: a for a in (obj.synchronized_hologram.attrs if obj.synchronized_hologram else ())
    }
    hologram = obj.unapplied_export_hologram
    after = {a.name: a for a in (hologram.attrs if hologram else ())}
    for name in list(before) + [n for n in after if n not in before]:
        old, new = _values(before.get(name)), _values(after.get(name))
        if old != new:
            shape = after.get(name) or before.get(name)
            yield name, old, new, bool(shape and shape.multivalued)


def expected(plan: Plan) -> dict[str, Any]:
    """What a correct reader reports for the sample, counted from the objects themselves."""
    connectors = []
    for connector, (name, _style) in FILES.items():
        ops: Counter[str] = Counter()
        attributes: dict[str, dict[str, Any]] = {}
        escrowed = unconfirmed = 0
        for groups, obj in plan.objects[connector]:
            escrowed += obj.escrowed_export is not None
            unconfirmed += obj.unconfirmed_export is not None
            delta = obj.unapplied_export
            if delta is None or delta.operation == "none":
                continue
            ops[delta.operation] += 1
            if delta.operation not in ("update", "replace"):
                continue
            for attr, old, new, multivalued in _attribute_changes(obj):
                row = attributes.setdefault(
                    attr,
                    {
                        "objects": 0,
                        "kinds": Counter(),
                        "values_added": 0,
                        "values_removed": 0,
                        "drift_items": set(),
                        "unexplained": 0,
                    },
                )
                row["objects"] += 1
                if multivalued:
                    row["values_added"] += len([v for v in new if v not in old])
                    row["values_removed"] += len([v for v in old if v not in new])
                else:
                    row["kinds"][kind(old, new)] += 1
                item = explained_by(groups, attr)
                if item is None:
                    row["unexplained"] += 1
                else:
                    row["drift_items"].add(item)
        connectors.append(
            {
                "name": connector,
                "file": name,
                "objects": sum(ops.values()),
                "adds": ops["add"],
                "updates": ops["update"],
                "deletes": ops["delete"],
                "delete_adds": ops["delete-add"],
                "replaces": ops["replace"],
                "escrowed": escrowed,
                "unconfirmed": unconfirmed,
                "attributes": {
                    attr: {
                        "objects": row["objects"],
                        "kinds": dict(sorted(row["kinds"].items())),
                        "values_added": row["values_added"],
                        "values_removed": row["values_removed"],
                        "drift_items": sorted(row["drift_items"]),
                        "unexplained_objects": row["unexplained"],
                    }
                    for attr, row in sorted(attributes.items())
                },
            }
        )
    return {
        "format": "exportkit/pending-expected/v1",
        "server": SERVER,
        "folder": FOLDER,
        "groups": [
            {
                "group": key,
                "connector": connector,
                "drift_item": item,
                "what": what,
                "objects": sum(1 for g, _ in plan.objects[connector] if key in g),
            }
            for key, connector, item, what in GROUPS
        ],
        "connectors": connectors,
    }


def readme_lines(plan: Plan) -> list[str]:
    """samples/README.md's pending-exports part."""
    facts = expected(plan)
    lines = [
        "",
        f"## The staging server's pending exports (`{FOLDER}/`)",
        "",
        f"`{FOLDER}/` is what `Export-DriftcheckConfiguration.ps1 -PendingExports` puts in "
        f"the zip's `PendingExports/` folder on {SERVER} (staging), after a full import and delta "
        "synchronization of every connector: `manifest.json` (schema "
        f'`{MANIFEST_SCHEMA}`, file name -> connector name) and one `csexport "<connector>" '
        "<file> /f:x` file per connector. Most of it follows from the staging server's "
        "configuration drift (the items of the table above); the rest are data changes that no "
        "configuration difference explains. `pending-expected.json` counts, per connector and "
        "attribute, what a correct reader finds (attributes are counted on updates and "
        "replaces, from the two holograms; adds, deletes and delete-adds count as objects).",
        "",
        "| File | Connector | Encoding | Objects with a pending export | Adds | Updates | "
        "Deletes | Delete-adds | Escrowed | Unconfirmed |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    encodings = {
        "utf-8": "UTF-8",
        "utf-8-sig": "UTF-8 with BOM",
        "utf-16": "UTF-16LE with BOM, CRLF",
    }
    for c in facts["connectors"]:
        style = FILES[c["name"]][1]
        lines.append(
            f"| `{c['file']}` | `{c['name']}` | {encodings[style.encoding]} | {c['objects']} | "
            f"{c['adds']} | {c['updates']} | {c['deletes']} | {c['delete_adds']} | "
            f"{c['escrowed']} | {c['unconfirmed']} |"
        )
    lines += [
        "",
        "| Group | Connector | Follows from drift item | What | Objects |",
        "|---|---|---|---|---:|",
    ]
    for g in facts["groups"]:
        item = g["drift_item"] or "none (data change)"
        lines.append(
            f"| `{g['group']}` | `{g['connector']}` | {item} | {g['what']} | {g['objects']} |"
        )
    lines += [
        "",
        "Things a reader must get right here: the AAD connector is spelled "
        f"`{AAD}` on staging (the manifest's name, as `Get-ADSyncConnector` gives it); the "
        'EMEA file is UTF-16 and two of its objects have `operation="none"` (not a change); '
        "the department changes of item 1 are case-only except the `{Unassigned}` ones; "
        "`thumbnailPhoto` is a binary value (base64, never decoded); `member` and `manager` are "
        "`dn-attr` references; one account restored from backup changes its anchor on both "
        "the AAD connector (`sourceAnchor`) and fabrikam.com (`mS-DS-ConsistencyGuid`); the "
        "escrowed and unconfirmed exports have no unapplied export; 470 + 31 deletes on the AAD "
        "connector are at or above the primary's export deletion threshold (500) but below the "
        "staging server's (1000, drift item 10).",
        "",
    ]
    return lines
