"""The pair readiness checks: primary and staging together.

See :data:`driftcheck.checks.catalogue.CATALOGUE` for what each reads and when it fails.
"""

from __future__ import annotations

from collections.abc import Callable

from driftcheck.checks.catalogue import (
    BLOCKING,
    INFO,
    WARNING,
    CheckResult,
    Status,
    as_bool,
    listing,
    make_result,
    out_of_box_rules,
    rule_label,
    setting,
)
from driftcheck.compare.canonical import CanonicalConfiguration, ConfigObject
from driftcheck.compare.ruletags import stem_key
from driftcheck.model.releases import parse_version

# --- pair checks ----------------------------------------------------------------------------


def same_server(primary: CanonicalConfiguration, staging: CanonicalConfiguration) -> bool:
    return bool(primary.server) and primary.server.casefold() == staging.server.casefold()


def check_server_roles(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> CheckResult:
    name = "Microsoft.Synchronize.StagingMode"
    servers = (primary.server, staging.server)
    p_value, s_value = setting(primary, name), setting(staging, name)
    evidence = {"primary": p_value, "staging": s_value}
    if same_server(primary, staging):
        return make_result(
            "server-roles",
            Status.NOT_EVALUABLE,
            servers,
            f"Both exports come from {primary.server}: a comparison of a server with itself, "
            "so the roles of two servers are not judged.",
            evidence,
        )
    p_staging, s_staging = as_bool(p_value), as_bool(s_value)
    if p_staging is None or s_staging is None:
        return make_result(
            "server-roles",
            Status.NOT_EVALUABLE,
            servers,
            f"{name} is missing or unreadable on one server: check Get-ADSyncScheduler on both.",
            evidence,
        )
    if not p_staging and not s_staging:
        return make_result(
            "server-roles",
            Status.FAIL,
            servers,
            f"Staging mode is off on both {primary.server} and {staging.server}: two servers "
            "export to the same tenant. Turn staging mode on for one of them now.",
            evidence,
            BLOCKING,
        )
    if p_staging and s_staging:
        return make_result(
            "server-roles",
            Status.FAIL,
            servers,
            f"Staging mode is on for both {primary.server} and {staging.server}: no server "
            "exports changes to the tenant. Turn it off on the server meant to be active.",
            evidence,
            WARNING,
        )
    active = staging.server if p_staging else primary.server
    note = "" if not p_staging else " (the export labelled staging is the active one)"
    return make_result(
        "server-roles",
        Status.PASS,
        servers,
        f"Exactly one server is active: {active}{note}.",
        evidence,
    )


def check_version_skew(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> CheckResult:
    servers = (primary.server, staging.server)
    p_text, s_text = primary.product_version, staging.product_version
    evidence = {"primary": p_text, "staging": s_text}
    p_version, s_version = parse_version(p_text), parse_version(s_text)
    if p_version is None or s_version is None:
        if p_text and p_text == s_text:
            return make_result(
                "version-skew", Status.PASS, servers, f"Both servers run {p_text}.", evidence
            )
        return make_result(
            "version-skew",
            Status.NOT_EVALUABLE,
            servers,
            f"A product version is missing or unreadable (primary {p_text or 'none'!s}, "
            f"staging {s_text or 'none'!s}).",
            evidence,
        )
    if p_version == s_version:
        return make_result(
            "version-skew", Status.PASS, servers, f"Both servers run {p_text}.", evidence
        )
    if s_version > p_version:
        return make_result(
            "version-skew",
            Status.FAIL,
            servers,
            f"Staging ({staging.server}) runs {s_text}, ahead of the primary ({primary.server}, "
            f"{p_text}): expected only while a staged upgrade is in progress. Switch over or "
            "upgrade the primary once the staging server is validated.",
            evidence,
            INFO,
        )
    return make_result(
        "version-skew",
        Status.FAIL,
        servers,
        f"The primary ({primary.server}) runs {p_text}, ahead of staging ({staging.server}, "
        f"{s_text}): upgrades belong on the staging server first. Upgrade the staging server "
        "before relying on it.",
        evidence,
        WARNING,
    )


def _stems(config: CanonicalConfiguration) -> dict[tuple[str, str, str], ConfigObject]:
    found: dict[tuple[str, str, str], ConfigObject] = {}
    for rule in out_of_box_rules(config):
        key = stem_key(rule)
        if key is not None:
            found.setdefault(key, rule)
    return found


def check_missing_default_rules(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> CheckResult:
    servers = (primary.server, staging.server)
    p_stems, s_stems = _stems(primary), _stems(staging)
    only_primary = [rule_label(p_stems[k]) for k in sorted(p_stems.keys() - s_stems.keys())]
    only_staging = [rule_label(s_stems[k]) for k in sorted(s_stems.keys() - p_stems.keys())]
    evidence = {"only_on_primary": only_primary, "only_on_staging": only_staging}
    if not only_primary and not only_staging:
        return make_result(
            "missing-default-rules",
            Status.PASS,
            servers,
            "Both servers have the same out-of-box rules (by connector, direction and tag).",
            evidence,
        )
    newer = _newer_side(primary, staging)
    parts, severity = [], INFO
    for side, rules, server in (
        ("staging", only_primary, staging.server),
        ("primary", only_staging, primary.server),
    ):
        if not rules:
            continue
        where = f"missing on {'the primary' if side == 'primary' else 'staging'} ({server})"
        if newer is not None and side != newer:
            parts.append(f"{where}, expected until it is upgraded too: {listing(rules)}")
        else:
            parts.append(f"{where}: {listing(rules)}")
            severity = WARNING
    advice = (
        " A deleted default rule is re-created by the next upgrade: disable rules rather than "
        "delete them, on both servers."
        if severity is WARNING
        else " The newer version adds them."
    )
    return make_result(
        "missing-default-rules",
        Status.FAIL,
        servers,
        "Out-of-box rules " + "; ".join(parts) + "." + advice,
        evidence,
        severity,
    )


def _newer_side(primary: CanonicalConfiguration, staging: CanonicalConfiguration) -> str | None:
    """ "primary" or "staging" when that server runs the newer product version."""
    p, s = parse_version(primary.product_version), parse_version(staging.product_version)
    if p is None or s is None or p == s:
        return None
    return "staging" if s > p else "primary"


PAIR_CHECKS: tuple[Callable[[CanonicalConfiguration, CanonicalConfiguration], CheckResult], ...] = (
    check_server_roles,
    check_version_skew,
    check_missing_default_rules,
)


def run_pair_checks(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> list[CheckResult]:
    return [check(primary, staging) for check in PAIR_CHECKS]
