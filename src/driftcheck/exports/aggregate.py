"""Streaming aggregates: the summary of millions of pending objects in counters.

No object is kept: each :class:`~driftcheck.exports.changes.PendingObject` updates counters
(per connector, object type and attribute), a bounded counter of transitions per attribute
and a few examples per finding rule, and is dropped. At the end :func:`summarise` turns the
tallies into the typed result and runs the rule catalogue over them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from driftcheck.exports.changes import KEEPS_OBJECT, AttributeChange, Kind, Operation, PendingObject
from driftcheck.exports.result import (
    AttributeSummary,
    ConnectorSummary,
    Example,
    ExportsResult,
    FileInfo,
    OperationCounts,
    PendingFinding,
    Summary,
    Transition,
)
from driftcheck.exports.rules import (
    CLOUD_FILTERED,
    CONSISTENCY_GUID,
    PROXY_ADDRESSES,
    RULES,
    SOURCE_ANCHOR,
    UPN,
    WATCHED,
    Thresholds,
    level,
)
from driftcheck.model.vocab import SEVERITY_ORDER, Severity

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
            keep = sorted(counts.items(), key=lambda kv: -kv[1])[: self.capacity // 2]
            self.counts = counts = dict(keep)
            self.approximate = True
        counts[key] = 1

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
        column = _COUNTED[operation]
        self.ops[column] += 1
        if operation is Operation.REPLACE:
            self.replaces += 1
        per_type = self.object_types.get(obj.object_type)
        if per_type is None:
            if len(self.object_types) >= DISTINCT_NAMES:
                raise TooManyNames(f"more than {DISTINCT_NAMES:,} object types")
            per_type = self.object_types[obj.object_type] = Counter()
        per_type[column] += 1
        if operation is Operation.DELETE or operation is Operation.DELETE_ADD:
            self.rule("deletes").add(obj)
        if not obj.old_known:
            self.without_old_values += 1
        if operation not in KEEPS_OBJECT:
            return
        for change in obj.changes:
            name = change.name
            tally = self.attributes.get(name)
            if tally is None:
                if len(self.attributes) >= DISTINCT_NAMES:
                    raise TooManyNames(f"more than {DISTINCT_NAMES:,} distinct attribute names")
                tally = self.attributes[name] = AttributeTally(name)
                if name.casefold() in _ENTRA_ONLY:
                    self.entra_attributes = True
            tally.add(change, obj)
            folded = name.casefold()
            if folded in WATCHED:
                self._watch(folded, change, obj)

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


@dataclass(frozen=True)
class ConnectorFacts:
    """What ``--config`` says of a connector (or what could be inferred)."""

    kind: str = "unknown"
    kind_from: str = "unknown"


@dataclass(frozen=True)
class ServerFacts:
    """What ``--config`` says of the server: connector types, the deletion threshold."""

    location: str | None = None
    connectors: Mapping[str, ConnectorFacts] = field(default_factory=dict)
    deletion_threshold: int | None = None
    deletion_threshold_enabled: bool | None = None


def _infer_kind(tally: ConnectorTally, facts: ServerFacts) -> tuple[str, str]:
    known = facts.connectors.get(tally.name)
    if known is not None and known.kind != "unknown":
        return known.kind, known.kind_from
    folded = tally.name.casefold()
    if folded.endswith("- aad") or "onmicrosoft.com" in folded:
        return "entra-id", "name"
    if tally.entra_attributes:
        return "entra-id", "attributes"
    if CONSISTENCY_GUID in {a.casefold() for a in tally.attributes}:
        return "ad", "attributes"
    return "unknown", "unknown"


def _attribute_summary(tally: AttributeTally, top: int) -> AttributeSummary:
    kinds = {k.value: tally.kinds.get(k.value, 0) for k in Kind if k is not Kind.UNKNOWN}
    if tally.kinds.get(Kind.UNKNOWN.value):
        kinds[Kind.UNKNOWN.value] = tally.kinds[Kind.UNKNOWN.value]
    return AttributeSummary(
        name=tally.name,
        objects=tally.objects,
        kinds=kinds,
        values_added=tally.values_added,
        values_removed=tally.values_removed,
        multivalued=tally.multivalued,
        binary=tally.binary,
        transitions=tuple(Transition(o, n, c) for (o, n), c in tally.transitions.top(top)),
        approximate=tally.transitions.approximate,
        patterns=_patterns(tally, top),
    )


def _patterns(tally: AttributeTally, top: int) -> tuple[Transition, ...]:
    """The top patterns, when they say more than the exact transitions: a pattern shared by
    more objects than the top exact transition."""
    best_exact = max(tally.transitions.counts.values(), default=0)
    ranked = tally.patterns.top(top)
    if not ranked or ranked[0][1] <= best_exact:
        return ()
    return tuple(Transition(o, n, c) for (o, n), c in ranked)


def _counts(counter: Mapping[str, int]) -> OperationCounts:
    return OperationCounts(
        counter.get("adds", 0),
        counter.get("updates", 0),
        counter.get("deletes", 0),
        counter.get("delete_adds", 0),
    )


def kinds_phrase(kinds: Mapping[str, int]) -> str:
    """``1,180 case-only, 23 changed``: the non-zero kinds, largest first."""
    parts = sorted(((n, k) for k, n in kinds.items() if n), key=lambda p: (-p[0], p[1]))
    return ", ".join(f"{n:,} {k}" for n, k in parts)


def _objects(n: int) -> str:
    return f"{n:,} object" if n == 1 else f"{n:,} objects"


def _threshold_phrase(connector: ConnectorSummary) -> str:
    state = {True: "on", False: "off", None: "state unknown"}[connector.deletion_threshold_enabled]
    return (
        f"export deletion threshold {connector.deletion_threshold:,} "
        f"({connector.deletion_threshold_from}, {state})"
    )


def _message(
    rule_id: str,
    connector: ConnectorSummary,
    objects: int,
    attribute: str | None,
    tally: ConnectorTally,
) -> str:
    name = connector.name
    if rule_id == "deletes":
        c = connector.counts
        split = f"{c.deletes:,} delete, {c.delete_adds:,} delete-add"
        if connector.kind == "entra-id":
            if connector.deletion_threshold_enabled is False:
                then = "the threshold is off: they would all be deleted"
            elif objects >= connector.deletion_threshold:
                then = "with the threshold on, the export stops there until an admin allows it"
            else:
                then = "below the threshold, they would be deleted"
        elif connector.kind in ("ad", "other"):
            then = (
                "the export deletion threshold guards exports to Entra ID only: these objects "
                "would be deleted in the connected directory"
            )
        else:
            then = "connector type unknown (give --config)"
        return (
            f"{_objects(objects)} would be deleted on {name} ({split}); "
            f"{_threshold_phrase(connector)}: {then}"
        )
    if rule_id == "anchor-change":
        return (
            f"the anchor ({attribute}) would change on {_objects(objects)} of {name}: the "
            "cloud object is orphaned or matched to another one"
        )
    if rule_id == "mass-change" and attribute is not None:
        summary = next(a for a in connector.attributes if a.name == attribute)
        top = (summary.patterns or summary.transitions or (None,))[0]
        pattern = f"; most often {top.old!r} -> {top.new!r} ({top.objects:,})" if top else ""
        return (
            f"{_objects(objects)} would change {attribute} on {name} "
            f"({kinds_phrase(summary.kinds)}){pattern}"
        )
    phrases = {
        "upn-change": "userPrincipalName (the sign-in name) would change on",
        "proxy-addresses-removed": "proxyAddresses values (mail to them bounces) would go from",
        "cloud-filtered": "cloudFiltered would turn true (deleted from Entra ID) on",
        "escrowed-exports": "escrowed exports (sent, never confirmed by an import) on",
        "unconfirmed-exports": "unconfirmed exports from an earlier run on",
    }
    text = f"{phrases[rule_id]} {_objects(objects)} of {name}"
    summary_of = next((a for a in connector.attributes if a.name == attribute), None)
    if summary_of is not None:
        top_of = (summary_of.patterns or summary_of.transitions or (None,))[0]
        if top_of is not None and top_of.objects > 1:
            text += f"; most often {top_of.old!r} -> {top_of.new!r} ({top_of.objects:,})"
    if RULES[rule_id].escalates and objects >= connector.deletion_threshold:
        text += f": at or over the {_threshold_phrase(connector)}"
    return text


def _findings(
    connector: ConnectorSummary, tally: ConnectorTally, thresholds: Thresholds
) -> list[PendingFinding]:
    found: list[PendingFinding] = []
    threshold = connector.deletion_threshold

    def add(rule_id: str, rule_tally: RuleTally | None, attribute: str | None) -> None:
        if rule_tally is None:
            return
        rule = RULES[rule_id]
        settings = thresholds.settings(rule_id, connector.name)
        severity = level(rule, settings, rule_tally.objects, tally.cs_objects, threshold)
        if severity is None:
            return
        found.append(
            PendingFinding(
                severity=severity,
                rule=rule_id,
                connector=connector.name,
                attribute=attribute,
                objects=rule_tally.objects,
                message=_message(rule_id, connector, rule_tally.objects, attribute, tally),
                examples=tuple(rule_tally.examples),
            )
        )

    add("deletes", tally.rules.get("deletes"), None)
    anchors = {
        "entra-id": (SOURCE_ANCHOR,),
        "ad": (CONSISTENCY_GUID,),
    }.get(connector.kind, (SOURCE_ANCHOR, CONSISTENCY_GUID))
    names = {a.casefold(): a for a in tally.attributes}
    for folded in anchors:
        add("anchor-change", tally.rules.get(f"anchor-change:{folded}"), names.get(folded))
    add("upn-change", tally.rules.get("upn-change"), names.get(UPN))
    add(
        "proxy-addresses-removed",
        tally.rules.get("proxy-addresses-removed"),
        names.get(PROXY_ADDRESSES),
    )
    add("cloud-filtered", tally.rules.get("cloud-filtered"), names.get(CLOUD_FILTERED))
    for summary in connector.attributes:
        if summary.name.casefold() in WATCHED:
            continue
        attr_tally = tally.attributes[summary.name]
        rule_tally = RuleTally(attr_tally.objects, attr_tally.examples)
        settings = thresholds.settings("mass-change", connector.name)
        severity = level(
            RULES["mass-change"], settings, rule_tally.objects, tally.cs_objects, threshold
        )
        if severity is None or severity is Severity.INFO:
            continue  # every changed attribute is in the summary; a finding only when many
        add("mass-change", rule_tally, summary.name)
    add("escrowed-exports", tally.rules.get("escrowed-exports"), None)
    add("unconfirmed-exports", tally.rules.get("unconfirmed-exports"), None)
    return found


def connector_summary(
    tally: ConnectorTally, facts: ServerFacts, thresholds: Thresholds, top: int
) -> ConnectorSummary:
    kind, kind_from = _infer_kind(tally, facts)
    threshold, source = thresholds.deletion_threshold_for(tally.name, facts.deletion_threshold)
    attributes = sorted(
        (_attribute_summary(t, top) for t in tally.attributes.values()),
        key=lambda a: (-a.objects, a.name.casefold()),
    )
    return ConnectorSummary(
        name=tally.name,
        kind=kind,
        kind_from=kind_from,
        files=tuple(tally.files),
        cs_objects=tally.cs_objects,
        counts=_counts(tally.ops),
        replaces=tally.replaces,
        object_types={k: _counts(v) for k, v in sorted(tally.object_types.items())},
        attributes=tuple(attributes),
        escrowed=tally.escrowed,
        unconfirmed=tally.unconfirmed,
        without_old_values=tally.without_old_values,
        deletion_threshold=threshold,
        deletion_threshold_from=source,
        deletion_threshold_enabled=facts.deletion_threshold_enabled,
    )


def summarise(
    tallies: Iterable[ConnectorTally],
    files: Iterable[FileInfo],
    *,
    facts: ServerFacts,
    thresholds: Thresholds,
    fail_on: Severity,
    top: int = 10,
    server: str = "",
    warnings: Iterable[str] = (),
) -> ExportsResult:
    connectors: list[ConnectorSummary] = []
    findings: list[PendingFinding] = []
    for tally in tallies:
        connector = connector_summary(tally, facts, thresholds, top)
        connectors.append(connector)
        findings.extend(_findings(connector, tally, thresholds))
    order = {level: n for n, level in enumerate(SEVERITY_ORDER)}
    findings.sort(key=lambda f: (order[f.severity], f.connector, f.rule, f.attribute or ""))
    totals = Counter[str]()
    for c in connectors:
        totals.update(c.counts.to_json())
    failed = any(f.severity.at_least(fail_on) for f in findings)
    by_level = Counter(f.severity.value for f in findings)
    summary = Summary(
        verdict="fail" if failed else "pass",
        fail_on=fail_on,
        counts=_counts(totals),
        findings={level.value: by_level.get(level.value, 0) for level in SEVERITY_ORDER},
    )
    return ExportsResult(
        summary=summary,
        connectors=tuple(connectors),
        findings=tuple(findings),
        files=tuple(files),
        server=server,
        config=facts.location,
        warnings=tuple(warnings),
    )
