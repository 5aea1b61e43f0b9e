"""Canonical form of a server configuration: what is compared, keyed by identity.

Every server-local GUID reference is resolved to a name here (a rule's connector, a
password-hash-sync target, a run step's partition), lists whose order the product ignores
become :class:`MemberSet`, and expressions are compared without the whitespace outside their
string literals. The result is a set of :class:`ConfigObject` per section, each a tree of
plain values (``Node``) that :mod:`driftcheck.compare.walk` walks.

Server-local values (ids, times, counters, cookies) are *kept*: hiding them is policy, so that
every hidden difference is counted by a named rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from driftcheck.compare.canonical import (
    CanonicalConfiguration,
    ConfigObject,
    DeferredSchema,
    Node,
    Value,
)
from driftcheck.compare.sections import (
    connector_object,
    global_setting_objects,
    metaverse_objects,
    sync_rule_object,
    unique_label,
)
from driftcheck.model.server import (
    ServerConfiguration,
)

# --- small normalisers ----------------------------------------------------------------------


# --- sections -------------------------------------------------------------------------------


# --- the whole configuration ----------------------------------------------------------------


def _same_name_rank(obj: ConfigObject) -> tuple[str, str, int, str]:
    """Which of several objects sharing a key is taken first, the same way on every server.

    Files arrive in the order of their names, which carry each server's own GUIDs, so file
    order cannot decide. Microsoft's way of editing a default rule leaves two rules of one
    name (the original, disabled, and a custom copy): the custom one (no tag) comes first,
    then by tag, state and precedence.
    """
    tag = obj.fields.get("immutable-tag")
    disabled = obj.fields.get("disabled")
    return (
        tag.casefold() if isinstance(tag, str) else "",
        disabled if isinstance(disabled, str) else "",
        obj.precedence or 0,
        obj.summary,
    )


def _in_stable_order(objects: Iterable[ConfigObject]) -> list[ConfigObject]:
    """``objects`` in their order, except that objects sharing a key follow
    :func:`_same_name_rank` among themselves."""
    listed = list(objects)
    by_key: dict[str, list[ConfigObject]] = {}
    for obj in listed:
        by_key.setdefault(obj.key, []).append(obj)
    if all(len(group) == 1 for group in by_key.values()):
        return listed
    queues = {key: sorted(group, key=_same_name_rank) for key, group in by_key.items()}
    return [queues[obj.key].pop(0) for obj in listed]


def _index(objects: Iterable[ConfigObject], warnings: list[str]) -> dict[str, ConfigObject]:
    index: dict[str, ConfigObject] = {}
    for obj in _in_stable_order(objects):
        if obj.key in index:
            label = unique_label(obj.name, {o.name.casefold() for o in index.values()})
            warnings.append(
                f"two {obj.section} objects are named {obj.name!r}; the second is compared as "
                f"{label!r}"
            )
            obj = replace(obj, key=f"{obj.key} {label.casefold()}", name=label)
        index[obj.key] = obj
    return index


def canonicalize(config: ServerConfiguration) -> CanonicalConfiguration:
    warnings = list(config.warnings)
    connector_names = {c.id.casefold(): c.name for c in config.connectors}
    for rule in config.sync_rules:
        if rule.connector_id.casefold() not in connector_names:
            warnings.append(
                f"sync rule {rule.name!r} refers to a connector that is not in the export"
            )
    objects = {
        "global-settings": _index(global_setting_objects(config), warnings),
        "metaverse": _index(metaverse_objects(config.metaverse.schema), warnings),
        "connector": _index(
            (connector_object(c, connector_names) for c in config.connectors), warnings
        ),
        "sync-rule": _index(
            (sync_rule_object(r, connector_names) for r in config.sync_rules), warnings
        ),
    }
    return CanonicalConfiguration(
        server=config.server,
        export_date=config.export_date,
        product_version=config.product_version,
        location=config.location,
        objects=objects,
        warnings=tuple(warnings),
    )


# --- connector schemas read after loading, by the pipeline -------------------------------


def differing_schemas(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> list[tuple[str, Value, Value]]:
    """(connector key, primary schema, staging schema) for connectors on both servers whose
    schemas are not known to be equal: fingerprints differ, or one side was read in full."""
    p_connectors = primary.objects.get("connector", {})
    s_connectors = staging.objects.get("connector", {})
    pairs = []
    for key, p in p_connectors.items():
        s = s_connectors.get(key)
        if s is None:
            continue
        p_schema, s_schema = p.fields.get("schema"), s.fields.get("schema")
        deferred = isinstance(p_schema, DeferredSchema) or isinstance(s_schema, DeferredSchema)
        if deferred and p_schema != s_schema:
            pairs.append((key, p_schema, s_schema))
    return pairs


def with_schemas(
    config: CanonicalConfiguration, nodes: Mapping[str, Node]
) -> CanonicalConfiguration:
    """``config`` with the schemas of the connectors keyed in ``nodes`` replaced by them."""
    if not nodes:
        return config
    connectors = dict(config.objects.get("connector", {}))
    for key, node in nodes.items():
        obj = connectors[key]
        connectors[key] = replace(obj, fields={**obj.fields, "schema": node})
    return replace(config, objects={**config.objects, "connector": connectors})
