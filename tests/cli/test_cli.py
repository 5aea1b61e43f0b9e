"""End to end: the command line on the bundled samples, exit codes, outputs and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from exportkit.manifest import read_findings

from driftcheck.cli.app import main
from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES
from tests.conftest import SAMPLES

PRIMARY = SAMPLES / "primary"
STAGING = SAMPLES / "staging"

#: Every difference the samples are built to show (samples/README.md), and nothing else: the
#: export kit's manifest, read rather than copied.
MANIFEST = read_findings(SAMPLES / "expected-drift.json")
EXPECTED = {(f.section, f.object, f.path, f.change) for f in MANIFEST}

#: The samples carry every kind of noise: each built-in ignore rule hides something.
NOISE_RULES = tuple(rule.id for rule in BUILT_IN_IGNORE_RULES)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def compare_json(
    capsys: pytest.CaptureFixture[str], *args: str | Path
) -> tuple[int, dict[str, Any]]:
    """``driftcheck compare ARGS --json -``: the exit code and the parsed report."""
    code, out, _ = run(capsys, "compare", *args, "--json", "-")
    report: dict[str, Any] = json.loads(out)
    return code, report


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    # The manifest gives each planted difference its equal-version severity; the samples'
    # version skew would otherwise switch on upgrade mode (tests/test_upgrade.py covers it).
    args = ["compare", str(PRIMARY), str(STAGING), "--json", str(out), "--quiet"]
    assert main([*args, "--no-upgrade-mode"]) == 1
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_samples_report_exactly_the_planted_drift(sample_report: dict[str, Any]) -> None:
    found = {
        (d["section"], d["object"], d["path"], d["change"]) for d in sample_report["differences"]
    }
    assert found == EXPECTED


def test_samples_report_the_manifest_connectors_and_severities(
    sample_report: dict[str, Any],
) -> None:
    found = {
        (d["section"], d["object"], d["connector"], d["path"], d["change"], d["severity"])
        for d in sample_report["differences"]
    }
    assert found == {(*f.key, f.severity) for f in MANIFEST}
    assert len(MANIFEST) == len(sample_report["differences"])


def test_samples_noise_is_suppressed_by_each_rule(sample_report: dict[str, Any]) -> None:
    hidden = {r["id"]: r["hidden"] for r in sample_report["ignore_rules"]}
    assert all(hidden[rule] > 0 for rule in NOISE_RULES), hidden
    assert sum(hidden.values()) == len(sample_report["suppressed"])
    assert {s["ignored_by"] for s in sample_report["suppressed"]} <= set(NOISE_RULES)


def test_samples_report_shape(sample_report: dict[str, Any]) -> None:
    assert sample_report["schema"] == "driftcheck/report/v1"
    assert sample_report["primary"]["server"] == "FAB-SYNC01"
    assert sample_report["staging"]["server"] == "FAB-SYNC02"
    assert (
        sample_report["primary"]["product_version"] != sample_report["staging"]["product_version"]
    )
    keys = {
        "section",
        "object",
        "connector",
        "path",
        "change",
        "primary",
        "staging",
        "severity",
        "rule",
    }
    assert all(keys <= set(d) for d in sample_report["differences"])
    assert all("ignored_by" in s for s in sample_report["suppressed"])
    summary = sample_report["summary"]
    assert summary["verdict"] == "drift"
    assert summary["differences"] == len(sample_report["differences"])
    assert sum(summary["by_severity"].values()) == summary["differences"]


def test_severities_of_the_sample_drift(sample_report: dict[str, Any]) -> None:
    severity = {(d["object"], d["path"]): d["severity"] for d in sample_report["differences"]}
    assert severity[("Out to AAD - User UsageLocation", "description")] == "info"
    page = "run-profiles/Delta Import/step 1/custom-data/adma-step-data/page-size"
    assert severity[("fabrikam.com", page)] == "info"
    version = ("Microsoft.Synchronize.ServerConfigurationVersion", "value")
    assert severity[version] == "warning"
    assert severity[("In from AD - User Extension Attributes", "precedence/order")] == "blocking"
    assert severity[("fabrikam.com", "attribute-inclusion")] == "blocking"


def test_summary_on_stdout_and_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", PRIMARY, STAGING)
    assert code == 1
    assert "DRIFT:" in out
    assert "Top differences" in out
    assert err == ""


def test_identical_exports_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", PRIMARY, PRIMARY, "--quiet")
    assert code == 0
    assert out.startswith("CONSISTENT")
    assert out.count("\n") == 1


def test_fail_on_threshold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    shutil.copytree(PRIMARY, staging)
    rule = next(
        f for f in (staging / "SynchronizationRules").iterdir() if "<description>" in f.read_text()
    )
    text = rule.read_text()
    start = text.index("<description>") + len("<description>")
    rule.write_text(text[:start] + "Edited: " + text[start:])
    assert run(capsys, "compare", PRIMARY, staging)[0] == 0
    assert run(capsys, "compare", PRIMARY, staging, "--fail-on", "info")[0] == 1
    assert run(capsys, "compare", PRIMARY, STAGING, "--fail-on", "blocking")[0] == 1


def test_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = compare_json(capsys, PRIMARY, STAGING)
    assert code == 1
    assert report["schema"] == "driftcheck/report/v1"


def test_zip_input_gives_the_same_differences(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sample_report: dict[str, Any],
) -> None:
    archive = tmp_path / "AADC-FAB-SYNC02.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(STAGING.rglob("*")):
            if f.is_file():
                zf.write(f, "AADC-FAB-SYNC02-18NOV2024/" + f.relative_to(STAGING).as_posix())
    code, zipped = compare_json(capsys, PRIMARY, archive, "--no-upgrade-mode")
    assert code == 1

    def strip(r: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in d.items()} for d in r["differences"]]

    assert strip(zipped) == strip(sample_report)


def test_html_report_is_written_and_render_rebuilds_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    html, report = tmp_path / "r.html", tmp_path / "r.json"
    assert run(capsys, "compare", PRIMARY, STAGING, "--html", html, "--json", report)[0] == 1
    again = tmp_path / "again.html"
    code, _out, _ = run(capsys, "render", report, "--html", again)
    assert code == 0
    assert again.read_text() == html.read_text()
    assert html.read_text().startswith("<!DOCTYPE html>")


BadInput = Callable[[Path], Path]


def _missing(tmp: Path) -> Path:
    return tmp / "nope"


def _empty(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _not_export(tmp: Path) -> Path:
    (tmp / "docs").mkdir()
    (tmp / "docs" / "notes.txt").write_text("hello")
    return tmp / "docs"


def _malformed(tmp: Path) -> Path:
    shutil.copytree(STAGING, tmp / "bad")
    rule = sorted((tmp / "bad" / "SynchronizationRules").iterdir())[3]
    rule.write_bytes(b"<synchronizationRule>\n<name>x</name>\n<precedence>1\n")
    return tmp / "bad"


def _zip_slip(tmp: Path) -> Path:
    archive = tmp / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("GlobalSettings/MV.xml", "<saved-mv-configuration/>")
        zf.writestr("../../outside.xml", "<x/>")
    return archive


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_missing, "no such file or folder"),
        (_empty, "is empty"),
        (_not_export, "not a Get-ADSyncServerConfiguration export"),
        (_malformed, "malformed XML"),
        (_zip_slip, "outside the export folder"),
    ],
)
def test_bad_input_exit_2_with_one_line_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: BadInput, reason: str
) -> None:
    bad = make(tmp_path)
    code, _out, err = run(capsys, "compare", PRIMARY, bad)
    assert code == 2
    assert reason in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_malformed_xml_names_the_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = _malformed(tmp_path)
    _, _, err = run(capsys, "compare", PRIMARY, bad)
    assert ".xml:4: malformed XML" in err


def test_failed_run_never_replaces_an_earlier_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    html, report = tmp_path / "r.html", tmp_path / "r.json"
    run(capsys, "compare", PRIMARY, STAGING, "--html", html, "--json", report)
    before = html.read_bytes(), report.read_bytes()
    code, _, _ = run(
        capsys, "compare", PRIMARY, _malformed(tmp_path), "--html", html, "--json", report
    )
    assert code == 2
    assert (html.read_bytes(), report.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "r.html", "r.json"]


def test_unwritable_report_path_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "compare", PRIMARY, STAGING, "--html", tmp_path / "no" / "r.html")
    assert code == 2
    assert "cannot write the report" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "compare", PRIMARY)[0] == 2
    assert run(capsys, "compare", PRIMARY, STAGING, "--fail-on", "sometimes")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    from driftcheck import __version__

    code, out, _ = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"driftcheck {__version__}")
    code, out, _ = run(capsys, "compare", "--help")
    assert code == 0
    for words in ("SynchronizationRules/", "--fail-on", "Exit codes", "--policy"):
        assert words in out


def test_console_script_has_no_traceback_on_bad_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "driftcheck", "compare", str(PRIMARY), str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("driftcheck: error:")
    assert "Traceback" not in result.stderr


def test_no_secret_or_encrypted_value_is_printed(sample_report: dict[str, Any]) -> None:
    text = json.dumps(sample_report)
    assert "(encrypted)" not in json.dumps(sample_report["differences"])
    assert "password" not in {
        d["path"].rsplit("/", 1)[-1].lower() for d in sample_report["differences"]
    }
    for side in (PRIMARY, STAGING):
        for f in (side / "Connectors").iterdir():
            assert 'encrypted="1">' not in f.read_text(errors="ignore"), "samples keep no secret"
    assert "BEGIN CERTIFICATE" not in text


# --- policy commands -----------------------------------------------------------------------


def test_rules_lists_built_in_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    for rule in NOISE_RULES:
        assert rule in out


def test_rules_validates_a_policy_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[[ignore]]\nid = "pilot"\nreason = "CHG-1"\npath = "partitions/*"\n')
    code, out, _ = run(capsys, "rules", "--policy", good)
    assert code == 0
    assert "pilot" in out and str(good) in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[[ignore]]\nid = "pilot"\npath = "partitions/*"\n')
    code, _, err = run(capsys, "rules", "--policy", bad)
    assert code == 2
    assert f"{bad}:1:" in err and "reason" in err


def test_accept_then_compare_is_clean_until_expiry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "driftcheck.toml"
    code, out, _ = run(
        capsys, "accept", PRIMARY, STAGING, "--reason", "Known drift, CHG-42",
        "--policy", policy, "--today", "2026-11-22",
    )  # fmt: skip
    assert code == 0, out
    assert "expires = 2026-12-22" in policy.read_text()
    code, report = compare_json(
        capsys, PRIMARY, STAGING, "--policy", policy, "--today", "2026-12-01"
    )
    assert code == 0
    assert report["differences"] == []
    assert report["policy"]["file"] == str(policy)
    accepted = [r for r in report["ignore_rules"] if r["source"] == str(policy)]
    assert len(accepted) == len(EXPECTED)
    assert all(r["status"] == "used" and r["hidden"] == 1 for r in accepted)
    code, report = compare_json(
        capsys, PRIMARY, STAGING, "--policy", policy, "--today", "2027-01-01"
    )
    assert code == 1
    assert {d["section"] for d in report["differences"]} >= {"policy", "sync-rule"}
    assert all(
        r["status"] == "expired" for r in report["ignore_rules"] if r["source"] == str(policy)
    )


def test_accept_needs_a_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "accept", PRIMARY, STAGING, "--reason", " ", "--policy", tmp_path / "p.toml"
    )
    assert code == 2
    assert "--reason" in err


def test_policy_file_in_the_current_folder_is_picked_up(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "driftcheck.toml").write_text(
        '[[ignore]]\nid = "sales-ou-pilot"\nreason = "Sales OU stays out until cutover"\n'
        'section = "connector"\npath = "partitions/*/containers/*"\nvalue = "OU=Sales*"\n'
    )
    monkeypatch.chdir(tmp_path)
    _code, report = compare_json(capsys, PRIMARY, STAGING)
    assert report["policy"]["file"].endswith("driftcheck.toml")
    assert [s["ignored_by"] for s in report["suppressed"]].count("sales-ou-pilot") == 1
    paths = {(d["path"], d["change"]) for d in report["differences"]}
    assert ("partitions/DC=fabrikam,DC=com/containers/inclusions", "removed") not in paths
    assert ("partitions/DC=fabrikam,DC=com/containers/exclusions", "added") in paths


def test_no_builtin_ignores_shows_everything_marked(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = compare_json(capsys, PRIMARY, STAGING, "--no-builtin-ignores")
    assert code == 1
    assert report["suppressed"] == []
    marked = [d for d in report["differences"] if d.get("would_be_hidden_by")]
    assert {d["would_be_hidden_by"] for d in marked} == set(NOISE_RULES)
    assert len(report["differences"]) - len(marked) == len(EXPECTED)


def test_summary_names_unused_and_expired_policy_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[[ignore]]\nid = "stale-pilot"\nreason = "old"\nobject = "no-such-connector"\n\n'
        '[[ignore]]\nid = "old-exception"\nreason = "old"\nobject = "x"\nexpires = 2025-01-01\n'
    )
    code, out, _ = run(
        capsys, "compare", PRIMARY, STAGING, "--policy", policy, "--today", "2026-11-22"
    )
    assert code == 1
    assert "Unused policy rules (hid nothing): stale-pilot" in out
    assert "Expired policy rules: old-exception" in out
