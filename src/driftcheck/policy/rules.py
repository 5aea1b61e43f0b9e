"""Policy: which differences are hidden (ignore rules) and how severe the rest are.

Every rule has an id, a one-line reason and a source, and every difference it hides is kept
and counted, so a report can always say what was not shown and why. Rules match a change by
section, object name, path and value; the first severity rule that matches sets the severity.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from driftcheck.compare.walk import Change, Json
from driftcheck.model.vocab import ChangeKind, RuleStatus, Section, Severity

#: Least severe first (see :class:`driftcheck.model.vocab.Severity`).
SEVERITIES: tuple[Severity, ...] = tuple(Severity)
BUILT_IN = "built-in"

STAGING_DOC = "Microsoft Learn: Microsoft Entra Connect: Staging server and disaster recovery"
EXPORT_DOC = "Get-ADSyncServerConfiguration export format (docs/ignore-rules.md)"
PROVISIONING_DOC = (
    "Microsoft Learn: Microsoft Entra Connect Sync: Understanding Declarative Provisioning"
)


def severity_rank(level: str) -> int:
    return Severity(level).rank


def _compile(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def glob(pattern: str) -> re.Pattern[str]:
    """A case-insensitive shell-style glob (``*`` also matches ``/``)."""
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.DOTALL)


def value_text(value: Json) -> list[str]:
    """The strings a value matcher looks at: a scalar, or each member of a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(value)]
    return [str(value)]


@dataclass(frozen=True)
class Matcher:
    """Which changes a rule applies to. Unset parts match anything.

    ``paths``/``objects``/``values`` are regular expressions (built-in rules) or compiled globs
    (policy files). ``both_values`` requires each side's value to match (a per-server generated
    name on both servers); ``same_ignoring_case`` requires the two values to differ in case only.
    ``same_key`` (True or False) further requires the part of both values caught by the
    pattern's ``key`` group (the tenant of a cloud account) to be equal, or to differ,
    ignoring case.
    """

    section: str | None = None
    objects: tuple[re.Pattern[str], ...] = ()
    paths: tuple[re.Pattern[str], ...] = ()
    values: tuple[re.Pattern[str], ...] = ()
    both_values: re.Pattern[str] | None = None
    same_ignoring_case: bool = False
    same_key: bool | None = None
    #: other matchers, any of which also makes the rule apply
    also: tuple[Matcher, ...] = ()
    #: matchers any of which keeps the rule from applying (checked before ``also``)
    unless: tuple[Matcher, ...] = ()

    def matches(self, change: Change) -> bool:
        if any(m.matches(change) for m in self.unless):
            return False
        return self._matches(change) or any(m.matches(change) for m in self.also)

    def _matches(self, change: Change) -> bool:
        if self.section is not None and change.section != self.section:
            return False
        if self.objects and not any(p.fullmatch(change.object) for p in self.objects):
            return False
        if self.paths and not any(p.fullmatch(change.path) for p in self.paths):
            return False
        if self.values:
            texts = value_text(change.primary) + value_text(change.staging)
            if not any(p.fullmatch(t) for p in self.values for t in texts):
                return False
        if self.both_values is not None:
            sides = (change.primary, change.staging)
            found = [self.both_values.fullmatch(v) if isinstance(v, str) else None for v in sides]
            if found[0] is None or found[1] is None:
                return False
            if self.same_key is not None:
                keys = {m.group("key").casefold() for m in (found[0], found[1])}
                if (len(keys) == 1) != self.same_key:
                    return False
        if self.same_ignoring_case:
            a, b = change.primary, change.staging
            if not (isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()):
                return False
        return True


@dataclass(frozen=True)
class IgnoreRule:
    id: str
    reason: str
    matcher: Matcher
    source: str = BUILT_IN
    reference: str = ""
    expires: date | None = None
    #: what the rule matches, in words (the tables of docs/ignore-rules.md are made from it)
    scope: str = ""


@dataclass(frozen=True)
class SeverityRule:
    id: str
    level: str
    reason: str
    matcher: Matcher
    source: str = BUILT_IN
    #: what the rule matches, in words (for docs/ignore-rules.md)
    scope: str = ""


def _rule(
    id: str,
    scope: str,
    reason: str,
    reference: str,
    *,
    section: str | None = None,
    objects: Sequence[str] = (),
    paths: Sequence[str] = (),
    both_values: str | None = None,
    same_key: bool | None = None,
    same_ignoring_case: bool = False,
    also: Sequence[Matcher] = (),
    unless: Sequence[Matcher] = (),
) -> IgnoreRule:
    return IgnoreRule(
        id=id,
        reason=reason,
        reference=reference,
        scope=scope,
        matcher=Matcher(
            section=section,
            objects=_compile(objects),
            paths=_compile(paths),
            both_values=re.compile(both_values, re.IGNORECASE) if both_values else None,
            same_ignoring_case=same_ignoring_case,
            same_key=same_key,
            also=tuple(also),
            unless=tuple(unless),
        ),
    )


