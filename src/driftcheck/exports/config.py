"""What the staging server's configuration export says about its pending exports: each
connector's type and the export deletion threshold (``--config``)."""

from __future__ import annotations

import re
from pathlib import Path

from driftcheck.exports.aggregate import ConnectorFacts, ServerFacts
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export

THRESHOLD_VALUE = "Microsoft.OptionalFeature.ExportDeletionThresholdValue"
THRESHOLD_ENABLED = "Microsoft.OptionalFeature.ExportDeletionThreshold"

_ENTRA_SUBTYPES = ("windows azure active directory", "microsoft entra", "azure active directory")


def connector_kind(category: str, subtype: str) -> str:
    """``ad``, ``entra-id`` or ``other`` from a connector's category and sub-type."""
    if category.strip().casefold() == "ad":
        return "ad"
    folded = subtype.casefold()
    if any(s in folded for s in _ENTRA_SUBTYPES):
        return "entra-id"
    return "other"


def _enabled(value: str | None) -> bool | None:
    folded = (value or "").strip().casefold()
    return {"true": True, "false": False, "1": True, "0": False}.get(folded)


def server_facts(path: Path) -> ServerFacts:
    """Read ``path`` (a Get-ADSyncServerConfiguration folder or zip) for the facts above."""
    model = server_configuration(read_export(path), defer_schemas=True)
    settings = {p.name: p.value for p in model.global_settings}
    raw = settings.get(THRESHOLD_VALUE)
    threshold = int(raw) if raw and re.fullmatch(r"\s*\d{1,9}\s*", raw) else None
    connectors = {
        c.name: ConnectorFacts(
            connector_kind(c.category, str(dict(c.settings).get("subtype", ""))), "--config"
        )
        for c in model.connectors
    }
    return ServerFacts(
        location=str(path),
        connectors=connectors,
        deletion_threshold=threshold if threshold else None,
        deletion_threshold_enabled=_enabled(settings.get(THRESHOLD_ENABLED)),
    )
