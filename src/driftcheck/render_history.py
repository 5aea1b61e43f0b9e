"""What a report with history shows: counts, the new findings first, the resolved ones.

Text lines for :func:`driftcheck.render_text.render_text` and view data for the HTML partial
``templates/_history.html.j2``. Both read only the report document, so a saved JSON report
renders the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from driftcheck.history_report import history_counts, is_new, status_of
from driftcheck.report import Report

SECTION_TITLES = {
    "global-settings": "Global settings",
    "metaverse": "Metaverse",
    "connector": "Connectors",
    "sync-rule": "Sync rules",
    "policy": "Policy file",
    "readiness": "Readiness checks",
}
DifferenceLines = Callable[[dict[str, Any]], list[str]]


def _day(iso_time: Any) -> str:
    return str(iso_time or "")[:10]


def counts_line(report: Report) -> str | None:
    counts = history_counts(report)
    if counts is None:
        return None
    run = report["history_run"]
    where = f"History {run.get('file') or ''} ({run.get('pair')})".replace("  ", " ")
    if run.get("first_run"):
        total = counts["new"]
        return f"{where}: first run recorded, {total} finding{'' if total == 1 else 's'}"
    return (
        f"{where}: {counts['new']} new, {counts['reopened']} reopened, {counts['open']} open, "
        f"{counts['resolved']} resolved since the previous run"
    )


def _where(entry: Mapping[str, Any]) -> str:
    section = SECTION_TITLES.get(str(entry.get("section")), str(entry.get("section")))
    obj, connector = str(entry.get("object") or ""), entry.get("connector")
    if connector and connector != obj:
        obj += f" [{connector}]"
    path = entry.get("path") or "(whole object)"
    return f"{section}: {obj} {path}: {entry.get('change')}"


def history_lines(report: Report, difference_lines: DifferenceLines, *, top: int = 15) -> list[str]:
    """The history block of the text summary (empty without history)."""
    line = counts_line(report)
    if line is None:
        return []
    lines = ["", line]
    fresh = [d for d in report.get("differences", []) if is_new(d)]
    if fresh and not report["history_run"].get("first_run"):
        lines.append(f"New since the previous run ({min(top, len(fresh))} of {len(fresh)}):")
        for d in fresh[:top]:
            first, *rest = difference_lines(d)
            lines += [f"{first}  [{status_of(d).upper()}]", *rest]
    resolved = report.get("resolved") or []
    if resolved:
        lines.append(f"Resolved since the previous run ({len(resolved)}):")
        for r in resolved[:top]:
            lines.append(
                f"  {str(r.get('severity')).upper():8} {_where(r)} "
                f"(first seen {_day(r.get('first_seen'))})"
            )
        if len(resolved) > top:
            lines.append(f"  … {len(resolved) - top} more: see the JSON or HTML report")
    return lines


# --- HTML --------------------------------------------------------------------------------------


def history_view(report: Report) -> dict[str, Any] | None:
    """View data for ``_history.html.j2``; ``None`` when the report kept no history."""
    counts = history_counts(report)
    if counts is None:
        return None
    run = report["history_run"]
    resolved = [
        {
            "severity": str(r.get("severity") or "info"),
            "where": _where(r),
            "first_seen": _day(r.get("first_seen")),
            "last_seen": _day(r.get("last_seen")),
        }
        for r in report.get("resolved") or []
    ]
    return {
        "file": str(run.get("file") or ""),
        "pair": str(run.get("pair") or ""),
        "started": str(run.get("started") or ""),
        "first_run": bool(run.get("first_run")),
        "counts": counts,
        "resolved": resolved,
    }


def row_history(members: list[Mapping[str, Any]]) -> dict[str, Any]:
    """How a row of the differences table is marked: new when any of its differences is
    new or reopened; the oldest first sighting and the greatest age among them."""
    states = [m.get("history") for m in members if isinstance(m.get("history"), Mapping)]
    if not states:
        return {"new": False, "status": "", "first_seen": "", "age_days": None}
    fresh = [m for m in members if is_new(m)]
    status = status_of(fresh[0]) if fresh else status_of(members[0])
    return {
        "new": bool(fresh),
        "status": status,
        "first_seen": _day(min(str(s.get("first_seen") or "") for s in states if s)),
        "age_days": max(int(s.get("age_days") or 0) for s in states if s),
    }