#: A GUID, with or without braces.
GUID_VALUE = r"\{?[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\}?"


#: Where a path segment is a name from the directory rather than an element of the export:
#: metaverse attribute and object type names, flow destinations, connector schema names.
#: An attribute named ``description``, ``version`` or ``id`` there is data, so rules that
#: recognise export elements by their name (``description``, ``version``, ``id``...) do not
#: apply to it.
DIRECTORY_NAMES: tuple[Matcher, ...] = (
    Matcher(section=Section.METAVERSE),
    Matcher(paths=_compile((r"(attribute-flows|schema)/.*",))),
)


#: Differences that are always there between two healthy servers.
BUILT_IN_IGNORE_RULES: tuple[IgnoreRule, ...] = (
    _rule(
        "server-local-ids",
        "`id`, `internal-id`, `precedence-after`/`-before`, partition and run-profile `id`, "
        "`forest-guid`, and in sections driftcheck does not model, `@id`, `ma-id`, `src-ma` "
        "and other GUID values that name no connector",
        "GUIDs are generated by each server (connector, partition, run profile and rule ids); "
        "objects are matched by name and GUID references are resolved to names instead. The AD "
        "domain GUID is the same on every server and is not hidden.",
        EXPORT_DOC,
        paths=(
            r"id",
            r"internal-id",
            r"precedence-(after|before)",
            r"(partitions|run-profiles)/[^/]+/id",
            r"(.*/)?forest-guid",
        ),
        # In sections driftcheck does not model: an element's id, and a connector reference
        # that names no connector of the export (one that does is compared by name).
        also=(
            Matcher(
                paths=_compile((r"(.*/)?([^/]*@|@)(id|src-ma|ma-id)", r"(.*/)?(ma-id|src-ma)")),
                both_values=re.compile(GUID_VALUE, re.IGNORECASE),
            ),
        ),
        unless=DIRECTORY_NAMES,
    ),
    _rule(
        "change-tracking",
        "`creation-time`, `last-modification-time`, `version`, `internal-version`, "
        "`modified-timestamp`, the export date, and `ui-data` counters",
        "Creation and modification times, change counters and export dates record when each "
        "server was changed, not how it syncs.",
        EXPORT_DOC,
        paths=(
            r"(.*/)?(creation-time|last-modification-time|version|internal-version)",
            r"(.*/)?modified-timestamp",
            r"export-date",
            r"(.*/)?ui-data/(.*)?@version",
        ),
        unless=DIRECTORY_NAMES,
    ),
    _rule(
        "sync-state",
        "`cookie`, `water-mark`, `last-dc` (element and parameter)",
        "DirSync cookies, ECMA watermarks and the last domain controller used are run-time "
        "state of each server's own imports.",
        EXPORT_DOC,
        paths=(r"(.*/)?(cookie|water-mark|last-dc)",),
        unless=DIRECTORY_NAMES,
    ),
    _rule(
        "server-name",
        "the export's server name",
        "Each export names the server it was taken from.",
        EXPORT_DOC,
        section=Section.GLOBAL_SETTINGS,
        objects=(r"\(export\)",),
        paths=(r"server",),
    ),
    _rule(
        "ad-connector-account",
        "`forest-login-user` when **both** sides are `MSOL_` + 12 hex digits",
        "Each server creates its own AD DS connector account (MSOL_ followed by 12 hex "
        "digits); a custom account on either side is reported.",
        STAGING_DOC,
        section=Section.CONNECTOR,
        paths=(r"(.*/)?forest-login-user",),
        both_values=r"MSOL_[0-9a-f]{12}",
    ),
    _rule(
        "cloud-sync-account",
        "the cloud connector's `UserName` when **both** sides are `Sync_<server>_<12 "
        "hex>@tenant` with the **same tenant**",
        "Each server creates its own cloud sync account (Sync_<server>_<12 hex>@tenant); "
        "only the per-server part may differ, the tenant must be the same (after the policy's "
        "name map).",
        STAGING_DOC,
        section=Section.CONNECTOR,
        paths=(r"connectivity/UserName",),
        both_values=r"Sync_[^@]+_[0-9a-f]{12}@(?P<key>.+)",
        same_key=True,
    ),
    _rule(
        "staging-mode",
        "`Microsoft.Synchronize.StagingMode`",
        "Staging mode is what makes the staging server: it is expected to differ.",
        STAGING_DOC,
        section=Section.GLOBAL_SETTINGS,
        objects=(r"Microsoft\.Synchronize\.StagingMode",),
    ),
    _rule(
        "scheduler-next-start",
        "`Microsoft.Synchronize.NextStartTime`",
        "The scheduler's next start time is a moment in each server's own cycle.",
        STAGING_DOC,
        section=Section.GLOBAL_SETTINGS,
        objects=(r"Microsoft\.Synchronize\.NextStartTime",),
    ),
    _rule(
        "precedence-renumbered",
        "a rule's precedence number (the order is compared as `precedence/order`)",
        "Precedence numbers are renumbered by upgrades and when rules are added; only the "
        "order of competing rules matters, and a change of order is reported on its own.",
        PROVISIONING_DOC,
        section=Section.SYNC_RULE,
        paths=(r"precedence",),
    ),
    _rule(
        "name-letter-case",
        "a connector or rule `name` differing only in letter case",
        "Connector and rule names are matched ignoring case, as the sync engine does; a "
        "difference in letter case only changes nothing synced.",
        EXPORT_DOC,
        paths=(r"name",),
        same_ignoring_case=True,
        unless=DIRECTORY_NAMES,
    ),
)


