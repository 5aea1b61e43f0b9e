"""Fingerprints, the JUnit writer and the trend chart, on hand-made reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

from driftcheck.checks.catalogue import CheckResult
from driftcheck.checks.readiness import ChecksMode, Readiness
from driftcheck.history.fingerprint import from_check, from_difference, tracked_items
from driftcheck.history.store import open_history
from driftcheck.history.tracking import check_states, track
from driftcheck.history.trend import TrendPoint, trend_svg
from driftcheck.model.vocab import ChangeKind, Severity
from driftcheck.render.junit import junit_xml, xml_text
from driftcheck.report.types import Finding, ObjectEntry, PolicyInfo, Report, ServerInfo, Summary
from tests import xmlkit

DATA = Path(__file__).parents[1] / "data"


def difference(**changes: Any) -> Finding:
    fields: dict[str, Any] = {
        "section": "sync-rule",
        "object": "In from AD - User Join",
        "connector": "fabrikam.com",
        "path": "join-groups",
        "change": ChangeKind.MODIFIED,
        "primary": "objectGUID -> sourceAnchor",
        "staging": "mS-DS-ConsistencyGuid -> sourceAnchor",
        "severity": Severity.BLOCKING,
        "rule": "default",
    }
    fields.update(changes)
    return Finding(**fields)


def report(
    differences: list[Finding],
    *,
    checks: list[dict[str, Any]] | None = None,
    fail_on: Severity = Severity.WARNING,
) -> Report:
    by_severity = {level: sum(1 for d in differences if d.severity == level) for level in Severity}
    failing = sum(1 for d in differences if d.severity.at_least(fail_on))
    readiness = None
    if checks is not None:
        results = tuple(CheckResult.from_json(c) for c in checks)
        readiness = Readiness(ChecksMode.REPORT, date(2026, 11, 1), results)
    return Report(
        primary=ServerInfo("p", "SYNC<01>", "2026-11-01", "2.4.18.0"),
        staging=ServerInfo("s", "SYNC&02", "2026-11-01", "2.4.18.0"),
        policy=PolicyInfo(),
        summary=Summary(
            verdict="drift" if failing else "consistent",
            fail_on=fail_on,
            differences=len(differences),
            failing=failing,
            suppressed=0,
            by_severity=by_severity,
            by_section={},
            objects={},
        ),
        differences=tuple(differences),
        suppressed=(),
        ignore_rules=(),
        warnings=(),
        objects={
            "sync-rule": tuple(
                ObjectEntry(name, "fabrikam.com", "modified", None, None, {}, {})
                for name in ("In from AD - User Join", "In from AD - User Common")
            )
        },
        checks=readiness,
    )


def test_fingerprint_ignores_case_times_guids_severity_and_order() -> None:
    base = from_difference(difference()).fingerprint
    same = [
        difference(object="IN FROM AD - USER JOIN", connector=" Fabrikam.com"),
        difference(severity=Severity.INFO, rule="other"),
    ]
    assert {from_difference(d).fingerprint for d in same} == {base}
    stamped = difference(
        primary="ran 2026-11-01T02:00:00Z on {11111111-2222-3333-4444-555555555555}"
    )
    restamped = difference(
        primary="ran 2026-11-02 03:00:01 on {99999999-2222-3333-4444-555555555555}"
    )
    assert from_difference(stamped).fingerprint == from_difference(restamped).fingerprint


def test_fingerprint_tells_different_drift_apart() -> None:
    base = from_difference(difference()).fingerprint
    others = [
        difference(staging="employeeID -> sourceAnchor"),
        difference(path="scoping-groups"),
        difference(change=ChangeKind.ADDED),
        difference(connector="emea.fabrikam.com"),
        difference(section="connector"),
    ]
    prints = {from_difference(d).fingerprint for d in others}
    assert len(prints) == len(others) and base not in prints


def test_secrets_in_check_evidence_are_masked_before_tracking() -> None:
    tracked = from_check(check(evidence={"Connector.ClientSecret": "hunter2"}))
    assert tracked is not None and tracked.primary == {"Connector.ClientSecret": "(masked)"}


def check(**changes: Any) -> dict[str, Any]:
    """A check result in the readiness report's shape."""
    c: dict[str, Any] = {
        "id": "roles",
        "title": "One active server",
        "status": "fail",
        "severity": "blocking",
        "servers": ["FAB-SYNC01", "FAB-SYNC02"],
        "message": "Both servers are active (checked 2026-11-01 02:00).",
        "evidence": {"FAB-SYNC01": "False", "FAB-SYNC02": "False"},
        "source": "Microsoft Learn",
    }
    c.update(changes)
    return c


def test_checks_are_tracked_generically_and_passing_ones_skipped() -> None:
    checks = [check(), check(id="delete-threshold", status="pass"), check(status="not-evaluable")]
    items = tracked_items([difference()], checks)
    assert [(t.kind, t.object, t.connector, t.severity) for t in items] == [
        ("difference", "In from AD - User Join", "fabrikam.com", "blocking"),
        ("check", "roles", "FAB-SYNC01,FAB-SYNC02", "blocking"),
    ]
    reworded = from_check(check(message="Both are active, said differently."))
    assert reworded is not None and reworded.fingerprint == items[1].fingerprint
    changed = from_check(check(evidence={"FAB-SYNC01": "False", "FAB-SYNC02": "True"}))
    assert changed is not None and changed.fingerprint != items[1].fingerprint


def valid(xml: str) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(DATA / "junit-jenkins.xsd")))
    root = etree.fromstring(xml.encode("utf-8"))
    schema.assertValid(root)
    return root


