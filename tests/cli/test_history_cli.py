"""End to end over simulated nights: compare --history, --junit, and the history command."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from driftcheck.cli.app import main
from tests import xmlkit
from tests.conftest import SAMPLES

DATA = Path(__file__).parents[1] / "data"
THRESHOLD = "Microsoft.OptionalFeature.ExportDeletionThresholdValue"
SUSPENDED = "Microsoft.Synchronize.SchedulerSuspended"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def staging_night(tmp_path: Path, name: str, day: str, **params: str) -> Path:
    """A copy of samples/staging exported on ``day`` with some global parameters changed."""
    target = tmp_path / name
    shutil.copytree(SAMPLES / "staging", target)
    mv = target / "GlobalSettings" / "MV.xml"
    text = mv.read_text(encoding="utf-8").replace("2024-11-18 09:05:38.118", f"{day} 02:05:00.000")
    for param, value in params.items():
        start = text.index(f'name="{param}"')
        end = text.index("</parameter>", start)
        close = text.index(">", start) + 1
        text = text[:close] + value + text[end:]
    mv.write_text(text, encoding="utf-8")
    return target


Night = Callable[..., dict[str, Any]]


@pytest.fixture
def night(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Night:
    """Run compare --history for one night and return its JSON report (by default without
    readiness checks, whose findings are tracked too: see the test on checks)."""

    def compare(staging: Path, day: str, *extra: str | Path) -> dict[str, Any]:
        out = tmp_path / f"{day}.json"
        code, _, err = run(
            capsys,
            "compare",
            SAMPLES / "primary",
            staging,
            "--history",
            tmp_path / "history.sqlite",
            "--run-time",
            f"{day}T02:00:00",
            "--json",
            out,
            *(extra or ("--checks", "off")),
        )
        assert code == 1, err
        report: dict[str, Any] = json.loads(out.read_text())
        return report

    return compare


def by_object(report: dict[str, Any], obj: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [d for d in report["differences"] if d["object"] == obj]
    return found


def test_four_nights_new_open_resolved_reopened(tmp_path: Path, night: Night) -> None:
    first = night(SAMPLES / "staging", "2026-11-01")
    assert first["history_run"]["first_run"] is True
    assert {d["history"]["status"] for d in first["differences"]} == {"new"}
    assert first["resolved"] == []
    total = len(first["differences"])

    second = night(staging_night(tmp_path, "s2", "2026-11-02", **{SUSPENDED: "True"}), "2026-11-02")
    assert second["history_run"]["counts"] == {
        "new": 1,
        "open": total,
        "reopened": 0,
        "resolved": 0,
    }
    threshold = by_object(second, THRESHOLD)["history"]
    assert threshold == {"status": "open", "first_seen": "2026-11-01T02:00:00Z", "age_days": 1}
    assert by_object(second, SUSPENDED)["history"]["status"] == "new"

    third = night(
        staging_night(tmp_path, "s3", "2026-11-03", **{THRESHOLD: "500", SUSPENDED: "False"}),
        "2026-11-03",
    )
    assert third["history_run"]["counts"]["resolved"] == 2
    resolved = {r["object"]: r for r in third["resolved"]}
    assert set(resolved) == {THRESHOLD, SUSPENDED}
    assert resolved[THRESHOLD]["first_seen"] == "2026-11-01T02:00:00Z"
    assert resolved[SUSPENDED]["first_seen"] == "2026-11-02T02:00:00Z"
    assert {d["history"]["status"] for d in third["differences"]} == {"open"}

    fourth = night(SAMPLES / "staging", "2026-11-04")
    back = by_object(fourth, THRESHOLD)["history"]
    assert back == {"status": "reopened", "first_seen": "2026-11-01T02:00:00Z", "age_days": 3}
    assert fourth["history_run"]["counts"]["reopened"] == 1


def test_text_shows_counts_new_first_and_resolved(
    tmp_path: Path, night: Night, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.sqlite"
    night(SAMPLES / "staging", "2026-11-01")
    s2 = staging_night(tmp_path, "s2", "2026-11-02", **{THRESHOLD: "500", SUSPENDED: "True"})
    code, out, _ = run(
        capsys, "compare", SAMPLES / "primary", s2, "--history", history, "--run-time", "2026-11-02"
    )
    assert code == 1
    assert "1 new, 0 reopened, 24 open, 1 resolved since the previous run" in out
    new_block = out.index("New since the previous run (1 of 1):")
    assert out.index(SUSPENDED, new_block) < out.index("Resolved since the previous run (1):")
    assert f"Global settings: {THRESHOLD} value: modified (first seen 2026-11-01)" in out
    assert out.index("New since the previous run") < out.index("Top differences")


def test_html_marks_new_rows_and_lists_resolved(tmp_path: Path, night: Night) -> None:
    night(SAMPLES / "staging", "2026-11-01")
    html = tmp_path / "r.html"
    s2 = staging_night(tmp_path, "s2", "2026-11-02", **{THRESHOLD: "500", SUSPENDED: "True"})
    night(s2, "2026-11-02", "--html", html)
    page = etree.HTML(html.read_text())
    new_rows = xmlkit.elements(page, "//tr[@class='dr'][@data-new]")
    assert len(new_rows) == 1
    assert SUSPENDED in xmlkit.all_text(new_rows[0])
    assert page.xpath("//input[@id='f-new']")
    resolved = xmlkit.elements(page, "//details[@id='resolved']//tbody/tr")
    assert [THRESHOLD in xmlkit.all_text(r) for r in resolved] == [True]
    assert (
        len(xmlkit.elements(page, "//tr[@class='dr']"))
        == len(xmlkit.elements(page, "//tr[@class='dr'][not(@data-new)]")) + 1
    )


def test_render_rebuilds_the_history_marks_from_json(
    tmp_path: Path, night: Night, capsys: pytest.CaptureFixture[str]
) -> None:
    night(SAMPLES / "staging", "2026-11-01")
    report = night(staging_night(tmp_path, "s2", "2026-11-02", **{SUSPENDED: "True"}), "2026-11-02")
    assert report["history_run"]["run"] == 2
    html = tmp_path / "again.html"
    code, _, err = run(capsys, "render", tmp_path / "2026-11-02.json", "--html", html)
    assert code == 0, err
    assert len(xmlkit.elements(etree.HTML(html.read_text()), "//tr[@data-new]")) == 1


def test_report_without_history_has_no_history_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    run(capsys, "compare", SAMPLES / "primary", SAMPLES / "staging", "--json", out)
    report = json.loads(out.read_text())
    assert "resolved" not in report and "history_run" not in report
    assert all("history" not in d for d in report["differences"])


# --- JUnit ------------------------------------------------------------------------------------


def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "junit-jenkins.xsd")))


def test_junit_is_valid_one_suite_per_section_one_case_per_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report_path = tmp_path / "junit.xml", tmp_path / "r.json"
    code, _out, err = run(
        capsys,
        "compare",
        SAMPLES / "primary",
        SAMPLES / "staging",
        "--junit",
        junit,
        "--json",
        report_path,
    )
    assert code == 1, err
    doc = etree.parse(str(junit))
    junit_schema().assertValid(doc)
    report = json.loads(report_path.read_text())
    suites = doc.getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "Global settings",
        "Metaverse",
        "Connectors",
        "Sync rules",
        "Readiness checks",
    ]
    rules = next(s for s in suites if s.get("name") == "Sync rules")
    assert int(xmlkit.attribute(rules, "tests")) == len(report["objects"]["sync-rule"])
    failing = {
        (d["section"], d["object"])
        for d in report["differences"]
        if d["severity"] in ("warning", "blocking")
    }
    failed_cases = [s.findall("testcase[failure]") for s in suites[:4]]
    assert sum(len(cases) for cases in failed_cases) == len(failing)
    readiness = suites[4]
    results = report["checks"]["results"]
    assert int(xmlkit.attribute(readiness, "tests")) == len(results)
    failed_checks = [
        c for c in results if c["status"] == "fail" and c["severity"] in ("warning", "blocking")
    ]
    assert int(xmlkit.attribute(readiness, "failures")) == len(failed_checks)
    assert int(xmlkit.attribute(doc.getroot(), "failures")) == len(failing) + len(failed_checks)
    case = doc.getroot().find(f".//testcase[@name='{THRESHOLD}']")
    assert case is not None
    failure = xmlkit.element(case, "failure")
    assert failure.get("type") == "blocking"
    assert "primary: 500" in xmlkit.text(failure) and "staging: 1000" in xmlkit.text(failure)
    page_size = xmlkit.element(doc.getroot(), ".//testcase[@name='fabrikam.com']")
    assert "page-size" in xmlkit.child_text(
        page_size, "system-out"
    )  # an info difference: not a failure


def test_junit_unwritable_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "compare",
        SAMPLES / "primary",
        SAMPLES / "staging",
        "--junit",
        tmp_path / "missing" / "junit.xml",
    )
    assert code == 2
    assert "missing/junit.xml" in err and "Traceback" not in err


# --- the history command and bad history files --------------------------------------------------


def test_history_command_text_json_and_html(
    tmp_path: Path, night: Night, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.sqlite"
    night(SAMPLES / "staging", "2026-11-01")
    night(staging_night(tmp_path, "s2", "2026-11-02", **{SUSPENDED: "True"}), "2026-11-02")
    before = history.read_bytes()
    code, out, err = run(capsys, "history", history, "--html", tmp_path / "h.html")
    assert code == 0, err
    assert "FAB-SYNC01 vs FAB-SYNC02 (fab-sync01|fab-sync02): 2 run(s)" in out
    assert "Open findings (26), oldest first:" in out
    code, out, _ = run(capsys, "history", history, "--json", "-")
    doc = json.loads(out)
    assert doc["schema"] == "driftcheck/history/v1"
    (pair,) = doc["pairs"]
    assert [r["findings"]["new"] for r in pair["runs"]] == [25, 1]
    ages = {f["object"]: f["age_days"] for f in pair["open"]}
    assert ages[THRESHOLD] == 1 and ages[SUSPENDED] == 0
    page = etree.HTML((tmp_path / "h.html").read_text())
    svg = xmlkit.elements(page, "//*[local-name()='svg']")
    assert len(svg) == 1 and svg[0].get("role") == "img"
    assert history.read_bytes() == before  # read only


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 not a database", "not an SQLite file"),
        (b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 200, "unreadable history database"),
    ],
)
def test_compare_refuses_a_bad_history_file_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    history = tmp_path / "history.sqlite"
    history.write_bytes(content)
    code, _out, err = run(
        capsys, "compare", SAMPLES / "primary", SAMPLES / "staging", "--history", history
    )
    assert code == 2
    assert err.count("\n") == 1 and str(history) in err and reason in err
    assert history.read_bytes() == content
    code, _, err = run(capsys, "history", history)
    assert code == 2 and reason in err


def test_history_command_on_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "history", tmp_path / "none.sqlite")
    assert code == 2 and "no such file" in err
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda r: r["differences"][0]["history"].update(status="resolved"), "cannot be resolved"),
        (lambda r: r["differences"][0]["history"].update(first_seen="yesterday"), "not a time"),
        (lambda r: r["differences"][0]["history"].update(age_days=-1), "expected a count"),
        (lambda r: r["resolved"].append({"kind": "difference"}), "resolved[0].section: missing"),
        (lambda r: r["history_run"].pop("pair"), "history_run.pair: missing"),
    ],
)
def test_a_damaged_history_in_a_saved_report_is_refused(
    tmp_path: Path,
    night: Night,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    report = night(SAMPLES / "staging", "2026-11-01")
    damage(report)
    saved = tmp_path / "damaged.json"
    saved.write_text(json.dumps(report))
    code, _, err = run(capsys, "render", saved, "--html", tmp_path / "out.html")
    assert code == 2
    assert problem in err and str(saved) in err and err.count("\n") == 1


def test_the_documented_api_exists() -> None:
    """docs/history.md's Python example names only what exists."""
    import importlib
    import re

    text = (Path(__file__).parents[2] / "docs" / "history.md").read_text()
    for module, names in re.findall(r"from (driftcheck[\w.]*) import ([\w, ]+)", text):
        loaded = importlib.import_module(module)
        for name in names.split(","):
            assert hasattr(loaded, name.strip()), f"{module}.{name.strip()}"


def test_failed_readiness_checks_are_tracked_across_nights(tmp_path: Path, night: Night) -> None:
    first = night(SAMPLES / "staging", "2026-11-01", "--checks", "report")
    failed = [c for c in first["checks"]["results"] if c["status"] == "fail"]
    assert failed, "the samples fail some readiness checks"
    counts = first["history_run"]["counts"]
    assert counts["new"] == len(first["differences"]) + len(failed)
    fixed = staging_night(tmp_path, "s2", "2026-11-02", **{THRESHOLD: "500"})
    second = night(fixed, "2026-11-02", "--checks", "report")
    resolved_checks = [r for r in second["resolved"] if r["kind"] == "check"]
    assert [r["object"] for r in resolved_checks] == ["delete-threshold-value"]
    assert resolved_checks[0]["connector"] == "FAB-SYNC02"
    assert second["history_run"]["counts"]["resolved"] == 2  # the difference and the check