def _severity(
    id: str,
    scope: str,
    level: str,
    reason: str,
    *,
    section: str | None = None,
    objects: Sequence[str] = (),
    paths: Sequence[str] = (),
    both_values: str | None = None,
    same_key: bool | None = None,
    unless: Sequence[Matcher] = (),
) -> SeverityRule:
    return SeverityRule(
        id,
        level,
        reason,
        Matcher(
            section,
            _compile(objects),
            _compile(paths),
            both_values=re.compile(both_values, re.IGNORECASE) if both_values else None,
            same_key=same_key,
            unless=tuple(unless),
        ),
        scope=scope,
    )


#: Ordered: the first rule that matches a difference sets its severity.
BUILT_IN_SEVERITY_RULES: tuple[SeverityRule, ...] = (
    _severity(
        "version-skew",
        "`Microsoft.Synchronize.ServerConfigurationVersion`, `Microsoft.Version.*`",
        Severity.WARNING,
        "The servers run different product versions: expected only during an upgrade.",
        objects=(r"Microsoft\.Synchronize\.ServerConfigurationVersion", r"Microsoft\.Version\..*"),
    ),
    _severity(
        "connector-version-skew",
        "a connector's `assembly-version`",
        Severity.WARNING,
        "The connector's component version differs: expected only during an upgrade.",
        section=Section.CONNECTOR,
        paths=(r"configuration/.*assembly-version",),
    ),
    _severity(
        "documentation",
        "descriptions",
        Severity.INFO,
        "A description documents the object; it changes nothing synced.",
        paths=(r"description",),
        unless=DIRECTORY_NAMES,
    ),
    _severity(
        "run-profile-tuning",
        "run-step batch size, page size, time-outs",
        Severity.INFO,
        "Batch size, page size and time-outs of run steps tune performance only.",
        section=Section.CONNECTOR,
        paths=(r"run-profiles/.*/(batch-size|page-size|time-limit|timeout)",),
    ),
    _severity(
        "operational-setting",
        "run-history retention, maintenance",
        Severity.INFO,
        "Run-history retention and maintenance change nothing synced.",
        section=Section.GLOBAL_SETTINGS,
        objects=(
            r"Microsoft\.Synchronize\.RunHistoryPurgeInterval",
            r"Microsoft\.Synchronize\.MaintenanceEnabled",
        ),
    ),
    _severity(
        "server-state",
        "`Microsoft.OptionalFeature.AutoUpgradeState`, `…AutoUpgradeSuspensionReason`, "
        "`Microsoft.SystemInformation.*` (2.x `MachineRole`), "
        "`Microsoft.Synchronize.SynchronizationPolicy`",
        Severity.INFO,
        "Operational state of one server, not how it syncs: the auto-upgrade state and its "
        "suspension reason (set by the product per server), the machine's role (member server "
        "or domain controller) and whether the next cycle is a full or a delta one. The "
        "pre-upgrade readiness checks explain them.",
        section=Section.GLOBAL_SETTINGS,
        objects=(
            r"Microsoft\.OptionalFeature\.AutoUpgradeState",
            r"Microsoft\.OptionalFeature\.AutoUpgradeSuspensionReason",
            r"Microsoft\.SystemInformation\..*",
            r"Microsoft\.Synchronize\.SynchronizationPolicy",
        ),
    ),
    _severity(
        "wizard-state",
        "`Microsoft.ConnectDirectories.*` (2.x `WizardDirectoryMode`)",
        Severity.INFO,
        "What the installation wizard last showed (the kind of directory it connected); the "
        "connectors themselves are compared, and versions spell the value differently.",
        section=Section.GLOBAL_SETTINGS,
        objects=(r"Microsoft\.ConnectDirectories\..*",),
    ),
    _severity(
        "scheduler",
        "other `Microsoft.Synchronize.*` settings (interval, schedule, `SchedulerSuspended`)",
        Severity.WARNING,
        "Scheduler settings decide when the server syncs; after a switchover the staging "
        "server's schedule applies.",
        section=Section.GLOBAL_SETTINGS,
        objects=(r"Microsoft\.Synchronize\..*",),
    ),
    _severity(
        "global-feature",
        "other `Microsoft.OptionalFeature.*` (incl. the delete threshold and 2.x "
        "`ExchangeMailPublicFolder`), `SynchronizationOption.*`, `AADFilter.*`, writeback, "
        "directory extensions, `UserSignIn.*` (2.x `SignOnMethod`, `DesktopSsoEnabled`)",
        Severity.BLOCKING,
        "Optional features, sync options, filtering, writeback, directory extensions, sign-in "
        "and the delete threshold must be the same on both servers.",
        section=Section.GLOBAL_SETTINGS,
        objects=(
            r"Microsoft\.OptionalFeature\..*",
            r"Microsoft\.SynchronizationOption\..*",
            r"Microsoft\.AADFilter\..*",
            r"Microsoft\..*WriteBack\..*",
            r"Microsoft\.DirectoryExtension\..*",
            r"Microsoft\.UserSignIn\..*",
        ),
    ),
    _severity(
        "global-setting",
        "any other global setting",
        Severity.WARNING,
        "A global setting differs; look at what it controls.",
        section=Section.GLOBAL_SETTINGS,
    ),
    _severity(
        "metaverse-schema",
        "metaverse object types and attributes",
        Severity.BLOCKING,
        "The metaverse schema defines what can flow: both servers must have the same.",
        section=Section.METAVERSE,
    ),
    _severity(
        "rule-template-version",
        "a sync rule's immutable tag",
        Severity.WARNING,
        "The out-of-box rule template version differs: expected only during an upgrade.",
        section=Section.SYNC_RULE,
        paths=(r"immutable-tag",),
    ),
    _severity(
        "sync-rule",
        "everything else about sync rules",
        Severity.BLOCKING,
        "Sync rules decide what is synced and how: flows, scoping, joins, link type, state and "
        "precedence order must be the same.",
        section=Section.SYNC_RULE,
    ),
    _severity(
        "cloud-tenant",
        "the cloud connector's `UserName` in another tenant (the part after `@`, after the "
        "name map)",
        Severity.BLOCKING,
        "The cloud connector signs in to another tenant: the staging server would sync to a "
        "different directory.",
        section=Section.CONNECTOR,
        paths=(r"connectivity/UserName",),
        both_values=r"[^@]*@(?P<key>.+)",
        same_key=False,
    ),
    _severity(
        "connector-scope",
        "connector added/removed, partitions, OU and object-class filters, attribute "
        "inclusion, anchors, password hash sync, password writeback, group filtering",
        Severity.BLOCKING,
        "Connectors, partitions, OU and object-class filtering, attribute inclusion, anchors, "
        "password hash sync, password writeback and group filtering decide what is synced.",
        section=Section.CONNECTOR,
        paths=(
            r"",
            r"type",
            r"partitions/[^/]+",
            r"partitions/[^/]+/(selected|object-classes|containers/.*)",
            r"attribute-inclusion",
            r"anchors",
            r"password-hash-sync(/.*)?",
            r"password-writeback(/.*)?",
            r"global-parameters/Connector\.GroupFilteringGroupDn",
        ),
    ),
    _severity(
        "connector-schema",
        "the connector schema (refresh schema)",
        Severity.WARNING,
        "The connector schema differs: refresh the schema on the server that lacks it.",
        section=Section.CONNECTOR,
        paths=(r"schema/.*",),
    ),
    _severity(
        "connector-setting",
        "other connector settings (connectivity, run profiles...)",
        Severity.WARNING,
        "A connector setting (connectivity, run profile, parameter) differs; look at it.",
        section=Section.CONNECTOR,
    ),
    _severity(
        "unclassified",
        "anything else",
        Severity.WARNING,
        "Not covered by a more specific rule: look at it.",
    ),
)


