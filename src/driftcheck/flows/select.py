"""What ``driftcheck flows`` shows: some chains of a graph, or one connector attribute traced
back (the mirror view)."""

from __future__ import annotations

from dataclasses import dataclass

from driftcheck.errors import InputError
from driftcheck.flows.graph import SCHEMA, Chain, FlowGraph, Target

Json = dict[str, object]


@dataclass(frozen=True)
class FlowSelection:
    graph: FlowGraph
    chains: tuple[Chain, ...]
    #: set for the mirror view (``--connector NAME --attribute NAME``)
    target: Target | None = None

    def to_json(self) -> Json:
        data: Json = {
            "schema": SCHEMA,
            "server": self.graph.server,
            "attributes": [c.to_json() for c in self.chains],
        }
        if self.target is not None:
            data["target"] = {
                "connector": self.target.connector,
                "object_type": self.target.object_type,
                "attribute": self.target.attribute,
                "outbound": [o.to_json() for o in self.target.outbound],
                "sources": [{"object_type": t, "attribute": a} for t, a in self.target.sources],
            }
        return data


def select_chains(
    graph: FlowGraph, *, attribute: str | None = None, object_type: str | None = None
) -> FlowSelection:
    """The chains of one metaverse attribute and/or object type (names ignore case)."""
    chains = tuple(
        c
        for c in graph.chains
        if (attribute is None or c.attribute.casefold() == attribute.casefold())
        and (object_type is None or c.object_type.casefold() == object_type.casefold())
    )
    if not chains and (attribute or object_type):
        wanted = " ".join(x for x in (object_type, attribute) if x)
        raise InputError(
            f"no metaverse attribute flow matches {wanted!r} on {graph.server} "
            "(run without --attribute to list them all)"
        )
    return FlowSelection(graph, chains)


def trace_target(
    graph: FlowGraph, connector: str, attribute: str, object_type: str | None = None
) -> FlowSelection:
    """One connector attribute traced back: outbound rules, metaverse attributes, inbound."""
    matches = [
        t
        for t in graph.targets
        if t.connector.casefold() == connector.casefold()
        and t.attribute.casefold() == attribute.casefold()
        and (object_type is None or t.object_type.casefold() == object_type.casefold())
    ]
    if not matches:
        known = sorted({t.connector for t in graph.targets})
        raise InputError(
            f"no outbound flow writes {attribute!r} on connector {connector!r} "
            f"(connectors with outbound flows: {', '.join(known) or 'none'})"
        )
    target = matches[0]
    chains = tuple(c for t, a in target.sources if (c := graph.chain(t, a)) is not None)
    return FlowSelection(graph, chains, target)
