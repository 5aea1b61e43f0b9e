"""``driftcheck compare PRIMARY STAGING``: the switchover compare."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.checks.readiness import ChecksMode
from driftcheck.cli.common import (
    KeepDaysOpt,
    PolicyOpt,
    PrimaryArg,
    RunTimeOpt,
    ScriptOpt,
    ScriptTarget,
    ScriptTargetOpt,
    StagingArg,
    TodayOpt,
    deliver_outputs,
    echo,
    json_output_file,
    run_compare,
)
from driftcheck.cli.gcpause import collector_paused
from driftcheck.exports import DEFAULT_THRESHOLDS, ExportsOptions
from driftcheck.history.store import DEFAULT_KEEP_DAYS
from driftcheck.history.tracking import track
from driftcheck.model.vocab import Severity
from driftcheck.output.files import check_output_paths
from driftcheck.pipeline.pending import with_pending
from driftcheck.policy.file import find_policy, load_policy
from driftcheck.render.html import render_html, report_template
from driftcheck.render.junit import junit_xml
from driftcheck.render.script import script_summary, write_migration_script
from driftcheck.render.text import render_text
from driftcheck.report.build import exit_code
from driftcheck.report.jsonfile import to_json
from driftcheck.report.summary import verdict_line


@collector_paused
def compare(
    primary: PrimaryArg,
    staging: StagingArg,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the JSON report (schema driftcheck/report/v1) here; "
            "'-' writes it to stdout instead of the summary.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML consistency report here.")
    ] = None,
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            help="Lowest severity that counts as drift (exit code 1).",
            case_sensitive=False,
        ),
    ] = Severity.WARNING,
    policy_path: PolicyOpt = None,
    no_builtin_ignores: Annotated[
        bool,
        typer.Option(
            "--no-builtin-ignores",
            help="Show the differences the built-in ignore rules would hide, each marked "
            "with the rule that would have hidden it.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the one-line verdict.")
    ] = False,
    script_path: ScriptOpt = None,
    script_target: ScriptTargetOpt = ScriptTarget.staging,
    today: TodayOpt = None,
    no_upgrade_mode: Annotated[
        bool,
        typer.Option(
            "--no-upgrade-mode",
            help="Compare name by name even when the product versions differ. By default "
            "differing versions switch on upgrade mode: out-of-box rules are matched by their "
            "tag, and the newer version's own changes are reported as info under an upgrade-… "
            "rule.",
        ),
    ] = False,
    checks: Annotated[
        ChecksMode,
        typer.Option(
            "--checks",
            help="Readiness checks on both servers and the pair, shown first: 'report' (they "
            "do not change the exit code, except two active servers), 'fail' (a failed check "
            "at or above --fail-on exits 1), 'off'.",
            case_sensitive=False,
        ),
    ] = ChecksMode.REPORT,
    history_path: Annotated[
        Path | None,
        typer.Option(
            "--history",
            metavar="FILE",
            help="Record this run in the drift history FILE (SQLite, created if missing) and "
            "mark each difference new, open or reopened, with when it was first seen; list "
            "what was resolved since the previous run of the same two servers.",
        ),
    ] = None,
    keep_days: KeepDaysOpt = DEFAULT_KEEP_DAYS,
    junit_path: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="PATH",
            help="Write a JUnit XML file for CI dashboards (Jenkins, GitLab, Azure DevOps): "
            "one test suite per section, one test case per object, failing on differences "
            "at or above --fail-on.",
        ),
    ] = None,
    run_time: RunTimeOpt = None,
    pending_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--pending",
            metavar="PATH",
            help="The staging server's pending exports (csexport files, a folder or the "
            "export script's zip; repeat for several): each difference lists the pending "
            "changes it explains, the rest are shown as data changes, and their findings "
            "count in the verdict (docs/pending-exports.md).",
        ),
    ] = None,
) -> None:
    """Compare PRIMARY with STAGING and report every difference that matters.

    Objects are matched by name (ignoring case), never by server-local GUIDs. Differences that
    are always there between two healthy servers (GUIDs, times, counters, DirSync cookies,
    service accounts, the staging flag...) are suppressed by named ignore rules and counted
    in the report; `driftcheck rules` lists them.

    When the product versions differ (a staged or automatic upgrade), upgrade mode matches
    out-of-box rules by their tag and reports the newer version's own changes as info under
    upgrade-… rules (docs/upgrade-mode.md). Readiness checks of both servers come first
    (docs/readiness-checks.md).

    With --pending, the staging server's pending exports are linked to the differences
    that explain them, and a pending-exports finding at or above --fail-on counts as drift.

    Exit codes: 0 no difference at or above --fail-on, 1 drift found (or two active servers,
    or with --checks fail a failed check, or with --pending a pending-exports finding), 2 bad
    usage or unreadable input, 143/130 stopped by SIGTERM/SIGINT (nothing written).

    Exports are read within limits (sizes, zip compression ratio, element counts) that a
    giant estate can raise with DRIFTCHECK_MAX_* environment variables: see docs/limits.md.
    """
    json_file = json_output_file(json_path)
    check_output_paths(
        [p for p in (json_file, html_path, script_path, junit_path) if p is not None]
    )
    report = run_compare(
        primary,
        staging,
        policy_path,
        fail_on=fail_on.value,
        builtin_ignores=not no_builtin_ignores,
        today=today.date() if today else None,
        upgrade_mode=not no_upgrade_mode,
        checks=checks,
        meanwhile=report_template if html_path is not None else None,
    )
    if pending_paths:
        found = find_policy(policy_path, Path.cwd())
        thresholds = load_policy(found).pending if found is not None else DEFAULT_THRESHOLDS
        report = with_pending(report, pending_paths, ExportsOptions(thresholds=thresholds), staging)
    if script_path is not None:
        record = write_migration_script(report, script_path, script_target.value, html=html_path)
        report = dataclasses.replace(report, script=record)
    if history_path is not None:
        at = run_time.replace(tzinfo=UTC) if run_time else None
        report, _ = track(report, history_path, keep_days=keep_days, at=at)
    outputs: list[tuple[Path, str]] = []
    if junit_path is not None:
        outputs.append((junit_path, junit_xml(report)))
    if json_file is not None:
        outputs.append((json_file, to_json(report)))
    if html_path is not None:
        outputs.append((html_path, render_html(report)))
    printed_json = deliver_outputs(
        outputs,
        json_path=json_path,
        json_text=lambda: to_json(report),
        summary=lambda: verdict_line(report) + "\n" if quiet else render_text(report),
        announce=not quiet,
    )
    if not (printed_json or quiet) and report.script is not None:
        echo(script_summary(report.script))
    raise typer.Exit(exit_code(report))
