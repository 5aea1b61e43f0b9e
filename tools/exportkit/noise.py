"""Noise: one model transform per built-in ignore rule of driftcheck (``policy.py``).

Each transform edits an :class:`~exportkit.model.Export` in place the way a second healthy
server (or the same server a day later) differs from the first, so that a comparison of the
two must hide exactly what the rule of the same name hides. :data:`TRANSFORMS` maps the ignore
rule id to its transform; :func:`as_other_server` applies the lot. The Fabrikam samples spell
their noise out item by item in ``exportkit.fabrikam`` (the README lists it); the estate, the
upgrade twin's successors and the nightly series use these transforms.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from .model import Export
from .text import hex12, new_guid

STAMP = "%Y-%m-%d %H:%M:%S"


def stamp(moment: datetime) -> str:
    """``2024-11-18 08:42:17.530``: the export's timestamp format."""
    return moment.strftime(STAMP) + f".{moment.microsecond // 1000:03d}"


def next_start(moment: datetime) -> str:
    """``Mon, 18 Nov 2024 09:04:52 GMT``: the scheduler's NextStartTime format."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def dirsync_cookie(rng: random.Random) -> str:
    raw = b"MSDS\x03\x00\x00\x00" + rng.randbytes(172)
    return base64.b64encode(raw).decode("ascii")


def water_mark(rng: random.Random) -> str:
    inner = base64.b64encode(rng.randbytes(420)).decode("ascii")
    return base64.b64encode(inner.encode("utf-16-le") + b"\x00\x00").decode("ascii")


def server_local_ids(export: Export, rng: random.Random) -> None:
    """``server-local-ids``: fresh connector, partition, run profile and rule GUIDs."""
    aad_guid = new_guid(rng)
    export.aad.guid = aad_guid
    export.aad.partition_guid = new_guid(rng)
    export.aad.run_ids = {p: new_guid(rng) for p in export.aad.run_ids}
    for c in export.ad:
        c.guid = new_guid(rng)
        c.aad_guid = aad_guid
        for p in c.partitions:
            p.guid = new_guid(rng)
        c.run_ids = {p: new_guid(rng) for p in c.run_ids}
    for r in export.rules:
        r.guid = new_guid(rng)


def change_tracking(
    export: Export,
    rng: random.Random,
    when: datetime | None = None,
    *,
    recreated: bool = True,
) -> None:
    """``change-tracking``: other modification times, counters and export date (``when``).

    ``recreated``: the connectors were created on another day too (another server); False
    for the same server exporting again later.
    """
    when = when or datetime(2025, 3, 3, 9, 0, 0) + timedelta(seconds=rng.randrange(86400 * 30))
    modified = stamp(when + timedelta(seconds=2, milliseconds=rng.randrange(1000)))
    export.mv.export_date = stamp(when)
    export.mv.version += rng.randint(1, 40)
    a = export.aad

    def created() -> str:
        return stamp(when - timedelta(days=rng.randint(10, 300), seconds=rng.randrange(86400)))

    if recreated:
        a.created = a.partition_created = created()
        a.pwreset_modified = created()
    for c in export.ad:
        c.modified = modified
        c.version += rng.randint(1, 40)
        if recreated:
            c.created = created()
        for p in c.partitions:
            p.modified = modified
            p.version += rng.randint(1, 40)
            if recreated:
                p.created = created()
        c.run_version += 1
    a.modified = a.partition_modified = modified
    a.version += rng.randint(1, 5)
    a.partition_version += rng.randint(1, 40)
    a.run_version += 1
    for r in export.rules:
        if rng.random() < 0.1:
            r.version += 1


def sync_state(export: Export, rng: random.Random) -> None:
    """``sync-state``: new DirSync cookies, last DC used and the AAD watermark."""
    for c in export.ad:
        for p in c.partitions:
            p.cookie = dirsync_cookie(rng)
            p.last_dc = f"{p.netbios}-DC{rng.randint(1, 12):02d}.{p.fqdn}"
    export.aad.water_mark = water_mark(rng)


def server_name(export: Export, server: str) -> None:
    """``server-name``: the export names another server."""
    export.mv.server = server


def ad_connector_account(export: Export, rng: random.Random) -> None:
    """``ad-connector-account``: each server's own MSOL_ account (element and parameter)."""
    for c in export.ad:
        c.msol = "MSOL_" + hex12(rng)
        for p in c.parameters:
            if p.name == "forest-login-user":
                p.value = c.msol


