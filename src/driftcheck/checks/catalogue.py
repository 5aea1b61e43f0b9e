"""Readiness checks: what one server's export (or a pair's) says about an upgrade or a switchover.

Each check is a pure function over a :class:`CanonicalConfiguration` (global settings, sync
rules, connectors) and returns one :class:`CheckResult`: passed, failed (with a severity) or not
evaluable from an export. The ids in :data:`CATALOGUE` are a contract: users' policy files and
``docs/readiness-checks.md`` (generated from the catalogue) refer to them.

Nothing here reads files; the release table is passed in (see :mod:`driftcheck.model.releases`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from driftcheck.compare.canonical import CanonicalConfiguration, ConfigObject
from driftcheck.compare.ruletags import (
    rule_direction,
    rule_name,
    rule_tag,
)
from driftcheck.errors import InputError
from driftcheck.model.releases import ReleaseTable
from driftcheck.model.vocab import SEVERITY_ORDER, Severity

Json = Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_EVALUABLE = "not-evaluable"


class Scope(StrEnum):
    """Where a check's answer comes from."""

    SERVER = "server"  # one export
    PAIR = "pair"  # primary and staging together
    MANUAL = "manual"  # not in an export: the admin checks it by hand


# --- Microsoft documentation the checks come from ------------------------------------------

LEARN = "Microsoft Learn: "
VERSION_HISTORY = LEARN + "Microsoft Entra Connect: Version release history"
AUTO_UPGRADE = LEARN + "Microsoft Entra Connect: Automatic upgrade"
PREVENT_DELETES = LEARN + "Microsoft Entra Connect Sync: Prevent accidental deletes"
FAQ = LEARN + "Microsoft Entra Connect FAQ (best practices from the field)"
FIX_DEFAULT_RULES = LEARN + "Fix modified default rules in Microsoft Entra Connect"
BEST_PRACTICES = (
    LEARN + "Microsoft Entra Connect Sync: Best practices for changing the default configuration"
)
SCHEDULER = LEARN + "Microsoft Entra Connect Sync: Scheduler"
STAGING = LEARN + "Microsoft Entra Connect: Staging server and disaster recovery"
UPGRADE = LEARN + "Microsoft Entra Connect: Upgrade from a previous version to the latest"
PREREQUISITES = LEARN + "Prerequisites for Microsoft Entra Connect"
TLS = LEARN + "TLS 1.2 enforcement for Microsoft Entra Connect"
HEALTH = LEARN + "Microsoft Entra Connect Health agent installation"


@dataclass(frozen=True)
class CheckSpec:
    """One check of the catalogue: what it reads, when it fails, and at which severity."""

    id: str
    title: str
    #: the most severe level a failure of this check can have
    severity: Severity
    scope: Scope
    reads: str
    fails_when: str
    source: str


def _spec(
    id: str, title: str, severity: Severity, scope: Scope, reads: str, fails: str, source: str
) -> CheckSpec:
    return CheckSpec(id, title, severity, scope, reads, fails, source)


S, P, M = Scope.SERVER, Scope.PAIR, Scope.MANUAL
INFO, WARNING, BLOCKING = Severity.INFO, Severity.WARNING, Severity.BLOCKING

