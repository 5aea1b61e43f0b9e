"""Turn parsed export files into the model (:mod:`driftcheck.model.server`).

Works on local names only: the same DSML arrives with a default namespace (AD connector),
``dsml:``/``ms-dsml:`` prefixes (cloud connector, MV.xml) or ``ns0:`` prefixes (rewritten by
some tool), and prefixes carry no meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from driftcheck.errors import InputError, shorten
from driftcheck.model.server import (
    AttributeFlow,
    Connector,
    JoinCondition,
    JoinGroup,
    Metaverse,
    Parameter,
    Partition,
    PasswordHashSync,
    RunProfile,
    RunStep,
    Schema,
    SchemaFingerprint,
    ScopeClause,
    ScopingGroup,
    ServerConfiguration,
    Settings,
    SyncRule,
)
from driftcheck.read.files import Document, ExportFiles, read_export
from driftcheck.read.leftovers import connector_unread, metaverse_unread, rule_unread
from driftcheck.read.limits import too_big
from driftcheck.read.schema import (
    SchemaCut,
    find_directory_schema,
    parameters,
    schema,
    schema_digest,
    schema_fingerprint,
)
from driftcheck.read.xmltree import (
    SETTINGS_BUDGET,
    Element,
    TooManySettings,
    child,
    children,
    connector_key,
    flatten,
    line_of,
    local,
    text,
    truthy,
    unread,
)

# --- generic flattening: nothing an export holds is lost -------------------------------------


# --- parameters and schema ------------------------------------------------------------------


# --- connector schemas cut from the bytes, fingerprinted as written -------------------------


def read_schemas(refs: Sequence[SchemaFingerprint]) -> list[Schema]:
    """The schemas behind fingerprints, read again from their connector files, in order.

    Each export is opened once per call (finding a folder's files walks it). Every file is
    checked against its fingerprint: an export rewritten while driftcheck runs is refused
    rather than compared half old, half new.
    """
    exports: dict[str, ExportFiles] = {}
    schemas = []
    for ref in refs:
        files = exports.get(ref.export)
        if files is None:
            files = exports[ref.export] = read_export(Path(ref.export))
        kept = SchemaCut(cut=False)
        schemas.append(_read_schema_from(files.load(ref.file, prepare=kept), kept.raw, ref))
    return schemas


def read_schema(ref: SchemaFingerprint) -> Schema:
    """The schema behind one fingerprint (see :func:`read_schemas`)."""
    return read_schemas([ref])[0]


def _read_schema_from(doc: Document, raw: bytes | None, ref: SchemaFingerprint) -> Schema:
    parent = child(_ma_data(doc), "schema")
    directory = find_directory_schema(parent)
    if directory is None or schema_digest(directory, raw) != ref.fingerprint:
        raise InputError(
            "changed while driftcheck was reading the export; run the comparison again",
            file=doc.name,
        )
    return schema(parent)


# --- connectors -----------------------------------------------------------------------------

_CONNECTOR_FIELDS = {
    "id",
    "name",
    "category",
    "description",
    "schema",
    "private-configuration",
    "attribute-inclusion",
    "ma-partition-data",
    "ma-run-data",
}
_PRIVATE_FIELDS = {
    "parameter-values",
    "password-hash-sync-config",
    "aad-password-reset-config",
}


def _ma_data(doc: Document) -> Element:
    """The ``ma-data`` element, inside the GUI's ``saved-ma-configuration`` wrapper or not."""
    root = doc.root
    if local(root) == "saved-ma-configuration":
        inner = child(root, "ma-data")
        if inner is None:
            raise InputError("<saved-ma-configuration> holds no <ma-data>", file=doc.name)
        return inner
    return root


def connector(
    doc: Document, schema_from: tuple[str, str] | None = None, raw_schema: bytes | None = None
) -> Connector:
    """A connector from its file. With ``schema_from`` (export location, file), its schema is
    only fingerprinted, to be read by :func:`read_schemas` if needed; ``raw_schema`` is the
    schema as written when :class:`SchemaCut` took it out of ``doc``."""
    root = _ma_data(doc)
    name = text(root, "name")
    if not name:
        raise InputError("connector has no <name>", file=doc.name, line=line_of(root))
    private = child(root, "private-configuration")
    config = children(private)[0] if private is not None and children(private) else None
    anchors: list[tuple[str, str]] = []
    importing = child(config, "importing")
    for a in children(child(importing, "anchor")):
        anchors.append((a.get("object_class") or "", (a.text or "").strip()))
    phs = child(config, "password-hash-sync-config")
    return Connector(
        id=text(root, "id"),
        name=name,
        category=text(root, "category"),
        description=text(root, "description"),
        parameters=parameters(child(config, "parameter-values")),
        password_hash_sync=None
        if phs is None
        else PasswordHashSync(truthy(text(phs, "enabled")), text(phs, "target")),
        password_writeback=flatten(child(config, "aad-password-reset-config")),
        anchors=tuple(anchors),
        attribute_inclusion=_members(child(root, "attribute-inclusion"), "attribute"),
        partitions=tuple(
            _partition(p) for p in children(child(root, "ma-partition-data"), "partition")
        ),
        run_profiles=tuple(
            _run_profile(r) for r in children(child(root, "ma-run-data"), "run-configuration")
        ),
        schema=schema(child(root, "schema"))
        if schema_from is None
        else schema_fingerprint(child(root, "schema"), *schema_from, raw_schema),
        configuration=_configuration(config),
        settings=tuple(
            item
            for kid in children(root)
            if local(kid) not in _CONNECTOR_FIELDS
            for item in _prefixed(local(kid), flatten(kid))
        )
        + connector_unread(root, private, config),
    )


def _configuration(config: Element | None) -> Settings:
    if config is None:
        return ()
    settings = list(flatten(config, skip=_PRIVATE_FIELDS))
    importing = child(config, "importing")
    if importing is not None:
        # anchors have their own field; drop their flattened copy
        settings = [(p, v) for p, v in settings if not p.startswith("importing/anchor")]
    return tuple(settings)


def _prefixed(prefix: str, items: Settings) -> Settings:
    """Put ``prefix`` in front of flattened paths ('' is the element itself, '@x' its attribute)."""
    return tuple(
        (prefix + p if p == "" or p.startswith("@") else f"{prefix}/{p}", v) for p, v in items
    )


def _partition(el: Element) -> Partition:
    filt = child(el, "filter")
    containers = child(filt, "containers")
    return Partition(
        id=text(el, "id"),
        name=text(el, "name"),
        display_name=text(el, "display-name"),
        selected=truthy(text(el, "selected")),
        object_classes=_members(child(filt, "object-classes"), "object-class"),
        inclusions=_members(child(containers, "inclusions"), "inclusion"),
        exclusions=_members(child(containers, "exclusions"), "exclusion"),
        parameters=parameters(child(el, "parameter-values")),
        settings=tuple(
            item
            for kid in children(el)
            if local(kid) not in {"id", "name", "display-name", "selected", "parameter-values"}
            for item in _prefixed(
                local(kid),
                flatten(
                    kid, skip={"object-classes", "containers"} if local(kid) == "filter" else ()
                ),
            )
        )
        + unread(child(filt, "object-classes"), "filter/object-classes", ("object-class",))
        + unread(containers, "filter/containers", ("inclusions", "exclusions"))
        + unread(child(containers, "inclusions"), "filter/containers/inclusions", ("inclusion",))
        + unread(child(containers, "exclusions"), "filter/containers/exclusions", ("exclusion",))
        + unread(child(el, "parameter-values"), "parameter-values", ("parameter",)),
    )


def _members(el: Element | None, name: str) -> tuple[str, ...]:
    # An empty <inclusion/> is a real member (the cloud partition has one): keep "".
    return tuple((c.text or "").strip() for c in children(el, name))


def _run_profile(el: Element) -> RunProfile:
    steps = []
    for step in children(child(el, "configuration"), "step"):
        step_type = child(step, "step-type")
        steps.append(
            RunStep(
                step_type=(step_type.get("type") or "") if step_type is not None else "",
                partition_id=text(step, "partition"),
                settings=tuple(
                    item
                    for kid in children(step)
                    if local(kid) != "partition"
                    for item in _prefixed(local(kid), flatten(kid))
                    if item[0] != "step-type@type"
                ),
            )
        )
    return RunProfile(
        id=text(el, "id"),
        name=text(el, "name"),
        steps=tuple(steps),
        settings=tuple(
            item
            for kid in children(el)
            if local(kid) not in {"id", "name", "configuration"}
            for item in _prefixed(local(kid), flatten(kid))
        )
        + unread(child(el, "configuration"), "configuration", ("step",)),
    )


# --- sync rules -----------------------------------------------------------------------------

_RULE_FIELDS = {
    "id",
    "name",
    "description",
    "immutable-tag",
    "direction",
    "disabled",
    "connector",
    "sourceObjectType",
    "targetObjectType",
    "linkType",
    "precedence",
    "EnablePasswordSync",
    "attribute-mappings",
    "relationshipCriteria",
    "synchronizationCriteria",
}


def sync_rule(doc: Document) -> SyncRule:
    root = doc.root
    name = text(root, "name")
    if not name:
        raise InputError("sync rule has no <name>", file=doc.name, line=line_of(root))
    raw_precedence = text(root, "precedence")
    try:
        precedence = int(raw_precedence)
    except ValueError:
        raise InputError(
            f"sync rule {shorten(name)!r} has precedence {shorten(raw_precedence)!r}, not a number",
            file=doc.name,
            line=line_of(child(root, "precedence")),
        ) from None
    return SyncRule(
        id=text(root, "id"),
        name=name,
        description=text(root, "description"),
        immutable_tag=text(root, "immutable-tag"),
        direction=text(root, "direction"),
        disabled=truthy(text(root, "disabled")),
        connector_id=text(root, "connector"),
        source_object_type=text(root, "sourceObjectType"),
        target_object_type=text(root, "targetObjectType"),
        link_type=text(root, "linkType"),
        precedence=precedence,
        password_sync=truthy(text(root, "EnablePasswordSync")),
        flows=tuple(_flow(m) for m in children(child(root, "attribute-mappings"), "mapping")),
        join_groups=_join_groups(root),
        scoping_groups=_scoping_groups(root),
        settings=tuple(
            item
            for kid in children(root)
            if local(kid) not in _RULE_FIELDS
            for item in _prefixed(local(kid), flatten(kid))
        )
        + rule_unread(root),
    )


def _join_groups(root: Element) -> tuple[JoinGroup, ...]:
    return tuple(
        JoinGroup(
            tuple(
                JoinCondition(
                    connector_attribute=text(c, "csAttribute"),
                    metaverse_attribute=text(c, "ilmAttribute"),
                    case_sensitive=truthy(text(c, "caseSensitive")),
                )
                for c in children(group, "condition")
            )
        )
        for group in children(child(root, "relationshipCriteria"), "conditions")
    )


def _scoping_groups(root: Element) -> tuple[ScopingGroup, ...]:
    return tuple(
        ScopingGroup(
            tuple(
                ScopeClause(
                    attribute=text(s, "csAttribute"),
                    operator=text(s, "csOperator"),
                    value=text(s, "csValue"),
                )
                for s in children(group, "scope")
            )
        )
        for group in children(child(root, "synchronizationCriteria"), "conditions")
    )


def _flow(el: Element) -> AttributeFlow:
    src = child(el, "src")
    sources: tuple[str, ...] = ()
    constant = None
    if src is not None:
        attrs = children(src, "attr")
        if attrs:
            sources = tuple((a.text or "").strip() for a in attrs)
        else:
            constant = (src.text or "").strip()
    expression_el = child(el, "expression")
    expression = None if expression_el is None else (expression_el.text or "")
    if expression is not None and constant is not None:
        # <src>literal</src> beside an expression is unusual; keep both visible.
        sources, constant = (constant,), None
    return AttributeFlow(
        destination=text(el, "dest"),
        sources=sources,
        constant=constant,
        expression=expression,
        merge_type=text(el, "valueMergeType"),
        execute_once=(el.get("execute-once") or "").lower() == "true",
    )


def _deferred_connector(files: ExportFiles, rel: str) -> Connector:
    """A connector whose schema is fingerprinted, parsed without it where it can be cut out."""
    cut = SchemaCut(cut=True)
    doc = files.load(rel, prepare=cut)
    if cut.raw is not None and find_directory_schema(child(_ma_data(doc), "schema")) is None:
        doc, cut.raw = files.load(rel), None  # what was cut was not the connector's schema
    raw = cut.raw
    return _within_budget(files, doc, lambda d: connector(d, (files.location, rel), raw))


# --- metaverse and the whole export ---------------------------------------------------------


def metaverse(
    doc: Document, references: Mapping[str, str] | None = None
) -> tuple[str, str, tuple[Parameter, ...], Metaverse]:
    """Server name, export date, global settings and metaverse schema from MV.xml.

    ``references`` (connector GUID -> name) resolves the connectors MIM-era flows name."""
    root = doc.root
    data = child(root, "mv-data")
    if data is None:
        raise InputError("MV.xml holds no <mv-data>", file=doc.name, line=line_of(root))
    mv_schema = schema(child(data, "schema"))
    return (
        root.get("server") or "",
        root.get("export-date") or "",
        parameters(child(data, "parameter-values")),
        Metaverse(
            schema=replace(mv_schema, settings=()),
            settings=flatten(data, skip={"schema", "parameter-values"}, references=references)
            + metaverse_unread(root, data)
            + _prefixed("schema/directory-schema", mv_schema.settings),
        ),
    )


def server_configuration(files: ExportFiles, *, defer_schemas: bool = False) -> ServerConfiguration:
    """Parse every file of an export into its model, one tree in memory at a time.

    ``defer_schemas`` leaves connector schemas as :class:`SchemaFingerprint`. The settings
    of sections driftcheck does not model are bounded per export (``Limits.settings``): a
    real export has a few hundred, and each costs far more than an element of a schema.
    """
    budget = SETTINGS_BUDGET.set([files.limits.settings])
    try:
        connectors = tuple(
            _deferred_connector(files, rel) if defer_schemas else _bounded(files, rel, connector)
            for rel in files.connectors
        )
        references = {connector_key(c.id): c.name for c in connectors}
        server, export_date, global_settings, mv = _bounded(
            files, files.mv, lambda doc: metaverse(doc, references)
        )
        rules = tuple(_bounded(files, rel, sync_rule) for rel in files.sync_rules)
    finally:
        SETTINGS_BUDGET.reset(budget)
        files.close()
    return ServerConfiguration(
        location=files.location,
        server=server,
        export_date=export_date,
        global_settings=global_settings,
        metaverse=mv,
        connectors=connectors,
        sync_rules=rules,
        warnings=files.warnings,
    )


T = TypeVar("T")


def _bounded(files: ExportFiles, rel: str, build: Callable[[Document], T]) -> T:
    """``build`` applied to the file ``rel``, refusing it past the export's settings budget."""
    return _within_budget(files, files.load(rel), build)


def _within_budget(files: ExportFiles, doc: Document, build: Callable[[Document], T]) -> T:
    """``build`` applied to ``doc``, refusing it past the export's settings budget."""
    try:
        return build(doc)
    except TooManySettings:
        raise InputError(
            too_big(
                f"the export holds more than {files.limits.settings:,} values in sections "
                "driftcheck does not model",
                "settings",
                files.limits,
            ),
            file=doc.name,
        ) from None
