"""``driftcheck exports FILE...``: the Verify step, a staging server's pending exports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import PolicyOpt, echo, json_output_file, write_outputs
from driftcheck.cli.gcpause import collector_paused
from driftcheck.exports import DEFAULT_THRESHOLDS, ExportsOptions, verify_exports
from driftcheck.model.vocab import Severity
from driftcheck.output.files import StagedFile, check_output_paths
from driftcheck.output.terminal import json_for_terminal
from driftcheck.policy.file import find_policy, load_policy
from driftcheck.render.exports_csv import CsvWriter
from driftcheck.render.exports_json import render_json as render_exports_json
from driftcheck.render.exports_text import render_text as render_exports_text
from driftcheck.render.html.exports import render_html as render_exports_html

EXPORTS_FILES_HELP = (
    'csexport files (csexport "CONNECTOR" FILE /f:x, run on the staging server after a full '
    "import and delta synchronization), folders of them, or a .zip written by "
    "Export-DriftcheckConfiguration.ps1 -PendingExports."
)


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

    Reads csexport files one object at a time (files of several GB; a large file is read in
    ranges on every core, DRIFTCHECK_WORKERS=1 for one process), summarises adds,
    updates and deletes per connector and object type, the attributes that change with their
    top old -> new transitions (case-only, whitespace-only, set, cleared, changed), and finds
    what must be looked at before a switchover: deletes near the export deletion threshold,
    anchor changes, userPrincipalName and proxyAddresses changes, objects leaving Entra ID,
    unconfirmed exports. Rules and thresholds: docs/pending-exports.md; tune them in the policy
    file's [pending] table.

    Exit codes: 0 no finding at or above --fail-on, 1 a finding, 2 bad usage or unreadable
    input.
    """
    json_file = json_output_file(json_path)
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
        sink = CsvWriter(staged.handle, spool_in=staged.path.parent) if staged is not None else None
        result = collector_paused(verify_exports)(files, options, sink=sink)
        outputs: list[tuple[Path, str]] = []
        if json_file is not None:
            outputs.append((json_file, render_exports_json(result)))
        if html_path is not None:
            outputs.append((html_path, render_exports_html(result)))
        write_outputs(outputs, staged=[staged] if staged is not None else [])
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    if json_path is not None and json_file is None:
        sys.stdout.write(json_for_terminal(render_exports_json(result)))
    else:
        echo(render_exports_text(result), nl=False)
        for path in [*(p for p, _ in outputs), *([csv_path] if csv_path else [])]:
            echo(f"Written: {path}")
    raise typer.Exit(1 if result.summary.failed else 0)
