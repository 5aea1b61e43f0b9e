"""The report: typed, frozen, and the one document every renderer reads.

Built from a comparison and a policy verdict. It carries everything the text and HTML
renderers show, so a saved JSON report (schema ``driftcheck/report/v1``) can be rendered again
later: :meth:`Report.to_json` writes that shape, :meth:`Report.from_json` reads it back and
turns a damaged, truncated or foreign file into an :class:`~driftcheck.errors.InputError`
naming what is wrong. Secrets are masked here, once (:mod:`driftcheck.compare.masking`).

Later features extend :class:`Report` and :class:`Finding` with optional fields that default
to empty and are written to JSON only when set, so older reports still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from driftcheck import __version__
from driftcheck.checks.readiness import Readiness
from driftcheck.compare.masking import (
    MASKED,
    is_secret_object,
    mask_all,
    mask_secrets,
    mask_value,
)
from driftcheck.compare.upgrade import UpgradeMode
from driftcheck.compare.walk import Json
from driftcheck.errors import InputError
from driftcheck.exports.link import PendingRef
from driftcheck.exports.result import ExportsResult
from driftcheck.flows.diff import ChainDiff
from driftcheck.model.jsonread import JsonReader
from driftcheck.model.ruledef import RuleDefinition
from driftcheck.model.vocab import (
    SEVERITY_ORDER,
    ChangeKind,
    RuleStatus,
    Severity,
)
from driftcheck.report.history import FindingHistory, HistoryRun, ResolvedFinding

SCHEMA = "driftcheck/report/v1"
#: Object states: a change kind, or unchanged.
OBJECT_STATES = (*(k.value for k in ChangeKind), "unchanged")
#: What the migration script does to a rule.
SCRIPT_ACTIONS = ("add", "remove", "replace", "enable", "disable")


# --- the report's parts ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServerInfo:
    path: str
    server: str
    export_date: str
    product_version: str

    def to_json(self) -> dict[str, Json]:
        return {
            "path": self.path,
            "server": self.server,
            "export_date": self.export_date,
            "product_version": self.product_version,
        }

    @staticmethod
    def from_json(r: JsonReader) -> ServerInfo:
        return ServerInfo(
            r.text("path"), r.text("server"), r.text("export_date"), r.text("product_version")
        )


@dataclass(frozen=True)
class PolicyInfo:
    """The admin's policy file (None without one) and its name map (staging → primary)."""

    file: str | None = None
    map: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Json]:
        return {"file": self.file, "map": dict(self.map)}

    @staticmethod
    def from_json(r: JsonReader) -> PolicyInfo:
        names = r.child("map")
        return PolicyInfo(r.optional_text("file"), {k: names.text(k) for k in names.names()})


@dataclass(frozen=True)
class Finding:
    """A reported difference: what changed, how severe it is and which rule said so."""

    section: str
    object: str
    connector: str | None
    path: str
    change: ChangeKind
    primary: Json
    staging: Json
    severity: Severity
    #: the severity rule that set the severity
    rule: str
    #: under ``--no-builtin-ignores``: the built-in ignore rule that would hide it
    would_be_hidden_by: str | None = None
    #: with ``--history``: new, open or reopened, and since when (:mod:`driftcheck.history.store`)
    history: FindingHistory | None = None
    #: the end-to-end attribute flows this difference changes (:mod:`driftcheck.report.impact`)
    affects: tuple[Affected, ...] = ()
    #: with ``--pending``: the staging server's pending changes this difference flows into
    pending: tuple[PendingRef, ...] | None = None

    def to_json(self) -> dict[str, Json]:
        entry = {**_change_json(self), "severity": self.severity, "rule": self.rule}
        entry["affects"] = [a.to_json() for a in self.affects]
        if self.would_be_hidden_by:
            entry["would_be_hidden_by"] = self.would_be_hidden_by
        if self.history is not None:
            entry["history"] = self.history.to_json()
        if self.pending is not None:
            entry["pending"] = [p.to_json() for p in self.pending]
        return entry

    @staticmethod
    def from_json(r: JsonReader) -> Finding:
        return Finding(
            *_change_from(r),
            severity=r.choice("severity", Severity),
            rule=r.text("rule"),
            would_be_hidden_by=r.optional_text("would_be_hidden_by"),
            history=FindingHistory.from_json(r.child("history")) if r.present("history") else None,
            affects=tuple(Affected.from_json(a) for a in r.items("affects"))
            if r.present("affects")
            else (),
            pending=tuple(
                PendingRef(p.text("connector"), p.text("attribute"), p.count("objects"))
                for p in r.items("pending")
            )
            if r.present("pending")
            else None,
        )


