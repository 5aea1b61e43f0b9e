"""``driftcheck nightly``: the whole scheduled job, from a drop folder to reports and notices.

The steps, in the order that keeps a failure cheap: choose the night's comparisons
(:mod:`driftcheck.nightly.drop`), compare each, work out what is new since the last run, write every
report and the index page (atomically), and only then notify. A notification that fails
cannot lose a report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import escape

from driftcheck.checks.readiness import ChecksMode
from driftcheck.errors import InputError
from driftcheck.exports import Thresholds
from driftcheck.history.fingerprint import from_difference
from driftcheck.history.store import DEFAULT_KEEP_DAYS, open_history
from driftcheck.history.tracking import track
from driftcheck.history.trend import TrendPoint, trend_svg
from driftcheck.model.vocab import SEVERITY_ORDER
from driftcheck.nightly.drop import Comparison, ExportInfo, Selection
from driftcheck.nightly.message import FindingLine, Notification, empty_counts
from driftcheck.nightly.pending import PendingOutcome, pending_json, pending_outcomes, trend_rows
from driftcheck.output.files import write_all_atomically, write_atomically
from driftcheck.pipeline.compare import compare_exports
from driftcheck.pipeline.pending import FlowIndex
from driftcheck.policy.rules import Policy
from driftcheck.render.exports_json import render_json as render_pending_json
from driftcheck.render.history import trend_points
from driftcheck.render.html import render_html
from driftcheck.render.html.exports import render_html as render_pending_html
from driftcheck.render.html.nightly import render_index
from driftcheck.render.junit import junit_xml_many
from driftcheck.report.build import exit_code
from driftcheck.report.findings import for_reading, severity_counts
from driftcheck.report.jsonfile import load_report, to_json
from driftcheck.report.pending import attach_pending
from driftcheck.report.types import Finding, Report

NIGHT_SCHEMA = "driftcheck/nightly/v1"
NIGHT_FILE = "night.json"
INDEX_FILE = "index.html"
LATEST_FILE = "latest.html"
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# --- names --------------------------------------------------------------------------------


def safe_name(text: str) -> str:
    """A server name as a file name: letters, digits, ``. _ -`` only, never empty or hidden."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "server"
    return cleaned[:80]


def report_name(comparison: Comparison) -> str:
    """The stable file stem of a comparison's reports: the same every night."""
    if comparison.kind == "self":
        return f"self-{safe_name(comparison.right.server)}"
    return f"pair-{safe_name(comparison.left.server)}-vs-{safe_name(comparison.right.server)}"


def night_date(comparisons: Iterable[Comparison]) -> str:
    """The night a run reports on: the date of the newest export compared."""
    newest = max(info.exported for c in comparisons for info in (c.left, c.right))
    return newest.date().isoformat()


# --- what is new since the last run -------------------------------------------------------


@dataclass(frozen=True)
class Statuses:
    """A comparison's findings by status. ``new`` holds the reopened ones too."""

    new: tuple[FindingLine, ...] = ()
    open: tuple[FindingLine, ...] = ()
    resolved: tuple[FindingLine, ...] = ()

    def counts(self) -> dict[str, dict[str, int]]:
        counts = empty_counts()
        for status, lines in (("new", self.new), ("open", self.open), ("resolved", self.resolved)):
            for line in lines:
                counts[status][line.severity] += 1
        return counts


def finding_line(title: str, finding: Finding, status: str, first_seen: str = "") -> FindingLine:
    """A reported difference as a notification lists it."""
    return FindingLine(
        comparison=title,
        severity=finding.severity.value,
        section=finding.section,
        object=finding.object,
        path=finding.path,
        change=str(finding.change),
        status=status,
        first_seen=first_seen,
    )


def _by_fingerprint(report: Report) -> dict[str, Finding]:
    """The history's fingerprint: what drifted and how, never when or where in the report.

    Findings as the views list them (:func:`driftcheck.report.findings.for_reading`): one change
    counted once, as in the text and HTML reports."""
    return {from_difference(f).fingerprint: f for f in for_reading(report.differences).findings}


def statuses_since(title: str, current: Report, previous: Report | None) -> Statuses:
    """Statuses from the previous run's report of the same comparison (without --history):
    new if it was not there, open if it was, resolved if it is gone. Without a previous
    report every finding is new."""
    before = _by_fingerprint(previous) if previous is not None else {}
    now = _by_fingerprint(current)
    return Statuses(
        new=tuple(finding_line(title, f, "new") for k, f in now.items() if k not in before),
        open=tuple(finding_line(title, f, "open") for k, f in now.items() if k in before),
        resolved=tuple(
            finding_line(title, f, "resolved") for k, f in before.items() if k not in now
        ),
    )


