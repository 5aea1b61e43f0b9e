"""compare's Readiness section: both servers' checks and the pair's, in every output, and
what they do to the exit code under --checks report|fail|off."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import html5lib
import pytest

from driftcheck.checks.readiness import ChecksMode, Readiness
from driftcheck.cli.app import main
from driftcheck.compare.upgrade import UpgradeMode
from driftcheck.pipeline.compare import compare_exports
from driftcheck.report.build import exit_code
from driftcheck.report.types import Report
from tests import exportedit as edit
from tests.conftest import SAMPLES

PRIMARY, STAGING = SAMPLES / "primary", SAMPLES / "staging"
AS_OF = date(2024, 12, 1)
SampleCopy = Callable[[str], Path]


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def sample_report() -> Report:
    return compare_exports(PRIMARY, STAGING, as_of=AS_OF)


def test_checks_of_both_servers_and_the_pair(sample_report: Report) -> None:
    checks = sample_report.checks
    assert checks is not None and checks.mode is ChecksMode.REPORT and checks.as_of == AS_OF
    ids = [r.id for r in checks.results]
    assert ids[:3] == ["server-roles", "version-skew", "missing-default-rules"]
    assert ids.count("delete-threshold") == 2
    servers = {r.servers for r in checks.results if r.id == "delete-threshold"}
    assert servers == {("FAB-SYNC01",), ("FAB-SYNC02",)}
    assert checks.failing == ()  # report mode: nothing counts but two active servers


def test_json_carries_checks_and_upgrade_and_loads_back(sample_report: Report) -> None:
    data = json.loads(json.dumps(sample_report.to_json()))
    assert data["upgrade"] == {
        "primary_version": "2.4.18.0",
        "staging_version": "2.4.27.0",
        "newer": "staging",
    }
    assert data["checks"]["mode"] == "report" and data["checks"]["as_of"] == "2024-12-01"
    entry = data["checks"]["results"][0]
    assert set(entry) == {
        "id", "title", "status", "severity", "servers", "message", "evidence", "source",
    }  # fmt: skip
    again = Report.from_json(data)
    assert again.checks == sample_report.checks and again.upgrade == sample_report.upgrade
    assert again.to_json() == data


def test_reports_without_checks_still_load(sample_report: Report) -> None:
    data = sample_report.to_json()
    del data["checks"], data["upgrade"]
    old = Report.from_json(data)
    assert old.checks is None and old.upgrade is None
    assert "checks" not in old.to_json()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("checks", [], "checks must be an object"),
        ("checks", {"mode": "loud", "as_of": "2024-12-01", "results": []}, "checks:"),
        ("upgrade", {"newer": "both"}, "upgrade must hold"),
    ],
)
def test_damaged_checks_are_refused(
    sample_report: Report, key: str, value: object, message: str
) -> None:
    from driftcheck.errors import InputError

    data = sample_report.to_json()
    data[key] = value
    with pytest.raises(InputError, match=message):
        Report.from_json(data, file="r.json")


def test_text_verdict_names_the_upgrade_and_readiness_comes_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, "compare", PRIMARY, STAGING, "--today", "2024-12-01")
    assert code == 1
    verdict = next(line for line in out.splitlines() if line.startswith("DRIFT"))
    assert verdict.endswith("— upgrade in progress: staging 2.4.27.0, primary 2.4.18.0")
    assert "Upgrade mode (2.4.18.0 → 2.4.27.0)" in out
    assert out.index("Readiness (--checks report") < out.index("Top differences")
    assert "Info (see --html or --json): version-skew" in out


def test_quiet_verdict_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "compare", PRIMARY, STAGING, "--quiet", "--no-upgrade-mode")
    assert code == 1 and out.count("\n") == 1 and "upgrade in progress" not in out


def test_html_readiness_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html_path = tmp_path / "r.html"
    run(capsys, "compare", PRIMARY, STAGING, "--html", html_path, "--today", "2024-12-01")
    page = html_path.read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    assert page.index('<section id="readiness">') < page.index('<section id="summary">')
    assert "Upgrade in progress: staging 2.4.27.0, primary 2.4.18.0" in page
    assert '<details class="rd-product" id="product-changes">' in page
    assert "Product changes 2.4.18.0 → 2.4.27.0" in page
    # the version (global setting and the AAD connector's assembly version); costCenter is
    # not one: no out-of-box rule uses it, so it stays blocking
    assert page.count("<code>upgrade-") == 2
    assert 'data-check="server-roles"' in page


def test_checks_off(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "compare", PRIMARY, PRIMARY, "--checks", "off", "--json", "-")
    data = json.loads(out)
    assert code == 0 and "checks" not in data and "upgrade" not in data


def test_self_comparison_is_not_a_roles_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "compare", PRIMARY, PRIMARY, "--json", "-")
    data = json.loads(out)
    roles = next(r for r in data["checks"]["results"] if r["id"] == "server-roles")
    assert code == 0 and roles["status"] == "not-evaluable"


def test_two_active_servers_make_compare_exit_1(
    sample_copy: SampleCopy, capsys: pytest.CaptureFixture[str]
) -> None:
    other = sample_copy("primary")
    edit.set_server_name(other, "FAB-SYNC03")  # a second server, staging mode off
    code, out = run(capsys, "compare", PRIMARY, other, "--json", "-")
    data = json.loads(out)
    assert code == 1
    assert data["summary"]["verdict"] == "consistent"
    assert data["checks"]["failing"] == ["server-roles"]
    code, out = run(capsys, "compare", PRIMARY, other, "--quiet")
    assert code == 1 and "not ready: server-roles failed" in out
    assert run(capsys, "compare", PRIMARY, other, "--checks", "off")[0] == 0


def test_both_in_staging_mode_warns_without_failing(
    sample_copy: SampleCopy, capsys: pytest.CaptureFixture[str]
) -> None:
    other = sample_copy("primary")
    edit.set_server_name(other, "FAB-SYNC03")
    edit.set_parameter(other, "Microsoft.Synchronize.StagingMode", "True")
    primary = sample_copy("staging")  # FAB-SYNC02, staging mode on
    report = compare_exports(primary, other, as_of=AS_OF)
    assert report.checks is not None
    roles = next(r for r in report.checks.results if r.id == "server-roles")
    assert roles.failed and roles.severity == "warning"
    assert report.checks and report.checks.failing == ()


def test_checks_fail_mode_counts_failed_checks(
    sample_copy: SampleCopy, capsys: pytest.CaptureFixture[str]
) -> None:
    export = sample_copy("primary")
    edit.set_parameter(export, "Microsoft.Synchronize.SchedulerSuspended", "True")
    args = ("compare", export, export, "--today", "2024-12-01")
    assert run(capsys, *args)[0] == 0  # no drift: the failed check is only reported
    code, out = run(capsys, *args, "--checks", "fail", "--quiet")
    assert code == 1 and "scheduler-suspended" in out
    report = compare_exports(export, export, as_of=AS_OF, checks="fail", fail_on="blocking")
    assert exit_code(report) == 0  # a warning does not reach --fail-on blocking


def test_readiness_round_trip() -> None:
    report = compare_exports(PRIMARY, STAGING, as_of=AS_OF, checks=ChecksMode.FAIL)
    assert report.checks is not None
    assert Readiness.from_json(report.checks.to_json()) == report.checks
    mode = report.upgrade
    assert mode is not None and UpgradeMode.from_json(mode.to_json()) == mode


def test_readme_before_an_upgrade_workflow() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Before an upgrade") :]
    section = section[: section.index("\n## ", 1)]
    for step in ("driftcheck check PRIMARY", "driftcheck compare PRIMARY STAGING", "Switch over"):
        assert step in section, step
    assert "docs/readiness-checks.md" in section and "docs/upgrade-mode.md" in section
