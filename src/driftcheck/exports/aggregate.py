"""Streaming aggregates: the summary of millions of pending objects in counters.

No object is kept: each :class:`~driftcheck.exports.changes.PendingObject` updates the
counters of :mod:`driftcheck.exports.tally` and is dropped. At the end :func:`summarise` turns
the tallies into the typed result and runs the rule catalogue over them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from driftcheck.exports.changes import Kind
from driftcheck.exports.result import (
    AttributeSummary,
    ConnectorSummary,
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
from driftcheck.exports.tally import AttributeTally, ConnectorTally, RuleTally
from driftcheck.model.vocab import SEVERITY_ORDER, Severity


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