@dataclass(frozen=True)
class Affected:
    """One end-to-end attribute whose flow a difference changes: the metaverse attribute and
    the connector attribute it ends in (None where it reaches no connector)."""

    object_type: str
    attribute: str
    connector: str | None
    target: str | None

    def to_json(self) -> dict[str, Json]:
        return {
            "object_type": self.object_type,
            "attribute": self.attribute,
            "connector": self.connector,
            "target": self.target,
        }

    @staticmethod
    def from_json(r: JsonReader) -> Affected:
        return Affected(
            r.text("object_type"),
            r.text("attribute"),
            r.optional_text("connector"),
            r.optional_text("target"),
        )


@dataclass(frozen=True)
class SuppressedFinding:
    """A difference hidden by an ignore rule, kept so that it is counted and can be shown."""

    section: str
    object: str
    connector: str | None
    path: str
    change: ChangeKind
    primary: Json
    staging: Json
    severity: Severity
    ignored_by: str

    def to_json(self) -> dict[str, Json]:
        return {**_change_json(self), "severity": self.severity, "ignored_by": self.ignored_by}

    @staticmethod
    def from_json(r: JsonReader) -> SuppressedFinding:
        return SuppressedFinding(
            *_change_from(r),
            severity=r.choice("severity", Severity),
            ignored_by=r.text("ignored_by"),
        )


def _change_json(c: Finding | SuppressedFinding) -> dict[str, Json]:
    return {
        "section": c.section,
        "object": c.object,
        "connector": c.connector,
        "path": c.path,
        "change": c.change,
        "primary": c.primary,
        "staging": c.staging,
    }


def _change_from(r: JsonReader) -> tuple[str, str, str | None, str, ChangeKind, Json, Json]:
    """A change's fields read back, secrets masked again: the file may have been edited."""
    where = (r.text("section"), r.text("object"), r.text("path"))
    return (
        where[0],
        where[1],
        r.optional_text("connector"),
        where[2],
        r.choice("change", ChangeKind),
        mask_value(*where, r.value("primary")),
        mask_value(*where, r.value("staging")),
    )


@dataclass(frozen=True)
class RuleAudit:
    """What an ignore rule hid in this run."""

    id: str
    reason: str
    source: str
    reference: str | None
    expires: str | None
    status: RuleStatus
    hidden: int
    #: keys written by a newer driftcheck, shown as they are
    extra: Mapping[str, Json] = field(default_factory=dict)

    def to_json(self) -> dict[str, Json]:
        return {
            "id": self.id,
            "reason": self.reason,
            "source": self.source,
            "reference": self.reference,
            "expires": self.expires,
            "status": self.status,
            "hidden": self.hidden,
            **self.extra,
        }

    @staticmethod
    def from_json(r: JsonReader) -> RuleAudit:
        known = ("id", "reason", "source", "reference", "expires", "status", "hidden")
        return RuleAudit(
            id=r.text("id"),
            reason=r.text("reason"),
            source=r.text("source"),
            reference=r.optional_text("reference"),
            expires=r.optional_text("expires"),
            status=r.choice("status", RuleStatus),
            hidden=r.count("hidden"),
            extra={k: r.value(k) for k in r.names() if k not in known},
        )


@dataclass(frozen=True)
class ObjectCounts:
    primary: int
    staging: int

    def to_json(self) -> dict[str, Json]:
        return {"primary": self.primary, "staging": self.staging}

    @staticmethod
    def from_json(r: JsonReader) -> ObjectCounts:
        return ObjectCounts(r.count("primary"), r.count("staging"))


SeverityCounts = Mapping[Severity, int]


