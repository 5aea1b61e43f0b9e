"""Streaming tallies of pending objects: counters that hold a connector's summary, not its objects.

Each :class:`~driftcheck.exports.changes.PendingObject` updates counters (per connector, object
type and attribute), a bounded counter of transitions per attribute and a few examples per
finding rule, and is dropped. Tallies of consecutive parts of a file merge into the tally of
the whole (:meth:`ConnectorTally.merge`, for reading one file in parallel ranges): counts add,
examples keep file order, and the result is the same as reading the file in one piece as long
as no transition counter overflowed (when one did, both are marked approximate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from driftcheck.exports.changes import KEEPS_OBJECT, AttributeChange, Kind, Operation, PendingObject
from driftcheck.exports.result import Example
from driftcheck.exports.rules import (
    CLOUD_FILTERED,
    CONSISTENCY_GUID,
    PROXY_ADDRESSES,
    SOURCE_ANCHOR,
    UPN,
    WATCHED,
)

#: Examples kept per finding rule and connector.
EXAMPLES = 5
#: Longest value kept in a transition or an example (the CSV has them whole).
VALUE_CHARS = 200
#: Distinct transitions counted per attribute before the rarest are dropped.
TRANSITION_CAPACITY = 2000
#: Distinct attribute names (and object types) on one connector: an AD schema has about
#: 3,400 attribute types; more is a file built to exhaust memory, refused.
DISTINCT_NAMES = 20_000


class TooManyNames(Exception):
    """More distinct attribute names or object types than :data:`DISTINCT_NAMES`."""


def clip(value: str, limit: int = VALUE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class BoundedCounter:
    """Counts of keys, holding at most ``capacity`` of them.

    When full, the rarer half is dropped (a key seen once per object, like a person's new
    address, never crowds out a pattern seen thousands of times). Counts of keys that were
    never dropped are exact; ``approximate`` says whether any key was dropped.
    """

    __slots__ = ("approximate", "capacity", "counts")

    def __init__(self, capacity: int = TRANSITION_CAPACITY) -> None:
        self.capacity = capacity
        self.counts: dict[tuple[str, str], int] = {}
        self.approximate = False

    def add(self, key: tuple[str, str]) -> None:
        counts = self.counts
        if key in counts:
            counts[key] += 1
            return
        if len(counts) >= self.capacity:
            counts = self._halve()
        counts[key] = 1

    def _halve(self) -> dict[tuple[str, str], int]:
        """Drop the rarer half of the keys."""
        keep = sorted(self.counts.items(), key=lambda kv: -kv[1])[: self.capacity // 2]
        self.counts = dict(keep)
        self.approximate = True
        return self.counts

    def merge(self, later: BoundedCounter) -> None:
        """Add the counts of ``later``; over capacity, the rarer half goes, as in :meth:`add`."""
        counts = self.counts
        for key, count in later.counts.items():
            counts[key] = counts.get(key, 0) + count
        self.approximate = self.approximate or later.approximate
        if len(counts) > self.capacity:
            self._halve()

    def top(self, n: int) -> list[tuple[tuple[str, str], int]]:
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _joined(values: Iterable[str]) -> str:
    return clip("; ".join(values))


def transition_of(change: AttributeChange) -> tuple[str, str]:
    """The (old, new) pair counted for a change: the values, or for a multi-valued attribute
    the values removed and added (``SMTP:a@x`` -> ``SMTP:a@y``)."""
    if change.multivalued:
        return _joined(sorted(change.removed)), _joined(sorted(change.added))
    old = change.old[0] if change.old else ""
    new = change.new[0] if change.new else ""
    if not change.old_known:
        old = "(not in file)"
    return clip(old), clip(new)


ELLIPSIS = "…"


def _address_shape(value: str) -> str:
    """``smtp:…@contoso.net`` for an address, else ``…`` (any value)."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return ELLIPSIS
    scheme, colon, _ = local.partition(":")
    return f"{scheme}{colon}{ELLIPSIS}@{domain}" if colon else f"{ELLIPSIS}@{domain}"


