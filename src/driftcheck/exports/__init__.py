"""Pending exports (the Verify step of a switchover): what a staging server would write to
Entra ID and AD the moment staging mode is turned off, read from ``csexport /f:x`` files.

Public API: :func:`verify_exports` (paths + :class:`ExportsOptions` -> :class:`ExportsResult`).
"""

from __future__ import annotations

from driftcheck.exports.parallel import ObjectSink
from driftcheck.exports.result import SCHEMA, ExportsResult, PendingFinding
from driftcheck.exports.rules import CATALOGUE, DEFAULT_THRESHOLDS, RuleSettings, Thresholds
from driftcheck.exports.run import ExportsOptions, verify_exports

__all__ = [
    "CATALOGUE",
    "DEFAULT_THRESHOLDS",
    "SCHEMA",
    "ExportsOptions",
    "ExportsResult",
    "ObjectSink",
    "PendingFinding",
    "RuleSettings",
    "Thresholds",
    "verify_exports",
]
