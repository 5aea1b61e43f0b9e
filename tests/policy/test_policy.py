"""Built-in ignore rules hide only what always differs, and every hidden change is counted."""

from __future__ import annotations

import pytest

from driftcheck.compare.walk import PRECEDENCE_ORDER, Change
from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES, BUILT_IN_SEVERITY_RULES
from driftcheck.policy.matching import glob
from driftcheck.policy.rules import apply_policy, severity_of


def change(
    section: str, obj: str, path: str, a: object, b: object, kind: str = "modified"
) -> Change:
    return Change(
        section,
        obj,
        "contoso.com" if section in {"connector", "sync-rule"} else None,
        path,
        kind,
        a,
        b,
    )


HIDDEN = [
    ("server-local-ids", change("sync-rule", "R", "id", "{a}", "{b}")),
    ("server-local-ids", change("connector", "c", "partitions/DC=x/id", "{a}", "{b}")),
    ("server-local-ids", change("sync-rule", "R", "precedence-after", "{0}", "{1}")),
    ("change-tracking", change("connector", "c", "last-modification-time", "t1", "t2")),
    ("change-tracking", change("connector", "c", "run-profiles/Export/version", "3", "4")),
    ("change-tracking", change("global-settings", "(metaverse data)", "version", "695", "12")),
    (
        "sync-state",
        change(
            "connector", "c", "partitions/DC=x/custom-data/adma-partition-data/cookie", "a", "b"
        ),
    ),
    ("sync-state", change("connector", "c", "partitions/DC=x/parameters/last-dc", "dc1", "dc2")),
    ("sync-state", change("connector", "c", "partitions/default/custom-data/water-mark", "a", "b")),
    ("server-name", change("global-settings", "(export)", "server", "SYNC01", "SYNC02")),
    ("change-tracking", change("global-settings", "(export)", "export-date", "d1", "d2")),
    (
        "ad-connector-account",
        change(
            "connector",
            "c",
            "configuration/forest-login-user",
            "MSOL_d1edb676ca03",
            "MSOL_0123456789ab",
        ),
    ),
    (
        "ad-connector-account",
        change(
            "connector",
            "c",
            "connectivity/forest-login-user",
            "MSOL_d1edb676ca03",
            "MSOL_0123456789ab",
        ),
    ),
    (
        "cloud-sync-account",
        change(
            "connector",
            "c",
            "connectivity/UserName",
            "Sync_SYNC01_e3c03195e061@t.onmicrosoft.com",
            "Sync_SYNC02_0123456789ab@t.onmicrosoft.com",
        ),
    ),
    (
        "staging-mode",
        change("global-settings", "Microsoft.Synchronize.StagingMode", "value", "False", "True"),
    ),
    (
        "scheduler-next-start",
        change("global-settings", "Microsoft.Synchronize.NextStartTime", "value", "a", "b"),
    ),
    ("precedence-renumbered", change("sync-rule", "R", "precedence", "100", "101")),
    (
        "name-letter-case",
        change(
            "sync-rule",
            "In from AD - User Common",
            "name",
            "In from AD - User Common",
            "In From AD - User Common",
        ),
    ),
]


@pytest.mark.parametrize(("rule_id", "c"), HIDDEN)
def test_always_different_things_are_hidden_by_the_named_rule(rule_id: str, c: Change) -> None:
    verdict = apply_policy([c])
    assert verdict.differences == ()
    assert [s.rule for s in verdict.suppressed] == [rule_id]
    assert verdict.hidden_by_rule[rule_id] == 1


SHOWN = [
    # a custom service account is a real difference, not a per-server generated one
    change("connector", "c", "configuration/forest-login-user", "MSOL_d1edb676ca03", "svc-aadc"),
    change("connector", "c", "connectivity/UserName", "Sync_A_e3c03195e061@t.com", "admin@t.com"),
    change("sync-rule", "R", "name", "Rule A", "Rule B"),
    change("sync-rule", "R", PRECEDENCE_ORDER, "rank 1 of 2", "rank 2 of 2"),
    change("sync-rule", "R", "attribute-flows/department/expression", "a", "b"),
    change("connector", "c", "partitions/DC=x/containers/inclusions", "OU=Sales", None, "removed"),
    change(
        "global-settings",
        "Microsoft.OptionalFeature.ExportDeletionThresholdValue",
        "value",
        "500",
        "1000",
    ),
    change(
        "global-settings",
        "Microsoft.Synchronize.ServerConfigurationVersion",
        "value",
        "2.4.18.0",
        "2.4.27.0",
    ),
]


@pytest.mark.parametrize("c", SHOWN, ids=lambda c: c.path or c.object)
def test_real_differences_are_never_hidden(c: Change) -> None:
    verdict = apply_policy([c])
    assert len(verdict.differences) == 1
    assert verdict.suppressed == ()


