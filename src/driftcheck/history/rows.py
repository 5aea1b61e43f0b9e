"""The history's records as the database's rows, and back: columns, one finding's row, a row's
finding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# Read here, at migration time, so that a test can stand in an older version's migrations.
from driftcheck.history.dbfile import MIGRATIONS as MIGRATIONS
from driftcheck.history.fingerprint import Tracked
from driftcheck.history.records import (
    StoredFinding,
)

FINDING_COLUMNS = (
    "fingerprint, kind, section, object, connector, path, change, primary_value, "
    "staging_value, severity, status, first_seen, last_seen, resolved_at, times_seen"
)


RUN_COLUMNS = (
    "id, pair, started, primary_server, staging_server, primary_export_date, "
    "staging_export_date, primary_version, staging_version, verdict, fail_on, blocking, "
    "warning, info, suppressed, checks_failed, new, open, reopened, resolved"
)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def finding_row(pair: str, fp: str, item: Tracked, started: str, run_id: int) -> tuple[object, ...]:
    return (
        pair,
        fp,
        item.kind,
        item.section,
        item.object,
        item.connector,
        item.path,
        item.change,
        json_text(item.primary),
        json_text(item.staging),
        item.severity,
        started,
        started,
        run_id,
    )


def stored_finding(
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
