"""The migration script: quoting, parsing with a PowerShell grammar, and a round trip.

The round trip reads each generated script back with tree-sitter-powershell, rebuilds every
rule it creates from the cmdlet arguments, replays its removals and additions on the target
server's rules as the report holds them, and checks that the result equals the source
server's rules field by field (precedence: the same order of competing rules).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from syrupy.assertion import SnapshotAssertion

import driftcheck.render.script as ps
from driftcheck.cli.app import main
from driftcheck.compare.sections import competing_group
from driftcheck.errors import InputError
from driftcheck.pipeline.compare import compare_exports
from driftcheck.render import psquote, scriptplan
from driftcheck.render.html import render_html
from driftcheck.report.jsonfile import to_json
from driftcheck.report.types import PolicyInfo, Report
from tests import psast, xmlkit
from tests.conftest import SAMPLES

HOSTILE = (
    "O'Brien",
    'say "hi"',
    "$(Remove-ADSyncRule -Identifier x)",
    "`$env:COMPUTERNAME`n",
    "@'\nnot a here-string\n'@",
    '@"\n$x\n"@',
    "line 1\nline 2\r\nline 3\rline 4",
    "tab\there",
    "\u2018typographic\u2019 \u201alow\u201b \u201cdouble\u201d \u2019\u2019",
    "Ünïcödé Ελληνικά 日本語",
    "'; Remove-ADSyncRule -Identifier x; '",
    "#> <# comment",
    "sep\u2028line\u2029par\x85nel",
    "end with quote'",
    "\u2019",
    "",
    "--% stop parsing",
    "-Name",
)


# --- quoting --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_ps_string_parses_and_round_trips(value: str) -> None:
    script = f"Write-Output {psquote.ps_string(value)} -NoEnumerate\r\n$x = {psquote.ps_string(value)}\r\n"
    root = psast.parse(script)
    assert psast.errors(root) == []
    (output,) = psast.commands(root)
    assert output.name == "Write-Output"
    assert output.positional == [value]
    ((left, right),) = psast.assignments(root)
    assert left == "$x" and psast.value(right) == value


def test_ps_string_doubles_every_single_quote_and_codes_line_breaks() -> None:
    assert psquote.ps_string("a'b\u2019c") == "'a''b\u2019\u2019c'"
    assert psquote.ps_string("a\nb") == "('a' + [char]0x000A + 'b')"
    assert psquote.ps_string("\r\n") == "('' + [char]0x000D + [char]0x000A)"
    assert psquote.ps_string("") == "''"
    assert psquote.ps_string('$(x) `n "') == "'$(x) `n \"'"


def test_comment_and_shown_text_hold_no_line_break_or_escape() -> None:
    assert psquote.ps_comment("a\nRemove-ADSyncRule") == "# a\\x0ARemove-ADSyncRule"
    assert psquote.shown("\x1b[31mred\u2028") == "\\x1B[31mred\\u2028"


# --- scenarios: copies of the samples with planted sync-rule drift ---------------------------

Edit = Callable[[Path, Path], None]


def rule_file(export: Path, name: str) -> Path:
    for path in sorted((export / "SynchronizationRules").glob("*.xml")):
        if etree.parse(str(path)).getroot().findtext("name") == name:
            return path
    raise AssertionError(f"no rule {name!r} in {export}")


def edit_rule(export: Path, name: str, edit: Callable[[etree._Element], None]) -> None:
    path = rule_file(export, name)
    tree = etree.parse(str(path))
    edit(tree.getroot())
    tree.write(str(path), encoding="utf-8", xml_declaration=True)


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        found = xmlkit.elements(root, path)
        assert found, path
        for el in found:
            el.text = value

    return edit


FIXUP = "In from AD - User Department Fixup"
CONTRACTOR = "In from AD - User Contractor Filter"
EMEA_JOIN = "In from AD - EMEA User Join on EmployeeID"
USAGE = "Out to AAD - User UsageLocation"
TITLE = "In from AD - User Job Title Override"
EXTENSIONS = "In from AD - User Extension Attributes"


def flows(p: Path, s: Path) -> None:
    edit_rule(s, FIXUP, set_text("attribute-mappings/mapping[dest='company']/expression", "[c]"))
    edit_rule(
        p,
        TITLE,
        lambda r: xmlkit.element(r, "attribute-mappings/mapping").set("execute-once", "true"),
    )
    edit_rule(s, USAGE, set_text("attribute-mappings/mapping/valueMergeType", "Replace"))


def scoping(p: Path, s: Path) -> None:
    def add_group(root: etree._Element) -> None:
        criteria = xmlkit.element(root, "synchronizationCriteria")
        criteria.append(copy.deepcopy(xmlkit.element(criteria, "conditions")))
        xmlkit.element(criteria[-1], "scope/csValue").text = "Intern"

    edit_rule(p, CONTRACTOR, add_group)


def joins(p: Path, s: Path) -> None:
    def case_sensitive(root: etree._Element) -> None:
        condition = xmlkit.element(root, "relationshipCriteria/conditions/condition")
        etree.SubElement(condition, "caseSensitive").text = "true"

    edit_rule(p, EMEA_JOIN, case_sensitive)


def precedence(p: Path, s: Path) -> None:
    edit_rule(s, FIXUP, set_text("precedence", "51"))
    edit_rule(s, CONTRACTOR, set_text("precedence", "81"))


def disabled_and_link_type(p: Path, s: Path) -> None:
    edit_rule(s, USAGE, set_text("disabled", "True"))
    edit_rule(p, TITLE, set_text("linkType", "Provision"))
    edit_rule(p, FIXUP, set_text("EnablePasswordSync", "true"))


def added_and_removed(p: Path, s: Path) -> None:
    rule_file(s, EXTENSIONS).unlink()
    rule_file(p, TITLE).unlink()


def hostile(p: Path, s: Path) -> None:
    everything = "|".join(HOSTILE)
    edit_rule(p, FIXUP, set_text("description", everything))
    edit_rule(p, FIXUP, set_text("attribute-mappings/mapping/expression", everything))
    edit_rule(p, FIXUP, set_text("name", "Fixup " + everything))
    edit_rule(
        p, CONTRACTOR, set_text("synchronizationCriteria/conditions/scope/csValue", everything)
    )
    edit_rule(p, CONTRACTOR, set_text("attribute-mappings/mapping/src", "@'" + everything + "'@"))
    edit_rule(s, USAGE, set_text("name", "Usage \u2019; $(evil) " + everything))


def hostile_connector(p: Path, s: Path) -> None:
    name = "fab'rik\u2019am $(x) `n @'.com"
    for export in (p, s):
        for path in (export / "Connectors").glob("*.xml"):
            tree = etree.parse(str(path))
            if tree.getroot().findtext("name") == "fabrikam.com":
                xmlkit.element(tree.getroot(), "name").text = name
                tree.write(str(path), encoding="utf-8", xml_declaration=True)
    edit_rule(s, FIXUP, set_text("description", "changed"))


SCENARIOS: dict[str, Edit] = {
    "samples": lambda p, s: None,
    "flows": flows,
    "scoping": scoping,
    "joins": joins,
    "precedence": precedence,
    "disabled-link-type-password-sync": disabled_and_link_type,
    "added-and-removed": added_and_removed,
    "hostile-strings": hostile,
    "hostile-connector": hostile_connector,
}


def scenario_report(tmp_path: Path, edit: Edit) -> Report:
    primary, staging = tmp_path / "primary", tmp_path / "staging"
    shutil.copytree(SAMPLES / "primary", primary)
    shutil.copytree(SAMPLES / "staging", staging)
    edit(primary, staging)
    return compare_exports(primary, staging)


# --- replaying a script on the target's rules ------------------------------------------------


@dataclass
class Replay:
    """What a script does, read from its syntax tree."""

    connectors: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    built: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    disabled: dict[str, bool] = field(default_factory=dict)
    cmdlets: list[str] = field(default_factory=list)


REPLAYED = frozenset(
    {
        "New-ADSyncRule",
        "Add-ADSyncAttributeFlowMapping",
        "New-Object",
        "Add-ADSyncScopeConditionGroup",
        "Add-ADSyncJoinConditionGroup",
        "Remove-ADSyncRule",
        "Add-ADSyncRule",
    }
)


def _connector(argument: Any) -> str:
    assert isinstance(argument, psast.Index) and argument.variable == "connectorIds", argument
    assert isinstance(argument.key, str)
    return argument.key


def replay(script: str) -> Replay:
    root = psast.parse(script)
    assert psast.errors(root) == []
    run = Replay()
    current: dict[str, Any] | None = None
    conditions: dict[str, list[Any]] = {}
    for node in psast.walk(root):
        if any(a.type == "function_statement" for a in psast._ancestors(node)):
            continue
        if node.type == "assignment_expression":
            operator = next(c for c in node.children if c.type == "assignement_operator")
            left = psast.value(node.named_children[0])
            right = node.child_by_field_name("value")
            assert right is not None
            found = [n for n in psast.walk(right) if n.type == "command"]
            if psast.text(operator) != "=" or "NewGuid" in psast.text(right):
                continue
            if found:
                call = psast.command(found[0])
                if call.name == "Get-TargetConnectorId":
                    assert isinstance(left, psast.Index) and left.key == call.positional[0]
                    run.connectors[left.key] = call.positional[0]
                elif call.name == "Find-TargetRule":
                    name, conn, direction, _label = call.positional
                    run.lookups[left.name] = (name, _connector(conn), direction)
                continue
            if isinstance(left, psast.Var) and left.name.startswith("rule"):
                assert psast.value(right) == psast.Index("syncRule", 0) and current is not None
                run.built[left.name] = current
                current = None
            elif isinstance(left, psast.Member) and left.member == "Disabled":
                run.disabled[left.variable] = psast.value(right)
            continue
        if node.type != "command":
            continue
        run.cmdlets.append(psast.command_name(node))
        if run.cmdlets[-1] not in REPLAYED:
            continue
        call = psast.command(node)
        p = call.parameters
        if call.name == "New-ADSyncRule":
            current = {
                "name": p["name"],
                "connector": run.connectors[_connector(p["connector"])],
                "description": p["description"],
                "direction": p["direction"],
                "source_object_type": p["sourceobjecttype"],
                "target_object_type": p["targetobjecttype"],
                "link_type": p["linktype"],
                "precedence": p["precedence"],
                "disabled": p.get("disabled") is True,
                "password_sync": p.get("enablepasswordsync") is True,
                "immutable_tag": p["immutabletag"],
                "soft_delete_expiry_interval": p.get("softdeleteexpiryinterval"),
                "flows": [],
                "scoping_groups": [],
                "join_groups": [],
                "_identifier": p["identifier"],
            }
            assert p["outvariable"] == "syncRule"
        elif call.name == "Add-ADSyncAttributeFlowMapping":
            assert current is not None and p["synchronizationrule"] == psast.Index("syncRule", 0)
            kind = str(p["flowtype"]).casefold()
            sources = p.get("source", [])
            current["flows"].append(
                {
                    "destination": p["destination"],
                    "type": kind,
                    "sources": [] if kind == "constant" else sources,
                    "constant": sources[0] if kind == "constant" else None,
                    "expression": p.get("expression") if kind == "expression" else None,
                    "merge_type": p.get("valuemergetype", ""),
                    "execute_once": p.get("executeonce") is True,
                }
            )
        elif call.name == "New-Object":
            args = p["argumentlist"]
            conditions[p["outvariable"]] = [p["typename"], *args]
        elif call.name in {"Add-ADSyncScopeConditionGroup", "Add-ADSyncJoinConditionGroup"}:
            assert current is not None
            scope = call.name == "Add-ADSyncScopeConditionGroup"
            refs = p["scopeconditions" if scope else "joinconditions"]
            refs = refs if isinstance(refs, list) else [refs]
            group = []
            for ref in refs:
                assert isinstance(ref, psast.Index) and ref.key == 0
                type_name, *args = conditions[ref.variable]
                if scope:
                    assert type_name == scriptplan.SCOPE_CONDITION
                    attribute, value, operator = args
                    group.append({"attribute": attribute, "operator": operator, "value": value})
                else:
                    assert type_name == scriptplan.JOIN_CONDITION
                    cs, mv, case = args
                    group.append(
                        {
                            "connector_attribute": cs,
                            "metaverse_attribute": mv,
                            "case_sensitive": case,
                        }
                    )
            if scope:
                current["scoping_groups"].append({"clauses": group})
            else:
                current["join_groups"].append({"conditions": group})
        elif call.name == "Remove-ADSyncRule":
            identifier = p["identifier"]
            assert isinstance(identifier, psast.Member) and identifier.member == "Identifier"
            run.removed.append(identifier.variable)
        elif call.name == "Add-ADSyncRule":
            rule = p["synchronizationrule"]
            assert isinstance(rule, psast.Var)
            run.added.append(rule.name)
    return run


def _key(definition: Mapping[str, Any]) -> tuple[str, str, str]:
    return (
        str(definition["connector"]).casefold(),
        str(definition["direction"]).casefold(),
        str(definition["name"]).casefold(),
    )


def _rules(report: Report, side: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    rules = {}
    for entry in report.to_json()["objects"]["sync-rule"]:
        definition = (entry.get("definition") or {}).get(side)
        if definition is not None:
            rules[_key(definition)] = dict(definition)
    return rules


def _out_of_box(report: Report, side: str) -> dict[tuple[str, str, str], bool]:
    return {
        (str(e["connector"]).casefold(), str(e["direction"]).casefold(), e["name"].casefold()): e[
            side
        ]["disabled"]
        == "true"
        for e in report.to_json()["objects"]["sync-rule"]
        if e["out_of_box"] and e.get(side) is not None
    }


def _order(rules: Mapping[tuple[str, str, str], Mapping[str, Any]]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for key, rule in sorted(rules.items(), key=lambda kv: (kv[1]["precedence"], kv[0])):
        group = competing_group(rule["direction"], rule["target_object_type"], rule["connector"])
        groups.setdefault(group, []).append(key)
    return groups


def apply_script(report: Report, script: str, target: str) -> None:
    """Replay ``script`` on the target's rules and check they now equal the source's."""
    source = "primary" if target == "staging" else "staging"
    run = replay(script)
    changing = [i for i, name in enumerate(run.cmdlets) if name.endswith("-ADSyncRule")]
    removals = [i for i in changing if run.cmdlets[i] == "Remove-ADSyncRule"]
    additions = [i for i in changing if run.cmdlets[i] == "Add-ADSyncRule"]
    assert not removals or not additions or max(removals) < min(additions)
    rules = _rules(report, target)
    flags = _out_of_box(report, target)
    for variable in run.removed:
        name, connector, direction = run.lookups[variable]
        key = (connector.casefold(), direction.casefold(), name.casefold())
        assert rules.pop(key, None) is not None, f"removes {key}, which is not on {target}"
    for variable in run.added:
        if variable.startswith("existing"):  # an out-of-box rule saved with its new flag
            assert variable in run.disabled
            continue
        rule = dict(run.built[variable])
        identifier = rule.pop("_identifier")
        if isinstance(identifier, psast.Member):  # a replaced rule keeps the target's identifier
            name, connector, direction = run.lookups[identifier.variable]
            assert _key(rule) == (connector.casefold(), direction.casefold(), name.casefold())
            assert identifier.variable in run.removed
        else:
            assert isinstance(identifier, psast.Var) and identifier.name.startswith("newId")
        assert _key(rule) not in rules, f"adds {_key(rule)} twice"
        rules[_key(rule)] = rule
    for variable, disabled in run.disabled.items():
        name, connector, direction = run.lookups[variable]
        flags[(connector.casefold(), direction.casefold(), name.casefold())] = disabled
    expected = _rules(report, source)
    assert set(rules) == set(expected)
    for key, rule in rules.items():
        assert _comparable(rule) == _comparable(expected[key]), key
    assert _order(rules) == _order(expected)
    wanted_flags = _out_of_box(report, source)
    for key in set(flags) & set(wanted_flags):
        assert flags[key] == wanted_flags[key], key
    for variable in run.built:  # every rule written equals the source's, precedence included
        rule = {k: v for k, v in run.built[variable].items() if k != "_identifier"}
        want = expected[_key(rule)]
        assert _comparable(rule) == _comparable(want) and rule["precedence"] == want["precedence"]


def _comparable(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Every field but precedence (compared as order); connector names ignoring letter case,
    as the sync engine and driftcheck match them."""
    fields = {k: v for k, v in rule.items() if k != "precedence"}
    fields["connector"] = str(fields["connector"]).casefold()
    return fields


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("target", ["staging", "primary"])
def test_script_round_trip(tmp_path: Path, name: str, target: str) -> None:
    report = scenario_report(tmp_path, SCENARIOS[name])
    plan = scriptplan.plan_script(report, target)
    script = ps.render_script(plan)
    apply_script(report, script, target)
    assert not plan.changes_nothing
    reported = {
        json.dumps(scriptplan._fix(d).to_json(), sort_keys=True) for d in report.differences
    }
    assert {json.dumps(f.to_json(), sort_keys=True) for f in plan.fixes} <= reported


