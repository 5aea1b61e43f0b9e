"""The drift history: an SQLite file recording every run and every finding it saw.

Modelled on Microsoft Graph's configuration-drift resources: a run has its time, the two
exports it compared and its counts; a finding has a stable fingerprint
(:mod:`driftcheck.history.fingerprint`), the time it was first seen, the run it was last seen in and
a status: ``new`` (not in the previous run of the same pair), ``open`` (in the previous run
too), ``reopened`` (seen before, resolved, back again) or ``resolved`` (in the previous run,
gone in this one).

A *pair* scopes the findings: ``FAB-SYNC01|FAB-SYNC02`` for a primary and its staging
server, ``self:FAB-SYNC01`` for a server against its own past. Several comparisons can share
one file.

Robustness, because a scheduled job must never lose its history:

* each run is written in ONE transaction (``BEGIN IMMEDIATE``): a run killed half-way
  leaves the previous history as it was;
* WAL journal and a busy timeout: a second run waits for the first instead of failing;
* the schema is versioned (``PRAGMA user_version``) and migrated forward; a file that is not
  a driftcheck history (not SQLite, another application's database, a newer schema, a
  corrupt file) is refused with a one-line :class:`InputError` naming it, before anything is
  written to it.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from driftcheck.errors import InputError
from driftcheck.history.fingerprint import Tracked
from driftcheck.model.vocab import SEVERITY_ORDER, Severity

#: ``PRAGMA application_id`` of a driftcheck history ("DCHI"): tells it from other databases.
APPLICATION_ID = 0x44434849
DEFAULT_KEEP_DAYS = 400
#: How long a run waits for another run that holds the database, in seconds.
BUSY_TIMEOUT = 300.0
SQLITE_HEADER = b"SQLite format 3\x00"
NEW, OPEN, REOPENED, RESOLVED = "new", "open", "reopened", "resolved"

#: Schema migrations, oldest first: migration ``n`` brings ``user_version`` from n to n+1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        pair TEXT NOT NULL,
        started TEXT NOT NULL,
        primary_server TEXT NOT NULL,
        staging_server TEXT NOT NULL,
        primary_export_date TEXT NOT NULL,
        staging_export_date TEXT NOT NULL,
        primary_version TEXT NOT NULL,
        staging_version TEXT NOT NULL,
        primary_path TEXT NOT NULL,
        staging_path TEXT NOT NULL,
        verdict TEXT NOT NULL,
        fail_on TEXT NOT NULL,
        blocking INTEGER NOT NULL,
        warning INTEGER NOT NULL,
        info INTEGER NOT NULL,
        suppressed INTEGER NOT NULL,
        checks_failed INTEGER NOT NULL,
        new INTEGER NOT NULL DEFAULT 0,
        open INTEGER NOT NULL DEFAULT 0,
        reopened INTEGER NOT NULL DEFAULT 0,
        resolved INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_by_pair ON runs (pair, id);
    CREATE INDEX runs_by_time ON runs (started);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        pair TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        kind TEXT NOT NULL,
        section TEXT NOT NULL,
        object TEXT NOT NULL,
        connector TEXT NOT NULL,
        path TEXT NOT NULL,
        change TEXT NOT NULL,
        primary_value TEXT NOT NULL,
        staging_value TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('new', 'open', 'reopened', 'resolved')),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_seen_run INTEGER NOT NULL,
        resolved_at TEXT,
        times_seen INTEGER NOT NULL,
        UNIQUE (pair, fingerprint)
    );
    CREATE INDEX findings_by_last_run ON findings (pair, last_seen_run);
    """,
    # 2: the pending exports of staging servers (driftcheck nightly): one row per server and
    # run with the counts, and the pending-export findings with their statuses. New tables
    # only: a history of schema 1 keeps every row as it was.
    """
    CREATE TABLE pending_runs (
        id INTEGER PRIMARY KEY,
        server TEXT NOT NULL,
        started TEXT NOT NULL,
        export_date TEXT NOT NULL,
        export_path TEXT NOT NULL,
        verdict TEXT NOT NULL,
        objects INTEGER NOT NULL,
        adds INTEGER NOT NULL,
        updates INTEGER NOT NULL,
        deletes INTEGER NOT NULL,
        delete_adds INTEGER NOT NULL,
        escrowed INTEGER NOT NULL,
        unconfirmed INTEGER NOT NULL,
        blocking INTEGER NOT NULL,
        warning INTEGER NOT NULL,
        info INTEGER NOT NULL,
        new INTEGER NOT NULL DEFAULT 0,
        open INTEGER NOT NULL DEFAULT 0,
        reopened INTEGER NOT NULL DEFAULT 0,
        resolved INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX pending_runs_by_server ON pending_runs (server, id);
    CREATE TABLE pending_findings (
        id INTEGER PRIMARY KEY,
        server TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        rule TEXT NOT NULL,
        connector TEXT NOT NULL,
        attribute TEXT NOT NULL,
        severity TEXT NOT NULL,
        objects INTEGER NOT NULL,
        message TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('new', 'open', 'reopened', 'resolved')),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_seen_run INTEGER NOT NULL,
        resolved_at TEXT,
        times_seen INTEGER NOT NULL,
        UNIQUE (server, fingerprint)
    );
    CREATE INDEX pending_findings_by_last_run ON pending_findings (server, last_seen_run);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def iso(moment: datetime) -> str:
    """A UTC time as ISO 8601 to the second, ``2026-12-02T05:50:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def age_days(first_seen: str, now: datetime) -> int:
    """Whole days since ``first_seen`` (never negative)."""
    return max(0, (now - parse_iso(first_seen)).days)


