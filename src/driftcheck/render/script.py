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
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from driftcheck import __version__
from driftcheck.compare.normalize import competing_group
from driftcheck.errors import InputError
from driftcheck.model.jsonread import Json
from driftcheck.model.ruledef import FlowDefinition, RuleDefinition
from driftcheck.model.vocab import ChangeKind, Section
from driftcheck.output.files import write_atomically
from driftcheck.policy.namemap import map_strings, token_replacer
from driftcheck.report.types import (
    Finding,
    ObjectEntry,
    Report,
    ScriptChange,
    ScriptFix,
    ScriptRecord,
    ServerInfo,
)

TARGETS = ("staging", "primary")
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
FLOW_TYPES = {"direct": "Direct", "constant": "Constant", "expression": "Expression"}
SCOPE_CONDITION = "Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition"
JOIN_CONDITION = "Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition"
PRECEDENCE_ORDER = "precedence/order"
#: Differences listed per section in the header before "and N more".
HEADER_LIMIT = 40

# --- quoting --------------------------------------------------------------------------------

#: Characters PowerShell reads as a single quote: ' and the typographic ‘ ’ ‚ ‛.
SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")
#: Unicode categories written as ``[char]`` codes: controls (line breaks, tabs, escape),
#: invisible format characters, and the line and paragraph separators.
_CODED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _coded(ch: str) -> bool:
    return ord(ch) <= 0xFFFF and unicodedata.category(ch) in _CODED_CATEGORIES


def ps_string(value: str) -> str:
    """A PowerShell expression whose value is exactly ``value``.

    A single-quoted literal, in which PowerShell expands nothing (no ``$``, no backtick
    escapes) and which only a single quote ends: every character PowerShell takes for one
    (``'`` and the typographic ``‘ ’ ‚ ‛``) is doubled. Control characters are not written
    raw, where the script's CRLF line ends would change them, but as ``[char]0x000A`` codes
    joined to the literals: ``('line 1' + [char]0x000A + 'line 2')``.
    """
    parts: list[str] = []
    literal: list[str] = []
    for ch in value:
        if _coded(ch):
            parts.append("'" + "".join(literal) + "'")
            literal = []
            parts.append(f"[char]0x{ord(ch):04X}")
        else:
            literal.append(ch + ch if ch in SINGLE_QUOTES else ch)
    if literal or not parts:
        parts.append("'" + "".join(literal) + "'")
    parts = [p for i, p in enumerate(parts) if p != "''" or i == 0]
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def shown(value: str) -> str:
    """``value`` as text for a comment or a message: control characters as ``\\xNN`` marks."""
    return "".join(
        ch if not _coded(ch) else f"\\x{ord(ch):02X}" if ord(ch) < 0x100 else f"\\u{ord(ch):04X}"
        for ch in value
    )


def ps_comment(text: str) -> str:
    """A ``#`` comment line: a value with a line break would end it and start code."""
    return f"# {shown(text)}".rstrip()


def ps_bool(value: bool) -> str:
    return "$true" if value else "$false"


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleChange:
    """One change on the target server. ``definition`` is the rule to create (add, replace)."""

    action: str  # add | replace | remove | enable | disable
    name: str
    connector: str
    direction: str
    definition: RuleDefinition | None = None
    because: str = ""

    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.connector}, {self.direction})"


@dataclass(frozen=True)
class NotScripted:
    """A difference the script leaves alone, with why and what the admin should do."""

    section: str
    object: str
    connector: str | None
    what: str
    why: str


@dataclass(frozen=True)
class ScriptPlan:
    target: str
    source: str
    target_server: ServerInfo
    source_server: ServerInfo
    changes: tuple[RuleChange, ...]
    #: sync-rule differences the script only warns about (out-of-box rules, missing connectors)
    warnings: tuple[NotScripted, ...]
    #: differences in sections the wizard owns (connectors, global settings, metaverse)
    not_scripted: tuple[NotScripted, ...]
    #: the report's differences the script removes
    fixes: tuple[ScriptFix, ...]
    #: (source name, target name) pairs of the policy's name map, when names are mapped back
    mapped_names: tuple[tuple[str, str], ...] = ()

    @property
    def changes_nothing(self) -> bool:
        return not self.changes


