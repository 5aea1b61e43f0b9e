"""The report: one JSON-shaped document (schema ``driftcheck/report/v1``) that every renderer reads.

Built from a comparison and a policy verdict. It carries everything the text and HTML
renderers show, so a saved JSON report can be rendered again later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from driftcheck import __version__
from driftcheck.compare import Change, Comparison
from driftcheck.errors import InputError
from driftcheck.normalize import SECTIONS, CanonicalConfiguration
from driftcheck.policy import SEVERITIES, Difference, Verdict, severity_rank

SCHEMA = "driftcheck/report/v1"

Report = dict[str, Any]


def _server(config: CanonicalConfiguration, path: str) -> dict[str, str]:
    return {
        "path": path,
        "server": config.server,
        "export_date": config.export_date,
        "product_version": config.product_version,
    }


def _change_fields(change: Change) -> dict[str, Any]:
    return {
        "section": change.section,
        "object": change.object,
        "connector": change.connector,
        "path": change.path,
        "change": change.change,
        "primary": change.primary,
        "staging": change.staging,
    }


def _difference(d: Difference) -> dict[str, Any]:
    entry = {**_change_fields(d.change), "severity": d.severity, "rule": d.rule}
    if d.would_be_hidden_by:
        entry["would_be_hidden_by"] = d.would_be_hidden_by
    return entry


def _counts(levels: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Counts per section and severity; a ``policy`` row only when the policy has findings."""
    by_section = {s: {level: 0 for level in reversed(SEVERITIES)} for s in SECTIONS}
    for section, level in levels:
        row = by_section.setdefault(section, {lvl: 0 for lvl in reversed(SEVERITIES)})
        row[level] += 1
    return by_section


def is_failing(severity: str, fail_on: str) -> bool:
    return severity_rank(severity) >= severity_rank(fail_on)


def build_report(
    comparison: Comparison,
    verdict: Verdict,
    *,
    primary_path: str,
    staging_path: str,
    fail_on: str = "warning",
    policy_file: str | None = None,
    name_map: Mapping[str, str] | None = None,
) -> Report:
    differences = [_difference(d) for d in verdict.differences]
    suppressed = [
        {**_change_fields(s.change), "severity": s.severity, "ignored_by": s.rule}
        for s in verdict.suppressed
    ]
    by_severity = {level: 0 for level in reversed(SEVERITIES)}
    for d in verdict.differences:
        by_severity[d.severity] += 1
    failing = sum(n for level, n in by_severity.items() if is_failing(level, fail_on))
    warnings = sorted(set(comparison.primary.warnings) | set(comparison.staging.warnings))
    return {
        "schema": SCHEMA,
        "tool": {"name": "driftcheck", "version": __version__},
        "primary": _server(comparison.primary, primary_path),
        "staging": _server(comparison.staging, staging_path),
        "policy": {"file": policy_file, "map": dict(name_map or {})},
        "summary": {
            "verdict": "drift" if failing else "consistent",
            "fail_on": fail_on,
            "differences": len(differences),
            "failing": failing,
            "suppressed": len(suppressed),
            "by_severity": by_severity,
            "by_section": _counts((d.change.section, d.severity) for d in verdict.differences),
            "objects": {
                section: {
                    "primary": len(comparison.primary.objects.get(section, {})),
                    "staging": len(comparison.staging.objects.get(section, {})),
                }
                for section in SECTIONS
            },
        },
        "differences": differences,
        "suppressed": suppressed,
        "ignore_rules": [
            {
                "id": use.rule.id,
                "reason": use.rule.reason,
                "source": use.rule.source,
                "reference": use.rule.reference,
                "expires": use.rule.expires.isoformat() if use.rule.expires else None,
                "status": use.status,
                "hidden": use.hidden,
            }
            for use in verdict.rule_uses
        ],
        "warnings": warnings,
    }


def exit_code(report: Report) -> int:
    """0 when nothing reaches the ``fail_on`` severity, 1 when drift does."""
    return 1 if report["summary"]["failing"] else 0


def load_report(path: Path) -> Report:
    """Read a saved JSON report, refusing anything that is not ``driftcheck/report/v1``."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"not a JSON report ({exc})", file=str(path), line=line) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"not a {SCHEMA} report (schema: {found!r})", file=str(path))
    return data


def to_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
