"""The end-to-end attribute-flow graph of one server: connector → inbound rule → metaverse →
outbound rule → connector.

Built from the model alone (no file access). Every attribute mapping of every sync rule
becomes one *contribution*, once: an inbound mapping is a contribution to the metaverse
attribute it writes; an outbound mapping is listed under each metaverse attribute it reads,
and once under the connector attribute it writes (the mirror view). Which metaverse
attributes an expression reads comes from the expression lexer's tokens (``[name]``), joined
with the mapping's own ``<src>`` inputs, never from a regular expression over the text.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from driftcheck.flows.winner import Winner, recall_order, winner_of
from driftcheck.model.expression import normalize_expression as _normalize
from driftcheck.model.expression import token_texts
from driftcheck.model.server import AttributeFlow, ScopingGroup, ServerConfiguration, SyncRule

Json = dict[str, object]

#: expressions compared with whitespace outside string literals ignored; cached like the reads
normalize_expression = functools.lru_cache(maxsize=65536)(_normalize)


def _scope_text(groups: Iterable[ScopingGroup]) -> str:
    """Scoping groups as one line: AND within a group, OR between groups (order-free)."""
    texts = sorted(
        " AND ".join(
            sorted(
                f"{c.attribute} {c.operator} {c.value!r}"
                if c.value
                else f"{c.attribute} {c.operator}"
                for c in group.clauses
            )
        )
        for group in groups
        if group.clauses
    )
    if len(texts) > 1:
        return " OR ".join(f"({t})" for t in texts)
    return texts[0] if texts else ""


@functools.lru_cache(maxsize=65536)
def expression_reads(expression: str) -> tuple[str, ...]:
    """The attribute names an expression reads: every ``[name]`` outside string literals.

    The lexer makes a string literal one token, so ``"[x]"`` is never read as an attribute.
    Cached: the same out-of-box expressions recur on every forest's rules.
    """
    texts = [t for t in token_texts(expression) if not t.isspace()]
    found: dict[str, None] = {}
    for before, name, after in zip(texts, texts[1:], texts[2:], strict=False):
        if before == "[" and after == "]" and (name[0].isalnum() or name[0] in "_%"):
            found[name] = None
    return tuple(found)


def _reads(flow: AttributeFlow) -> tuple[str, ...]:
    names = list(flow.sources)
    if flow.expression is not None:
        names += [n for n in expression_reads(flow.expression) if n not in names]
    return tuple(dict.fromkeys(n for n in names if n))


def _source(flow: AttributeFlow) -> str:
    if flow.expression is not None:
        return flow.expression.strip()
    if flow.constant is not None:
        return flow.constant
    return ", ".join(flow.sources)


def _compared_source(flow_type: str, source: str) -> str:
    """A source as compared: an expression with whitespace outside string literals ignored."""
    return normalize_expression(source) if flow_type == "expression" else source


@dataclass(frozen=True)
class Inbound:
    """One inbound mapping into a metaverse attribute: a candidate value for it."""

    rank: int
    rule: str
    connector: str
    cs_object_type: str
    precedence: int
    flow_type: str
    source: str
    reads: tuple[str, ...]
    scope: str
    merge_type: str
    apply_once: bool
    enabled: bool
    #: the rule's link type: Join or Provision (a provisioning rule creates the metaverse object)
    link_type: str

    @property
    def scoped(self) -> bool:
        return bool(self.scope)

    @property
    def key(self) -> tuple[str, str, str]:
        """What pairs one contribution across two servers (names ignore case)."""
        return (self.connector.casefold(), self.rule.casefold(), self.cs_object_type.casefold())

    @property
    def signature(self) -> tuple[object, ...]:
        """What must be equal for the contribution to flow the same (precedence aside)."""
        source = _compared_source(self.flow_type, self.source)
        return (self.flow_type, source, self.scope, self.merge_type, self.apply_once, self.enabled)

    def to_json(self) -> Json:
        return {
            "rank": self.rank,
            "rule": self.rule,
            "connector": self.connector,
            "cs_object_type": self.cs_object_type,
            "precedence": self.precedence,
            "flow_type": self.flow_type,
            "source": self.source,
            "reads": list(self.reads),
            "scope": self.scope,
            "scoped": self.scoped,
            "merge_type": self.merge_type,
            "apply_once": self.apply_once,
            "enabled": self.enabled,
            "link_type": self.link_type,
        }


@dataclass(frozen=True)
class Outbound:
    """One outbound mapping: a metaverse value carried on to a connector's attribute."""

    rule: str
    connector: str
    target_object_type: str
    target: str
    precedence: int
    flow_type: str
    source: str
    reads: tuple[str, ...]
    scope: str
    merge_type: str
    enabled: bool
    link_type: str

    @property
    def scoped(self) -> bool:
        return bool(self.scope)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (
            self.connector.casefold(),
            self.rule.casefold(),
            self.target_object_type.casefold(),
            self.target.casefold(),
        )

    @property
    def signature(self) -> tuple[object, ...]:
        source = _compared_source(self.flow_type, self.source)
        return (self.flow_type, source, self.scope, self.merge_type, self.enabled)

    def to_json(self) -> Json:
        return {
            "rule": self.rule,
            "connector": self.connector,
            "target_object_type": self.target_object_type,
            "target": self.target,
            "precedence": self.precedence,
            "flow_type": self.flow_type,
            "source": self.source,
            "reads": list(self.reads),
            "scope": self.scope,
            "scoped": self.scoped,
            "enabled": self.enabled,
            "link_type": self.link_type,
        }


