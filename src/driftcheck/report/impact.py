"""What each configuration difference does: the end-to-end attribute flows it changes.

The flow graphs of both servers are compared attribute by attribute
(:func:`driftcheck.flows.diff.compare_graphs`); each changed attribute names the rules that
cause it, and a difference on such a rule gets the attribute in its ``affects``. A connector's
attribute-inclusion difference affects the flows that read or write that attribute on that
connector. None of this adds a difference or changes a count: it explains the ones there are.
Only attribute flows linked to a reported difference are kept; one whose every cause was
hidden by an ignore rule goes with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from driftcheck.compare.upgrade import UPGRADE_RULE_PREFIX
from driftcheck.flows.diff import ChainDiff, compare_graphs
from driftcheck.flows.graph import Chain, FlowGraph
from driftcheck.model.vocab import Section
from driftcheck.report.types import Affected, Finding, Report

RuleKey = tuple[str, str]


def _rule_key(finding: Finding) -> RuleKey | None:
    if finding.section != Section.SYNC_RULE or not finding.connector:
        return None
    return (finding.connector.casefold(), finding.object.casefold())


def _ends(object_type: str, attribute: str, targets: Iterable[tuple[str, str]]) -> list[Affected]:
    found = [Affected(object_type, attribute, c, t) for c, t in targets]
    return found or [Affected(object_type, attribute, None, None)]


def _chain_targets(chain: Chain) -> list[tuple[str, str]]:
    return list(dict.fromkeys((o.connector, o.target) for o in chain.outbound))


def _inclusion_affects(finding: Finding, graphs: Iterable[FlowGraph]) -> list[Affected]:
    """A connector attribute added to or removed from the attribute inclusion list."""
    if finding.section != Section.CONNECTOR or finding.path != "attribute-inclusion":
        return []
    value = finding.primary if finding.primary is not None else finding.staging
    if not isinstance(value, str) or not finding.connector:
        return []
    connector, attribute = finding.connector.casefold(), value.casefold()
    found: dict[Affected, None] = {}
    for graph in graphs:
        for chain in graph.chains:
            reads = any(
                c.connector.casefold() == connector and attribute in (r.casefold() for r in c.reads)
                for c in chain.inbound
            )
            writes = [
                (o.connector, o.target)
                for o in chain.outbound
                if o.connector.casefold() == connector and o.target.casefold() == attribute
            ]
            if reads:
                targets = _chain_targets(chain)
            elif writes:
                targets = writes
            else:
                continue
            found.update(dict.fromkeys(_ends(chain.object_type, chain.attribute, targets)))
    return list(found)


def _folded(a: Affected) -> tuple[str, ...]:
    return tuple((v or "").casefold() for v in (a.object_type, a.attribute, a.connector, a.target))


def _affects(
    finding: Finding, diffs: Iterable[ChainDiff], graphs: Iterable[FlowGraph]
) -> tuple[Affected, ...]:
    """Each affected end-to-end attribute once, names compared ignoring case (the two
    servers may spell a connector differently)."""
    key = _rule_key(finding)
    found: list[Affected] = []
    if key is not None:
        for d in diffs:
            if key in d.causes:
                found += _ends(d.object_type, d.attribute, d.targets)
    found += _inclusion_affects(finding, graphs)
    unique: dict[tuple[str, ...], Affected] = {}
    for a in found:
        unique.setdefault(_folded(a), a)
    return tuple(unique.values())


def _is_upgrade(diff: ChainDiff, by_rule: dict[RuleKey, list[Finding]]) -> bool:
    linked = [f for k in diff.causes for f in by_rule.get(k, [])]
    return bool(linked) and all(f.rule.startswith(UPGRADE_RULE_PREFIX) for f in linked)


def with_flow_impact(
    report: Report, primary: FlowGraph | None, staging: FlowGraph | None
) -> Report:
    """The report with ``affects`` on every difference and the changed attribute flows."""
    if primary is None or staging is None:
        return report
    by_rule: dict[RuleKey, list[Finding]] = {}
    for finding in report.differences:
        key = _rule_key(finding)
        if key is not None:
            by_rule.setdefault(key, []).append(finding)
    diffs = [d for d in compare_graphs(primary, staging) if d.causes & by_rule.keys()]
    if report.upgrade is not None:
        diffs = [replace(d, upgrade=_is_upgrade(d, by_rule)) for d in diffs]
    graphs = (primary, staging)
    differences = tuple(replace(f, affects=_affects(f, diffs, graphs)) for f in report.differences)
    return replace(report, differences=differences, flows=tuple(diffs))
