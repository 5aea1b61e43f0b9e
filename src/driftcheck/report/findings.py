"""How the human views (text and HTML) count a report's differences: one change, one entry.

The comparison reports what differs field by field, and the JSON report keeps that detail. Two
patterns would make one edit look like several to a reader:

* an attribute flow's ``inputs`` are derived from its expression: when the expression is
  reported as modified (at least as severe), its inputs removed/added say nothing more (the
  side-by-side view still shows them);
* a scoping group is compared as a whole: changing one condition reports the old group removed
  and the new one added. When a removed and an added group of the same rule differ in exactly
  one condition, they are shown as one modified group.

:func:`for_reading` applies both and says how many findings it folded, so nothing is dropped
without a count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from driftcheck.model.vocab import SEVERITY_ORDER, ChangeKind, Severity
from driftcheck.report.types import Finding

#: Conditions of a scoping group as the comparison writes it: "a EQUAL 'x' AND b ...".
CONDITION_JOIN = " AND "


@dataclasses.dataclass(frozen=True)
class Reading:
    """The findings as the text and HTML views list them."""

    findings: tuple[Finding, ...]
    #: findings shown as part of another entry (inputs of a changed expression, the removed
    #: half of a modified scoping group)
    folded: int


def _object_key(d: Finding) -> tuple[str, str, str]:
    return (d.section, (d.connector or "").casefold(), d.object.casefold())


def _flow_of(path: str, leaf: str) -> str | None:
    """``attribute-flows/X`` of a path ``attribute-flows/X/<leaf>``, else None."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "attribute-flows" and parts[2] == leaf:
        return f"{parts[0]}/{parts[1]}"
    return None


def one_condition_apart(old: object, new: object) -> bool:
    """Two scoping groups with the same number of conditions, exactly one of them different."""
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    a, b = old.split(CONDITION_JOIN), new.split(CONDITION_JOIN)
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def for_reading(differences: Sequence[Finding]) -> Reading:
    """The differences with derived and split entries folded into the change that explains
    them; order otherwise kept."""
    # flow -> the severity of its expression's change: inputs at most as severe are folded
    changed_expressions = {
        (_object_key(d), flow): d.severity.rank
        for d in differences
        if d.change == ChangeKind.MODIFIED and (flow := _flow_of(d.path, "expression"))
    }
    out: list[Finding] = []
    folded = 0
    open_removals: dict[tuple[tuple[str, str, str], str], list[int]] = {}
    for d in differences:
        flow = _flow_of(d.path, "inputs")
        if flow and changed_expressions.get((_object_key(d), flow), -1) >= d.severity.rank:
            folded += 1
            continue
        key = (_object_key(d), d.path)
        if d.path == "scoping-groups" and d.change == ChangeKind.ADDED:
            partner = next(
                (
                    n
                    for n in open_removals.get(key, [])
                    if one_condition_apart(out[n].primary, d.staging)
                ),
                None,
            )
            if partner is not None:
                old = out[partner]
                open_removals[key].remove(partner)
                out[partner] = dataclasses.replace(
                    old,
                    change=ChangeKind.MODIFIED,
                    staging=d.staging,
                    severity=max(old.severity, d.severity, key=lambda s: s.rank),
                )
                folded += 1
                continue
        if d.path == "scoping-groups" and d.change == ChangeKind.REMOVED:
            open_removals.setdefault(key, []).append(len(out))
        out.append(d)
    return Reading(tuple(out), folded)


def folded_phrase(folded: int) -> str:
    """What the views say about the findings they folded into another entry."""
    entries = "entry" if folded == 1 else "entries"
    return (
        f"{folded} related {entries} shown with the change that explains them: a flow's inputs "
        "with its expression, a scoping group's old and new condition as one change"
    )


def severity_counts(differences: Sequence[Finding]) -> dict[Severity, int]:
    """Differences per severity, as the views list them (most severe first)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for d in for_reading(differences).findings:
        counts[d.severity] += 1
    return counts
