"""Readiness checks: each id fires when, and only when, its condition holds.

The baseline is the sample primary export (FAB-SYNC01, 2.4.18.0) judged on 2024-12-01, where
only `auto-upgrade` (suspended) and `custom-rules` (seven custom rules) fail. Each variant plants
one condition on a copy of the sample files and expects exactly that check to change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from driftcheck.checks.catalogue import (
    CATALOGUE,
    CheckContext,
    CheckResult,
    Scope,
    Status,
    counts,
    failing,
)
from driftcheck.checks.pair import run_pair_checks
from driftcheck.checks.server import parse_timespan, run_server_checks
from driftcheck.checks.version import explain_reason
from driftcheck.model.releases import load_release_table
from driftcheck.model.vocab import Severity
from driftcheck.pipeline.compare import load_side
from tests import exportedit as edit
from tests.conftest import SAMPLES

AS_OF = date(2024, 12, 1)
BASELINE_FAILS = {"auto-upgrade", "custom-rules"}
SampleCopy = Callable[[str], Path]


def results(export: Path, as_of: date = AS_OF) -> dict[str, CheckResult]:
    context = CheckContext(as_of=as_of, releases=load_release_table())
    return {r.id: r for r in run_server_checks(load_side(export), context)}


def fired(export: Path, as_of: date = AS_OF) -> dict[str, CheckResult]:
    return {k: r for k, r in results(export, as_of).items() if r.failed}


def test_every_single_server_check_runs_once_in_catalogue_order() -> None:
    found = list(results(SAMPLES / "primary"))
    expected = [s.id for s in CATALOGUE if s.scope is not Scope.PAIR]
    assert found == expected


def test_baseline_sample_primary() -> None:
    checks = results(SAMPLES / "primary")
    assert {k for k, r in checks.items() if r.failed} == BASELINE_FAILS
    manual = {s.id for s in CATALOGUE if s.scope is Scope.MANUAL}
    assert {k for k, r in checks.items() if r.status is Status.NOT_EVALUABLE} == manual
    assert all(r.servers == ("FAB-SYNC01",) for r in checks.values())
    assert all(r.source.startswith("Microsoft Learn: ") for r in checks.values())


# (check id, planted condition, expected severity)
Plant = Callable[[Path], None]


def _param(name: str, value: str) -> Plant:
    return lambda export: edit.set_parameter(export, name, value)


def _rule(name: str, element: str, value: str, connector: str = "fabrikam.com") -> Plant:
    return lambda export: edit.set_rule_element(
        edit.rule_file(export, name, connector), element, value
    )


def _cloned_default_rule(export: Path) -> None:
    """The FIX pattern: the out-of-box rule disabled, an enabled untagged copy beside it."""
    original = edit.rule_file(export, "In from AD - User Common", "fabrikam.com")
    clone = edit.clone_rule(original)
    edit.set_rule_element(original, "disabled", "True")
    edit.set_rule_element(clone, "immutable-tag", "")
    edit.set_rule_element(clone, "precedence", "20")


def _both_custom_rules_at_50(export: Path) -> None:
    edit.set_rule_element(
        edit.rule_file(export, "In from AD - User Department Fixup"), "precedence", "50"
    )


def _phs_off_everywhere(export: Path) -> None:
    edit.set_password_hash_sync(export, "fabrikam.com", False)
    edit.set_password_hash_sync(export, "emea.fabrikam.com", False)
    edit.set_parameter(export, "Microsoft.UserSignIn.SignOnMethod", "PassthroughAuthentication")


VERSION = "Microsoft.Synchronize.ServerConfigurationVersion"
PLANTS: list[tuple[str, str, Plant, Severity]] = [
    ("supported-version", "1.x", _param(VERSION, "1.6.16.0"), Severity.BLOCKING),
    ("supported-version", "retired 2.x", _param(VERSION, "2.1.19.0"), Severity.BLOCKING),
    ("supported-version", "unknown build", _param(VERSION, "2.4.99.0"), Severity.INFO),
    ("supported-version", "unreadable", _param(VERSION, "2.4.x-beta"), Severity.INFO),
    (
        "delete-threshold",
        "off",
        _param("Microsoft.OptionalFeature.ExportDeletionThreshold", "False"),
        Severity.BLOCKING,
    ),
    (
        "delete-threshold-value",
        "zero",
        _param("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "0"),
        Severity.WARNING,
    ),
    (
        "delete-threshold-value",
        "not a number",
        _param("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "lots"),
        Severity.WARNING,
    ),
    (
        "delete-threshold-value",
        "not the default",
        _param("Microsoft.OptionalFeature.ExportDeletionThresholdValue", "1000"),
        Severity.INFO,
    ),
    (
        "custom-rule-precedence",
        "outside 0-99",
        _rule("In from AD - User Contractor Filter", "precedence", "140"),
        Severity.WARNING,
    ),
    ("custom-rule-precedence", "shared", _both_custom_rules_at_50, Severity.WARNING),
    ("modified-default-rules", "cloned and disabled", _cloned_default_rule, Severity.WARNING),
    (
        "modified-default-rules",
        "out-of-box below 100",
        _rule("In from AD - Contact Join", "precedence", "99"),
        Severity.WARNING,
    ),
    (
        "modified-default-rules",
        "untagged rule with a default name",
        _rule("In from AD - User Department Fixup", "name", "In from AD - Contact Common"),
        Severity.WARNING,
    ),
    (
        "disabled-default-rules",
        "disabled",
        _rule("In from AD - Group Common", "disabled", "True"),
        Severity.INFO,
    ),
    ("password-hash-sync", "off everywhere", _phs_off_everywhere, Severity.INFO),
    (
        "password-hash-sync",
        "off for one forest",
        lambda e: edit.set_password_hash_sync(e, "emea.fabrikam.com", False),
        Severity.INFO,
    ),
    (
        "sync-schedule",
        "off",
        _param("Microsoft.Synchronize.SynchronizationSchedule", "False"),
        Severity.WARNING,
    ),
    (
        "sync-interval",
        "10 minutes",
        _param("Microsoft.Synchronize.TimeInterval", "00:10:00"),
        Severity.WARNING,
    ),
    (
        "sync-interval",
        "8 days",
        _param("Microsoft.Synchronize.TimeInterval", "8.00:00:00"),
        Severity.WARNING,
    ),
    (
        "sync-interval",
        "unreadable",
        _param("Microsoft.Synchronize.TimeInterval", "half an hour"),
        Severity.WARNING,
    ),
    (
        "scheduler-suspended",
        "suspended",
        _param("Microsoft.Synchronize.SchedulerSuspended", "True"),
        Severity.WARNING,
    ),
]


@pytest.mark.parametrize(
    ("check_id", "plant", "severity"),
    [(c, p, s) for c, _, p, s in PLANTS],
    ids=[f"{c}: {label}" for c, label, _, _ in PLANTS],
)
def test_planted_condition_fires_exactly_its_check(
    sample_copy: SampleCopy, check_id: str, plant: Plant, severity: Severity
) -> None:
    export = sample_copy("primary")
    plant(export)
    now = fired(export)
    # a disabled out-of-box rule is part of the cloned-default-rule pattern
    also = {"disabled-default-rules"} if plant is _cloned_default_rule else set()
    assert set(now) == BASELINE_FAILS | {check_id} | also
    assert now[check_id].severity is severity
    assert now[check_id].message


# --- passes and the conditions that clear a baseline failure ---------------------------------


def test_auto_upgrade_enabled_passes_and_disabled_fails(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    edit.set_parameter(export, "Microsoft.OptionalFeature.AutoUpgradeState", "Enabled")
    assert "auto-upgrade" not in fired(export)
    edit.set_parameter(export, "Microsoft.OptionalFeature.AutoUpgradeState", "Disabled")
    result = fired(export)["auto-upgrade"]
    assert result.severity is Severity.INFO and "disabled" in result.message


def test_custom_rules_pass_without_custom_rules(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    for path in (export / "SynchronizationRules").glob("*.xml"):
        if "<immutable-tag />" in path.read_text(errors="replace"):
            path.unlink()
    checks = results(export)
    assert checks["custom-rules"].status is Status.PASS
    assert checks["custom-rule-precedence"].status is Status.PASS


def test_custom_rules_are_listed(sample_copy: SampleCopy) -> None:
    result = results(SAMPLES / "primary")["custom-rules"]
    assert len(result.evidence["custom_rules"]) == 7
    assert any("In from AD - User Department Fixup" in r for r in result.evidence["custom_rules"])
    assert "7 custom sync rule(s)" in result.message


def test_supported_version_passes_on_a_current_build(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    edit.set_parameter(export, VERSION, "2.4.21.0")
    result = results(export)["supported-version"]
    assert result.status is Status.PASS
    assert result.evidence["released"] == "2024-10-31"


def test_supported_version_deadlines_follow_as_of(sample_copy: SampleCopy) -> None:
    primary = sample_copy("primary")
    edit.set_parameter(primary, VERSION, "2.4.21.0")  # the newest build the table knows
    assert results(primary, date(2026, 3, 1))["supported-version"].status is Status.PASS
    soon = results(primary, date(2026, 6, 1))["supported-version"]
    assert (soon.status, soon.severity) == (Status.FAIL, Severity.WARNING)
    assert "2026-09-30" in soon.message
    late = results(primary, date(2026, 10, 1))["supported-version"]
    assert (late.status, late.severity) == (Status.FAIL, Severity.BLOCKING)
    assert "2.5.79.0" in late.message


def test_supported_version_retirement_date(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    edit.set_parameter(export, VERSION, "2.1.20.0")  # superseded by 2.2.1.0 on 2023-06-19
    assert results(export, date(2024, 6, 18))["supported-version"].status is Status.PASS
    retired = results(export, date(2024, 6, 19))["supported-version"]
    assert retired.severity is Severity.BLOCKING
    assert retired.evidence["retires_on"] == "2024-06-19"
    assert retired.evidence["superseded_by"] == "2.2.1.0"


def test_supported_version_1x_before_1_1_750_names_the_auto_upgrade_bug(
    sample_copy: SampleCopy,
) -> None:
    export = sample_copy("primary")
    edit.set_parameter(export, VERSION, "1.1.614.0")
    result = results(export)["supported-version"]
    assert result.severity is Severity.BLOCKING and "1.1.750.0" in result.message
    edit.set_parameter(export, VERSION, "1.6.16.0")
    assert "1.1.750.0" not in results(export)["supported-version"].message


def test_missing_parameters_are_not_evaluable(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    for name in (
        VERSION,
        "Microsoft.OptionalFeature.ExportDeletionThreshold",
        "Microsoft.OptionalFeature.ExportDeletionThresholdValue",
        "Microsoft.OptionalFeature.AutoUpgradeState",
        "Microsoft.Synchronize.SynchronizationSchedule",
        "Microsoft.Synchronize.TimeInterval",
        "Microsoft.Synchronize.SchedulerSuspended",
    ):
        edit.remove_parameter(export, name)
    checks = results(export)
    for check_id in (
        "supported-version",
        "delete-threshold",
        "delete-threshold-value",
        "auto-upgrade",
        "sync-schedule",
        "sync-interval",
        "scheduler-suspended",
    ):
        assert checks[check_id].status is Status.NOT_EVALUABLE, check_id


# --- auto-upgrade reasons ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "version", "words", "stale"),
    [
        ("UpgradeNotSupportedCustomizedSyncRules", (2, 4, 18, 0), "custom synchronization", True),
        ("UpgradeNotSupportedCustomizedSyncRules", (2, 1, 20, 0), "stops blocking", False),
        ("UpgradeNotSupportedNonLocalDbInstall", (2, 4, 18, 0), "LocalDB", False),
        ("upgradenotsupportedlocaldbsizeexceeded", (2, 4, 18, 0), "8 GB", False),
        ("UpgradeNotSupportedAADHealthUploadDisabled", None, "Health data uploads", False),
        ("UpgradeNotSupportedInvalidPersistedState", None, "Express settings", False),
        ("UpgradeNotSupportedStagingModeEnabled", None, "staging mode", True),
        ("UpgradeNotSupportedMetaverseSizeExceeeded", None, "100,000", True),
        ("UpgradeAbortedSyncExeInUse", None, "Synchronization Service Manager", False),
        ("AADHealthEndpointNotDefined", None, "endpoint", False),
        (
            "UpgradeFailedRollbackSuccess-GetPasswordHashSyncStateFailed",
            None,
            "attempted and failed",
            False,
        ),
        ("UpgradeNotSupportedSomethingNew", None, "blocks automatic upgrade", False),
        ("Whatever", None, "undocumented reason (Whatever)", False),
    ],
)
def test_auto_upgrade_reasons_in_words(
    reason: str, version: tuple[int, int, int, int] | None, words: str, stale: bool
) -> None:
    text, is_stale = explain_reason(reason, version)
    assert words in text
    assert is_stale is stale


def test_auto_upgrade_suspension_reason_reaches_the_message(sample_copy: SampleCopy) -> None:
    export = sample_copy("primary")
    name = "Microsoft.OptionalFeature.AutoUpgradeSuspensionReason"
    edit.set_parameter(export, name, "UpgradeNotSupportedNonLocalDbInstall")
    result = results(export)["auto-upgrade"]
    assert "LocalDB" in result.message and result.evidence["reason_stale"] is False
    assert result.evidence[name] == "UpgradeNotSupportedNonLocalDbInstall"
    sample = results(SAMPLES / "primary")["auto-upgrade"]
    assert "stale" in sample.message and sample.evidence["reason_stale"] is True


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:30:00", 30), ("7.00:00:00", 7 * 24 * 60), ("03:00:00.1234567", 180), ("1:00:00", 60)],
)
def test_timespans(text: str, minutes: int) -> None:
    span = parse_timespan(text)
    assert span is not None and span.total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "30", "00:60:00", "24:00:00", "abc", None])
def test_unreadable_timespans(text: str | None) -> None:
    assert parse_timespan(text) is None


# --- pair checks ------------------------------------------------------------------------------


def pair(primary: Path, staging: Path) -> dict[str, CheckResult]:
    return {r.id: r for r in run_pair_checks(load_side(primary), load_side(staging))}


def test_pair_checks_on_the_samples() -> None:
    checks = pair(SAMPLES / "primary", SAMPLES / "staging")
    assert checks["server-roles"].status is Status.PASS
    assert "FAB-SYNC01" in checks["server-roles"].message
    skew = checks["version-skew"]
    assert (skew.status, skew.severity) == (Status.FAIL, Severity.INFO)
    assert "2.4.27.0" in skew.message and "staged upgrade" in skew.message
    assert checks["missing-default-rules"].status is Status.PASS
    assert all(r.servers == ("FAB-SYNC01", "FAB-SYNC02") for r in checks.values())


def test_version_skew_primary_ahead_is_a_warning() -> None:
    skew = pair(SAMPLES / "staging", SAMPLES / "primary")["version-skew"]
    assert (skew.status, skew.severity) == (Status.FAIL, Severity.WARNING)
    assert "staging server first" in skew.message


def test_server_roles(sample_copy: SampleCopy) -> None:
    primary, staging = sample_copy("primary"), sample_copy("staging")
    edit.set_parameter(staging, "Microsoft.Synchronize.StagingMode", "False")
    both_active = pair(primary, staging)["server-roles"]
    assert (both_active.status, both_active.severity) == (Status.FAIL, Severity.BLOCKING)
    edit.set_parameter(staging, "Microsoft.Synchronize.StagingMode", "True")
    edit.set_parameter(primary, "Microsoft.Synchronize.StagingMode", "True")
    nobody = pair(primary, staging)["server-roles"]
    assert (nobody.status, nobody.severity) == (Status.FAIL, Severity.WARNING)


def test_server_roles_self_comparison_is_not_judged(sample_copy: SampleCopy) -> None:
    checks = pair(SAMPLES / "primary", SAMPLES / "primary")
    assert checks["server-roles"].status is Status.NOT_EVALUABLE
    assert checks["version-skew"].status is Status.PASS
    other = sample_copy("primary")
    edit.set_server_name(other, "FAB-SYNC03")
    assert pair(SAMPLES / "primary", other)["server-roles"].severity is Severity.BLOCKING


def test_missing_default_rules(sample_copy: SampleCopy) -> None:
    staging = sample_copy("staging")
    edit.rule_file(staging, "In from AD - Contact Common", "emea.fabrikam.com").unlink()
    result = pair(SAMPLES / "primary", staging)["missing-default-rules"]
    assert (result.status, result.severity) == (Status.FAIL, Severity.WARNING)
    assert result.evidence["only_on_staging"] == []
    [missing] = result.evidence["only_on_primary"]
    assert "In from AD - Contact Common" in missing and "emea.fabrikam.com" in missing


def test_default_rules_are_matched_by_tag_stem_not_version(sample_copy: SampleCopy) -> None:
    staging = sample_copy("staging")
    rule = edit.rule_file(staging, "In from AD - User Common", "fabrikam.com")
    edit.set_rule_element(rule, "immutable-tag", "Microsoft.InfromADUserCommon.015")
    assert pair(SAMPLES / "primary", staging)["missing-default-rules"].status is Status.PASS


# --- results as JSON, verdicts --------------------------------------------------------------


def test_results_round_trip_through_json() -> None:
    checks = list(results(SAMPLES / "staging").values())
    assert [CheckResult.from_json(c.to_json()) for c in checks] == checks


@pytest.mark.parametrize(
    "entry",
    [
        [],
        {"id": "x"},
        {
            "id": "x",
            "title": "t",
            "status": "maybe",
            "severity": "info",
            "servers": [],
            "message": "",
            "source": "",
        },
    ],
)
def test_bad_json_entries_are_refused(entry: object) -> None:
    from driftcheck.errors import InputError

    with pytest.raises(InputError):
        CheckResult.from_json(entry, file="checks.json")


def test_failing_and_counts() -> None:
    checks = list(results(SAMPLES / "staging", date(2026, 12, 2)).values())
    assert counts(checks) == {"blocking": 1, "warning": 0, "info": 5, "pass": 6, "not-evaluable": 4}
    assert [r.id for r in failing(checks, "warning")] == ["supported-version"]
    assert len(failing(checks, "info")) == 6


# --- the genuine export -----------------------------------------------------------------------


def test_reference_export(reference_export: Path) -> None:
    checks = results(reference_export, date(2016, 6, 1))
    version = checks["supported-version"]
    assert version.severity is Severity.BLOCKING
    assert "1.1.130.0" in version.message and "1.1.750.0" in version.message
    assert checks["delete-threshold"].status is Status.PASS
    assert checks["delete-threshold-value"].status is Status.PASS
    upgrade = checks["auto-upgrade"]
    assert upgrade.failed and "no reason" in upgrade.message
    assert checks["password-hash-sync"].failed
    assert checks["custom-rules"].status is Status.PASS
    assert checks["modified-default-rules"].status is Status.PASS
    assert checks["sync-interval"].status is Status.PASS
    assert checks["scheduler-suspended"].status is Status.PASS


def test_reference_export_planted_variant(reference_export: Path, tmp_path: Path) -> None:
    import shutil

    export = tmp_path / "contoso"
    shutil.copytree(reference_export, export)
    edit.set_parameter(export, "Microsoft.OptionalFeature.ExportDeletionThreshold", "False")
    edit.set_parameter(export, "Microsoft.Synchronize.SchedulerSuspended", "True")
    now = fired(export, date(2016, 6, 1))
    assert now["delete-threshold"].severity is Severity.BLOCKING
    assert now["scheduler-suspended"].severity is Severity.WARNING


def test_default_rules_only_on_the_newer_server_are_expected(sample_copy: SampleCopy) -> None:
    staging = sample_copy("staging")  # 2.4.27.0, ahead of the primary
    clone = edit.clone_rule(edit.rule_file(staging, "In from AD - Contact Common", "fabrikam.com"))
    edit.set_rule_element(clone, "name", "In from AD - Device Common")
    edit.set_rule_element(clone, "immutable-tag", "Microsoft.InfromADDeviceCommon.001")
    result = pair(SAMPLES / "primary", staging)["missing-default-rules"]
    assert (result.status, result.severity) == (Status.FAIL, Severity.INFO)
    assert "expected until it is upgraded too" in result.message
    edit.rule_file(staging, "In from AD - Contact Common", "emea.fabrikam.com").unlink()
    both = pair(SAMPLES / "primary", staging)["missing-default-rules"]
    assert both.severity is Severity.WARNING and "re-created" in both.message
