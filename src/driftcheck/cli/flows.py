"""``driftcheck flows EXPORT``: where each attribute's value comes from and where it goes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.cli.common import EXIT_USAGE, EXPORT_HELP, deliver_outputs, echo, json_output_file
from driftcheck.flows.select import FlowSelection, select_chains, trace_target
from driftcheck.output.files import check_output_paths
from driftcheck.pipeline.flows import export_flows
from driftcheck.render.flows_text import graph_text, target_lines
from driftcheck.render.html.flowpage import render_flows_html


def _json_text(selection: FlowSelection) -> str:
    return json.dumps(selection.to_json(), ensure_ascii=False, indent=1) + "\n"


def _text(selection: FlowSelection) -> str:
    if selection.target is not None:
        return "\n".join(target_lines(selection.target, selection.graph)) + "\n"
    return graph_text(selection.chains)


def flows_command(
    export: Annotated[Path, typer.Argument(help=f"One server's export. {EXPORT_HELP}")],
    attribute: Annotated[
        str | None,
        typer.Option(
            "--attribute",
            help="Only this metaverse attribute (e.g. department); with --connector, the "
            "connector's attribute to trace back instead.",
        ),
    ] = None,
    object_type: Annotated[
        str | None,
        typer.Option("--object-type", help="Only this metaverse object type (e.g. person)."),
    ] = None,
    connector: Annotated[
        str | None,
        typer.Option(
            "--connector",
            help="Trace one connector attribute back (needs --attribute): outbound rule ← "
            "metaverse attributes ← inbound rules.",
        ),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the flows as JSON (schema driftcheck/flows/v1); '-' writes them to "
            "stdout instead of the text.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write a searchable page of the flows here.")
    ] = None,
) -> None:
    """Why does Entra ID get this value? Show each attribute's end-to-end flow on one server.

    For every metaverse attribute: the inbound sync rules that write it in precedence order
    (connector, source attribute or expression, scoping filter, merge type), which rule wins
    for which objects and who takes over when an object leaves a scope, then every outbound
    rule that carries it on to a connector attribute. Disabled rules are listed and never
    win. See docs/attribute-flow.md.

    Exit codes: 0 shown, 2 bad usage or unreadable input.
    """
    if connector is not None and attribute is None:
        echo("driftcheck: --connector needs --attribute (the connector's attribute)", err=True)
        raise typer.Exit(EXIT_USAGE)
    json_file = json_output_file(json_path)
    check_output_paths([p for p in (json_file, html_path) if p is not None])
    graph = export_flows(export)
    if connector is not None and attribute is not None:
        selection = trace_target(graph, connector, attribute, object_type)
    else:
        selection = select_chains(graph, attribute=attribute, object_type=object_type)
    outputs: list[tuple[Path, str]] = []
    if json_file is not None:
        outputs.append((json_file, _json_text(selection)))
    if html_path is not None:
        outputs.append((html_path, render_flows_html(selection)))
    deliver_outputs(
        outputs,
        json_path=json_path,
        json_text=lambda: _json_text(selection),
        summary=lambda: _text(selection),
        written="Written",
    )
