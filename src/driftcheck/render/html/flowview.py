"""The report's "Attribute flow" section: each attribute whose end-to-end flow differs, its
chain on both servers side by side, the changed contributions marked, and links to the
differences that cause the change. Data prepared here; the template only lays it out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from driftcheck.flows.diff import ChainDiff

Json = Mapping[str, object]


@dataclass(frozen=True)
class FlowRow:
    rank: str
    rule: str
    where: str
    how: str
    scope: str
    disabled: bool
    #: a contribution of a rule that causes the change
    marked: bool


@dataclass(frozen=True)
class FlowChangeView:
    kind: str
    detail: str
    #: (rule name, anchor of the rule in the report or "")
    links: list[tuple[str, str]]


@dataclass(frozen=True)
class FlowView:
    id: str
    label: str
    #: the metaverse attribute, for the command that lists its whole chain
    attribute: str
    upgrade: bool
    changes: list[FlowChangeView]
    primary_in: list[FlowRow]
    staging_in: list[FlowRow]
    primary_out: list[FlowRow]
    staging_out: list[FlowRow]
    primary_winner: str
    staging_winner: str
    #: unchanged contributions left out of each side (see :func:`_shown`)
    primary_hidden: int = 0
    staging_hidden: int = 0


def _list(chain: Json | None, key: str) -> list[Mapping[str, object]]:
    items = chain.get(key) if chain else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _marked(item: Mapping[str, object], causes: frozenset[tuple[str, str]]) -> bool:
    return (
        str(item.get("connector", "")).casefold(),
        str(item.get("rule", "")).casefold(),
    ) in causes


def _in_rows(chain: Json | None, causes: frozenset[tuple[str, str]]) -> list[FlowRow]:
    return [
        FlowRow(
            rank=str(i.get("rank", "")),
            rule=str(i.get("rule", "")),
            where=f"{i.get('connector', '')} {i.get('cs_object_type', '')}, "
            f"precedence {i.get('precedence', '')}",
            how=f"{i.get('flow_type', '')}: {i.get('source', '')}",
            scope=str(i.get("scope", "")),
            disabled=not i.get("enabled", True),
            marked=_marked(i, causes),
        )
        for i in _list(chain, "inbound")
    ]


def _out_rows(chain: Json | None, causes: frozenset[tuple[str, str]]) -> list[FlowRow]:
    return [
        FlowRow(
            rank="→",
            rule=str(o.get("rule", "")),
            where=f"{o.get('connector', '')} {o.get('target_object_type', '')}."
            f"{o.get('target', '')}",
            how=f"{o.get('flow_type', '')}: {o.get('source', '')}",
            scope=str(o.get("scope", "")),
            disabled=not o.get("enabled", True),
            marked=_marked(o, causes),
        )
        for o in _list(chain, "outbound")
    ]


#: unchanged inbound contributions shown at the top of a chain, besides the winner
SHOWN_RANKS = 3


def _shown(rows: list[FlowRow], winner: str) -> tuple[list[FlowRow], int]:
    """The rows a reader needs to see the change: the changed ones, the first ranks and the
    winner. At 100 forests a chain holds hundreds of unchanged contributions; the page
    counts them (``driftcheck flows --attribute`` lists them all, the JSON holds them)."""
    kept = [
        r
        for n, r in enumerate(rows)
        if r.marked or n < SHOWN_RANKS or winner.startswith(f"{r.rule} wins")
    ]
    return kept, len(rows) - len(kept)


def _winner(chain: Json | None) -> str:
    winner = chain.get("winner") if chain else None
    if not isinstance(winner, Mapping):
        return "no enabled inbound contribution: nothing sets it"
    return f"{winner.get('rule', '')} wins for {winner.get('for', '')}"


def flow_views(
    flows: Sequence[ChainDiff], rule_anchor: Callable[[str, str], str]
) -> list[FlowView]:
    """``rule_anchor(connector, rule)`` gives the anchor of that rule's entry, or ""."""
    views = []
    for n, diff in enumerate(flows, start=1):
        causes = diff.causes
        p_in, p_hidden = _shown(_in_rows(diff.primary, causes), _winner(diff.primary))
        s_in, s_hidden = _shown(_in_rows(diff.staging, causes), _winner(diff.staging))
        p_out, p_out_hidden = _shown(_out_rows(diff.primary, causes), "")
        s_out, s_out_hidden = _shown(_out_rows(diff.staging, causes), "")
        views.append(
            FlowView(
                id=f"fl-{n}",
                label=f"{diff.object_type}.{diff.attribute}",
                attribute=diff.attribute,
                upgrade=diff.upgrade,
                changes=[
                    FlowChangeView(
                        c.kind.value,
                        c.detail,
                        [(rule, rule_anchor(connector, rule)) for connector, rule in c.rules],
                    )
                    for c in diff.changes
                ],
                primary_in=p_in,
                staging_in=s_in,
                primary_out=p_out,
                staging_out=s_out,
                primary_winner=_winner(diff.primary),
                staging_winner=_winner(diff.staging),
                primary_hidden=p_hidden + p_out_hidden,
                staging_hidden=s_hidden + s_out_hidden,
            )
        )
    return views
