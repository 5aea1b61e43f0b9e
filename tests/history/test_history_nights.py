"""The history over nights written by the export kit: each pair and each server's own past.

Night 1 is clean; on night 2 the staging server's delete threshold drifts; on night 3 it is
still there and the primary's OU filter changes (on the primary only); on night 4 both are
undone. The pair comparison and the primary's self comparison share one history file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from exportkit import Night, nights

from driftcheck.checks.readiness import ChecksMode
from driftcheck.history.store import open_history
from driftcheck.history.tracking import self_pair_key, track
from driftcheck.pipeline.compare import compare_exports
from driftcheck.report.types import Report

NIGHTS = [
    Night("2026-11-01"),
    Night("2026-11-02", staging=("delete-threshold",)),
    Night("2026-11-03", staging=("delete-threshold",), primary=("ou-filter",)),
    Night("2026-11-04"),
]


def _compare(first: Path, second: Path) -> Report:
    return compare_exports(first, second, checks=ChecksMode.OFF)


def test_pair_and_self_drift_across_four_nights(tmp_path: Path) -> None:
    written = nights(tmp_path / "drop", NIGHTS, zipped=False)
    primary = [p for p in written if p.parent.name == "FAB-SYNC01"]
    staging = [p for p in written if p.parent.name == "FAB-SYNC02"]
    history = tmp_path / "history.sqlite"
    pair: list[Report] = []
    own: list[Report] = []
    for n in range(4):
        at = datetime(2026, 11, n + 1, 3, tzinfo=UTC)
        pair.append(track(_compare(primary[n], staging[n]), history, at=at)[0])
        if n:
            mine = _compare(primary[n - 1], primary[n])
            own.append(track(mine, history, pair=self_pair_key("FAB-SYNC01"), at=at)[0])

    def statuses(report: Report) -> list[tuple[str, str]]:
        return sorted((d.object, d.history.status) for d in report.differences if d.history)

    baseline = {obj for obj, _ in statuses(pair[0])}
    night2 = [(o, s) for o, s in statuses(pair[1]) if o not in baseline]
    assert night2 and {s for _, s in night2} == {"new"}
    threshold = {o for o, _ in night2}
    night3 = dict(statuses(pair[2]))
    assert {night3[o] for o in threshold} == {"open"}
    still = [d for d in pair[2].differences if d.object in threshold]
    assert {d.history.first_seen for d in still if d.history} == {"2026-11-02T03:00:00Z"}
    assert {r.object for r in pair[3].resolved} >= threshold

    assert own[0].differences == ()  # night 1 to 2: the primary did not change
    changed = {d.object for d in own[1].differences}
    assert changed and {s for _, s in statuses(own[1])} == {"new"}
    assert {r.object for r in own[2].resolved} == changed  # undone on night 4
    assert own[2].history_run is not None and own[2].history_run.pair == "self:fab-sync01"

    with open_history(history, read_only=True) as store:
        assert store.pairs() == ["fab-sync01|fab-sync02", "self:fab-sync01"]
        assert len(store.runs("fab-sync01|fab-sync02")) == 4
        assert len(store.runs("self:fab-sync01")) == 3
