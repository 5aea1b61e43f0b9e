"""Readiness checks for people: text for the terminal, view data and HTML for the browser.

Used by ``driftcheck check`` (a whole page, ``templates/check.html.j2``, rendered by
:mod:`driftcheck.render.html.checkpage`) and by ``compare``'s Readiness section
(``templates/_readiness.html.j2``, the same table). The view data is prepared here; the
templates only loop and print, autoescaped. Text for the terminal has every control
character shown as an escape, so a value from an export cannot move the cursor or recolour it.
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from driftcheck.checks.catalogue import CheckResult, Json, Status, counts
from driftcheck.checks.readiness import ChecksMode, verdict_notes
from driftcheck.compare.upgrade import is_product_change
from driftcheck.model.vocab import SEVERITY_ORDER, Severity
from driftcheck.pipeline.check import CheckReport
from driftcheck.report.types import Report

WIDTH = 100
_LEVELS = tuple(level.value for level in SEVERITY_ORDER)


def terminal_safe(text: str) -> str:
    """``text`` with control and format characters (ESC, bidi overrides...) shown as escapes."""
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch).startswith("C") else ch for ch in text
    )


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        terminal_safe(text),
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    ) or [indent]


def counts_line(results: Sequence[CheckResult]) -> str:
    tally = counts(results)
    failed = ", ".join(f"{tally[level]} {level}" for level in _LEVELS)
    return (
        f"{failed} failed · {tally['pass']} passed · {tally['not-evaluable']} not evaluable "
        "from an export"
    )


def check_lines(results: Sequence[CheckResult], *, show_servers: bool = False) -> list[str]:
    """Failed checks in full (worst first), then passed and not-evaluable ones by id."""
    failed = sorted((r for r in results if r.failed), key=lambda r: -r.severity.rank)
    lines: list[str] = []
    for r in failed:
        where = f"  [{', '.join(r.servers)}]" if show_servers else ""
        lines.append(terminal_safe(f"  {r.severity.value.upper():8} {r.id}: {r.title}{where}"))
        lines += _wrapped(r.message, " " * 11)
    passed = [r for r in results if r.status is Status.PASS]
    manual = [r for r in results if r.status is Status.NOT_EVALUABLE]
    if passed:
        lines += _wrapped("Passed: " + ", ".join(_ids(passed, show_servers)), "  ")
    if manual:
        lines.append("  Not evaluable from an export (check by hand):")
        for r in manual:
            where = f" [{', '.join(r.servers)}]" if show_servers else ""
            lines += _wrapped(f"{r.id}{where}: {r.message}", "    ")
    return lines


def _ids(results: Iterable[CheckResult], show_servers: bool) -> list[str]:
    return [f"{r.id} [{', '.join(r.servers)}]" if show_servers else r.id for r in results]


def render_check_text(report: CheckReport) -> str:
    server = report.server
    verdict = "NOT READY" if report.failing else "READY"
    lines = [
        terminal_safe(
            f"driftcheck {report.tool_version}: readiness of {server['server'] or '?'} "
            f"({server['product_version'] or 'unknown version'}, exported "
            f"{server['export_date'] or '?'}) as of {report.as_of.isoformat()}"
        ),
        "",
        f"{verdict}: {counts_line(report.checks)} (fails on {report.fail_on.value} and above)",
        "",
    ]
    lines += check_lines(report.checks)
    return "\n".join(lines) + "\n"


# --- HTML -----------------------------------------------------------------------------------


def evidence_lines(result: CheckResult) -> list[str]:
    """The evidence as ``key: value`` lines (lists joined, nested maps flattened)."""
    lines = []
    for key, value in result.evidence.items():
        if isinstance(value, list):
            lines += [f"{key}: {item}" for item in value] or [f"{key}: (none)"]
        elif isinstance(value, dict):
            lines += [f"{key} / {k}: {v}" for k, v in value.items()] or [f"{key}: (none)"]
        else:
            lines.append(f"{key}: {'(absent)' if value is None else value}")
    return lines


@dataclass(frozen=True)
class CheckRow:
    id: str
    title: str
    status: str
    severity: str
    servers: str
    message: str
    evidence: list[str]
    source: str


@dataclass(frozen=True)
class ProductChangeRow:
    """A difference the newer product version explains (an ``upgrade-…`` rule)."""

    object: str
    path: str
    change: str
    primary: str
    staging: str
    rule: str


@dataclass(frozen=True)
class ReadinessView:
    """What ``_readiness.html.j2`` shows. ``rows`` (the checks, failed first) is empty when
    the checks did not run; ``upgrade`` is empty unless upgrade mode compared the servers."""

    rows: list[CheckRow]
    counts: list[tuple[str, int]]
    passed: int
    manual: int
    #: e.g. "--checks report: …"; empty on the check page
    mode: str = ""
    #: the verdict's note ("upgrade in progress: …") and the failed checks that count
    notes: str = ""
    upgrade: str = ""
    product_changes: list[ProductChangeRow] = field(default_factory=list)
    #: the compare report carries no readiness styles of its own: the partial brings them
    inline_css: bool = False
    #: passed and not-evaluable checks shown open (the check page) or collapsed (compare)
    others_open: bool = False


MAX_VALUE = 160


def _short(value: Json) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _check_rows(results: Sequence[CheckResult]) -> list[CheckRow]:
    order = {Status.FAIL: 0, Status.PASS: 1, Status.NOT_EVALUABLE: 2}
    ranked = sorted(results, key=lambda r: (order[r.status], -r.severity.rank if r.failed else 0))
    return [
        CheckRow(
            r.id,
            r.title,
            r.status.value,
            r.severity.value if r.failed else "",
            ", ".join(r.servers),
            r.message,
            evidence_lines(r),
            r.source,
        )
        for r in ranked
    ]


def readiness_view(results: Sequence[CheckResult]) -> ReadinessView:
    """The checks of ``driftcheck check`` (one server)."""
    tally = counts(results)
    return ReadinessView(
        _check_rows(results),
        [(level, tally[level]) for level in _LEVELS],
        tally["pass"],
        tally["not-evaluable"],
        others_open=True,
    )


MODE_TEXT = {
    ChecksMode.REPORT: "they do not change the exit code, except two active servers",
    ChecksMode.FAIL: "failed checks at or above --fail-on change the exit code",
}


def report_readiness_view(report: Report) -> ReadinessView | None:
    """The Readiness section of the compare report; None when there is nothing to show."""
    if report.checks is None and report.upgrade is None:
        return None
    results = report.checks.results if report.checks else ()
    tally = counts(results)
    product = [
        ProductChangeRow(
            d.object + (f" [{d.connector}]" if d.connector and d.connector != d.object else ""),
            d.path or "(whole object)",
            d.change.value,
            _short(d.primary),
            _short(d.staging),
            d.rule,
        )
        for d in report.differences
        if is_product_change(d.rule)
    ]
    mode = report.checks.mode if report.checks else None
    return ReadinessView(
        rows=_check_rows(results),
        counts=[(level, tally[level]) for level in _LEVELS],
        passed=tally["pass"],
        manual=tally["not-evaluable"],
        mode=f"--checks {mode.value}: {MODE_TEXT.get(mode, '')}" if mode else "",
        notes=verdict_notes(report.checks, report.upgrade),
        upgrade=report.upgrade.title if report.upgrade else "",
        product_changes=product,
        inline_css=True,
    )


@dataclass(frozen=True)
class CheckPageView:
    title: str
    tool_version: str
    server: dict[str, str]
    as_of: str
    fail_on: str
    verdict: str
    readiness: ReadinessView


def check_page_view(report: CheckReport) -> CheckPageView:
    return CheckPageView(
        title=f"Readiness of {report.server['server'] or 'an Entra Connect server'}",
        tool_version=report.tool_version,
        server=report.server,
        as_of=report.as_of.isoformat(),
        fail_on=report.fail_on.value,
        verdict=report.verdict,
        readiness=readiness_view(report.checks),
    )


# --- compare's Readiness section ------------------------------------------------------------


def _grouped_ids(results: Sequence[CheckResult], all_servers: set[str]) -> list[str]:
    """Ids in catalogue order, each once: ``id`` when it holds for every server it ran on,
    else ``id [server]``."""
    by_id: dict[str, list[CheckResult]] = {}
    for r in results:
        by_id.setdefault(r.id, []).append(r)
    shown = []
    for check_id, entries in by_id.items():
        servers = {s for r in entries for s in r.servers}
        if servers >= all_servers or len(entries) > 1:
            shown.append(check_id)
        else:
            shown += [f"{check_id} [{', '.join(r.servers)}]" for r in entries]
    return shown


def readiness_text(report: Report) -> list[str]:
    """The Readiness section of ``compare``'s text summary (and the upgrade-mode line)."""
    lines: list[str] = []
    if report.upgrade is not None:
        product = sum(1 for d in report.differences if is_product_change(d.rule))
        lines += [
            "",
            terminal_safe(
                f"Upgrade mode ({report.upgrade.title}): out-of-box rules matched by tag; "
                f"{product} product change(s) reported as info under upgrade- rules."
            ),
        ]
    checks = report.checks
    if checks is None:
        return lines
    results = checks.results
    servers = {report.primary.server, report.staging.server}
    counted = MODE_TEXT.get(checks.mode, "")
    lines += [
        "",
        f"Readiness (--checks {checks.mode.value}: {counted}):",
        f"  {counts_line(results)}",
    ]
    failed = sorted((r for r in results if r.failed), key=lambda r: -r.severity.rank)
    for r in (r for r in failed if r.severity is not Severity.INFO):
        lines.append(
            terminal_safe(
                f"  {r.severity.value.upper():8} {r.id}: {r.title}  [{', '.join(r.servers)}]"
            )
        )
        lines += _wrapped(r.message, " " * 11)
    info = [r for r in failed if r.severity is Severity.INFO]
    passed = [r for r in results if r.status is Status.PASS]
    manual = [r for r in results if r.status is Status.NOT_EVALUABLE]
    if info:
        lines += _wrapped(
            "Info (see --html or --json): " + ", ".join(_grouped_ids(info, servers)), "  "
        )
    if passed:
        lines += _wrapped("Passed: " + ", ".join(_grouped_ids(passed, servers)), "  ")
    if manual:
        lines += _wrapped(
            "Not evaluable from an export (check by hand; see --html or --json): "
            + ", ".join(_grouped_ids(manual, servers)),
            "  ",
        )
    return lines
