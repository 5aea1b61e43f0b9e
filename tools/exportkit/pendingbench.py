"""The benchmark's csexport files: N objects of one Entra ID connector, streamed to disk.

:func:`objects` is a generator (one :class:`~exportkit.csexport.CsObject` at a time), so
:func:`write_bench_file` writes a 1,000,000-object file (about 1 GB) in bounded memory. The mix
is what a staging server with a changed outbound transformation shows: most objects are
updates of ``department`` with one case-only pattern, a share change ``userPrincipalName`` or
lose ``proxyAddresses`` values, some are adds and deletes, a few have an escrowed export.
Every object carries both holograms with a realistic set of identity attributes, so the
reader does the work it does on a real file.

:data:`GENERATION` is part of the bench's cache key: change it whenever the bytes change.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from pathlib import Path

from .csexport import (
    AnyAttr,
    CsExportStyle,
    CsObject,
    Delta,
    Entry,
    added,
    deleted,
    multi,
    reference,
    single,
    updated,
    write_csexport,
)

GENERATION = 1
UTF8 = CsExportStyle(compact=True)
CONNECTOR = "contoso.onmicrosoft.com - AAD"
DEPARTMENTS = ("sales", "finance", "human resources", "it operations", "legal", "marketing")
#: Average bytes per object of :func:`objects` (UTF-8), measured; sizes a file for a target.
BYTES_PER_OBJECT = 1485


def _entry(n: int, rng: random.Random, department: str, upn_domain: str) -> Entry:
    anchor = base64.b64encode(n.to_bytes(16, "little")).decode("ascii")
    dn = "CN={" + n.to_bytes(16, "big").hex().upper() + "}"
    alias = f"user{n:07d}"
    attrs: list[AnyAttr] = [
        single("sourceAnchor", anchor),
        single("userPrincipalName", f"{alias}@{upn_domain}"),
        single("displayName", f"User {n:07d}"),
        single("department", department),
    ]
    if n % 20 < 3:  # the mailboxes of the proxyAddresses story (see objects)
        attrs.append(
            multi("proxyAddresses", [f"SMTP:{alias}@contoso.com", f"smtp:{alias}@contoso.net"])
        )
    if n % 10 == 0:
        manager = "CN={" + (n // 50).to_bytes(16, "big").hex().upper() + "}"
        attrs.append(reference("manager", [manager]))
    return Entry(dn, tuple(attrs), primary_objectclass="user")


def objects(count: int, seed: int = 1) -> Iterator[CsObject]:
    """``count`` objects, deterministic for a seed, generated one at a time."""
    rng = random.Random(seed)
    for n in range(count):
        guid = "{%08X-0000-4000-8000-%012X}" % (n, seed)  # noqa: UP031 (fast, fixed width)
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        before = _entry(n, rng, department, "contoso.com")
        roll = rng.random()
        if n % 20 < 3:  # proxyAddresses values removed (15%)
            after = Entry(
                before.dn,
                tuple(
                    multi("proxyAddresses", [f"SMTP:user{n:07d}@contoso.com"])
                    if a.name == "proxyAddresses"
                    else a
                    for a in before.attrs
                ),
                primary_objectclass="user",
            )
            yield updated(before.dn, guid, "user", before, after)
        elif roll < 0.60:  # the changed transformation: case-only department updates
            after = Entry(
                before.dn,
                tuple(
                    single("department", department.title()) if a.name == "department" else a
                    for a in before.attrs
                ),
                primary_objectclass="user",
            )
            yield updated(before.dn, guid, "user", before, after)
        elif roll < 0.75:  # a UPN suffix change
            after = _entry(n, rng, department, "corp.contoso.com")
            yield updated(before.dn, guid, "user", before, after)
        elif roll < 0.82:
            yield added(before.dn, guid, "user", before)
        elif roll < 0.93:
            yield deleted(before.dn, guid, "user", before)
        else:  # an export sent earlier and never confirmed
            phone = single("telephoneNumber", f"+1 425 555 {n % 10000:04d}", "string")
            yield CsObject(
                before.dn,
                guid,
                "user",
                escrowed_export=Delta("update", before.dn, (phone,)),
                synchronized_hologram=before,
                escrowed_export_hologram=Entry(
                    before.dn, (*before.attrs, phone), primary_objectclass="user"
                ),
            )


def count_for_size(megabytes: int) -> int:
    """How many objects make a file of about ``megabytes`` MB."""
    return max(1, megabytes * 1_000_000 // BYTES_PER_OBJECT)


def write_bench_file(path: Path, count: int, *, seed: int = 1, style: CsExportStyle = UTF8) -> int:
    """Write ``count`` objects to ``path`` (streamed: memory does not grow with ``count``)."""
    return write_csexport(path, objects(count, seed), style)
