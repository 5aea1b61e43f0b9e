"""What a report with history shows: counts, the new findings first, the resolved ones.

Text lines for :func:`driftcheck.render.text.render_text` and view data for the HTML partial
``templates/_history.html.j2``. Both read only the report, so a saved JSON report renders
the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from driftcheck.history.tracking import history_counts, is_new
from driftcheck.model.vocab import FindingStatus, section_title
from driftcheck.report.history import ResolvedFinding
from driftcheck.report.types import Finding, Report

DifferenceLines = Callable[[Finding], list[str]]
READINESS_TITLE = "Readiness checks"


def _day(iso_time: str) -> str:
    return iso_time[:10]


def counts_line(report: Report) -> str | None:
    counts = history_counts(report)
    run = report.history_run
    if counts is None or run is None:
        return None
    where = f"History {run.file} ({run.pair})" if run.file else f"History ({run.pair})"
    if run.first_run:
        total = counts[FindingStatus.NEW]
        return f"{where}: first run recorded, {total} finding{'' if total == 1 else 's'}"
    return (
        f"{where}: {counts['new']} new, {counts['reopened']} reopened, {counts['open']} open, "
        f"{counts['resolved']} resolved since the previous run"
    )


def resolved_where(r: ResolvedFinding) -> str:
    section = READINESS_TITLE if r.kind == "check" else section_title(r.section)
    obj = r.object + (f" [{r.connector}]" if r.connector and r.connector != r.object else "")
    return f"{section}: {obj} {r.path or '(whole object)'}: {r.change}"


def history_lines(report: Report, difference_lines: DifferenceLines, *, top: int = 15) -> list[str]:
    """The history block of the text summary (empty without history)."""
    line = counts_line(report)
    if line is None or report.history_run is None:
        return []
    lines = ["", line]
    fresh = [d for d in report.differences if is_new(d)]
    if fresh and not report.history_run.first_run:
        lines.append(f"New since the previous run ({min(top, len(fresh))} of {len(fresh)}):")
        for d in fresh[:top]:
            first, *rest = difference_lines(d)
            status = d.history.status.upper() if d.history else ""
            lines += [f"{first}  [{status}]", *rest]
    if report.resolved:
        lines.append(f"Resolved since the previous run ({len(report.resolved)}):")
        for r in report.resolved[:top]:
            lines.append(
                f"  {r.severity.upper():8} {resolved_where(r)} (first seen {_day(r.first_seen)})"
            )
        if len(report.resolved) > top:
            lines.append(f"  … {len(report.resolved) - top} more: see the JSON or HTML report")
    return lines


# --- HTML --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedRow:
    severity: str
    where: str
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class HistoryView:
    """The report's "Since the previous run" section."""

    file: str
    pair: str
    started: str
    first_run: bool
    counts: dict[str, int]
    resolved: list[ResolvedRow]


@dataclass(frozen=True)
class RowHistory:
    """How a row of the differences table is marked."""

    new: bool = False
    status: str = ""
    first_seen: str = ""
    age_days: int | None = None


NO_HISTORY = RowHistory()


def history_view(report: Report) -> HistoryView | None:
    """View data for ``_history.html.j2``; ``None`` when the report kept no history."""
    counts = history_counts(report)
    run = report.history_run
    if counts is None or run is None:
        return None
    return HistoryView(
        file=run.file,
        pair=run.pair,
        started=run.started,
        first_run=run.first_run,
        counts=counts,
        resolved=[
            ResolvedRow(r.severity, resolved_where(r), _day(r.first_seen), _day(r.last_seen))
            for r in report.resolved
        ],
    )


def row_history(members: Sequence[Finding]) -> RowHistory:
    """A row (one or more objects with the same change) is new when any of its differences
    is new or reopened; it shows the oldest first sighting and the greatest age."""
    states = [m.history for m in members if m.history is not None]
    if not states:
        return NO_HISTORY
    fresh = [s for s in states if s.is_new]
    return RowHistory(
        new=bool(fresh),
        status=(fresh or states)[0].status.value,
        first_seen=_day(min(s.first_seen for s in states)),
        age_days=max(s.age_days for s in states),
    )
