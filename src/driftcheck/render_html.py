"""The HTML consistency report, rendered from a report document with a jinja2 template.

As in coverage.py's html.py, the view data is prepared here in Python and the template in
``templates/`` stays dumb. Autoescaping is on: every value from an export is text, never markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from driftcheck.render_text import SECTION_TITLES, short, verdict_line
from driftcheck.report import Report

TEMPLATE = "report.html.j2"


def templates_dir() -> Path:
    """``driftcheck/templates`` in an installed wheel, else ``templates/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"{TEMPLATE} is not installed beside driftcheck")


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,  # select_autoescape() would not cover .html.j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def value_view(value: Any) -> dict[str, Any]:
    """How one side of a difference is shown: absent, a list, or text."""
    if value is None:
        return {"absent": True, "members": [], "text": ""}
    if isinstance(value, list):
        return {"absent": False, "members": [str(v) for v in value], "text": ""}
    if isinstance(value, dict):
        return {
            "absent": False,
            "members": [f"{k}: {short(v)}" for k, v in value.items()],
            "text": "",
        }
    return {"absent": False, "members": [], "text": str(value)}


def difference_view(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "section": SECTION_TITLES[d["section"]],
        "object": d["object"],
        "connector": d["connector"] if d["connector"] != d["object"] else None,
        "path": d["path"] or "(whole object)",
        "change": d["change"],
        "severity": d["severity"],
        "rule": d.get("rule") or d.get("ignored_by"),
        "primary": value_view(d["primary"]),
        "staging": value_view(d["staging"]),
    }


def view(report: Report) -> dict[str, Any]:
    summary = report["summary"]
    suppressed_by_rule: dict[str, list[dict[str, Any]]] = {}
    for s in report["suppressed"]:
        suppressed_by_rule.setdefault(s["ignored_by"], []).append(difference_view(s))
    return {
        "title": f"driftcheck: {report['primary']['server']} vs {report['staging']['server']}",
        "tool_version": report["tool"]["version"],
        "primary": report["primary"],
        "staging": report["staging"],
        "version_skew": report["primary"]["product_version"]
        != report["staging"]["product_version"],
        "verdict": summary["verdict"],
        "verdict_text": verdict_line(report),
        "by_severity": summary["by_severity"],
        "sections": [
            {
                "id": section,
                "title": SECTION_TITLES[section],
                "counts": counts,
                "objects": summary["objects"][section],
                "differences": [
                    difference_view(d) for d in report["differences"] if d["section"] == section
                ],
            }
            for section, counts in summary["by_section"].items()
        ],
        "ignore_rules": [
            {**rule, "entries": suppressed_by_rule.get(rule["id"], [])}
            for rule in report["ignore_rules"]
        ],
        "warnings": report["warnings"],
    }


def render_html(report: Report) -> str:
    return environment().get_template(TEMPLATE).render(view(report))
