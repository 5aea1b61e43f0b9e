"""View data for the HTML report's migration-script section (``templates/_script.html.j2``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote


def script_href(href: str) -> str:
    """The script's link as a relative URL: percent-encoded, so that no scheme (such as
    ``javascript:``) or query survives from a tampered report."""
    return quote(href.replace("\\", "/"), safe="/._-~")


def script_view(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """The report's ``script`` field as the template shows it, or None when none was written."""
    record = report.get("script")
    if not isinstance(record, Mapping):
        return None
    return {
        "href": script_href(str(record.get("href") or record.get("path") or "")),
        "path": str(record.get("path") or ""),
        "server": str(record.get("server") or ""),
        "target": str(record.get("target") or ""),
        "changes": [dict(c) for c in record.get("changes", [])],
        "fixes": [dict(f) for f in record.get("fixes", [])],
        "not_scripted": int(record.get("not_scripted") or 0),
    }
