"""``driftcheck history FILE``: the drift history, its open findings and trend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import (
    deliver_outputs,
    json_output_file,
)
from driftcheck.output.files import check_output_paths
from driftcheck.render.history import history_document, history_html, history_text


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
    json_file = json_output_file(json_path)
    check_output_paths([p for p in (json_file, html_path) if p is not None])
    doc = history_document(history_path)
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    outputs: list[tuple[Path, str]] = []
    if html_path is not None:
        outputs.append((html_path, history_html(doc)))
    if json_file is not None:
        outputs.append((json_file, text))
    deliver_outputs(
        outputs,
        json_path=json_path,
        json_text=lambda: text,
        summary=lambda: history_text(doc),
        written="Written",
    )
