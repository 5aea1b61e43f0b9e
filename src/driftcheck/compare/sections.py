"""The model's objects in canonical form, section by section: global settings, the metaverse,
connectors and sync rules, with the small normalisers they share.

GUIDs become names, sets where order has no meaning become member sets, expression whitespace
is normalised by the one expression lexer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from driftcheck.compare.canonical import (
    ENCRYPTED,
    ConfigObject,
    DeferredSchema,
    Loose,
    MemberSet,
    Node,
    Value,
)
from driftcheck.model.expression import normalize_expression
from driftcheck.model.ruledef import RuleDefinition
from driftcheck.model.server import (
    AttributeFlow,
    AttributeType,
    Connector,
    JoinGroup,
    ObjectType,
    Parameter,
    Partition,
    RunProfile,
    Schema,
    SchemaFingerprint,
    ScopingGroup,
    ServerConfiguration,
    Settings,
    SyncRule,
)


def reference(name: str) -> Loose:
    """A GUID reference resolved to a name: compared ignoring case, as objects are matched."""
    return Loose(name, name.casefold())


def flag(value: bool) -> str:
    return "true" if value else "false"


def unique_label(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if taken already (ignoring case)."""
    label, n = name, 1
    while label.casefold() in taken:
        n += 1
        label = f"{name} ({n})"
    taken.add(label.casefold())
    return label


def keyed(items: Iterable[tuple[str, Value]]) -> Node:
    """A node from (name, value) pairs; a name repeated (ignoring case) is suffixed ``(2)``."""
    pairs = list(items)
    if len({name.casefold() for name, _ in pairs}) == len(pairs):
        return dict(pairs)  # the usual case, and the hot one for connector schemas
    taken: set[str] = set()
    return {unique_label(name, taken): value for name, value in pairs}


def settings_node(settings: Settings) -> Node:
    """Flattened settings as a tree, one level per element of their paths.

    As a tree, an element added or removed is one difference (its whole subtree), and an
    empty element that becomes populated is one "modified", not a removed "" beside added
    leaves. The attributes of an element that has children sit inside it (``x/@a``); those
    of a leaf element beside it (``x@a``), as do the paths of every modified leaf value.
    """
    split = [_path_segments(path) for path, _ in settings]
    parents = {tuple(segments[:i]) for segments in split for i in range(1, len(segments))}
    root: Node = {}
    for segments, (_, value) in zip(split, settings, strict=True):
        *parents_of, last = segments
        element, attribute = _split_attribute(last)
        if attribute is not None and (*parents_of, element) in parents:
            segments = [*parents_of, element, "@" + attribute]
        *path, leaf = segments
        node = root
        for segment in path:
            below = node.get(segment)
            if not isinstance(below, dict):
                # a leaf of the same name (an element both empty and not): keep both
                segment = segment if below is None else _free_key(node, segment)
                below = node.setdefault(segment, {})
                assert isinstance(below, dict)
            node = below
        node[leaf if leaf not in node else _free_key(node, leaf)] = value
    return root


def merge_settings(node: Node, settings: Settings) -> None:
    """Put ``settings`` (as a tree) into an object's ``node`` beside its modelled fields,
    never over one: what a field-by-field reader left of ``attribute-inclusion`` goes into
    ``attribute-inclusion (other elements)`` when ``attribute-inclusion`` is a field."""
    _merge_into(node, settings_node(settings))


def _merge_into(node: Node, extra: Node) -> None:
    for key, value in extra.items():
        here = node.get(key)
        if here is None and key not in node:
            node[key] = value
        elif isinstance(here, dict) and isinstance(value, dict):
            _merge_into(here, value)
        else:
            label = f"{key} (other elements)"
            node[label if label not in node else _free_key(node, label)] = value


def _split_attribute(segment: str) -> tuple[str, str | None]:
    """``x[k@y]@a`` -> (``x[k@y]``, ``a``); a segment without attribute -> (segment, None)."""
    depth = 0
    for i in range(len(segment) - 1, -1, -1):
        ch = segment[i]
        if ch == "]":
            depth += 1
        elif ch == "[" and depth:
            depth -= 1
        elif ch == "@" and not depth:
            return segment[:i], segment[i + 1 :]
    return segment, None