@dataclass(frozen=True)
class RunInfo:
    """What a run records about itself."""

    pair: str
    started: datetime
    primary_server: str = ""
    staging_server: str = ""
    primary_export_date: str = ""
    staging_export_date: str = ""
    primary_version: str = ""
    staging_version: str = ""
    primary_path: str = ""
    staging_path: str = ""
    verdict: str = "consistent"
    fail_on: str = Severity.WARNING
    by_severity: Mapping[str, int] = field(default_factory=dict)
    suppressed: int = 0
    checks_failed: int = 0


@dataclass(frozen=True)
class FindingState:
    """A finding's history as of one run: what the report shows beside it."""

    status: str
    first_seen: str
    age_days: int

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "first_seen": self.first_seen, "age_days": self.age_days}


@dataclass(frozen=True)
class StoredFinding:
    """A finding as the history holds it: the :class:`Tracked` item a run saw, under the
    fingerprint it was recorded with, and its history (status, first and last seen)."""

    finding: Tracked
    #: The key it is stored under (its :attr:`Tracked.fingerprint` when this version wrote it).
    fingerprint: str
    status: str
    first_seen: str
    last_seen: str
    resolved_at: str | None
    times_seen: int
    pair: str = ""

    def as_json(self, now: datetime | None = None) -> dict[str, Any]:
        f = self.finding
        entry: dict[str, Any] = {
            "kind": f.kind,
            "section": f.section,
            "object": f.object,
            "connector": f.connector or None,
            "path": f.path,
            "change": f.change,
            "primary": f.primary,
            "staging": f.staging,
            "severity": f.severity,
            "status": self.status,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "fingerprint": self.fingerprint,
        }
        if self.resolved_at:
            entry["resolved_at"] = self.resolved_at
        if now is not None:
            entry["age_days"] = age_days(self.first_seen, now)
        return entry


