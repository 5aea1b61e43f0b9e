"""The pending exports of staging servers in ``driftcheck nightly``.

A staging server's zip that ``Export-DriftcheckConfiguration.ps1 -PendingExports`` wrote holds
``PendingExports/`` (csexport files and ``manifest.json``) beside its configuration export.
For each staging server whose newest export has them, the nightly run reads them with
:func:`driftcheck.exports.verify_exports` (the configuration export in the same zip gives the
connector types and the deletion threshold), tracks each finding's status from night to night
(in the history with ``--history``, else from the previous night's ``night.json``), and hands
the night its counts, its findings as notification lines and its reports.

A finding is one rule on one connector (and attribute): its fingerprint stays the same while
the number of objects changes, so "1,203 department changes" tonight and "1,207" tomorrow is
one open finding, not a new one.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from driftcheck.errors import InputError
from driftcheck.exports import (
    DEFAULT_THRESHOLDS,
    ExportsOptions,
    ExportsResult,
    PendingFinding,
    Thresholds,
    verify_exports,
)
from driftcheck.history.records import FindingState, PendingItem, PendingRunInfo
from driftcheck.history.store import DEFAULT_KEEP_DAYS, open_history
from driftcheck.model.vocab import SEVERITY_ORDER, Severity
from driftcheck.nightly.drop import ExportInfo
from driftcheck.nightly.message import FindingLine

PENDING_DIR = "PendingExports"
MANIFEST = "manifest.json"
SECTION = "pending-exports"
#: The export script's manifest is small; anything larger is not read for its failures.
MANIFEST_BYTES = 4 * 1024 * 1024


def has_pending(path: Path) -> bool:
    """Whether an export (folder or zip) holds a ``PendingExports/`` folder."""
    if path.is_dir():
        return (path / PENDING_DIR).is_dir()
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    # Windows PowerShell's Compress-Archive writes backslashes into member names
    return any(
        PurePosixPath(n.replace("\\", "/")).parts[:1] == (PENDING_DIR,)
        or n.replace("\\", "/").casefold().startswith(PENDING_DIR.casefold() + "/")
        for n in names
    )


def _manifest_bytes(path: Path) -> bytes | None:
    if path.is_dir():
        target = path / PENDING_DIR / MANIFEST
        if not target.is_file() or target.stat().st_size > MANIFEST_BYTES:
            return None
        return target.read_bytes()
    with zipfile.ZipFile(path) as archive:
        wanted = f"{PENDING_DIR}/{MANIFEST}".casefold()
        for info in archive.infolist():
            if info.filename.replace("\\", "/").casefold() == wanted:
                if info.file_size > MANIFEST_BYTES:
                    return None
                with archive.open(info) as handle:
                    return handle.read(MANIFEST_BYTES + 1)[:MANIFEST_BYTES]
    return None


def manifest_failures(path: Path) -> tuple[str, ...]:
    """The connectors whose csexport run failed on the server (the manifest's ``failures``):
    their pending exports are missing from the zip, which a reader must be told."""
    try:
        data = _manifest_bytes(path)
        if data is None:
            return ()
        document = json.loads(data.decode("utf-8-sig"))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError):
        return ()  # the exports reader reports a bad manifest itself
    failures = document.get("failures") if isinstance(document, dict) else None
    if not isinstance(failures, list):
        return ()
    found = []
    for entry in failures:
        if isinstance(entry, dict):
            connector = str(entry.get("connector", "?"))
            reason = " ".join(str(entry.get("error", "")).split())[:300]
            found.append(
                f"connector {connector!r}: {reason}" if reason else f"connector {connector!r}"
            )
    return tuple(found)


# --- findings as the night tracks them ----------------------------------------------------------


def fingerprint(finding: PendingFinding) -> str:
    """Rule, connector and attribute (case-insensitive): not the counts, which move nightly."""
    return "|".join(
        (finding.rule, finding.connector.casefold(), (finding.attribute or "").casefold())
    )


def items_of(result: ExportsResult) -> tuple[PendingItem, ...]:
    return tuple(
        PendingItem(
            fingerprint(f),
            f.rule,
            f.connector,
            f.attribute or "",
            f.severity.value,
            f.objects,
            f.message,
        )
        for f in result.findings
    )


def item_json(item: PendingItem) -> dict[str, Any]:
    return {
        "fingerprint": item.fingerprint,
        "rule": item.rule,
        "connector": item.connector,
        "attribute": item.attribute or None,
        "severity": item.severity,
        "objects": item.objects,
        "message": item.message,
    }


def item_from_json(data: Mapping[str, Any]) -> PendingItem:
    return PendingItem(
        str(data["fingerprint"]),
        str(data["rule"]),
        str(data["connector"]),
        str(data.get("attribute") or ""),
        str(data["severity"]),
        int(data["objects"]),
        str(data["message"]),
    )


def title_of(info: ExportInfo) -> str:
    return f"{info.server} pending exports"


def finding_line(title: str, item: PendingItem, status: str, first_seen: str = "") -> FindingLine:
    where = item.connector + (f" / {item.attribute}" if item.attribute else "")
    return FindingLine(
        comparison=title,
        severity=item.severity,
        section=SECTION,
        object=item.rule,
        path=where,
        change=item.message,
        status=status,
        first_seen=first_seen,
    )


@dataclass(frozen=True)
class PendingStatuses:
    new: tuple[FindingLine, ...] = ()
    open: tuple[FindingLine, ...] = ()
    resolved: tuple[FindingLine, ...] = ()

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {
            s: {level.value: 0 for level in SEVERITY_ORDER} for s in ("new", "open", "resolved")
        }
        for status, lines in (("new", self.new), ("open", self.open), ("resolved", self.resolved)):
            for line in lines:
                counts[status][line.severity] += 1
        return counts


def statuses_since(
    title: str, items: Sequence[PendingItem], previous: Sequence[PendingItem] | None
) -> PendingStatuses:
    """Without a history: against the previous night's findings of the same server."""
    before = {i.fingerprint: i for i in previous or ()}
    now = {i.fingerprint: i for i in items}
    return PendingStatuses(
        new=tuple(finding_line(title, i, "new") for k, i in now.items() if k not in before),
        open=tuple(finding_line(title, i, "open") for k, i in now.items() if k in before),
        resolved=tuple(
            finding_line(title, i, "resolved") for k, i in before.items() if k not in now
        ),
    )


def statuses_recorded(
    title: str,
    items: Sequence[PendingItem],
    states: Mapping[str, FindingState],
    resolved: Sequence[PendingItem],
) -> PendingStatuses:
    new: list[FindingLine] = []
    still: list[FindingLine] = []
    for item in items:
        state = states[item.fingerprint]
        line = finding_line(title, item, state.status, state.first_seen)
        (new if state.status in ("new", "reopened") else still).append(line)
    gone = tuple(finding_line(title, i, "resolved", i.first_seen) for i in resolved)
    return PendingStatuses(tuple(new), tuple(still), gone)


# --- one staging server's pending exports ----------------------------------------------------


@dataclass(frozen=True)
class PendingOutcome:
    info: ExportInfo
    name: str
    result: ExportsResult
    items: tuple[PendingItem, ...]
    statuses: PendingStatuses
    #: connectors whose csexport run failed on the server (from the manifest)
    failures: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return title_of(self.info)

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def failed(self) -> bool:
        """A finding at or above ``--fail-on``."""
        return self.result.summary.failed

    def by_severity(self) -> dict[str, int]:
        return {
            level.value: sum(1 for i in self.items if i.severity == level.value)
            for level in SEVERITY_ORDER
        }

    def counts(self) -> dict[str, int]:
        return counts_of(self.result)

    def summary_line(self) -> str:
        """``FAIL: 829 objects would change (28 adds, ...); 2 blocking, 3 warning, 3 info``."""
        c, sev = self.counts(), self.by_severity()
        findings = ", ".join(f"{sev[level.value]} {level.value}" for level in SEVERITY_ORDER)
        return (
            f"{self.result.summary.verdict.upper()}: {c['objects']:,} objects would change "
            f"({c['adds']:,} adds, {c['updates']:,} updates, {c['deletes']:,} deletes, "
            f"{c['delete_adds']:,} delete-adds); findings {findings}"
        )


def counts_of(result: ExportsResult) -> dict[str, int]:
    """The counts the night records: objects by operation, escrowed and unconfirmed."""
    summary = result.summary
    return {
        "objects": summary.objects,
        "adds": summary.counts.adds,
        "updates": summary.counts.updates,
        "deletes": summary.counts.deletes,
        "delete_adds": summary.counts.delete_adds,
        "escrowed": sum(c.escrowed for c in result.connectors),
        "unconfirmed": sum(c.unconfirmed for c in result.connectors),
    }


def previous_items(out: Path, night: str, key: str, night_file: str) -> list[PendingItem] | None:
    """The findings of the same server's pending exports in the newest earlier (or this)
    night's summary; None when no night has them."""
    if not out.is_dir():
        return None
    folders = sorted(
        (p for p in out.iterdir() if p.is_dir() and len(p.name) == 10 and p.name <= night),
        reverse=True,
    )
    for folder in folders:
        try:
            summary = json.loads((folder / night_file).read_text(encoding="utf-8"))
            entry = next(e for e in summary.get("pending", []) if e["key"] == key)
            return [item_from_json(f) for f in entry["findings"]]
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            continue  # a night without this server's pending exports, or a damaged summary
    return None


def read_pending(
    info: ExportInfo, *, fail_on: str, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> ExportsResult:
    """Read one export's ``PendingExports/`` (the configuration in the same export gives the
    connector types and the deletion threshold; ``thresholds``: the policy file's
    ``[pending]`` table)."""
    options = ExportsOptions(fail_on=Severity(fail_on), thresholds=thresholds)
    return verify_exports([info.path], options)


def pending_outcomes(
    servers: Sequence[ExportInfo],
    *,
    out: Path,
    night: str,
    night_file: str,
    fail_on: str,
    name: Callable[[ExportInfo], str],
    thresholds: Thresholds | None = None,
    history: Path | None = None,
    keep_days: int = DEFAULT_KEEP_DAYS,
    at: datetime | None = None,
) -> tuple[list[PendingOutcome], list[str]]:
    """Each staging server's pending exports, and the warnings of the ones not read."""
    outcomes: list[PendingOutcome] = []
    warnings: list[str] = []
    for info in servers:
        if not info.staging:
            continue
        if not has_pending(info.path):
            if previous_items(out, night, info.key, night_file) is not None:
                warnings.append(
                    f"{info.server}: no PendingExports/ in its newest export, though an earlier "
                    "night had them: its pending exports were not checked tonight"
                )
            continue
        title = title_of(info)
        try:
            result = read_pending(
                info, fail_on=fail_on, thresholds=thresholds or DEFAULT_THRESHOLDS
            )
        except InputError as exc:
            warnings.append(f"{info.server}: pending exports not read: {exc.message}")
            continue
        failures = manifest_failures(info.path)
        warnings += [f"{info.server}: no pending exports for {f}" for f in failures]
        items = items_of(result)
        if history is not None:
            run = PendingRunInfo(
                server=info.key,
                started=at or datetime.now(UTC),
                export_date=info.exported.isoformat(sep=" ", timespec="seconds"),
                export_path=str(info.path),
                verdict=result.summary.verdict,
                counts=counts_of(result),
            )
            with open_history(history) as store:
                recorded = store.record_pending(run, items, keep_days=keep_days)
            statuses = statuses_recorded(title, items, recorded.states, recorded.resolved)
        else:
            statuses = statuses_since(
                title, items, previous_items(out, night, info.key, night_file)
            )
        outcomes.append(PendingOutcome(info, name(info), result, items, statuses, failures))
    return outcomes, warnings


def pending_json(outcome: PendingOutcome) -> dict[str, Any]:
    """A pending-exports entry of ``night.json``."""
    info = outcome.info
    return {
        "key": outcome.key,
        "server": info.server,
        "title": outcome.title,
        "export_date": info.exported.isoformat(sep=" ", timespec="seconds"),
        "path": str(info.path),
        "name": outcome.name,
        "verdict": outcome.result.summary.verdict,
        "counts": outcome.counts(),
        "connectors": [
            {"name": c.name, "objects": c.objects, **c.counts.to_json()}
            for c in outcome.result.connectors
        ],
        "by_severity": outcome.by_severity(),
        "statuses": outcome.statuses.counts(),
        "findings": [item_json(i) for i in outcome.items],
        "failures": list(outcome.failures),
        "html": f"{outcome.name}.html",
        "json": f"{outcome.name}.json",
    }


def trend_rows(history: Path, key: str) -> list[tuple[str, int, int, int]]:
    """(date, blocking, warning, info) of each recorded run of the server's pending exports."""
    with open_history(history, read_only=True) as store:
        return [(r.started[:10], r.blocking, r.warning, r.info) for r in store.pending_runs(key)]
