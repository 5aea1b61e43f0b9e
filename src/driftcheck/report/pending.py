"""A report with the staging server's pending exports (``compare --pending``).

Each difference gets the pending changes on the attributes it flows into; the report gets
the pending-exports result with each attribute's ``explained_by``; the verdict counts the
pending-exports findings at or above ``--fail-on``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from driftcheck.exports.link import link
from driftcheck.exports.result import ExportsResult
from driftcheck.report.types import Finding, Report

#: (connector, attribute) pairs a difference flows into.
Affects = Callable[[Finding], Iterable[tuple[str, str]]]


def difference_label(finding: Finding) -> str:
    """How a difference is named in ``explained_by``: section, object and path."""
    where = f": {finding.path}" if finding.path else ""
    return f"{finding.section} {finding.object}{where}"


def attach_pending(report: Report, pending: ExportsResult, affects: Affects) -> Report:
    """``report`` with ``pending`` linked to its differences (see the module docstring)."""
    labels = [difference_label(d) for d in report.differences]
    pairs: dict[str, list[tuple[str, str]]] = {}
    for label, difference in zip(labels, report.differences, strict=True):
        pairs.setdefault(label, []).extend(affects(difference))
    per_difference, explained = link(pending, pairs)
    differences = tuple(
        replace(d, pending=per_difference.get(label, ()))
        for label, d in zip(labels, report.differences, strict=True)
    )
    fail_on = report.summary.fail_on
    failing = sum(1 for f in explained.findings if f.severity.at_least(fail_on))
    summary = replace(
        report.summary,
        pending_failing=failing,
        verdict="drift" if report.summary.failing or failing else "consistent",
    )
    return replace(report, differences=differences, pending=explained, summary=summary)
