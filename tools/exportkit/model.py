"""The model an export is written from: one server's connectors, metaverse, settings and rules.

Plain mutable dataclasses on purpose: a scenario builds a model, noise transforms and planted
changes edit it in place (or on a ``copy.deepcopy``), and :mod:`exportkit.writer` turns it into
files. Nothing here knows about a particular scenario. Lists keep the order the files will have,
so an order-only difference (noise) is a different list order in the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: ``(attribute, ilm attribute, case-sensitive)`` of a join condition.
Join = tuple[str, str, bool]
#: ``(attribute, operator, value)`` of a scoping clause.
Scope = tuple[str, str, str]


@dataclass
class FileStyle:
    """How a file's bytes are laid out; every option is something a real export may show."""

    crlf: bool = False  # CRLF line ends (a file re-saved on Windows)
    utf16: bool = False  # UTF-16LE with BOM (a file re-saved by PowerShell's Out-File)
    #: Re-written by an XML tool (ElementTree): ``ns0:``/``ns1:`` prefixes, double-quoted root.
    ns_prefixes: bool = False
    #: ``(server, export-date)`` of the Synchronization Service Manager's
    #: ``saved-ma-configuration`` wrapper around a connector; None when exported by PowerShell.
    gui_wrapper: tuple[str, str] | None = None


@dataclass
class Mapping:
    dest: str
    src: list[str] | str | None  # attributes, a constant, or nothing
    expr: str | None = None
    merge: str = "Update"
    once: bool = False


@dataclass
class Rule:
    conn: str  # the key of the connector it belongs to
    name: str
    tag: str  # immutable-tag; empty for custom rules
    direction: str
    src_type: str
    tgt_type: str
    link: str
    precedence: int
    mappings: list[Mapping]
    joins: list[list[Join]] = field(default_factory=list)
    scopes: list[list[Scope]] = field(default_factory=list)
    description: str = ""
    eps: bool = False  # EnablePasswordSync
    version: int = 1
    disabled: bool = False
    guid: str = ""  # lower case, no braces; given by the scenario before writing
    style: FileStyle = field(default_factory=FileStyle)

    @property
    def key(self) -> str:
        return f"{self.conn}:{self.name}"


@dataclass
class Param:
    """``<parameter name type use dataType [encrypted] [intrinsic]>value</parameter>``."""

    name: str
    value: str | None
    use: str
    ptype: str = "string"
    encrypted: bool = False
    intrinsic: bool = False
    data_type: str = "String"


@dataclass(frozen=True)
class AttributeType:
    id: str
    name: str
    syntax: str
    #: XML attributes after ``id`` in document order, e.g. ``(("single-value", "true"),)``.
    flags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SchemaClass:
    id: str
    name: str
    superior: str | None  # the superior class's id
    type: str  # structural | abstract | auxiliary
    members: tuple[tuple[str, bool], ...]  # (attribute id, required)


@dataclass(frozen=True)
class DitContentRule:
    id: str  # the structural class's id
    members: tuple[tuple[str, bool], ...]
    aux: tuple[str, ...]  # auxiliary class ids


@dataclass
class AdSchema:
    """An AD connector's DSML with synthetic ids, elements in document order."""

    attribute_types: list[AttributeType]
    classes: list[SchemaClass]
    dit_rules: list[DitContentRule]

    def __deepcopy__(self, memo: dict[int, object]) -> AdSchema:
        """The elements are frozen: copying the lists is a deep copy, and much faster."""
        return AdSchema(list(self.attribute_types), list(self.classes), list(self.dit_rules))


@dataclass
class AdPartition:
    guid: str
    dn: str
    fqdn: str
    netbios: str
    domain_guid: str  # the AD domain's own GUID: the same on every server
    created: str
    modified: str
    version: int
    object_classes: list[str]
    exclusions: list[str]
    inclusions: list[str]
    last_dc: str
    cookie: str


RUN_PROFILES = (
    "Full Import",
    "Full Synchronization",
    "Delta Import",
    "Delta Synchronization",
    "Export",
)


@dataclass
class AdConnector:
    key: str
    guid: str
    name: str  # the forest's FQDN
    dn: str
    netbios: str
    created: str
    modified: str
    version: int
    internal_version: int
    msol: str  # MSOL_ + 12 hex: the per-server AD DS connector account
    password_hash_sync: bool
    aad_guid: str  # password-hash-sync-config/target
    parameters: list[Param]
    inclusion: list[str]  # attribute-inclusion
    schema: AdSchema
    partitions: list[AdPartition]
    run_ids: dict[str, str]  # run profile name -> id
    run_version: int
    page_sizes: dict[str, int] = field(default_factory=dict)  # run profile -> page size (500)
    style: FileStyle = field(default_factory=FileStyle)


@dataclass
class AadConnector:
    key: str
    guid: str
    name: str
    tenant: str
    created: str
    modified: str
    version: int
    internal_version: int
    classes: dict[str, list[str]]  # object class -> member attributes (document order)
    attribute_types: dict[str, tuple[str, bool]]  # name -> (syntax, single-valued), doc order
    assembly_version: str
    user_name: str  # Sync_<server>_<12 hex>@tenant
    pwreset_modified: str
    partition_guid: str
    partition_created: str
    partition_modified: str
    partition_version: int
    water_mark: str
    run_ids: dict[str, str]
    run_version: int
    #: attribute-inclusion; None: every attribute type of the schema (as configured by the wizard)
    inclusion: list[str] | None = None
    style: FileStyle = field(default_factory=FileStyle)


@dataclass
class Metaverse:
    """GlobalSettings/MV.xml: the metaverse schema and the global parameters."""

    server: str
    export_date: str
    version: int
    classes: dict[str, list[str]]  # object type -> member attributes (document order)
    attribute_types: dict[str, tuple[str, bool, bool]]  # name -> (syntax, single, indexable)
    parameters: list[tuple[str, str]]  # (name, value) in document order
    style: FileStyle = field(default_factory=FileStyle)

    def parameter(self, name: str) -> str:
        return dict(self.parameters)[name]

    def set_parameter(self, name: str, value: str) -> None:
        """Change a parameter's value in place, or append it when absent."""
        for i, (n, _v) in enumerate(self.parameters):
            if n == name:
                self.parameters[i] = (n, value)
                return
        self.parameters.append((name, value))


@dataclass
class Export:
    """One server's ``Get-ADSyncServerConfiguration`` output."""

    ad: list[AdConnector]
    aad: AadConnector
    mv: Metaverse
    rules: list[Rule]

    @property
    def server(self) -> str:
        return self.mv.server

    def connector_names(self) -> dict[str, str]:
        """Connector key -> connector name."""
        return {c.key: c.name for c in self.ad} | {self.aad.key: self.aad.name}

    def rule(self, conn: str, name: str) -> Rule:
        """The rule of connector key ``conn`` named ``name`` (letter case ignored)."""
        for r in self.rules:
            if r.conn == conn and r.name.lower() == name.lower():
                return r
        raise KeyError(f"{conn}:{name}")

    def connector(self, key: str) -> AdConnector:
        for c in self.ad:
            if c.key == key:
                return c
        raise KeyError(key)
