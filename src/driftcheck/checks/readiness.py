"""The Readiness section of ``compare``: both servers' checks and the pair checks.

``--checks`` decides what they do to the exit code, which otherwise still means *drift
found*: ``report`` (the default) shows them and counts only two different servers both active
(``server-roles`` blocking: two servers export to one tenant); ``fail`` counts every failed
check at or above ``--fail-on``; ``off`` runs none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from driftcheck.checks.catalogue import CheckContext, CheckResult, Json, failing
from driftcheck.checks.pair import run_pair_checks
from driftcheck.checks.server import run_server_checks
from driftcheck.compare.canonical import CanonicalConfiguration
from driftcheck.compare.upgrade import UpgradeMode
from driftcheck.errors import InputError
from driftcheck.model.releases import load_release_table
from driftcheck.model.vocab import Severity


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


@dataclass(frozen=True)
class Readiness:
    """What ``compare`` keeps of the checks: the results, and which count toward its exit."""

    mode: ChecksMode
    as_of: date
    results: tuple[CheckResult, ...]
    #: ids of the failed checks that make ``compare`` exit 1
    failing: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Json]:
        return {
            "mode": self.mode.value,
            "as_of": self.as_of.isoformat(),
            "failing": list(self.failing),
            "results": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: Json, *, file: str | None = None) -> Readiness:
        if not isinstance(data, dict):
            raise InputError("checks must be an object", file=file)
        results, failing_ids = data.get("results"), data.get("failing", [])
        if not isinstance(results, list) or not isinstance(failing_ids, list):
            raise InputError("checks: results and failing must be lists", file=file)
        try:
            mode = ChecksMode(str(data.get("mode")))
            as_of = date.fromisoformat(str(data.get("as_of")))
        except ValueError as exc:
            raise InputError(f"checks: {exc}", file=file) from None
        return cls(
            mode,
            as_of,
            tuple(CheckResult.from_json(r, file=file) for r in results),
            tuple(str(i) for i in failing_ids),
        )


def run_readiness(
    primary: CanonicalConfiguration,
    staging: CanonicalConfiguration,
    *,
    mode: ChecksMode | str,
    as_of: date,
    fail_on: str,
) -> Readiness | None:
    """The Readiness section of a comparison; None with ``--checks off``."""
    mode = ChecksMode(mode)
    if mode is ChecksMode.OFF:
        return None
    results = readiness_checks(primary, staging, as_of=as_of)
    counted = failing_checks(results, mode, fail_on)
    return Readiness(mode, as_of, results, tuple(dict.fromkeys(r.id for r in counted)))


def verdict_notes(checks: Readiness | None, upgrade: UpgradeMode | None) -> str:
    """What the verdict adds: an upgrade in progress, failed checks that count."""
    notes = []
    if upgrade is not None:
        notes.append(upgrade.verdict_note())
    if checks is not None and checks.failing:
        notes.append(f"not ready: {', '.join(checks.failing)} failed")
    return "; ".join(notes)
