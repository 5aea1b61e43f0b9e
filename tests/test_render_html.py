"""The HTML consistency report: snapshots of the samples, and what every report must be.

Snapshots are stable: the export paths and the tool version are replaced with fixed strings
before rendering, and the report holds no timestamp or random id of its own (the export
dates shown are the exports' own).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import re
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import html5lib
import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from driftcheck import render_html as rh
from driftcheck.pipeline import compare_exports
from driftcheck.render_html import cells, rows, viewmodel
from driftcheck.report import MASKED, Report, mask_secrets, to_json
from driftcheck.vocab import Section, Severity
from tests.conftest import SAMPLES, write_minimal_export

#: readiness checks judge support status on this day (the snapshots must not age)
AS_OF = date(2026, 12, 2)


class HTMLSnapshot(SingleFileSnapshotExtension):
    file_extension = "html"
    _write_mode = WriteMode.TEXT


def stable(report: Report) -> Report:
    """The report with what depends on the machine or the release replaced."""
    return dataclasses.replace(
        report,
        primary=dataclasses.replace(report.primary, path="exports/primary"),
        staging=dataclasses.replace(report.staging, path="exports/staging"),
        tool_version="0.0.0",
    )


def edited(report: Report) -> dict[str, Any]:
    """The report as JSON data, to edit as a hand or a newer driftcheck would."""
    return copy.deepcopy(report.to_json())


@pytest.fixture(scope="module")
def sample_report() -> Report:
    return compare_exports(SAMPLES / "primary", SAMPLES / "staging", as_of=AS_OF)


@pytest.fixture(scope="module")
def sample_html(sample_report: Report) -> str:
    return rh.render_html(stable(sample_report))


def report_with(sample_report: Report, **changes: Any) -> Report:
    data = edited(sample_report)
    data.update(changes)
    return Report.from_json(data)


# --- snapshots ---------------------------------------------------------------------------


def test_samples_report_snapshot(sample_html: str, snapshot: SnapshotAssertion) -> None:
    assert sample_html == snapshot(extension_class=HTMLSnapshot)


def test_consistent_report_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    export = write_minimal_export(tmp_path / "a")
    twin = tmp_path / "b"
    shutil.copytree(export, twin)
    html = rh.render_html(stable(compare_exports(export, twin, as_of=AS_OF)))
    assert 'class="banner consistent"' in html
    assert html == snapshot(extension_class=HTMLSnapshot)


def test_render_from_saved_json_is_identical(sample_report: Report, sample_html: str) -> None:
    saved = Report.from_json(json.loads(to_json(stable(sample_report))))
    assert saved == stable(sample_report)
    assert rh.render_html(saved) == sample_html


# --- what every report must be -------------------------------------------------------------


def test_valid_html5_with_unique_ids_and_working_links(sample_html: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(sample_html)  # raises on any parse error
    ids = re.findall(r'\sid="([^"]+)"', sample_html)
    assert len(ids) == len(set(ids)), "ids are unique"
    targets = set(re.findall(r'href="#([^"]+)"', sample_html))
    assert targets <= set(ids), f"links to nowhere: {sorted(targets - set(ids))[:5]}"


def test_self_contained_nothing_from_the_network(sample_html: str) -> None:
    assert sample_html.startswith("<!DOCTYPE html>")
    assert "<link" not in sample_html
    assert "@import" not in sample_html
    assert "url(" not in sample_html
    assert not re.search(r"<(img|iframe|object|embed|video|audio|source)\b", sample_html)
    assert not re.search(r"<script[^>]*\bsrc=", sample_html)
    assert sample_html.count("<script>") == 1, "one inline script, no data blob"
    assert set(re.findall(r'href="(.)', sample_html)) == {"#"}, "links stay in the page"
    assert not re.search(r"<[^>]*(https?:|//)[^>]*>", sample_html), "URLs only as text"


def test_banner_servers_and_version_skew(sample_html: str) -> None:
    assert 'class="banner drift"' in sample_html
    for text in ("FAB-SYNC01", "FAB-SYNC02", "2.4.18.0", "2.4.27.0", "2024-11-18 08:42:17.530"):
        assert text in sample_html
    assert 'class="skew"' in sample_html
    assert "version skew" in sample_html


def test_summary_links_each_connector_and_rule_group(sample_report: Report) -> None:
    v = viewmodel.view(sample_report)
    labels = {row.label: row for row in v.summary_rows}
    for name in ("fabrikam.com", "emea.fabrikam.com", "fabrikam.onmicrosoft.com - AAD"):
        assert labels[name].href.startswith("c")
    assert labels["fabrikam.com · Inbound"].counts["removed"] == 1
    assert labels["emea.fabrikam.com · Inbound"].counts["added"] == 1
    rules = labels["Sync rules"]
    assert sum(rules.counts[level] for level in Severity) == sum(
        1 for d in sample_report.differences if d.section == Section.SYNC_RULE
    )


def test_every_value_is_escaped(sample_report: Report) -> None:
    evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    data = edited(sample_report)
    rule = next(o for o in data["objects"]["sync-rule"] if o["state"] == "modified")
    rule["staging"]["description"] = evil
    rule["name"] = evil
    data["differences"][0]["staging"] = evil
    data["ignore_rules"][0]["reason"] = evil
    data["warnings"] = [evil]
    html = rh.render_html(Report.from_json(data))
    assert "<script>window" not in html
    assert "<img" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert html.count("<script>") == 1


# --- token diff ------------------------------------------------------------------------------


def test_tokenize_keeps_string_literals_whole() -> None:
    tokens = cells.tokenize('IIF(IsPresent([a]), "x  & y\\"z", [b] & "\\\\0ACNF:")')
    assert '"x  & y\\"z"' in tokens
    assert '"\\\\0ACNF:"' in tokens
    assert "IsPresent" in tokens and "a" in tokens
    assert "".join(tokens) == 'IIF(IsPresent([a]), "x  & y\\"z", [b] & "\\\\0ACNF:")'


def test_token_diff_marks_only_the_changed_tokens() -> None:
    old = 'IIF(IsPresent([extensionAttribute4]), "Dept-" & [extensionAttribute4], "x")'
    new = 'IIF(IsPresent([extensionAttribute5]), "Dept-" & [extensionAttribute5], "x")'
    left, right, inline = cells.token_diff(old, new)
    assert [t for tag, t in left if tag == "del"] == ["extensionAttribute4"] * 2
    assert [t for tag, t in right if tag == "ins"] == ["extensionAttribute5"] * 2
    assert "".join(t for tag, t in left) == old
    assert "".join(t for tag, t in right) == new
    assert "".join(t for tag, t in inline if tag != "del") == new


def test_token_diff_changes_a_literal_as_one_token() -> None:
    _, right, _ = cells.token_diff('"Dept-" & [a]', '"Dept -" & [a]')
    assert ("ins", '"Dept -"') in right


def test_token_diff_ignores_whitespace_only_edits() -> None:
    left, right, _ = cells.token_diff("IIF( [a] ,1)", "IIF([a],1)")
    assert all(tag == "" for tag, _ in left + right)


def test_list_diff_marks_removed_and_added_members() -> None:
    left, right, _ = cells.list_diff(["a", "b", "c"], ["a", "c", "d"])
    assert ("del", "b") in left and ("ins", "d") in right
    assert not any(tag for tag, t in left if t in ("a", "c"))


def _huge_expression() -> str:
    """About 55 KB: a thousand clauses, as an estate's generated transformation might be."""
    return " & ".join(f'IIF(IsPresent([attr{i}]), Trim([attr{i}]) & "-x", "")' for i in range(1000))