@dataclass(frozen=True)
class RunRecord:
    """A run as the history holds it."""

    id: int
    pair: str
    started: str
    primary_server: str
    staging_server: str
    primary_export_date: str
    staging_export_date: str
    primary_version: str
    staging_version: str
    verdict: str
    fail_on: str
    blocking: int
    warning: int
    info: int
    suppressed: int
    checks_failed: int
    new: int
    open: int
    reopened: int
    resolved: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pair": self.pair,
            "started": self.started,
            "primary": {
                "server": self.primary_server,
                "export_date": self.primary_export_date,
                "product_version": self.primary_version,
            },
            "staging": {
                "server": self.staging_server,
                "export_date": self.staging_export_date,
                "product_version": self.staging_version,
            },
            "verdict": self.verdict,
            "fail_on": self.fail_on,
            "by_severity": {
                Severity.BLOCKING: self.blocking,
                Severity.WARNING: self.warning,
                Severity.INFO: self.info,
            },
            "suppressed": self.suppressed,
            "checks_failed": self.checks_failed,
            "findings": {
                NEW: self.new,
                OPEN: self.open,
                REOPENED: self.reopened,
                RESOLVED: self.resolved,
            },
        }


@dataclass(frozen=True)
class RunResult:
    """What recording a run found out: each finding's state, and what was resolved."""

    run_id: int
    pair: str
    started: str
    previous_run: int | None
    states: Mapping[str, FindingState]  # by fingerprint
    resolved: Sequence[StoredFinding]
    pruned_runs: int = 0

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, OPEN: 0, REOPENED: 0}
        for state in self.states.values():
            counts[state.status] += 1
        return {**counts, RESOLVED: len(self.resolved)}


#: The counts a pending-exports run records, in the table's column order.
PENDING_COUNTS = (
    "objects", "adds", "updates", "deletes", "delete_adds", "escrowed", "unconfirmed",
)  # fmt: skip


@dataclass(frozen=True)
class PendingRunInfo:
    """One staging server's pending exports as a nightly run saw them."""

    server: str  # the server's key (NetBIOS name, casefolded)
    started: datetime
    export_date: str = ""
    export_path: str = ""
    verdict: str = "pass"
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingItem:
    """A pending-exports finding as the history tracks it: one rule on one connector (and
    attribute); ``objects`` and ``message`` are updated each run, the fingerprint is not."""

    fingerprint: str
    rule: str
    connector: str
    attribute: str
    severity: str
    objects: int
    message: str
    first_seen: str = ""


@dataclass(frozen=True)
class PendingRunResult:
    run_id: int
    states: Mapping[str, FindingState]  # by fingerprint
    resolved: Sequence[PendingItem]

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, OPEN: 0, REOPENED: 0}
        for state in self.states.values():
            counts[state.status] += 1
        return {**counts, RESOLVED: len(self.resolved)}


@dataclass(frozen=True)
class PendingRunRecord:
    id: int
    server: str
    started: str
    export_date: str
    verdict: str
    objects: int
    adds: int
    updates: int
    deletes: int
    delete_adds: int
    escrowed: int
    unconfirmed: int
    blocking: int
    warning: int
    info: int
    new: int
    open: int
    reopened: int
    resolved: int


def _error(path: Path, reason: str) -> InputError:
    one_line = " ".join(reason.split())
    return InputError(f"{one_line}; the file was left as it is", file=str(path))


def _check_header(path: Path) -> bytes:
    """The file's first 100 bytes (empty for a new file); a file that is not SQLite is
    refused here, without opening it (SQLite would not write to it either, but the reason
    is clearer)."""
    if path.is_dir():
        raise InputError("is a folder, not a history database", file=str(path))
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    if head and not head.startswith(SQLITE_HEADER):
        raise _error(path, "not a driftcheck history database (not an SQLite file)")
    return head


def _is_wal(head: bytes) -> bool:
    """Bytes 18 and 19 of the header, the read and write format versions, are 2 in WAL mode."""
    return len(head) >= 20 and head[18] == 2 and head[19] == 2


def _use_wal(db: sqlite3.Connection, head: bytes, path: Path) -> None:
    """Switch to the WAL journal (once per file). Switching rewrites the header, so an
    existing file is checked first: a corrupt one must be refused untouched."""
    if _is_wal(head):
        return
    if head:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise _error(path, f"unreadable history database ({problems[0]})")
    db.execute("PRAGMA journal_mode = WAL")


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None)


