"""The migration script: PowerShell that makes one server's sync rules match the other's.

Microsoft's advice for moving configuration between Entra Connect servers is to build the
base configuration with the wizard and move custom sync rules with the PowerShell the
Synchronization Rules Editor exports. This module writes such a script from a report
(``driftcheck/report/v1``) and from nothing else, so ``driftcheck script REPORT.json`` works
from a saved report: custom rules are added, removed or replaced so that every field equals
the other server's; out-of-box rules only get their ``disabled`` flag set (anything else is
a ``Write-Warning`` saying why and what to do); connectors, partitions, attribute inclusion,
global settings and the metaverse belong to the wizard and are listed in the header.

Every value from an export reaches the script through :func:`ps_string` (a single-quoted
literal, control characters as ``[char]`` codes) or :func:`ps_comment`, and every value shown
to the admin at run time through :func:`shown` first: no value can end a string, start a
subexpression, inject a command or a terminal escape sequence.
"""

from __future__ import annotations

import os
from pathlib import Path

from driftcheck import __version__
from driftcheck.errors import InputError
from driftcheck.output.files import write_atomically
from driftcheck.render.psquote import ps_bool, ps_comment, ps_string, shown
from driftcheck.render.psrules import rule_lines
from driftcheck.render.scriptplan import (
    HEADER_LIMIT,
    WIZARD_OWNS,
    RuleChange,
    ScriptPlan,
    plan_script,
)
from driftcheck.report.types import (
    Report,
    ScriptChange,
    ScriptRecord,
)

# --- quoting --------------------------------------------------------------------------------


# --- the plan -------------------------------------------------------------------------------


# --- the script -----------------------------------------------------------------------------

_HELPERS = "\n".join(
    [
        "function Get-TargetConnectorId([string]$Name, [string]$Label) {",
        "    try { $connector = Get-ADSyncConnector -Name $Name } catch { $connector = $null }",
        "    if ($null -eq $connector) {",
        "        throw ('Connector {0} is not on this server: add it with the Entra Connect "
        "wizard first. Nothing was changed.' -f $Label)",
        "    }",
        "    return [string]$connector.Identifier",
        "}",
        "",
        "function Find-TargetRule([string]$Name, [string]$ConnectorId, [string]$Direction, "
        "[string]$Label) {",
        "    $found = @(Get-ADSyncRule | Where-Object {",
        "        $_.Name -eq $Name -and [string]$_.Connector -eq $ConnectorId -and "
        "[string]$_.Direction -eq $Direction",
        "    })",
        "    if ($found.Count -ne 1) {",
        "        throw ('Expected one sync rule {0} on this server, found {1}: the server "
        "changed since it was exported. Export it again and run driftcheck again. Nothing was "
        "changed.' -f $Label, $found.Count)",
        "    }",
        "    return $found[0]",
        "}",
        "",
        "$script:changesMade = 0",
        "function Invoke-Change([string]$Description, [scriptblock]$Action) {",
        "    if ($WhatIf) {",
        "        Write-Host ('What if: {0}' -f $Description)",
        "        return",
        "    }",
        "    & $Action",
        "    $script:changesMade++",
        "    Write-Host ('Done: {0}' -f $Description)",
        "}",
    ]
)


