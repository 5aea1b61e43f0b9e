"""Phrases about a report shared by every output (text summary, HTML banner, mails): the
one-line verdict and the counts per severity."""

from __future__ import annotations

from driftcheck.checks.readiness import verdict_notes
from driftcheck.model.vocab import SEVERITY_ORDER
from driftcheck.report.findings import severity_counts as listed_counts
from driftcheck.report.types import Report


def severity_counts(report: Report) -> str:
    """``16 blocking, 4 warning, 2 info``: most severe first, one change counted once
    (:mod:`driftcheck.report.findings`; the JSON report's summary keeps every finding)."""
    counts = listed_counts(report.differences)
    return ", ".join(f"{counts.get(level, 0)} {level}" for level in SEVERITY_ORDER)


def suppressed_phrase(report: Report) -> str:
    return f"{report.summary.suppressed} expected differences suppressed"


def verdict_line(report: Report) -> str:
    """The verdict on one line, as ``compare --quiet`` prints it."""
    s = report.summary
    found, hidden = severity_counts(report), suppressed_phrase(report)
    if s.consistent:
        line = f"CONSISTENT: no difference at or above {s.fail_on} ({found}; {hidden})"
    else:
        line = f"DRIFT: {found} ({hidden})"
    notes = verdict_notes(report.checks, report.upgrade)
    if report.pending is not None:
        notes = f"{notes}; {pending_phrase(report)}" if notes else pending_phrase(report)
    return f"{line} — {notes}" if notes else line


def pending_phrase(report: Report) -> str:
    """``pending exports: 1 blocking, 0 warning, 2 info (1,203 objects would change)``."""
    pending = report.pending
    if pending is None:
        return ""
    s = pending.summary
    counts = ", ".join(f"{s.findings.get(lv.value, 0)} {lv.value}" for lv in SEVERITY_ORDER)
    return f"pending exports: {counts} ({s.objects:,} objects would change)"
