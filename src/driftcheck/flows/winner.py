"""Which inbound contribution sets a metaverse attribute, stated no stronger than the
configuration allows.

The sync engine's rule (Microsoft's "declarative provisioning" article): among the rules
whose scope holds for an object, the one with the highest precedence (the lowest number)
sets the attribute. So the highest-precedence enabled contribution *without* a scoping filter
wins for every object it reaches; scoped contributions above it win only for the objects in
their scope. When an object leaves a rule's scope, the values that rule contributed are
recalled and the next contribution in rank takes over; when none is left, the attribute is
cleared. A disabled rule never wins. Merge types that merge values (``Merge``,
``MergeCaseInsensitive``) combine the contributions instead of choosing one: said so.
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
    #: "all objects", "all objects outside the scope of …" or "objects in scope of …"
    applies_to: str

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes two winners the same: the rule, and for which objects (in kind: the
        scope's text is the contribution's, compared there)."""
        kind = self.applies_to.split(" ", 3)[:3]
        return (self.connector.casefold(), self.rule.casefold(), " ".join(kind).casefold())

    def to_json(self) -> Json:
        return {"rule": self.rule, "connector": self.connector, "for": self.applies_to}


def _enabled(ranked: Sequence[Inbound]) -> list[Inbound]:
    return [c for c in ranked if c.enabled]


def winner_of(ranked: Sequence[Inbound]) -> Winner | None:
    """The contribution that sets the attribute for most objects, and for which."""
    enabled = _enabled(ranked)
    if not enabled:
        return None
    if all(c.merge_type.casefold() in _MERGING for c in enabled):
        first = enabled[0]
        return Winner(first.rule, first.connector, "values merged from every contribution in scope")
    above: list[Inbound] = []
    for c in enabled:
        if not c.scoped:
            if not above:
                return Winner(c.rule, c.connector, "all objects")
            names = ", ".join(repr(a.rule) for a in above)
            return Winner(c.rule, c.connector, f"all objects outside the scope of {names}")
        above.append(c)
    first = enabled[0]
    return Winner(first.rule, first.connector, f"objects in scope of {first.rule!r}")


def recall_order(ranked: Sequence[Inbound]) -> tuple[str, ...]:
    """One line per enabled contribution, in rank order, saying when it sets the value."""
    lines: list[str] = []
    for c in ranked:
        if not c.enabled:
            lines.append(f"{c.rule} (disabled): never contributes")
            continue
        if c.scoped:
            lines.append(f"{c.rule}: objects in scope ({c.scope}); on leaving it, the next takes over")
        else:
            lines.append(f"{c.rule}: every object it reaches (no scoping filter)")
    if ranked and any(c.enabled for c in ranked):
        if all(c.scoped for c in ranked if c.enabled):
            lines.append("no contribution without a scoping filter: out of every scope, the value is cleared")
    return tuple(lines)
