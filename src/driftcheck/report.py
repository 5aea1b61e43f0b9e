"""The report: one JSON-shaped document (schema ``driftcheck/report/v1``) that every renderer reads.

Built from a comparison and a policy verdict. It carries everything the text and HTML
renderers show, so a saved JSON report can be rendered again later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from driftcheck import __version__
from driftcheck.compare import Change, Comparison, Json, plain
from driftcheck.errors import InputError
from driftcheck.normalize import (
    ENCRYPTED,
    SECTIONS,
    CanonicalConfiguration,
    ConfigObject,
    DeferredSchema,
    Node,
    is_out_of_box_tag,
)
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
        "objects": configuration_objects(comparison, verdict),
    }


# --- the configuration of both servers, object by object ------------------------------------

#: Shown instead of a value whose name says it is a secret (an export should hold none).
MASKED = "(masked)"
_SECRET_NAME = re.compile(
    r"(^|[-_.\s])(password|passwd|pwd|secret|client-?secret|token|credentials?|passphrase|"
    r"private-?key|shared-?key|key-?value)$",
    re.IGNORECASE,
)
_KEEP = frozenset({"", ENCRYPTED, MASKED})


def is_secret_name(name: str) -> bool:
    """A setting named like a password or secret (``password``, ``Connector.ClientSecret``)."""
    return bool(_SECRET_NAME.search(name)) or name.casefold().endswith(("password", "secret"))


def mask_secrets(tree: Json) -> Json:
    """``tree`` with the value of every secret-named leaf replaced by ``(masked)``."""
    if not isinstance(tree, dict):
        return tree
    masked: dict[str, Json] = {}
    for key, value in tree.items():
        if isinstance(value, str) and value not in _KEEP and is_secret_name(key):
            masked[key] = MASKED
        else:
            masked[key] = mask_secrets(value)
    return masked


def _schema_counts(schema: object) -> Node:
    """A connector schema as counts: the DSML of an AD forest has thousands of entries."""
    if isinstance(schema, DeferredSchema):
        return dict(schema.counts())
    if not isinstance(schema, dict):
        return {}
    counts: Node = {k: str(len(v)) for k, v in schema.items() if isinstance(v, dict)}
    return counts


def object_tree(obj: ConfigObject) -> dict[str, Json]:
    """One side of an object as plain JSON: secrets masked, a connector schema as counts.

    The schema is counted before conversion: converting it whole would cost more than the
    rest of the report.
    """
    fields = obj.fields
    if obj.section == "connector" and "schema" in fields:
        fields = {**fields, "schema": _schema_counts(fields["schema"])}
    result: dict[str, Json] = mask_secrets(plain(fields))
    return result


def is_out_of_box(immutable_tag: Json) -> bool:
    """Out-of-box sync rules carry an immutable tag ``Microsoft.<Name>.<version>``."""
    return isinstance(immutable_tag, str) and is_out_of_box_tag(immutable_tag)


def _ranks(objects: Iterable[ConfigObject]) -> dict[str, dict[str, int]]:
    """Each rule's rank among the rules it competes with on precedence (1 = applied first)."""
    groups: dict[str, list[ConfigObject]] = {}
    for obj in objects:
        if obj.precedence is not None:
            groups.setdefault(obj.precedence_group or "", []).append(obj)
    ranks: dict[str, dict[str, int]] = {}
    for members in groups.values():
        members.sort(key=lambda o: (o.precedence or 0, o.name.casefold()))
        for rank, obj in enumerate(members, start=1):
            ranks[obj.key] = {"precedence": obj.precedence or 0, "rank": rank, "of": len(members)}
    return ranks


def _direction(obj: ConfigObject) -> str:
    group = obj.precedence_group or ""
    return group.split("|", 1)[0].capitalize() if "|" in group else ""


def _state(p: ConfigObject | None, s: ConfigObject | None, modified: bool) -> str:
    if p is None:
        return "added"
    if s is None:
        return "removed"
    return "modified" if modified else "unchanged"


def _object_entry(
    p: ConfigObject | None,
    s: ConfigObject | None,
    modified: bool,
    ranks: tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]],
) -> dict[str, Json]:
    either = p or s
    assert either is not None
    entry: dict[str, Json] = {
        "name": either.name,
        "connector": either.connector,
        "state": _state(p, s, modified),
        "summary": {"primary": p.summary if p else None, "staging": s.summary if s else None},
    }
    if either.section == "sync-rule":
        tags = [o.fields.get("immutable-tag") for o in (p, s) if o is not None]
        entry["direction"] = _direction(either)
        entry["immutable_tag"] = next((t for t in tags if isinstance(t, str) and t), "")
        entry["out_of_box"] = any(is_out_of_box(t) for t in tags)
        entry["rank"] = {
            "primary": ranks[0].get(p.key) if p else None,
            "staging": ranks[1].get(s.key) if s else None,
        }
        if any(o is not None and o.definition is not None for o in (p, s)):
            entry["definition"] = {
                "primary": dict(p.definition) if p and p.definition else None,
                "staging": dict(s.definition) if s and s.definition else None,
            }
    entry["primary"] = object_tree(p) if p else None
    entry["staging"] = object_tree(s) if s else None
    return entry


def configuration_objects(comparison: Comparison, verdict: Verdict) -> dict[str, list[Json]]:
    """Every object of both servers, per section, with its state and both field trees.

    The HTML report shows the two configurations side by side from this. An object is
    ``modified`` when a reported (not suppressed) difference names it.
    """
    reported = {
        (d.change.section, (d.change.connector or "").casefold(), d.change.object.casefold())
        for d in verdict.differences
    }
    result: dict[str, list[Json]] = {}
    for section in SECTIONS:
        primary = comparison.primary.objects.get(section, {})
        staging = comparison.staging.objects.get(section, {})
        ranks = (_ranks(primary.values()), _ranks(staging.values()))
        keys = sorted(
            set(primary) | set(staging),
            key=lambda k: _sort_key(primary.get(k) or staging[k]),
        )
        entries: list[Json] = []
        for key in keys:
            p, s = primary.get(key), staging.get(key)
            either = p or s
            assert either is not None
            ident = (section, (either.connector or "").casefold(), either.name.casefold())
            entries.append(_object_entry(p, s, ident in reported, ranks))
        result[section] = entries
    return result


def _sort_key(obj: ConfigObject) -> tuple[str, str, str]:
    return ((obj.connector or "").casefold(), _direction(obj), obj.name.casefold())


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
    # Compact: written by the C encoder, several times faster than indent= on large estates.
    return json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n"
