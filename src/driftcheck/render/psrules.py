"""A sync rule written as the PowerShell that creates it: New-ADSyncRule and its scope, join and
attribute-flow groups, every value quoted as a literal.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftcheck.model.ruledef import FlowDefinition
from driftcheck.render.psquote import ps_bool, ps_string
from driftcheck.render.scriptplan import (
    FLOW_TYPES,
    JOIN_CONDITION,
    SCOPE_CONDITION,
    ZERO_GUID,
    RuleChange,
)


def _args(values: Iterable[str]) -> str:
    return ",".join(ps_string(v) for v in values)


def _continued(command: str, parameters: list[str]) -> list[str]:
    """A command with one parameter per line, joined by backticks as the Rules Editor writes."""
    return [f"{command} `", *(f"    {p} `" for p in parameters[:-1]), f"    {parameters[-1]}"]


def rule_lines(n: int, c: RuleChange, identifier: str) -> list[str]:
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
