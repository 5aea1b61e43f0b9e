"""The single-server readiness checks: each a pure function of one canonical configuration.

See :data:`driftcheck.checks.catalogue.CATALOGUE` for what each reads and when it fails.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from driftcheck.checks.catalogue import (
    CATALOGUE,
    INFO,
    WARNING,
    CheckContext,
    CheckResult,
    Json,
    Scope,
    Status,
    as_bool,
    custom_rules,
    listing,
    make_result,
    out_of_box_rules,
    rule_label,
    rule_labels,
    setting,
    sync_rules,
)
from driftcheck.checks.version import check_auto_upgrade, check_supported_version
from driftcheck.compare.canonical import CanonicalConfiguration, ConfigObject
from driftcheck.compare.ruletags import (
    FIRST_OUT_OF_BOX_PRECEDENCE,
    is_disabled,
    rule_direction,
    rule_name,
    rule_tag,
)

# --- single-server checks -------------------------------------------------------------------


def check_delete_threshold(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    name = "Microsoft.OptionalFeature.ExportDeletionThreshold"
    value = setting(config, name)
    evidence = {name: value}
    on = as_bool(value)
    server = (config.server,)
    if on is None:
        return make_result(
            "delete-threshold",
            Status.NOT_EVALUABLE,
            server,
            f"{name} is {'missing' if value is None else repr(value)}: check "
            "Get-ADSyncExportDeletionThreshold on the server.",
            evidence,
        )
    if on:
        return make_result(
            "delete-threshold", Status.PASS, server, "Accidental-delete prevention is on.", evidence
        )
    return make_result(
        "delete-threshold",
        Status.FAIL,
        server,
        "Accidental-delete prevention is off: a mistaken filter or rule change could delete "
        "objects in Entra ID unchecked. Turn it on with Enable-ADSyncExportDeletionThreshold.",
        evidence,
    )


DEFAULT_DELETE_THRESHOLD = 500


def check_delete_threshold_value(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    name = "Microsoft.OptionalFeature.ExportDeletionThresholdValue"
    value = setting(config, name)
    evidence = {name: value}
    server = (config.server,)
    if value is None:
        return make_result(
            "delete-threshold-value",
            Status.NOT_EVALUABLE,
            server,
            f"The export has no {name}.",
            evidence,
        )
    number = int(value) if re.fullmatch(r"\s*-?\d{1,12}\s*", value) else None
    if number is None or number <= 0:
        return make_result(
            "delete-threshold-value",
            Status.FAIL,
            server,
            f"The delete threshold is {value!r}, which stops nothing: set a number of objects "
            "above 0 (default 500) with Enable-ADSyncExportDeletionThreshold.",
            evidence,
            WARNING,
        )
    if number != DEFAULT_DELETE_THRESHOLD:
        return make_result(
            "delete-threshold-value",
            Status.FAIL,
            server,
            f"The delete threshold is {number} objects, not the default "
            f"{DEFAULT_DELETE_THRESHOLD}: make sure it fits the organisation and is the same on "
            "both servers.",
            evidence,
            INFO,
        )
    return make_result(
        "delete-threshold-value",
        Status.PASS,
        server,
        f"The delete threshold is the default {DEFAULT_DELETE_THRESHOLD} objects.",
        evidence,
    )


# Automatic upgrade: the reasons Get-ADSyncAutoUpgrade -Detail (and the export) can give.


def check_custom_rules(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    rules = custom_rules(config)
    server = (config.server,)
    evidence = {"custom_rules": rule_labels(rules), "all_rules": len(sync_rules(config))}
    if not rules:
        return make_result("custom-rules", Status.PASS, server, "No custom sync rules.", evidence)
    return make_result(
        "custom-rules",
        Status.FAIL,
        server,
        f"{len(rules)} custom sync rule(s) (no Microsoft. immutable tag): "
        f"{listing(rule_labels(rules))}. Keep them few, documented and identical on both servers.",
        evidence,
    )


CUSTOM_PRECEDENCE = range(0, FIRST_OUT_OF_BOX_PRECEDENCE)


def check_custom_rule_precedence(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    rules = sync_rules(config)
    counts = Counter(r.precedence for r in rules if r.precedence is not None)
    outside = [r for r in custom_rules(config) if r.precedence not in CUSTOM_PRECEDENCE]
    shared = [
        r for r in custom_rules(config) if r.precedence is not None and counts[r.precedence] > 1
    ]
    server = (config.server,)
    evidence = {"outside_0_99": rule_labels(outside), "shared_precedence": rule_labels(shared)}
    if not outside and not shared:
        return make_result(
            "custom-rule-precedence",
            Status.PASS,
            server,
            "Every custom rule has its own precedence between 0 and 99.",
            evidence,
        )
    problems = []
    if outside:
        problems.append(
            f"outside 0–99 (an upgrade or an import shifts them among the out-of-box rules): "
            f"{listing(rule_labels(outside))}"
        )
    if shared:
        problems.append(f"sharing a precedence with another rule: {listing(rule_labels(shared))}")
    return make_result(
        "custom-rule-precedence",
        Status.FAIL,
        server,
        "Custom rule precedence " + "; ".join(problems) + ". Give each custom rule its own "
        "precedence below 100.",
        evidence,
    )


def _rule_group_key(rule: ConfigObject) -> tuple[str, str, str]:
    return ((rule.connector or "").casefold(), rule_direction(rule), rule_name(rule).casefold())


def modified_default_rules(config: CanonicalConfiguration) -> list[tuple[ConfigObject, str]]:
    """(rule, why) for every rule that looks like an edited out-of-box rule (h1, h2, h3)."""
    rules = sync_rules(config)
    groups: dict[tuple[str, str, str], list[ConfigObject]] = {}
    for rule in rules:
        groups.setdefault(_rule_group_key(rule), []).append(rule)
    oob_names = {rule_name(r).casefold() for r in rules if rule_tag(r) is not None}
    found: list[tuple[ConfigObject, str]] = []
    for rule in rules:
        tag = rule_tag(rule)
        reasons = []
        twins = [t for t in groups[_rule_group_key(rule)] if t is not rule]
        if not is_disabled(rule) and any(is_disabled(t) and rule_tag(t) is not None for t in twins):
            reasons.append("an enabled copy of a disabled out-of-box rule of the same name")
        if tag is not None and (rule.precedence or 0) < FIRST_OUT_OF_BOX_PRECEDENCE:
            reasons.append(f"out-of-box tag {tag.text} below precedence 100")
        if tag is None and rule_name(rule).casefold() in oob_names and not reasons:
            reasons.append("a custom rule carrying an out-of-box rule's name")
        if reasons:
            found.append((rule, "; ".join(reasons)))
    return found


def check_modified_default_rules(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    found = modified_default_rules(config)
    server = (config.server,)
    items = [f"{rule_label(rule)}: {why}" for rule, why in found]
    evidence = {"rules": items}
    if not found:
        return make_result(
            "modified-default-rules",
            Status.PASS,
            server,
            "No sign of edited out-of-box rules (inferred from one export: the patterns of a "
            "cloned, disabled or renumbered default rule).",
            evidence,
        )
    return make_result(
        "modified-default-rules",
        Status.FAIL,
        server,
        f"{len(found)} rule(s) look like edited out-of-box rules (inferred from one export): "
        f"{listing(items, 3)}. An in-place upgrade resets edited default rules: disable the "
        "default rule and keep the change in a custom rule below precedence 100.",
        evidence,
    )


def check_disabled_default_rules(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    rules = [r for r in out_of_box_rules(config) if is_disabled(r)]
    server = (config.server,)
    evidence = {"disabled": rule_labels(rules)}
    if not rules:
        return make_result(
            "disabled-default-rules",
            Status.PASS,
            server,
            "No out-of-box rule is disabled.",
            evidence,
        )
    return make_result(
        "disabled-default-rules",
        Status.FAIL,
        server,
        f"{len(rules)} out-of-box rule(s) disabled: {listing(rule_labels(rules))}. The other "
        "server must disable the same ones.",
        evidence,
    )


def check_password_hash_sync(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    per_connector: dict[str, bool] = {}
    for connector in config.objects.get("connector", {}).values():
        phs = connector.fields.get("password-hash-sync")
        if isinstance(phs, dict):
            per_connector[connector.name] = phs.get("enabled") == "true"
    v1_flag = as_bool(setting(config, "Microsoft.OptionalFeature.PasswordHashSync"))
    sign_on = setting(config, "Microsoft.UserSignIn.SignOnMethod")
    evidence: dict[str, Json] = {
        "connectors": {name: "on" if on else "off" for name, on in per_connector.items()},
        "Microsoft.OptionalFeature.PasswordHashSync": setting(
            config, "Microsoft.OptionalFeature.PasswordHashSync"
        ),
        "Microsoft.UserSignIn.SignOnMethod": sign_on,
    }
    server = (config.server,)
    off = sorted(name for name, on in per_connector.items() if not on)
    on_somewhere = (
        any(per_connector.values())
        or v1_flag is True
        or (sign_on or "").casefold() == "passwordhashsync"
    )
    if not per_connector and v1_flag is None and not sign_on:
        return make_result(
            "password-hash-sync",
            Status.NOT_EVALUABLE,
            server,
            "The export says nothing about password hash sync: check it in the wizard.",
            evidence,
        )
    if on_somewhere and not off:
        return make_result(
            "password-hash-sync", Status.PASS, server, "Password hash sync is on.", evidence
        )
    if on_somewhere:
        message = (
            f"Password hash sync is off for {', '.join(off)}: those users get no leaked-"
            "credential detection and no sign-in fallback. Turn it on for every forest unless "
            "that is deliberate (and then the same on both servers)."
        )
    else:
        message = (
            "Password hash sync is off: Microsoft recommends it even with federation or pass-"
            "through authentication, for leaked-credential detection and as a fallback."
        )
    return make_result("password-hash-sync", Status.FAIL, server, message, evidence)


def check_sync_schedule(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    name = "Microsoft.Synchronize.SynchronizationSchedule"
    value = setting(config, name)
    on = as_bool(value)
    server = (config.server,)
    if on is None:
        return make_result(
            "sync-schedule",
            Status.NOT_EVALUABLE,
            server,
            f"{name} is {'missing' if value is None else repr(value)}: run "
            "Get-ADSyncScheduler on the server.",
            {name: value},
        )
    if on:
        return make_result(
            "sync-schedule", Status.PASS, server, "The scheduler runs sync cycles.", {name: value}
        )
    return make_result(
        "sync-schedule",
        Status.FAIL,
        server,
        "The scheduler's sync cycle is off: nothing syncs (a staging server must keep syncing "
        "to stay ready), and automatic upgrade aborts. Turn it on with Set-ADSyncScheduler "
        "-SyncCycleEnabled $true.",
        {name: value},
    )


_TIMESPAN = re.compile(r"(?:(\d{1,5})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d{1,7})?")
MIN_INTERVAL = timedelta(minutes=30)
MAX_INTERVAL = timedelta(days=7)


def parse_timespan(text: str | None) -> timedelta | None:
    """A .NET TimeSpan (``[d.]hh:mm:ss[.fffffff]``), or None."""
    found = _TIMESPAN.fullmatch((text or "").strip())
    if found is None:
        return None
    d, h, m, s = (int(found[i] or 0) for i in range(1, 5))
    if h > 23 or m > 59 or s > 59:
        return None
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def check_sync_interval(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    name = "Microsoft.Synchronize.TimeInterval"
    value = setting(config, name)
    server = (config.server,)
    evidence = {name: value}
    if value is None:
        return make_result(
            "sync-interval", Status.NOT_EVALUABLE, server, f"The export has no {name}.", evidence
        )
    interval = parse_timespan(value)
    if interval is None:
        return make_result(
            "sync-interval",
            Status.FAIL,
            server,
            f"The sync interval {value!r} cannot be read as a time span: check "
            "Get-ADSyncScheduler.",
            evidence,
        )
    if interval < MIN_INTERVAL or interval > MAX_INTERVAL:
        why = (
            "shorter than the 30 minutes allowed"
            if interval < MIN_INTERVAL
            else ("longer than 7 days: Entra ID deletes objects not synced for 7 days")
        )
        return make_result(
            "sync-interval",
            Status.FAIL,
            server,
            f"The sync interval is {value}, {why}. Set it with Set-ADSyncScheduler "
            "-CustomizedSyncCycleInterval.",
            evidence,
        )
    return make_result(
        "sync-interval",
        Status.PASS,
        server,
        f"The sync interval is {value} (between 30 minutes and 7 days).",
        evidence,
    )


def check_scheduler_suspended(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    name = "Microsoft.Synchronize.SchedulerSuspended"
    value = setting(config, name)
    suspended = as_bool(value)
    server = (config.server,)
    if suspended is None:
        return make_result(
            "scheduler-suspended",
            Status.NOT_EVALUABLE,
            server,
            f"{name} is {'missing' if value is None else repr(value)}: run Get-ADSyncScheduler.",
            {name: value},
        )
    if not suspended:
        return make_result(
            "scheduler-suspended",
            Status.PASS,
            server,
            "The scheduler is not suspended.",
            {name: value},
        )
    return make_result(
        "scheduler-suspended",
        Status.FAIL,
        server,
        "The scheduler is suspended: Connect sets this during an upgrade, and no cycle runs "
        "while it stays so. Finish or re-run the upgrade; setting it by hand is unsupported.",
        {name: value},
    )


_MANUAL_MESSAGES: dict[str, str] = {
    "tls-1.2": "An export does not show TLS settings: run Get-ADSyncToolsTls12 on the server "
    "(Connect 2.x requires TLS 1.2).",
    "sql-database": "An export does not show the database: check whether the server uses "
    "LocalDB or a (remote) SQL Server, which blocks automatic upgrade.",
    "localdb-size": "An export does not show the database size: check that ADSync.mdf is below "
    "8 GB (automatic upgrade stops there; LocalDB's limit is 10 GB).",
    "connect-health": "An export does not show the Connect Health agent: check it is current "
    "and uploading (automatic upgrade depends on it).",
}


def manual_checks(config: CanonicalConfiguration) -> list[CheckResult]:
    return [
        make_result(spec.id, Status.NOT_EVALUABLE, (config.server,), _MANUAL_MESSAGES[spec.id])
        for spec in CATALOGUE
        if spec.scope is Scope.MANUAL
    ]


ServerCheck = Callable[[CanonicalConfiguration, CheckContext], CheckResult]

SERVER_CHECKS: dict[str, ServerCheck] = {
    "supported-version": check_supported_version,
    "delete-threshold": check_delete_threshold,
    "delete-threshold-value": check_delete_threshold_value,
    "auto-upgrade": check_auto_upgrade,
    "custom-rules": check_custom_rules,
    "custom-rule-precedence": check_custom_rule_precedence,
    "modified-default-rules": check_modified_default_rules,
    "disabled-default-rules": check_disabled_default_rules,
    "password-hash-sync": check_password_hash_sync,
    "sync-schedule": check_sync_schedule,
    "sync-interval": check_sync_interval,
    "scheduler-suspended": check_scheduler_suspended,
}


def run_server_checks(config: CanonicalConfiguration, ctx: CheckContext) -> list[CheckResult]:
    """Every single-server check, then the ones to do by hand, in catalogue order."""
    results = {check_id: run(config, ctx) for check_id, run in SERVER_CHECKS.items()}
    results.update({r.id: r for r in manual_checks(config)})
    return [results[spec.id] for spec in CATALOGUE if spec.id in results]
