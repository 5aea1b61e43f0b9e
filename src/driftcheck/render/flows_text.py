"""Attribute flows as text: the changed flows of a compare, and ``driftcheck flows``."""

from __future__ import annotations

from collections.abc import Sequence

from driftcheck.flows.diff import ChainDiff
from driftcheck.flows.graph import Chain, FlowGraph, Target
from driftcheck.output.terminal import printable


def flows_line(flows: Sequence[ChainDiff], *, shown: int = 6) -> str:
    """One sentence: how many attributes flow differently, and which."""
    if not flows:
        return "No attribute flows differently."
    names = [f.attribute for f in flows]
    listed = ", ".join(names[:shown]) + (
        f" and {len(names) - shown} more" if len(names) > shown else ""
    )
    noun = "attribute flows" if len(names) == 1 else "attributes flow"
    return f"{len(names)} {noun} differently: {printable(listed)}"


def changed_flow_lines(flows: Sequence[ChainDiff], *, top: int = 15) -> list[str]:
    """The compare's "Attribute flow" block: one line per change, most affected first."""
    if not flows:
        return []
    lines = ["", "Attribute flow (the impact of the differences above, not counted again):"]
    lines.append(f"  {flows_line(flows)}")
    for diff in flows[:top]:
        mark = " [upgrade]" if diff.upgrade else ""
        lines.append(f"  {printable(diff.object_type)}.{printable(diff.attribute)}{mark}")
        lines += [f"    {c.kind.value}: {printable(c.detail)}" for c in diff.changes]
    if len(flows) > top:
        lines.append(f"  … {len(flows) - top} more: write the full report with --html or --json")
    return lines


def _inbound_lines(chain: Chain) -> list[str]:
    lines = []
    for c in chain.inbound:
        state = "" if c.enabled else " [disabled]"
        scope = f" if {c.scope}" if c.scope else ""
        once = " (apply once)" if c.apply_once else ""
        lines.append(
            f"    {c.rank}. {printable(c.rule)} [{printable(c.connector)} "
            f"{printable(c.cs_object_type)}, {c.link_type or 'Join'}, precedence {c.precedence}]"
            f"{state}"
        )
        lines.append(
            f"       {c.flow_type}: {printable(c.source)}{once}; merge {c.merge_type or 'Update'}"
            f"{printable(scope)}"
        )
    return lines


def chain_lines(chain: Chain) -> list[str]:
    """One compact block: the inbound chain in rank order, the winner, then the targets."""
    lines = [f"{printable(chain.object_type)}.{printable(chain.attribute)}"]
    if chain.inbound:
        lines.append("  in (rank order):")
        lines += _inbound_lines(chain)
    else:
        lines.append("  in: no inbound rule writes it")
    if chain.winner:
        lines.append(
            f"  wins: {printable(chain.winner.rule)} for {printable(chain.winner.applies_to)}"
        )
    if chain.order:
        lines.append("  as objects leave scopes:")
        lines += [f"    - {printable(o)}" for o in chain.order]
    for out in chain.outbound:
        state = "" if out.enabled else " [disabled]"
        scope = f" if {out.scope}" if out.scope else ""
        lines.append(
            f"  out → {printable(out.connector)} {printable(out.target_object_type)}."
            f"{printable(out.target)} by {printable(out.rule)}{state}: {out.flow_type} "
            f"{printable(out.source)}{printable(scope)}"
        )
    return lines


def target_lines(target: Target, graph: FlowGraph) -> list[str]:
    """The mirror view: one connector attribute traced back to its sources."""
    where = f"{target.connector} {target.object_type}.{target.attribute}"
    lines = [printable(where)]
    for out in target.outbound:
        state = "" if out.enabled else " [disabled]"
        lines.append(f"  ← {printable(out.rule)}{state}: {out.flow_type} {printable(out.source)}")
    for object_type, attribute in target.sources:
        chain = graph.chain(object_type, attribute)
        if chain is None:
            lines.append(
                f"  ← metaverse {printable(object_type)}.{printable(attribute)}: no inbound rule"
            )
            continue
        lines += [
            "  ← metaverse " + line.lstrip() if n == 0 else "  " + line
            for n, line in enumerate(chain_lines(chain))
            if not line.lstrip().startswith("out →")
        ]
    return lines


def graph_text(chains: Sequence[Chain]) -> str:
    blocks = ["\n".join(chain_lines(c)) for c in chains]
    return "\n\n".join(blocks) + "\n" if blocks else "No attribute matches.\n"