def _free_key(node: Node, key: str) -> str:
    n = 2
    while f"{key} ({n})" in node:
        n += 1
    return f"{key} ({n})"


def _path_segments(path: str) -> list[str]:
    """``a/b[x/y]/c@d`` -> ``["a", "b[x/y]", "c@d"]``: a slash inside a key does not split."""
    segments: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(path):
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        elif ch == "/" and not depth:
            segments.append(path[start:i])
            start = i + 1
    segments.append(path[start:])
    return segments


def parameters_node(params: Iterable[Parameter], use: str | None = None) -> Node:
    """Each parameter's value under its name, and beside it (``name@dataType``) whatever its
    declaration says that is not the usual one (see :func:`unusual_declaration`)."""
    return keyed(
        item
        for p in params
        for item in [
            (p.name, ENCRYPTED if p.encrypted else p.value),
            *((f"{p.name}@{key}", value) for key, value in unusual_declaration(p, use)),
        ]
    )


#: What almost every parameter declares: a string, of use the group it is in.
_USUAL_DECLARATION = {"type": "string", "dataType": "String"}
_USUAL_SECRET = {"type": "encrypted-string", "dataType": "String", "encrypted": "1"}
NOT_DECLARED = "(not declared)"


def unusual_declaration(p: Parameter, use: str | None) -> list[tuple[str, str]]:
    """The attributes of a parameter's declaration that differ from the usual one (``type``
    string or encrypted-string, ``dataType`` String, ``use`` that of its group), in the
    export's order; a usual attribute that is missing is :data:`NOT_DECLARED`.

    Comparing only these keeps every parameter's declaration compared while a report lists
    one row per parameter, not four."""
    usual = dict(_USUAL_SECRET if p.encrypted else _USUAL_DECLARATION)
    usual["use"] = p.use if use is None else use
    declared = dict(p.declaration)
    found = [(k, v) for k, v in p.declaration if usual.get(k) != v]
    found += [(k, NOT_DECLARED) for k in usual if k not in declared and usual[k]]
    return found


#: The ``use`` of every global setting's parameter.
GLOBAL_SETTING_USE = "SynchronizationGlobal"


def global_setting_objects(config: ServerConfiguration) -> list[ConfigObject]:
    objects = [
        ConfigObject(
            "global-settings",
            p.name.casefold(),
            p.name,
            None,
            ENCRYPTED if p.encrypted else (p.value or ""),
            {
                "value": ENCRYPTED if p.encrypted else p.value,
                **{f"@{key}": value for key, value in unusual_declaration(p, GLOBAL_SETTING_USE)},
            },
        )
        for p in config.global_settings
    ]
    objects.append(
        ConfigObject(
            "global-settings",
            "(export)",
            "(export)",
            None,
            f"{config.server} {config.export_date}",
            {"server": config.server, "export-date": config.export_date},
        )
    )
    objects.append(
        ConfigObject(
            "global-settings",
            "(metaverse data)",
            "(metaverse data)",
            None,
            "MV.xml mv-data settings",
            settings_node(config.metaverse.settings),
        )
    )
    return objects


def metaverse_objects(schema: Schema) -> list[ConfigObject]:
    objects = [
        ConfigObject(
            "metaverse",
            t.name.casefold(),
            t.name,
            None,
            f"{t.kind} object type, {len(t.attributes)} attributes",
            {
                "kind": t.kind,
                "attributes": keyed(
                    (name, "required" if required else "optional")
                    for name, required in t.attributes
                ),
                **({"properties": settings_node(t.properties)} if t.properties else {}),
            },
        )
        for t in schema.object_types
    ]
    objects.append(
        ConfigObject(
            "metaverse",
            "(attribute definitions)",
            "(attribute definitions)",
            None,
            f"{len(schema.attribute_types)} attribute types",
            keyed(
                (
                    a.name,
                    {
                        "syntax": a.syntax,
                        "single-valued": flag(a.single_valued),
                        "indexed": flag(a.indexed),
                        "indexable": flag(a.indexable),
                        **dict(a.properties),
                    },
                )
                for a in schema.attribute_types
            ),
        )
    )
    return objects