def statuses_recorded(title: str, report: Report) -> Statuses:
    """Statuses from a report annotated by the history (``--history``): each difference's
    new/reopened/open and first-seen time, and the resolved findings."""
    new: list[FindingLine] = []
    still: list[FindingLine] = []
    for f in for_reading(report.differences).findings:
        if f.history is None:
            continue
        line = finding_line(title, f, f.history.status.value, f.history.first_seen)
        (new if f.history.is_new else still).append(line)
    resolved = tuple(
        FindingLine(
            comparison=title,
            severity=r.severity.value,
            section=r.section,
            object=r.object,
            path=r.path,
            change=r.change,
            status="resolved",
            first_seen=r.first_seen,
        )
        for r in report.resolved
    )
    return Statuses(tuple(new), tuple(still), resolved)


def previous_report(out: Path, night: str, name: str) -> Report | None:
    """The report of the same comparison from the previous run: tonight's, when the night is
    run again, else the newest from an earlier night."""
    if not out.is_dir():
        return None
    folders = sorted(
        (p for p in out.iterdir() if p.is_dir() and _DATE_FOLDER.match(p.name) and p.name <= night),
        reverse=True,
    )
    for folder in folders:
        candidate = folder / f"{name}.json"
        if candidate.is_file():
            try:
                return load_report(candidate)
            except InputError:
                continue  # a damaged old report is no reason to fail tonight
    return None


# --- one night ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One comparison of the night, compared, with its statuses."""

    comparison: Comparison
    name: str
    report: Report
    statuses: Statuses

    @property
    def verdict(self) -> str:
        return self.report.summary.verdict

    @property
    def exit_code(self) -> int:
        return exit_code(self.report)


@dataclass(frozen=True)
class Night:
    date: str
    fail_on: str
    outcomes: tuple[Outcome, ...]
    warnings: tuple[str, ...] = ()
    history: str | None = None
    generated: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    #: the staging servers' pending exports, where their zips have them
    pending: tuple[PendingOutcome, ...] = ()

    @property
    def verdict(self) -> str:
        """``drift`` when a comparison drifts or a staging server's pending exports have a
        finding at or above ``--fail-on`` (promoting it would do that damage)."""
        drifted = any(o.verdict == "drift" for o in self.outcomes)
        return "drift" if drifted or any(p.failed for p in self.pending) else "consistent"

    @property
    def exit_code(self) -> int:
        pending = 1 if any(p.failed for p in self.pending) else 0
        return max((*(o.exit_code for o in self.outcomes), pending))

    @property
    def title(self) -> str:
        pairs = [o.comparison.title for o in self.outcomes if o.comparison.kind == "pair"]
        return ", ".join(pairs) or ", ".join(o.comparison.title for o in self.outcomes)


def compare_one(
    comparison: Comparison,
    *,
    fail_on: str,
    policy: Policy,
    name_map: Mapping[str, str] | None,
    policy_file: str | None,
) -> Report:
    """Compare one pair of exports. A self comparison has both sides from one server: the
    name map (staging names to primary names) does not apply to it, and the readiness checks
    are left to the pair comparisons, which already check each server's newest export."""
    is_pair = comparison.kind == "pair"
    return compare_exports(
        comparison.left.path,
        comparison.right.path,
        fail_on=fail_on,
        policy=policy,
        name_map=name_map if is_pair else None,
        policy_file=policy_file,
        checks=ChecksMode.REPORT if is_pair else ChecksMode.OFF,
    )


