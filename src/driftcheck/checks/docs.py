"""``docs/readiness-checks.md``, written from the check catalogue so the two cannot disagree.

``python tools/build_readiness_docs.py`` rewrites the file; a test fails when it is stale.
"""

from __future__ import annotations

from driftcheck.checks.catalogue import CATALOGUE, Scope
from driftcheck.checks.version import (
    ABORT_REASONS,
    CURRENT_REASONS,
    HISTORICAL_REASONS,
    OTHER_REASONS,
)
from driftcheck.model.releases import Release, load_release_table, version_text

_SCOPES = {
    Scope.SERVER: "Checks on one server (`driftcheck check EXPORT`, and both sides in `compare`)",
    Scope.PAIR: "Checks on the pair (`compare` only)",
    Scope.MANUAL: "Not evaluable from an export (listed so the admin checks them by hand)",
}

INTRO = """\
# Readiness checks

`driftcheck check EXPORT` runs every check that one server's export can answer; `driftcheck
compare` runs them on both servers plus the pair checks and shows them in a **Readiness**
section at the top of the report. Each result is one entry:

| Field | Meaning |
|---|---|
| `id` | the check's id below (a contract: policy files and scripts refer to it) |
| `title` | what is checked |
| `status` | `pass`, `fail` or `not-evaluable` |
| `severity` | `info`, `warning` or `blocking`: how serious a failure is (some checks fail \
below their maximum level, as described below) |
| `servers` | the server name(s) the result is about |
| `message` | what was found and what to do, in one or two sentences |
| `evidence` | the values read from the export |
| `source` | the Microsoft documentation page the check comes from |

`driftcheck check` exits 1 when a check fails at or above `--fail-on` (default `warning`).
`--as-of YYYY-MM-DD` fixes "today" for the support-status check, for reproducible runs.
In `compare`, `--checks report` (the default) shows the checks without changing the exit code,
except `server-roles` failing as blocking (two different servers both out of staging mode);
`--checks fail` counts every failed check at or above `--fail-on`; `--checks off` runs none.
The compare report's JSON holds them under `checks` (`mode`, `as_of`, `failing`, `results`).

This page is generated from the check catalogue in `src/driftcheck/checks/catalogue.py` by
`python tools/build_readiness_docs.py`; a test fails when the two disagree.
"""


def _check_section(index: int) -> list[str]:
    spec = CATALOGUE[index]
    return [
        f"### `{spec.id}`: {spec.title}",
        "",
        f"- Severity when failing: up to **{spec.severity.value}**",
        f"- Reads: {spec.reads}",
        f"- Fails when: {spec.fails_when}",
        f"- Source: {spec.source}",
        "",
    ]


def _reasons_table(title: str, reasons: dict[str, str]) -> list[str]:
    lines = [f"**{title}**", "", "| Reason | In words |", "|---|---|"]
    lines += [f"| `{key}` | {text} |" for key, text in reasons.items()]
    return [*lines, ""]


def _released(release: Release) -> str:
    day = release.released.isoformat()
    return day[:7] if release.precision == "month" else day


def _release_section() -> list[str]:
    table = load_release_table()
    lines = [
        "## The release table",
        "",
        f"`supported-version` reads `src/driftcheck/data/releases.toml` (from {table.source}; "
        f"newest fact dated {table.table_date.isoformat()}). A 2.x build retires "
        f"{table.retirement_months} months after a newer build is released; a release dated "
        "only by month counts from the last day of that month, so a retirement is never "
        "announced early. 1.x builds were retired on "
        f"{table.v1_retired.isoformat()} and stopped synchronising on "
        f"{table.v1_sync_stopped.isoformat()}. A build missing from the table is reported as an "
        "unknown build (info). Deadlines:",
        "",
        "| Minimum build | From | Severity after | Effect |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {version_text(d.minimum)} | {d.date.isoformat()} | {d.severity} | {d.effect} |"
        for d in table.deadlines
    ]
    lines += ["", "Builds in the table:", ""]
    lines += [
        ", ".join(f"{version_text(r.version)} ({_released(r)})" for r in table.releases),
        "",
    ]
    return lines


def catalogue_markdown() -> str:
    lines = INTRO.splitlines()
    lines += ["", "## Summary", "", "| Id | Check | Scope | Severity |", "|---|---|---|---|"]
    lines += [f"| `{s.id}` | {s.title} | {s.scope.value} | {s.severity.value} |" for s in CATALOGUE]
    lines.append("")
    for scope, heading in _SCOPES.items():
        lines += [f"## {heading}", ""]
        for index, spec in enumerate(CATALOGUE):
            if spec.scope is scope:
                lines += _check_section(index)
    lines += [
        "## Automatic upgrade reasons",
        "",
        "`auto-upgrade` explains `Microsoft.OptionalFeature.AutoUpgradeSuspensionReason` with "
        "these tables (compound reasons such as `UpgradeFailedRollbackSuccess-"
        "GetPasswordHashSyncStateFailed` part by part; other `UpgradeNotSupported…`, "
        "`UpgradeAborted…` and `UpgradeFailed…` strings by their prefix). "
        "`UpgradeNotSupportedCustomizedSyncRules` is called stale on 2.2.1.0 and later, and "
        "the historical reasons always are.",
        "",
    ]
    lines += _reasons_table("Current (they block automatic upgrade)", CURRENT_REASONS)
    lines += _reasons_table("Temporary (the upgrade is retried)", ABORT_REASONS)
    lines += _reasons_table("Historical (older builds' conditions)", HISTORICAL_REASONS)
    lines += _reasons_table("Not an upgrade result", OTHER_REASONS)
    lines += _release_section()
    return "\n".join(lines).rstrip() + "\n"
