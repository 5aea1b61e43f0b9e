"""Shared by the commands: argument and option types, loading the policy, running a compare,
and writing the outputs (all or none) then printing the JSON or the summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.checks.readiness import ChecksMode
from driftcheck.errors import InputError
from driftcheck.model.vocab import Severity
from driftcheck.output.files import StagedFile, write_all_atomically
from driftcheck.output.terminal import json_for_terminal, printable
from driftcheck.pipeline.compare import compare_exports
from driftcheck.policy.file import (
    DEFAULT_NAME,
    PolicyFile,
    find_policy,
    load_policy,
)
from driftcheck.policy.rules import Policy
from driftcheck.render.scriptplan import TARGETS
from driftcheck.report.types import Report

EXIT_USAGE = 2


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


def load_policy_and_file(
    policy_path: Path | None, *, builtin_ignores: bool = True, today: date | None = None
) -> tuple[Policy, PolicyFile | None]:
    found = find_policy(policy_path, Path.cwd())
    policy = Policy(builtin_ignores=builtin_ignores, today=today or date.today())
    if found is None:
        return policy, None
    admin = load_policy(found)
    return policy.with_admin_rules(admin.ignore_rules, admin.severity_rules), admin


def run_compare(
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
    policy, admin = load_policy_and_file(policy_path, builtin_ignores=builtin_ignores, today=today)
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


def json_output_file(json_path: Path | None) -> Path | None:
    """The file ``--json`` names, or None when there is none or it is ``-`` (stdout)."""
    return json_path if json_path is not None and str(json_path) != "-" else None


def deliver_outputs(
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
    write_outputs(outputs)
    if json_path is not None and json_output_file(json_path) is None:
        sys.stdout.write(json_for_terminal(json_text()))
        return True
    echo(summary(), nl=False)
    for path, _ in outputs if announce else ():
        echo(f"{written}: {path}")
    return False


def write_outputs(outputs: list[tuple[Path, str]], staged: Sequence[StagedFile] = ()) -> None:
    """Write every output or none (their paths were checked before the run); ``staged``
    are outputs already written to their temporary files (a streamed CSV)."""
    try:
        write_all_atomically(outputs, staged_files=staged)
    except OSError as exc:
        reason = f"cannot write the report ({exc.strerror or exc})"
        target = outputs[0][0] if outputs else staged[0].path
        raise InputError(reason, file=exc.filename or str(target)) from None


def echo(text: str, *, nl: bool = True, err: bool = False) -> None:
    """Print to the terminal with every control character from an export shown escaped."""
    typer.echo(printable(text, multiline=True), nl=nl, err=err)
