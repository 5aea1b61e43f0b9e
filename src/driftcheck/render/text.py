"""The short human summary printed to stdout: verdict, counts, the top differences."""

from __future__ import annotations

from driftcheck.compare.upgrade import UPGRADE_RULES
from driftcheck.compare.walk import Json
from driftcheck.model.vocab import (
    SEVERITY_ORDER,
    ChangeKind,
    RuleStatus,
    section_title,
    severity_sort_key,
)
from driftcheck.policy.file import PolicyFile
from driftcheck.policy.matching import BUILT_IN
from driftcheck.policy.rules import Policy, is_expired
from driftcheck.render.flows_text import changed_flow_lines
from driftcheck.render.readiness import readiness_text
from driftcheck.render.tracking import history_lines
from driftcheck.report.findings import folded_phrase, for_reading
from driftcheck.report.findings import severity_counts as listed_counts
from driftcheck.report.summary import verdict_line
from driftcheck.report.types import Finding, Report, ServerInfo

MAX_VALUE = 100


def short(value: Json) -> str:
    """A value on one line, cut to a readable length."""
    if value is None:
        return "(absent)"
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "(empty)"
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {short(v)}" for k, v in value.items())
    else:
        text = str(value) if value != "" else '""'
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def server_line(label: str, server: ServerInfo) -> str:
    version = server.product_version or "unknown version"
    exported = server.export_date or "?"
    return f"{label}: {server.server or '?'} ({version}, exported {exported})"


def difference_lines(d: Finding) -> list[str]:
    where = d.object + (f" [{d.connector}]" if d.connector and d.connector != d.object else "")
    path = d.path or "(whole object)"
    lines = [
        f"  {d.severity.upper():8} {section_title(d.section)}: {where}",
        f"           {path}: {d.change}",
    ]
    if d.change != ChangeKind.ADDED:
        lines.append(f"             primary: {short(d.primary)}")
    if d.change != ChangeKind.REMOVED:
        lines.append(f"             staging: {short(d.staging)}")
    if d.pending:
        shown = ", ".join(
            f"{p.attribute} on {p.connector}: {p.objects:,} objects" for p in d.pending[:3]
        )
        more = f" (+{len(d.pending) - 3} more)" if len(d.pending) > 3 else ""
        lines.append(f"             pending exports: {shown}{more}")
    return lines


#: Lines of the Pending exports section: findings and unexplained attributes shown.
PENDING_SHOWN = 8


def pending_lines(report: Report) -> list[str]:
    """``compare --pending``: the pending-exports findings, and the changes no difference
    explains (data changes, not drift)."""
    pending = report.pending
    if pending is None:
        return []
    s = pending.summary
    lines = [
        "",
        f"Pending exports on staging: {s.objects:,} objects would change ({s.counts.adds:,} "
        f"adds, {s.counts.updates:,} updates, {s.counts.deletes:,} deletes, "
        f"{s.counts.delete_adds:,} delete-adds)",
    ]
    for f in pending.findings[:PENDING_SHOWN]:
        lines.append(f"  {f.severity.upper():8} {f.rule}: {f.message}")
    if len(pending.findings) > PENDING_SHOWN:
        lines.append(f"  … {len(pending.findings) - PENDING_SHOWN} more findings (--json, --html)")
    unexplained = sorted(
        (
            (a.objects, c.name, a.name)
            for c in pending.connectors
            for a in c.attributes
            if not a.explained_by
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    if unexplained:
        lines.append("  Not explained by any configuration difference (data changes):")
        for objects, connector, attribute in unexplained[:PENDING_SHOWN]:
            lines.append(f"    {attribute} on {connector}: {objects:,} objects")
        if len(unexplained) > PENDING_SHOWN:
            lines.append(f"    … {len(unexplained) - PENDING_SHOWN} more attributes")
    return lines


def _count_columns(cells: list[str] | list[int]) -> str:
    widths = [9 if n < len(SEVERITY_ORDER) - 1 else 6 for n in range(len(SEVERITY_ORDER))]
    return "".join(f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True))


def render_text(report: Report, *, top: int = 15) -> str:
    lines = [
        f"driftcheck {report.tool_version}",
        server_line("primary", report.primary),
        server_line("staging", report.staging),
        "",
        verdict_line(report),
        *readiness_text(report),
        "",
        f"  {'':18}" + _count_columns([level.value for level in SEVERITY_ORDER]),
    ]
    for section in report.summary.by_section:
        counts = listed_counts([d for d in report.differences if d.section == section])
        row = [counts[level] for level in SEVERITY_ORDER]
        lines.append(f"  {section_title(section):18}" + _count_columns(row))
    lines += history_lines(report, difference_lines, top=top)
    reading = for_reading(report.differences)
    ranked = sorted(reading.findings, key=lambda d: severity_sort_key(d.severity))
    if ranked:
        lines += ["", f"Top differences ({min(top, len(ranked))} of {len(ranked)}):"]
        if reading.folded:
            lines.append(f"  ({folded_phrase(reading.folded)})")
        for d in ranked[:top]:
            lines += difference_lines(d)
        if len(ranked) > top:
            lines.append(
                f"  … {len(ranked) - top} more: write the full report with --html or --json"
            )
    lines += changed_flow_lines(report.flows or (), top=top)
    lines += pending_lines(report)
    hiding = [r for r in report.ignore_rules if r.hidden]
    if hiding:
        lines += ["", "Suppressed by ignore rules:"]
        lines += [f"  {r.hidden:>5}  {r.id}: {r.reason}" for r in hiding]
    admin = [r for r in report.ignore_rules if r.source != BUILT_IN]
    for status, title in (
        (RuleStatus.UNUSED, "Unused policy rules (hid nothing)"),
        (RuleStatus.EXPIRED, "Expired policy rules"),
    ):
        stale = [r.id for r in admin if r.status == status]
        if stale:
            lines += ["", f"{title}: {', '.join(stale)}"]
    if report.warnings:
        lines += ["", "Warnings:"] + [f"  {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def rules_listing(policy: Policy, admin: PolicyFile | None) -> list[str]:
    """``driftcheck rules``: every ignore and severity rule in force, in the order applied."""
    lines = []
    if admin is not None:
        lines.append(
            f"Policy file {admin.path}: valid ({len(admin.ignore_rules)} ignore, "
            f"{len(admin.severity_rules)} severity rules, {len(admin.name_map)} name mappings)"
        )
        lines += [f"  map {old!r} -> {new!r}" for old, new in admin.name_map.items()]
        lines.append("")
    lines.append("Ignore rules (the first that matches hides a difference):")
    for rule in policy.ignore_rules:
        expiry = ""
        if rule.expires is not None:
            state = "EXPIRED" if is_expired(rule, policy.today) else "expires"
            expiry = f" [{state} {rule.expires.isoformat()}]"
        lines.append(f"  {rule.id}{expiry}  ({rule.source})")
        lines.append(f"      {rule.reason}")
        if rule.reference:
            lines.append(f"      source: {rule.reference}")
    lines += ["", "Severity rules (the first that matches sets the severity):"]
    for sev in policy.severity_rules:
        origin = "" if sev.source == BUILT_IN else f"  ({sev.source})"
        lines.append(f"  {sev.level:8} {sev.id}{origin}: {sev.reason}")
    lines += ["", "Upgrade mode (product versions differ): these come first and set info:"]
    lines += [f"  {rule_id}: {reason}" for rule_id, reason in UPGRADE_RULES.items()]
    return lines
