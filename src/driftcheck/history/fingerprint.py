"""A finding's identity across runs: a stable fingerprint of *what* drifted.

The same drift on the next night must be the same finding, so the fingerprint is a hash of
the kind of finding, its section, object, connector, path, change and both values, after
normalisation; never of the run's time, of server-local GUIDs or of the report's order. The
severity is left out too: a policy that raises a drift from info to warning does not make it
a new drift.

Anything finding-like is tracked the same way: :func:`from_difference` and
:func:`from_check` turn a report's differences and readiness checks into :class:`Tracked`
items, and :func:`tracked_items` collects both from a report.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from driftcheck.compare.masking import mask_secrets
from driftcheck.model.vocab import Severity
from driftcheck.report.types import Finding

#: Bump when the normalisation changes: every finding would get a new identity.
FINGERPRINT_VERSION = "fp1"
DIFFERENCE = "difference"
CHECK = "check"
#: Readiness checks are tracked under this section name.
READINESS = "readiness"
#: A check whose status is one of these is not a finding.
PASSING = frozenset({"pass", "passed", "ok"})
#: A check with one of these statuses could not be evaluated: not a finding either.
NOT_EVALUATED = frozenset({"not-evaluable", "skipped", "n/a", "not-applicable", "unknown"})

_GUID = re.compile(
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"
)
_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"
)


@dataclass(frozen=True)
class Tracked:
    """One finding-like item a run saw: a reported difference or a failed readiness check.

    Values are as the report shows them (secrets already masked); :attr:`fingerprint` is
    computed from their normalised form.
    """

    kind: str
    section: str
    object: str
    connector: str
    path: str
    change: str
    primary: Any
    staging: Any
    severity: str

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(
            self.kind,
            self.section,
            self.object,
            self.connector,
            self.path,
            self.change,
            self.primary,
            self.staging,
        )


def normalise_value(value: Any) -> Any:
    """A value with what changes from night to night without being drift taken out:
    GUIDs and date-times become placeholders, text is whitespace-collapsed."""
    if isinstance(value, str):
        text = _TIME.sub("{time}", _GUID.sub("{guid}", value))
        return " ".join(text.split())
    if isinstance(value, Mapping):
        return {str(k): normalise_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_value(v) for v in value]
    return value


def _name(text: str) -> str:
    """Names are matched ignoring case (as driftcheck matches objects) and outer spaces."""
    return " ".join(text.split()).casefold()


def fingerprint(
    kind: str,
    section: str,
    obj: str,
    connector: str,
    path: str,
    change: str,
    primary: Any,
    staging: Any,
) -> str:
    """The identity of a finding: 32 hex digits of a SHA-256 over its normalised fields."""
    parts = [
        FINGERPRINT_VERSION,
        kind,
        section,
        _name(obj),
        _name(connector),
        _name(path),
        change,
        normalise_value(primary),
        normalise_value(staging),
    ]
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def from_difference(d: Finding) -> Tracked:
    """A reported difference (its values are masked by the report already)."""
    return Tracked(
        kind=DIFFERENCE,
        section=d.section,
        object=d.object,
        connector=d.connector or "",
        path=d.path,
        change=d.change,
        primary=d.primary,
        staging=d.staging,
        severity=d.severity,
    )


def check_id(c: Mapping[str, Any]) -> str:
    return _text(c.get("id") or c.get("name") or c.get("title"))


def from_check(c: Mapping[str, Any]) -> Tracked | None:
    """A failed readiness check, or ``None`` when it passed or could not be evaluated.

    Read generically, so that the check list can grow without changing the history: the
    check's ``id`` is the object, the server(s) it ran on (``servers``) stand in the connector's
    place, and the values it read (``evidence``; else ``primary``/``staging``; else its
    ``message``) are the values.
    """
    status = _text(c.get("status") or c.get("result")).casefold()
    if status in PASSING or status in NOT_EVALUATED or c.get("passed") is True:
        return None
    servers = c.get("servers")
    where = ",".join(str(s) for s in servers) if isinstance(servers, list) else ""
    if "evidence" in c:
        primary, staging = mask_secrets(c.get("evidence")), None
    elif "primary" in c or "staging" in c:
        primary, staging = mask_secrets(c.get("primary")), mask_secrets(c.get("staging"))
    else:
        primary, staging = c.get("detail", c.get("message")), None
    return Tracked(
        kind=CHECK,
        section=READINESS,
        object=check_id(c),
        connector=where,
        path=_text(c.get("path") or c.get("title")),
        change=status or "fail",
        primary=primary,
        staging=staging,
        severity=_text(c.get("severity")) or Severity.WARNING,
    )


def tracked_items(
    differences: Iterable[Finding], checks: Iterable[Mapping[str, Any]] = ()
) -> list[Tracked]:
    """Everything a run tracks: each reported difference and each failed readiness check
    (checks as their JSON entries)."""
    items = [from_difference(d) for d in differences]
    items += [t for t in (from_check(c) for c in checks) if t is not None]
    return items
