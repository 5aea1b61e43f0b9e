"""The history file itself: its SQLite schema and migrations, and opening it safely.

A file that is not a driftcheck history (or is damaged, or newer than this version) is refused
with a one-line reason before anything is written to it.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from driftcheck.errors import InputError

#: ``PRAGMA application_id`` of a driftcheck history ("DCHI"): tells it from other databases.
APPLICATION_ID = 0x44434849


#: How long a run waits for another run that holds the database, in seconds.
BUSY_TIMEOUT = 300.0


SQLITE_HEADER = b"SQLite format 3\x00"


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


def history_error(path: Path, reason: str) -> InputError:
    one_line = " ".join(reason.split())
    return InputError(f"{one_line}; the file was left as it is", file=str(path))


def check_header(path: Path) -> bytes:
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
        raise history_error(path, "not a driftcheck history database (not an SQLite file)")
    return head


def is_wal(head: bytes) -> bool:
    """Bytes 18 and 19 of the header, the read and write format versions, are 2 in WAL mode."""
    return len(head) >= 20 and head[18] == 2 and head[19] == 2


def use_wal(db: sqlite3.Connection, head: bytes, path: Path) -> None:
    """Switch to the WAL journal (once per file). Switching rewrites the header, so an
    existing file is checked first: a corrupt one must be refused untouched."""
    if is_wal(head):
        return
    if head:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise history_error(path, f"unreadable history database ({problems[0]})")
    db.execute("PRAGMA journal_mode = WAL")


def connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None)


def validate(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of an existing driftcheck history (0 for an empty file)."""
    app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if app_id == 0:
        tables = int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        if tables or version:
            raise history_error(path, "not a driftcheck history database (another application's)")
    elif app_id != APPLICATION_ID:
        raise history_error(path, "not a driftcheck history database (another application's)")
    if version > SCHEMA_VERSION:
        raise history_error(
            path,
            f"history schema {version} was written by a newer driftcheck "
            f"(this one reads up to {SCHEMA_VERSION})",
        )
    return version
