"""Two servers' flow graphs compared attribute by attribute.

These are not differences of their own: one planted change in a rule can change the flow of
many attributes, and counting each would report one drift many times. They are the *impact*
of the configuration differences: every change names the rules (connector, rule name) that
cause it, so the report can attach it to the differences on those rules.

Precedence *numbers* are not compared, only the order they give: an upgrade or an added
forest renumbers out-of-box precedence on one server without changing what wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from driftcheck.flows.graph import Chain, FlowGraph, Inbound, Outbound
from driftcheck.flows.winner import Winner
from driftcheck.model.jsonread import JsonReader

Json = dict[str, object]
RuleRef = tuple[str, str]  # (connector, rule) as spelled


class FlowChangeKind(StrEnum):
    CONTRIBUTION_ADDED = "contribution-added"
    CONTRIBUTION_REMOVED = "contribution-removed"
    CONTRIBUTION_CHANGED = "contribution-changed"
    ORDER_CHANGED = "order-changed"
    WINNER_CHANGED = "winner-changed"
    OUTBOUND_ADDED = "outbound-added"
    OUTBOUND_REMOVED = "outbound-removed"
    OUTBOUND_CHANGED = "outbound-changed"


@dataclass(frozen=True)
class FlowChange:
    kind: FlowChangeKind
    detail: str
    rules: tuple[RuleRef, ...]

    def to_json(self) -> Json:
        return {
            "kind": self.kind.value,
            "detail": self.detail,
            "rules": [{"connector": c, "rule": r} for c, r in self.rules],
        }

    @staticmethod
    def from_json(r: JsonReader) -> FlowChange:
        return FlowChange(
            r.choice("kind", FlowChangeKind),
            r.text("detail"),
            tuple((x.text("connector"), x.text("rule")) for x in r.items("rules")),
        )


@dataclass(frozen=True)
class ChainDiff:
    """One metaverse attribute whose end-to-end flow differs between the two servers."""

    object_type: str
    attribute: str
    changes: tuple[FlowChange, ...]
    #: the chain as JSON on each server (None: the attribute has no flow there)
    primary: Json | None
    staging: Json | None
    #: set by the report: every cause is a product change of an upgrade
    upgrade: bool = False

    @property
    def causes(self) -> frozenset[tuple[str, str]]:
        """Every causing (connector, rule), case-folded, for matching differences."""
        return frozenset(
            (c.casefold(), r.casefold()) for change in self.changes for c, r in change.rules
        )

    @property
    def targets(self) -> tuple[tuple[str, str], ...]:
        """The (connector, attribute) pairs this attribute ends in, on either server."""
        found: dict[tuple[str, str], tuple[str, str]] = {}
        for side in (self.primary, self.staging):
            for out in _outbound_json(side):
                pair = (str(out["connector"]), str(out["target"]))
                found.setdefault((pair[0].casefold(), pair[1].casefold()), pair)
        return tuple(found.values())

    def to_json(self) -> Json:
        data: Json = {
            "object_type": self.object_type,
            "attribute": self.attribute,
            "change": [c.to_json() for c in self.changes],
            "primary": self.primary,
            "staging": self.staging,
        }
        if self.upgrade:
            data["upgrade"] = True
        return data

    @staticmethod
    def from_json(r: JsonReader) -> ChainDiff:
        return ChainDiff(
            r.text("object_type"),
            r.text("attribute"),
            tuple(FlowChange.from_json(c) for c in r.items("change")),
            r.optional_tree("primary"),
            r.optional_tree("staging"),
            r.boolean("upgrade") if r.present("upgrade") else False,
        )


def _outbound_json(chain: Json | None) -> list[dict[str, object]]:
    if not chain:
        return []
    outs = chain.get("outbound")
    return [o for o in outs if isinstance(o, dict)] if isinstance(outs, list) else []


def _ref(c: Inbound | Outbound) -> RuleRef:
    return (c.connector, c.rule)


#: (removed, added, changed) kinds and how a removed / added contribution is said
_INBOUND = (
    FlowChangeKind.CONTRIBUTION_REMOVED,
    FlowChangeKind.CONTRIBUTION_ADDED,
    FlowChangeKind.CONTRIBUTION_CHANGED,
)
_OUTBOUND = (
    FlowChangeKind.OUTBOUND_REMOVED,
    FlowChangeKind.OUTBOUND_ADDED,
    FlowChangeKind.OUTBOUND_CHANGED,
)


def _said(c: Inbound | Outbound, added: bool) -> str:
    if isinstance(c, Inbound):
        return f"{c.rule} ({c.connector}) " + ("writes it" if added else "no longer writes it")
    return (
        "now reaches" if added else "no longer reaches"
    ) + f" {c.connector} {c.target} ({c.rule})"


def _keyed_changes(
    p: Sequence[Inbound] | Sequence[Outbound],
    s: Sequence[Inbound] | Sequence[Outbound],
    kinds: tuple[FlowChangeKind, FlowChangeKind, FlowChangeKind],
) -> list[FlowChange]:
    """Contributions only on one side (removed, added) and changed in place, paired by key."""
    removed, added, changed = kinds
    pk = {c.key: c for c in p}
    sk = {c.key: c for c in s}
    changes = [
        FlowChange(removed, _said(c, False), (_ref(c),)) for k, c in pk.items() if k not in sk
    ]
    changes += [FlowChange(added, _said(c, True), (_ref(c),)) for k, c in sk.items() if k not in pk]
    changes += [
        FlowChange(changed, _what_changed(c, sk[k]), (_ref(c),))
        for k, c in pk.items()
        if k in sk and sk[k].signature != c.signature
    ]
    return changes


def _inbound_changes(p: Sequence[Inbound], s: Sequence[Inbound]) -> list[FlowChange]:
    changes = _keyed_changes(p, s, _INBOUND)
    pk, sk = {c.key: c for c in p}, {c.key: c for c in s}
    common_p = [c.key for c in p if c.key in sk]
    common_s = [c.key for c in s if c.key in pk]
    if common_p != common_s:
        moved = _moved(common_p, common_s)
        changes.append(
            FlowChange(
                FlowChangeKind.ORDER_CHANGED,
                "precedence order: "
                + " > ".join(pk[k].rule for k in common_p)
                + " becomes "
                + " > ".join(sk[k].rule for k in common_s),
                tuple(_ref(pk[k]) for k in moved),
            )
        )
    return changes


def _moved(
    a: list[tuple[str, str, str]], b: list[tuple[str, str, str]]
) -> list[tuple[str, str, str]]:
    """The keys outside the longest run-preserving match: the ones that moved."""
    kept: set[tuple[str, str, str]] = set()
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        kept.update(a[block.a : block.a + block.size])
    return [k for k in a if k not in kept]


def _what_changed(p: Inbound | Outbound, s: Inbound | Outbound) -> str:
    parts = []
    names: tuple[str, ...] = ("flow type", "source", "scope", "merge type", "apply once", "enabled")
    if isinstance(p, Outbound):
        names = ("flow type", "source", "scope", "merge type", "enabled")
    for name, old, new in zip(names, p.signature, s.signature, strict=True):
        if old != new:
            parts.append(f"{name}: {old!s} → {new!s}" if name != "source" else f"{name} changed")
    return f"{p.rule} ({p.connector}): " + "; ".join(parts)


def _outbound_changes(p: Sequence[Outbound], s: Sequence[Outbound]) -> list[FlowChange]:
    return _keyed_changes(p, s, _OUTBOUND)


def _winner_change(
    p: Chain | None, s: Chain | None, others: Sequence[FlowChange]
) -> list[FlowChange]:
    """The winner's change, caused by the chain's other changes where it has any (a rule
    added above the old winner takes over: the old winner did not change)."""
    pw = p.winner if p else None
    sw = s.winner if s else None
    if (pw.identity if pw else None) == (sw.identity if sw else None):
        return []
    rules = tuple(dict.fromkeys(r for c in others for r in c.rules)) or tuple(
        dict.fromkeys((w.connector, w.rule) for w in (pw, sw) if w is not None)
    )
    return [
        FlowChange(FlowChangeKind.WINNER_CHANGED, f"{_winner_said(pw)} → {_winner_said(sw)}", rules)
    ]


def _winner_said(winner: Winner | None) -> str:
    return "nothing" if winner is None else f"{winner.rule} ({winner.applies_to})"


def diff_chain(p: Chain | None, s: Chain | None) -> ChainDiff | None:
    """How one attribute's flow differs, or None where it flows the same."""
    changes = _inbound_changes(p.inbound if p else (), s.inbound if s else ())
    changes += _outbound_changes(p.outbound if p else (), s.outbound if s else ())
    changes += _winner_change(p, s, changes)
    if not changes:
        return None
    some = p or s
    assert some is not None
    return ChainDiff(
        some.object_type,
        some.attribute,
        tuple(changes),
        p.to_json() if p else None,
        s.to_json() if s else None,
    )


