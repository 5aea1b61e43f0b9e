"""The manifest format: what a generated export pair must make driftcheck report.

One JSON file per scenario (``samples/expected-drift.json``, ``samples/upgrade-expected.json``,
``planted.json`` next to a generated estate, ``manifest.json`` in a nightly drop), in
driftcheck's own terms so that tests compare it with a report directly::

    {
      "format": "exportkit/manifest/v1",
      "scenario": "fabrikam-samples",
      "primary": {"folder": "primary", "server": "FAB-SYNC01", "version": "2.4.18.0", "rules": 44},
      "staging": {"folder": "staging", "server": "FAB-SYNC02", "version": "2.4.27.0", "rules": 45},
      "findings": [
        {"section": "sync-rule", "object": "In from AD - User Department Fixup",
         "connector": "fabrikam.com", "path": "attribute-flows/department/expression",
         "change": "modified", "severity": "blocking", "item": "1"},
        ...
      ],
      ...scenario-specific documentation (items, noise, classes)...
    }

A finding's ``section``, ``object``, ``connector`` (null outside connectors and rules),
``path`` and ``change`` are those of a report's ``differences`` entry; ``severity`` is the one
driftcheck's built-in policy gives it. Optional keys: ``item`` (the scenario's numbered item it
belongs to), ``class`` (the upgrade manifest's product-change class, or a planted change's
kind), ``ignored_by`` (the built-in ignore rule that hides it in an equal-version comparison:
such a finding is in the report's ``suppressed`` list today, not in ``differences``),
``baseline_severity`` (the severity of an equal-version comparison, where ``severity`` is the
one expected in another mode: the upgrade manifest's product changes are ``info`` in upgrade
mode).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "exportkit/manifest/v1"


@dataclass(frozen=True)
class Finding:
    section: str
    object: str
    connector: str | None
    path: str
    change: str  # added | removed | modified
    severity: str  # info | warning | blocking
    item: str = ""
    cls: str = ""
    ignored_by: str = ""
    #: The severity today's equal-version comparison gives it, where the manifest's
    #: ``severity`` is that of another mode (the upgrade manifest: upgrade mode's ``info``).
    baseline: str = ""

    @property
    def key(self) -> tuple[str, str, str | None, str, str]:
        """What identifies the difference in a report (without its severity)."""
        return (self.section, self.object, self.connector, self.path, self.change)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "section": self.section,
            "object": self.object,
            "connector": self.connector,
            "path": self.path,
            "change": self.change,
            "severity": self.severity,
        }
        if self.item:
            out["item"] = self.item
        if self.cls:
            out["class"] = self.cls
        if self.ignored_by:
            out["ignored_by"] = self.ignored_by
        if self.baseline:
            out["baseline_severity"] = self.baseline
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            section=data["section"],
            object=data["object"],
            connector=data["connector"],
            path=data["path"],
            change=data["change"],
            severity=data["severity"],
            item=str(data.get("item", "")),
            cls=data.get("class", ""),
            ignored_by=data.get("ignored_by", ""),
            baseline=data.get("baseline_severity", ""),
        )


def manifest(scenario: str, findings: list[Finding], **extra: Any) -> dict[str, Any]:
    """A manifest document; ``extra`` keys (sides, items, noise...) are written as given."""
    head: dict[str, Any] = {"format": FORMAT, "scenario": scenario}
    return (
        head
        | {k: v for k, v in extra.items() if k != "findings"}
        | {"findings": [f.to_json() for f in findings]}
    )


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def write_manifest(path: Path, document: dict[str, Any]) -> None:
    path.write_text(dumps(document), encoding="utf-8")


def read_findings(path: Path) -> list[Finding]:
    """The findings of a manifest file (raises ValueError for another format)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT:
        raise ValueError(f"{path}: not an {FORMAT} manifest")
    return [Finding.from_json(f) for f in document["findings"]]
