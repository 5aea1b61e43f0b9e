"""The bundled samples are exactly what the export kit writes, and their manifest is sound."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import exportkit
import pytest
from exportkit.manifest import read_findings

from driftcheck.cli.app import main
from tests.conftest import ROOT, SAMPLES


def test_samples_are_regenerated_byte_for_byte() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_samples.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "identical" in done.stdout


# --- the upgraded staging server (issue 10's sample) ---------------------------------------------

KEYS = ("section", "object", "connector", "path", "change")


def report_of(staging: Path, out: Path) -> dict[str, Any]:
    """The equal-version comparison (the manifest's ``baseline_severity``): upgrade mode off."""
    args = ["compare", str(SAMPLES / "primary"), str(staging), "--json", str(out), "-q"]
    code = main([*args, "--no-upgrade-mode"])
    assert code == 1
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def reported(report: dict[str, Any]) -> set[tuple[str, ...]]:
    return {(*(d[k] for k in KEYS), d["severity"]) for d in report["differences"]}


PRODUCT_CHANGES = read_findings(SAMPLES / "upgrade-expected.json")
LOUD_TODAY = {(*f.key, f.baseline) for f in PRODUCT_CHANGES if not f.ignored_by}


def test_upgraded_staging_differs_only_by_the_manifests_product_changes(tmp_path: Path) -> None:
    report = report_of(SAMPLES / "staging-upgraded", tmp_path / "r.json")
    assert reported(report) == LOUD_TODAY
    suppressed = {tuple(d[k] for k in KEYS) for d in report["suppressed"]}
    assert {f.key for f in PRODUCT_CHANGES if f.ignored_by} <= suppressed
    assert {f.severity for f in PRODUCT_CHANGES} == {"info"}
    assert {f.cls for f in PRODUCT_CHANGES} == {
        "version", "revised-rule", "new-rule", "renumbered", "new-parameter", "schema",
        "metaverse-attribute",
    }  # fmt: skip


def test_upgraded_staging_keeps_the_stagings_noise_and_none_of_its_drift() -> None:
    upgraded = SAMPLES / "staging-upgraded"
    mv = (upgraded / "GlobalSettings" / "MV.xml").read_bytes()
    assert b"ns0:" in mv and b"FAB-SYNC02" in mv and b"2.5.3.0" in mv
    assert b"costCenter" not in mv
    names = {p.name for p in (upgraded / "Connectors").iterdir()}
    assert names == {p.name for p in (SAMPLES / "staging" / "Connectors").iterdir()}


@pytest.mark.parametrize("suspect", sorted(exportkit.SUSPECTS))
def test_each_suspect_is_planted_on_top_of_the_same_upgrade(tmp_path: Path, suspect: str) -> None:
    findings = exportkit.upgrade_variant(tmp_path / "export", suspect=suspect)
    assert findings and all(f.severity in ("warning", "blocking") for f in findings)
    report = report_of(tmp_path / "export", tmp_path / "r.json")
    assert reported(report) == LOUD_TODAY | {(*f.key, f.severity) for f in findings}


def test_an_unknown_suspect_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown suspect"):
        exportkit.upgrade_variant(tmp_path, suspect="nope")