def test_token_diff_of_huge_texts_matches_start_and_end_directly() -> None:
    old = _huge_expression()
    new = old[:30_000] + "CHANGED" + old[30_000:]
    assert len(old) > 50_000
    assert len(cells.tokenize(old)) * len(cells.tokenize(new)) > cells.MAX_PAIRS
    left, right, inline = cells.token_diff(old, new)
    assert "".join(t for _, t in left) == old and "".join(t for _, t in right) == new
    marked = [(tag, t) for tag, t in inline if tag]
    assert [tag for tag, _ in marked] == ["del", "ins"]
    assert sum(len(t) for _, t in marked) < 40, "only the changed token is marked"


def test_token_diff_of_huge_texts_differing_at_both_ends_is_one_replacement() -> None:
    old = _huge_expression()
    new = "Z" + old[1:-1] + "Q"
    _, right, inline = cells.token_diff(old, new)
    assert [tag for tag, _ in inline] == ["del", "ins"]
    assert "".join(t for _, t in right) == new


def test_bounded_opcodes_are_difflibs_for_small_inputs() -> None:
    a, b = list("the quick brown fox"), list("the quack brown fix")
    expected = difflib.SequenceMatcher(None, a, b, False).get_opcodes()
    assert cells.bounded_opcodes(a, b) == expected


