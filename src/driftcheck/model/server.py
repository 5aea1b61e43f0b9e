"""The configuration of one sync server, in the admin's vocabulary.

Frozen dataclasses filled by :mod:`driftcheck.read.extract` from one export. They keep what the
export says, server-local GUIDs included: resolving references to names and deciding what
order means is the job of :mod:`driftcheck.compare.normalize`.

Anything an export holds that has no field of its own is kept in a ``settings`` tuple of
(path, value) pairs, so nothing is lost when a newer product version adds elements.
"""

from __future__ import annotations

from dataclasses import dataclass

#: (path, value) pairs for the parts of an export that have no dedicated field.
Settings = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Parameter:
    """A ``parameter`` element: connectivity, global, partition or a global setting.

    Encrypted parameters (passwords) never carry a value in an export; ``value`` is then None.
    ``declaration`` is every attribute of the element but its name, as written (``type``,
    ``use``, ``dataType``, ``intrinsic``, ``encrypted``, and any a later version adds).
    """

    name: str
    value: str | None
    use: str = ""
    encrypted: bool = False
    intrinsic: bool = False
    declaration: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AttributeType:
    """A DSML attribute type (metaverse or connector schema)."""

    name: str
    syntax: str
    single_valued: bool
    indexed: bool = False
    indexable: bool = False
    #: everything else the element says, as written: ``range-lower``, ``range-upper``,
    #: ``user-modification``, ``encrypted``, ``export-only``, and what a later version adds
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ObjectType:
    """A DSML class: a metaverse object type or a connector object class.

    ``attributes`` maps attribute name to whether it is required.
    """

    name: str
    kind: str
    superior: str | None
    attributes: tuple[tuple[str, bool], ...]
    auxiliary_classes: tuple[str, ...] = ()
    #: everything else the class says, as (path, value) pairs: ``attribute[NAME]@isAnchor``,
    #: ``anchor/...``, and what a later version adds
    properties: tuple[tuple[str, str], ...] = ()
    #: the attributes the class's dit-content-rule lists (those its auxiliary classes bring):
    #: ``NAME`` or ``NAME (required)``
    content_rule: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    object_types: tuple[ObjectType, ...]
    attribute_types: tuple[AttributeType, ...]
    #: the ``directory-schema`` element's own attributes and any child not read above
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SchemaFingerprint:
    """A connector's DSML schema known by its fingerprint, not read into the model yet.

    An AD forest's schema is most of its connector file, and two servers connected to the
    same forest hold the same one; reading it costs more than the rest of the file. So it is
    read only when the two servers' fingerprints differ (``extract.read_schemas``, called by
    ``pipeline.resolve_schemas`` before comparing), the way diffoscope compares file hashes
    before unpacking. Equal fingerprints mean the same elements, attributes, texts and
    namespaces, hence the same :class:`Schema`.
    """

    fingerprint: str
    object_classes: int
    attribute_types: int
    #: where to read it from: the export (``ExportFiles.location``) and the file within it
    export: str
    file: str


@dataclass(frozen=True)
class Partition:
    """A connector partition (an AD domain, or ``default`` for the cloud)."""

    id: str
    name: str
    display_name: str
    selected: bool
    object_classes: tuple[str, ...]
    inclusions: tuple[str, ...]
    exclusions: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    settings: Settings


@dataclass(frozen=True)
class RunStep:
    """One step of a run profile. ``partition_id`` is a server-local GUID reference."""

    step_type: str
    partition_id: str
    settings: Settings


@dataclass(frozen=True)
class RunProfile:
    id: str
    name: str
    steps: tuple[RunStep, ...]
    settings: Settings


@dataclass(frozen=True)
class PasswordHashSync:
    """``password-hash-sync-config``: ``target_id`` is the cloud connector's GUID."""

    enabled: bool
    target_id: str


@dataclass(frozen=True)
class Connector:
    """A connector (management agent): ``ma-data``."""

    id: str
    name: str
    category: str
    description: str
    parameters: tuple[Parameter, ...]
    password_hash_sync: PasswordHashSync | None
    password_writeback: Settings
    anchors: tuple[tuple[str, str], ...]
    attribute_inclusion: tuple[str, ...]
    partitions: tuple[Partition, ...]
    run_profiles: tuple[RunProfile, ...]
    schema: Schema | SchemaFingerprint
    #: private configuration not covered above (AD forest settings, ECMA2 extension config...)
    configuration: Settings
    #: everything else under ``ma-data`` (times, counters, join/projection, password-sync...)
    settings: Settings


@dataclass(frozen=True)
class AttributeFlow:
    """A sync-rule attribute mapping (transformation) into ``destination``.

    Exactly one of the three shapes: direct (one source, no expression), constant (text in
    ``<src>``), or expression (``sources`` lists the expression's inputs, possibly none).
    """

    destination: str
    sources: tuple[str, ...]
    constant: str | None
    expression: str | None
    merge_type: str
    execute_once: bool

    @property
    def kind(self) -> str:
        if self.expression is not None:
            return "expression"
        if self.constant is not None:
            return "constant"
        return "direct"


@dataclass(frozen=True)
class JoinCondition:
    connector_attribute: str
    metaverse_attribute: str
    case_sensitive: bool


@dataclass(frozen=True)
class JoinGroup:
    """Conditions that must all match; groups are tried top to bottom."""

    conditions: tuple[JoinCondition, ...]


@dataclass(frozen=True)
class ScopeClause:
    attribute: str
    operator: str
    value: str


@dataclass(frozen=True)
class ScopingGroup:
    """Clauses ANDed together; an object is in scope if any group matches."""

    clauses: tuple[ScopeClause, ...]


@dataclass(frozen=True)
class SyncRule:
    """A synchronization rule. ``connector_id`` is a server-local GUID reference."""

    id: str
    name: str
    description: str
    immutable_tag: str
    direction: str
    disabled: bool
    connector_id: str
    source_object_type: str
    target_object_type: str
    link_type: str
    precedence: int
    password_sync: bool
    flows: tuple[AttributeFlow, ...]
    join_groups: tuple[JoinGroup, ...]
    scoping_groups: tuple[ScopingGroup, ...]
    #: remaining elements (internal-id, version, precedence-after/-before, soft delete...)
    settings: Settings


@dataclass(frozen=True)
class Metaverse:
    schema: Schema
    settings: Settings


@dataclass(frozen=True)
class ServerConfiguration:
    """One whole export: what ``Get-ADSyncServerConfiguration`` wrote for one server."""

    location: str
    server: str
    export_date: str
    global_settings: tuple[Parameter, ...]
    metaverse: Metaverse
    connectors: tuple[Connector, ...]
    sync_rules: tuple[SyncRule, ...]
    warnings: tuple[str, ...]

    @property
    def product_version(self) -> str:
        for setting in self.global_settings:
            if setting.name == "Microsoft.Synchronize.ServerConfigurationVersion":
                return setting.value or ""
        return ""
