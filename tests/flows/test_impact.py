"""Planted changes on copies of the genuine export: each changes the attribute flow it
should, shows as ``affects`` on the difference that causes it, and adds no difference."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from driftcheck.flows.diff import FlowChangeKind
from driftcheck.flows.graph import build_graph
from driftcheck.pipeline.compare import compare_exports
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export
from driftcheck.report.types import Report
from tests.exportedit import _rewrite, rule_file, set_rule_element

AAD = "contoso.onmicrosoft.com - AAD"


@pytest.fixture
def staging(reference_export: Path, tmp_path: Path) -> Path:
    target = tmp_path / "staging"
    shutil.copytree(reference_export, target)
    return target


def _compare(primary: Path, staging: Path) -> Report:
    return compare_exports(primary, staging, checks="off")


def _flow(report: Report, object_type: str, attribute: str) -> set[FlowChangeKind]:
    for diff in report.flows or ():
        if (diff.object_type, diff.attribute) == (object_type, attribute):
            return {c.kind for c in diff.changes}
    return set()


def _affected(report: Report, rule: str) -> set[tuple[str, str | None]]:
    return {
        (a.attribute, a.target) for d in report.differences if d.object == rule for a in d.affects
    }


def _only_on(report: Report, rules: set[str]) -> None:
    """The planted change is reported on its own rules only: nothing counted twice."""
    assert report.differences
    assert {d.object for d in report.differences} == rules
    assert report.summary.differences == len(report.differences)


def test_an_identical_copy_has_no_flow_change(reference_export: Path, staging: Path) -> None:
    report = _compare(reference_export, staging)
    assert report.flows == ()
    assert all(not d.affects for d in report.differences)


def test_a_precedence_swap_changes_the_winner(reference_export: Path, staging: Path) -> None:
    graph = build_graph(server_configuration(read_export(reference_export)))
    # an attribute whose unscoped winner has scoped contributions above it: swapped with the
    # first of them, it wins before every other one
    chain = next(c for c in graph.chains if c.winner is not None and c.winner.kind == "except")
    assert chain.winner is not None
    winner = next(c for c in chain.inbound if c.rule == chain.winner.rule)
    runner_up = chain.inbound[0]
    set_rule_element(rule_file(staging, winner.rule), "precedence", str(runner_up.precedence))
    set_rule_element(rule_file(staging, runner_up.rule), "precedence", str(winner.precedence))
    report = _compare(reference_export, staging)
    kinds = _flow(report, chain.object_type, chain.attribute)
    assert FlowChangeKind.WINNER_CHANGED in kinds
    assert FlowChangeKind.ORDER_CHANGED in kinds
    assert chain.attribute in {a for a, _ in _affected(report, runner_up.rule)}
    assert all(d.section == "sync-rule" for d in report.differences)


def test_a_new_outbound_flow_adds_a_target(reference_export: Path, staging: Path) -> None:
    rule = "Out to AAD - Contact ExchangeOnline"
    mapping = (
        "<attribute-mappings>\n    <mapping>\n      <dest>extensionAttribute15</dest>\n"
        "      <src>\n        <attr>department</attr>\n      </src>\n"
        "      <valueMergeType>Update</valueMergeType>\n    </mapping>"
    )
    _rewrite(rule_file(staging, rule), r"<attribute-mappings>", mapping)
    report = _compare(reference_export, staging)
    _only_on(report, {rule})
    assert FlowChangeKind.OUTBOUND_ADDED in _flow(report, "person", "department")
    assert ("department", "extensionAttribute15") in _affected(report, rule)


def test_a_scope_on_the_unscoped_winner_makes_it_scoped(
    reference_export: Path, staging: Path
) -> None:
    primary_chain = build_graph(server_configuration(read_export(reference_export))).chain(
        "person", "department"
    )
    assert primary_chain is not None and primary_chain.winner is not None
    winner = primary_chain.winner.rule
    assert not next(c for c in primary_chain.inbound if c.rule == winner).scoped
    scope = (
        "<synchronizationCriteria><conditions><scope><csAttribute>extensionAttribute9"
        "</csAttribute><csOperator>EQUAL</csOperator><csValue>yes</csValue></scope>"
        "</conditions></synchronizationCriteria>"
    )
    _rewrite(rule_file(staging, winner), r"<synchronizationCriteria\s*/>", scope)
    report = _compare(reference_export, staging)
    _only_on(report, {winner})
    kinds = _flow(report, "person", "department")
    assert {FlowChangeKind.CONTRIBUTION_CHANGED, FlowChangeKind.WINNER_CHANGED} <= kinds
    diff = next(d for d in report.flows or () if d.attribute == "department")
    assert diff.staging is not None
    inbound = diff.staging["inbound"]
    assert isinstance(inbound, list)
    staged = next(c for c in inbound if c["rule"] == winner)
    assert staged["scoped"] is True
    assert ("department", "department") in _affected(report, winner)


def test_a_disabled_rule_stops_contributing(reference_export: Path, staging: Path) -> None:
    rule = "In from AD - Contact Common"
    set_rule_element(rule_file(staging, rule), "disabled", "True")
    report = _compare(reference_export, staging)
    _only_on(report, {rule})
    assert FlowChangeKind.CONTRIBUTION_CHANGED in _flow(report, "person", "department")
    diff = next(d for d in report.flows or () if d.attribute == "department")
    assert diff.staging is not None
    inbound = diff.staging["inbound"]
    assert isinstance(inbound, list)
    assert [c["enabled"] for c in inbound if c["rule"] == rule] == [False]
    assert diff.staging["winner"] != {"rule": rule}
    # one planted change: many affected attributes, still one difference
    assert len(report.differences) == 1
    assert len(report.differences[0].affects) > 1


def test_flows_and_affects_round_trip_through_the_json_report(
    reference_export: Path, staging: Path
) -> None:
    set_rule_element(rule_file(staging, "In from AD - Contact Common"), "disabled", "True")
    report = _compare(reference_export, staging)
    again = Report.from_json(report.to_json())
    assert again.flows == report.flows
    assert [d.affects for d in again.differences] == [d.affects for d in report.differences]
    assert {d.section for d in again.differences} == {"sync-rule"}