def test_list_diff_of_huge_lists_is_bounded() -> None:
    old = [f"member{n}" for n in range(2000)]
    new = [*old[:1000], "inserted", *old[1000:]]
    _, _, inline = cells.list_diff(old, new)
    assert [t for tag, t in inline if tag] == ["inserted"]


# --- grouping ----------------------------------------------------------------------------------


def _flow_change(forest: int) -> dict[str, Any]:
    return {
        "section": "sync-rule",
        "object": "In from AD - User Common",
        "connector": f"forest{forest:02}.example.com",
        "path": "attribute-flows/department/expression",
        "change": "modified",
        "primary": 'Trim([department]) & "-old"',
        "staging": 'Trim([department]) & "-new"',
        "severity": "blocking",
        "rule": "sync-rule",
    }


def test_the_same_change_in_many_objects_is_one_entry(sample_report: Report) -> None:
    others = [dict(_flow_change(1), staging="something else")]
    report = report_with(
        sample_report, differences=[_flow_change(n) for n in range(1, 17)] + others
    )
    section = next(s for s in viewmodel.view(report).sections if s.id == Section.SYNC_RULE)
    groups = section.groups
    assert [len(g.objects) for g in groups] == [16, 1]
    assert {o.label for o in groups[0].objects} == {
        f"In from AD - User Common [forest{n:02}.example.com]" for n in range(1, 17)
    }
    html = rh.render_html(report)
    assert html.count("16 objects, same change") == 1


def test_suppressed_grouped_by_rule_with_reason(sample_report: Report, sample_html: str) -> None:
    v = viewmodel.view(sample_report)
    by_id = {r.id: r for r in v.ignore_rules}
    ids = by_id["server-local-ids"]
    assert ids.reason.startswith("GUIDs are generated")
    assert sum(g.count for g in ids.groups) == ids.hidden
    assert '<details class="rule"' in sample_html


def test_ignore_rules_with_new_keys_render(sample_report: Report) -> None:
    data = edited(sample_report)
    data["ignore_rules"][0].update(
        {"status": "expired", "expires": "2026-01-01", "ticket": "CHG-1"}
    )
    data["ignore_rules"].append(
        {"id": "bare", "reason": "r", "source": "s", "status": "unused", "hidden": 0}
    )
    html = rh.render_html(Report.from_json(data))
    assert "expires 2026-01-01" in html and "ticket: CHG-1" in html and "bare" in html


def test_old_report_without_objects_still_renders(sample_report: Report) -> None:
    data = edited(sample_report)
    del data["objects"]
    html = rh.render_html(Report.from_json(data))
    assert "only the differences are shown" in html
    assert "attribute-flows/department/expression" in html


def test_unknown_section_in_differences_renders(sample_report: Report) -> None:
    finding = {
        "section": "policy",
        "object": "pilot",
        "connector": None,
        "path": "expires",
        "change": "modified",
        "primary": "2026-01-01",
        "staging": "expired",
        "severity": "warning",
        "rule": "expired-ignore-rule",
    }
    report = report_with(
        sample_report, differences=[*edited(sample_report)["differences"], finding]
    )
    html = rh.render_html(report)
    assert 'id="s-policy"' in html and "pilot" in html


# --- the configuration side by side -------------------------------------------------------