_WIZARD_OWNS = {
    Section.CONNECTOR: "connectors, partitions and OU filtering, attribute inclusion, password "
    "hash sync and writeback are set by the Entra Connect wizard",
    Section.GLOBAL_SETTINGS: "global settings and optional features are set by the Entra "
    "Connect wizard",
    Section.METAVERSE: "the metaverse schema follows the connectors and directory extensions "
    "the Entra Connect wizard sets up",
}


def _ident(connector: str | None, name: str) -> tuple[str, str]:
    return ((connector or "").casefold(), name.casefold())


def _name_mapper(report: Report, target: str) -> tuple[Callable[[str], str], dict[str, str]]:
    """How a name in the report is spelt on the target server.

    With a policy ``[map]`` (staging name = primary name) the report holds primary names on
    both sides; a script for the staging server maps them back, the inverse way.
    """
    mapping = report.policy.map
    if target != "staging" or not mapping:
        return (lambda text: text), {}
    inverse: dict[str, str] = {}
    for staging_name, primary_name in mapping.items():
        taken = {k.casefold(): v for k, v in inverse.items()}
        if taken.get(primary_name.casefold(), staging_name) != staging_name:
            raise InputError(
                f"the policy's [map] maps several staging names to {primary_name!r}: "
                "the script cannot tell which one the staging server uses"
            )
        inverse[primary_name] = staging_name
    return token_replacer(inverse), inverse


def _definition(entry: ObjectEntry, side: str) -> RuleDefinition | None:
    info = entry.rule
    definition = None
    if info is not None:
        definition = info.definition_primary if side == "primary" else info.definition_staging
    if _tree(entry, side) is not None and definition is None:
        raise InputError(
            f"the report holds no definition of sync rule {entry.name!r}: it was written by "
            "an older driftcheck; run driftcheck compare again"
        )
    return definition


def _tree(entry: ObjectEntry, side: str) -> Mapping[str, Json] | None:
    return entry.primary if side == "primary" else entry.staging


def _group(definition: RuleDefinition) -> str:
    return competing_group(
        definition.direction, definition.target_object_type, definition.connector
    )


def _oob_reason(entry: ObjectEntry, source: str, target: str) -> str:
    src, tgt = _tree(entry, source), _tree(entry, target)
    if src is None or tgt is None:
        side = source if tgt is None else target
        return (
            f"this out-of-box rule exists only on the {side} server: it comes with an optional "
            "feature or a product version, which the Entra Connect wizard (or an upgrade) sets "
            "up. Run the wizard with the same options, at the same version, on both servers"
        )
    if str(src.get("immutable-tag", "")).casefold() != str(tgt.get("immutable-tag", "")).casefold():
        return (
            "the servers run different versions of this out-of-box rule (an upgrade is under "
            "way): upgrade the other server to the same Entra Connect version; do not edit "
            "out-of-box rules"
        )
    return (
        "an out-of-box rule was edited on one server. That is not supported and an upgrade "
        "resets it: restore the default rule, and put the change into a custom rule "
        "(disable the default one if needed) on both servers, then run driftcheck again"
    )


def _difference_text(d: Finding) -> str:
    return f"{d.path or '(the whole object)'} ({d.change.value})"


def _fix(d: Finding) -> ScriptFix:
    return ScriptFix(d.section, d.object, d.connector, d.path, d.change)