@dataclass(frozen=True)
class Difference:
    """A change that is reported, with its severity and the rule that set it.

    ``would_be_hidden_by`` names the built-in ignore rule that would have hidden it, when
    built-in ignores are switched off for review.
    """

    change: Change
    severity: str
    rule: str
    would_be_hidden_by: str | None = None


@dataclass(frozen=True)
class Suppressed:
    """A change hidden by an ignore rule (kept so that the report can account for it)."""

    change: Change
    rule: str
    #: the severity it would have had
    severity: str


@dataclass(frozen=True)
class Policy:
    """The rules in force: the admin's first (they win), then the built-in ones."""

    ignore_rules: tuple[IgnoreRule, ...] = BUILT_IN_IGNORE_RULES
    severity_rules: tuple[SeverityRule, ...] = BUILT_IN_SEVERITY_RULES
    #: False shows what built-in rules would hide (``--no-builtin-ignores``)
    builtin_ignores: bool = True
    #: the day expiry dates are checked against (fixed in tests)
    today: date = field(default_factory=date.today)

    def with_admin_rules(
        self, ignore: Sequence[IgnoreRule], severity: Sequence[SeverityRule]
    ) -> Policy:
        return replace(
            self,
            ignore_rules=(*ignore, *self.ignore_rules),
            severity_rules=(*severity, *self.severity_rules),
        )


