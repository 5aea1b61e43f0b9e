"""``driftcheck history FILE``: the runs, the open findings with their age, and the trend.

Reads the history read-only. One document (schema ``driftcheck/history/v1``) feeds the text
summary, the JSON output and the HTML page (``templates/history.html.j2``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from driftcheck.history.records import PendingItem, PendingRunRecord, RunRecord, parse_iso
from driftcheck.history.store import open_history
from driftcheck.history.trend import TrendPoint, trend_svg
from driftcheck.model.vocab import SEVERITY_ORDER

SCHEMA = "driftcheck/history/v1"
TEMPLATE = "history.html.j2"
#: Runs listed by the text summary, newest first.
TEXT_RUNS = 14


def trend_points(runs: Sequence[RunRecord]) -> list[TrendPoint]:
    """One point per run, labelled with its date, oldest first."""
    return [TrendPoint(r.started[:10], r.blocking, r.warning, r.info) for r in runs]


def history_document(path: Path, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything ``driftcheck history`` shows, as plain JSON."""
    with open_history(path, read_only=True) as store:
        runs = store.runs()
        open_findings = store.open_findings()
        pending = [
            {
                "server": server,
                "runs": [_pending_run(r) for r in store.pending_runs(server)],
                "open": [_pending_item(i) for i in store.open_pending(server)],
            }
            for server in store.pending_servers()
        ]
    latest = {}
    for r in runs:
        latest[r.pair] = r
    when = now or (parse_iso(runs[-1].started) if runs else datetime.now(UTC))
    pairs = []
    for pair in sorted(latest):
        pair_runs = [r for r in runs if r.pair == pair]
        last = latest[pair]
        pairs.append(
            {
                "pair": pair,
                "primary": last.primary_server,
                "staging": last.staging_server,
                "runs": [r.as_json() for r in pair_runs],
                "open": [
                    f.as_json(parse_iso(last.started)) for f in open_findings if f.pair == pair
                ],
            }
        )
    return {
        "schema": SCHEMA,
        "file": str(path),
        "generated": when.isoformat(),
        "pairs": pairs,
        "pending": pending,
    }


def _pending_run(r: PendingRunRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "started": r.started,
        "export_date": r.export_date,
        "verdict": r.verdict,
        "counts": {
            "objects": r.objects,
            "adds": r.adds,
            "updates": r.updates,
            "deletes": r.deletes,
            "delete_adds": r.delete_adds,
            "escrowed": r.escrowed,
            "unconfirmed": r.unconfirmed,
        },
        "by_severity": {"blocking": r.blocking, "warning": r.warning, "info": r.info},
        "findings": {"new": r.new, "open": r.open, "reopened": r.reopened, "resolved": r.resolved},
    }


def _pending_item(i: PendingItem) -> dict[str, Any]:
    return {
        "rule": i.rule,
        "connector": i.connector,
        "attribute": i.attribute or None,
        "severity": i.severity,
        "objects": i.objects,
        "message": i.message,
        "first_seen": i.first_seen,
        "fingerprint": i.fingerprint,
    }


def _points(pair: Mapping[str, Any]) -> list[TrendPoint]:
    return [
        TrendPoint(
            str(r["started"])[:10],
            *(r["by_severity"][level] for level in SEVERITY_ORDER),
        )
        for r in pair["runs"]
    ]


def pair_title(pair: Mapping[str, Any]) -> str:
    if str(pair["pair"]).startswith("self:"):
        return f"{pair['primary'] or pair['pair'][5:]} against its own previous export"
    return f"{pair['primary'] or '?'} vs {pair['staging'] or '?'}"


