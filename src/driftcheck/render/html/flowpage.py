"""The page of ``driftcheck flows --html`` (``templates/flows.html.j2``): the same chains as
the text, searchable, in the report's look."""

from __future__ import annotations

from dataclasses import dataclass

from driftcheck import __version__
from driftcheck.flows.graph import Chain
from driftcheck.flows.select import FlowSelection
from driftcheck.render.html import environment

TEMPLATE = "flows.html.j2"


@dataclass(frozen=True)
class ChainView:
    id: str
    label: str
    #: lower-case text the search box matches: attribute, rules, connectors, sources
    search: str
    chain: Chain


def _search_text(chain: Chain) -> str:
    parts = [chain.object_type, chain.attribute]
    parts += [f"{c.rule} {c.connector} {c.source}" for c in chain.inbound]
    parts += [f"{o.rule} {o.connector} {o.target}" for o in chain.outbound]
    return " ".join(parts).casefold()


def render_flows_html(selection: FlowSelection) -> str:
    chains = [
        ChainView(f"a-{n}", f"{c.object_type}.{c.attribute}", _search_text(c), c)
        for n, c in enumerate(selection.chains, start=1)
    ]
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            title=f"driftcheck: attribute flow of {selection.graph.server}",
            server=selection.graph.server,
            tool_version=__version__,
            chains=chains,
            target=selection.target,
        )
    )