def test_objects_carry_both_configurations(sample_report: Report) -> None:
    objects = sample_report.to_json()["objects"]
    assert set(objects) == {"global-settings", "metaverse", "connector", "sync-rule"}
    rules = {(o["connector"], o["name"]): o for o in objects["sync-rule"]}
    added = rules[("emea.fabrikam.com", "In from AD - Contact Company Default")]
    assert added["state"] == "added" and added["primary"] is None and added["staging"]
    removed = rules[("fabrikam.com", "In from AD - Group Naming Prefix")]
    assert removed["state"] == "removed" and removed["staging"] is None
    fixup = rules[("fabrikam.com", "In from AD - User Department Fixup")]
    assert fixup["state"] == "modified" and not fixup["out_of_box"]
    assert fixup["rank"]["primary"]["rank"] >= 1
    join = rules[("fabrikam.com", "In from AD - User Join")]
    assert join["out_of_box"] and join["immutable_tag"].startswith("Microsoft.")
    assert join["direction"] == "Inbound"


def test_connector_schema_is_counted_not_copied(sample_report: Report) -> None:
    for connector in sample_report.to_json()["objects"]["connector"]:
        schema = connector["primary"]["schema"]
        assert set(schema) == {"object-classes", "attributes"}
        assert all(value.isdigit() for value in schema.values())


def test_secrets_in_a_hand_edited_report_are_masked_on_load(sample_report: Report) -> None:
    data = edited(sample_report)
    connector = data["objects"]["connector"][0]
    tree = mask_secrets({"connectivity": {"password": "hunter2", "ClientSecret": "s3", "x": "1"}})
    assert tree == {"connectivity": {"password": MASKED, "ClientSecret": MASKED, "x": "1"}}
    connector["primary"]["connectivity"]["password"] = "hunter1"
    data["differences"].append(
        {
            **data["differences"][0],
            "section": "connector",
            "path": "connectivity/password",
            "primary": "hunter2",
            "staging": "hunter3",
        }
    )
    html = rh.render_html(Report.from_json(data))
    assert "hunter1" not in html and "hunter2" not in html and "hunter3" not in html


def test_rows_mark_reported_suppressed_and_equal_values() -> None:
    marks = rows.Marks({"a/b": "blocking"}, {"id": "server-local-ids"})
    laid_out = rows.tree_rows(
        {"id": "1", "a": {"b": "x", "c": "same"}, "n": "Name", "gone": "v"},
        {"id": "2", "a": {"b": "y", "c": "same"}, "n": "NAME", "new": "w"},
        marks,
    )
    states = {(r.label, r.depth): (r.state, r.severity) for r in laid_out}
    assert states[("id", 0)] == ("ign", "")
    assert states[("b", 1)] == ("mod", "blocking")
    assert states[("c", 1)] == ("same", "")
    assert states[("n", 0)] == ("eq", "")
    assert states[("gone", 0)][0] == "rem" and states[("new", 0)][0] == "add"


def test_global_settings_grouped_by_feature() -> None:
    assert rows.global_group("Microsoft.OptionalFeature.ExportDeletionThresholdValue") == (
        "Delete threshold"
    )
    assert rows.global_group("Microsoft.UserSignIn.SignOnMethod") == (
        "Sign-in and password hash sync"
    )
    assert rows.global_group("Microsoft.OptionalFeature.GroupWriteBack") == "Writeback"
    assert rows.global_group("Microsoft.AADFilter.ApplicationList") == "Filtering"
    assert rows.global_group("Microsoft.Synchronize.TimeInterval") == "Scheduler"
    assert rows.global_group("Microsoft.DirectoryExtension.SourceTargetAttributesMap") == (
        "Directory extensions"
    )


def test_unchanged_objects_are_collapsed_changed_ones_open(sample_html: str) -> None:
    for match in re.finditer(r'<details class="obj"[^>]*>', sample_html):
        tag = match.group(0)
        assert (" open" in tag) == ('data-st="unchanged"' not in tag), tag


# --- a large estate ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    from exportkit import estate

    out = tmp_path_factory.mktemp("estate")
    estate.write_pair(out, connectors=16, rules_per_connector=37, drift=40, seed=7)
    return compare_exports(out / "primary", out / "staging")


def test_large_estate_stays_lean(large_report: Report) -> None:
    started = time.perf_counter()
    html = rh.render_html(large_report)
    elapsed = time.perf_counter() - started
    rules = len(large_report.objects["sync-rule"])
    assert rules >= 600
    assert len(html.encode()) < 5_000_000, "about 5 kB a rule at most"
    assert elapsed < 10
    assert html.count("<script>") == 1
    assert "data-json" not in html