def _header(plan: ScriptPlan) -> list[str]:
    t, s = plan.target_server, plan.source_server
    lines = [
        f"driftcheck migration script: makes the sync rules of {t.server} "
        f"({plan.target}) match those of {s.server} ({plan.source}).",
        "",
        f"Written by driftcheck {__version__} from these exports:",
        f"  {plan.source:<8} {s.server}, exported {s.export_date}, "
        f"version {s.product_version or 'unknown'}, {s.path}",
        f"  {plan.target:<8} {t.server}, exported {t.export_date}, "
        f"version {t.product_version or 'unknown'}, {t.path}",
        "",
        f"Run it on {t.server} in an elevated Windows PowerShell (the ADSync module comes",
        "with Entra Connect). First take a fresh export to go back to",
        "(Get-ADSyncServerConfiguration -Path <folder>) and pause the scheduler",
        "(Set-ADSyncScheduler -SyncCycleEnabled $false). Then:",
        "  -WhatIf   lists every change without making any",
        "  (none)    makes the changes",
        "",
    ]
    if plan.mapped_names:
        lines.append("Names are mapped back through the policy's [map] (primary -> staging):")
        lines.extend(f"  {p} -> {st}" for p, st in plan.mapped_names)
        lines.append("")
    if plan.changes_nothing:
        lines.append("Changes: none. The sync rules already match; this script changes nothing.")
    else:
        lines.append(f"Changes ({len(plan.changes)}):")
        for c in plan.changes:
            kind = "out-of-box " if c.action in {"enable", "disable"} else ""
            lines.append(f"  {c.action:<8} {kind}rule {c.label}: {c.because}")
    lines.append("")
    if plan.warnings:
        lines.append("Sync rule differences NOT scripted (each is a warning when the script runs):")
        lines.extend(f"  '{w.object}' ({w.connector}): {w.what}" for w in plan.warnings)
        lines.append("")
    lines.append(
        "NOT scripted: connectors, partitions and OU filtering, attribute inclusion, global"
    )
    lines.append("settings and optional features, the metaverse schema. The Entra Connect wizard")
    lines.append(f"owns these: repeat each of these differences on {t.server} by hand.")
    if not plan.not_scripted:
        lines.append("  (none found)")
    for section in WIZARD_OWNS:
        items = [n for n in plan.not_scripted if n.section == section]
        if items:
            lines.append(f"  {section.value} ({len(items)}):")
            for n in items[:HEADER_LIMIT]:
                where = (
                    f"{n.object}"
                    if not n.connector or n.connector == n.object
                    else (f"{n.connector}: {n.object}")
                )
                lines.append(f"    {where}: {n.what}")
            if len(items) > HEADER_LIMIT:
                lines.append(f"    and {len(items) - HEADER_LIMIT} more: see the driftcheck report")
    return [ps_comment(line) if line else "#" for line in lines]


def _checks(plan: ScriptPlan) -> list[str]:
    server = plan.target_server.server
    expected = server.split(".")[0]
    lines = ["param([switch]$WhatIf)", "", "$ErrorActionPreference = 'Stop'", ""]
    if expected:
        lines += [
            f"$expectedServer = {ps_string(expected)}",
            "$thisServer = $env:COMPUTERNAME",
            "if ($thisServer -ne $expectedServer -and [System.Net.Dns]::GetHostName() -ne "
            "$expectedServer) {",
            "    throw ('This script is for server {0}; this is {1}. Nothing was changed.' -f "
            "$expectedServer, $thisServer)",
            "}",
        ]
    else:
        lines.append(
            "Write-Warning 'The export does not name its server: check by hand that this is "
            f"the {plan.target} server.'"
        )
    lines += [
        "if (-not (Get-Module -ListAvailable -Name ADSync)) {",
        "    throw 'The ADSync module is not installed: run this script on the Entra Connect "
        "server itself. Nothing was changed.'",
        "}",
        "Import-Module ADSync",
    ]
    if plan.target == "staging":
        lines += [
            "if (-not (Get-ADSyncScheduler).StagingModeEnabled) {",
            "    Write-Warning 'This server is not in staging mode: changed rules take effect at "
            "the next sync cycle, exports included.'",
            "}",
        ]
    else:
        lines += [
            "if (-not (Get-ADSyncScheduler).StagingModeEnabled) {",
            "    Write-Warning 'This is the active server: changed rules reach Entra ID and AD at "
            "the next sync cycle. Pause the scheduler and review pending exports first.'",
            "}",
        ]
    return lines


def _warning_lines(plan: ScriptPlan) -> list[str]:
    lines = []
    for w in plan.warnings:
        message = (
            f"Not scripted: sync rule '{w.object}' ({w.connector}) differs: {w.what}. Why: {w.why}."
        )
        lines.append(f"Write-Warning {ps_string(shown(message))}")
    return lines


def _description(c: RuleChange) -> str:
    verb = {
        "add": "add sync rule",
        "remove": "remove sync rule",
        "replace": "replace sync rule",
        "enable": "enable out-of-box sync rule",
        "disable": "disable out-of-box sync rule",
    }[c.action]
    text = f"{verb} {c.label}"
    if c.action == "replace":
        text += ", keeping its identifier"
    return ps_string(shown(text))


