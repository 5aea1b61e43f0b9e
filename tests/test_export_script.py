"""scripts/Export-DriftcheckConfiguration.ps1: it parses, and it does its steps in a safe order.

PowerShell is not run here; the script is parsed with the tree-sitter PowerShell grammar and
its syntax tree checked for the calls that matter and their order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from driftcheck.nightly.drop import is_temporary_name
from tests.conftest import ROOT, SAMPLES

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
    assert list(params) == [
        "$DropPath", "$KeepDays", "$WorkPath", "$LogPath", "$PendingExports", "$SyncBinPath",
    ]  # fmt: skip
    assert "Mandatory = $true" in params["$DropPath"]
    assert "[int]" in params["$KeepDays"] and "= 14" in params["$KeepDays"]
    assert params["$PendingExports"].startswith("[switch]")  # off unless asked for


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
    # the script's own catch (not the pending exports' one inside the try)
    cleanup = [
        c
        for c in found
        if c.name == "Remove-Item" and c.inside == ("catch_clause", "try_statement")
    ]
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


# --- -PendingExports: csexport.exe for every connector into PendingExports\ ----------------------


def function(tree: tree_sitter.Node, name: str) -> tree_sitter.Node:
    return next(
        n
        for n in walk(tree)
        if n.type == "function_statement"
        and text(n.child_by_field_name("function_name") or n.children[1]) == name
    )


def string_literals(node: tree_sitter.Node) -> list[str]:
    """The values of the single-quoted literals under ``node``, in order."""
    return [text(n)[1:-1].replace("''", "'") for n in walk(node) if n.type == "string_literal"
            and text(n).startswith("'")]  # fmt: skip


def test_pending_exports_run_between_the_export_and_the_zip_only_when_asked(
    tree: tree_sitter.Node,
) -> None:
    main = [c for c in calls(tree) if c.position > function(tree, "Export-PendingExports").end_byte]
    order = [c.name for c in main]
    assert (
        order.index("Get-ADSyncServerConfiguration")
        < order.index("Get-SyncBinFolder")
        < order.index("Export-PendingExports")
        < order.index("Compress-Archive")
    ), order
    export = next(c for c in main if c.name == "Export-PendingExports")
    # in a try of its own inside the script's: a failure is logged, and the configuration
    # export still goes out (without a half-written PendingExports folder)
    assert export.inside == ("try_statement", "try_statement")
    assert export.arguments.split() == ["-Folder", "$pendingFolder", "-BinFolder", "$binFolder"]
    assigned = {text(n.children[0]).strip(): text(n.children[-1]).strip()
                for n in walk(tree) if n.type == "assignment_expression"}  # fmt: skip
    assert assigned["$pendingFolder"] == "Join-Path $exportFolder 'PendingExports'"  # in the zip
    own_catch = [c for c in main if c.inside == ("catch_clause", "try_statement", "try_statement")]
    assert [c.name for c in own_catch] == ["Write-Log", "Test-Path", "Remove-Item"]
    assert own_catch[2].arguments.split()[:3] == ["-LiteralPath", "$pendingFolder", "-Recurse"]
    guard = next(
        n for n in walk(tree) if n.type == "if_statement" and export.position in range(n.start_byte, n.end_byte)
    )  # fmt: skip
    assert text(guard.children[2]) == "$PendingExports"
    assert next(c for c in main if c.name == "Get-SyncBinFolder").arguments.split() == [
        "-Configured", "$SyncBinPath",
    ]  # fmt: skip


def test_every_connector_is_exported_with_csexport_and_failures_are_per_connector(
    tree: tree_sitter.Node,
) -> None:
    body = function(tree, "Export-PendingExports")
    loop = next(n for n in walk(body) if n.type == "foreach_statement")
    assert "@(Get-ADSyncConnector)" in text(loop)
    inner = calls(loop)
    invoke = next(c for c in inner if c.name == "Invoke-CsExport")
    # inside a try in the loop: one connector's failure does not stop the others
    assert invoke.inside[0] == "try_statement"
    assert invoke.arguments.split() == [
        "-Program", "$program", "-Connector", "$name", "-Target", "$target",
    ]  # fmt: skip
    assert "ConvertTo-SafeFileName" in [c.name for c in inner]
    loop_text = text(loop)
    assert "$failures.Add([ordered]@{ connector = $name; error = $reason })" in loop_text
    assert "$files.Add([ordered]@{ file = $fileName; connector = $name })" in loop_text
    # the manifest of the contract, beside the files
    literals = string_literals(body)
    assert "driftcheck/pending-manifest/v1" in literals and "manifest.json" in literals
    manifest = text(body)
    for key in ("schema", "server", "created", "files", "failures"):
        assert f"{key} " in manifest or f"{key}=" in manifest, key
    setter = next(c for c in calls(body) if c.name == "Set-Content")
    assert "-LiteralPath $manifestPath" in setter.arguments
    assert "-Encoding UTF8" in setter.arguments


def test_csexport_is_called_with_x_format_and_every_argument_quoted(tree: tree_sitter.Node) -> None:
    body = text(function(tree, "Invoke-CsExport"))
    assert "@($Connector, $Target, '/f:x')" in body
    assert "ForEach-Object { ConvertTo-NativeArgument -Value $_ }" in body
    assert "$start.UseShellExecute = $false" in body  # no shell: nothing is interpreted
    assert "$process.ExitCode -ne 0" in body and "WaitForExit($CsExportTimeoutMs)" in body


def windows_argv(command_line: str) -> list[str]:
    """How a Microsoft C runtime program splits its command line (CommandLineToArgvW)."""
    args, current, i, quoted, started = [], [], 0, False, False
    while i < len(command_line):
        ch = command_line[i]
        if ch == "\\":
            j = i
            while j < len(command_line) and command_line[j] == "\\":
                j += 1
            slashes = j - i
            if j < len(command_line) and command_line[j] == '"':
                current.append("\\" * (slashes // 2))
                if slashes % 2:
                    current.append('"')
                    i = j + 1
                else:
                    i = j
            else:
                current.append("\\" * slashes)
                i = j
            started = True
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
        i += 1
    if started:
        args.append("".join(current))
    return args


def native_argument(tree: tree_sitter.Node) -> Callable[[str], str]:
    """ConvertTo-NativeArgument, rebuilt from the script's own two patterns."""
    patterns = [p for p in string_literals(function(tree, "ConvertTo-NativeArgument")) if "\\" in p]
    quote_pattern, escaped_quote, tail_pattern = patterns
    assert escaped_quote == '\\"'  # what replaces each " (after its doubled backslashes)

    def convert(value: str) -> str:
        escaped = re.sub(quote_pattern, lambda m: m.group(1) * 2 + '\\"', value)
        escaped = re.sub(tail_pattern, lambda m: m.group(1) * 2, escaped)
        return '"' + escaped + '"'

    return convert


