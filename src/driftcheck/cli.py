"""Command line: ``driftcheck compare PRIMARY STAGING``.

Exit codes are a contract for schedulers: 0 consistent, 1 drift found, 2 bad usage or
unreadable input. Typer would exit 1 on an uncaught exception, the same as "drift found",
so :func:`main` maps every error to 2 with a one-line reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from driftcheck import __version__
from driftcheck.checkreport import check_export
from driftcheck.checkreport import exit_code as check_exit_code
from driftcheck.checkreport import to_json_text as check_json_text
from driftcheck.compare import Json
from driftcheck.drop import DEFAULT_MAX_SKEW_HOURS, discover
from driftcheck.errors import MAX_MESSAGE, InputError, shorten
from driftcheck.exports import DEFAULT_THRESHOLDS, ExportsOptions, verify_exports
from driftcheck.exports_render.csv import CsvWriter
from driftcheck.exports_render.html import render_html as render_exports_html
from driftcheck.exports_render.json import render_json as render_exports_json
from driftcheck.exports_render.text import render_text as render_exports_text
from driftcheck.fileio import StagedFile, check_output_paths, write_all_atomically
from driftcheck.gcpause import collector_paused
from driftcheck.history import DEFAULT_KEEP_DAYS
from driftcheck.history_page import history_document, history_html, history_text
from driftcheck.history_report import track
from driftcheck.junit import junit_xml
from driftcheck.nightly import LATEST_FILE, notification, run_night, write_night
from driftcheck.nightly import write_junit as write_nightly_junit
from driftcheck.notify import (
    PASSWORD_ENV,
    NotifySettings,
    deliver,
    plain_text,
    settings_from_table,
)
from driftcheck.pipeline import compare_exports
from driftcheck.policy import Policy
from driftcheck.policyfile import (
    DEFAULT_NAME,
    PolicyFile,
    accept_rules,
    append_accepted,
    find_policy,
    load_notify_table,
    load_policy,
)
from driftcheck.psscript import TARGETS, script_summary, write_migration_script
from driftcheck.readiness import ChecksMode
from driftcheck.render_checks import render_check_text
from driftcheck.render_html import render_html, report_template
from driftcheck.render_html.checkpage import render_check_html
from driftcheck.render_text import render_text, rules_listing
from driftcheck.report import MASKED, Finding, Report, exit_code, load_report, to_json
from driftcheck.summary import verdict_line
from driftcheck.terminal import json_for_terminal, printable
from driftcheck.vocab import Section, Severity

EXIT_USAGE = 2
ACCEPT_DAYS = 30

app = typer.Typer(
    name="driftcheck",
    help=(
        "Compare the configuration exports of an Azure AD Connect / Entra Connect primary "
        "server and its staging server, and report drift.\n\n"
        "Switchover: compare PRIMARY STAGING. Before an upgrade: check EXPORT on each "
        "server, then compare (upgrade mode starts by itself when the versions differ). "
        "Every night: nightly DROP --out OUTDIR --history FILE. To fix sync-rule drift: "
        "compare ... --script fix.ps1.\n\n"
        "Export each server with: Get-ADSyncServerConfiguration -Path <folder>"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Compare two Azure AD Connect configuration exports."""


EXPORT_HELP = (
    "Folder written by Get-ADSyncServerConfiguration (holding Connectors/, GlobalSettings/, "
    "SynchronizationRules/), or a .zip of it."
)
POLICY_HELP = (
    "Policy file (TOML) with the admin's ignore rules, severity overrides and name map. "
    f"Default: ./{DEFAULT_NAME} when present."
)