@dataclass(frozen=True)
class Summary:
    verdict: str  # "drift" | "consistent"
    fail_on: Severity
    differences: int
    failing: int
    suppressed: int
    by_severity: SeverityCounts
    #: counts per section; ``policy`` only when the policy file has findings
    by_section: Mapping[str, SeverityCounts]
    #: objects per configuration section on each server
    objects: Mapping[str, ObjectCounts]
    #: with ``--pending``: pending-exports findings at or above ``fail_on`` (they count in the
    #: verdict too)
    pending_failing: int = 0

    @property
    def consistent(self) -> bool:
        return self.verdict == "consistent"

    def to_json(self) -> dict[str, Json]:
        return {
            "verdict": self.verdict,
            "fail_on": self.fail_on,
            "differences": self.differences,
            "failing": self.failing,
            "suppressed": self.suppressed,
            "by_severity": _severity_counts_json(self.by_severity),
            "by_section": {s: _severity_counts_json(c) for s, c in self.by_section.items()},
            "objects": {s: c.to_json() for s, c in self.objects.items()},
            **({"pending_failing": self.pending_failing} if self.pending_failing else {}),
        }

    @staticmethod
    def from_json(r: JsonReader) -> Summary:
        by_section = r.child("by_section")
        objects = r.child("objects")
        return Summary(
            verdict=r.text("verdict", choices=("drift", "consistent")),
            fail_on=r.choice("fail_on", Severity),
            differences=r.count("differences"),
            failing=r.count("failing"),
            suppressed=r.count("suppressed"),
            by_severity=_severity_counts(r.child("by_severity")),
            by_section={s: _severity_counts(by_section.child(s)) for s in by_section.names()},
            objects={s: ObjectCounts.from_json(objects.child(s)) for s in objects.names()},
            pending_failing=r.count("pending_failing") if r.present("pending_failing") else 0,
        )


def _severity_counts_json(counts: SeverityCounts) -> dict[str, int]:
    return {level.value: counts.get(level, 0) for level in SEVERITY_ORDER}


def _severity_counts(r: JsonReader) -> dict[Severity, int]:
    return {level: r.count(level.value) for level in SEVERITY_ORDER}


@dataclass(frozen=True)
class Rank:
    """A sync rule's place among the rules competing with it on precedence (1 = first)."""

    precedence: int
    rank: int
    of: int

    def to_json(self) -> dict[str, Json]:
        return {"precedence": self.precedence, "rank": self.rank, "of": self.of}

    @staticmethod
    def from_json(r: JsonReader) -> Rank:
        return Rank(r.integer("precedence"), r.count("rank"), r.count("of"))


@dataclass(frozen=True)
class SyncRuleInfo:
    """What an object entry adds for a sync rule."""

    direction: str
    immutable_tag: str
    out_of_box: bool
    rank_primary: Rank | None
    rank_staging: Rank | None
    #: a custom rule as exported on each side, from which the migration script is written
    definition_primary: RuleDefinition | None = None
    definition_staging: RuleDefinition | None = None


@dataclass(frozen=True)
class ObjectEntry:
    """One object of both servers: its state and each side's configuration tree (plain JSON,
    secrets masked, a connector schema as counts); None on the side it is missing from."""

    name: str
    connector: str | None
    state: str  # added | removed | modified | unchanged
    summary_primary: str | None
    summary_staging: str | None
    primary: Mapping[str, Json] | None
    staging: Mapping[str, Json] | None
    rule: SyncRuleInfo | None = None

    @property
    def summary(self) -> str:
        return self.summary_primary or self.summary_staging or ""

    def to_json(self) -> dict[str, Json]:
        entry: dict[str, Json] = {
            "name": self.name,
            "connector": self.connector,
            "state": self.state,
            "summary": {"primary": self.summary_primary, "staging": self.summary_staging},
        }
        if self.rule is not None:
            rule = self.rule
            entry["direction"] = rule.direction
            entry["immutable_tag"] = rule.immutable_tag
            entry["out_of_box"] = rule.out_of_box
            entry["rank"] = {
                "primary": rule.rank_primary.to_json() if rule.rank_primary else None,
                "staging": rule.rank_staging.to_json() if rule.rank_staging else None,
            }
            if rule.definition_primary or rule.definition_staging:
                entry["definition"] = {
                    side: d.to_json() if d else None
                    for side, d in (
                        ("primary", rule.definition_primary),
                        ("staging", rule.definition_staging),
                    )
                }
        entry["primary"] = self.primary
        entry["staging"] = self.staging
        return entry

    @staticmethod
    def from_json(r: JsonReader, section: str) -> ObjectEntry:
        summary = r.child("summary")
        name = r.text("name")
        secret = is_secret_object(section, name)
        rule = None
        if "direction" in r.names() or "rank" in r.names():
            rank = r.child("rank")
            definition = r.child("definition") if r.present("definition") else None
            rule = SyncRuleInfo(
                direction=r.text("direction"),
                immutable_tag=r.text("immutable_tag"),
                out_of_box=r.boolean("out_of_box"),
                rank_primary=Rank.from_json(rank.child("primary"))
                if rank.present("primary")
                else None,
                rank_staging=Rank.from_json(rank.child("staging"))
                if rank.present("staging")
                else None,
                definition_primary=_definition(definition, "primary"),
                definition_staging=_definition(definition, "staging"),
            )
        return ObjectEntry(
            name=name,
            connector=r.optional_text("connector"),
            state=r.text("state", choices=OBJECT_STATES),
            summary_primary=masked_summary(secret, summary.optional_text("primary")),
            summary_staging=masked_summary(secret, summary.optional_text("staging")),
            primary=_masked_tree(secret, r.optional_tree("primary")),
            staging=_masked_tree(secret, r.optional_tree("staging")),
            rule=rule,
        )


