"""What the field-by-field readers of :mod:`driftcheck.read.extract` leave of an export.

A connector, a rule and MV.xml are read field by field: a reader takes the elements it has a
model field for and nothing else. Anything else inside those elements (an attribute, some
text, a child a later product version adds) is collected here with :func:`xmltree.unread`
and goes into the object's ``settings``, so that it is compared like any other setting
instead of being dropped. The fidelity walk (``make fidelity``) plants a change at every
element and attribute an export holds and fails where nothing compares it.
"""

from __future__ import annotations

from collections import Counter

from driftcheck.model.server import Settings
from driftcheck.read.xmltree import Element, child, children, local, text, unread


def connector_unread(root: Element, private: Element | None, config: Element | None) -> Settings:
    """What the connector's field-by-field reading leaves (:func:`unread`)."""
    schema_el = child(root, "schema")
    dsml = child(schema_el, "dsml")
    where = f"private-configuration/{local(config)}" if config is not None else ""
    phs = child(config, "password-hash-sync-config")
    return (
        unread(child(root, "attribute-inclusion"), "attribute-inclusion", ("attribute",))
        + unread(child(root, "ma-partition-data"), "ma-partition-data", ("partition",))
        + unread(child(root, "ma-run-data"), "ma-run-data", ("run-configuration",))
        + unread(private, "private-configuration", (local(config),) if config is not None else ())
        + unread(child(config, "parameter-values"), f"{where}/parameter-values", ("parameter",))
        + unread(phs, f"{where}/password-hash-sync-config", ("enabled", "target"))
        + unread(schema_el, "schema", ("dsml",))
        + unread(dsml, "schema/dsml", ("directory-schema",))
    )


_JOIN_CONDITION = ("csAttribute", "ilmAttribute", "caseSensitive")
_SCOPE_CLAUSE = ("csAttribute", "csOperator", "csValue")


def rule_unread(root: Element) -> Settings:
    """What the rule's field-by-field reading leaves (:func:`unread`): in its mappings, join
    groups and scoping groups (groups by position: their order is part of the rule)."""
    out: list[tuple[str, str]] = []
    mappings = child(root, "attribute-mappings")
    out += unread(mappings, "attribute-mappings", ("mapping",))
    seen: Counter[str] = Counter()
    for m in children(mappings, "mapping"):
        dest = text(m, "dest")
        seen[dest.casefold()] += 1
        n = seen[dest.casefold()]
        where = f"attribute-mappings/mapping[{dest}]" + (f" ({n})" if n > 1 else "")
        out += unread(m, where, ("src", "dest", "expression", "valueMergeType"), ("execute-once",))
        src = child(m, "src")
        # a constant's text is read; beside <attr> children, text is not
        out += unread(src, f"{where}/src", ("attr",), text_read=not children(src, "attr"))
    for name, group_tag, item_tag, fields in (
        ("relationshipCriteria", "conditions", "condition", _JOIN_CONDITION),
        ("synchronizationCriteria", "conditions", "scope", _SCOPE_CLAUSE),
    ):
        criteria = child(root, name)
        out += unread(criteria, name, (group_tag,))
        for i, group in enumerate(children(criteria, group_tag), 1):
            out += unread(group, f"{name}/{group_tag}[{i}]", (item_tag,))
            for j, item in enumerate(children(group, item_tag), 1):
                out += unread(item, f"{name}/{group_tag}[{i}]/{item_tag}[{j}]", fields)
    return tuple(out)


def metaverse_unread(root: Element, data: Element) -> Settings:
    """What MV.xml's field-by-field reading leaves (:func:`unread`)."""
    schema_el = child(data, "schema")
    return (
        unread(root, "(saved-mv-configuration)", ("mv-data",), ("server", "export-date"))
        + unread(child(data, "parameter-values"), "parameter-values", ("parameter",))
        + unread(schema_el, "schema", ("dsml",))
        + unread(child(schema_el, "dsml"), "schema/dsml", ("directory-schema",))
    )