def cloud_sync_account(export: Export, rng: random.Random) -> None:
    """``cloud-sync-account``: Sync_<server>_<12 hex>@tenant of this server."""
    export.aad.user_name = f"Sync_{export.mv.server}_{hex12(rng)}@{export.aad.tenant}"


def staging_mode(export: Export, staging: bool) -> None:
    """``staging-mode``: Microsoft.Synchronize.StagingMode."""
    export.mv.set_parameter("Microsoft.Synchronize.StagingMode", "True" if staging else "False")


def scheduler_next_start(export: Export, moment: datetime) -> None:
    """``scheduler-next-start``: Microsoft.Synchronize.NextStartTime."""
    export.mv.set_parameter("Microsoft.Synchronize.NextStartTime", next_start(moment))


def precedence_renumbered(export: Export, rng: random.Random) -> None:
    """``precedence-renumbered``: every precedence changes, the order stays."""
    ordered = sorted(export.rules, key=lambda r: r.precedence)
    value = ordered[-1].precedence + rng.randint(1, 50) if ordered else 100
    for r in ordered:
        r.precedence = value
        value += 1 if rng.random() < 0.9 else rng.randint(2, 4)


def name_letter_case(export: Export) -> None:
    """``name-letter-case``: the AAD connector's name spelt with a capital first letter."""
    export.aad.name = export.aad.name[:1].swapcase() + export.aad.name[1:]


def parameter_declaration(export: Export) -> None:
    """``parameter-declaration``: another product version declares the AD connectors'
    intrinsic ``*.LDAP`` parameters with another data type (illustrative; the values are the
    same)."""
    for c in export.ad:
        for p in c.parameters:
            if p.intrinsic and p.name.endswith(".LDAP"):
                p.data_type = "Dn"


def schema_content_rule(export: Export) -> None:
    """``schema-content-rule``: a schema refresh where a class's dit-content-rule lists one
    attribute fewer (its auxiliary classes and the attribute types are the same)."""
    schema = export.ad[0].schema
    for i, rule in enumerate(schema.dit_rules):
        if rule.members:
            schema.dit_rules[i] = replace(rule, members=rule.members[:-1])
            return


def as_other_server(
    export: Export, rng: random.Random, server: str, when: datetime, *, staging: bool
) -> None:
    """All the noise of another healthy server of the same configuration."""
    server_local_ids(export, rng)
    change_tracking(export, rng, when)
    sync_state(export, rng)
    server_name(export, server)
    ad_connector_account(export, rng)
    cloud_sync_account(export, rng)
    staging_mode(export, staging)
    scheduler_next_start(export, when + timedelta(minutes=rng.randint(1, 30)))
    precedence_renumbered(export, rng)
    name_letter_case(export)


#: Built-in ignore rule id -> a transform (with default arguments) that produces what it hides.
TRANSFORMS: dict[str, Callable[[Export, random.Random], None]] = {
    "server-local-ids": server_local_ids,
    "change-tracking": lambda e, rng: change_tracking(e, rng),
    "sync-state": sync_state,
    "server-name": lambda e, rng: server_name(e, e.mv.server + "-B"),
    "ad-connector-account": ad_connector_account,
    "cloud-sync-account": cloud_sync_account,
    "staging-mode": lambda e, rng: staging_mode(
        e, e.mv.parameter("Microsoft.Synchronize.StagingMode") != "True"
    ),
    "scheduler-next-start": lambda e, rng: scheduler_next_start(
        e, datetime(2025, 1, 1) + timedelta(minutes=rng.randrange(60 * 24 * 365))
    ),
    "precedence-renumbered": precedence_renumbered,
    "name-letter-case": lambda e, rng: name_letter_case(e),
    "parameter-declaration": lambda e, rng: parameter_declaration(e),
    "schema-content-rule": lambda e, rng: schema_content_rule(e),
}
