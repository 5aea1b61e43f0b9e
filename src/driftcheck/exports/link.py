"""Pending exports linked to configuration drift (``compare --pending``).

Each configuration difference flows into some (connector, attribute) pairs (the
attribute-flow graph says which). A pending change on such a pair is explained by that
difference; one on a pair no difference reaches is a data change, not drift. Pure: the pairs
come in, the explained result and each difference's pending changes go out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from driftcheck.exports.result import ExportsResult

Json = dict[str, object]


@dataclass(frozen=True)
class PendingRef:
    """Pending changes of one attribute on one connector, as a difference lists them."""

    connector: str
    attribute: str
    objects: int

    def to_json(self) -> Json:
        return {"connector": self.connector, "attribute": self.attribute, "objects": self.objects}


def _key(connector: str, attribute: str) -> tuple[str, str]:
    return connector.casefold(), attribute.casefold()


def link(
    result: ExportsResult, affects: Mapping[str, Iterable[tuple[str, str]]]
) -> tuple[dict[str, tuple[PendingRef, ...]], ExportsResult]:
    """For each difference (by its label) the pending changes on the pairs it affects, and
    the result with every attribute's ``explained_by`` set.

    ``affects`` maps a difference's label to the (connector, attribute) pairs it flows into;
    names compare case-insensitively (connector names come from two sources).
    """
    changed = {
        _key(c.name, a.name): (c.name, a.name, a.objects)
        for c in result.connectors
        for a in c.attributes
    }
    per_difference: dict[str, tuple[PendingRef, ...]] = {}
    explained: dict[tuple[str, str], list[str]] = {}
    for label, pairs in affects.items():
        refs: list[PendingRef] = []
        seen: set[tuple[str, str]] = set()
        for connector, attribute in pairs:
            key = _key(connector, attribute)
            if key in seen or key not in changed:
                continue
            seen.add(key)
            name, attr, objects = changed[key]
            refs.append(PendingRef(name, attr, objects))
            explained.setdefault(key, []).append(label)
        per_difference[label] = tuple(
            sorted(refs, key=lambda r: (-r.objects, r.connector, r.attribute))
        )
    by_exact = {
        (c.name, a.name.casefold()): tuple(explained.get(_key(c.name, a.name), ()))
        for c in result.connectors
        for a in c.attributes
    }
    return per_difference, result.explain(by_exact)


def unexplained(result: ExportsResult) -> list[tuple[str, str, int]]:
    """(connector, attribute, objects) that no difference explains: data changes."""
    return [
        (c.name, a.name, a.objects)
        for c in result.connectors
        for a in c.attributes
        if not a.explained_by
    ]