EXPIRED_RULE = "expired-ignore-rule"


@dataclass(frozen=True)
class RuleUse:
    """How an ignore rule fared: for the audit of what was hidden."""

    rule: IgnoreRule
    hidden: int
    status: RuleStatus


@dataclass(frozen=True)
class Verdict:
    differences: tuple[Difference, ...]
    suppressed: tuple[Suppressed, ...]
    rule_uses: tuple[RuleUse, ...]

    @property
    def hidden_by_rule(self) -> dict[str, int]:
        return {use.rule.id: use.hidden for use in self.rule_uses}


def severity_of(change: Change, rules: Sequence[SeverityRule]) -> tuple[str, str]:
    for rule in rules:
        if rule.matcher.matches(change):
            return rule.level, rule.id
    return Severity.WARNING, "unclassified"


def is_expired(rule: IgnoreRule, today: date) -> bool:
    return rule.expires is not None and rule.expires < today


def _expired_finding(rule: IgnoreRule, today: date) -> Difference:
    change = Change(
        Section.POLICY,
        rule.id,
        None,
        "expires",
        ChangeKind.MODIFIED,
        rule.expires.isoformat() if rule.expires else None,
        f"expired (checked on {today.isoformat()}): no longer hides anything",
    )
    return Difference(change, Severity.WARNING, EXPIRED_RULE)


def apply_policy(
    changes: Iterable[Change],
    policy: Policy | None = None,
    *,
    product_change: Callable[[Change], str | None] | None = None,
) -> Verdict:
    """Split changes into reported differences and suppressed ones, and audit the rules.

    ``product_change`` (upgrade mode, :mod:`driftcheck.compare.upgrade`) names the
    ``upgrade-…`` rule of a change the newer product version explains: it is reported as info
    under that rule.
    """
    policy = policy or Policy()
    active = [r for r in policy.ignore_rules if not is_expired(r, policy.today)]
    differences: list[Difference] = []
    suppressed: list[Suppressed] = []
    hidden = {rule.id: 0 for rule in policy.ignore_rules}
    for change in changes:
        level, severity_rule = severity_of(change, policy.severity_rules)
        upgrade_rule = product_change(change) if product_change else None
        if upgrade_rule is not None:
            level, severity_rule = "info", upgrade_rule
        hiding = next((r for r in active if r.matcher.matches(change)), None)
        if hiding is None:
            differences.append(Difference(change, level, severity_rule))
        elif hiding.source == BUILT_IN and not policy.builtin_ignores:
            hidden[hiding.id] += 1
            differences.append(Difference(change, level, severity_rule, hiding.id))
        else:
            hidden[hiding.id] += 1
            suppressed.append(Suppressed(change, hiding.id, level))
    uses = []
    for rule in policy.ignore_rules:
        if is_expired(rule, policy.today):
            differences.append(_expired_finding(rule, policy.today))
            status = RuleStatus.EXPIRED
        elif rule.source == BUILT_IN and not policy.builtin_ignores:
            status = RuleStatus.OFF
        else:
            status = RuleStatus.USED if hidden[rule.id] else RuleStatus.UNUSED
        uses.append(RuleUse(rule, hidden[rule.id], status))
    return Verdict(tuple(differences), tuple(suppressed), tuple(uses))