def test_hostile_strings_reach_the_report_and_the_script_unchanged(tmp_path: Path) -> None:
    report = scenario_report(tmp_path, hostile)
    everything = "|".join(HOSTILE)
    fixup = next(r for r in _rules(report, "primary").values() if r["name"].startswith("Fixup "))
    assert fixup["description"] == everything.strip()
    assert fixup["flows"][0]["expression"] == everything
    run = replay(ps.render_script(scriptplan.plan_script(report)))
    (built,) = [r for r in run.built.values() if r["name"].startswith("Fixup ")]
    assert built["flows"][0]["expression"] == everything
    assert [n for n, _, _ in run.lookups.values() if n.startswith("Usage ")]


def test_every_drift_kind_is_replaced_not_just_reported(tmp_path: Path) -> None:
    report = scenario_report(tmp_path, disabled_and_link_type)
    actions = {(c.action, c.name) for c in scriptplan.plan_script(report).changes}
    assert {("replace", USAGE), ("replace", TITLE), ("replace", FIXUP)} <= actions


# --- the samples -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report() -> Report:
    report = compare_exports(SAMPLES / "primary", SAMPLES / "staging")
    return replace(
        report,
        primary=replace(report.primary, path="samples/primary"),
        staging=replace(report.staging, path="samples/staging"),
    )