def _shapes(change: AttributeChange) -> tuple[str, str]:
    """A multi-valued change as the shapes of the values removed and added
    (``smtp:…@contoso.net`` -> ``smtp:…@contoso.com``)."""
    removed = sorted({_address_shape(v) for v in change.removed})
    added = sorted({_address_shape(v) for v in change.added})
    return _joined(removed), _joined(added)


_SEPARATORS = "@.,= ;:/\\-_"


def pattern_of(old: str, new: str) -> tuple[str, str]:
    """The shape of a transition once the head both sides share is cut, back to a separator:
    ``user6@contoso.com`` -> ``user6@corp.contoso.com`` is ``…@contoso.com`` ->
    ``…@corp.contoso.com``, the same for every user. A value with no counterpart keeps only
    its address shape (``smtp:…@contoso.net``)."""
    if not old or not new:
        return _address_shape(old) if old else "", _address_shape(new) if new else ""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    cut = max(old.rfind(c, 0, start) for c in _SEPARATORS) if start else -1
    if cut <= 0:
        return old, new
    return f"{ELLIPSIS}{old[cut:]}", f"{ELLIPSIS}{new[cut:]}"


@dataclass
class AttributeTally:
    name: str
    multivalued: bool = False
    binary: bool = False
    objects: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    values_added: int = 0
    values_removed: int = 0
    transitions: BoundedCounter = field(default_factory=BoundedCounter)
    patterns: BoundedCounter = field(default_factory=BoundedCounter)
    examples: list[Example] = field(default_factory=list)

    def add(self, change: AttributeChange, obj: PendingObject) -> None:
        self.objects += 1
        self.kinds[change.kind] += 1
        self.multivalued = self.multivalued or change.multivalued
        self.binary = self.binary or change.binary
        self.values_added += len(change.added)
        self.values_removed += len(change.removed)
        key = transition_of(change)
        self.transitions.add(key)
        if change.binary:  # opaque: only whether there is a value before and after
            self.patterns.add((ELLIPSIS if key[0] else "", ELLIPSIS if key[1] else ""))
        elif change.multivalued:
            self.patterns.add(_shapes(change))
        else:
            self.patterns.add(pattern_of(*key))
        if len(self.examples) < EXAMPLES:
            self.examples.append(example(obj, *key))

    def merge(self, later: AttributeTally) -> None:
        self.objects += later.objects
        self.kinds.update(later.kinds)
        self.multivalued = self.multivalued or later.multivalued
        self.binary = self.binary or later.binary
        self.values_added += later.values_added
        self.values_removed += later.values_removed
        self.transitions.merge(later.transitions)
        self.patterns.merge(later.patterns)
        self.examples = [*self.examples, *later.examples][:EXAMPLES]


def example(obj: PendingObject, old: str = "", new: str = "") -> Example:
    identity = obj.identity
    return Example(
        dn=clip(obj.dn, 400),
        display_name=clip(identity.display_name),
        user_principal_name=clip(identity.user_principal_name),
        old=old,
        new=new,
    )


@dataclass
class RuleTally:
    objects: int = 0
    examples: list[Example] = field(default_factory=list)

    def add(self, obj: PendingObject, old: str = "", new: str = "") -> None:
        self.objects += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example(obj, old, new))

    def merge(self, later: RuleTally) -> None:
        self.objects += later.objects
        self.examples = [*self.examples, *later.examples][:EXAMPLES]


_COUNTED = {
    Operation.ADD: "adds",
    Operation.UPDATE: "updates",
    Operation.REPLACE: "updates",
    Operation.DELETE: "deletes",
    Operation.DELETE_ADD: "delete_adds",
}

#: Attributes only the Entra ID connector space has: a file holding them is Entra ID's.
_ENTRA_ONLY = frozenset({SOURCE_ANCHOR, CLOUD_FILTERED, "cloudanchor"})


