"""The report's history fields (``compare --history``), typed, with their JSON.

:class:`FindingHistory` is what each reported difference gains, :class:`ResolvedFinding` a
finding of the previous run that is gone, :class:`HistoryRun` the run's place in the history.
All optional in :class:`~driftcheck.report.types.Report`: written only when set, read only when
present, so reports with and without history load alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from driftcheck.compare.masking import mask_value
from driftcheck.compare.walk import Json
from driftcheck.model.jsonread import JsonReader
from driftcheck.model.vocab import FindingStatus, Severity

#: The statuses a finding still present can have.
PRESENT = (FindingStatus.NEW, FindingStatus.OPEN, FindingStatus.REOPENED)
COUNT_KEYS = tuple(s.value for s in FindingStatus)
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def _iso_time(r: JsonReader, key: str) -> str:
    """An ISO 8601 UTC time as the history writes it (``2026-11-01T02:00:00Z``)."""
    found = r.text(key)
    try:
        datetime.strptime(found, _ISO)
    except ValueError:
        problem = f"{JsonReader.shown(found)} is not a time like 2026-11-01T02:00:00Z"
        raise r.fail(problem, key) from None
    return found


@dataclass(frozen=True)
class FindingHistory:
    """A reported difference's history: new, open or reopened, first seen when, how old."""

    status: FindingStatus
    first_seen: str
    age_days: int

    @property
    def is_new(self) -> bool:
        """New or reopened: what a reader of the previous report has not seen."""
        return self.status in (FindingStatus.NEW, FindingStatus.REOPENED)

    def to_json(self) -> dict[str, Json]:
        return {"status": self.status, "first_seen": self.first_seen, "age_days": self.age_days}

    @staticmethod
    def from_json(r: JsonReader) -> FindingHistory:
        status = r.choice("status", FindingStatus)
        if status not in PRESENT:
            raise r.fail(f"a reported difference cannot be {status}", "status")
        return FindingHistory(status, _iso_time(r, "first_seen"), r.count("age_days"))


@dataclass(frozen=True)
class ResolvedFinding:
    """A finding of the previous run of the same pair that this run did not see."""

    kind: str  # "difference" | "check"
    section: str
    object: str
    connector: str | None
    path: str
    change: str
    primary: Json
    staging: Json
    severity: Severity
    first_seen: str
    last_seen: str
    fingerprint: str

    def to_json(self) -> dict[str, Json]:
        return {
            "kind": self.kind,
            "section": self.section,
            "object": self.object,
            "connector": self.connector,
            "path": self.path,
            "change": self.change,
            "primary": self.primary,
            "staging": self.staging,
            "severity": self.severity,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "fingerprint": self.fingerprint,
        }

    @staticmethod
    def from_json(r: JsonReader) -> ResolvedFinding:
        section, obj, path = r.text("section"), r.text("object"), r.text("path")
        return ResolvedFinding(
            kind=r.text("kind", choices=("difference", "check")),
            section=section,
            object=obj,
            connector=r.optional_text("connector"),
            path=path,
            change=r.text("change"),
            primary=mask_value(section, obj, path, r.value("primary")),
            staging=mask_value(section, obj, path, r.value("staging")),
            severity=r.choice("severity", Severity),
            first_seen=_iso_time(r, "first_seen"),
            last_seen=_iso_time(r, "last_seen"),
            fingerprint=r.text("fingerprint"),
        )


@dataclass(frozen=True)
class HistoryRun:
    """This run in the history: the file, the pair of servers, its time and its counts."""

    file: str
    pair: str
    run: int
    started: str
    first_run: bool
    counts: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Json]:
        return {
            "file": self.file,
            "pair": self.pair,
            "run": self.run,
            "started": self.started,
            "first_run": self.first_run,
            "counts": {key: self.counts.get(key, 0) for key in COUNT_KEYS},
        }

    @staticmethod
    def from_json(r: JsonReader) -> HistoryRun:
        counts = r.child("counts")
        return HistoryRun(
            file=r.text("file"),
            pair=r.text("pair"),
            run=r.count("run"),
            started=_iso_time(r, "started"),
            first_run=r.boolean("first_run"),
            counts={key: counts.count(key) for key in COUNT_KEYS},
        )
