"""The version checks of one server: a supported build, and automatic upgrade with its reasons.

`supported-version` judges the build against the bundled release table (retirement rules and
deadlines); `auto-upgrade` explains the suspension reason the server reports, current or
historical, and names the stale ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from driftcheck.checks.catalogue import (
    BLOCKING,
    INFO,
    WARNING,
    CheckContext,
    CheckResult,
    Json,
    Status,
    make_result,
    setting,
)
from driftcheck.compare.canonical import CanonicalConfiguration
from driftcheck.model.releases import ReleaseTable, Version, parse_version, version_text
from driftcheck.model.vocab import Severity

SERVER_VERSION = "Microsoft.Synchronize.ServerConfigurationVersion"


#: A deadline warns this long before it takes effect.
DEADLINE_NOTICE = timedelta(days=180)


def check_supported_version(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    server = (config.server,)
    text = setting(config, SERVER_VERSION)
    table = ctx.releases
    evidence: dict[str, Json] = {
        SERVER_VERSION: text,
        "as_of": ctx.as_of.isoformat(),
        "release_table_date": table.table_date.isoformat(),
    }
    if not text:
        return make_result(
            "supported-version",
            Status.NOT_EVALUABLE,
            server,
            f"The export has no {SERVER_VERSION}: check the version in the Connect wizard.",
            evidence,
        )
    version = parse_version(text)
    if version is None:
        return make_result(
            "supported-version",
            Status.FAIL,
            server,
            f"Unknown build: the version {text!r} cannot be read as a version number; check the "
            "installed version by hand.",
            evidence,
            INFO,
        )
    if version[0] < 2:
        return _v1_result(version, text, server, evidence, table)
    findings = _deadline_findings(version, ctx, evidence) + _retirement_findings(
        version, ctx, evidence
    )
    if not findings:
        latest = table.latest
        return make_result(
            "supported-version",
            Status.PASS,
            server,
            f"{text} is supported on {ctx.as_of.isoformat()}"
            + (
                f" (the newest build the release table knows is {version_text(latest.version)})."
                if latest
                else "."
            ),
            evidence,
        )
    severity = max((level for level, _ in findings), key=lambda s: s.rank)
    return make_result(
        "supported-version",
        Status.FAIL,
        server,
        " ".join(sentence for _, sentence in findings),
        evidence,
        severity,
    )


def _v1_result(
    version: Version,
    text: str,
    server: tuple[str, ...],
    evidence: dict[str, Json],
    table: ReleaseTable,
) -> CheckResult:
    message = (
        f"{text} is a 1.x build: 1.x was retired on {table.v1_retired.isoformat()} and stopped "
        f"synchronising on {table.v1_sync_stopped.isoformat()}. Move to a current 2.x build "
        "(a swing migration: install it on a new staging server)."
    )
    if version < table.v1_auto_upgrade_fixed_in:
        fixed = version_text(table.v1_auto_upgrade_fixed_in)
        message += (
            f" Builds before {fixed} could leave automatic upgrade blocked in the Suspended "
            "state, so this server may never have upgraded itself."
        )
        evidence["auto_upgrade_fixed_in"] = fixed
    evidence["v1_retired"] = table.v1_retired.isoformat()
    return make_result("supported-version", Status.FAIL, server, message, evidence, BLOCKING)


def _deadline_findings(
    version: Version, ctx: CheckContext, evidence: dict[str, Json]
) -> list[tuple[Severity, str]]:
    findings: list[tuple[Severity, str]] = []
    for deadline in ctx.releases.deadlines:
        if version >= deadline.minimum:
            continue
        minimum = version_text(deadline.minimum)
        when = deadline.date.isoformat()
        if ctx.as_of >= deadline.date:
            evidence[f"minimum_since_{when}"] = minimum
            findings.append(
                (
                    Severity(deadline.severity),
                    f"Below {minimum}, required since {when}: {deadline.effect}. Upgrade to "
                    f"{minimum} or later.",
                )
            )
        elif ctx.as_of >= deadline.date - DEADLINE_NOTICE:
            evidence[f"minimum_from_{when}"] = minimum
            findings.append(
                (
                    WARNING,
                    f"Below {minimum}, required from {when} (then {deadline.effect}). Upgrade "
                    "before that date.",
                )
            )
    return findings


def _retirement_findings(
    version: Version, ctx: CheckContext, evidence: dict[str, Json]
) -> list[tuple[Severity, str]]:
    table = ctx.releases
    text = version_text(version)
    findings: list[tuple[Severity, str]] = []
    known = table.find(version)
    if known is not None:
        evidence["released"] = known.released.isoformat()
    else:
        latest = table.latest
        if latest is not None and version > latest.version:
            reason = (
                f"newer than every build in the release table (dated "
                f"{table.table_date.isoformat()})"
            )
        else:
            reason = "not in the release table"
        findings.append(
            (
                INFO,
                f"Unknown build: {text} is {reason}; check its support status in the version "
                "release history.",
            )
        )
    retirement = table.retirement(version)
    if retirement is not None:
        newer, retired_on = retirement
        evidence["superseded_by"] = version_text(newer.version)
        evidence["retires_on"] = retired_on.isoformat()
        if ctx.as_of >= retired_on:
            findings.append(
                (
                    BLOCKING,
                    f"{text} retired on {retired_on.isoformat()}, 12 months after "
                    f"{version_text(newer.version)} was released: a retired build may stop "
                    "working and gets no fixes. Upgrade, staging server first.",
                )
            )
    return findings


#: Reasons in Microsoft's current list (2024): they block automatic upgrade until fixed.
CURRENT_REASONS: dict[str, str] = {
    "UpgradeNotSupportedCustomizedSyncRules": "custom synchronization rules are configured",
    "UpgradeNotSupportedInvalidPersistedState": "the installation is not an Express settings "
    "installation or a DirSync upgrade",
    "UpgradeNotSupportedNonLocalDbInstall": "the server does not use a SQL Server Express "
    "LocalDB database (it uses a full or remote SQL Server)",
    "UpgradeNotSupportedLocalDbSizeExceeded": "the LocalDB database is 8 GB or larger",
    "UpgradeNotSupportedAADHealthUploadDisabled": "Connect Health data uploads are disabled in "
    "the portal",
}


#: Temporary aborts: the upgrade is retried and expected to succeed later.
ABORT_REASONS: dict[str, str] = {
    "UpgradeAbortedCouldNotSetUpgradeMarker": "the upgrade could not write to the registry",
    "UpgradeAbortedInsufficientDatabasePermissions": "the built-in Administrators group has no "
    "permissions on the database (upgrade by hand to fix it)",
    "UpgradeAbortedInsufficientDiskSpace": "there was not enough disk space",
    "UpgradeAbortedSecurityGroupsNotPresent": "the sync engine's security groups could not all "
    "be found",
    "UpgradeAbortedServiceCanNotBeStarted": "the ADSync service failed to start",
    "UpgradeAbortedServiceCanNotBeStopped": "the ADSync service failed to stop",
    "UpgradeAbortedServiceIsNotRunning": "the ADSync service was not running",
    "UpgradeAbortedSyncCycleDisabled": "the scheduler's sync cycle is disabled",
    "UpgradeAbortedSyncExeInUse": "the Synchronization Service Manager was open on the server",
    "UpgradeAbortedAdSyncExeInUse": "the Synchronization Service Manager was open on the server",
    "UpgradeAbortedSyncOrConfigurationInProgress": "the wizard was running or a sync was "
    "started outside the scheduler",
}


#: Conditions of older builds (Microsoft's 2016–2020 lists) that current builds no longer name.
HISTORICAL_REASONS: dict[str, str] = {
    "UpgradeNotSupportedDeviceWritebackEnabled": "device writeback is enabled",
    "UpgradeNotSupportedGroupWritebackEnabled": "group writeback is enabled",
    "UpgradeNotSupportedUserWritebackEnabled": "user writeback is enabled",
    "UpgradeNotSupportedMetaverseSizeExceeeded": "the metaverse holds more than 100,000 objects",
    "UpgradeNotSupportedMultiForestSetup": "more than one forest is connected",
    "UpgradeNotSupportedNonMsolAccount": "the AD connector account is not the default MSOL_ "
    "account",
    "UpgradeNotSupportedStagingModeEnabled": "the server is in staging mode",
}


#: Reasons that are not an upgrade result.
OTHER_REASONS: dict[str, str] = {
    "AADHealthEndpointNotDefined": "the Connect Health endpoint that automatic upgrade uses is "
    "not defined",
    "DirSyncInPlaceUpgradeNonLocalDb": "an in-place DirSync upgrade did not use LocalDB",
}


_PREFIXES = (
    ("UpgradeNotSupported", "the configuration blocks automatic upgrade; upgrade by hand"),
    ("UpgradeAborted", "a temporary condition stopped the upgrade; it is retried"),
    ("UpgradeFailed", "an automatic upgrade was attempted and failed"),
)


CUSTOM_RULES_NO_LONGER_BLOCK = (2, 2, 1, 0)


def _lookup(table: Mapping[str, str], reason: str) -> str | None:
    folded = reason.casefold()
    return next((text for key, text in table.items() if key.casefold() == folded), None)


def explain_reason(reason: str, version: Version | None) -> tuple[str, bool]:
    """(the suspension reason in words, whether it is stale) for one reason string.

    Compound reasons (``UpgradeFailedRollbackSuccess-GetPasswordHashSyncStateFailed``) are
    explained part by part.
    """
    parts = [p for p in reason.split("-") if p.strip()]
    if len(parts) > 1:
        explained = [explain_reason(p.strip(), version) for p in parts]
        return "; then ".join(text for text, _ in explained), any(s for _, s in explained)
    if reason.casefold() == "UpgradeNotSupportedCustomizedSyncRules".casefold():
        text = CURRENT_REASONS["UpgradeNotSupportedCustomizedSyncRules"]
        if version is not None and version >= CUSTOM_RULES_NO_LONGER_BLOCK:
            return (
                f"{text}; stale: from 2.2.1.0 custom rules no longer block automatic upgrade",
                True,
            )
        return f"{text} (this stops blocking automatic upgrade from 2.2.1.0)", False
    for table in (CURRENT_REASONS, ABORT_REASONS, OTHER_REASONS):
        found = _lookup(table, reason)
        if found:
            return found, False
    historical = _lookup(HISTORICAL_REASONS, reason)
    if historical:
        return (
            f"{historical}; stale: a condition of older builds that Microsoft's current list no "
            "longer names",
            True,
        )
    for prefix, text in _PREFIXES:
        if reason.casefold().startswith(prefix.casefold()):
            return f"{text} ({reason})", False
    if reason.casefold() == "RollbackSuccess".casefold():
        return "the previous version was restored", False
    return f"an undocumented reason ({reason})", False


def check_auto_upgrade(config: CanonicalConfiguration, ctx: CheckContext) -> CheckResult:
    state_name = "Microsoft.OptionalFeature.AutoUpgradeState"
    reason_name = "Microsoft.OptionalFeature.AutoUpgradeSuspensionReason"
    state, reason = setting(config, state_name), setting(config, reason_name)
    version = parse_version(setting(config, SERVER_VERSION))
    evidence: dict[str, Json] = {state_name: state}
    if reason is not None:
        evidence[reason_name] = reason
    server = (config.server,)
    folded = (state or "").strip().casefold()
    if not folded:
        return make_result(
            "auto-upgrade",
            Status.NOT_EVALUABLE,
            server,
            f"The export has no {state_name}: run Get-ADSyncAutoUpgrade -Detail on the server.",
            evidence,
        )
    if folded == "enabled":
        return make_result(
            "auto-upgrade",
            Status.PASS,
            server,
            "Automatic upgrade is enabled: this server may upgrade itself without notice "
            "(staging servers too), and driftcheck compare then switches to upgrade mode.",
            evidence,
        )
    if folded == "disabled":
        return make_result(
            "auto-upgrade",
            Status.FAIL,
            server,
            "Automatic upgrade is disabled by an administrator: this server is only upgraded by "
            "hand, so keep it on a supported build (Set-ADSyncAutoUpgrade -AutoUpgradeState "
            "Enabled turns it back on).",
            evidence,
            INFO,
        )
    if folded == "suspended":
        message = _suspended_message(reason, version, ctx, evidence)
        return make_result("auto-upgrade", Status.FAIL, server, message, evidence, INFO)
    return make_result(
        "auto-upgrade",
        Status.FAIL,
        server,
        f"Automatic upgrade is in an unknown state {state!r} (expected Enabled, Suspended or "
        "Disabled): run Get-ADSyncAutoUpgrade -Detail.",
        evidence,
        INFO,
    )


def _suspended_message(
    reason: str | None, version: Version | None, ctx: CheckContext, evidence: dict[str, Json]
) -> str:
    """Why automatic upgrade is suspended, explained (the explanation added to ``evidence``)."""
    message = "Automatic upgrade is suspended by the system"
    if reason and reason.strip():
        text, stale = explain_reason(reason.strip(), version)
        evidence["reason_explained"] = text
        evidence["reason_stale"] = stale
        message += f" because {text}."
        if stale:
            message += (
                " The reason no longer applies to this build: run Get-ADSyncAutoUpgrade "
                "-Detail to see whether the suspension clears, and upgrade by hand if not."
            )
    else:
        message += "; the export gives no reason (Get-ADSyncAutoUpgrade -Detail shows it)."
    fixed = ctx.releases.v1_auto_upgrade_fixed_in
    if version is not None and version < fixed:
        message += (
            f" Before {version_text(fixed)}, Set-ADSyncAutoUpgrade could keep a suspended "
            "server from ever upgrading."
        )
    return message
