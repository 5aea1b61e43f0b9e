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

from driftcheck.compare.masking import MASKED, mask_secrets
from driftcheck.model.vocab import CONFIG_SECTIONS, ChangeKind, Section, Severity
from driftcheck.pipeline.compare import compare_exports
from driftcheck.render import html as rh
from driftcheck.render.html import cells, rows, viewmodel
from driftcheck.render.text import render_text
from driftcheck.report import findings
from driftcheck.report.jsonfile import to_json
from driftcheck.report.types import Finding, Report
from tests.conftest import SAMPLES, write_minimal_export

#: readiness checks judge support status on this day (the snapshots must not age)
AS_OF = date(2026, 12, 2)


class HTMLSnapshot(SingleFileSnapshotExtension):
    file_extension = "html"
    _write_mode = WriteMode.TEXT


class JSONSnapshot(SingleFileSnapshotExtension):
    file_extension = "json"
    _write_mode = WriteMode.TEXT


def _has_dict(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_has_dict(v) for v in value)


def compact_json(value: Any, indent: str = "") -> str:
    """JSON with one line per innermost object (a row, a link): small, readable diffs."""
    inner = indent + " "
    if isinstance(value, dict) and any(_has_dict(v) for v in value.values()):
        items = [f"{inner}{json.dumps(k)}: {compact_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and _has_dict(value):
        items = [inner + compact_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False, default=str)


def main_content(html: str) -> str:
    """The page's ``<main>``: what the view model puts on the page, without style and script."""
    return html[html.index("<main>") : html.index("</main>") + len("</main>")] + "\n"


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


def test_samples_view_model_snapshot(sample_report: Report, snapshot: SnapshotAssertion) -> None:
    """Everything the template is given, as JSON: changes here are changes of content."""
    data = dataclasses.asdict(viewmodel.view(stable(sample_report)))
    assert compact_json(data) + "\n" == snapshot(extension_class=JSONSnapshot)


def test_samples_main_content_snapshot(sample_html: str, snapshot: SnapshotAssertion) -> None:
    """The samples page's main content; a style or script change does not touch it."""
    assert main_content(sample_html) == snapshot(extension_class=HTMLSnapshot)


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
    markup = re.sub(r"<(script|style)>.*?</\1>", "", sample_html, flags=re.DOTALL)
    assert not re.search(r"<[^>]*(https?:|//)[^>]*>", markup), "URLs only as text"
    for name in ("report.css", "report.js"):
        assert rh.asset(name) in sample_html, f"{name} is written inline"
        assert "http" not in rh.asset(name)


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
    listed = findings.for_reading(sample_report.differences).findings
    assert sum(rules.counts[level] for level in Severity) == sum(
        1 for d in listed if d.section == Section.SYNC_RULE
    ), "differences counted as the differences table lists them"


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
    assert "".join(t for tag, t in inline if tag not in ("del", "to")) == new


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
    marked = [(tag, t) for tag, t in inline if tag in ("del", "ins")]
    assert [tag for tag, _ in marked] == ["del", "ins"]
    assert sum(len(t) for _, t in marked) < 40, "only the changed token is marked"


def test_token_diff_of_huge_texts_differing_at_both_ends_is_one_replacement() -> None:
    old = _huge_expression()
    new = "Z" + old[1:-1] + "Q"
    _, right, inline = cells.token_diff(old, new)
    assert [tag for tag, _ in inline] == ["del", "to", "ins"]
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
    groups = viewmodel.view(report).differences
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
    v = viewmodel.view(report)
    pilot = [g for g in v.differences if g.section == "policy"]
    assert [g.objects[0].label for g in pilot] == ["pilot"]
    assert pilot[0].section_title == "Policy file"
    html = rh.render_html(report)
    assert "pilot" in html and "2026-01-01" in html


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


# --- diffs that cannot be misread ---------------------------------------------------------------


def _finding(**fields: Any) -> Finding:
    base: dict[str, Any] = {
        "section": "sync-rule",
        "object": "In from AD - User Contractor Filter",
        "connector": "fabrikam.com",
        "path": "scoping-groups",
        "change": "modified",
        "primary": None,
        "staging": None,
        "severity": "blocking",
        "rule": "sync-rule",
    }
    base.update(fields)
    base["change"] = ChangeKind(base["change"])
    base["severity"] = Severity(base["severity"])
    return Finding(**base)


def test_a_modified_value_has_an_arrow_between_old_and_new() -> None:
    cell = viewmodel.change_cell(
        _finding(
            path="precedence/order",
            primary="rank 3 of 20 (precedence 60)",
            staging="rank 4 of 20 (precedence 66)",
        )
    )
    html = str(rh.cell_html(cell))
    assert '<del>3</del><span class="to"> → </span><ins>4</ins>' in html
    assert '<del>60</del><span class="to"> → </span><ins>66</ins>' in html


def test_short_values_numbers_and_guids_change_as_a_whole() -> None:
    short = viewmodel.change_cell(_finding(path="x", primary="500", staging="1000"))
    assert short == [("del", "500"), ("to", " → "), ("ins", "1000")]
    old, new = "{7e5bd4c3-11aa-4f07-9d1c-2b1f0c9a0e11}", "{7e5bd4c3-11aa-4f07-9d1c-2b1f0c9a0e12}"
    guid = viewmodel.change_cell(_finding(path="id", primary=old, staging=new))
    assert ("del", old.strip("{}")) in guid and ("ins", new.strip("{}")) in guid
    version = cells.token_diff("version 2.4.18.0 here", "version 2.4.27.0 here")[2]
    assert ("del", "2.4.18.0") in version and ("ins", "2.4.27.0") in version
    words = cells.token_diff("[extensionAttribute4]", "[extensionAttribute5]")[2]
    assert ("del", "extensionAttribute4") in words


def test_added_is_underlined_and_removed_struck_through_not_colour_only() -> None:
    css = rh.asset("report.css")
    ins = re.search(r"(?m)^ins \{([^}]*)\}", css)
    dele = re.search(r"(?m)^del \{([^}]*)\}", css)
    assert ins and "text-decoration: underline" in ins.group(1)
    assert dele and "line-through" in dele.group(1)
    assert str(rh.cell_html([("ins", "<b>")])) == "<ins>&lt;b&gt;</ins>"
    with pytest.raises(ValueError):
        rh.cell_html([("script", "x")])


def test_a_scoping_group_changed_in_one_condition_is_one_modified_entry() -> None:
    old = "employeeType EQUAL 'Contractor' AND extensionAttribute10 NOTEQUAL 'CloudAccess'"
    new = "employeeType EQUAL 'Contractors' AND extensionAttribute10 NOTEQUAL 'CloudAccess'"
    other = "department EQUAL 'Sales'"
    reading = findings.for_reading(
        [
            _finding(change="removed", primary=old),
            _finding(change="added", staging=other),
            _finding(change="added", staging=new),
        ]
    )
    assert reading.folded == 1
    merged, added = reading.findings
    assert merged.change == "modified" and (merged.primary, merged.staging) == (old, new)
    assert added.staging == other
    cell = viewmodel.change_cell(merged)
    assert [t for tag, t in cell if tag in ("del", "ins")] == ["Contractor", "Contractors"]


def test_groups_differing_in_more_than_one_condition_stay_apart() -> None:
    reading = findings.for_reading(
        [
            _finding(change="removed", primary="a EQUAL '1' AND b EQUAL '2'"),
            _finding(change="added", staging="a EQUAL '3' AND b EQUAL '4'"),
        ]
    )
    assert reading.folded == 0 and len(reading.findings) == 2


def test_a_flows_inputs_fold_into_its_expression_change(sample_report: Report) -> None:
    reading = findings.for_reading(sample_report.differences)
    paths = [d.path for d in reading.findings if d.object == "In from AD - User Department Fixup"]
    assert paths == ["attribute-flows/department/expression"]
    assert any(d.path.endswith("/inputs") for d in sample_report.differences), "JSON keeps them"
    text = render_text(sample_report)
    assert "attribute-flows/department/inputs" not in text
    assert "related entries shown with the change that explains them" in text
    v = viewmodel.view(sample_report)
    assert sum(s.count for s in v.severities) == len(v.differences) == len(reading.findings)
    assert "3 related entries" in v.folded


def test_inputs_without_an_expression_change_are_kept() -> None:
    inputs = _finding(path="attribute-flows/mail/inputs", change="added", staging="mail")
    assert findings.for_reading([inputs]).findings == (inputs,)


# --- words -----------------------------------------------------------------------------------


def test_summary_says_which_columns_count_objects_and_which_differences(
    sample_report: Report, sample_html: str
) -> None:
    v = viewmodel.view(sample_report)
    assert v.summary_units == [("objects", 6), ("differences", 3)]
    assert [c.label for c in v.summary_columns][:2] == ["On primary", "On staging"]
    assert 'colspan="6" class="unit">objects' in sample_html
    assert all(len(r.cells) == len(v.summary_columns) for r in v.summary_rows)
    assert all(r.changed for r in v.summary_rows if r.depth)
    assert v.summary_unchanged and not any(r.changed for r in v.summary_unchanged)


def test_words_paths_plurals_and_arrows(sample_report: Report, sample_html: str) -> None:
    v = viewmodel.view(sample_report)
    paths = {g.path for g in v.differences if g.section == Section.GLOBAL_SETTINGS}
    assert "value" not in paths
    assert "GlobalSettings/Microsoft.OptionalFeature.ExportDeletionThresholdValue" in paths
    assert not re.search(r"\b1 flows", sample_html)
    assert re.search(r"\b1 flow\b", sample_html)
    summaries = [o.summary for s in v.sections for g in s.rule_groups for o in g.objects]
    assert summaries and not any("→" in s for s in summaries), "→ means changed to only"
    for s in v.severities:
        assert s.meaning and s.level in sample_html


def test_equal_values_are_shown_in_both_columns(sample_html: str) -> None:
    laid_out = rows.tree_rows({"a": "same"}, {"a": "same"}, rows.NO_MARKS)
    assert [(r.state, r.primary) for r in laid_out] == [("same", [("", "same")])]
    assert re.search(r"<tr><th>link-type<td>(\w+)<td>\1\n", sample_html), "open objects"
    # objects that start closed keep the value once; report.js writes it in both columns
    assert "<th>link-type<td colspan=2 class=eq2>Join" in sample_html
    assert "td.eq2" in rh.asset("report.js")


def test_the_same_server_twice_is_said_prominently(sample_report: Report) -> None:
    twice = dataclasses.replace(sample_report, staging=sample_report.primary)
    html = rh.render_html(twice)
    assert 'id="same-server"' in html and "compares an export with itself" in html
    later = dataclasses.replace(
        sample_report,
        staging=dataclasses.replace(sample_report.primary, export_date="2025-01-01 00:00:00"),
    )
    assert "over time" in viewmodel.view(later).same_server
    assert viewmodel.view(sample_report).same_server == ""


# --- large pages: closed objects as text until opened ---------------------------------------


def test_closed_objects_keep_their_table_as_text_that_cannot_break_out(
    sample_report: Report,
) -> None:
    data = edited(sample_report)
    rule = next(o for o in data["objects"]["sync-rule"] if o["state"] == "unchanged")
    evil = "</noscript><script>window.__xss=1</script><!-- </script> <template>"
    rule["primary"]["description"] = rule["staging"]["description"] = evil
    html = rh.render_html(Report.from_json(data))
    lazy = re.findall(r'<noscript class="lazy">(.*?)</noscript>', html, flags=re.DOTALL)
    # an object's table, or an ignore rule's source line (and the table of what it hid)
    assert lazy and all(part.endswith(("</table>\n", "</p>\n")) for part in lazy)
    assert any(part.endswith("</table>\n") for part in lazy)
    assert all("<script" not in part and "<!--" not in part for part in lazy)
    assert "&lt;/noscript&gt;&lt;script&gt;window.__xss=1" in html
    assert html.count("<script>") == 1
    with pytest.raises(ValueError):
        rh.lazy_html("<td></noscript>")


def test_objects_that_start_closed_are_built_only_when_opened(sample_html: str) -> None:
    for match in re.finditer(r'<details class="obj"[^>]*>.*?</details>', sample_html, re.DOTALL):
        block = match.group(0)
        is_open = " open" in block[: block.index(">")]
        assert ('<noscript class="lazy">' in block) == (not is_open)
        assert ("<table" in block.split("<noscript")[0]) == is_open


def test_differences_are_sorted_by_severity_then_section(sample_report: Report) -> None:
    order = [s.value for s in CONFIG_SECTIONS]
    keys = [
        (-g.severity.rank, order.index(g.section))
        for g in viewmodel.view(sample_report).differences
    ]
    assert keys == sorted(keys)


def test_a_list_item_edited_in_place_marks_only_what_changed() -> None:
    old = ["employeeType EQUAL 'Contractor' AND extensionAttribute10 NOTEQUAL 'CloudAccess'"]
    new = ["employeeType EQUAL 'Contractors' AND extensionAttribute10 NOTEQUAL 'CloudAccess'"]
    left, right, inline = cells.list_diff(old, new)
    assert [t for tag, t in left if tag == "del"] == ["Contractor"]
    assert [t for tag, t in right if tag == "ins"] == ["Contractors"]
    assert ("to", cells.ARROW) in inline
    # unrelated items stay whole
    left, right, _ = cells.list_diff(["OU=Sales,DC=x"], ["CN=Builtin"])
    assert left == [("del", "OU=Sales,DC=x")] and right == [("ins", "CN=Builtin")]


def test_inputs_more_severe_than_their_expression_change_are_kept() -> None:
    expression = _finding(
        path="attribute-flows/mail/expression",
        primary="Trim([mail])",
        staging="LCase([mail])",
        severity="warning",
    )
    inputs = _finding(path="attribute-flows/mail/inputs", change="added", staging="upn")
    assert findings.for_reading([expression, inputs]).findings == (expression, inputs)
    assert findings.severity_counts([expression, inputs])[Severity.BLOCKING] == 1


def test_text_and_html_views_count_one_change_once(sample_report: Report) -> None:
    line = render_text(sample_report).splitlines()[4]
    counts = findings.severity_counts(sample_report.differences)
    assert line.startswith(f"DRIFT: {counts[Severity.BLOCKING]} blocking")
    assert counts[Severity.BLOCKING] < sample_report.summary.by_severity[Severity.BLOCKING]
    html = rh.render_html(sample_report)
    assert f"{counts[Severity.BLOCKING]} blocking</span>" in html


def test_why_a_row_is_hidden_is_text_not_only_a_tooltip(sample_html: str) -> None:
    ignored = rows.Row("id", 0, "ign", [], [], title="ignored: server-local-ids", why="x")
    assert ignored.hover == "ignored: server-local-ids", "a title that says more is kept"
    ignored = rows.Row(
        "id", 0, "ign", [], [], title="ignored: server-local-ids", why="server-local-ids"
    )
    assert ignored.hover == ""
    assert rows.Row("n", 0, "eq", [], [], title=rows.EQUAL_TITLE).hover == ""
    link = re.search(
        r'<a class="why" href="#(ir-\d+)">≈ ignored: server-local-ids</a>', sample_html
    )
    assert link and f'id="{link.group(1)}"' in sample_html
