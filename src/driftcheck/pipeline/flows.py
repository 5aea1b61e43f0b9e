"""``driftcheck flows``: read one export and build its attribute-flow graph."""

from __future__ import annotations

from pathlib import Path

from driftcheck.flows.graph import FlowGraph, build_graph
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export


def export_flows(path: Path) -> FlowGraph:
    """The flow graph of the export at ``path`` (a folder or a .zip)."""
    return build_graph(server_configuration(read_export(path)))
