"""The canonical form compared: configuration objects keyed by identity, their trees of values.

Values are plain strings, member sets (order without meaning), loose references and deferred
connector schemas; :func:`driftcheck.compare.normalize.canonicalize` builds them from the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Union

from driftcheck.flows.graph import FlowGraph
from driftcheck.model.ruledef import RuleDefinition
from driftcheck.model.server import (
    SchemaFingerprint,
)
from driftcheck.model.vocab import CONFIG_SECTIONS

SECTIONS = CONFIG_SECTIONS  # the vocabulary's section table, in report order


#: Shown instead of an encrypted parameter's value (an export never holds one).
ENCRYPTED = "(encrypted)"


@dataclass(frozen=True, eq=False)
class MemberSet:
    """An unordered collection; members are compared by key, shown as written.

    ``fold`` makes the comparison case-insensitive, as AD is for DNs, class and attribute names.
    Kept as sorted tuples (``shown`` is None when it equals ``keys``): cheap to build, compare
    and send between processes for the ~20,000 sets of a large connector schema.
    """

    keys: tuple[str, ...]
    shown: tuple[str, ...] | None = None

    @classmethod
    def of(cls, items: Iterable[str], *, fold: bool = True) -> MemberSet:
        if not fold:
            return cls(tuple(sorted(set(items))))
        by_key: dict[str, str] = {}
        for item in items:
            by_key.setdefault(item.casefold(), item)
        keys = tuple(sorted(by_key))
        shown = tuple(by_key[k] for k in keys)
        return cls(keys, None if shown == keys else shown)

    @property
    def by_key(self) -> dict[str, str]:
        return dict(zip(self.keys, self.shown or self.keys, strict=True))

    @property
    def members(self) -> tuple[str, ...]:
        return self.shown or self.keys

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemberSet) and self.keys == other.keys

    def __hash__(self) -> int:
        return hash(self.keys)


@dataclass(frozen=True, eq=False)
class Loose:
    """A text compared by a normal form (``key``) but shown as written (``shown``)."""

    shown: str
    key: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loose) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True, eq=False)
class DeferredSchema:
    """A connector schema known by its fingerprint only, compared by it.

    Equal fingerprints are equal schemas, so the usual case (both servers hold the forest's
    same schema) never reads either. Where they differ, the pipeline reads both and puts
    their nodes in their place (:func:`differing_schemas`, :func:`with_schemas`) before
    :mod:`driftcheck.compare.walk` sees them: nothing here or there reads a file.
    """

    source: SchemaFingerprint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeferredSchema) and (
            self.source.fingerprint == other.source.fingerprint
        )

    def __hash__(self) -> int:
        return hash(self.source.fingerprint)

    def counts(self) -> dict[str, str]:
        """What a report shows of a schema: how many classes and attributes."""
        return {
            "object-classes": str(self.source.object_classes),
            "attributes": str(self.source.attribute_types),
        }


Value = Union[str, None, MemberSet, Loose, DeferredSchema, tuple[str, ...], "Node"]


Node = dict[str, Value]


@dataclass(frozen=True)
class ConfigObject:
    """A top-level object of one section, as compared: a connector, a rule, a setting..."""

    section: str
    key: str
    name: str
    connector: str | None
    summary: str
    fields: Node
    #: For sync rules: rules whose precedence competes (see :func:`precedence_group`).
    precedence_group: str | None = None
    precedence: int | None = None
    #: For custom sync rules: the rule as exported, enough to create it again; not compared.
    definition: RuleDefinition | None = None


@dataclass(frozen=True)
class CanonicalConfiguration:
    server: str
    export_date: str
    product_version: str
    location: str
    objects: Mapping[str, Mapping[str, ConfigObject]]
    warnings: tuple[str, ...] = field(default=())
    #: the end-to-end attribute flows of the same configuration (set by the pipeline, which
    #: still has the model): what a difference does, not what is compared
    flows: FlowGraph | None = None