def plan_script(report: Report, target: str = "staging") -> ScriptPlan:
    """What a script run on ``target`` must change so its sync rules match the other server's.

    Pure: reads the report only. Custom rules present on the source only are added, on the
    target only removed, and reported as modified replaced. In every group of competing
    rules where a custom rule is written or moved, every custom rule gets the source's
    precedence, so their order is the source's.
    """
    if target not in TARGETS:
        raise InputError(f"--script-target must be staging or primary, not {target!r}")
    source = "primary" if target == "staging" else "staging"
    entries = report.objects.get(Section.SYNC_RULE)
    if entries is None:
        raise InputError(
            "the report carries no configuration objects, which the script is written from; "
            "run driftcheck compare again"
        )
    rename, inverse = _name_mapper(report, target)
    by_object: dict[tuple[str, str], list[Finding]] = {}
    for d in report.differences:
        if d.section == Section.SYNC_RULE:
            by_object.setdefault(_ident(d.connector, d.object), []).append(d)
    # connector names as the target server spells them (letter case may differ)
    on_target: dict[str, str] = {}
    for e in report.objects.get(Section.CONNECTOR, ()):
        tree = _tree(e, target)
        if tree is not None:
            on_target[e.name.casefold()] = str(tree.get("name") or e.name)

    changes: list[RuleChange] = []
    warnings: list[NotScripted] = []
    fixes: list[ScriptFix] = []
    affected: set[str] = set()
    unchanged: list[tuple[ObjectEntry, RuleDefinition, RuleDefinition]] = []

    def change(
        action: str, entry: ObjectEntry, definition: RuleDefinition | None, because: str
    ) -> None:
        connector = entry.connector or ""
        changes.append(
            RuleChange(
                action,
                rename(entry.name),
                rename(on_target.get(connector.casefold(), connector)),
                entry.rule.direction if entry.rule else "",
                map_strings(definition, rename) if definition is not None else None,
                because,
            )
        )

    for entry in entries:
        diffs = by_object.get(_ident(entry.connector, entry.name), [])
        if entry.rule is not None and entry.rule.out_of_box:
            _out_of_box(entry, diffs, source, target, change, warnings, fixes)
            continue
        src, tgt = _definition(entry, source), _definition(entry, target)
        if (entry.connector or "").casefold() not in on_target:
            if diffs:
                warnings.append(
                    NotScripted(
                        Section.SYNC_RULE,
                        entry.name,
                        entry.connector,
                        "; ".join(_difference_text(d) for d in diffs),
                        f"connector {entry.connector!r} is not on the {target} server: add it "
                        "with the Entra Connect wizard, then run driftcheck again",
                    )
                )
            continue
        if src is not None and tgt is None:
            change("add", entry, src, f"only on the {source} server")
        elif src is None and tgt is not None:
            change("remove", entry, None, f"not on the {source} server")
        elif src is not None and tgt is not None and entry.state == ChangeKind.MODIFIED:
            order_only = all(d.path == PRECEDENCE_ORDER for d in diffs)
            if order_only and src.precedence == tgt.precedence:
                # its number is right already: the rules around it move
                fixes.extend(_fix(d) for d in diffs)
                affected.add(_group(src))
                continue
            change("replace", entry, src, "; ".join(_difference_text(d) for d in diffs))
        elif src is not None and tgt is not None:
            unchanged.append((entry, src, tgt))
            continue
        else:
            continue
        fixes.extend(_fix(d) for d in diffs)
        if src is not None:
            affected.add(_group(src))
    for entry, src, tgt in unchanged:
        if _group(src) in affected and src.precedence != tgt.precedence:
            change(
                "replace",
                entry,
                src,
                f"precedence {tgt.precedence} → {src.precedence}, "
                f"to keep the {source} server's order",
            )
    not_scripted = [
        NotScripted(d.section, d.object, d.connector, _difference_text(d), _WIZARD_OWNS[section])
        for d in report.differences
        for section in _WIZARD_OWNS
        if d.section == section
    ]
    order = {"remove": 0, "replace": 1, "add": 2, "disable": 3, "enable": 3}
    return ScriptPlan(
        target=target,
        source=source,
        target_server=report.staging if target == "staging" else report.primary,
        source_server=report.primary if target == "staging" else report.staging,
        changes=tuple(sorted(changes, key=lambda c: order[c.action])),
        warnings=tuple(warnings),
        not_scripted=tuple(not_scripted),
        fixes=tuple(fixes),
        mapped_names=tuple(sorted(inverse.items())),
    )


def _out_of_box(
    entry: ObjectEntry,
    diffs: list[Finding],
    source: str,
    target: str,
    change: Callable[[str, ObjectEntry, RuleDefinition | None, str], None],
    warnings: list[NotScripted],
    fixes: list[ScriptFix],
) -> None:
    """Out-of-box rules: the ``disabled`` flag is scripted, anything else is warned about."""
    src, tgt = _tree(entry, source), _tree(entry, target)
    others = [d for d in diffs if d.path != "disabled" or src is None or tgt is None]
    if src is not None and tgt is not None and src.get("disabled") != tgt.get("disabled"):
        disabled = str(src.get("disabled", "")).casefold() == "true"
        change("disable" if disabled else "enable", entry, None, "disabled flag")
        fixes.extend(_fix(d) for d in diffs if d.path == "disabled")
    if others:
        warnings.append(
            NotScripted(
                Section.SYNC_RULE,
                entry.name,
                entry.connector,
                "; ".join(_difference_text(d) for d in others),
                _oob_reason(entry, source, target),
            )
        )


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
    for section in _WIZARD_OWNS:
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