def run_night(
    selection: Selection,
    out: Path,
    *,
    fail_on: str,
    policy: Policy,
    name_map: Mapping[str, str] | None = None,
    policy_file: str | None = None,
    pending_thresholds: Thresholds | None = None,
    history: Path | None = None,
    keep_days: int = DEFAULT_KEEP_DAYS,
    at: datetime | None = None,
) -> Night:
    """Compare everything ``selection`` chose. With ``history``, each comparison is recorded
    in it under its own pair key and the statuses come from it; without, from the previous
    run's reports in ``out``. No report is written here."""
    if selection.problem:
        raise InputError(f"no complete pair of exports to compare: {selection.problem}")
    date = night_date(selection.comparisons)
    pending, pending_warnings = pending_outcomes(
        [s.newest for s in selection.servers],
        out=out,
        night=date,
        night_file=NIGHT_FILE,
        fail_on=fail_on,
        thresholds=pending_thresholds,
        name=lambda info: f"pending-{safe_name(info.server)}",
        history=history,
        keep_days=keep_days,
        at=at,
    )
    pending_of = {p.info.path: p for p in pending}
    outcomes = []
    for comparison in selection.comparisons:
        name = report_name(comparison)
        report = compare_one(
            comparison,
            fail_on=fail_on,
            policy=policy,
            name_map=name_map,
            policy_file=policy_file,
        )
        staging_pending = pending_of.get(comparison.right.path)
        if comparison.kind == "pair" and staging_pending is not None:
            # as compare --pending: each difference lists the pending changes it explains
            report = attach_pending(report, staging_pending.result, FlowIndex(report).affects)
        if history is not None:
            report, _ = track(report, history, pair=comparison.key, at=at, keep_days=keep_days)
            statuses = statuses_recorded(comparison.title, report)
        else:
            previous = previous_report(out, date, name)
            statuses = statuses_since(comparison.title, report, previous)
        outcomes.append(Outcome(comparison, name, report, statuses))
    return Night(
        date,
        fail_on,
        tuple(outcomes),
        (*selection.warnings, *pending_warnings),
        history=str(history) if history is not None else None,
        pending=tuple(pending),
    )


# --- the night's summary and notification -------------------------------------------------


def _export_json(info: ExportInfo) -> dict[str, Any]:
    return {
        "server": info.server,
        "export_date": info.exported.isoformat(sep=" ", timespec="seconds"),
        "product_version": info.product_version,
        "staging": info.staging,
        "path": str(info.path),
    }


def night_json(night: Night) -> dict[str, Any]:
    """``night.json``: what was compared, each verdict and count, and the warnings."""
    return {
        "schema": NIGHT_SCHEMA,
        "date": night.date,
        "generated": night.generated,
        "fail_on": night.fail_on,
        "verdict": night.verdict,
        "history": night.history,
        "comparisons": [
            {
                "key": o.comparison.key,
                "kind": o.comparison.kind,
                "title": o.comparison.title,
                "name": o.name,
                "left": _export_json(o.comparison.left),
                "right": _export_json(o.comparison.right),
                "verdict": o.verdict,
                "by_severity": {
                    k.value: v for k, v in severity_counts(o.report.differences).items()
                },
                "statuses": o.statuses.counts(),
                "html": f"{o.name}.html",
                "json": f"{o.name}.json",
            }
            for o in night.outcomes
        ],
        "pending": [pending_json(p) for p in night.pending],
        "new": [line.to_json() for line in _lines(night, "new")],
        "resolved": [line.to_json() for line in _lines(night, "resolved")],
        "warnings": list(night.warnings),
    }


def _lines(night: Night, status: str) -> list[FindingLine]:
    """The night's new or resolved findings: the comparisons', then the pending exports'."""
    lines = [line for o in night.outcomes for line in getattr(o.statuses, status)]
    return lines + [line for p in night.pending for line in getattr(p.statuses, status)]


def _add(total: dict[str, dict[str, int]], more: Mapping[str, Mapping[str, int]]) -> None:
    for status, levels in more.items():
        for level, count in levels.items():
            total[status][level] += count


def notification(night: Night, folder: Path, attach: Sequence[Path] = ()) -> Notification:
    """One notification for the whole night."""
    counts = empty_counts()
    for outcome in night.outcomes:
        _add(counts, outcome.statuses.counts())
    for pending in night.pending:
        _add(counts, pending.statuses.counts())
    return Notification(
        verdict=night.verdict,
        title=night.title,
        counts=counts,
        new=tuple(_lines(night, "new")),
        resolved=tuple(_lines(night, "resolved")),
        reports=(
            str(folder.parent / LATEST_FILE),
            *(str(folder / f"{o.name}.html") for o in night.outcomes),
            *(str(folder / f"{p.name}.html") for p in night.pending),
        ),
        attachments=tuple(attach),
        fail_on=night.fail_on,
        notes=night.warnings,
    )


def night_folders(out: Path) -> list[str]:
    """The nights in ``out``, newest first."""
    if not out.is_dir():
        return []
    return sorted(
        (p.name for p in out.iterdir() if p.is_dir() and _DATE_FOLDER.match(p.name)), reverse=True
    )


# --- writing the night --------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", file=str(path)) from None