@pytest.mark.parametrize(
    "connector",
    [
        "contoso.onmicrosoft.com - AAD",
        'Forest "A" & B',
        "ends with a backslash\\",
        'back\\"slash quote',
        "",
        "%TEMP% $(calc) `n ; | >",
    ],
)
def test_a_quoted_argument_reaches_csexport_unchanged(
    tree: tree_sitter.Node, connector: str
) -> None:
    quote = native_argument(tree)
    line = " ".join(quote(v) for v in (connector, r"C:\Temp\x\01-a.xml", "/f:x"))
    assert windows_argv(line) == [connector, r"C:\Temp\x\01-a.xml", "/f:x"]


def test_file_names_are_safe_and_match_the_samples(tree: tree_sitter.Node) -> None:
    body = function(tree, "ConvertTo-SafeFileName")
    pattern, replacement = string_literals(body)[:2]
    fmt = next(p for p in string_literals(body) if "{0:D2}" in p)
    assert fmt == "{0:D2}-{1}.xml"
    manifest = json.loads((SAMPLES / "staging-pending" / "manifest.json").read_text("utf-8"))
    for index, entry in enumerate(manifest["files"], start=1):
        safe = re.sub(pattern, replacement, entry["connector"])
        assert f"{index:02d}-{safe}.xml" == entry["file"]
    hostile = re.sub(pattern, replacement, 'a/b\\c:d*e?f"g<h>i|j')
    assert re.fullmatch(r"[A-Za-z0-9._-]+", hostile)


def test_the_bin_folder_comes_from_the_service_or_the_documented_default(
    tree: tree_sitter.Node,
) -> None:
    body = function(tree, "Get-SyncBinFolder")
    literals = string_literals(body)
    assert "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ADSync" in literals
    assert "ImagePath" in literals
    assert "Microsoft Azure AD Sync\\Bin" in literals
    assert "(Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync\\Bin')" in text(body)


def test_pending_exports_are_documented() -> None:
    docs = (ROOT / "docs" / "nightly.md").read_text(encoding="utf-8")
    assert "-PendingExports" in docs and "PendingExports/manifest.json" in docs
    assert "-SyncBinPath" in docs