def _definition(r: JsonReader | None, side: str) -> RuleDefinition | None:
    if r is None or not r.present(side):
        return None
    return RuleDefinition.from_json(r.child(side))


def masked_summary(secret: bool, summary: str | None) -> str | None:
    """An object's one-line summary; a secret global setting's summary is its value."""
    return MASKED if secret and summary else summary


def _masked_tree(secret: bool, tree: Mapping[str, Json] | None) -> Mapping[str, Json] | None:
    """A tree read back, secrets masked again (the file may have been edited)."""
    if tree is None:
        return None
    masked: Mapping[str, Json] = mask_all(tree) if secret else mask_secrets(tree)
    return masked


@dataclass(frozen=True)
class ScriptChange:
    """One change the migration script makes (see :mod:`driftcheck.render.script`)."""

    action: str  # add | remove | replace | enable | disable
    name: str
    connector: str
    direction: str

    def to_json(self) -> dict[str, Json]:
        return {
            "action": self.action,
            "name": self.name,
            "connector": self.connector,
            "direction": self.direction,
        }

    @staticmethod
    def from_json(r: JsonReader) -> ScriptChange:
        return ScriptChange(
            r.text("action", choices=SCRIPT_ACTIONS),
            r.text("name"),
            r.text("connector"),
            r.text("direction"),
        )


@dataclass(frozen=True)
class ScriptFix:
    """A reported difference the migration script removes."""

    section: str
    object: str
    connector: str | None
    path: str
    change: ChangeKind

    def to_json(self) -> dict[str, Json]:
        return {
            "section": self.section,
            "object": self.object,
            "connector": self.connector,
            "path": self.path,
            "change": self.change.value,
        }

    @staticmethod
    def from_json(r: JsonReader) -> ScriptFix:
        return ScriptFix(
            r.text("section"),
            r.text("object"),
            r.optional_text("connector"),
            r.text("path"),
            r.choice("change", ChangeKind),
        )


@dataclass(frozen=True)
class ScriptRecord:
    """The migration script written with this report (``compare --script``).

    ``href`` links it from the HTML report (relative to where that was written).
    """

    path: str
    href: str
    target: str
    server: str
    changes: tuple[ScriptChange, ...]
    fixes: tuple[ScriptFix, ...]
    #: differences left to the wizard or only warned about
    not_scripted: int

    def to_json(self) -> dict[str, Json]:
        return {
            "path": self.path,
            "href": self.href,
            "target": self.target,
            "server": self.server,
            "changes": [c.to_json() for c in self.changes],
            "fixes": [f.to_json() for f in self.fixes],
            "not_scripted": self.not_scripted,
        }

    @staticmethod
    def from_json(r: JsonReader) -> ScriptRecord:
        return ScriptRecord(
            path=r.text("path"),
            href=r.text("href"),
            target=r.text("target", choices=("staging", "primary")),
            server=r.text("server"),
            changes=tuple(ScriptChange.from_json(c) for c in r.items("changes")),
            fixes=tuple(ScriptFix.from_json(f) for f in r.items("fixes")),
            not_scripted=r.count("not_scripted"),
        )


