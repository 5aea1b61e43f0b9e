"""scripts/Export-DriftcheckConfiguration.ps1: it parses, and it does its steps in a safe order.

PowerShell is not run here; the script is parsed with the tree-sitter PowerShell grammar and
its syntax tree checked for the calls that matter and their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from driftcheck.nightly.drop import is_temporary_name
from tests.conftest import ROOT

if TYPE_CHECKING:  # the typed modules; at run time the tests skip where they are missing
    import tree_sitter
    import tree_sitter_powershell
else:
    tree_sitter = pytest.importorskip("tree_sitter")
    tree_sitter_powershell = pytest.importorskip("tree_sitter_powershell")

SCRIPT = ROOT / "scripts" / "Export-DriftcheckConfiguration.ps1"


def parse(source: bytes) -> tree_sitter.Node:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return parser.parse(source).root_node


def walk(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    nodes = [node]
    for kid in node.children:
        nodes.extend(walk(kid))
    return nodes


def problems(root: tree_sitter.Node) -> list[str]:
    """Every ERROR or MISSING node, with its line."""
    return [
        f"line {n.start_point[0] + 1}: {'MISSING' if n.is_missing else 'ERROR'} {n.type}"
        for n in walk(root)
        if n.type == "ERROR" or n.is_missing
    ]


def text(node: tree_sitter.Node) -> str:
    assert node.text is not None
    return node.text.decode()


@dataclass(frozen=True)
class Call:
    name: str
    arguments: str
    position: int
    inside: tuple[str, ...]  # kinds of the enclosing try/catch/finally blocks


def calls(root: tree_sitter.Node) -> list[Call]:
    found = []
    for node in walk(root):
        if node.type != "command":
            continue
        name = node.child_by_field_name("command_name") or node.children[0]
        elements = [c for c in node.children if c.type == "command_elements"]
        enclosing = []
        parent = node.parent
        while parent is not None:
            if parent.type in ("try_statement", "catch_clause", "finally_clause"):
                enclosing.append(parent.type)
            parent = parent.parent
        found.append(
            Call(
                text(name), text(elements[0]) if elements else "", node.start_byte, tuple(enclosing)
            )
        )
    return found


@pytest.fixture(scope="module")
def tree() -> tree_sitter.Node:
    return parse(SCRIPT.read_bytes())


def test_the_script_parses_without_errors(tree: tree_sitter.Node) -> None:
    assert tree.type == "program"
    assert problems(tree) == []


def test_the_parse_check_catches_a_broken_script() -> None:
    broken = SCRIPT.read_bytes().replace(b"finally {", b"finally {{", 1)
    assert problems(parse(broken)) != []


def test_errors_stop_the_script(tree: tree_sitter.Node) -> None:
    assignments = {
        text(n.children[0]).strip(): text(n.children[-1]).strip()
        for n in walk(tree)
        if n.type == "assignment_expression"
    }
    assert assignments["$ErrorActionPreference"] == "'Stop'"
    assert any(c.name == "Set-StrictMode" for c in calls(tree))


def test_parameters(tree: tree_sitter.Node) -> None:
    script_params = next(n for n in walk(tree) if n.type == "param_block")  # the script's own
    params = {
        text(v): text(n)
        for n in walk(script_params)
        if n.type == "script_parameter"
        for v in n.children
        if v.type == "variable"
    }
    assert list(params) == ["$DropPath", "$KeepDays", "$WorkPath", "$LogPath"]
    assert "Mandatory = $true" in params["$DropPath"]
    assert "[int]" in params["$KeepDays"] and "= 14" in params["$KeepDays"]


def test_export_zip_copy_then_rename_in_that_order(tree: tree_sitter.Node) -> None:
    found = calls(tree)
    order = [c.name for c in found]

    def first(name: str) -> Call:
        return next(c for c in found if c.name == name)

    steps = [
        "Import-Module",
        "Get-ADSyncServerConfiguration",
        "Compress-Archive",
        "Copy-Item",
        "Rename-Item",
    ]
    positions = [order.index(step) for step in steps]
    assert positions == sorted(positions), order
    assert first("Import-Module").arguments.split() == ["ADSync"]
    assert first("Get-ADSyncServerConfiguration").arguments.split() == ["-Path", "$exportFolder"]
    copy, rename = first("Copy-Item"), first("Rename-Item")
    assert "-Destination $temporaryZip" in copy.arguments
    assert "-LiteralPath $temporaryZip" in rename.arguments
    assert "-NewName $finalName" in rename.arguments
    # all inside the try block, so a failure is logged and the temporary zip removed
    for step in steps:
        assert first(step).inside == ("try_statement",), step
    cleanup = [c for c in found if c.name == "Remove-Item" and "catch_clause" in c.inside]
    assert [c.arguments.split()[:2] for c in cleanup] == [["-LiteralPath", "$temporaryZip"]]


def test_the_temporary_name_is_one_driftcheck_skips(tree: tree_sitter.Node) -> None:
    assignments = {
        text(n.children[0]).strip(): text(n.children[-1]).strip()
        for n in walk(tree)
        if n.type == "assignment_expression"
    }
    assert assignments["$temporaryZip"] == '"$finalZip.tmp"'
    assert assignments["$finalName"] == '"$stamp.zip"'
    assert is_temporary_name("20261130-013000.zip.tmp")
    assert not is_temporary_name("20261130-013000.zip")


def test_the_task_registration_is_documented() -> None:
    docs = (ROOT / "docs" / "nightly.md").read_text(encoding="utf-8")
    assert "Register-ScheduledTask" in docs and "schtasks /Create" in docs
    assert "Export-DriftcheckConfiguration.ps1" in docs