def _partition_node(p: Partition) -> Node:
    node: Node = {
        "id": p.id,
        "display-name": p.display_name,
        "selected": flag(p.selected),
        "object-classes": MemberSet.of(p.object_classes),
        "containers": {
            "inclusions": MemberSet.of(p.inclusions),
            "exclusions": MemberSet.of(p.exclusions),
        },
        "parameters": parameters_node(p.parameters, "partition"),
    }
    merge_settings(node, p.settings)
    return node


def _run_profile_node(profile: RunProfile, partition_names: Mapping[str, str]) -> Node:
    node: Node = {"id": profile.id}
    for number, step in enumerate(profile.steps, start=1):
        step_node: Node = {
            "type": step.step_type,
            "partition": reference(
                partition_names.get(step.partition_id.casefold(), "(unknown partition)")
            ),
        }
        merge_settings(step_node, step.settings)
        node[f"step {number}"] = step_node
    merge_settings(node, profile.settings)
    return node


def schema_node(schema: Schema) -> Node:
    """A connector schema as compared: its classes and attributes, keyed by name."""
    node: Node = {
        "object-classes": keyed((t.name, _object_class_node(t)) for t in schema.object_types),
        "attributes": keyed((a.name, _attribute_summary(a)) for a in schema.attribute_types),
    }
    if schema.settings:
        node["settings"] = settings_node(schema.settings)
    return node


def _attribute_summary(a: AttributeType) -> str:
    """``String, single-valued`` and whatever else the schema says of the attribute
    (``@range-upper=64``), one line: a connector schema has thousands of attributes."""
    summary = f"{a.syntax}, {'single' if a.single_valued else 'multi'}-valued"
    if a.properties:
        summary += ", " + ", ".join(f"{key}={value}" for key, value in a.properties)
    return summary


@functools.lru_cache(maxsize=8192)
def _object_class_node(t: ObjectType) -> Node:
    """A connector schema class as compared; cached because forests of one estate mostly
    share their schema, so the same class recurs in every connector (treat as read-only)."""
    return {
        "kind": t.kind,
        "superior": t.superior,
        "attributes": MemberSet.of(
            (f"{name} (required)" if required else name for name, required in t.attributes),
            fold=False,
        ),
        "auxiliary-classes": MemberSet.of(t.auxiliary_classes, fold=False),
        **({"properties": settings_node(t.properties)} if t.properties else {}),
        **(
            {"dit-content-rule": MemberSet.of(t.content_rule, fold=False)} if t.content_rule else {}
        ),
    }


def connector_object(c: Connector, connector_names: Mapping[str, str]) -> ConfigObject:
    by_use: dict[str, list[Parameter]] = {}
    for p in c.parameters:
        by_use.setdefault(p.use or "other", []).append(p)
    fields: Node = {
        "id": c.id,
        "name": c.name,
        "type": c.category,
        "description": c.description,
    }
    for use, params in by_use.items():
        label = {"connectivity": "connectivity", "global": "global-parameters"}.get(
            use, f"parameters ({use})"
        )
        fields[label] = parameters_node(params)
    fields["configuration"] = settings_node(c.configuration)
    if c.password_hash_sync is not None:
        fields["password-hash-sync"] = {
            "enabled": flag(c.password_hash_sync.enabled),
            "target": reference(
                connector_names.get(
                    c.password_hash_sync.target_id.casefold(), "(unknown connector)"
                )
            ),
        }
    if c.password_writeback:
        fields["password-writeback"] = settings_node(c.password_writeback)
    fields["anchors"] = MemberSet.of(f"{cls}: {attr}" for cls, attr in c.anchors)
    fields["attribute-inclusion"] = MemberSet.of(c.attribute_inclusion)
    fields["partitions"] = keyed((p.name, _partition_node(p)) for p in c.partitions)
    partition_names = {p.id.casefold(): p.name for p in c.partitions}
    fields["run-profiles"] = keyed(
        (r.name, _run_profile_node(r, partition_names)) for r in c.run_profiles
    )
    fields["schema"] = (
        DeferredSchema(c.schema)
        if isinstance(c.schema, SchemaFingerprint)
        else schema_node(c.schema)
    )
    merge_settings(fields, c.settings)
    selected = sum(1 for p in c.partitions if p.selected)
    return ConfigObject(
        "connector",
        c.name.casefold(),
        c.name,
        c.name,
        f"{c.category} connector, {selected} selected partition(s), "
        f"{len(c.attribute_inclusion)} attributes, {len(c.run_profiles)} run profiles",
        fields,
    )