def compare_graphs(primary: FlowGraph, staging: FlowGraph) -> tuple[ChainDiff, ...]:
    """Every attribute whose flow differs, in (object type, attribute) order."""
    p = {c.key: c for c in primary.chains}
    s = {c.key: c for c in staging.chains}
    found = (diff_chain(p.get(k), s.get(k)) for k in sorted(p.keys() | s.keys()))
    return tuple(sorted((d for d in found if d is not None), key=_weight))


def _weight(diff: ChainDiff) -> tuple[int, int, str, str]:
    """Changed winners first, then changed inbound chains, then outbound-only changes."""
    kinds = {c.kind for c in diff.changes}
    inbound = not kinds <= {
        FlowChangeKind.OUTBOUND_ADDED,
        FlowChangeKind.OUTBOUND_REMOVED,
        FlowChangeKind.OUTBOUND_CHANGED,
    }
    return (
        FlowChangeKind.WINNER_CHANGED not in kinds,
        not inbound,
        diff.object_type.casefold(),
        diff.attribute.casefold(),
    )


def affected_by(diffs: Iterable[ChainDiff], connector: str, rule: str) -> list[ChainDiff]:
    """The attribute flows a difference on one rule changes."""
    key = (connector.casefold(), rule.casefold())
    return [d for d in diffs if key in d.causes]
