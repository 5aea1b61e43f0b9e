"""``driftcheck render REPORT.json --html``: the HTML report again from a saved JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import (
    echo,
    write_outputs,
)
from driftcheck.output.files import check_output_paths
from driftcheck.render.html import render_html
from driftcheck.report.jsonfile import load_report


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
    write_outputs([(html_path, render_html(report))])
    echo(f"Report written: {html_path}")
