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

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from driftcheck.errors import InputError
from driftcheck.history.dbfile import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    check_header,
    connect,
    history_error,
    use_wal,
    validate,
)

# Read here, at migration time, so that a test can stand in an older version's migrations.
from driftcheck.history.dbfile import MIGRATIONS as MIGRATIONS
from driftcheck.history.fingerprint import Tracked
from driftcheck.history.records import (
    NEW,
    OPEN,
    PENDING_COUNTS,
    REOPENED,
    RESOLVED,
    FindingState,
    PendingItem,
    PendingRunInfo,
    PendingRunRecord,
    PendingRunResult,
    RunInfo,
    RunRecord,
    RunResult,
    StoredFinding,
    age_days,
    iso,
)
from driftcheck.history.rows import (
    FINDING_COLUMNS,
    RUN_COLUMNS,
    finding_row,
    json_text,
    stored_finding,
)
from driftcheck.model.vocab import SEVERITY_ORDER

DEFAULT_KEEP_DAYS = 400


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
            version = validate(db, self.path)  # again, under the lock: another run may have
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
                    inserts.append(finding_row(run.pair, fp, item, started, run_id))
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
                            json_text(item.primary),
                            json_text(item.staging),
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
            f"SELECT {FINDING_COLUMNS} FROM findings WHERE pair = ? AND last_seen_run = ? "
            "AND status != 'resolved'",
            (pair, previous_id),
        ).fetchall()
        db.execute(
            "UPDATE findings SET status = 'resolved', resolved_at = ? "
            "WHERE pair = ? AND last_seen_run = ? AND status != 'resolved'",
            (started, pair, previous_id),
        )
        return [
            stored_finding(row, status=RESOLVED, resolved_at=started)
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
        query = f"SELECT {RUN_COLUMNS} FROM runs"
        args: tuple[str, ...] = ()
        if pair is not None:
            query += " WHERE pair = ?"
            args = (pair,)
        return [RunRecord(*row) for row in self.db.execute(query + " ORDER BY id", args)]

    def open_findings(self, pair: str | None = None) -> list[StoredFinding]:
        """Findings seen in the latest run of their pair, oldest first."""
        query = (
            f"SELECT {FINDING_COLUMNS}, f.pair FROM findings f "
            "JOIN (SELECT pair, max(id) AS latest FROM runs GROUP BY pair) r "
            "ON f.pair = r.pair AND f.last_seen_run = r.latest "
            "WHERE f.status != 'resolved'"
        )
        args: tuple[str, ...] = ()
        if pair is not None:
            query += " AND f.pair = ?"
            args = (pair,)
        rows = self.db.execute(query + " ORDER BY f.first_seen, f.id", args).fetchall()
        return [stored_finding(row[:-1], pair=row[-1]) for row in rows]

    def pairs(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT pair FROM runs ORDER BY pair")]


@contextmanager
def open_history(path: Path, *, read_only: bool = False) -> Iterator[HistoryStore]:
    """Open (and for writing, create or migrate) the history at ``path``.

    Every SQLite error becomes an :class:`InputError` naming the file; nothing has been
    written to a file that is refused.
    """
    head = check_header(path)
    if read_only and not path.is_file():
        raise InputError("no such file", file=str(path))
    if not read_only and not path.parent.is_dir():
        raise InputError("the folder does not exist", file=str(path))
    try:
        db = connect(path, read_only=read_only)
    except sqlite3.Error as exc:
        raise history_error(path, f"cannot open the history database ({exc})") from None
    try:
        try:
            version = validate(db, path)
            if not read_only:
                use_wal(db, head, path)
                db.execute("PRAGMA synchronous = NORMAL")
                if version < SCHEMA_VERSION:
                    HistoryStore(path, db).migrate()
            elif version == 0:
                raise history_error(path, "no run is recorded in it yet (an empty database)")
            elif version < SCHEMA_VERSION:
                raise history_error(
                    path, f"history schema {version} needs a run with --history first"
                )
        except sqlite3.Error as exc:
            raise history_error(path, f"unreadable history database ({exc})") from None
        store = HistoryStore(path, db)
        try:
            yield store
        except sqlite3.Error as exc:
            raise history_error(path, f"unreadable history database ({exc})") from None
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
