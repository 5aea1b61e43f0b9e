"""A report and the drift history: record a run, then annotate the report with what is new.

:func:`track` is the one call ``compare --history`` and the nightly job make: it records the
report's findings in the history file (one transaction) and returns the report with

* ``history`` on every difference: ``status`` (new, open, reopened), ``first_seen`` (ISO 8601
  time of the first run that saw it) and ``age_days``;
* ``resolved``: the findings of the previous run of the same pair that are gone;
* ``history_run``: the history file, the pair, this run's time and the counts.

Failed readiness checks (a report's ``checks``, when it has them) are recorded the same way;
their states are in the returned :class:`~driftcheck.history.store.RunResult` (``check_states``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftcheck.history.fingerprint import Tracked, from_check, from_difference
from driftcheck.history.records import FindingState, RunInfo, RunResult, StoredFinding
from driftcheck.history.store import DEFAULT_KEEP_DAYS, record_run
from driftcheck.model.vocab import FindingStatus, Severity
from driftcheck.report.findings import severity_counts
from driftcheck.report.history import FindingHistory, HistoryRun, ResolvedFinding
from driftcheck.report.types import Finding, Report, ServerInfo


def pair_key(primary_server: str, staging_server: str) -> str:
    """The pair of a primary-vs-staging comparison: ``fab-sync01|fab-sync02``."""
    return f"{primary_server.strip().casefold()}|{staging_server.strip().casefold()}"


def self_pair_key(server: str) -> str:
    """The pair of a server compared with its own previous export: ``self:fab-sync01``."""
    return f"self:{server.strip().casefold()}"


def _server_name(side: ServerInfo) -> str:
    return side.server or Path(side.path or "?").name


def report_pair(report: Report) -> str:
    return pair_key(_server_name(report.primary), _server_name(report.staging))


def report_checks(report: Report) -> list[Mapping[str, Any]]:
    """The report's readiness check results as JSON entries (none with ``--checks off``)."""
    if report.checks is None:
        return []
    return [result.to_json() for result in report.checks.results]


@dataclass(frozen=True)
class ReportItems:
    """A report's tracked items, aligned with its ``differences`` and its checks
    (``None`` for a check that is not a finding)."""

    differences: list[Tracked]
    checks: list[Tracked | None]

    @classmethod
    def of(cls, report: Report) -> ReportItems:
        return cls(
            [from_difference(d) for d in report.differences],
            [from_check(c) for c in report_checks(report)],
        )

    def tracked(self) -> list[Tracked]:
        return [*self.differences, *(c for c in self.checks if c is not None)]


def run_info(report: Report, *, pair: str | None = None, at: datetime | None = None) -> RunInfo:
    """What the history records about the run that wrote ``report``."""
    primary, staging, summary = report.primary, report.staging, report.summary
    return RunInfo(
        pair=pair or report_pair(report),
        started=at or datetime.now(UTC),
        primary_server=primary.server,
        staging_server=staging.server,
        primary_export_date=primary.export_date,
        staging_export_date=staging.export_date,
        primary_version=primary.product_version,
        staging_version=staging.product_version,
        primary_path=primary.path,
        staging_path=staging.path,
        verdict=summary.verdict,
        fail_on=summary.fail_on,
        # as the views count them: one change once (driftcheck.report.findings)
        by_severity={level.value: n for level, n in severity_counts(report.differences).items()},
        suppressed=summary.suppressed,
        checks_failed=sum(1 for c in report_checks(report) if from_check(c) is not None),
    )


def finding_history(state: FindingState) -> FindingHistory:
    return FindingHistory(FindingStatus(state.status), state.first_seen, state.age_days)


def resolved_finding(stored: StoredFinding) -> ResolvedFinding:
    f = stored.finding
    try:
        severity = Severity(f.severity)
    except ValueError:
        severity = Severity.WARNING
    return ResolvedFinding(
        kind=f.kind,
        section=f.section,
        object=f.object,
        connector=f.connector or None,
        path=f.path,
        change=f.change,
        primary=f.primary,
        staging=f.staging,
        severity=severity,
        first_seen=stored.first_seen,
        last_seen=stored.last_seen,
        fingerprint=stored.fingerprint,
    )


def annotate(
    report: Report,
    result: RunResult,
    *,
    history_file: str = "",
    items: ReportItems | None = None,
) -> Report:
    """``report`` with each difference's history, the resolved findings and the run's place.

    ``items`` (from :meth:`ReportItems.of`) saves fingerprinting the report again.
    """
    items = items or ReportItems.of(report)

    def with_history(d: Finding, item: Tracked) -> Finding:
        state = result.states.get(item.fingerprint)
        return dataclasses.replace(d, history=finding_history(state)) if state else d

    return dataclasses.replace(
        report,
        differences=tuple(
            with_history(d, item)
            for d, item in zip(report.differences, items.differences, strict=True)
        ),
        resolved=tuple(resolved_finding(f) for f in result.resolved),
        history_run=HistoryRun(
            file=history_file,
            pair=result.pair,
            run=result.run_id,
            started=result.started,
            first_run=result.previous_run is None,
            counts=result.counts(),
        ),
    )


def check_states(report: Report, result: RunResult) -> list[FindingHistory | None]:
    """Each of the report's checks' history (``None`` for a check that is not a finding),
    for the readiness section to show beside its checks."""
    states = []
    for item in ReportItems.of(report).checks:
        state = result.states.get(item.fingerprint) if item else None
        states.append(finding_history(state) if state else None)
    return states


def track(
    report: Report,
    history_file: Path,
    *,
    pair: str | None = None,
    at: datetime | None = None,
    keep_days: int = DEFAULT_KEEP_DAYS,
) -> tuple[Report, RunResult]:
    """Record ``report``'s run in ``history_file`` and return the annotated report."""
    items = ReportItems.of(report)
    result = record_run(
        history_file, run_info(report, pair=pair, at=at), items.tracked(), keep_days=keep_days
    )
    return annotate(report, result, history_file=str(history_file), items=items), result


# --- what the renderers ask ---------------------------------------------------------------------


def is_new(d: Finding) -> bool:
    """New or reopened since the previous run: what a nightly reader has not seen yet."""
    return d.history is not None and d.history.is_new


def history_counts(report: Report) -> dict[str, int] | None:
    """This run's new/open/reopened/resolved counts (checks included), or ``None`` when it
    kept no history."""
    if report.history_run is None:
        return None
    return {s.value: report.history_run.counts.get(s.value, 0) for s in FindingStatus}


def new_first(differences: Sequence[Finding]) -> list[Finding]:
    """New and reopened differences first, then the rest, each in their given order."""
    return sorted(differences, key=lambda d: 0 if is_new(d) else 1)