def _args(values: Iterable[str]) -> str:
    return ",".join(ps_string(v) for v in values)


def _continued(command: str, parameters: list[str]) -> list[str]:
    """A command with one parameter per line, joined by backticks as the Rules Editor writes."""
    return [f"{command} `", *(f"    {p} `" for p in parameters[:-1]), f"    {parameters[-1]}"]


def _rule_lines(n: int, c: RuleChange, identifier: str) -> list[str]:
    d = c.definition
    assert d is not None
    params = [
        f"-Name {ps_string(d.name)}",
        f"-Identifier {identifier}",
        f"-Description {ps_string(d.description)}",
        f"-Direction {ps_string(d.direction)}",
        f"-Precedence {d.precedence}",
        f"-PrecedenceAfter {ps_string(ZERO_GUID)}",
        f"-PrecedenceBefore {ps_string(ZERO_GUID)}",
        f"-SourceObjectType {ps_string(d.source_object_type)}",
        f"-TargetObjectType {ps_string(d.target_object_type)}",
        f"-Connector $connectorIds[{ps_string(c.connector)}]",
        f"-LinkType {ps_string(d.link_type)}",
    ]
    if d.soft_delete_expiry_interval:
        params.append(f"-SoftDeleteExpiryInterval {ps_string(d.soft_delete_expiry_interval)}")
    params.append(f"-ImmutableTag {ps_string(d.immutable_tag)}")
    if d.password_sync:
        params.append("-EnablePasswordSync")
    if d.disabled:
        params.append("-Disabled")
    params.append("-OutVariable syncRule | Out-Null")
    lines = _continued("New-ADSyncRule", params)
    for flow in d.flows:
        lines += _flow_lines(flow)
    for clauses in d.scoping_groups:
        lines += _group_lines(
            "Add-ADSyncScopeConditionGroup",
            "-ScopeConditions",
            SCOPE_CONDITION,
            [_args((x.attribute, x.value, x.operator)) for x in clauses],
        )
    for conditions in d.join_groups:
        lines += _group_lines(
            "Add-ADSyncJoinConditionGroup",
            "-JoinConditions",
            JOIN_CONDITION,
            [
                f"{_args((x.connector_attribute, x.metaverse_attribute))},"
                f"{ps_bool(x.case_sensitive)}"
                for x in conditions
            ],
        )
    lines.append(f"$rule{n} = $syncRule[0]")
    return lines


def _group_lines(command: str, parameter: str, type_name: str, arguments: list[str]) -> list[str]:
    """``New-Object`` for each condition of a group, then the cmdlet that adds the group."""
    lines: list[str] = []
    for i, argument_list in enumerate(arguments):
        lines += _continued(
            "New-Object",
            [
                f"-TypeName {ps_string(type_name)}",
                f"-ArgumentList {argument_list}",
                f"-OutVariable condition{i} | Out-Null",
            ],
        )
    names = ",".join(f"$condition{i}[0]" for i in range(len(arguments)))
    return lines + _continued(
        command,
        [
            "-SynchronizationRule $syncRule[0]",
            f"{parameter} @({names})",
            "-OutVariable syncRule | Out-Null",
        ],
    )


def _flow_lines(flow: FlowDefinition) -> list[str]:
    sources = list(flow.sources)
    if flow.type == "constant":
        sources = [flow.constant or ""]
    params = ["-SynchronizationRule $syncRule[0]"]
    if sources:
        params.append(f"-Source @({_args(sources)})")
    params.append(f"-Destination {ps_string(flow.destination)}")
    params.append(f"-FlowType {ps_string(FLOW_TYPES.get(flow.type, 'Direct'))}")
    if flow.merge_type:
        params.append(f"-ValueMergeType {ps_string(flow.merge_type)}")
    if flow.execute_once:
        params.append("-ExecuteOnce")
    if flow.type == "expression":
        params.append(f"-Expression {ps_string(flow.expression or '')}")
    params.append("-OutVariable syncRule | Out-Null")
    return _continued("Add-ADSyncAttributeFlowMapping", params)


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
        lines += _rule_lines(n, c, identifier)

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
