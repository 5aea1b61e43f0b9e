"""The nightly index page, rendered from a night's summary (``night.json``) with jinja2.

The same page is written twice: as ``OUTDIR/<date>/index.html`` (links relative to that
folder) and as ``OUTDIR/latest.html`` (links into ``<date>/``). Autoescaping is on; server
names and warnings from the exports are text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from driftcheck.model.vocab import SEVERITY_ORDER
from driftcheck.render.html import environment

TEMPLATE = "nightly.html.j2"
#: Earlier nights linked from the index page.
EARLIER_NIGHTS = 31
#: New and resolved findings listed on the page; the reports have the rest.
LISTED = 200

_KIND_LABELS = {
    "pair": "active against staging",
    "self": "this server against its previous export",
}


def _export_label(side: Mapping[str, Any]) -> str:
    mode = "staging" if side.get("staging") else "active"
    version = f", {side['product_version']}" if side.get("product_version") else ""
    return f"{side['server']} ({mode}{version}) exported {side['export_date']}"


def index_view(
    night: Mapping[str, Any],
    *,
    prefix: str,
    earlier: Sequence[str] = (),
    earlier_prefix: str = "",
    trend_svg: str | None = None,
    trend_note: str = "No trend: no active-vs-staging pair was compared.",
) -> dict[str, Any]:
    """View data for the index. ``prefix`` leads from the page to the night's folder,
    ``earlier_prefix`` to OUTDIR (where the other nights' folders are)."""
    comparisons = []
    for c in night["comparisons"]:
        statuses = c["statuses"]
        sev = c["by_severity"]
        comparisons.append(
            {
                "title": c["title"],
                "kind_label": _KIND_LABELS.get(c["kind"], c["kind"]),
                "left": _export_label(c["left"]),
                "right": _export_label(c["right"]),
                "verdict": c["verdict"],
                "new": sum(statuses["new"].values()),
                "open": sum(statuses["open"].values()),
                "resolved": sum(statuses["resolved"].values()),
                "by_severity": " / ".join(str(sev[level]) for level in SEVERITY_ORDER),
                "html": prefix + c["html"],
                "json": prefix + c["json"],
            }
        )
    pending = []
    for p in night.get("pending", []):
        statuses, sev, counts = p["statuses"], p["by_severity"], p["counts"]
        pending.append(
            {
                "title": p["title"],
                "export_date": p["export_date"],
                "verdict": "drift" if p["verdict"] == "fail" else "consistent",
                "verdict_label": p["verdict"],
                "objects": counts["objects"],
                "adds": counts["adds"],
                "updates": counts["updates"],
                "deletes": counts["deletes"],
                "delete_adds": counts["delete_adds"],
                "unconfirmed": counts["escrowed"] + counts["unconfirmed"],
                "new": sum(statuses["new"].values()),
                "resolved": sum(statuses["resolved"].values()),
                "by_severity": " / ".join(str(sev[level]) for level in SEVERITY_ORDER),
                "failures": list(p.get("failures", [])),
                "html": prefix + p["html"],
                "json": prefix + p["json"],
            }
        )
    return {
        "date": night["date"],
        "pending": pending,
        "generated": night["generated"],
        "fail_on": night["fail_on"],
        "verdict": night["verdict"],
        "title": ", ".join(c["title"] for c in night["comparisons"] if c["kind"] == "pair"),
        "comparisons": comparisons,
        "warnings": list(night["warnings"]),
        "changes": [
            {"heading": heading, "total": len(rows), "rows": rows[:LISTED]}
            for heading, rows in (
                ("New since the last run", list(night.get("new", []))),
                ("Resolved since the last run", list(night.get("resolved", []))),
            )
        ],
        # built by driftcheck.history.trend from numbers and escaped names: trusted markup
        "trend": Markup(trend_svg) if trend_svg else None,
        "trend_note": trend_note,
        "earlier": [
            {"date": d, "href": f"{earlier_prefix}{d}/index.html"}
            for d in earlier[:EARLIER_NIGHTS]
            if d != night["date"]
        ],
    }


def render_index(night: Mapping[str, Any], **options: Any) -> str:
    return environment().get_template(TEMPLATE).render(index_view(night, **options))