@pytest.mark.parametrize(
    ("c", "level", "rule_id"),
    [
        (SHOWN[4], "blocking", "sync-rule"),
        (SHOWN[3], "blocking", "sync-rule"),
        (SHOWN[5], "blocking", "connector-scope"),
        (SHOWN[6], "blocking", "global-feature"),
        (SHOWN[7], "warning", "version-skew"),
        (change("sync-rule", "R", "description", "a", "b"), "info", "documentation"),
        (
            change(
                "connector",
                "c",
                "run-profiles/Export/step 1/custom-data/adma-step-data/batch-size",
                "50",
                "100",
            ),
            "info",
            "run-profile-tuning",
        ),
        (
            change("connector", "c", "run-profiles/Export/step 1/type", "export", "full-import"),
            "warning",
            "connector-setting",
        ),
        (
            change("connector", "c", "configuration/extension-config/assembly-version", "1", "2"),
            "warning",
            "connector-version-skew",
        ),
        (
            change("connector", "c", "password-hash-sync/enabled", "true", "false"),
            "blocking",
            "connector-scope",
        ),
        (
            change("connector", "c", "attribute-inclusion", None, "extensionAttribute1", "added"),
            "blocking",
            "connector-scope",
        ),
        (
            change("connector", "c", "", "AD connector", None, "removed"),
            "blocking",
            "connector-scope",
        ),
        (
            change("connector", "c", "schema/attributes/x", None, "1.3, single", "added"),
            "warning",
            "connector-schema",
        ),
        (
            change("metaverse", "person", "attributes/costCenter", None, "optional", "added"),
            "blocking",
            "metaverse-schema",
        ),
        (
            change(
                "global-settings",
                "Microsoft.Synchronize.TimeInterval",
                "value",
                "00:30:00",
                "01:00:00",
            ),
            "warning",
            "scheduler",
        ),
        (
            change(
                "global-settings",
                "Microsoft.Synchronize.RunHistoryPurgeInterval",
                "value",
                "7",
                "8",
            ),
            "info",
            "operational-setting",
        ),
        (
            change("global-settings", "Something.New", "value", "a", "b"),
            "warning",
            "global-setting",
        ),
    ],
)
def test_severity(c: Change, level: str, rule_id: str) -> None:
    assert severity_of(c, BUILT_IN_SEVERITY_RULES) == (level, rule_id)


def test_every_built_in_rule_has_id_reason_and_source() -> None:
    ids = [r.id for r in BUILT_IN_IGNORE_RULES]
    assert len(ids) == len(set(ids))
    for r in BUILT_IN_IGNORE_RULES:
        assert r.reason and r.reference and r.source == "built-in"


def test_unused_rules_are_counted_as_zero() -> None:
    verdict = apply_policy([])
    assert set(verdict.hidden_by_rule) == {r.id for r in BUILT_IN_IGNORE_RULES}
    assert all(n == 0 for n in verdict.hidden_by_rule.values())


def test_glob_is_case_insensitive_and_crosses_slashes() -> None:
    assert glob("partitions/*/containers/*").fullmatch("Partitions/DC=x,DC=y/containers/inclusions")
    assert not glob("run-profiles/*").fullmatch("partitions/x")


# --- a tenant change is never hidden (issue 14, item 1) ---------------------------------------

SYNC_CONTOSO = "Sync_SYNC01_e3c03195e061@contoso.onmicrosoft.com"
SYNC_FABRIKAM = "Sync_SYNC02_0123456789ab@fabrikamlab.onmicrosoft.com"


def test_a_sync_account_in_another_tenant_is_blocking() -> None:
    c = change("connector", "aad", "connectivity/UserName", SYNC_CONTOSO, SYNC_FABRIKAM)
    verdict = apply_policy([c])
    assert verdict.suppressed == ()
    assert [(d.severity, d.rule) for d in verdict.differences] == [("blocking", "cloud-tenant")]


def test_the_tenant_comparison_ignores_letter_case() -> None:
    other_server = "Sync_SYNC02_0123456789ab@Contoso.OnMicrosoft.com"
    c = change("connector", "aad", "connectivity/UserName", SYNC_CONTOSO, other_server)
    assert [s.rule for s in apply_policy([c]).suppressed] == ["cloud-sync-account"]


def test_a_custom_account_in_another_tenant_is_blocking_too() -> None:
    c = change(
        "connector", "aad", "connectivity/UserName", "admin@contoso.com", "admin@fabrikam.com"
    )
    assert severity_of(c, BUILT_IN_SEVERITY_RULES) == ("blocking", "cloud-tenant")


# --- per-server operational state is info (item 2) --------------------------------------------


@pytest.mark.parametrize(
    ("name", "a", "b", "level", "rule_id"),
    [
        (
            "Microsoft.OptionalFeature.AutoUpgradeState",
            "Enabled",
            "Suspended",
            "info",
            "server-state",
        ),
        (
            "Microsoft.OptionalFeature.AutoUpgradeSuspensionReason",
            "",
            "UpgradeNotSupportedNonLocalDbInstall",
            "info",
            "server-state",
        ),
        (
            "Microsoft.SystemInformation.MachineRole",
            "RoleMemberServer",
            "RoleDomainController",
            "info",
            "server-state",
        ),
        ("Microsoft.Synchronize.SynchronizationPolicy", "Delta", "Initial", "info", "server-state"),
        (
            "Microsoft.ConnectDirectories.WizardDirectoryMode",
            "AD",
            "ActiveDirectory",
            "info",
            "wizard-state",
        ),
        (
            "Microsoft.OptionalFeature.ExchangeMailPublicFolder",
            "False",
            "True",
            "blocking",
            "global-feature",
        ),
        (
            "Microsoft.UserSignIn.SignOnMethod",
            "PasswordHashSync",
            "NotConfigured",
            "blocking",
            "global-feature",
        ),
        ("Microsoft.UserSignIn.DesktopSsoEnabled", "False", "True", "blocking", "global-feature"),
        ("Microsoft.OptionalFeature.PasswordHashSync", "True", None, "blocking", "global-feature"),
        ("Microsoft.Synchronize.SchedulerSuspended", "False", "True", "warning", "scheduler"),
        (
            "Microsoft.Version.SynchronizationRuleImmutableTag",
            "V1",
            "V2",
            "warning",
            "version-skew",
        ),
    ],
)
def test_each_global_parameter_has_a_deliberate_severity(
    name: str, a: str, b: str | None, level: str, rule_id: str
) -> None:
    c = change("global-settings", name, "value", a, b)
    assert severity_of(c, BUILT_IN_SEVERITY_RULES) == (level, rule_id)
