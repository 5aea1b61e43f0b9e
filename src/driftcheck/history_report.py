"""A report and the drift history: record a run, then annotate the report with what is new.

:func:`track` is the one call ``compare --history`` and the nightly job make: it records the
report's findings in the history file (one transaction) and returns the report with

* ``history`` on every difference (and failed readiness check): ``status`` (new, open,
  reopened), ``first_seen`` (ISO 8601 time of the first run that saw it) and ``age_days``;
* ``resolved``: the findings of the previous run of the same pair that are gone;
* ``history_run``: the history file, the pair, this run's time and the counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftcheck.fingerprint import Tracked, from_check, from_difference
from driftcheck.history import (
    DEFAULT_KEEP_DAYS,
    NEW,
    OPEN,
    REOPENED,
    RESOLVED,
    RunInfo,
    RunResult,
    record_run,
)
from driftcheck.report import Report


def pair_key(primary_server: str, staging_server: str) -> str:
    """The pair of a primary-vs-staging comparison: ``fab-sync01|fab-sync02``."""
    return f"{primary_server.strip().casefold()}|{staging_server.strip().casefold()}"


def self_pair_key(server: str) -> str:
    """The pair of a server compared with its own previous export: ``self:fab-sync01``."""
    return f"self:{server.strip().casefold()}"


def _server_name(side: Mapping[str, Any]) -> str:
    return str(side.get("server") or Path(str(side.get("path") or "?")).name)


def report_pair(report: Report) -> str:
    return pair_key(_server_name(report["primary"]), _server_name(report["staging"]))


def run_info(report: Report, *, pair: str | None = None, at: datetime | None = None) -> RunInfo:
    """What the history records about the run that wrote ``report``."""
    primary, staging, summary = report["primary"], report["staging"], report["summary"]
    checks = report.get("checks") or []
    return RunInfo(
        pair=pair or report_pair(report),
        started=at or datetime.now(UTC),
        primary_server=str(primary.get("server") or ""),
        staging_server=str(staging.get("server") or ""),
        primary_export_date=str(primary.get("export_date") or ""),
        staging_export_date=str(staging.get("export_date") or ""),
        primary_version=str(primary.get("product_version") or ""),
        staging_version=str(staging.get("product_version") or ""),
        primary_path=str(primary.get("path") or ""),
        staging_path=str(staging.get("path") or ""),
        verdict=str(summary.get("verdict") or ""),
        fail_on=str(summary.get("fail_on") or ""),
        by_severity=dict(summary.get("by_severity") or {}),
        suppressed=int(summary.get("suppressed") or 0),
        checks_failed=sum(1 for c in checks if from_check(c) is not None),
    )


@dataclass(frozen=True)
class ReportItems:
    """A report's tracked items, aligned with its ``differences`` and ``checks`` lists
    (``None`` for a check that is not a finding)."""

    differences: list[Tracked]
    checks: list[Tracked | None]

    @classmethod
    def of(cls, report: Report) -> ReportItems:
        return cls(
            [from_difference(d) for d in report.get("differences", [])],
            [from_check(c) for c in report.get("checks") or []],
        )

    def tracked(self) -> list[Tracked]:
        return [*self.differences, *(c for c in self.checks if c is not None)]


def annotate(
    report: Report,
    result: RunResult,
    *,
    history_file: str = "",
    items: ReportItems | None = None,
) -> Report:
    """``report`` with each finding's history, the resolved findings and the run's counts.

    ``items`` (from :meth:`ReportItems.of`) saves fingerprinting the report again.
    """
    items = items or ReportItems.of(report)

    def with_state(entry: Mapping[str, Any], item: Tracked | None) -> dict[str, Any]:
        state = result.states.get(item.fingerprint) if item else None
        return {**entry, "history": state.as_json()} if state else dict(entry)

    annotated = dict(report)
    annotated["differences"] = [
        with_state(d, item)
        for d, item in zip(report.get("differences", []), items.differences, strict=True)
    ]
    if report.get("checks"):
        annotated["checks"] = [
            with_state(c, item) for c, item in zip(report["checks"], items.checks, strict=True)
        ]
    annotated["resolved"] = [f.as_json() for f in result.resolved]
    annotated["history_run"] = {
        "file": history_file,
        "pair": result.pair,
        "run": result.run_id,
        "started": result.started,
        "first_run": result.previous_run is None,
        "counts": result.counts(),
    }
    return annotated


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


# --- what the renderers show -----------------------------------------------------------------

STATUS_ORDER = (NEW, REOPENED, OPEN)


def status_of(entry: Mapping[str, Any]) -> str:
    history = entry.get("history")
    return str(history.get("status")) if isinstance(history, Mapping) else ""


def is_new(entry: Mapping[str, Any]) -> bool:
    """New or reopened since the previous run: what a nightly reader has not seen yet."""
    return status_of(entry) in (NEW, REOPENED)


def history_counts(report: Report) -> dict[str, int] | None:
    """new/reopened/open/resolved counts, or ``None`` when the run kept no history."""
    run = report.get("history_run")
    if not isinstance(run, Mapping):
        return None
    counts = {NEW: 0, REOPENED: 0, OPEN: 0}
    for entry in [*report.get("differences", []), *(report.get("checks") or [])]:
        status = status_of(entry)
        if status in counts:
            counts[status] += 1
    return {**counts, RESOLVED: len(report.get("resolved") or [])}


def new_first(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """New and reopened findings first, then the rest, each in their given order."""
    return sorted(entries, key=lambda e: 0 if is_new(e) else 1)