def test_samples_plan(sample_report: Report) -> None:
    plan = scriptplan.plan_script(sample_report)
    actions = {(c.action, c.name) for c in plan.changes}
    assert actions == {
        ("add", "In from AD - Group Naming Prefix"),
        ("remove", "In from AD - Contact Company Default"),
        ("replace", EMEA_JOIN),
        ("replace", CONTRACTOR),
        ("replace", FIXUP),
        ("replace", EXTENSIONS),
        ("replace", USAGE),
        ("replace", TITLE),  # precedence only: keeps the primary's order
        ("enable", "Out to AAD - User ExchangeOnline"),
    }
    # the out-of-box rule edited on one server is a warning, not a change
    assert [(w.object, w.what) for w in plan.warnings] == [
        (
            "In from AAD - User Exchange Hybrid",
            "attribute-flows/proxyAddresses/merge-type (modified)",
        )
    ]
    assert {n.section for n in plan.not_scripted} == {"connector", "global-settings", "metaverse"}


def test_samples_script_snapshot(
    sample_report: Report, snapshot: SnapshotAssertion, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ps, "__version__", "0.0.0")
    assert ps.render_script(scriptplan.plan_script(sample_report)) == snapshot


def test_samples_script_header_safety_and_warnings(sample_report: Report) -> None:
    script = ps.render_script(scriptplan.plan_script(sample_report))
    root = psast.parse(script)
    assert psast.errors(root) == []
    lines = script.splitlines()
    code = [line for line in lines if line and not line.startswith("#")]
    assert code[:3] == [
        "param([switch]$WhatIf)",
        "$ErrorActionPreference = 'Stop'",
        "$expectedServer = 'FAB-SYNC02'",
    ]
    for needed in ("FAB-SYNC01", "FAB-SYNC02", "2024-11-18 08:42:17.530", "driftcheck "):
        assert any(needed in line for line in lines if line.startswith("#"))
    assert "Get-Module -ListAvailable -Name ADSync" in script
    assert "if ($thisServer -ne $expectedServer -and" in script
    assert "Write-Warning 'Not scripted: sync rule ''In from AAD - User Exchange Hybrid''" in script
    assert "Start-ADSyncSyncCycle -PolicyType Initial" in script
    assert "pending exports" in script
    calls = psast.command_names(root)
    # nothing changes the server before every rule and connector was found
    first_change = min(calls.index(n) for n in ("Remove-ADSyncRule", "Add-ADSyncRule"))
    assert "Find-TargetRule" not in calls[first_change:]
    assert set(calls) >= {"Get-ADSyncConnector", "Get-ADSyncRule", "New-ADSyncRule"}


