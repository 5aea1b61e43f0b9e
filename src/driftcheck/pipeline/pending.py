"""``compare --pending``: the staging server's pending exports read beside the comparison and
linked to its differences.

Which (connector, attribute) pairs a difference flows into comes from the attribute-flow
graph: the ``affects`` of each difference (:mod:`driftcheck.report.impact`), the connector
attributes at the end of every flow it changes. A difference that changes no flow (a
description, a run profile) explains no pending change. Where a difference has no
``affects``, one hop read off the report's own sync rules: a difference on a metaverse
attribute itself reaches, through every outbound rule that reads it, the connector
attributes those write; a connector's attribute inclusion reaches what the inbound rules
make of that attribute, and on from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from driftcheck.compare.walk import Json
from driftcheck.exports import ExportsOptions, verify_exports
from driftcheck.model.vocab import Severity
from driftcheck.report.pending import attach_pending
from driftcheck.report.types import Finding, ObjectEntry, Report

FLOWS = "attribute-flows"


def _trees(entry: ObjectEntry) -> Iterator[Mapping[str, Json]]:
    for tree in (entry.primary, entry.staging):
        if tree is not None:
            yield tree


def _flows(tree: Mapping[str, Json]) -> Mapping[str, Json]:
    flows = tree.get(FLOWS)
    return flows if isinstance(flows, dict) else {}


def _sources(flow: Json) -> list[str]:
    """The attributes a flow reads: a direct flow's source, an expression's inputs."""
    if not isinstance(flow, dict):
        return []
    found: list[str] = []
    for key in ("source", "inputs", "sources"):
        value = flow.get(key)
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return found


def _names(value: Json) -> list[str]:
    """Attribute names in a difference's value (a name, or a list of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _direction(entry: ObjectEntry) -> str:
    if entry.rule is not None:
        return entry.rule.direction.casefold()
    for tree in _trees(entry):
        value = tree.get("direction")
        if isinstance(value, str):
            return value.casefold()
    return ""


class FlowIndex:
    """The report's sync rules, indexed for :meth:`affects`."""

    def __init__(self, report: Report) -> None:
        #: metaverse attribute -> (connector, connector attribute) outbound rules write from it
        self.outbound: dict[str, set[tuple[str, str]]] = {}
        #: (connector, connector attribute) -> metaverse attributes inbound rules write from it
        self.inbound: dict[tuple[str, str], set[str]] = {}
        for entry in report.objects.get("sync-rule", ()):
            if not entry.connector:
                continue
            outbound = _direction(entry) == "outbound"
            for tree in _trees(entry):
                for destination, flow in _flows(tree).items():
                    for source in _sources(flow):
                        if outbound:
                            self.outbound.setdefault(source.casefold(), set()).add(
                                (entry.connector, destination)
                            )
                        else:
                            key = (entry.connector.casefold(), source.casefold())
                            self.inbound.setdefault(key, set()).add(destination)

    def _from_metaverse(self, attributes: Iterable[str]) -> list[tuple[str, str]]:
        return sorted({pair for a in attributes for pair in self.outbound.get(a.casefold(), ())})

    def affects(self, finding: Finding) -> list[tuple[str, str]]:
        if finding.affects:
            return [(a.connector, a.target) for a in finding.affects if a.connector and a.target]
        if finding.section == "metaverse":
            name = finding.path.rsplit("/", 1)[-1] if finding.path else finding.object
            return self._from_metaverse([name])
        if finding.section == "connector" and finding.path.startswith("attribute-inclusion"):
            # An attribute no longer (or now) imported: what inbound rules made of it.
            connector = (finding.connector or finding.object).casefold()
            names = {v for side in (finding.primary, finding.staging) for v in _names(side)}
            written = {
                mv for name in names for mv in self.inbound.get((connector, name.casefold()), ())
            }
            return self._from_metaverse(written)
        return []


def with_pending(
    report: Report, paths: Sequence[Path], options: ExportsOptions, staging: Path
) -> Report:
    """``report`` with the pending exports under ``paths`` linked to its differences; the
    staging export is the default ``--config``."""
    options = replace(
        options,
        config=options.config or staging,
        fail_on=Severity(report.summary.fail_on),
    )
    result = verify_exports(paths, options)
    return attach_pending(report, result, FlowIndex(report).affects)