def _validate(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of an existing driftcheck history (0 for an empty file)."""
    app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if app_id == 0:
        tables = int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        if tables or version:
            raise _error(path, "not a driftcheck history database (another application's)")
    elif app_id != APPLICATION_ID:
        raise _error(path, "not a driftcheck history database (another application's)")
    if version > SCHEMA_VERSION:
        raise _error(
            path,
            f"history schema {version} was written by a newer driftcheck "
            f"(this one reads up to {SCHEMA_VERSION})",
        )
    return version


class HistoryStore:
    """An open history file. Use :func:`open_history` (a context manager)."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self.db = db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``IMMEDIATE``): a concurrent run waits here
        for up to :data:`BUSY_TIMEOUT` seconds, and a run that dies before ``COMMIT`` changes
        nothing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def migrate(self) -> None:
        with self._transaction() as db:
            version = _validate(db, self.path)  # again, under the lock: another run may have
            if version == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for n in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[n].split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- recording a run ---------------------------------------------------------------------

    def record(
        self,
        run: RunInfo,
        items: Sequence[Tracked],
        *,
        keep_days: int = DEFAULT_KEEP_DAYS,
    ) -> RunResult:
        """Record one run and its findings in one transaction; return each finding's state."""
        now = run.started.astimezone(UTC)
        started = iso(now)
        unique: dict[str, Tracked] = {}
        for item in items:
            unique.setdefault(item.fingerprint, item)
        with self._transaction() as db:
            previous = db.execute(
                "SELECT id FROM runs WHERE pair = ? ORDER BY id DESC LIMIT 1", (run.pair,)
            ).fetchone()
            previous_id: int | None = previous[0] if previous else None
            run_id = self._insert_run(db, run, started)
            known = {
                row[0]: (row[1], row[2], row[3])
                for row in db.execute(
                    "SELECT fingerprint, first_seen, last_seen_run, times_seen FROM findings "
                    "WHERE pair = ?",
                    (run.pair,),
                )
            }
            states: dict[str, FindingState] = {}
            inserts, updates = [], []
            for fp, item in unique.items():
                seen = known.get(fp)
                if seen is None:
                    state = FindingState(NEW, started, 0)
                    inserts.append(_finding_row(run.pair, fp, item, started, run_id))
                else:
                    first_seen, last_run, times = seen
                    status = OPEN if last_run == previous_id else REOPENED
                    state = FindingState(status, first_seen, age_days(first_seen, now))
                    updates.append(
                        (
                            item.severity,
                            status,
                            started,
                            run_id,
                            times + 1,
                            _json(item.primary),
                            _json(item.staging),
                            run.pair,
                            fp,
                        )
                    )
                states[fp] = state
            db.executemany(
                "INSERT INTO findings (pair, fingerprint, kind, section, object, connector, "
                "path, change, primary_value, staging_value, severity, status, first_seen, "
                "last_seen, last_seen_run, times_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, 1)",
                inserts,
            )
            db.executemany(
                "UPDATE findings SET severity = ?, status = ?, last_seen = ?, "
                "last_seen_run = ?, times_seen = ?, primary_value = ?, staging_value = ?, "
                "resolved_at = NULL WHERE pair = ? AND fingerprint = ?",
                updates,
            )
            resolved = self._resolve(db, run.pair, previous_id, started)
            counts = RunResult(run_id, run.pair, started, previous_id, states, resolved).counts()
            db.execute(
                "UPDATE runs SET new = ?, open = ?, reopened = ?, resolved = ? WHERE id = ?",
                (counts[NEW], counts[OPEN], counts[REOPENED], counts[RESOLVED], run_id),
            )
            pruned = self._prune(db, now - timedelta(days=keep_days), run_id)
        return RunResult(run_id, run.pair, started, previous_id, states, resolved, pruned)

    @staticmethod
    def _insert_run(db: sqlite3.Connection, run: RunInfo, started: str) -> int:
        cursor = db.execute(
            "INSERT INTO runs (pair, started, primary_server, staging_server, "
            "primary_export_date, staging_export_date, primary_version, staging_version, "
            "primary_path, staging_path, verdict, fail_on, blocking, warning, info, "
            "suppressed, checks_failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.pair,
                started,
                run.primary_server,
                run.staging_server,
                run.primary_export_date,
                run.staging_export_date,
                run.primary_version,
                run.staging_version,
                run.primary_path,
                run.staging_path,
                run.verdict,
                run.fail_on,
                *(int(run.by_severity.get(level, 0)) for level in SEVERITY_ORDER),
                run.suppressed,
                run.checks_failed,
            ),
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    def _resolve(
        db: sqlite3.Connection, pair: str, previous_id: int | None, started: str
    ) -> list[StoredFinding]:
        """Findings of the previous run of ``pair`` that this run did not see."""
        if previous_id is None:
            return []
        rows = db.execute(
            f"SELECT {_FINDING_COLUMNS} FROM findings WHERE pair = ? AND last_seen_run = ? "
            "AND status != 'resolved'",
            (pair, previous_id),
        ).fetchall()
        db.execute(
            "UPDATE findings SET status = 'resolved', resolved_at = ? "
            "WHERE pair = ? AND last_seen_run = ? AND status != 'resolved'",
            (started, pair, previous_id),
        )
        return [
            _stored(row, status=RESOLVED, resolved_at=started)
            for row in sorted(rows, key=lambda r: (r[1], r[2], r[3].casefold(), r[5]))
        ]

    @staticmethod
    def _prune(db: sqlite3.Connection, cutoff: datetime, current: int) -> int:
        """Forget runs older than ``cutoff`` and the findings last seen before it."""
        limit = iso(cutoff)
        cursor = db.execute("DELETE FROM runs WHERE started < ? AND id != ?", (limit, current))
        db.execute(
            "DELETE FROM findings WHERE last_seen < ? AND last_seen_run != ?", (limit, current)
        )
        return int(cursor.rowcount)

    # --- pending exports (schema 2) -------------------------------------------------------------

    def record_pending(
        self,
        run: PendingRunInfo,
        findings: Sequence[PendingItem],
        *,
        keep_days: int = DEFAULT_KEEP_DAYS,
    ) -> PendingRunResult:
        """Record one staging server's pending exports and their findings in one transaction;
        return each finding's state and the findings of the server's previous run now gone."""
        now = run.started.astimezone(UTC)
        started = iso(now)
        unique: dict[str, PendingItem] = {}
        for item in findings:
            unique.setdefault(item.fingerprint, item)
        with self._transaction() as db:
            previous = db.execute(
                "SELECT id FROM pending_runs WHERE server = ? ORDER BY id DESC LIMIT 1",
                (run.server,),
            ).fetchone()
            previous_id: int | None = previous[0] if previous else None
            cursor = db.execute(
                "INSERT INTO pending_runs (server, started, export_date, export_path, verdict, "
                "objects, adds, updates, deletes, delete_adds, escrowed, unconfirmed, blocking, "
                "warning, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.server,
                    started,
                    run.export_date,
                    run.export_path,
                    run.verdict,
                    *(int(run.counts.get(key, 0)) for key in PENDING_COUNTS),
                    *(sum(1 for f in unique.values() if f.severity == level)
                      for level in SEVERITY_ORDER),
                ),
            )  # fmt: skip
            run_id = int(cursor.lastrowid or 0)
            known = {
                row[0]: (row[1], row[2], row[3])
                for row in db.execute(
                    "SELECT fingerprint, first_seen, last_seen_run, times_seen "
                    "FROM pending_findings WHERE server = ?",
                    (run.server,),
                )
            }
            states: dict[str, FindingState] = {}
            for fp, item in unique.items():
                seen = known.get(fp)
                if seen is None:
                    states[fp] = FindingState(NEW, started, 0)
                    db.execute(
                        "INSERT INTO pending_findings (server, fingerprint, rule, connector, "
                        "attribute, severity, objects, message, status, first_seen, last_seen, "
                        "last_seen_run, times_seen) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, 1)",
                        (run.server, fp, item.rule, item.connector, item.attribute,
                         item.severity, item.objects, item.message, started, started, run_id),
                    )  # fmt: skip
                    continue
                first_seen, last_run, times = seen
                status = OPEN if last_run == previous_id else REOPENED
                states[fp] = FindingState(status, first_seen, age_days(first_seen, now))
                db.execute(
                    "UPDATE pending_findings SET severity = ?, objects = ?, message = ?, "
                    "status = ?, last_seen = ?, last_seen_run = ?, times_seen = ?, "
                    "resolved_at = NULL WHERE server = ? AND fingerprint = ?",
                    (item.severity, item.objects, item.message, status, started, run_id,
                     times + 1, run.server, fp),
                )  # fmt: skip
            resolved: list[PendingItem] = []
            if previous_id is not None:
                rows = db.execute(
                    "SELECT fingerprint, rule, connector, attribute, severity, objects, message, "
                    "first_seen FROM pending_findings WHERE server = ? AND last_seen_run = ? "
                    "AND status != 'resolved' ORDER BY id",
                    (run.server, previous_id),
                ).fetchall()
                resolved = [PendingItem(*row) for row in rows]
                db.execute(
                    "UPDATE pending_findings SET status = 'resolved', resolved_at = ? "
                    "WHERE server = ? AND last_seen_run = ? AND status != 'resolved'",
                    (started, run.server, previous_id),
                )
            result = PendingRunResult(run_id, states, tuple(resolved))
            counts = result.counts()
            db.execute(
                "UPDATE pending_runs SET new = ?, open = ?, reopened = ?, resolved = ? "
                "WHERE id = ?",
                (counts[NEW], counts[OPEN], counts[REOPENED], counts[RESOLVED], run_id),
            )
            limit = iso(now - timedelta(days=keep_days))
            db.execute("DELETE FROM pending_runs WHERE started < ? AND id != ?", (limit, run_id))
            db.execute(
                "DELETE FROM pending_findings WHERE last_seen < ? AND last_seen_run != ?",
                (limit, run_id),
            )
        return result

    def pending_runs(self, server: str) -> list[PendingRunRecord]:
        """The recorded pending-export runs of one staging server, oldest first."""
        rows = self.db.execute(
            "SELECT id, server, started, export_date, verdict, objects, adds, updates, deletes, "
            "delete_adds, escrowed, unconfirmed, blocking, warning, info, new, open, reopened, "
            "resolved FROM pending_runs WHERE server = ? ORDER BY id",
            (server,),
        ).fetchall()
        return [PendingRunRecord(*row) for row in rows]

    def pending_servers(self) -> list[str]:
        """The staging servers with recorded pending exports (keys, sorted)."""
        rows = self.db.execute("SELECT DISTINCT server FROM pending_runs ORDER BY server")
        return [row[0] for row in rows]

    def open_pending(self, server: str) -> list[PendingItem]:
        """The pending-exports findings seen in the server's latest run, oldest first."""
        rows = self.db.execute(
            "SELECT fingerprint, rule, connector, attribute, severity, objects, message, "
            "first_seen FROM pending_findings WHERE server = ? AND status != 'resolved' AND "
            "last_seen_run = (SELECT max(id) FROM pending_runs WHERE server = ?) "
            "ORDER BY first_seen, id",
            (server, server),
        ).fetchall()
        return [PendingItem(*row) for row in rows]

    # --- reading ------------------------------------------------------------------------------

    def runs(self, pair: str | None = None) -> list[RunRecord]:
        query = f"SELECT {_RUN_COLUMNS} FROM runs"
        args: tuple[str, ...] = ()
        if pair is not None:
            query += " WHERE pair = ?"
            args = (pair,)
        return [RunRecord(*row) for row in self.db.execute(query + " ORDER BY id", args)]

    def open_findings(self, pair: str | None = None) -> list[StoredFinding]:
        """Findings seen in the latest run of their pair, oldest first."""
        query = (
            f"SELECT {_FINDING_COLUMNS}, f.pair FROM findings f "
            "JOIN (SELECT pair, max(id) AS latest FROM runs GROUP BY pair) r "
            "ON f.pair = r.pair AND f.last_seen_run = r.latest "
            "WHERE f.status != 'resolved'"
        )
        args: tuple[str, ...] = ()
        if pair is not None:
            query += " AND f.pair = ?"
            args = (pair,)
        rows = self.db.execute(query + " ORDER BY f.first_seen, f.id", args).fetchall()
        return [_stored(row[:-1], pair=row[-1]) for row in rows]

    def pairs(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT pair FROM runs ORDER BY pair")]


_FINDING_COLUMNS = (
    "fingerprint, kind, section, object, connector, path, change, primary_value, "
    "staging_value, severity, status, first_seen, last_seen, resolved_at, times_seen"
)
_RUN_COLUMNS = (
    "id, pair, started, primary_server, staging_server, primary_export_date, "
    "staging_export_date, primary_version, staging_version, verdict, fail_on, blocking, "
    "warning, info, suppressed, checks_failed, new, open, reopened, resolved"
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _finding_row(
    pair: str, fp: str, item: Tracked, started: str, run_id: int
) -> tuple[object, ...]:
    return (
        pair,
        fp,
        item.kind,
        item.section,
        item.object,
        item.connector,
        item.path,
        item.change,
        _json(item.primary),
        _json(item.staging),
        item.severity,
        started,
        started,
        run_id,
    )


def _stored(
    row: Sequence[Any], *, status: str | None = None, resolved_at: str | None = None, pair: str = ""
) -> StoredFinding:
    (fp, kind, section, obj, connector, path, change, p, s, severity) = row[:10]
    (row_status, first_seen, last_seen, row_resolved, times) = row[10:15]
    finding = Tracked(
        kind=kind,
        section=section,
        object=obj,
        connector=connector,
        path=path,
        change=change,
        primary=json.loads(p),
        staging=json.loads(s),
        severity=severity,
    )
    return StoredFinding(
        finding=finding,
        fingerprint=fp,
        status=status or row_status,
        first_seen=first_seen,
        last_seen=last_seen,
        resolved_at=resolved_at or row_resolved,
        times_seen=times,
        pair=pair,
    )


@contextmanager
def open_history(path: Path, *, read_only: bool = False) -> Iterator[HistoryStore]:
    """Open (and for writing, create or migrate) the history at ``path``.

    Every SQLite error becomes an :class:`InputError` naming the file; nothing has been
    written to a file that is refused.
    """
    head = _check_header(path)
    if read_only and not path.is_file():
        raise InputError("no such file", file=str(path))
    if not read_only and not path.parent.is_dir():
        raise InputError("the folder does not exist", file=str(path))
    try:
        db = _connect(path, read_only=read_only)
    except sqlite3.Error as exc:
        raise _error(path, f"cannot open the history database ({exc})") from None
    try:
        try:
            version = _validate(db, path)
            if not read_only:
                _use_wal(db, head, path)
                db.execute("PRAGMA synchronous = NORMAL")
                if version < SCHEMA_VERSION:
                    HistoryStore(path, db).migrate()
            elif version == 0:
                raise _error(path, "no run is recorded in it yet (an empty database)")
            elif version < SCHEMA_VERSION:
                raise _error(path, f"history schema {version} needs a run with --history first")
        except sqlite3.Error as exc:
            raise _error(path, f"unreadable history database ({exc})") from None
        store = HistoryStore(path, db)
        try:
            yield store
        except sqlite3.Error as exc:
            raise _error(path, f"unreadable history database ({exc})") from None
    finally:
        db.close()


def record_run(
    path: Path,
    run: RunInfo,
    items: Sequence[Tracked],
    *,
    keep_days: int = DEFAULT_KEEP_DAYS,
) -> RunResult:
    """Open the history at ``path``, record one run in it and close it."""
    with open_history(path) as store:
        return store.record(run, items, keep_days=keep_days)