def history_text(doc: Mapping[str, Any]) -> str:
    lines = [f"History {doc['file']}: {len(doc['pairs'])} comparison(s)"]
    if not doc["pairs"]:
        lines.append("  no run recorded yet")
    for pair in doc["pairs"]:
        runs = pair["runs"]
        lines += ["", f"{pair_title(pair)} ({pair['pair']}): {len(runs)} run(s)"]
        lines.append(
            f"  {'run (UTC)':22}{'verdict':12}{'blocking':>9}{'warning':>9}{'info':>6}"
            f"{'new':>6}{'resolved':>10}"
        )
        for r in runs[-TEXT_RUNS:][::-1]:
            sev, found = r["by_severity"], r["findings"]
            lines.append(
                f"  {r['started']:22}{r['verdict']:12}{sev['blocking']:>9}{sev['warning']:>9}"
                f"{sev['info']:>6}{found['new'] + found['reopened']:>6}{found['resolved']:>10}"
            )
        if len(runs) > TEXT_RUNS:
            lines.append(f"  … {len(runs) - TEXT_RUNS} older runs: see --json or --html")
        lines.append(f"  Open findings ({len(pair['open'])}), oldest first:")
        for f in pair["open"][:TEXT_RUNS]:
            connector = f.get("connector")
            where = f["object"] + (
                f" [{connector}]" if connector and connector != f["object"] else ""
            )
            lines.append(
                f"    {f['age_days']:>4} days  {str(f['severity']).upper():8} {f['section']}: "
                f"{where} {f['path'] or '(whole object)'}: {f['change']}"
            )
        if len(pair["open"]) > TEXT_RUNS:
            lines.append(f"    … {len(pair['open']) - TEXT_RUNS} more: see --json or --html")
    for server in doc.get("pending", []):
        runs = server["runs"]
        lines += ["", f"Pending exports of {server['server']}: {len(runs)} run(s)"]
        lines.append(
            f"  {'run (UTC)':22}{'verdict':9}{'objects':>9}{'adds':>7}{'updates':>9}"
            f"{'deletes':>9}{'blocking':>10}{'warning':>9}{'info':>6}"
        )
        for r in runs[-TEXT_RUNS:][::-1]:
            c, sev = r["counts"], r["by_severity"]
            lines.append(
                f"  {r['started']:22}{r['verdict']:9}{c['objects']:>9}{c['adds']:>7}"
                f"{c['updates']:>9}{c['deletes']:>9}{sev['blocking']:>10}{sev['warning']:>9}"
                f"{sev['info']:>6}"
            )
        lines.append(f"  Open findings ({len(server['open'])}), oldest first:")
        for f in server["open"][:TEXT_RUNS]:
            where = f["connector"] + (f" / {f['attribute']}" if f["attribute"] else "")
            lines.append(
                f"    since {f['first_seen'][:10]}  {str(f['severity']).upper():8} {f['rule']}: "
                f"{where}: {f['message']}"
            )
    return "\n".join(lines) + "\n"


def history_html(doc: Mapping[str, Any]) -> str:
    from driftcheck.render.html import environment  # the report's jinja2 setup

    charts: list[Markup] = [
        trend_svg(_points(pair), title=f"Drift per run: {pair_title(pair)}", ident=f"t{n}")
        for n, pair in enumerate(doc["pairs"], start=1)
    ]
    pairs = [
        {**pair, "title": pair_title(pair), "chart": chart, "id": f"p{n}"}
        for n, (pair, chart) in enumerate(zip(doc["pairs"], charts, strict=True), start=1)
    ]
    pending = [
        {
            **server,
            "id": f"pending{n}",
            "chart": trend_svg(
                [
                    TrendPoint(
                        str(r["started"])[:10],
                        *(r["by_severity"][level] for level in SEVERITY_ORDER),
                    )
                    for r in server["runs"]
                ],
                title=f"Pending-exports findings per run: {server['server']}",
                ident=f"pt{n}",
            ),
        }
        for n, server in enumerate(doc.get("pending", []), start=1)
    ]
    template = environment().get_template(TEMPLATE)
    return str(template.render(file=doc["file"], pairs=pairs, pending=pending))