#: Every check, in the order reports list them.
CATALOGUE: tuple[CheckSpec, ...] = (
    _spec(
        "supported-version",
        "Supported product version",
        BLOCKING,
        S,
        "`Microsoft.Synchronize.ServerConfigurationVersion`, against the bundled release table",
        "1.x (retired, no longer syncs): blocking. A 2.x build 12 months past the release of a "
        "newer build, or below a minimum version after Microsoft's deadline: blocking (warning "
        "for a deadline that only affects the wizard, and in the 180 days before a deadline). "
        "A build the table does not know, or a version that cannot be read: info (unknown build).",
        VERSION_HISTORY,
    ),
    _spec(
        "delete-threshold",
        "Accidental-delete prevention on",
        BLOCKING,
        S,
        "`Microsoft.OptionalFeature.ExportDeletionThreshold`",
        "The threshold is off (`False`).",
        PREVENT_DELETES,
    ),
    _spec(
        "delete-threshold-value",
        "Delete threshold value",
        WARNING,
        S,
        "`Microsoft.OptionalFeature.ExportDeletionThresholdValue`",
        "Not a number or not above 0: warning. Not the default 500: info, with the value.",
        PREVENT_DELETES,
    ),
    _spec(
        "auto-upgrade",
        "Automatic upgrade",
        INFO,
        S,
        "`Microsoft.OptionalFeature.AutoUpgradeState` and (2.x) "
        "`Microsoft.OptionalFeature.AutoUpgradeSuspensionReason`",
        "The state is not `Enabled`. The suspension reason is explained in words, and called "
        "stale where it no longer applies (customised sync rules stopped blocking automatic "
        "upgrade in 2.2.1.0).",
        AUTO_UPGRADE,
    ),
    _spec(
        "custom-rules",
        "Custom sync rules",
        INFO,
        S,
        "sync rules' `immutable-tag`",
        "Any sync rule has no `Microsoft.` immutable tag: they are counted and listed (the FAQ "
        "advises limiting them).",
        FAQ,
    ),
    _spec(
        "custom-rule-precedence",
        "Custom rule precedence",
        WARNING,
        S,
        "custom sync rules' `precedence`",
        "A custom rule's precedence is outside 0–99, or is shared with another rule.",
        FIX_DEFAULT_RULES,
    ),
    _spec(
        "modified-default-rules",
        "Edited out-of-box rules",
        WARNING,
        S,
        "sync rules' `immutable-tag`, `precedence`, `disabled` and `name`",
        "Inferred from one export (an in-place upgrade resets edited out-of-box rules): an "
        "enabled rule next to a disabled `Microsoft.`-tagged rule of the same connector, "
        "direction and name; a `Microsoft.`-tagged rule below precedence 100; a rule without a "
        "tag carrying an out-of-box rule's name.",
        UPGRADE,
    ),
    _spec(
        "disabled-default-rules",
        "Disabled out-of-box rules",
        INFO,
        S,
        "`Microsoft.`-tagged sync rules' `disabled`",
        "Any out-of-box rule is disabled: they are listed (both servers must disable the same).",
        BEST_PRACTICES,
    ),
    _spec(
        "password-hash-sync",
        "Password hash sync",
        INFO,
        S,
        "AD connectors' `password-hash-sync-config/enabled`, 1.x "
        "`Microsoft.OptionalFeature.PasswordHashSync`, 2.x `Microsoft.UserSignIn.SignOnMethod`",
        "Password hash sync is off, or off for some AD connectors (the FAQ recommends it for "
        "leaked-credential detection).",
        FAQ,
    ),
    _spec(
        "sync-schedule",
        "Sync cycle scheduled",
        WARNING,
        S,
        "`Microsoft.Synchronize.SynchronizationSchedule`",
        "The scheduler's sync cycle is off (`False`); automatic upgrade also aborts then.",
        SCHEDULER,
    ),
    _spec(
        "sync-interval",
        "Sync interval",
        WARNING,
        S,
        "`Microsoft.Synchronize.TimeInterval`",
        "The interval is shorter than 30 minutes, longer than 7 days, or unreadable.",
        SCHEDULER,
    ),
    _spec(
        "scheduler-suspended",
        "Scheduler not suspended",
        WARNING,
        S,
        "`Microsoft.Synchronize.SchedulerSuspended`",
        "The scheduler is suspended (`True`): set by Connect during an upgrade, it should not "
        "stay so.",
        SCHEDULER,
    ),
    _spec(
        "tls-1.2",
        "TLS 1.2 enabled",
        BLOCKING,
        M,
        "not in an export",
        "Always not evaluable: run `Get-ADSyncToolsTls12` on the server.",
        TLS,
    ),
    _spec(
        "sql-database",
        "Database type (LocalDB or SQL Server)",
        INFO,
        M,
        "not in an export",
        "Always not evaluable: a remote or full SQL Server blocks automatic upgrade "
        "(`UpgradeNotSupportedNonLocalDbInstall`); check the installation.",
        AUTO_UPGRADE,
    ),
    _spec(
        "localdb-size",
        "LocalDB size below 8 GB",
        WARNING,
        M,
        "not in an export",
        "Always not evaluable: LocalDB stops at 10 GB and 8 GB blocks automatic upgrade; check "
        "the size of `ADSync2019\\ADSync.mdf`.",
        PREREQUISITES,
    ),
    _spec(
        "connect-health",
        "Connect Health agent current and uploading",
        INFO,
        M,
        "not in an export",
        "Always not evaluable: automatic upgrade runs through Connect Health "
        "(`UpgradeNotSupportedAADHealthUploadDisabled`); check the agent and the portal.",
        HEALTH,
    ),
    _spec(
        "server-roles",
        "One active server",
        BLOCKING,
        P,
        "`Microsoft.Synchronize.StagingMode` on both servers",
        "Two different servers both have staging mode off (two servers export to the same "
        "tenant): blocking, and `compare` exits 1. Both on (nobody is syncing): warning. The same "
        "server name on both sides is a self-comparison and is not judged.",
        STAGING,
    ),
    _spec(
        "version-skew",
        "Same product version",
        WARNING,
        P,
        "`Microsoft.Synchronize.ServerConfigurationVersion` on both servers",
        "The versions differ: info when staging is ahead (a staged upgrade in progress), "
        "warning when the primary is ahead (upgrade the staging server first).",
        UPGRADE,
    ),
    _spec(
        "missing-default-rules",
        "Same out-of-box rules",
        WARNING,
        P,
        "`Microsoft.`-tagged sync rules by (connector, direction, tag stem)",
        "An out-of-box rule is present on one server and not the other: warning; info when "
        "the versions differ and the rules are only on the newer server (the upgrade adds "
        "them).",
        BEST_PRACTICES,
    ),
)

