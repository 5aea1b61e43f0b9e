"""Readiness checks for people: text for the terminal, view data and HTML for the browser.

Used by ``driftcheck check`` (a whole page, ``templates/check.html.j2``) and by ``compare``'s
Readiness section (``templates/_readiness.html.j2``, the same table). The view data is prepared
here; the templates only loop and print, autoescaped. Text for the terminal has every control
character shown as an escape, so a value from an export cannot move the cursor or recolour it.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from driftcheck.checkreport import CheckReport
from driftcheck.checks import CheckResult, Status, counts
from driftcheck.render_html import environment
from driftcheck.vocab import SEVERITY_ORDER

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


def readiness_view(results: Sequence[CheckResult]) -> dict[str, Any]:
    """What ``_readiness.html.j2`` shows: one row per check, failed ones first."""
    order = {Status.FAIL: 0, Status.NOT_EVALUABLE: 2, Status.PASS: 1}
    ranked = sorted(results, key=lambda r: (order[r.status], -r.severity.rank if r.failed else 0))
    tally = counts(results)
    return {
        "counts": [(level, tally[level]) for level in _LEVELS],
        "passed": tally["pass"],
        "manual": tally["not-evaluable"],
        "rows": [
            {
                "id": r.id,
                "title": r.title,
                "status": r.status.value,
                "severity": r.severity.value if r.failed else "",
                "servers": ", ".join(r.servers),
                "message": r.message,
                "evidence": evidence_lines(r),
                "source": r.source,
            }
            for r in ranked
        ],
    }


def check_page_view(report: CheckReport) -> dict[str, Any]:
    return {
        "title": f"Readiness of {report.server['server'] or 'an Entra Connect server'}",
        "tool_version": report.tool_version,
        "server": report.server,
        "as_of": report.as_of.isoformat(),
        "fail_on": report.fail_on.value,
        "verdict": report.verdict,
        "readiness": readiness_view(report.checks),
    }


def render_check_html(report: CheckReport) -> str:
    return environment().get_template("check.html.j2").render(check_page_view(report))