@dataclass(frozen=True)
class Chain:
    """Everything that writes one metaverse attribute of one object type, and where it goes."""

    object_type: str
    attribute: str
    #: in precedence order (rank 1 first)
    inbound: tuple[Inbound, ...]
    outbound: tuple[Outbound, ...]
    winner: Winner | None
    #: who takes over, in order, as objects leave scopes
    order: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.object_type.casefold(), self.attribute.casefold())

    def to_json(self) -> Json:
        return {
            "object_type": self.object_type,
            "attribute": self.attribute,
            "inbound": [c.to_json() for c in self.inbound],
            "winner": self.winner.to_json() if self.winner else None,
            "order": list(self.order),
            "outbound": [c.to_json() for c in self.outbound],
        }


@dataclass(frozen=True)
class Target:
    """The mirror view: one connector attribute traced back to the metaverse attributes it reads."""

    connector: str
    object_type: str
    attribute: str
    outbound: tuple[Outbound, ...]
    #: (metaverse object type, attribute) of each metaverse attribute read on the way
    sources: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FlowGraph:
    server: str
    chains: tuple[Chain, ...]
    targets: tuple[Target, ...]

    def chain(self, object_type: str, attribute: str) -> Chain | None:
        key = (object_type.casefold(), attribute.casefold())
        return next((c for c in self.chains if c.key == key), None)

    def to_json(self) -> Json:
        return {
            "schema": SCHEMA,
            "server": self.server,
            "attributes": [c.to_json() for c in self.chains],
        }


SCHEMA = "driftcheck/flows/v1"


def _connector_names(config: ServerConfiguration) -> dict[str, str]:
    return {c.id.strip("{}").casefold(): c.name for c in config.connectors}


def _connector_of(rule: SyncRule, names: dict[str, str]) -> str:
    return names.get(rule.connector_id.strip("{}").casefold(), rule.connector_id)


def _inbound(rule: SyncRule, flow: AttributeFlow, connector: str, scope: str) -> Inbound:
    return Inbound(
        rank=0,
        rule=rule.name,
        connector=connector,
        cs_object_type=rule.source_object_type,
        precedence=rule.precedence,
        flow_type=flow.kind,
        source=_source(flow),
        reads=_reads(flow),
        scope=scope,
        merge_type=flow.merge_type,
        apply_once=flow.execute_once,
        enabled=not rule.disabled,
        link_type=rule.link_type,
    )


def _outbound(rule: SyncRule, flow: AttributeFlow, connector: str, scope: str) -> Outbound:
    return Outbound(
        rule=rule.name,
        connector=connector,
        target_object_type=rule.target_object_type,
        target=flow.destination,
        precedence=rule.precedence,
        flow_type=flow.kind,
        source=_source(flow),
        reads=_reads(flow),
        scope=scope,
        merge_type=flow.merge_type,
        enabled=not rule.disabled,
        link_type=rule.link_type,
    )


def _ranked(contributions: list[Inbound]) -> tuple[Inbound, ...]:
    ordered = sorted(contributions, key=lambda c: (c.precedence, c.rule.casefold(), c.connector))
    return tuple(replace(c, rank=i) for i, c in enumerate(ordered, start=1))


def build_graph(config: ServerConfiguration) -> FlowGraph:
    """The flow graph of one server's configuration."""
    names = _connector_names(config)
    inbound: dict[tuple[str, str], list[Inbound]] = defaultdict(list)
    outbound: dict[tuple[str, str], list[Outbound]] = defaultdict(list)
    by_target: dict[tuple[str, str, str], list[tuple[str, Outbound]]] = defaultdict(list)
    spelled: dict[tuple[str, str], tuple[str, str]] = {}
    for rule in config.sync_rules:
        connector = _connector_of(rule, names)
        inbound_rule = rule.direction.casefold() == "inbound"
        mv_type = rule.target_object_type if inbound_rule else rule.source_object_type
        scope = _scope_text(rule.scoping_groups)
        for flow in rule.flows:
            if inbound_rule:
                key = (mv_type.casefold(), flow.destination.casefold())
                spelled.setdefault(key, (mv_type, flow.destination))
                inbound[key].append(_inbound(rule, flow, connector, scope))
                continue
            out = _outbound(rule, flow, connector, scope)
            by_target[(connector, out.target_object_type, out.target)].append((mv_type, out))
            for attribute in out.reads:
                key = (mv_type.casefold(), attribute.casefold())
                spelled.setdefault(key, (mv_type, attribute))
                outbound[key].append(out)
    chains = []
    for key in sorted(spelled):
        ranked = _ranked(inbound.get(key, []))
        object_type, attribute = spelled[key]
        outs = tuple(sorted(outbound.get(key, []), key=lambda o: (o.connector, o.target, o.rule)))
        chains.append(
            Chain(object_type, attribute, ranked, outs, winner_of(ranked), recall_order(ranked))
        )
    targets = tuple(
        Target(
            connector,
            object_type,
            attribute,
            tuple(o for _, o in outs),
            tuple(
                dict.fromkeys(
                    spelled.get((mv_type.casefold(), a.casefold()), (mv_type, a))
                    for mv_type, o in outs
                    for a in o.reads
                )
            ),
        )
        for (connector, object_type, attribute), outs in sorted(by_target.items())
    )
    return FlowGraph(config.server, tuple(chains), targets)
