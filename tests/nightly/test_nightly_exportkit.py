"""`driftcheck nightly` on the export kit's Fabrikam nights: each night's pair and self-drift
findings are exactly what the kit planted, and their statuses follow night after night."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from exportkit import Night, nights, self_findings
from exportkit.manifest import Finding

from driftcheck.cli.app import main

PAIR = "fab-sync01|fab-sync02"
ROLES = {"self:fab-sync01": "primary", "self:fab-sync02": "staging"}

NIGHTS = [
    Night("2025-03-01"),
    Night("2025-03-02", staging=("delete-threshold",)),
    Night("2025-03-03", staging=("delete-threshold",), primary=("ou-filter",)),
    # staging's copy is still in progress: its 03-03 export is used again
    Night(
        "2025-03-04",
        staging=("delete-threshold",),
        primary=("ou-filter",),
        half_copied=("staging",),
    ),
    # the OU filter is fixed on the primary
    Night("2025-03-05", staging=("delete-threshold",)),
]


def keys(findings: list[Finding]) -> set[tuple[Any, ...]]:
    return {(*f.key, f.severity) for f in findings}


def report_keys(path: Path) -> set[tuple[Any, ...]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {
        (d["section"], d["object"], d["connector"], d["path"], d["change"], d["severity"])
        for d in report["differences"]
    }


def run_night(
    drop: Path, out: Path, night: Night, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    nights(drop, [night])
    code = main(["nightly", str(drop), "--out", str(out)])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    summary: dict[str, Any] = json.loads((out / night.date / "night.json").read_text())
    summary["stderr"] = captured.err
    return summary


def by_key(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in summary["comparisons"]}


def totals(entry: dict[str, Any]) -> dict[str, int]:
    return {status: sum(levels.values()) for status, levels in entry["statuses"].items()}


def test_fabrikam_nights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    runs = [run_night(drop, out, night, capsys) for night in NIGHTS]
    folders = [out / n.date for n in NIGHTS]

    # every night the pair shows what the kit planted between the two servers' exports
    for index, (night, summary) in enumerate(zip(NIGHTS, runs, strict=True)):
        compared = NIGHTS[2] if index == 3 else night  # night 4: the 03-03 staging export
        planted = Night(night.date, staging=compared.staging, primary=night.primary)
        pair = by_key(summary)[PAIR]
        assert report_keys(folders[index] / f"{pair['name']}.json") == keys(planted.pair_findings())

    # and each server against its own previous export shows what changed on it
    previous_export = {"primary": NIGHTS[0], "staging": NIGHTS[0]}
    for index in range(1, len(NIGHTS)):
        for key, role in ROLES.items():
            entry = by_key(runs[index])[key]
            if index == 3 and role == "staging":
                before, after = NIGHTS[1], NIGHTS[2]  # its newest is still 03-03
            else:
                before, after = previous_export[role], NIGHTS[index]
            expected = keys(self_findings(before, after, role))
            assert report_keys(folders[index] / f"{entry['name']}.json") == expected, (index, key)
        previous_export = {
            "primary": NIGHTS[index],
            "staging": NIGHTS[index] if index != 3 else NIGHTS[2],
        }

    # statuses: the delete threshold appears on night 2 and stays open; the OU filter is new
    # on night 3 in the pair and in the primary's self-drift, and resolved on night 5
    threshold = len(NIGHTS[1].pair_findings())
    ou_filter = len(NIGHTS[2].pair_findings()) - threshold
    assert threshold and ou_filter
    assert totals(by_key(runs[1])[PAIR]) == {"new": threshold, "open": 0, "resolved": 0}
    assert totals(by_key(runs[2])[PAIR]) == {"new": ou_filter, "open": threshold, "resolved": 0}
    assert totals(by_key(runs[3])[PAIR]) == {"new": 0, "open": threshold + ou_filter, "resolved": 0}
    assert totals(by_key(runs[4])[PAIR]) == {"new": 0, "open": threshold, "resolved": ou_filter}
    assert totals(by_key(runs[2])["self:fab-sync01"])["new"] == ou_filter
    assert totals(by_key(runs[3])["self:fab-sync01"])["resolved"] == ou_filter
    assert "FAB-SYNC02_2025-03-04.zip: not a complete zip archive" in runs[3]["stderr"]
    assert [c["kind"] for c in runs[0]["comparisons"]] == ["pair"]