def test_identical_servers_script_changes_nothing(tmp_path: Path) -> None:
    report = compare_exports(SAMPLES / "primary", SAMPLES / "primary")
    for target in ("staging", "primary"):
        plan = scriptplan.plan_script(report, target)
        assert plan.changes_nothing and plan.fixes == ()
        script = ps.render_script(plan)
        root = psast.parse(script)
        assert psast.errors(root) == []
        calls = set(psast.command_names(root))
        assert not calls & {"New-ADSyncRule", "Add-ADSyncRule", "Remove-ADSyncRule"}
        assert "this script changes nothing" in script
        assert "Nothing to change: the sync rules already match" in script


def test_rules_on_a_connector_missing_from_the_target_are_warned_about(
    sample_report: Report,
) -> None:
    connectors = tuple(
        replace(e, staging=None) if e.name == "fabrikam.com" else e
        for e in sample_report.objects["connector"]
    )
    report = replace(sample_report, objects={**sample_report.objects, "connector": connectors})
    plan = scriptplan.plan_script(report)
    assert all(c.connector != "fabrikam.com" for c in plan.changes if c.action == "add")
    assert any("not on the staging server" in w.why for w in plan.warnings)


def test_name_map_names_the_staging_connectors_as_staging_spells_them(
    sample_report: Report,
) -> None:
    report = replace(sample_report, policy=PolicyInfo(None, {"fabrikam-dev.com": "fabrikam.com"}))
    plan = scriptplan.plan_script(report)
    assert {c.connector for c in plan.changes} >= {"fabrikam-dev.com", "emea.fabrikam-dev.com"}
    assert "$connectorIds['fabrikam-dev.com'] = Get-TargetConnectorId" in ps.render_script(plan)
    reverse = scriptplan.plan_script(report, "primary")
    assert "fabrikam-dev.com" not in ps.render_script(reverse).split("param(")[1]


