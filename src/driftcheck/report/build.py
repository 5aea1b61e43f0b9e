"""Building the report from a comparison and the policy's verdict: findings, counts, objects.

Secrets are masked here, once (:mod:`driftcheck.compare.masking`); the exit code is read off
the built report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from driftcheck.compare.canonical import ConfigObject, DeferredSchema, Node
from driftcheck.compare.masking import (
    is_secret_object,
    mask_all,
    mask_secrets,
    mask_value,
)
from driftcheck.compare.sections import is_out_of_box_tag
from driftcheck.compare.walk import Change, Comparison, Json, plain
from driftcheck.model.vocab import (
    CONFIG_SECTIONS,
    SEVERITY_ORDER,
    ChangeKind,
    RuleStatus,
    Section,
    Severity,
)
from driftcheck.policy.rules import Difference, Verdict
from driftcheck.report.types import (
    Finding,
    ObjectCounts,
    ObjectEntry,
    PolicyInfo,
    Rank,
    Report,
    RuleAudit,
    ServerInfo,
    Summary,
    SuppressedFinding,
    SyncRuleInfo,
    masked_summary,
)


def _masked_change(change: Change) -> tuple[str, str, str | None, str, ChangeKind, Json, Json]:
    """A change's fields, a secret's values masked (:mod:`driftcheck.compare.masking`)."""
    where = (change.section, change.object, change.path)
    return (
        change.section,
        change.object,
        change.connector,
        change.path,
        ChangeKind(change.change),
        mask_value(*where, change.primary),
        mask_value(*where, change.staging),
    )


def _finding(d: Difference) -> Finding:
    return Finding(
        *_masked_change(d.change),
        severity=Severity(d.severity),
        rule=d.rule,
        would_be_hidden_by=d.would_be_hidden_by,
    )


def _counts(levels: Iterable[tuple[str, Severity]]) -> dict[str, dict[Severity, int]]:
    """Counts per section and severity; a ``policy`` row only when the policy has findings."""
    by_section = {s.value: dict.fromkeys(SEVERITY_ORDER, 0) for s in CONFIG_SECTIONS}
    for section, level in levels:
        row = by_section.setdefault(section, dict.fromkeys(SEVERITY_ORDER, 0))
        row[level] += 1
    return by_section


def is_failing(severity: str, fail_on: str) -> bool:
    return Severity(severity).at_least(Severity(fail_on))


def build_report(
    comparison: Comparison,
    verdict: Verdict,
    *,
    primary_path: str,
    staging_path: str,
    fail_on: str = Severity.WARNING,
    policy_file: str | None = None,
    name_map: Mapping[str, str] | None = None,
) -> Report:
    threshold = Severity(fail_on)
    differences = tuple(_finding(d) for d in verdict.differences)
    suppressed = tuple(
        SuppressedFinding(
            *_masked_change(s.change), severity=Severity(s.severity), ignored_by=s.rule
        )
        for s in verdict.suppressed
    )
    by_severity = dict.fromkeys(SEVERITY_ORDER, 0)
    for d in differences:
        by_severity[d.severity] += 1
    failing = sum(n for level, n in by_severity.items() if level.at_least(threshold))
    p, s = comparison.primary, comparison.staging
    return Report(
        primary=ServerInfo(primary_path, p.server, p.export_date, p.product_version),
        staging=ServerInfo(staging_path, s.server, s.export_date, s.product_version),
        policy=PolicyInfo(policy_file, dict(name_map or {})),
        summary=Summary(
            verdict="drift" if failing else "consistent",
            fail_on=threshold,
            differences=len(differences),
            failing=failing,
            suppressed=len(suppressed),
            by_severity=by_severity,
            by_section=_counts((d.section, d.severity) for d in differences),
            objects={
                section.value: ObjectCounts(
                    len(p.objects.get(section, {})), len(s.objects.get(section, {}))
                )
                for section in CONFIG_SECTIONS
            },
        ),
        differences=differences,
        suppressed=suppressed,
        ignore_rules=tuple(
            RuleAudit(
                id=use.rule.id,
                reason=use.rule.reason,
                source=use.rule.source,
                reference=use.rule.reference,
                expires=use.rule.expires.isoformat() if use.rule.expires else None,
                status=RuleStatus(use.status),
                hidden=use.hidden,
            )
            for use in verdict.rule_uses
        ),
        warnings=tuple(sorted(set(p.warnings) | set(s.warnings))),
        objects=configuration_objects(comparison, verdict),
    )


# --- the configuration of both servers, object by object ------------------------------------


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
    if obj.section == Section.CONNECTOR and "schema" in fields:
        fields = {**fields, "schema": _schema_counts(fields["schema"])}
    tree = plain(fields)
    result: dict[str, Json] = (
        mask_all(tree) if is_secret_object(obj.section, obj.name) else mask_secrets(tree)
    )
    return result


def _summary(obj: ConfigObject | None) -> str | None:
    if obj is None:
        return None
    return masked_summary(is_secret_object(obj.section, obj.name), obj.summary)


def is_out_of_box(immutable_tag: Json) -> bool:
    """Out-of-box sync rules carry an immutable tag ``Microsoft.<Name>.<version>``."""
    return isinstance(immutable_tag, str) and is_out_of_box_tag(immutable_tag)


def _ranks(objects: Iterable[ConfigObject]) -> dict[str, Rank]:
    """Each rule's rank among the rules it competes with on precedence (1 = applied first)."""
    groups: dict[str, list[ConfigObject]] = {}
    for obj in objects:
        if obj.precedence is not None:
            groups.setdefault(obj.precedence_group or "", []).append(obj)
    ranks: dict[str, Rank] = {}
    for members in groups.values():
        members.sort(key=lambda o: (o.precedence or 0, o.name.casefold()))
        for rank, obj in enumerate(members, start=1):
            ranks[obj.key] = Rank(obj.precedence or 0, rank, len(members))
    return ranks