@dataclass
class ConnectorTally:
    name: str
    files: list[str] = field(default_factory=list)
    cs_objects: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    replaces: int = 0
    object_types: dict[str, Counter[str]] = field(default_factory=dict)
    attributes: dict[str, AttributeTally] = field(default_factory=dict)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    escrowed: int = 0
    unconfirmed: int = 0
    without_old_values: int = 0
    entra_attributes: bool = False

    def rule(self, key: str) -> RuleTally:
        tally = self.rules.get(key)
        if tally is None:
            tally = self.rules[key] = RuleTally()
        return tally

    def add(self, obj: PendingObject) -> None:
        self.cs_objects += 1
        if obj.escrowed:
            self.escrowed += 1
            self.rule("escrowed-exports").add(obj)
        if obj.unconfirmed:
            self.unconfirmed += 1
            self.rule("unconfirmed-exports").add(obj)
        operation = obj.operation
        if operation is None:
            return
        self._count(operation, obj)
        if operation in KEEPS_OBJECT:
            self._add_changes(obj)

    def _count(self, operation: Operation, obj: PendingObject) -> None:
        column = _COUNTED[operation]
        self.ops[column] += 1
        if operation is Operation.REPLACE:
            self.replaces += 1
        self._object_type(obj.object_type)[column] += 1
        if operation is Operation.DELETE or operation is Operation.DELETE_ADD:
            self.rule("deletes").add(obj)
        if not obj.old_known:
            self.without_old_values += 1

    def _add_changes(self, obj: PendingObject) -> None:
        for change in obj.changes:
            self._attribute(change.name).add(change, obj)
            folded = change.name.casefold()
            if folded in WATCHED:
                self._watch(folded, change, obj)

    def _object_type(self, name: str) -> Counter[str]:
        per_type = self.object_types.get(name)
        if per_type is None:
            if len(self.object_types) >= DISTINCT_NAMES:
                raise TooManyNames(f"more than {DISTINCT_NAMES:,} object types")
            per_type = self.object_types[name] = Counter()
        return per_type

    def _attribute(self, name: str) -> AttributeTally:
        tally = self.attributes.get(name)
        if tally is None:
            if len(self.attributes) >= DISTINCT_NAMES:
                raise TooManyNames(f"more than {DISTINCT_NAMES:,} distinct attribute names")
            tally = self.attributes[name] = AttributeTally(name)
            if name.casefold() in _ENTRA_ONLY:
                self.entra_attributes = True
        return tally

    def merge(self, later: ConnectorTally) -> None:
        """Add the tally of the part of the file that follows this one's."""
        self.cs_objects += later.cs_objects
        self.ops.update(later.ops)
        self.replaces += later.replaces
        for object_type, counts in later.object_types.items():
            self._object_type(object_type).update(counts)
        for name, attribute in later.attributes.items():
            self._attribute(name).merge(attribute)
        for key, rule in later.rules.items():
            self.rule(key).merge(rule)
        self.escrowed += later.escrowed
        self.unconfirmed += later.unconfirmed
        self.without_old_values += later.without_old_values
        self.entra_attributes = self.entra_attributes or later.entra_attributes

    def _watch(self, folded: str, change: AttributeChange, obj: PendingObject) -> None:
        old, new = transition_of(change)
        if folded in (SOURCE_ANCHOR, CONSISTENCY_GUID):
            if change.kind is not Kind.SET:
                self.rule(f"anchor-change:{folded}").add(obj, old, new)
        elif folded == UPN:
            if change.kind is not Kind.SET:
                self.rule("upn-change").add(obj, old, new)
        elif folded == PROXY_ADDRESSES:
            if change.removed or change.kind is Kind.CLEARED:
                self.rule("proxy-addresses-removed").add(obj, old, new)
        elif folded == CLOUD_FILTERED:
            now = (change.new[0] if change.new else "").strip().casefold()
            was = (change.old[0] if change.old else "").strip().casefold()
            if now == "true" and was != "true":
                self.rule("cloud-filtered").add(obj, old, new)