def test_junit_escapes_markup_and_control_characters() -> None:
    nasty = 'a\x01b\x1fc <tag> & "q" \ud800 \ufffe'
    root = valid(junit_xml(report([difference(staging=nasty)])))
    failure = root.find(".//testcase[@name='In from AD - User Join [fabrikam.com]']/failure")
    assert failure is not None
    assert 'a\\x01b\\x1fc <tag> & "q"' in xmlkit.text(failure)
    assert root.get("name") == "driftcheck: SYNC<01> vs SYNC&02"
    assert xml_text("ok\ttab\nline") == "ok\ttab\nline"


def test_junit_one_failure_per_object_listing_every_difference() -> None:
    second = difference(path="scoping-groups", staging="x", severity=Severity.WARNING)
    info = difference(path="description", severity=Severity.INFO)
    root = valid(junit_xml(report([difference(), second, info])))
    case = root.find(".//testcase[@name='In from AD - User Join [fabrikam.com]']")
    assert case is not None
    (failure,) = case.findall("failure")
    assert xmlkit.attribute(failure, "message").startswith("2 differences, worst blocking")
    assert "join-groups" in xmlkit.text(failure) and "scoping-groups" in xmlkit.text(failure)
    assert "description" in xmlkit.child_text(case, "system-out")
    passing = root.find(".//testcase[@name='In from AD - User Common [fabrikam.com]']")
    assert passing is not None and len(passing) == 0


def test_junit_readiness_checks_are_testcases() -> None:
    checks = [
        check(),
        check(id="phs", title="PHS", severity="info", servers=["FAB-SYNC01"]),
        check(id="scheduler", title="Scheduler", status="pass"),
        check(id="tls", title="TLS 1.2", status="not-evaluable", servers=[]),
    ]
    root = valid(junit_xml(report([], checks=checks)))
    suite = root.find("testsuite[@name='Readiness checks']")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    failed = suite.find("testcase[@name='roles: One active server (FAB-SYNC01, FAB-SYNC02)']")
    assert failed is not None
    failure = xmlkit.element(failed, "failure")
    assert failure.get("type") == "blocking"
    assert "Both servers are active" in xmlkit.attribute(failure, "message")
    assert suite.find("testcase[@name='tls: TLS 1.2']/skipped") is not None


def test_junit_fail_on_blocking_keeps_warnings_as_output() -> None:
    root = valid(
        junit_xml(report([difference(severity=Severity.WARNING)], fail_on=Severity.BLOCKING))
    )
    assert root.get("failures") == "0"
    assert root.find(".//system-out") is not None


def test_trend_chart_is_accessible_and_escaped() -> None:
    points = [TrendPoint("2026-11-01", 3, 5, 1), TrendPoint("<b>2026-11-02</b>", 1, 7, 0)]
    svg = str(trend_svg(points, title="A & B", ident="p<1>"))
    root = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert xmlkit.element(root, "s:title", ns).text == "A & B"
    desc = xmlkit.text(xmlkit.element(root, "s:desc", ns))
    assert "2 runs" in desc and "Latest: 1 blocking, 7 warning, 0 info" in desc
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<b>2026-11-02</b>" in labels and "warning 7" in labels
    assert len(root.findall(".//s:polyline", ns)) == 3


def test_trend_chart_without_runs_and_with_one() -> None:
    empty = etree.fromstring(str(trend_svg([])).encode())
    assert "No run recorded yet" in xmlkit.all_text(empty)
    one = etree.fromstring(str(trend_svg([TrendPoint("2026-11-01", 0, 0, 0)])).encode())
    assert len(one.findall(".//{http://www.w3.org/2000/svg}circle")) == 3


def test_annotating_returns_a_new_report_whose_json_round_trips(tmp_path: Path) -> None:
    original = report([difference()])
    annotated, result = track(original, tmp_path / "h.sqlite")
    assert original.differences[0].history is None and original.history_run is None
    assert annotated.differences[0].history is not None
    assert annotated.differences[0].history.status == "new"
    assert result.pair == "sync<01>|sync&02"
    data = annotated.to_json()
    assert Report.from_json(json.loads(json.dumps(data))).to_json() == data


def test_failed_readiness_checks_get_a_history_too(tmp_path: Path) -> None:
    data = report([], checks=[check(), check(id="scheduler", status="pass")])
    _, first = track(data, tmp_path / "h.sqlite")
    second_report, second = track(data, tmp_path / "h.sqlite")
    assert [h.status if h else None for h in check_states(data, first)] == ["new", None]
    assert [h.status if h else None for h in check_states(data, second)] == ["open", None]
    assert second.counts() == {"new": 0, "open": 1, "reopened": 0, "resolved": 0}
    assert second_report.history_run is not None
    assert second_report.history_run.counts["open"] == 1
    with open_history(tmp_path / "h.sqlite", read_only=True) as store:
        assert [r.checks_failed for r in store.runs()] == [1, 1]
        assert [f.finding.kind for f in store.open_findings()] == ["check"]


def test_junit_many_reports_in_one_file_keep_their_suites_apart() -> None:
    from driftcheck.render.junit import junit_xml_many

    first = report([difference()])
    second = report([difference(severity=Severity.INFO)])
    root = valid(junit_xml_many([first, second], name="nightly 2026-11-02"))
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names[0] == "SYNC<01> vs SYNC&02: Global settings"
    assert len(names) == 2 * len(set(names))  # each report's suites, same names twice
    assert root.get("name") == "nightly 2026-11-02"
    assert root.get("failures") == "1"  # the info difference fails nothing