def _body(plan: ScriptPlan) -> list[str]:
    """The script's four steps: find, build, check, then change."""
    return [*_find_step(plan), *_build_step(plan), *_check_step(plan), *_change_step(plan)]


def _find_step(plan: ScriptPlan) -> list[str]:
    """Step 1: find every connector and rule to change (changes nothing)."""
    lines: list[str] = []
    connectors = sorted({c.connector for c in plan.changes}, key=str.casefold)
    lines += ["", "# --- 1. Find every connector and rule to change (this changes nothing) ---"]
    lines.append("$connectorIds = @{}")
    for name in connectors:
        lines.append(
            f"$connectorIds[{ps_string(name)}] = Get-TargetConnectorId "
            f"{ps_string(name)} {ps_string(shown(repr(name)))}"
        )
    lines.append("$rewritten = @()")
    for n, c in enumerate(plan.changes, start=1):
        if c.action == "add":
            continue
        lines.append(
            f"$existing{n} = Find-TargetRule {ps_string(c.name)} "
            f"$connectorIds[{ps_string(c.connector)}] {ps_string(c.direction)} "
            f"{ps_string(shown(c.label))}"
        )
        if c.action in {"remove", "replace"}:
            lines.append(f"$rewritten += [string]$existing{n}.Identifier")

    return lines


def _build_step(plan: ScriptPlan) -> list[str]:
    """Step 2: build the rules to create, in memory (changes nothing)."""
    lines: list[str] = []
    lines += ["", "# --- 2. Build the rules to create, in memory (this changes nothing) ---"]
    for n, c in enumerate(plan.changes, start=1):
        if c.action not in {"add", "replace"}:
            continue
        lines += ["", ps_comment(f"[{n}] {c.action} {c.label}")]
        if c.action == "add":
            lines.append(f"$newId{n} = [string][guid]::NewGuid()")
            identifier = f"$newId{n}"
        else:
            identifier = f"$existing{n}.Identifier"
        lines += rule_lines(n, c, identifier)

    return lines


def _check_step(plan: ScriptPlan) -> list[str]:
    """Step 3: no rule the script leaves alone holds a precedence it sets."""
    lines: list[str] = []
    lines += [
        "",
        "# --- 3. Check that no rule this script leaves alone holds a precedence it sets ---",
        "$plannedPrecedence = @{}",
    ]
    for c in plan.changes:
        if c.definition is not None:
            lines.append(
                f"$plannedPrecedence[{c.definition.precedence}] = {ps_string(shown(c.label))}"
            )
    lines += [
        "foreach ($rule in @(Get-ADSyncRule)) {",
        "    $precedence = [int]$rule.Precedence",
        "    if (($rewritten -notcontains [string]$rule.Identifier) -and "
        "$plannedPrecedence.ContainsKey($precedence)) {",
        "        throw ('Precedence {0} is held on this server by rule {1}, which this script "
        "leaves alone, and rule {2} needs it. Give one of them another precedence in the "
        "Synchronization Rules Editor, then run driftcheck again. Nothing was changed.' -f "
        "$precedence, $rule.Name, $plannedPrecedence[$precedence])",
        "    }",
        "}",
    ]

    return lines


def _change_step(plan: ScriptPlan) -> list[str]:
    """Step 4: the changes, removals first so that precedences are free."""
    lines: list[str] = []
    lines += ["", "# --- 4. Make the changes: removals first, so that precedences are free ---"]
    for n, c in enumerate(plan.changes, start=1):
        if c.action in {"remove", "replace"}:
            what = (
                _description(c)
                if c.action == "remove"
                else ps_string(shown(f"remove the old version of sync rule {c.label}"))
            )
            lines += [
                f"Invoke-Change {what} {{",
                f"    Remove-ADSyncRule -Identifier $existing{n}.Identifier | Out-Null",
                "}",
            ]
    for n, c in enumerate(plan.changes, start=1):
        if c.action in {"add", "replace"}:
            lines += [
                f"Invoke-Change {_description(c)} {{",
                f"    Add-ADSyncRule -SynchronizationRule $rule{n} | Out-Null",
                "}",
            ]
        elif c.action in {"enable", "disable"}:
            lines += [
                f"Invoke-Change {_description(c)} {{",
                f"    $existing{n}.Disabled = {ps_bool(c.action == 'disable')}",
                f"    Add-ADSyncRule -SynchronizationRule $existing{n} | Out-Null",
                "}",
            ]
    return lines


