"""What the drift history holds, typed: runs, findings with their status, pending-export runs.

Each record writes its own JSON (the `history` command's document); times are ISO 8601 in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from driftcheck.history.fingerprint import Tracked
from driftcheck.model.vocab import Severity

#: A finding's status in the history.
NEW, OPEN, REOPENED, RESOLVED = "new", "open", "reopened", "resolved"


def iso(moment: datetime) -> str:
    """A UTC time as ISO 8601 to the second, ``2026-12-02T05:50:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def age_days(first_seen: str, now: datetime) -> int:
    """Whole days since ``first_seen`` (never negative)."""
    return max(0, (now - parse_iso(first_seen)).days)


@dataclass(frozen=True)
class RunInfo:
    """What a run records about itself."""

    pair: str
    started: datetime
    primary_server: str = ""
    staging_server: str = ""
    primary_export_date: str = ""
    staging_export_date: str = ""
    primary_version: str = ""
    staging_version: str = ""
    primary_path: str = ""
    staging_path: str = ""
    verdict: str = "consistent"
    fail_on: str = Severity.WARNING
    by_severity: Mapping[str, int] = field(default_factory=dict)
    suppressed: int = 0
    checks_failed: int = 0


@dataclass(frozen=True)
class FindingState:
    """A finding's history as of one run: what the report shows beside it."""

    status: str
    first_seen: str
    age_days: int

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "first_seen": self.first_seen, "age_days": self.age_days}


@dataclass(frozen=True)
class StoredFinding:
    """A finding as the history holds it: the :class:`Tracked` item a run saw, under the
    fingerprint it was recorded with, and its history (status, first and last seen)."""

    finding: Tracked
    #: The key it is stored under (its :attr:`Tracked.fingerprint` when this version wrote it).
    fingerprint: str
    status: str
    first_seen: str
    last_seen: str
    resolved_at: str | None
    times_seen: int
    pair: str = ""

    def as_json(self, now: datetime | None = None) -> dict[str, Any]:
        f = self.finding
        entry: dict[str, Any] = {
            "kind": f.kind,
            "section": f.section,
            "object": f.object,
            "connector": f.connector or None,
            "path": f.path,
            "change": f.change,
            "primary": f.primary,
            "staging": f.staging,
            "severity": f.severity,
            "status": self.status,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "fingerprint": self.fingerprint,
        }
        if self.resolved_at:
            entry["resolved_at"] = self.resolved_at
        if now is not None:
            entry["age_days"] = age_days(self.first_seen, now)
        return entry


@dataclass(frozen=True)
class RunRecord:
    """A run as the history holds it."""

    id: int
    pair: str
    started: str
    primary_server: str
    staging_server: str
    primary_export_date: str
    staging_export_date: str
    primary_version: str
    staging_version: str
    verdict: str
    fail_on: str
    blocking: int
    warning: int
    info: int
    suppressed: int
    checks_failed: int
    new: int
    open: int
    reopened: int
    resolved: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pair": self.pair,
            "started": self.started,
            "primary": {
                "server": self.primary_server,
                "export_date": self.primary_export_date,
                "product_version": self.primary_version,
            },
            "staging": {
                "server": self.staging_server,
                "export_date": self.staging_export_date,
                "product_version": self.staging_version,
            },
            "verdict": self.verdict,
            "fail_on": self.fail_on,
            "by_severity": {
                Severity.BLOCKING: self.blocking,
                Severity.WARNING: self.warning,
                Severity.INFO: self.info,
            },
            "suppressed": self.suppressed,
            "checks_failed": self.checks_failed,
            "findings": {
                NEW: self.new,
                OPEN: self.open,
                REOPENED: self.reopened,
                RESOLVED: self.resolved,
            },
        }


@dataclass(frozen=True)
class RunResult:
    """What recording a run found out: each finding's state, and what was resolved."""

    run_id: int
    pair: str
    started: str
    previous_run: int | None
    states: Mapping[str, FindingState]  # by fingerprint
    resolved: Sequence[StoredFinding]
    pruned_runs: int = 0

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, OPEN: 0, REOPENED: 0}
        for state in self.states.values():
            counts[state.status] += 1
        return {**counts, RESOLVED: len(self.resolved)}


#: The counts a pending-exports run records, in the table's column order.
PENDING_COUNTS = (
    "objects", "adds", "updates", "deletes", "delete_adds", "escrowed", "unconfirmed",
)  # fmt: skip


@dataclass(frozen=True)
class PendingRunInfo:
    """One staging server's pending exports as a nightly run saw them."""

    server: str  # the server's key (NetBIOS name, casefolded)
    started: datetime
    export_date: str = ""
    export_path: str = ""
    verdict: str = "pass"
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingItem:
    """A pending-exports finding as the history tracks it: one rule on one connector (and
    attribute); ``objects`` and ``message`` are updated each run, the fingerprint is not."""

    fingerprint: str
    rule: str
    connector: str
    attribute: str
    severity: str
    objects: int
    message: str
    first_seen: str = ""


@dataclass(frozen=True)
class PendingRunResult:
    run_id: int
    states: Mapping[str, FindingState]  # by fingerprint
    resolved: Sequence[PendingItem]

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, OPEN: 0, REOPENED: 0}
        for state in self.states.values():
            counts[state.status] += 1
        return {**counts, RESOLVED: len(self.resolved)}


@dataclass(frozen=True)
class PendingRunRecord:
    id: int
    server: str
    started: str
    export_date: str
    verdict: str
    objects: int
    adds: int
    updates: int
    deletes: int
    delete_adds: int
    escrowed: int
    unconfirmed: int
    blocking: int
    warning: int
    info: int
    new: int
    open: int
    reopened: int
    resolved: int
