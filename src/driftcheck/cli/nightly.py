"""``driftcheck nightly DROP --out OUTDIR``: the scheduled nightly job."""

from __future__ import annotations

import os
from datetime import UTC
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import (
    EXIT_USAGE,
    KeepDaysOpt,
    PolicyOpt,
    RunTimeOpt,
    TodayOpt,
    load_policy_and_file,
)
from driftcheck.errors import InputError
from driftcheck.history.store import DEFAULT_KEEP_DAYS
from driftcheck.model.vocab import Severity
from driftcheck.nightly.drop import DEFAULT_MAX_SKEW_HOURS, discover
from driftcheck.nightly.job import LATEST_FILE, notification, run_night, write_night
from driftcheck.nightly.job import write_junit as write_nightly_junit
from driftcheck.nightly.message import plain_text
from driftcheck.nightly.notify import NotifySettings, deliver, settings_from_table
from driftcheck.output.files import check_output_paths
from driftcheck.policy.file import (
    PASSWORD_ENV,
    find_policy,
    load_notify_table,
)
from driftcheck.report.summary import verdict_line


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
    complete pair of exports (or a failed notification, with --strict-notify), 143/130
    stopped by SIGTERM/SIGINT (a scheduler's time limit: nothing written, see docs/nightly.md).
    """
    policy, admin = load_policy_and_file(policy_path, today=today.date() if today else None)
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
        pending_thresholds=admin.pending if admin else None,
        history=history_path,
        keep_days=keep_days,
        at=run_time.replace(tzinfo=UTC) if run_time else None,
    )
    for warning in night.warnings[len(selection.warnings) :]:  # the pending exports'
        typer.echo(f"driftcheck: warning: {plain_text(warning)}", err=True)
    folder = write_night(night, out)
    if junit_path is not None:
        write_nightly_junit(night, junit_path)
    if not quiet:
        for outcome in night.outcomes:
            line = verdict_line(outcome.report)
            typer.echo(plain_text(f"{outcome.comparison.title}: {line}"))
        for pending in night.pending:
            typer.echo(plain_text(f"{pending.title}: {pending.summary_line()}"))
        typer.echo(f"Reports written: {folder}{os.sep} and {out / LATEST_FILE}")
    attachments = [folder / f"{o.name}.html" for o in night.outcomes]
    attachments += [folder / f"{p.name}.html" for p in night.pending]
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
