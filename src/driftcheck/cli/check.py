"""``driftcheck check EXPORT``: one server's readiness checks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import (
    EXPORT_HELP,
    deliver_outputs,
    json_output_file,
)
from driftcheck.model.vocab import Severity
from driftcheck.output.files import check_output_paths
from driftcheck.pipeline.check import check_export
from driftcheck.pipeline.check import exit_code as check_exit_code
from driftcheck.pipeline.check import to_json_text as check_json_text
from driftcheck.render.html.checkpage import render_check_html
from driftcheck.render.readiness import render_check_text


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
    json_file = json_output_file(json_path)
    check_output_paths([p for p in (json_file, html_path) if p is not None])
    report = check_export(
        export, as_of=as_of.date() if as_of else date.today(), fail_on=fail_on.value
    )
    outputs: list[tuple[Path, str]] = []
    if json_file is not None:
        outputs.append((json_file, check_json_text(report)))
    if html_path is not None:
        outputs.append((html_path, render_check_html(report)))
    deliver_outputs(
        outputs,
        json_path=json_path,
        json_text=lambda: check_json_text(report),
        summary=lambda: render_check_text(report),
    )
    raise typer.Exit(check_exit_code(report))
