"""`driftcheck check EXPORT`: text, JSON (driftcheck/check/v1), HTML, exit codes and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import html5lib
import pytest

from driftcheck.checks.docs import catalogue_markdown
from driftcheck.cli.app import main
from driftcheck.errors import InputError
from driftcheck.pipeline.check import CheckReport
from tests import exportedit as edit
from tests.conftest import ROOT, SAMPLES

PRIMARY = SAMPLES / "primary"
STAGING = SAMPLES / "staging"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_ready_server_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", PRIMARY, "--as-of", "2024-12-01")
    assert code == 0
    assert out.startswith("driftcheck ") and "readiness of FAB-SYNC01" in out
    assert "READY: 0 blocking, 0 warning, 2 info failed" in out
    assert "INFO     auto-upgrade" in out and "Passed: supported-version" in out
    assert "tls-1.2:" in out


def test_failed_check_at_fail_on_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", PRIMARY, "--as-of", "2024-12-01", "--fail-on", "info")[0] == 1
    code, out, _ = run(capsys, "check", STAGING, "--as-of", "2026-12-02")
    assert code == 1 and "NOT READY" in out and "BLOCKING supported-version" in out
    assert run(capsys, "check", STAGING, "--as-of", "2026-12-02", "--fail-on", "blocking")[0] == 1


def test_json_to_stdout_is_the_check_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", STAGING, "--as-of", "2024-12-01", "--json", "-")
    data = json.loads(out)
    assert code == 0
    assert data["schema"] == "driftcheck/check/v1"
    assert data["server"]["server"] == "FAB-SYNC02"
    assert data["summary"] == {
        "verdict": "ready",
        "fail_on": "warning",
        "failing": 0,
        "counts": {"blocking": 0, "warning": 0, "info": 6, "pass": 6, "not-evaluable": 4},
    }
    entry = next(c for c in data["checks"] if c["id"] == "disabled-default-rules")
    assert set(entry) == {
        "id", "title", "status", "severity", "servers", "message", "evidence", "source",
    }  # fmt: skip
    assert entry["status"] == "fail" and entry["servers"] == ["FAB-SYNC02"]
    assert CheckReport.from_json(data).to_json() == data


def test_json_and_html_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    json_path, html_path = tmp_path / "c.json", tmp_path / "c.html"
    code, out, _ = run(
        capsys, "check", STAGING, "--as-of", "2026-12-02", "--json", json_path, "--html", html_path
    )
    assert code == 1
    assert f"Report written: {json_path}" in out and f"Report written: {html_path}" in out
    assert json.loads(json_path.read_text())["summary"]["verdict"] == "not-ready"
    page = html_path.read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    assert "Not ready" in page and 'data-check="supported-version"' in page
    assert page.index('data-check="supported-version"') < page.index(
        'data-check="delete-threshold"'
    )


def test_export_values_are_escaped(
    capsys: pytest.CaptureFixture[str], sample_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    export = sample_copy("primary")
    hostile = "&lt;script&gt;alert(1)&lt;/script&gt;&#x9b;31m&#x202e;"
    edit.set_parameter(
        export, "Microsoft.OptionalFeature.AutoUpgradeSuspensionReason", "&lt;b&gt;x"
    )
    edit.set_parameter(export, "Microsoft.Synchronize.TimeInterval", hostile)
    html_path = tmp_path / "c.html"
    code, out, _ = run(capsys, "check", export, "--as-of", "2024-12-01", "--html", html_path)
    assert code == 1  # the interval cannot be read: a warning
    page = html_path.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>x" not in page
    assert "\x9b" not in out and "\u202e" not in out
    assert "31m" in out  # the value is shown, its control characters as escapes


def test_bad_input_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", tmp_path / "missing")
    assert code == 2 and out == "" and err.count("\n") == 1 and "no such file" in err
    assert run(capsys, "check", PRIMARY, "--as-of", "2024-13-01")[0] == 2
    assert run(capsys, "check", PRIMARY, "--fail-on", "fatal")[0] == 2


def test_check_report_from_json_refuses_other_documents() -> None:
    with pytest.raises(InputError, match="driftcheck/check/v1"):
        CheckReport.from_json({"schema": "driftcheck/report/v1"}, file="x.json")


def test_readiness_docs_are_generated_from_the_catalogue() -> None:
    text = (ROOT / "docs" / "readiness-checks.md").read_text()
    assert text == catalogue_markdown(), "run: python tools/build_readiness_docs.py"


def test_help_answers_the_admins_question(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and "ready for an upgrade" in out and "--as-of" in out