@dataclass(frozen=True)
class Report:
    """Everything a run found, as every output shows it.

    To extend it (readiness checks, history, a script), add a field with an empty default
    after the others (``checks: tuple[Check, ...] = ()``); in :meth:`to_json` write its key
    only when it is set, and in :meth:`from_json` read it only when present, so reports
    written before and after the change load alike.
    """

    primary: ServerInfo
    staging: ServerInfo
    policy: PolicyInfo
    summary: Summary
    differences: tuple[Finding, ...]
    suppressed: tuple[SuppressedFinding, ...]
    ignore_rules: tuple[RuleAudit, ...]
    warnings: tuple[str, ...]
    #: every object of both servers, per section; empty in a report saved without them
    objects: Mapping[str, tuple[ObjectEntry, ...]] = field(default_factory=dict)
    tool_version: str = __version__
    #: the migration script written with the report (``compare --script``), if any
    script: ScriptRecord | None = None
    #: readiness checks of both servers and the pair (issue 10); None: not run
    checks: Readiness | None = None
    #: set when the product versions differ and upgrade mode compared them
    upgrade: UpgradeMode | None = None
    #: with ``--history``: the previous run's findings that are gone, and this run's place
    resolved: tuple[ResolvedFinding, ...] = ()
    history_run: HistoryRun | None = None
    #: the attributes whose end-to-end flow differs, each linked to the differences causing
    #: it; None: not computed (a report written before flows existed)
    flows: tuple[ChainDiff, ...] | None = None
    #: with ``--pending``: the staging server's pending exports, each attribute saying which
    #: difference explains it (``explained_by``); schema ``driftcheck/exports/v1``
    pending: ExportsResult | None = None

    @property
    def failing(self) -> bool:
        return (
            self.summary.failing > 0
            or bool(self.checks and self.checks.failing)
            or bool(self.pending and self.pending.summary.failed)
        )

    def to_json(self) -> dict[str, Json]:
        """The report as JSON data (schema ``driftcheck/report/v1``)."""
        data: dict[str, Json] = {
            "schema": SCHEMA,
            "tool": {"name": "driftcheck", "version": self.tool_version},
            "primary": self.primary.to_json(),
            "staging": self.staging.to_json(),
            "policy": self.policy.to_json(),
            "summary": self.summary.to_json(),
            "differences": [d.to_json() for d in self.differences],
            "suppressed": [s.to_json() for s in self.suppressed],
            "ignore_rules": [r.to_json() for r in self.ignore_rules],
            "warnings": list(self.warnings),
            "objects": {s: [o.to_json() for o in objs] for s, objs in self.objects.items()},
        }
        if self.script is not None:
            data["script"] = self.script.to_json()
        if self.checks is not None:
            data["checks"] = self.checks.to_json()
        if self.upgrade is not None:
            data["upgrade"] = self.upgrade.to_json()
        if self.flows is not None:
            data["flows"] = [f.to_json() for f in self.flows]
        if self.history_run is not None:
            data["history_run"] = self.history_run.to_json()
            data["resolved"] = [f.to_json() for f in self.resolved]
        if self.pending is not None:
            data["pending"] = self.pending.to_json()
        return data

    @staticmethod
    def from_json(data: Json, *, file: str | None = None) -> Report:
        """A report read back from JSON data; :class:`InputError` naming the file and what is
        wrong (a missing key, a list where an object belongs, an unknown severity…)."""
        r = JsonReader.root(data, file=file)
        schema = r.optional_value("schema")
        if schema != SCHEMA:
            raise InputError(
                f"not a {SCHEMA} report (schema: {JsonReader.shown(schema)})", file=file
            )
        objects = r.child("objects") if r.present("objects") else JsonReader({}, "objects", file)
        return Report(
            tool_version=r.child("tool").text("version"),
            primary=ServerInfo.from_json(r.child("primary")),
            staging=ServerInfo.from_json(r.child("staging")),
            policy=PolicyInfo.from_json(r.child("policy")),
            summary=Summary.from_json(r.child("summary")),
            differences=tuple(Finding.from_json(x) for x in r.items("differences")),
            suppressed=tuple(SuppressedFinding.from_json(x) for x in r.items("suppressed")),
            ignore_rules=tuple(RuleAudit.from_json(x) for x in r.items("ignore_rules")),
            warnings=tuple(w.as_text() for w in r.items("warnings")),
            objects={
                s: tuple(ObjectEntry.from_json(x, s) for x in objects.items(s))
                for s in objects.names()
            },
            script=ScriptRecord.from_json(r.child("script")) if r.present("script") else None,
            checks=Readiness.from_json(r.value("checks"), file=file)
            if r.present("checks")
            else None,
            upgrade=UpgradeMode.from_json(r.value("upgrade"), file=file)
            if r.present("upgrade")
            else None,
            resolved=tuple(ResolvedFinding.from_json(x) for x in r.items("resolved"))
            if r.present("resolved")
            else (),
            history_run=HistoryRun.from_json(r.child("history_run"))
            if r.present("history_run")
            else None,
            flows=tuple(ChainDiff.from_json(f) for f in r.items("flows"))
            if r.present("flows")
            else None,
            pending=ExportsResult.from_json(r.value("pending"), file or "JSON")
            if r.present("pending")
            else None,
        )