def _flow_node(flow: AttributeFlow) -> Node:
    node: Node = {"type": flow.kind}
    if flow.kind == "direct":
        node["source"] = ", ".join(flow.sources)
    elif flow.kind == "constant":
        node["constant"] = flow.constant
    else:
        assert flow.expression is not None
        node["expression"] = Loose(flow.expression.strip(), normalize_expression(flow.expression))
        node["inputs"] = MemberSet.of(flow.sources)
    node["merge-type"] = flow.merge_type
    node["execute-once"] = flag(flow.execute_once)
    return node


def join_group_text(group: JoinGroup) -> str:
    return " AND ".join(
        sorted(
            f"{c.connector_attribute} = {c.metaverse_attribute}"
            + (" (case-sensitive)" if c.case_sensitive else "")
            for c in group.conditions
        )
    )


def scoping_group_text(group: ScopingGroup) -> str:
    return " AND ".join(
        sorted(
            f"{s.attribute} {s.operator} {s.value!r}" if s.value else f"{s.attribute} {s.operator}"
            for s in group.clauses
        )
    )


def precedence_group(rule: SyncRule, connector: str) -> str:
    """Which rules compete with this one on precedence (see :func:`competing_group`)."""
    return competing_group(rule.direction, rule.target_object_type, connector)


def competing_group(direction: str, target_object_type: str, connector: str) -> str:
    """Inbound rules compete for the metaverse object type they target, from any connector;
    outbound rules compete per connector and target object type. Order between rules of
    different groups changes nothing synced, so it is not compared.
    """
    if direction.casefold() == "inbound":
        return f"inbound|{target_object_type.casefold()}"
    return f"outbound|{connector.casefold()}|{target_object_type.casefold()}"


def is_out_of_box_tag(immutable_tag: str) -> bool:
    """Out-of-box sync rules carry an immutable tag ``Microsoft.<Name>.<version>``."""
    return immutable_tag.casefold().startswith("microsoft.")


def sync_rule_object(rule: SyncRule, connector_names: Mapping[str, str]) -> ConfigObject:
    connector = connector_names.get(rule.connector_id.casefold(), "(unknown connector)")
    fields: Node = {
        "id": rule.id,
        "name": rule.name,
        "description": rule.description,
        "immutable-tag": rule.immutable_tag,
        "disabled": flag(rule.disabled),
        "source-object-type": rule.source_object_type,
        "target-object-type": rule.target_object_type,
        "link-type": rule.link_type,
        "precedence": str(rule.precedence),
        "password-sync": flag(rule.password_sync),
        "scoping-groups": MemberSet.of(
            (scoping_group_text(g) for g in rule.scoping_groups), fold=False
        ),
        "join-groups": tuple(join_group_text(g) for g in rule.join_groups),
        "attribute-flows": keyed((f.destination, _flow_node(f)) for f in rule.flows),
    }
    merge_settings(fields, rule.settings)
    return ConfigObject(
        "sync-rule",
        f"{connector.casefold()}|{rule.direction.casefold()}|{rule.name.casefold()}",
        rule.name,
        connector,
        f"{rule.direction} {rule.source_object_type} to {rule.target_object_type}, "
        f"{rule.link_type}, precedence {rule.precedence}, {len(rule.flows)} "
        + ("flow" if len(rule.flows) == 1 else "flows")
        + (", disabled" if rule.disabled else ""),
        fields,
        precedence_group=precedence_group(rule, connector),
        precedence=rule.precedence,
        definition=None
        if is_out_of_box_tag(rule.immutable_tag)
        else RuleDefinition.of(rule, connector),
    )
