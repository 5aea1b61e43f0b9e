"""View data for the HTML report's migration-script section (``templates/_script.html.j2``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from driftcheck.report.types import Report, ScriptChange, ScriptFix


@dataclass(frozen=True)
class ScriptView:
    href: str
    path: str
    server: str
    target: str
    changes: tuple[ScriptChange, ...]
    fixes: tuple[ScriptFix, ...]
    not_scripted: int


def script_href(href: str) -> str:
    """The script's link as a relative URL: percent-encoded, so that no scheme (such as
    ``javascript:``) or query survives from a tampered report."""
    return quote(href.replace("\\", "/"), safe="/._-~")


def script_view(report: Report) -> ScriptView | None:
    """The report's ``script`` record as the template shows it; None when none was written."""
    record = report.script
    if record is None:
        return None
    return ScriptView(
        href=script_href(record.href or record.path),
        path=record.path,
        server=record.server,
        target=record.target,
        changes=record.changes,
        fixes=record.fixes,
        not_scripted=record.not_scripted,
    )
