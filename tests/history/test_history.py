"""The drift history store: statuses over several nights, pruning, robustness."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.history.dbfile import APPLICATION_ID, SCHEMA_VERSION
from driftcheck.history.fingerprint import DIFFERENCE, Tracked
from driftcheck.history.records import RunInfo
from driftcheck.history.store import HistoryStore, open_history, record_run

NIGHT1 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
PAIR = "fab-sync01|fab-sync02"


def item(obj: str, value: str = "1000", severity: str = "warning") -> Tracked:
    return Tracked(DIFFERENCE, "connector", obj, obj, "path/x", "modified", "500", value, severity)


def night(n: int) -> datetime:
    return NIGHT1 + timedelta(days=n - 1)


def run(n: int, pair: str = PAIR) -> RunInfo:
    return RunInfo(pair=pair, started=night(n), primary_server="FAB-SYNC01")


def record(path: Path, n: int, items: list[Tracked], *, pair: str = PAIR) -> dict[str, str]:
    result = record_run(path, run(n, pair), items)
    return {fp: s.status for fp, s in result.states.items()}


def test_same_drift_two_nights_is_one_finding_first_seen_the_first_night(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    a = item("a.com")
    first = record_run(db, run(1), [a])
    second = record_run(db, run(2), [a])
    assert first.states[a.fingerprint].status == "new"
    state = second.states[a.fingerprint]
    assert (state.status, state.first_seen, state.age_days) == ("open", "2026-11-01T02:00:00Z", 1)
    with open_history(db, read_only=True) as store:
        assert len(store.open_findings()) == 1
        assert [r.new for r in store.runs()] == [1, 0]


def test_resolved_then_reopened_keeps_its_first_sighting(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    a, b = item("a.com"), item("b.com")
    record_run(db, run(1), [a, b])
    gone = record_run(db, run(2), [a])
    assert [(r.finding.object, r.status, r.first_seen) for r in gone.resolved] == [
        ("b.com", "resolved", "2026-11-01T02:00:00Z")
    ]
    assert record_run(db, run(3), [a]).resolved == []  # resolved is reported once
    back = record_run(db, run(4), [a, b])
    state = back.states[b.fingerprint]
    assert (state.status, state.first_seen, state.age_days) == (
        "reopened",
        "2026-11-01T02:00:00Z",
        3,
    )
    assert back.counts() == {"new": 0, "open": 1, "reopened": 1, "resolved": 0}


def test_a_changed_value_is_a_new_finding_and_the_old_one_resolves(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [item("a.com", "1000")])
    result = record_run(db, run(2), [item("a.com", "2000")])
    assert list(s.status for s in result.states.values()) == ["new"]
    assert [r.finding.staging for r in result.resolved] == ["1000"]


def test_severity_change_is_the_same_finding(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [item("a.com", severity="info")])
    result = record_run(db, run(2), [item("a.com", severity="blocking")])
    assert [s.status for s in result.states.values()] == ["open"]
    with open_history(db, read_only=True) as store:
        assert store.open_findings()[0].finding.severity == "blocking"


def test_pairs_are_tracked_apart_in_one_file(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    a = item("a.com")
    record_run(db, run(1), [a])
    other = record_run(db, run(2, pair="self:fab-sync01"), [a])
    assert other.states[a.fingerprint].status == "new"
    assert other.resolved == []
    same = record_run(db, run(3), [])
    assert [r.finding.object for r in same.resolved] == ["a.com"]
    with open_history(db, read_only=True) as store:
        assert store.pairs() == ["fab-sync01|fab-sync02", "self:fab-sync01"]
        assert [f.pair for f in store.open_findings()] == ["self:fab-sync01"]


def test_duplicate_items_in_one_run_count_once(tmp_path: Path) -> None:
    result = record_run(tmp_path / "h.sqlite", run(1), [item("a.com"), item("A.COM ")])
    assert result.counts()["new"] == 1


def test_keep_days_prunes_old_runs_but_keeps_what_is_still_open(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    a, b = item("a.com"), item("b.com")
    record_run(db, run(1), [a, b])
    record_run(db, run(2), [a])
    result = record_run(db, run(40), [a], keep_days=30)
    assert result.pruned_runs == 2
    assert result.states[a.fingerprint].first_seen == "2026-11-01T02:00:00Z"
    with open_history(db, read_only=True) as store:
        assert [r.started for r in store.runs()] == ["2026-12-10T02:00:00Z"]
        assert [f.finding.object for f in store.open_findings()] == ["a.com"]
        count = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
    assert count == 1  # b.com, resolved before the cutoff, is forgotten


def test_new_file_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [])
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


# --- refusing files that are not a driftcheck history, without touching them -----------------


def _refused(db: Path, match: str) -> None:
    before = db.read_bytes()
    mtime = db.stat().st_mtime_ns
    with pytest.raises(InputError, match=match) as caught:
        record_run(db, run(1), [item("a.com")])
    assert str(db) in caught.value.message
    assert "\n" not in caught.value.message
    assert db.read_bytes() == before
    assert db.stat().st_mtime_ns == mtime


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    db.write_text("name,value\nthis is a csv file\n")
    _refused(db, "not an SQLite file")


def test_another_applications_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    _refused(db, "another application's")


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [])
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.execute("PRAGMA journal_mode = DELETE")  # fold the WAL into the file
    con.close()
    _refused(db, "newer driftcheck")


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])
def test_a_corrupt_database_is_refused_untouched(tmp_path: Path, journal: str) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [item(f"o{n}.com") for n in range(400)])
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = DELETE")  # fold the WAL into the file
    con.execute(f"PRAGMA journal_mode = {journal}")
    con.close()
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page : 3 * page] = b"\xa5" * (2 * page)  # wreck the pages after the header page
    db.write_bytes(bytes(data))
    _refused(db, "unreadable history database")


# --- a run that dies, two runs at once ----------------------------------------------------------


def test_a_run_failing_inside_its_transaction_leaves_the_history_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, run(1), [item("a.com")])

    def boom(*args: object) -> int:
        raise RuntimeError("killed")

    monkeypatch.setattr(HistoryStore, "_prune", staticmethod(boom))
    with pytest.raises(RuntimeError):
        record_run(db, run(2), [item("b.com")])
    monkeypatch.undo()
    with open_history(db, read_only=True) as store:
        assert len(store.runs()) == 1
        assert [f.finding.object for f in store.open_findings()] == ["a.com"]
    result = record_run(db, run(3), [item("a.com")])
    assert [s.status for s in result.states.values()] == ["open"]


#: Records night 2 in a child process that stops inside the transaction (after every
#: insert and update, before COMMIT) until it is killed or ``hold`` seconds pass.
CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, UTC
    from pathlib import Path
    from driftcheck.history.fingerprint import Tracked
    from driftcheck.history.store import HistoryStore, record_run
    from driftcheck.history.records import RunInfo

    db, marker, hold, day = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    real = HistoryStore._prune

    def slow(db_, cutoff, current):
        marker.write_text("in transaction")
        time.sleep(hold)
        return real(db_, cutoff, current)

    HistoryStore._prune = staticmethod(slow)
    items = [Tracked("difference", "connector", f"n{day}-{i}.com", "", "p", "added", None, "x", "info")
             for i in range(50)]
    record_run(db, RunInfo(pair="p|s", started=datetime(2026, 11, day, tzinfo=UTC)), items)
    """
)


