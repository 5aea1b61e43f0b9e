"""The report's "Pending exports" section (``compare --pending``): view data for
``templates/_pending.html.j2``. What each difference explains, the findings, and the pending
changes no difference explains (data changes, not drift). Summaries only: the per-object
detail is the CSV of ``driftcheck exports``."""

from __future__ import annotations

from dataclasses import dataclass

from driftcheck.exports.result import PendingFinding
from driftcheck.report.pending import difference_label
from driftcheck.report.types import Report

#: Rows shown per table; the JSON report has them all.
ROWS = 100


@dataclass(frozen=True)
class PendingRow:
    connector: str
    attribute: str
    objects: str
    kinds: str
    top: str
    explained_by: tuple[str, ...]


@dataclass(frozen=True)
class PendingView:
    totals: tuple[tuple[str, str], ...]
    findings: tuple[PendingFinding, ...]
    explained: tuple[PendingRow, ...]
    unexplained: tuple[PendingRow, ...]
    hidden: int
    differences_with_pending: int


def pending_view(report: Report) -> PendingView | None:
    pending = report.pending
    if pending is None:
        return None
    explained: list[PendingRow] = []
    unexplained: list[PendingRow] = []
    for connector in pending.connectors:
        for a in connector.attributes:
            top = (a.patterns or a.transitions or (None,))[0]
            kinds = ", ".join(f"{n:,} {k}" for k, n in a.kinds.items() if n)
            row = PendingRow(
                connector=connector.name,
                attribute=a.name,
                objects=f"{a.objects:,}",
                kinds=kinds,
                top=f"{top.old or '(empty)'} → {top.new or '(empty)'} ({top.objects:,})"
                if top is not None
                else "",
                explained_by=a.explained_by,
            )
            (explained if a.explained_by else unexplained).append(row)
    c = pending.summary.counts
    shown = len(explained[:ROWS]) + len(unexplained[:ROWS])
    return PendingView(
        totals=(
            ("objects", f"{pending.summary.objects:,}"),
            ("adds", f"{c.adds:,}"),
            ("updates", f"{c.updates:,}"),
            ("deletes", f"{c.deletes:,}"),
            ("delete-adds", f"{c.delete_adds:,}"),
        ),
        findings=pending.findings,
        explained=tuple(explained[:ROWS]),
        unexplained=tuple(unexplained[:ROWS]),
        hidden=len(explained) + len(unexplained) - shown,
        differences_with_pending=len(
            {difference_label(d) for d in report.differences if d.pending}
        ),
    )