SPECS: dict[str, CheckSpec] = {spec.id: spec for spec in CATALOGUE}


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One check's answer for one server (or a pair)."""

    id: str
    title: str
    status: Status
    severity: Severity
    servers: tuple[str, ...]
    #: one sentence (or two): what was found and what to do
    message: str
    #: the values read, as JSON data
    evidence: Mapping[str, Json] = field(default_factory=dict)
    source: str = ""

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def to_json(self) -> dict[str, Json]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "severity": self.severity.value,
            "servers": list(self.servers),
            "message": self.message,
            "evidence": dict(self.evidence),
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Json, *, file: str | None = None) -> CheckResult:
        """A result from its JSON entry; InputError names what is wrong."""
        if not isinstance(data, dict):
            raise InputError("a check entry is not an object", file=file)
        where = f"check {data.get('id', '?')!r}"
        for key in ("id", "title", "message", "source"):
            if not isinstance(data.get(key), str):
                raise InputError(f"{where}: {key} must be a string", file=file)
        servers = data.get("servers")
        if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
            raise InputError(f"{where}: servers must be a list of names", file=file)
        evidence = data.get("evidence", {})
        if not isinstance(evidence, dict):
            raise InputError(f"{where}: evidence must be an object", file=file)
        try:
            status = Status(str(data.get("status")))
            severity = Severity(str(data.get("severity")))
        except ValueError as exc:
            raise InputError(f"{where}: {exc}", file=file) from None
        return cls(
            data["id"],
            data["title"],
            status,
            severity,
            tuple(servers),
            data["message"],
            evidence,
            data["source"],
        )


def make_result(
    check_id: str,
    status: Status,
    servers: Iterable[str],
    message: str,
    evidence: Mapping[str, Json] | None = None,
    severity: Severity | None = None,
) -> CheckResult:
    spec = SPECS[check_id]
    return CheckResult(
        spec.id,
        spec.title,
        status,
        severity or spec.severity,
        tuple(servers),
        message,
        dict(evidence or {}),
        spec.source,
    )


@dataclass(frozen=True)
class CheckContext:
    """What a check needs beyond the export: the day it runs on, the release table."""

    as_of: date
    releases: ReleaseTable


# --- reading the canonical configuration ----------------------------------------------------


def setting(config: CanonicalConfiguration, name: str) -> str | None:
    """A global setting's value: None when the export lacks it, "" when it is empty."""
    obj = config.objects.get("global-settings", {}).get(name.casefold())
    if obj is None:
        return None
    value = obj.fields.get("value")
    return value if isinstance(value, str) else ""


def as_bool(value: str | None) -> bool | None:
    folded = (value or "").strip().casefold()
    return {"true": True, "false": False, "1": True, "0": False}.get(folded)


def sync_rules(config: CanonicalConfiguration) -> list[ConfigObject]:
    rules = config.objects.get("sync-rule", {}).values()
    return sorted(rules, key=lambda r: (r.precedence or 0, r.name.casefold()))


def custom_rules(config: CanonicalConfiguration) -> list[ConfigObject]:
    return [r for r in sync_rules(config) if rule_tag(r) is None]


def out_of_box_rules(config: CanonicalConfiguration) -> list[ConfigObject]:
    return [r for r in sync_rules(config) if rule_tag(r) is not None]


def rule_label(rule: ConfigObject) -> str:
    direction = rule_direction(rule).capitalize() or "?"
    where = f"{rule.connector or '(unknown connector)'}, {direction}"
    return f"{rule_name(rule)} [{where}, precedence {rule.precedence}]"


def rule_labels(rules: Iterable[ConfigObject]) -> list[str]:
    return [rule_label(r) for r in rules]


def listing(items: Sequence[str], limit: int = 5) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


# --- verdicts -------------------------------------------------------------------------------


def failing(results: Iterable[CheckResult], fail_on: str) -> list[CheckResult]:
    """The failed checks at or above ``fail_on``."""
    threshold = Severity(fail_on).rank
    return [r for r in results if r.failed and r.severity.rank >= threshold]


def counts(results: Iterable[CheckResult]) -> dict[str, int]:
    """How many passed, are not evaluable, and failed at each severity."""
    tally = {**{level.value: 0 for level in SEVERITY_ORDER}, "pass": 0, "not-evaluable": 0}
    for r in results:
        tally[r.severity.value if r.failed else r.status.value] += 1
    return tally
