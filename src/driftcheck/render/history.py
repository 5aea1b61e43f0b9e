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

from driftcheck.history.store import RunRecord, open_history, parse_iso
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
    return {"schema": SCHEMA, "file": str(path), "generated": when.isoformat(), "pairs": pairs}


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
    return str(environment().get_template(TEMPLATE).render(file=doc["file"], pairs=pairs))