def test_reports_without_definitions_or_objects_are_refused(sample_report: Report) -> None:
    with pytest.raises(InputError, match="no configuration objects"):
        scriptplan.plan_script(replace(sample_report, objects={}))
    saved = sample_report.to_json()
    for entry in saved["objects"]["sync-rule"]:
        entry.pop("definition", None)
    with pytest.raises(InputError, match="older driftcheck"):
        scriptplan.plan_script(Report.from_json(saved))
    ambiguous = replace(
        sample_report, policy=PolicyInfo(None, {"a.com": "x.com", "b.com": "X.com"})
    )
    with pytest.raises(InputError, match="several staging names"):
        scriptplan.plan_script(ambiguous)
    with pytest.raises(InputError, match="staging or primary"):
        scriptplan.plan_script(sample_report, "both")


# --- command line and files ------------------------------------------------------------------


def test_compare_writes_the_script_bom_crlf_and_links_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    script, html, report_json = tmp_path / "fix.ps1", out / "r.html", out / "r.json"
    code = main(
        [
            "compare",
            str(SAMPLES / "primary"),
            str(SAMPLES / "staging"),
            "--script",
            str(script),
            "--html",
            str(html),
            "--json",
            str(report_json),
        ]
    )
    assert code == 1
    stdout = capsys.readouterr().out
    assert f"Migration script written: {script}" in stdout and "FAB-SYNC02" in stdout
    data = script.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    page = html.read_text()
    assert '<a href="../fix.ps1" class="path">' in page
    assert "Differences it fixes (11)" in page
    saved = json.loads(report_json.read_text())
    assert saved["script"]["target"] == "staging" and len(saved["script"]["fixes"]) == 11

    again = tmp_path / "again.ps1"
    assert main(["script", str(report_json), str(again)]) == 0
    assert again.read_bytes() == data
    reverse = tmp_path / "reverse.ps1"
    assert main(["script", str(report_json), str(reverse), "--script-target", "primary"]) == 0
    assert "$expectedServer = 'FAB-SYNC01'" in reverse.read_text(encoding="utf-8-sig")