def _closing(plan: ScriptPlan) -> list[str]:
    planned = sum(2 if c.action == "replace" else 1 for c in plan.changes)
    lines = [""]
    if plan.changes_nothing:
        lines.append(
            "Write-Host 'Nothing to change: the sync rules already match. Differences that are "
            "not scripted are listed in the header of this script.'"
        )
        return lines
    lines += [
        "if ($WhatIf) {",
        f"    Write-Host 'What if: {planned} change(s) listed above; nothing was changed. Run "
        "without -WhatIf to make them.'",
        "} else {",
        f"    Write-Host ('{{0}} of {planned} change(s) made.' -f $script:changesMade)",
        "}",
        "Write-Host ''",
    ]
    if plan.target == "staging":
        advice = [
            "Next, on this server, before it leaves staging mode:",
            "  1. Run a full synchronization: Start-ADSyncSyncCycle -PolicyType Initial",
            "  2. Review the pending exports of every connector (Synchronization Service "
            "Manager, or csexport.exe) and check that each is expected.",
            "  3. Export both servers again and run driftcheck: it should report no sync rule "
            "drift.",
        ]
    else:
        advice = [
            "Next, on this active server:",
            "  1. Run a full synchronization with exports held back (keep the scheduler "
            "paused): Start-ADSyncSyncCycle -PolicyType Initial",
            "  2. Review the pending exports of every connector (Synchronization Service "
            "Manager, or csexport.exe) before exporting anything, then resume the scheduler.",
            "  3. Export both servers again and run driftcheck: it should report no sync rule "
            "drift.",
        ]
    lines += [f"Write-Host {ps_string(a)}" for a in advice]
    return lines


def render_script(plan: ScriptPlan) -> str:
    """The script's text, with ``\\n`` line ends (:func:`write_script` writes CRLF)."""
    lines = [*_header(plan), "", *_checks(plan), "", *_warning_lines(plan)]
    if plan.changes_nothing:
        lines += _closing(plan)
    else:
        lines += ["", _HELPERS, *_body(plan), *_closing(plan)]
    return "\n".join(lines) + "\n"


def write_script(path: Path, text: str) -> None:
    """UTF-8 with a BOM (Windows PowerShell 5.1 reads BOM-less files as ANSI) and CRLF."""
    try:
        write_atomically(path, text, encoding="utf-8-sig", newline="\r\n")
    except OSError as exc:
        raise InputError(
            f"cannot write the script ({exc.strerror or exc})", file=str(path)
        ) from None


def script_record(plan: ScriptPlan, path: Path, href: str | None = None) -> ScriptRecord:
    """What a report says of the script written with it (the report's ``script`` field)."""
    return ScriptRecord(
        path=str(path),
        href=href or path.as_posix(),
        target=plan.target,
        server=plan.target_server.server,
        changes=tuple(
            ScriptChange(c.action, c.name, c.connector, c.direction) for c in plan.changes
        ),
        fixes=plan.fixes,
        not_scripted=len(plan.not_scripted) + len(plan.warnings),
    )


def write_migration_script(
    report: Report, path: Path, target: str = "staging", *, html: Path | None = None
) -> ScriptRecord:
    """Plan, render and write the script for ``report``; return its record for the report.

    ``html`` is where the HTML report goes, so that its link to the script is relative to it.
    """
    plan = plan_script(report, target)
    write_script(path, render_script(plan))
    href = None
    if html is not None:
        href = Path(os.path.relpath(path.resolve(), html.resolve().parent)).as_posix()
    return script_record(plan, path, href)


def script_summary(record: ScriptRecord) -> str:
    """One line for the terminal about the script just written."""
    server = shown(record.server or record.target)
    if not record.changes:
        what = "it changes nothing: the sync rules already match"
    else:
        what = f"{len(record.changes)} change(s), fixing {len(record.fixes)} difference(s)"
    return (
        f"Migration script written: {record.path} (run it on {server}; {what}; "
        f"{record.not_scripted} difference(s) not scripted, listed in its header)"
    )
