"""``driftcheck script REPORT.json PATH.ps1``: the migration script from a saved report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import (
    ScriptTarget,
    ScriptTargetOpt,
    echo,
)
from driftcheck.output.files import check_output_paths
from driftcheck.render.script import script_summary, write_migration_script
from driftcheck.report.jsonfile import load_report


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
    echo(script_summary(record))