def test_script_command_bad_report_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "r.json"
    bad.write_text("{}")
    target = tmp_path / "fix.ps1"
    target.write_text("earlier")
    assert main(["script", str(bad), str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r.json" in err
    assert target.read_text() == "earlier"


def test_html_link_cannot_carry_a_scheme(sample_report: Report) -> None:
    plan = scriptplan.plan_script(sample_report)
    record = ps.script_record(plan, Path("x.ps1"), "javascript:alert(1)")
    page = render_html(replace(sample_report, script=record))
    assert 'href="javascript%3Aalert%281%29"' in page
    assert "javascript:alert" not in page


def test_definitions_and_script_record_survive_the_json_report(sample_report: Report) -> None:
    record = ps.script_record(scriptplan.plan_script(sample_report), Path("fix.ps1"), "../fix.ps1")
    report = replace(sample_report, script=record)
    loaded = Report.from_json(json.loads(to_json(report)))
    assert loaded.script == record
    rules = loaded.objects["sync-rule"]
    assert [e.rule for e in rules] == [e.rule for e in report.objects["sync-rule"]]
    assert sum(1 for e in rules if e.rule and e.rule.definition_primary) == 7
    assert ps.render_script(scriptplan.plan_script(loaded)) == ps.render_script(
        scriptplan.plan_script(report)
    )