PrimaryArg = Annotated[Path, typer.Argument(help=f"Primary server's export. {EXPORT_HELP}")]
StagingArg = Annotated[Path, typer.Argument(help=f"Staging server's export. {EXPORT_HELP}")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", help=POLICY_HELP)]


class ScriptTarget(StrEnum):
    staging = TARGETS[0]
    primary = TARGETS[1]


ScriptOpt = Annotated[
    Path | None,
    typer.Option(
        "--script",
        metavar="PATH.ps1",
        help="Also write a PowerShell script that, run on the staging server, makes its sync "
        "rules match the primary's (custom rules added, removed or replaced; out-of-box rules "
        "only enabled or disabled). Try it first with -WhatIf.",
    ),
]
ScriptTargetOpt = Annotated[
    ScriptTarget,
    typer.Option(
        "--script-target",
        case_sensitive=False,
        help="The server the script is for: 'primary' writes the reverse script, which makes "
        "the primary's sync rules match the staging server's.",
    ),
]
RunTimeOpt = Annotated[
    datetime | None,
    typer.Option(
        "--run-time",
        formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        hidden=True,
        help="Time (UTC) to record the run at in the history.",
    ),
]
KeepDaysOpt = Annotated[
    int,
    typer.Option(
        "--keep-days", min=1, metavar="N", help="With --history: forget runs older than N days."
    ),
]
TodayOpt = Annotated[
    datetime | None,
    typer.Option(
        "--today", formats=["%Y-%m-%d"], hidden=True, help="Date to check expiry against."
    ),
]


def _load_policy(
    policy_path: Path | None, *, builtin_ignores: bool = True, today: date | None = None
) -> tuple[Policy, PolicyFile | None]:
    found = find_policy(policy_path, Path.cwd())
    policy = Policy(builtin_ignores=builtin_ignores, today=today or date.today())
    if found is None:
        return policy, None
    admin = load_policy(found)
    return policy.with_admin_rules(admin.ignore_rules, admin.severity_rules), admin


def _run_compare(
    primary: Path,
    staging: Path,
    policy_path: Path | None,
    *,
    fail_on: str = Severity.WARNING,
    builtin_ignores: bool = True,
    today: date | None = None,
    upgrade_mode: bool = True,
    checks: ChecksMode = ChecksMode.REPORT,
    meanwhile: Callable[[], object] | None = None,
) -> Report:
    policy, admin = _load_policy(policy_path, builtin_ignores=builtin_ignores, today=today)
    return compare_exports(
        primary,
        staging,
        fail_on=fail_on,
        policy=policy,
        name_map=admin.name_map if admin else None,
        policy_file=admin.path if admin else None,
        upgrade_mode=upgrade_mode,
        checks=checks,
        as_of=today,
        meanwhile=meanwhile,
    )


@app.command()
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

    Exit codes: 0 no difference at or above --fail-on, 1 drift found (or two active servers,
    or with --checks fail a failed check), 2 bad usage or unreadable input.

    Exports are read within limits (sizes, zip compression ratio, element counts) that a
    giant estate can raise with DRIFTCHECK_MAX_* environment variables: see docs/limits.md.
    """
    json_file = _json_file(json_path)
    check_output_paths(
        [p for p in (json_file, html_path, script_path, junit_path) if p is not None]
    )
    report = _run_compare(
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
    printed_json = _deliver(
        outputs,
        json_path=json_path,
        json_text=lambda: to_json(report),
        summary=lambda: verdict_line(report) + "\n" if quiet else render_text(report),
        announce=not quiet,
    )
    if not (printed_json or quiet) and report.script is not None:
        _echo(script_summary(report.script))
    raise typer.Exit(exit_code(report))


@app.command()
def rules(policy_path: PolicyOpt = None, today: TodayOpt = None) -> None:
    """List the ignore and severity rules in force, and validate a policy file.

    Built-in ignore rules hide the differences that are always there between a primary and
    its staging server; each has an id, a reason and a source. With a policy file, its rules
    come first (they win) and the file is checked: exit code 2 names the line of any problem.

    Policy file format (TOML):

    \b
      [[ignore]]                 # hide matching differences
      id = "sales-ou-pilot"      # required, unique
      reason = "why"             # required
      section = "connector"      # global-settings | metaverse | connector | sync-rule
      object = "contoso.com"     # glob on the object name (case-insensitive)
      path = "partitions/*"      # glob on the difference path
      value = "OU=Sales*"        # glob on either side's value
      expires = 2026-12-31       # after this date it hides nothing and is reported
    \b
      [[severity]]               # same matchers, plus:
      level = "info"             # info | warning | blocking
    \b
      [map]                      # staging name = primary name
      "contoso-dev.com" = "contoso.com"
    """
    policy, admin = _load_policy(policy_path, today=today.date() if today else None)
    lines = rules_listing(policy, admin)
    _echo("\n".join(lines))


@app.command()
def accept(
    primary: PrimaryArg,
    staging: StagingArg,
    reason: Annotated[
        str, typer.Option("--reason", help="Why these differences are accepted (required).")
    ],
    expires: Annotated[
        datetime | None,
        typer.Option(
            "--expires",
            formats=["%Y-%m-%d"],
            help=f"Date (YYYY-MM-DD) the rules stop hiding. Default: in {ACCEPT_DAYS} days.",
        ),
    ] = None,
    policy_path: Annotated[
        Path | None,
        typer.Option("--policy", help=f"Policy file to append to. Default: ./{DEFAULT_NAME}."),
    ] = None,
    today: TodayOpt = None,
) -> None:
    """Accept every current difference: append one ignore rule per difference to the policy.

    For adopting driftcheck on an estate that already drifts: each rule matches one
    difference precisely (section, object, path and value), carries your reason and expires
    (by default in 30 days), so the list can be burned down. Differences already hidden by
    the policy are not added again.
    """
    if not reason.strip():
        raise InputError("--reason must say why the differences are accepted")
    day = today.date() if today else date.today()
    target = policy_path or Path.cwd() / DEFAULT_NAME
    report = _run_compare(
        primary, staging, target if target.exists() else None, today=day, checks=ChecksMode.OFF
    )
    differences = [_acceptable(d) for d in report.differences if d.section != Section.POLICY]
    if not differences:
        typer.echo("Nothing to accept: no difference is reported.")
        raise typer.Exit(0)
    admin = load_policy(target) if target.exists() else None
    taken = {rule.id for rule in admin.ignore_rules} if admin else set()
    until = expires.date() if expires else day + timedelta(days=ACCEPT_DAYS)
    text = accept_rules(
        differences, reason=reason.strip(), expires=until, taken_ids=taken, today=day
    )
    try:
        append_accepted(target, text)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", file=str(target)) from None
    _echo(f"Accepted {len(differences)} difference(s) until {until}: rules appended to {target}")


def _acceptable(finding: Finding) -> Mapping[str, Json]:
    """A difference for ``accept``: a masked secret's value is not matched on (the rule
    would never match the real value), the rule matches its object and path only."""
    data = finding.to_json()
    for side in ("primary", "staging"):
        if data[side] == MASKED:
            data[side] = None
    return data


@app.command()
def render(
    report_path: Annotated[
        Path, typer.Argument(metavar="REPORT.json", help="A JSON report written by compare --json.")
    ],
    html_path: Annotated[Path, typer.Option("--html", help="Write the HTML report here.")],
) -> None:
    """Render the HTML report again from a saved JSON report.

    The JSON report carries everything the HTML shows, so reports can be archived as JSON and
    rebuilt later (by a newer driftcheck, too).
    """
    check_output_paths([html_path])
    report = load_report(report_path)
    _write([(html_path, render_html(report))])
    _echo(f"Report written: {html_path}")


@app.command("script")
def script_command(
    report_path: Annotated[
        Path, typer.Argument(metavar="REPORT.json", help="A JSON report written by compare --json.")
    ],
    script_path: Annotated[
        Path, typer.Argument(metavar="PATH.ps1", help="Where to write the PowerShell script.")
    ],
    script_target: ScriptTargetOpt = ScriptTarget.staging,
) -> None:
    """Write the sync-rule migration script from a saved JSON report.

    The script, run on the staging server (or the primary with --script-target primary),
    makes its synchronization rules match the other server's: custom rules are added,
    removed or replaced field by field, out-of-box rules only enabled or disabled. Connectors,
    OU filtering, attribute inclusion, global settings and the metaverse belong to the Entra
    Connect wizard: the script lists those differences in its header instead. Run it with
    -WhatIf first; it checks the server's name before changing anything.
    """
    check_output_paths([script_path])
    report = load_report(report_path)
    record = write_migration_script(report, script_path, script_target.value)
    _echo(script_summary(record))


@app.command()
def check(
    export: Annotated[Path, typer.Argument(help=f"One server's export. {EXPORT_HELP}")],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the checks as JSON (schema driftcheck/check/v1); '-' writes them to "
            "stdout instead of the summary.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write the readiness page (HTML) here.")
    ] = None,
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            help="Lowest severity of a failed check that makes the exit code 1.",
            case_sensitive=False,
        ),
    ] = Severity.WARNING,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Judge support status on this day (YYYY-MM-DD) instead of today.",
        ),
    ] = None,
) -> None:
    """Is this server ready for an upgrade or a switchover? Run the readiness checks on one export.

    Checks what an export can answer (supported version, delete threshold, automatic upgrade
    and its suspension reason, custom and edited out-of-box rules, password hash sync,
    scheduler) and lists what it cannot (TLS 1.2, database, Connect Health) to check by hand.
    Each check is documented with its source in docs/readiness-checks.md.

    Exit codes: 0 no failed check at or above --fail-on, 1 a failed check, 2 bad usage or
    unreadable input.
    """
    json_file = _json_file(json_path)
    check_output_paths([p for p in (json_file, html_path) if p is not None])
    report = check_export(
        export, as_of=as_of.date() if as_of else date.today(), fail_on=fail_on.value
    )
    outputs: list[tuple[Path, str]] = []
    if json_file is not None:
        outputs.append((json_file, check_json_text(report)))
    if html_path is not None:
        outputs.append((html_path, render_check_html(report)))
    _deliver(
        outputs,
        json_path=json_path,
        json_text=lambda: check_json_text(report),
        summary=lambda: render_check_text(report),
    )
    raise typer.Exit(check_exit_code(report))


EXPORTS_FILES_HELP = (
    'csexport files (csexport "CONNECTOR" FILE /f:x, run on the staging server after a full '
    "import and delta synchronization), folders of them, or a .zip written by "
    "Export-DriftcheckConfiguration.ps1 -PendingExports."
)


@app.command("exports")
def exports_command(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help=EXPORTS_FILES_HELP, show_default=False)
    ],
    connector: Annotated[
        list[str] | None,
        typer.Option(
            "--connector",
            metavar="NAME=FILE",
            help="The connector a file belongs to (wins over the zip's manifest and the file "
            "name). Repeat for each file.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="EXPORT",
            help="The staging server's configuration export (folder or zip): connector types "
            "and the export deletion threshold. Default: the one in the zip, if any.",
        ),
    ] = None,
    policy_path: PolicyOpt = None,
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            help="Lowest severity of a finding that makes the exit code 1.",
            case_sensitive=False,
        ),
    ] = Severity.WARNING,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the result as JSON (schema driftcheck/exports/v1); '-' writes it to "
            "stdout instead of the summary.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write a summary page (HTML) here.")
    ] = None,
    csv_path: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Write one row per object and attribute change (for Excel; formula-like "
            "cells start with a quote).",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1000, help="Transitions listed per attribute.")
    ] = 10,
) -> None:
    """Verify the pending exports: what the staging server would change in Entra ID and AD
    when it is taken out of staging mode.

    Reads csexport files one object at a time (files of several GB), summarises adds,
    updates and deletes per connector and object type, the attributes that change with their
    top old -> new transitions (case-only, whitespace-only, set, cleared, changed), and finds
    what must be looked at before a switchover: deletes near the export deletion threshold,
    anchor changes, userPrincipalName and proxyAddresses changes, objects leaving Entra ID,
    unconfirmed exports. Rules and thresholds: docs/pending-exports.md; tune them in the policy
    file's [pending] table.

    Exit codes: 0 no finding at or above --fail-on, 1 a finding, 2 bad usage or unreadable
    input.
    """
    json_file = _json_file(json_path)
    check_output_paths([p for p in (json_file, html_path, csv_path) if p is not None])
    found = find_policy(policy_path, Path.cwd())
    thresholds = load_policy(found).pending if found is not None else DEFAULT_THRESHOLDS
    options = ExportsOptions(
        connectors=tuple(connector or ()),
        config=config,
        thresholds=thresholds,
        fail_on=fail_on,
        top=top,
    )
    staged = StagedFile(csv_path, encoding="utf-8-sig", newline="") if csv_path else None
    try:
        sink = CsvWriter(staged.handle) if staged is not None else None
        result = collector_paused(verify_exports)(files, options, sink=sink)
        outputs: list[tuple[Path, str]] = []
        if json_file is not None:
            outputs.append((json_file, render_exports_json(result)))
        if html_path is not None:
            outputs.append((html_path, render_exports_html(result)))
        _write(outputs, staged=[staged] if staged is not None else [])
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    if json_path is not None and json_file is None:
        sys.stdout.write(json_for_terminal(render_exports_json(result)))
    else:
        _echo(render_exports_text(result), nl=False)
        for path in [*(p for p, _ in outputs), *([csv_path] if csv_path else [])]:
            _echo(f"Written: {path}")
    raise typer.Exit(1 if result.summary.failed else 0)


@app.command("history")
def history_command(
    history_path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A drift history written by compare --history.")
    ],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the history as JSON (schema driftcheck/history/v1) here; '-' writes it "
            "to stdout instead of the summary.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None,
        typer.Option("--html", help="Write an HTML page with the trend chart here."),
    ] = None,
) -> None:
    """Show the drift history: runs and their counts, open findings with their age, a trend.

    Reads FILE without changing it. Each pair of servers compared into the same file (and each
    server compared with its own past) is shown on its own.
    """
    json_file = _json_file(json_path)
    check_output_paths([p for p in (json_file, html_path) if p is not None])
    doc = history_document(history_path)
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    outputs: list[tuple[Path, str]] = []
    if html_path is not None:
        outputs.append((html_path, history_html(doc)))
    if json_file is not None:
        outputs.append((json_file, text))
    _deliver(
        outputs,
        json_path=json_path,
        json_text=lambda: text,
        summary=lambda: history_text(doc),
        written="Written",
    )


def _json_file(json_path: Path | None) -> Path | None:
    """The file ``--json`` names, or None when there is none or it is ``-`` (stdout)."""
    return json_path if json_path is not None and str(json_path) != "-" else None


def _deliver(
    outputs: list[tuple[Path, str]],
    *,
    json_path: Path | None,
    json_text: Callable[[], str],
    summary: Callable[[], str],
    announce: bool = True,
    written: str = "Report written",
) -> bool:
    """Write every output file (all or none), then print either the JSON (``--json -``) or
    the summary and, with ``announce``, each file written. True when the JSON was printed."""
    _write(outputs)
    if json_path is not None and _json_file(json_path) is None:
        sys.stdout.write(json_for_terminal(json_text()))
        return True
    _echo(summary(), nl=False)
    for path, _ in outputs if announce else ():
        _echo(f"{written}: {path}")
    return False


def _write(outputs: list[tuple[Path, str]], staged: Sequence[StagedFile] = ()) -> None:
    """Write every output or none (their paths were checked before the run)."""
    try:
        write_all_atomically(outputs, staged_files=staged)
    except OSError as exc:
        reason = f"cannot write the report ({exc.strerror or exc})"
        target = outputs[0][0] if outputs else staged[0].path
        raise InputError(reason, file=exc.filename or str(target)) from None


def _echo(text: str, *, nl: bool = True, err: bool = False) -> None:
    """Print to the terminal with every control character from an export shown escaped."""
    typer.echo(printable(text, multiline=True), nl=nl, err=err)


class NotifyOn(StrEnum):
    new = "new"
    change = "change"
    drift = "drift"
    always = "always"


class WebhookFormat(StrEnum):
    generic = "generic"
    teams = "teams"
    slack = "slack"


_NOTIFY = "Notifications"


@app.command()
def nightly(
    drop: Annotated[
        Path,
        typer.Argument(
            help="Drop folder the servers' scheduled tasks copy their exports to: "
            "DROP/<anything>/<export>.zip or DROP/<anything>/<export folder>/."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="OUTDIR",
            help="Folder for the reports: OUTDIR/<date>/ per night, OUTDIR/latest.html "
            "the newest night's index page.",
        ),
    ],
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            help="Lowest severity that counts as drift (exit code 1) and that --notify-on "
            "new/change looks at.",
            case_sensitive=False,
        ),
    ] = Severity.WARNING,
    policy_path: PolicyOpt = None,
    max_skew: Annotated[
        float,
        typer.Option(
            "--max-skew",
            metavar="HOURS",
            min=0,
            help="Refuse to compare an active and a staging export taken further apart than "
            "this: a change made in between would read as drift.",
        ),
    ] = DEFAULT_MAX_SKEW_HOURS,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the night's verdict line.")
    ] = False,
    notify_on: Annotated[
        NotifyOn | None,
        typer.Option(
            "--notify-on",
            help="When to notify. new (default): a new or reopened finding at or above "
            "--fail-on; change: that, or such a finding resolved; drift: every night with "
            "drift; always.",
            case_sensitive=False,
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            "--smtp",
            metavar="HOST[:PORT]",
            help="Send mail via this SMTP server (port 25 unless given).",
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    smtp_starttls: Annotated[
        bool,
        typer.Option(
            "--smtp-starttls",
            help="Switch to TLS (STARTTLS, certificate verified) before logging in; fail if "
            "the server does not offer it.",
            rich_help_panel=_NOTIFY,
        ),
    ] = False,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user",
            metavar="USER",
            help=f"Log in to the SMTP server as this user; the password is read only from "
            f"the environment variable {PASSWORD_ENV}.",
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    mail_from: Annotated[
        str | None,
        typer.Option(
            "--mail-from", metavar="ADDRESS", help="Sender address.", rich_help_panel=_NOTIFY
        ),
    ] = None,
    mail_to: Annotated[
        list[str] | None,
        typer.Option(
            "--mail-to",
            metavar="ADDRESS",
            help="Recipient address; repeat for several.",
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            metavar="URL",
            help="POST a JSON summary to this https:// URL.",
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    webhook_format: Annotated[
        WebhookFormat | None,
        typer.Option(
            "--webhook-format",
            help="Shape of the webhook's JSON: generic, teams (Adaptive Card) or slack.",
            case_sensitive=False,
            rich_help_panel=_NOTIFY,
        ),
    ] = None,
    strict_notify: Annotated[
        bool,
        typer.Option(
            "--strict-notify",
            help="Exit 2 when a notification cannot be sent (by default a failed "
            "notification is reported on stderr and the exit code is the comparison's).",
            rich_help_panel=_NOTIFY,
        ),
    ] = False,
    history_path: Annotated[
        Path | None,
        typer.Option(
            "--history",
            metavar="FILE",
            help="Record every comparison of the night in the drift history FILE (SQLite, "
            "created if missing; one pair key per comparison), so that each finding is new, "
            "open or reopened since the previous run, with when it was first seen. Without "
            "it, the previous run's reports in OUTDIR tell what is new.",
        ),
    ] = None,
    keep_days: KeepDaysOpt = DEFAULT_KEEP_DAYS,
    junit_path: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="PATH",
            help="Write one JUnit XML file for the night: each comparison's test suites "
            "(one per section, one test case per object), failing at or above --fail-on.",
        ),
    ] = None,
    today: TodayOpt = None,
    run_time: RunTimeOpt = None,
) -> None:
    """The scheduled job: compare the newest exports in DROP, write the night's reports,
    and notify when something changed.

    Each export says which server wrote it, when, and whether it is in staging mode. Per
    server the newest readable export is used (a zip still being copied is skipped with a
    warning). The active server is compared with each staging server, and each server with
    its own previous export (self-drift: a change made on both servers shows only there).
    Notification options may also be set in the policy file's [notify] table; the command
    line wins. See docs/nightly.md.

    Exit codes: 0 no drift at or above --fail-on, 1 drift found, 2 bad input or no
    complete pair of exports (or a failed notification, with --strict-notify).
    """
    policy, admin = _load_policy(policy_path, today=today.date() if today else None)
    settings = _notify_settings(
        find_policy(policy_path, Path.cwd()),
        on=notify_on.value if notify_on else None,
        smtp=smtp,
        smtp_starttls=True if smtp_starttls else None,
        smtp_user=smtp_user,
        mail_from=mail_from,
        mail_to=mail_to,
        webhook=webhook,
        webhook_format=webhook_format.value if webhook_format else None,
        strict=True if strict_notify else None,
    )
    selection = discover(drop, max_skew_hours=max_skew)
    for warning in selection.warnings:
        typer.echo(f"driftcheck: warning: {plain_text(warning)}", err=True)
    if junit_path is not None:
        check_output_paths([junit_path])
    night = run_night(
        selection,
        out,
        fail_on=fail_on.value,
        policy=policy,
        name_map=admin.name_map if admin else None,
        policy_file=admin.path if admin else None,
        history=history_path,
        keep_days=keep_days,
        at=run_time.replace(tzinfo=UTC) if run_time else None,
    )
    folder = write_night(night, out)
    if junit_path is not None:
        write_nightly_junit(night, junit_path)
    if not quiet:
        for outcome in night.outcomes:
            line = verdict_line(outcome.report)
            typer.echo(plain_text(f"{outcome.comparison.title}: {line}"))
        typer.echo(f"Reports written: {folder}{os.sep} and {out / LATEST_FILE}")
    attachments = [folder / f"{o.name}.html" for o in night.outcomes]
    sent, failures = deliver(notification(night, folder, attachments), settings, os.environ)
    for failure in failures:
        typer.echo(f"driftcheck: notification failed: {failure}", err=True)
    if not quiet:
        for channel in sent:
            typer.echo(f"Notification sent: {channel}")
    verdict = (
        f"{night.verdict.upper()}: {plain_text(night.title)} ({len(night.outcomes)} comparisons)"
    )
    typer.echo(verdict if quiet else f"Night of {night.date}: {verdict}")
    raise typer.Exit(EXIT_USAGE if failures and settings.strict else night.exit_code)


def _notify_settings(policy: Path | None, **options: object) -> NotifySettings:
    """The policy file's [notify] table with the command line's options laid over it."""
    base = settings_from_table(load_notify_table(policy)) if policy else NotifySettings()
    settings = base.overridden(**options)
    try:
        settings.check()
    except ValueError as exc:
        raise InputError(f"notification settings: {exc}") from None
    return settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``driftcheck`` console script."""
    try:
        # standalone_mode=False: click returns the exit code instead of calling sys.exit
        result = app(args=argv, prog_name="driftcheck", standalone_mode=False)
    except InputError as exc:
        _echo(f"driftcheck: error: {printable(exc.message)}", err=True)
        return EXIT_USAGE
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("driftcheck: interrupted", err=True)
        return EXIT_USAGE
    except Exception as exc:  # one line, never a traceback, never exit 1
        usage = getattr(exc, "exit_code", None)
        show = getattr(exc, "show", None)
        if usage is not None and callable(show):  # click usage errors
            show()
            return EXIT_USAGE
        message = shorten(printable(str(exc)), MAX_MESSAGE)
        _echo(f"driftcheck: internal error: {type(exc).__name__}: {message}", err=True)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