def _direction(obj: ConfigObject) -> str:
    group = obj.precedence_group or ""
    return group.split("|", 1)[0].capitalize() if "|" in group else ""


def _state(p: ConfigObject | None, s: ConfigObject | None, modified: bool) -> str:
    if p is None:
        return ChangeKind.ADDED
    if s is None:
        return ChangeKind.REMOVED
    return ChangeKind.MODIFIED if modified else "unchanged"


def _object_entry(
    p: ConfigObject | None,
    s: ConfigObject | None,
    modified: bool,
    ranks: tuple[dict[str, Rank], dict[str, Rank]],
) -> ObjectEntry:
    either = p or s
    assert either is not None
    rule = None
    if either.section == Section.SYNC_RULE:
        tags = [o.fields.get("immutable-tag") for o in (p, s) if o is not None]
        rule = SyncRuleInfo(
            direction=_direction(either),
            immutable_tag=next((t for t in tags if isinstance(t, str) and t), ""),
            out_of_box=any(is_out_of_box(t) for t in tags),
            rank_primary=ranks[0].get(p.key) if p else None,
            rank_staging=ranks[1].get(s.key) if s else None,
            definition_primary=p.definition if p else None,
            definition_staging=s.definition if s else None,
        )
    return ObjectEntry(
        name=either.name,
        connector=either.connector,
        state=_state(p, s, modified),
        summary_primary=_summary(p),
        summary_staging=_summary(s),
        primary=object_tree(p) if p else None,
        staging=object_tree(s) if s else None,
        rule=rule,
    )


def configuration_objects(
    comparison: Comparison, verdict: Verdict
) -> dict[str, tuple[ObjectEntry, ...]]:
    """Every object of both servers, per section, with its state and both field trees.

    The HTML report shows the two configurations side by side from this. An object is
    ``modified`` when a reported (not suppressed) difference names it.
    """
    reported = {
        (d.change.section, (d.change.connector or "").casefold(), d.change.object.casefold())
        for d in verdict.differences
    }
    result: dict[str, tuple[ObjectEntry, ...]] = {}
    for section in CONFIG_SECTIONS:
        primary = comparison.primary.objects.get(section, {})
        staging = comparison.staging.objects.get(section, {})
        ranks = (_ranks(primary.values()), _ranks(staging.values()))
        keys = sorted(
            set(primary) | set(staging),
            key=lambda k: _sort_key(primary.get(k) or staging[k]),
        )
        entries: list[ObjectEntry] = []
        for key in keys:
            p, s = primary.get(key), staging.get(key)
            either = p or s
            assert either is not None
            ident = (section, (either.connector or "").casefold(), either.name.casefold())
            entries.append(_object_entry(p, s, ident in reported, ranks))
        result[section.value] = tuple(entries)
    return result


def _sort_key(obj: ConfigObject) -> tuple[str, str, str]:
    return ((obj.connector or "").casefold(), _direction(obj), obj.name.casefold())


def exit_code(report: Report) -> int:
    """0 when nothing reaches the ``fail_on`` severity, 1 when drift does."""
    return 1 if report.failing else 0
