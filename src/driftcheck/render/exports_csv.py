"""The pending exports as CSV: one row per object and attribute change, written as read.

This is the file admins build by hand from CSExportAnalyzer today, with the values. It is
written row by row while the files stream (never held in memory) into a temporary file that
replaces the target only when the whole run succeeds.

Excel runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as
a formula (CSV injection). Such a cell is written with a leading single quote, which Excel
shows as text; a reader that wants the raw value drops one leading ``'`` from those cells.
A cell longer than Excel's 32,767 characters is cut (the JSON has no such limit; see
docs/pending-exports.md).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import TextIO

from driftcheck.exports.changes import Operation, PendingObject

COLUMNS = (
    "connector",
    "object type",
    "DN",
    "displayName",
    "userPrincipalName",
    "sourceAnchor",
    "operation",
    "attribute",
    "attribute operation",
    "old value",
    "new value",
    "mail",
    "old value in file",
    "cs-object id",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel's longest cell, less room for the quote and the mark of a cut.
CELL_CHARS = 32_000


def cell(value: str) -> str:
    """A value safe in an Excel cell: never a formula, never longer than a cell holds."""
    if len(value) > CELL_CHARS:
        value = value[: CELL_CHARS - 1] + "…"
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """Writes rows to ``handle`` (opened with ``newline=""``) as objects arrive.

    When the reader cuts a large file into ranges read by workers, each worker writes its rows
    to a spool file in ``spool_in`` (:meth:`spool`) and the rows are appended here in file
    order (:meth:`append_spool`); without ``spool_in`` the file is read in one piece.
    """

    def __init__(
        self, handle: TextIO, *, spool_in: Path | None = None, header: bool = True
    ) -> None:
        self._handle = handle
        self._writer = csv.writer(handle, lineterminator="\r\n")
        if header:
            self._writer.writerow(COLUMNS)
        self._spool_in = spool_in

    def spool_folder(self) -> Path | None:
        return self._spool_in

    def spool(self, handle: TextIO) -> CsvWriter:
        return CsvWriter(handle, header=False)

    def append_spool(self, handle: TextIO) -> None:
        shutil.copyfileobj(handle, self._handle, 1024 * 1024)

    def __call__(self, connector: str, obj: PendingObject) -> None:
        operation = obj.operation
        if operation is None:
            return
        identity = obj.identity
        head = [
            cell(connector),
            cell(obj.object_type),
            cell(obj.dn),
            cell(identity.display_name),
            cell(identity.user_principal_name),
            cell(identity.source_anchor),
            operation.value,
        ]
        tail = [cell(identity.mail), "yes" if obj.old_known else "no", cell(obj.id)]
        rows: list[list[str]] = []
        if operation is not Operation.DELETE:
            for change in obj.changes:
                known = "yes" if change.old_known else "no"
                if change.multivalued:
                    for value in change.removed:
                        rows.append([cell(change.name), "delete value", cell(value), "", known])
                    for value in change.added:
                        rows.append([cell(change.name), "add value", "", cell(value), known])
                    if not change.removed and not change.added:
                        rows.append([cell(change.name), change.operation, "", "", known])
                else:
                    old = change.old[0] if change.old else ""
                    new = change.new[0] if change.new else ""
                    rows.append([cell(change.name), change.operation, cell(old), cell(new), known])
        if not rows:
            rows.append(["", "", "", "", "yes" if obj.old_known else "no"])
        write = self._writer.writerow
        for attribute, attr_op, old, new, known in rows:
            write([*head, attribute, attr_op, old, new, tail[0], known, tail[2]])
