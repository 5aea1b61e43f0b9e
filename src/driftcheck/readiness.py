"""The Readiness section of ``compare``: both servers' checks and the pair checks.

``--checks`` decides what they do to the exit code, which otherwise still means *drift
found*: ``report`` (the default) shows them and counts only two different servers both active
(``server-roles`` blocking: two servers export to one tenant); ``fail`` counts every failed
check at or above ``--fail-on``; ``off`` runs none.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from driftcheck.checks import CheckContext, CheckResult, failing
from driftcheck.checks_pair import run_pair_checks
from driftcheck.checks_server import run_server_checks
from driftcheck.normalize import CanonicalConfiguration
from driftcheck.releases import load_release_table
from driftcheck.vocab import Severity


class ChecksMode(StrEnum):
    REPORT = "report"
    FAIL = "fail"
    OFF = "off"


def readiness_checks(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration, *, as_of: date
) -> tuple[CheckResult, ...]:
    """The pair checks first, then each server's checks (primary, then staging)."""
    context = CheckContext(as_of=as_of, releases=load_release_table())
    return (
        *run_pair_checks(primary, staging),
        *run_server_checks(primary, context),
        *run_server_checks(staging, context),
    )


def _two_active_servers(result: CheckResult) -> bool:
    return result.id == "server-roles" and result.failed and result.severity is Severity.BLOCKING


def failing_checks(
    results: tuple[CheckResult, ...], mode: ChecksMode | str, fail_on: str
) -> list[CheckResult]:
    """The failed checks that count toward ``compare``'s exit code under ``mode``."""
    if ChecksMode(mode) is ChecksMode.FAIL:
        return failing(results, fail_on)
    return [r for r in results if _two_active_servers(r)]
