"""Which inbound contribution sets a metaverse attribute, stated no stronger than the
configuration allows.

The sync engine's rule (Microsoft's "declarative provisioning" article): among the rules
whose scope holds for an object, the one with the highest precedence (the lowest number)
sets the attribute. A rule only reaches the metaverse objects joined to its source: objects
of its connector-space object type on its connector (its *source*). So the
highest-precedence enabled contribution without a scoping filter wins for every object from
its source that no scoped contribution above it takes; an unscoped contribution below another
one from the same source never wins. When an object leaves a rule's scope, the values that
rule contributed are recalled and the next contribution in rank that reaches it takes over;
when none is left, the attribute is cleared. A disabled rule never wins. The merge types that
merge values (``Merge``, ``MergeCaseInsensitive``) combine contributions instead: said so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from driftcheck.flows.graph import Inbound

Json = dict[str, object]

_MERGING = {"merge", "mergecaseinsensitive"}


@dataclass(frozen=True)
class Winner:
    rule: str
    connector: str
    #: "all objects from …", "… except where … applies first", "objects in scope of …"
    applies_to: str
    #: all | except | scoped | merged: what kind of claim ``applies_to`` makes
    kind: str

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes two winners the same: the rule and the kind of claim (the scope's text
        belongs to the contribution and is compared there)."""
        return (self.connector.casefold(), self.rule.casefold(), self.kind)

    def to_json(self) -> Json:
        return {"rule": self.rule, "connector": self.connector, "for": self.applies_to}


def _source(c: Inbound) -> str:
    return f"{c.connector} {c.cs_object_type}"


def _merging(enabled: Sequence[Inbound]) -> bool:
    return bool(enabled) and all(c.merge_type.casefold() in _MERGING for c in enabled)


def winner_of(ranked: Sequence[Inbound]) -> Winner | None:
    """The contribution that sets the attribute for the most objects it can say, and which."""
    enabled = [c for c in ranked if c.enabled]
    if not enabled:
        return None
    first = enabled[0]
    if _merging(enabled):
        return Winner(
            first.rule, first.connector, "values merged from every contribution in scope", "merged"
        )
    for n, c in enumerate(enabled):
        if c.scoped:
            continue
        above = enabled[:n]
        claim = f"all objects from {_source(c)}"
        if not above:
            return Winner(c.rule, c.connector, claim, "all")
        names = ", ".join(repr(a.rule) for a in above)
        return Winner(c.rule, c.connector, f"{claim}, except where {names} applies first", "except")
    return Winner(first.rule, first.connector, f"objects in scope of {first.rule!r}", "scoped")


def recall_order(ranked: Sequence[Inbound]) -> tuple[str, ...]:
    """One line per contribution, in rank order, saying when it sets the value, then what
    happens to objects outside every scope."""
    enabled = [c for c in ranked if c.enabled]
    merging = _merging(enabled)
    unscoped_by_source: dict[str, str] = {}
    lines: list[str] = []
    for c in ranked:
        source = _source(c)
        if not c.enabled:
            lines.append(f"{c.rule} (disabled): never contributes")
        elif not merging and source in unscoped_by_source:
            lines.append(
                f"{c.rule}: never wins for objects from {source}: "
                f"{unscoped_by_source[source]} (no scoping filter, higher precedence) always does"
            )
        elif c.scoped:
            lines.append(
                f"{c.rule}: objects from {source} in its scope ({c.scope}); on leaving the "
                "scope, the next rule in this list that reaches the object takes over"
            )
        else:
            unscoped_by_source.setdefault(source, c.rule)
            lines.append(
                f"{c.rule}: every object from {source} not taken above (no scoping filter)"
            )
    sources = dict.fromkeys(_source(c) for c in enabled)
    bare = [s for s in sources if s not in unscoped_by_source]
    if bare:
        lines.append(
            "objects from "
            + ", ".join(bare)
            + " outside every scope above: nothing sets the value (it is cleared)"
        )
    return tuple(lines)