def write_night(night: Night, out: Path) -> Path:
    """Write the night's reports, ``night.json``, its index page and ``latest.html``; return
    the night's folder. All are replaced together or none is (a failed run leaves the
    previous files of that night as they were), ``latest.html`` last, so the index never
    links a report that is not there yet."""
    folder = out / night.date
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create ({exc.strerror or exc})", file=str(folder)) from None
    outputs: list[tuple[Path, str]] = []
    for outcome in night.outcomes:
        outputs.append((folder / f"{outcome.name}.json", to_json(outcome.report)))
        outputs.append((folder / f"{outcome.name}.html", render_html(outcome.report)))
    for pending in night.pending:
        outputs.append((folder / f"{pending.name}.json", render_pending_json(pending.result)))
        outputs.append((folder / f"{pending.name}.html", render_pending_html(pending.result)))
    summary = night_json(night)
    outputs.append((folder / NIGHT_FILE, json.dumps(summary, indent=2, ensure_ascii=False) + "\n"))
    earlier = night_folders(out)
    trend_svg = night_trends(night, out)
    index = render_index(
        summary, prefix="", earlier=earlier, earlier_prefix="../", trend_svg=trend_svg
    )
    latest = render_index(summary, prefix=f"{night.date}/", earlier=earlier, trend_svg=trend_svg)
    outputs += [(folder / INDEX_FILE, index), (out / LATEST_FILE, latest)]
    try:
        write_all_atomically(outputs)
    except OSError as exc:
        where = exc.filename or str(folder)
        raise InputError(f"cannot write ({exc.strerror or exc})", file=str(where)) from None
    return folder


# --- the trend on the index page ----------------------------------------------------------


def _history_points(history: Path, pair: str) -> list[TrendPoint]:
    with open_history(history, read_only=True) as store:
        return trend_points(store.runs(pair))


def _folder_points(out: Path, night: Night, outcome: Outcome) -> list[TrendPoint]:
    """Without a history: one point per earlier night whose ``night.json`` has the same
    comparison, then tonight's."""
    points = []
    for date in reversed(night_folders(out)):
        if date >= night.date:
            continue
        try:
            summary = json.loads((out / date / NIGHT_FILE).read_text(encoding="utf-8"))
            entry = next(c for c in summary["comparisons"] if c["key"] == outcome.comparison.key)
            counts = [int(entry["by_severity"][level]) for level in SEVERITY_ORDER]
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            continue  # a night without this comparison, or a damaged summary
        points.append(TrendPoint(date, *counts))
    tonight = severity_counts(outcome.report.differences)
    points.append(TrendPoint(night.date, *(tonight.get(level, 0) for level in SEVERITY_ORDER)))
    return points


def night_trends(night: Night, out: Path) -> str | None:
    """One trend chart per active-vs-staging pair: blocking, warning and info findings per
    run from the history, or without one per night from the ``night.json`` files in ``out``."""
    charts = []
    pairs = [o for o in night.outcomes if o.comparison.kind == "pair"]
    for number, outcome in enumerate(pairs, start=1):
        key = outcome.comparison.key
        points = (
            _history_points(Path(night.history), key)
            if night.history
            else _folder_points(out, night, outcome)
        )
        title = f"{outcome.comparison.title}: findings per run"
        chart = trend_svg(points, title=title, ident=f"trend-{number}")
        charts.append(f"<h3>{escape(outcome.comparison.title)}</h3>\n{chart}")
    for number, pending in enumerate(night.pending, start=1):
        points = (
            [TrendPoint(*row) for row in trend_rows(Path(night.history), pending.key)]
            if night.history
            else _pending_folder_points(out, night, pending)
        )
        title = f"{pending.title}: findings per run"
        chart = trend_svg(points, title=title, ident=f"trend-pending-{number}")
        charts.append(f"<h3>{escape(pending.title)}</h3>\n{chart}")
    return "\n".join(charts) or None


def _pending_folder_points(out: Path, night: Night, pending: PendingOutcome) -> list[TrendPoint]:
    """Without a history: the pending-export findings of each earlier night, then tonight's."""
    points = []
    for date in reversed(night_folders(out)):
        if date >= night.date:
            continue
        try:
            summary = json.loads((out / date / NIGHT_FILE).read_text(encoding="utf-8"))
            entry = next(e for e in summary.get("pending", []) if e["key"] == pending.key)
            counts = [int(entry["by_severity"][level]) for level in SEVERITY_ORDER]
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            continue
        points.append(TrendPoint(date, *counts))
    tonight = pending.by_severity()
    points.append(TrendPoint(night.date, *(tonight[level.value] for level in SEVERITY_ORDER)))
    return points


def write_junit(night: Night, path: Path) -> None:
    """One JUnit file for the whole night: each comparison's suites, named after it."""
    reports = [o.report for o in night.outcomes]
    pending = [(p.title, p.result) for p in night.pending]
    _write(path, junit_xml_many(reports, name=f"driftcheck nightly {night.date}", pending=pending))