def _child(db: Path, marker: Path, hold: float, day: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(marker), str(hold), str(day)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(marker: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the child never reached its transaction"
        time.sleep(0.02)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_run_leaves_the_previous_history_readable(tmp_path: Path) -> None:
    db, marker = tmp_path / "h.sqlite", tmp_path / "marker"
    record_run(db, RunInfo(pair="p|s", started=datetime(2026, 11, 1, tzinfo=UTC)), [item("a.com")])
    proc = _child(db, marker, 120, day=2)
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open_history(db, read_only=True) as store:
        assert [r.started for r in store.runs()] == ["2026-11-01T00:00:00Z"]
        assert [f.finding.object for f in store.open_findings()] == ["a.com"]
    result = record_run(db, RunInfo(pair="p|s", started=datetime(2026, 11, 3, tzinfo=UTC)), [])
    assert [r.finding.object for r in result.resolved] == ["a.com"]


def test_two_runs_at_once_both_succeed_the_second_waits(tmp_path: Path) -> None:
    db, marker = tmp_path / "h.sqlite", tmp_path / "marker"
    record_run(db, RunInfo(pair="p|s", started=datetime(2026, 11, 1, tzinfo=UTC)), [])
    first = _child(db, marker, 1.5, day=2)
    _wait_for(marker, first)  # the first holds the write lock now
    second = _child(db, tmp_path / "marker2", 0, day=3)
    assert second.wait(timeout=120) == 0, second.communicate()
    assert first.wait(timeout=120) == 0, first.communicate()
    with open_history(db, read_only=True) as store:
        runs = store.runs()
        assert [r.started[:10] for r in runs] == ["2026-11-01", "2026-11-02", "2026-11-03"]
        assert [(r.new, r.resolved) for r in runs] == [(0, 0), (50, 0), (50, 50)]
