"""Fingerprints, the JUnit writer and the trend chart, on hand-made reports."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from lxml import etree

from driftcheck.fingerprint import from_check, from_difference, tracked_items
from driftcheck.junit import junit_xml, xml_text
from driftcheck.trend import TrendPoint, trend_svg

DATA = Path(__file__).parent / "data"


def difference(**changes: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "section": "sync-rule",
        "object": "In from AD - User Join",
        "connector": "fabrikam.com",
        "path": "join-groups",
        "change": "modified",
        "primary": "objectGUID -> sourceAnchor",
        "staging": "mS-DS-ConsistencyGuid -> sourceAnchor",
        "severity": "blocking",
        "rule": "default",
    }
    d.update(changes)
    return d


def test_fingerprint_ignores_case_times_guids_severity_and_order() -> None:
    base = from_difference(difference()).fingerprint
    same = [
        difference(object="IN FROM AD - USER JOIN", connector=" Fabrikam.com"),
        difference(severity="info", rule="other"),
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
        difference(change="added"),
        difference(connector="emea.fabrikam.com"),
        difference(section="connector"),
    ]
    prints = {from_difference(d).fingerprint for d in others}
    assert len(prints) == len(others) and base not in prints


def test_secret_values_are_masked_before_tracking() -> None:
    tracked = from_difference(difference(path="connectivity/password", staging="hunter2"))
    assert tracked.staging == "(masked)"


def test_checks_are_tracked_generically_and_passing_ones_skipped() -> None:
    checks = [
        {
            "id": "R03",
            "title": "roles",
            "status": "fail",
            "severity": "blocking",
            "detail": "two active",
        },
        {"id": "R04", "status": "pass", "severity": "blocking"},
    ]
    items = tracked_items([difference()], checks)
    assert [(t.kind, t.object, t.severity) for t in items] == [
        ("difference", "In from AD - User Join", "blocking"),
        ("check", "R03", "blocking"),
    ]
    assert from_check(checks[1]) is None


def report(differences: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "primary": {"server": "SYNC<01>"},
        "staging": {"server": "SYNC&02"},
        "summary": {"fail_on": "warning"},
        "differences": differences,
        "objects": {
            "sync-rule": [
                {"name": "In from AD - User Join", "connector": "fabrikam.com"},
                {"name": "In from AD - User Common", "connector": "fabrikam.com"},
            ]
        },
        **extra,
    }


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
    assert 'a\\x01b\\x1fc <tag> & "q"' in failure.text
    assert root.get("name") == "driftcheck: SYNC<01> vs SYNC&02"
    assert xml_text("ok\ttab\nline") == "ok\ttab\nline"


def test_junit_one_failure_per_object_listing_every_difference() -> None:
    second = difference(path="scoping-groups", staging="x", severity="warning")
    info = difference(path="description", severity="info")
    root = valid(junit_xml(report([difference(), second, info])))
    case = root.find(".//testcase[@name='In from AD - User Join [fabrikam.com]']")
    assert case is not None
    (failure,) = case.findall("failure")
    assert failure.get("message").startswith("2 differences, worst blocking")
    assert "join-groups" in failure.text and "scoping-groups" in failure.text
    assert "description" in case.findtext("system-out")
    passing = root.find(".//testcase[@name='In from AD - User Common [fabrikam.com]']")
    assert passing is not None and len(passing) == 0


def test_junit_readiness_checks_are_testcases() -> None:
    checks = [
        {
            "id": "R03",
            "title": "One active server",
            "status": "fail",
            "severity": "blocking",
            "detail": "both active",
        },
        {"id": "R12", "title": "PHS", "status": "fail", "severity": "info", "detail": "off"},
        {"id": "R13", "title": "Scheduler", "status": "pass", "severity": "warning"},
        {"id": "R20", "title": "TLS 1.2", "status": "not-evaluable", "severity": "warning"},
    ]
    root = valid(junit_xml(report([], checks=checks)))
    suite = root.find("testsuite[@name='Readiness checks']")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    assert suite.find("testcase[@name='R03: One active server']/failure").get("type") == "blocking"


def test_junit_fail_on_blocking_keeps_warnings_as_output() -> None:
    data = report([difference(severity="warning")])
    data["summary"]["fail_on"] = "blocking"
    root = valid(junit_xml(data))
    assert root.get("failures") == "0"
    assert root.find(".//system-out") is not None


def test_trend_chart_is_accessible_and_escaped() -> None:
    points = [TrendPoint("2026-11-01", 3, 5, 1), TrendPoint("<b>2026-11-02</b>", 1, 7, 0)]
    svg = str(trend_svg(points, title="A & B", ident="p<1>"))
    root = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert root.find("s:title", ns).text == "A & B"
    desc = root.find("s:desc", ns).text
    assert "2 runs" in desc and "Latest: 1 blocking, 7 warning, 0 info" in desc
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<b>2026-11-02</b>" in labels and "warning 7" in labels
    assert len(root.findall(".//s:polyline", ns)) == 3


def test_trend_chart_without_runs_and_with_one() -> None:
    empty = etree.fromstring(str(trend_svg([])).encode())
    assert "No run recorded yet" in "".join(empty.itertext())
    one = etree.fromstring(str(trend_svg([TrendPoint("2026-11-01", 0, 0, 0)])).encode())
    assert len(one.findall(".//{http://www.w3.org/2000/svg}circle")) == 3


def test_annotating_does_not_change_the_report_it_was_given(tmp_path: Path) -> None:
    from driftcheck.history_report import track

    data = report([difference()])
    data["summary"] = {"fail_on": "warning", "verdict": "drift", "by_severity": {"blocking": 1}}
    original = copy.deepcopy(data)
    annotated, result = track(data, tmp_path / "h.sqlite")
    assert data == original
    assert annotated["differences"][0]["history"]["status"] == "new"
    assert result.pair == "sync<01>|sync&02"
