"""The history's pending-exports tables (schema 2): statuses night after night, and the
migration from schema 1, which must never damage an earlier history."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.history import store as history
from driftcheck.history.fingerprint import DIFFERENCE, Tracked
from driftcheck.history.records import PendingItem, PendingRunInfo, PendingRunResult, RunInfo
from driftcheck.history.store import open_history, record_run

NIGHT1 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
SERVER = "fab-sync02"


def night(n: int) -> datetime:
    return NIGHT1 + timedelta(days=n - 1)


def finding(rule: str, objects: int = 10, severity: str = "warning") -> PendingItem:
    return PendingItem(
        f"{rule}|aad|", rule, "AAD", "", severity, objects, f"{objects} objects ({rule})"
    )


def pending_run(n: int, deletes: int = 0) -> PendingRunInfo:
    counts = {"objects": 40 + deletes, "adds": 5, "updates": 35, "deletes": deletes}
    return PendingRunInfo(SERVER, night(n), export_date="2026-11-01 01:30:00", counts=counts)


def record(db: Path, n: int, items: list[PendingItem], deletes: int = 0) -> PendingRunResult:
    with open_history(db) as store:
        return store.record_pending(pending_run(n, deletes), items)


def test_statuses_over_four_nights(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    deletes, upn = finding("deletes-threshold", 520, "blocking"), finding("upn-changes")
    first = record(db, 1, [deletes, upn], deletes=520)
    assert {fp: s.status for fp, s in first.states.items()} == {
        deletes.fingerprint: "new", upn.fingerprint: "new",
    }  # fmt: skip
    second = record(db, 2, [upn])  # the deletes were dealt with
    assert second.states[upn.fingerprint].status == "open"
    assert [r.rule for r in second.resolved] == ["deletes-threshold"]
    third = record(db, 3, [deletes, upn], deletes=515)
    assert third.states[deletes.fingerprint].status == "reopened"
    assert third.states[deletes.fingerprint].first_seen == "2026-11-01T02:00:00Z"
    fourth = record(db, 4, [])
    assert sorted(r.rule for r in fourth.resolved) == ["deletes-threshold", "upn-changes"]
    with open_history(db, read_only=True) as store:
        runs = store.pending_runs(SERVER)
    assert [(r.deletes, r.blocking, r.warning) for r in runs] == [
        (520, 1, 1), (0, 0, 1), (515, 1, 1), (0, 0, 0),
    ]  # fmt: skip
    assert [(r.new, r.open, r.reopened, r.resolved) for r in runs] == [
        (2, 0, 0, 0), (0, 1, 0, 1), (0, 1, 1, 0), (0, 0, 0, 2),
    ]  # fmt: skip


def test_pending_runs_are_kept_apart_from_the_drift_runs(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record_run(db, RunInfo(pair="fab-sync01|fab-sync02", started=night(1)), [])
    record(db, 1, [finding("upn-changes")])
    with open_history(db, read_only=True) as store:
        assert store.pairs() == ["fab-sync01|fab-sync02"]
        assert store.open_findings() == []
        assert len(store.pending_runs(SERVER)) == 1
        assert store.pending_runs("other") == []


# --- migration from schema 1 -----------------------------------------------------------------


def schema_1_history(db: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A history as the previous driftcheck wrote it (schema 1), with one run and finding."""
    with monkeypatch.context() as m:
        m.setattr(history, "MIGRATIONS", history.MIGRATIONS[:1])
        m.setattr(history, "SCHEMA_VERSION", 1)
        item = Tracked(
            DIFFERENCE, "connector", "a.com", "a.com", "p", "modified", "1", "2", "warning"
        )
        record_run(db, RunInfo(pair="p|s", started=night(1)), [item])
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = DELETE")  # fold the WAL into the file
    con.close()
    return db.read_bytes()


def tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_a_schema_1_history_migrates_and_keeps_its_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "h.sqlite"
    schema_1_history(db, monkeypatch)
    assert "pending_runs" not in tables(db)
    record(db, 2, [finding("upn-changes")])
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 2
        assert con.execute("SELECT pair, started FROM runs").fetchall() == [
            ("p|s", "2026-11-01T02:00:00Z")
        ]
        assert con.execute("SELECT object, status FROM findings").fetchall() == [("a.com", "new")]
    finally:
        con.close()
    assert {"pending_runs", "pending_findings"} <= tables(db)


def test_a_failed_migration_leaves_the_schema_1_history_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "h.sqlite"
    schema_1_history(db, monkeypatch)
    broken = history.MIGRATIONS[1] + ";\nCREATE TABLE runs (x INTEGER)"  # fails half-way
    monkeypatch.setattr(history, "MIGRATIONS", (history.MIGRATIONS[0], broken))
    with pytest.raises(InputError, match="left as it is"):
        record(db, 2, [finding("upn-changes")])
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    finally:
        con.close()
    assert "pending_runs" not in tables(db)
    # and the previous driftcheck still reads it
    with monkeypatch.context() as m:
        m.setattr(history, "MIGRATIONS", history.MIGRATIONS[:1])
        m.setattr(history, "SCHEMA_VERSION", 1)
        with open_history(db, read_only=True) as store:
            assert [r.pair for r in store.runs()] == ["p|s"]
